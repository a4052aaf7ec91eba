//! `bench-floor`: a static do-nothing program, the floor the one-shot benchmarks compare
//! against: process creation, exec, the C runtime's start-up and exit, nothing else
//! (no Rust runtime set-up either, as in `mptcp`, which also starts at C `main`).
#![no_main]

/// The C entry point: returns 0 at once.
#[unsafe(no_mangle)]
pub extern "C" fn main(_argc: i32, _argv: *const *const u8) -> i32 {
    0
}
