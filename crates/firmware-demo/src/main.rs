//! Firmware-style proof that the MPTCP message layer needs no heap, no std and no runtime.
//!
//! Bare metal (`thumbv7em-none-eabihf`): no global allocator, no `cortex-m-rt`. The
//! vector table, the reset entry and the panic handler are here; the memory map is
//! `link.x`. [`work::run`] builds a family request and an `ADD_ADDR` request and parses
//! a captured family reply, endpoint dump and event; its result is handed to
//! [`black_box`] so link-time optimisation keeps all of it. The program has no RAM
//! statics (link.x asserts `.data` and `.bss` are empty), so Reset needs no RAM set-up.
#![no_std]
#![no_main]

mod work;

use core::hint::{black_box, spin_loop};
use core::panic::PanicInfo;

/// One exception-table slot after the reset vector: a handler or a reserved zero.
#[repr(C)]
pub union Vector {
    handler: extern "C" fn() -> !,
    reserved: usize,
}

/// The reset vector, placed right after the initial stack pointer by `link.x`.
#[used]
#[unsafe(no_mangle)]
#[unsafe(link_section = ".vector_table.reset")]
pub static RESET_VECTOR: extern "C" fn() -> ! = reset;

/// NMI, HardFault, MemManage, BusFault, UsageFault, four reserved, SVCall, DebugMon,
/// one reserved, PendSV, SysTick: all park the core.
#[used]
#[unsafe(no_mangle)]
#[unsafe(link_section = ".vector_table.exceptions")]
pub static EXCEPTIONS: [Vector; 14] = {
    const H: Vector = Vector { handler: park };
    const R: Vector = Vector { reserved: 0 };
    [H, H, H, H, H, R, R, R, R, H, H, R, H, H]
};

/// The entry point: does the work once, publishes the result, then idles.
#[unsafe(export_name = "Reset")]
pub extern "C" fn reset() -> ! {
    black_box(work::run());
    park()
}

/// Where every fault and the end of the program go.
extern "C" fn park() -> ! {
    loop {
        spin_loop();
    }
}

#[panic_handler]
fn panic(_info: &PanicInfo<'_>) -> ! {
    park()
}
