//! Every `unsafe` call of the CLI: local time, terminals, and the monitor's stop signals.

use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU8, Ordering};

use crate::timefmt::LocalTime;

/// The current local time, with microseconds (`gettimeofday` + `localtime_r`).
pub fn now_local() -> LocalTime {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
    unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &raw mut ts) };
    // SAFETY: all-zero is a valid `tm`.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are valid for the call; localtime_r is thread-safe.
    unsafe { libc::localtime_r(&raw const ts.tv_sec, &raw mut tm) };
    LocalTime {
        year: tm.tm_year + 1900,
        month: (tm.tm_mon + 1) as u32,
        day: tm.tm_mday as u32,
        weekday: tm.tm_wday as u32,
        hour: tm.tm_hour as u32,
        minute: tm.tm_min as u32,
        second: tm.tm_sec as u32,
        usec: (ts.tv_nsec / 1000) as u32,
    }
}

/// Whether stdout is a terminal (`-color=auto`).
pub fn stdout_is_tty() -> bool {
    // SAFETY: isatty only inspects the descriptor.
    unsafe { libc::isatty(1) == 1 }
}

/// Set while the monitor waits in `recvmsg` with stdout flushed.
static IDLE: AtomicBool = AtomicBool::new(false);
/// Set when SIGINT or SIGTERM arrived while the monitor was busy.
static STOP: AtomicBool = AtomicBool::new(false);
/// Which closing text the handler writes: 0 none, 1 `]\n`, 2 ` ]\n`.
static CLOSING: AtomicU8 = AtomicU8::new(0);

fn closing_code(closing: &[u8]) -> u8 {
    match closing {
        b"]\n" => 1,
        b" ]\n" => 2,
        _ => 0,
    }
}

extern "C" fn on_stop(_signal: libc::c_int) {
    if IDLE.load(Ordering::SeqCst) {
        let text: &[u8] = match CLOSING.load(Ordering::SeqCst) {
            1 => b"]\n",
            2 => b" ]\n",
            _ => b"",
        };
        // SAFETY: write(2) and _exit(2) are async-signal-safe; stdout's buffer is
        // empty while IDLE is set, so nothing is lost or interleaved.
        unsafe {
            libc::write(1, text.as_ptr().cast(), text.len());
            libc::_exit(0);
        }
    }
    STOP.store(true, Ordering::SeqCst);
}

/// Makes SIGINT and SIGTERM end the monitor with status 0, writing `closing` (the
/// end of the JSON array) first. Installed even where the signal was ignored, as
/// iproute2 7.1 does, so a background monitor still stops.
pub fn install_stop_handlers(closing: &[u8]) {
    set_closing(closing);
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: all-zero is a valid `sigaction`; the handler is an `extern "C"` fn
        // that only touches atomics and async-signal-safe calls.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_stop as *const () as libc::sighandler_t;
            libc::sigemptyset(&raw mut sa.sa_mask);
            libc::sigaction(signal, &raw const sa, std::ptr::null_mut());
        }
    }
}

/// Updates the closing text after output changed the JSON writer's state.
pub fn set_closing(closing: &[u8]) {
    CLOSING.store(closing_code(closing), Ordering::SeqCst);
}

/// Marks whether the monitor is idle (flushed and about to block).
pub fn set_idle(idle: bool) {
    IDLE.store(idle, Ordering::SeqCst);
}

/// Whether a stop signal arrived while the monitor was busy.
pub fn stop_requested() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// Set by SIGHUP while `endpoint follow` runs: re-read the config.
static RELOAD: AtomicBool = AtomicBool::new(false);
/// Where the follow handler writes a byte to wake the main loop's `poll`, whichever
/// thread the signal was delivered to (-1: nowhere).
static WAKE_FD: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_follow_signal(signal: libc::c_int) {
    if signal == libc::SIGHUP {
        RELOAD.store(true, Ordering::SeqCst);
    } else {
        STOP.store(true, Ordering::SeqCst);
    }
    let fd = WAKE_FD.load(Ordering::SeqCst);
    if fd >= 0 {
        // SAFETY: write(2) is async-signal-safe; the byte lives in static memory and
        // the descriptor stays open while the handler is installed.
        unsafe { libc::write(fd, b"s".as_ptr().cast(), 1) };
    }
}

/// `endpoint follow`: SIGINT and SIGTERM ask it to stop, SIGHUP to re-read its config;
/// each also writes a byte to `wake_fd` (a socket the main loop polls), so a signal
/// taken by a worker thread still wakes it. No `SA_RESTART`.
pub fn install_follow_handlers(wake_fd: i32) {
    WAKE_FD.store(wake_fd, Ordering::SeqCst);
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: all-zero is a valid `sigaction`; the handler only touches atomics and
        // calls write(2), which is async-signal-safe.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_follow_signal as *const () as libc::sighandler_t;
            libc::sigemptyset(&raw mut sa.sa_mask);
            libc::sigaction(signal, &raw const sa, std::ptr::null_mut());
        }
    }
}

/// Whether SIGHUP arrived since the last call.
pub fn take_reload() -> bool {
    RELOAD.swap(false, Ordering::SeqCst)
}

/// Waits until one of `fds` is readable or `timeout_ms` passes (-1: no limit); which
/// are readable. A signal ends the wait early with none readable.
pub fn poll_readable<const N: usize>(fds: [i32; N], timeout_ms: i32) -> std::io::Result<[bool; N]> {
    let mut p = fds.map(|fd| libc::pollfd { fd, events: libc::POLLIN, revents: 0 });
    // SAFETY: `p` is an array of N valid `pollfd`s that outlives the call.
    let n = unsafe { libc::poll(p.as_mut_ptr(), N as libc::nfds_t, timeout_ms) };
    if n < 0 {
        let e = std::io::Error::last_os_error();
        return if e.kind() == std::io::ErrorKind::Interrupted { Ok([false; N]) } else { Err(e) };
    }
    Ok(p.map(|q| q.revents & (libc::POLLIN | libc::POLLERR | libc::POLLHUP) != 0))
}

/// `-r`: the host name of `addr` from `getnameinfo` (NI_NAMEREQD), if it has one.
#[cfg(feature = "dns")]
pub fn reverse_lookup(addr: std::net::IpAddr) -> Option<String> {
    // SAFETY: all-zero is a valid `sockaddr_storage`.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = match addr {
        std::net::IpAddr::V4(a) => {
            let sin = (&raw mut storage).cast::<libc::sockaddr_in>();
            // SAFETY: `sockaddr_storage` is large and aligned enough for `sockaddr_in`.
            unsafe {
                (*sin).sin_family = libc::AF_INET as libc::sa_family_t;
                (*sin).sin_addr.s_addr = u32::from_ne_bytes(a.octets());
            }
            std::mem::size_of::<libc::sockaddr_in>()
        }
        std::net::IpAddr::V6(a) => {
            let sin6 = (&raw mut storage).cast::<libc::sockaddr_in6>();
            // SAFETY: `sockaddr_storage` is large and aligned enough for `sockaddr_in6`.
            unsafe {
                (*sin6).sin6_family = libc::AF_INET6 as libc::sa_family_t;
                (*sin6).sin6_addr.s6_addr = a.octets();
            }
            std::mem::size_of::<libc::sockaddr_in6>()
        }
    };
    let mut host = [0 as libc::c_char; 1025];
    // SAFETY: the address and host buffers are valid for the lengths passed.
    let rc = unsafe {
        libc::getnameinfo(
            (&raw const storage).cast(),
            len as libc::socklen_t,
            host.as_mut_ptr(),
            host.len() as libc::socklen_t,
            std::ptr::null_mut(),
            0,
            libc::NI_NAMEREQD,
        )
    };
    if rc != 0 {
        return None;
    }
    // SAFETY: on success getnameinfo wrote a NUL-terminated string into `host`.
    let name = unsafe { std::ffi::CStr::from_ptr(host.as_ptr()) };
    Some(name.to_string_lossy().into_owned())
}

/// The process entry point, called by the C runtime through the `main` that
/// [`c_main!`](crate::c_main) defines in the binary. Rust's own `main` set-up costs a
/// dozen system calls that a one-shot command does not need.
///
/// # Safety
/// Called once by the C runtime with `argv` holding `argc` NUL-terminated strings.
pub unsafe fn start(argc: libc::c_int, argv: *const *const libc::c_char) -> ! {
    let argc = argc.max(0) as usize;
    let arg = |i: usize| {
        // SAFETY: the C runtime passes `argc` valid pointers in `argv`, each null or a
        // NUL-terminated string that lives, unchanged, for the rest of the process.
        unsafe {
            let p = *argv.add(i);
            (!p.is_null()).then(|| std::ffi::CStr::from_ptr(p))
        }
    };
    let args = (0..argc).map_while(arg);
    let status = if argc <= STACK_ARGS && args.clone().all(|a| a.to_str().is_ok()) {
        // The usual case borrows every argument in place: no heap at all.
        let mut words = [""; STACK_ARGS];
        for (word, a) in words.iter_mut().zip(args.clone()) {
            *word = a.to_str().unwrap_or_default();
        }
        crate::run_main(&words[..args.count()])
    } else {
        let owned: Vec<String> = args.map(|a| a.to_string_lossy().into_owned()).collect();
        let words: Vec<&str> = owned.iter().map(String::as_str).collect();
        crate::run_main(&words)
    };
    // `exit` without the teardown: nothing is left to flush or close.
    std::process::exit(status.into())
}

/// Defines the C `main` of the binary (in the binary's crate, so that the library,
/// linked into fuzz targets and tests, has no `main` symbol of its own).
#[macro_export]
#[doc(hidden)]
macro_rules! c_main {
    () => {
        /// The C entry point: hands `argv` to the library.
        ///
        /// # Safety
        /// Called once by the C runtime with `argv` holding `argc` NUL-terminated strings.
        #[cfg(not(test))]
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn main(
            argc: ::core::ffi::c_int,
            argv: *const *const ::core::ffi::c_char,
        ) -> ::core::ffi::c_int {
            // SAFETY: the C runtime calls `main` once, with `argc` strings in `argv`.
            unsafe { $crate::sys::start(argc, argv) }
        }
    };
}

/// Command lines up to this many words are read without the heap.
const STACK_ARGS: usize = 64;

/// Writes all of `data` to file descriptor 1, retrying on `EINTR`.
pub fn write_stdout(mut data: &[u8]) -> std::io::Result<()> {
    while !data.is_empty() {
        // SAFETY: the pointer and length describe `data`, which outlives the call.
        let n = unsafe { libc::write(1, data.as_ptr().cast(), data.len()) };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        data = &data[n as usize..];
    }
    Ok(())
}
