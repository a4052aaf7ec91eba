//! Every `unsafe` call of the CLI, over the C library: the entry point, the panic
//! handler and the allocator, files and standard streams, time, locks, signals,
//! terminals and the UDP sockets of `-r`. The CLI is `#![no_std]`: this is what std gave it.

use alloc::vec::Vec;
use core::ffi::CStr;
use core::mem::zeroed;
use core::ptr::null_mut;
use core::sync::atomic::{AtomicBool, AtomicI32, AtomicU8, AtomicUsize, Ordering};
use core::time::Duration;

use crate::os::io;

/// The last second [`now_local`] broke down and what it gave, kept by its caller while
/// the zone's offset from UTC is whole minutes (`None`: nothing kept).
pub type LocalMinute = Option<(i64, LocalTime)>;

/// A reading of the real-time clock: seconds since the epoch and microseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Realtime {
    /// Seconds since the epoch.
    pub sec: i64,
    /// Microseconds into that second.
    pub usec: u32,
}

/// The real-time clock now (`clock_gettime`).
pub fn realtime() -> Realtime {
    let ts = clock_timespec(libc::CLOCK_REALTIME);
    // `time_t` is 32 bits on some targets' C libraries.
    #[allow(clippy::useless_conversion)]
    let sec = i64::from(ts.tv_sec);
    Realtime { sec, usec: (ts.tv_nsec / 1000) as u32 }
}

/// The current local time, with microseconds (`clock_gettime` + `localtime_r`).
///
/// A long-running mode stamps every line: musl's `localtime_r` looks `TZ` up in the
/// environment, takes a lock and searches the zone's transitions each time (1-2 % of
/// `endpoint follow`'s CPU time per change). Zones change their offset from UTC only
/// at whole minutes, so within the UTC minute of `last` the broken-down time is
/// `last`'s with its seconds moved on.
pub fn now_local(last: &mut LocalMinute) -> LocalTime {
    local_time(realtime(), last)
}

/// `at` broken down in the local zone, through `last` (see [`now_local`]).
pub fn local_time(at: Realtime, last: &mut LocalMinute) -> LocalTime {
    let Realtime { sec, usec } = at;
    let (minute, second) = (sec / 60, (sec % 60) as u32);
    if let Some((m, t)) = *last
        && m == minute
    {
        return LocalTime { second, usec, ..t };
    }
    // `time_t` through a timespec's field: its name is deprecated on musl targets.
    let at = libc::timespec { tv_sec: sec as _, tv_nsec: 0 };
    // SAFETY: all-zero is a valid `tm`.
    let mut tm: libc::tm = unsafe { zeroed() };
    // SAFETY: both pointers are valid for the call; localtime_r is thread-safe.
    unsafe { libc::localtime_r(&raw const at.tv_sec, &raw mut tm) };
    let t = LocalTime {
        year: tm.tm_year + 1900,
        month: (tm.tm_mon + 1) as u32,
        day: tm.tm_mday as u32,
        weekday: tm.tm_wday as u32,
        hour: tm.tm_hour as u32,
        minute: tm.tm_min as u32,
        second: tm.tm_sec as u32,
        usec,
    };
    // Kept only where the seconds agree (none before 1970, no leap second, no zone
    // offset with seconds).
    *last = (sec >= 0 && t.second == second).then_some((minute, t));
    t
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
/// Which closing text the handler writes: 0 none, 1 `]\n`, 2 ` ]\n`, and, while the
/// opening `[` is still unwritten, 3 `[]\n` or 4 `[ ]\n`.
static CLOSING: AtomicU8 = AtomicU8::new(0);

fn closing_code(closing: &[u8]) -> u8 {
    match closing {
        b"]\n" => 1,
        b" ]\n" => 2,
        b"[]\n" => 3,
        b"[ ]\n" => 4,
        _ => 0,
    }
}

extern "C" fn on_stop(_signal: libc::c_int) {
    if IDLE.load(Ordering::SeqCst) {
        let text: &[u8] = match CLOSING.load(Ordering::SeqCst) {
            1 => b"]\n",
            2 => b" ]\n",
            3 => b"[]\n",
            4 => b"[ ]\n",
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
/// end of the JSON array, or the whole empty array before the first event) first.
/// Installed even where the signal was ignored, as iproute2 7.1 does, so a background
/// monitor still stops.
pub fn install_stop_handlers(closing: &[u8]) {
    set_closing(closing);
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: all-zero is a valid `sigaction`; the handler is an `extern "C"` fn
        // that only touches atomics and async-signal-safe calls.
        unsafe {
            let mut sa: libc::sigaction = zeroed();
            sa.sa_sigaction = on_stop as *const () as libc::sighandler_t;
            libc::sigemptyset(&raw mut sa.sa_mask);
            libc::sigaction(signal, &raw const sa, null_mut());
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
/// that lands between the loop's checks still wakes its `poll`. No `SA_RESTART`.
pub fn install_follow_handlers(wake_fd: i32) {
    WAKE_FD.store(wake_fd, Ordering::SeqCst);
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: all-zero is a valid `sigaction`; the handler only touches atomics and
        // calls write(2), which is async-signal-safe.
        unsafe {
            let mut sa: libc::sigaction = zeroed();
            sa.sa_sigaction = on_follow_signal as *const () as libc::sighandler_t;
            libc::sigemptyset(&raw mut sa.sa_mask);
            libc::sigaction(signal, &raw const sa, null_mut());
        }
    }
}

/// Whether SIGHUP arrived since the last call.
pub fn take_reload() -> bool {
    RELOAD.swap(false, Ordering::SeqCst)
}

/// Waits until one of `fds` is readable or `timeout_ms` passes (-1: no limit); which
/// are readable. A signal ends the wait early with none readable.
pub fn poll_readable<const N: usize>(fds: [i32; N], timeout_ms: i32) -> io::Result<[bool; N]> {
    let mut p = fds.map(|fd| libc::pollfd { fd, events: libc::POLLIN, revents: 0 });
    // SAFETY: `p` is an array of N valid `pollfd`s that outlives the call.
    let n = unsafe { libc::poll(p.as_mut_ptr(), N as libc::nfds_t, timeout_ms) };
    if n < 0 {
        let e = errno();
        return if e == libc::EINTR { Ok([false; N]) } else { Err(io::Error(e)) };
    }
    Ok(p.map(|q| q.revents & (libc::POLLIN | libc::POLLERR | libc::POLLHUP) != 0))
}

/// Descriptors waited for readable through one epoll set: the kernel keeps the set
/// between waits, where `poll` hooks every descriptor's wait queue in and out again on
/// each call (3 % of `endpoint follow`'s CPU time per change, perf).
pub struct Epoll(Fd);

impl Epoll {
    /// A set of `fds`, readiness reported by their position.
    pub fn new(fds: &[i32]) -> io::Result<Epoll> {
        // SAFETY: epoll_create1 takes no pointers.
        let ep = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if ep < 0 {
            return Err(io::Error(errno()));
        }
        let ep = Fd(ep);
        for (i, &fd) in fds.iter().enumerate() {
            let mut ev = libc::epoll_event { events: libc::EPOLLIN as u32, u64: i as u64 };
            // SAFETY: `ev` is a valid epoll_event for the call (the kernel copies it).
            if unsafe { libc::epoll_ctl(ep.0, libc::EPOLL_CTL_ADD, fd, &raw mut ev) } < 0 {
                return Err(io::Error(errno()));
            }
        }
        Ok(Epoll(ep))
    }

    /// Waits up to `timeout_ms` (-1: for ever); which of the set's descriptors are
    /// readable (or failed). A signal ends the wait with none.
    pub fn wait<const N: usize>(&self, timeout_ms: i32) -> io::Result<[bool; N]> {
        let mut evs = [libc::epoll_event { events: 0, u64: 0 }; N];
        // SAFETY: `evs` has room for N events and outlives the call.
        let n = unsafe { libc::epoll_wait(self.0.0, evs.as_mut_ptr(), N as i32, timeout_ms) };
        let mut ready = [false; N];
        if n < 0 {
            let e = errno();
            return if e == libc::EINTR { Ok(ready) } else { Err(io::Error(e)) };
        }
        for ev in evs.iter().take(n as usize) {
            if let Some(r) = ready.get_mut(ev.u64 as usize) {
                *r = true;
            }
        }
        Ok(ready)
    }
}

/// A timer descriptor (`timerfd`, monotonic clock, non-blocking): readable once the
/// instant it was set to has passed. In a wait set it replaces the wait's timeout, which
/// the kernel arms and cancels on every wait (about 2 % of `endpoint follow`'s CPU time
/// per change, perf); the timer is set again only when its instant changes.
pub struct Timer(Fd);

impl Timer {
    /// A timer that is not set.
    pub fn new() -> io::Result<Timer> {
        // SAFETY: timerfd_create takes no pointers.
        let fd = unsafe {
            libc::timerfd_create(libc::CLOCK_MONOTONIC, libc::TFD_NONBLOCK | libc::TFD_CLOEXEC)
        };
        if fd < 0 { Err(io::Error(errno())) } else { Ok(Timer(Fd(fd))) }
    }

    /// Sets the timer to go off at `at` (`None`: never); an instant already past makes
    /// it readable at once.
    pub fn set(&self, at: Option<Instant>) -> io::Result<()> {
        // A zero instant would disarm it: the earliest is one nanosecond.
        let d = at.map_or(Duration::ZERO, |t| t.0.max(Duration::from_nanos(1)));
        let zero = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        let value = libc::timespec { tv_sec: d.as_secs() as _, tv_nsec: d.subsec_nanos() as _ };
        let spec = libc::itimerspec { it_interval: zero, it_value: value };
        // SAFETY: `spec` is valid for the call; the old value is not asked for (null).
        let rc = unsafe {
            libc::timerfd_settime(self.0.0, libc::TFD_TIMER_ABSTIME, &raw const spec, null_mut())
        };
        if rc < 0 { Err(io::Error(errno())) } else { Ok(()) }
    }

    /// Takes a going-off in (the timer stops being readable).
    pub fn clear(&self) {
        let _ = self.0.read(&mut [0u8; 8]);
    }

    /// The descriptor, for a wait set.
    pub fn raw(&self) -> i32 {
        self.0.0
    }
}

/// `-r` over DNS: a UDP socket connected to `addr` port 53 (with the IPv6 `scope`),
/// non-blocking and close-on-exec. Connected, it receives only from that address and
/// port, and an ICMP port-unreachable shows as `ECONNREFUSED` on the next read.
#[cfg(feature = "dns")]
pub fn udp_connect(addr: core::net::IpAddr, scope: u32) -> io::Result<Fd> {
    const PORT: u16 = 53;
    // SAFETY: all-zero is a valid `sockaddr_storage`.
    let mut storage: libc::sockaddr_storage = unsafe { zeroed() };
    let (family, len) = match addr {
        core::net::IpAddr::V4(a) => {
            let sin = (&raw mut storage).cast::<libc::sockaddr_in>();
            // SAFETY: `sockaddr_storage` is large and aligned enough for `sockaddr_in`.
            unsafe {
                (*sin).sin_family = libc::AF_INET as libc::sa_family_t;
                (*sin).sin_port = PORT.to_be();
                (*sin).sin_addr.s_addr = u32::from_ne_bytes(a.octets());
            }
            (libc::AF_INET, size_of::<libc::sockaddr_in>())
        }
        core::net::IpAddr::V6(a) => {
            let sin6 = (&raw mut storage).cast::<libc::sockaddr_in6>();
            // SAFETY: `sockaddr_storage` is large and aligned enough for `sockaddr_in6`.
            unsafe {
                (*sin6).sin6_family = libc::AF_INET6 as libc::sa_family_t;
                (*sin6).sin6_port = PORT.to_be();
                (*sin6).sin6_addr.s6_addr = a.octets();
                (*sin6).sin6_scope_id = scope;
            }
            (libc::AF_INET6, size_of::<libc::sockaddr_in6>())
        }
    };
    let kind = libc::SOCK_DGRAM | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK;
    // SAFETY: socket(2) takes no pointers.
    let fd = unsafe { libc::socket(family, kind, 0) };
    if fd < 0 {
        return Err(io::Error(errno()));
    }
    let fd = Fd(fd);
    // SAFETY: `storage` holds a socket address of `len` bytes and outlives the call.
    let rc = unsafe { libc::connect(fd.0, (&raw const storage).cast(), len as libc::socklen_t) };
    if rc < 0 { Err(io::Error(errno())) } else { Ok(fd) }
}

/// Sixteen random bits (`getrandom`, non-blocking; the clock if the kernel has none to
/// give yet): a DNS query's ID.
#[cfg(feature = "dns")]
pub fn random_u16() -> u16 {
    let mut b = [0u8; 2];
    // SAFETY: `b` is writable for its length.
    let n = unsafe { libc::getrandom(b.as_mut_ptr().cast(), b.len(), libc::GRND_NONBLOCK) };
    if n == 2 {
        u16::from_ne_bytes(b)
    } else {
        (clock(libc::CLOCK_MONOTONIC).subsec_nanos() >> 4) as u16
    }
}

/// The index of the interface named `name` (`if_nametoindex`), for an IPv6 name
/// server's `%scope`.
#[cfg(feature = "dns")]
pub fn if_index(name: &str) -> Option<u32> {
    let mut c = [0u8; libc::IFNAMSIZ];
    if name.len() >= c.len() || crate::os::text::has_byte(name.as_bytes(), 0) {
        return None;
    }
    c[..name.len()].copy_from_slice(name.as_bytes());
    // SAFETY: `c` is NUL-terminated (the name is shorter than it) and outlives the call.
    let i = unsafe { libc::if_nametoindex(c.as_ptr().cast()) };
    (i != 0).then_some(i)
}

/// A local time as `localtime_r` gives it, plus microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    /// Full year.
    pub year: i32,
    /// Month, 1 to 12.
    pub month: u32,
    /// Day of the month, 1 to 31.
    pub day: u32,
    /// Day of the week, 0 (Sunday) to 6.
    pub weekday: u32,
    /// Hour.
    pub hour: u32,
    /// Minute.
    pub minute: u32,
    /// Second.
    pub second: u32,
    /// Microseconds.
    pub usec: u32,
}

/// The process entry point, called by the C runtime through the `main` that
/// [`c_main!`](crate::c_main) defines in the binary. Rust's own `main` set-up costs a
/// dozen system calls that a one-shot command does not need.
///
/// # Safety
/// Called once by the C runtime with `argv` holding `argc` NUL-terminated strings.
/// `run` gets the arguments, program name first, as the bytes `argv` holds (never
/// converted: a word that is not UTF-8 is echoed and looked up as it is), and returns
/// the exit status.
pub unsafe fn start(
    argc: libc::c_int,
    argv: *const *const libc::c_char,
    run: fn(&[&[u8]]) -> u8,
) -> ! {
    let argc = argc.max(0) as usize;
    let arg = |i: usize| {
        // SAFETY: the C runtime passes `argc` valid pointers in `argv`, each null or a
        // NUL-terminated string that lives, unchanged, for the rest of the process.
        unsafe {
            let p = *argv.add(i);
            (!p.is_null()).then(|| CStr::from_ptr(p))
        }
    };
    let args = (0..argc).map_while(arg);
    let status = if argc <= STACK_ARGS {
        // The usual case borrows every argument in place: no heap at all.
        let mut words: [&[u8]; STACK_ARGS] = [&[]; STACK_ARGS];
        for (word, a) in words.iter_mut().zip(args.clone()) {
            *word = a.to_bytes();
        }
        run(&words[..args.count()])
    } else {
        let words: Vec<&[u8]> = args.map(CStr::to_bytes).collect();
        run(&words)
    };
    // `exit` without the teardown: nothing is left to flush or close.
    exit(status.into())
}

/// Defines the C `main` of the binary, its panic handler and its allocator (in the
/// binary's crate, so that the library, linked into fuzz targets and tests, which have
/// std's, has none of its own).
#[macro_export]
#[doc(hidden)]
macro_rules! c_main {
    () => {
        /// A panic is a bug: one line on stderr, then abort (no unwinding, no backtrace).
        #[cfg(not(test))]
        #[panic_handler]
        fn panic(info: &::core::panic::PanicInfo<'_>) -> ! {
            $crate::os::sys::panicked(info)
        }

        /// The precompiled `alloc` library keeps landing pads that resume unwinding; with
        /// `panic = "abort"` nothing ever unwinds, so they are never reached. Stable Rust
        /// cannot rebuild `alloc`, so the symbol they name is given here.
        /// (A static glibc build links libgcc's unwinder, which has its own.)
        #[cfg(all(not(test), not(all(target_env = "gnu", target_feature = "crt-static"))))]
        #[unsafe(no_mangle)]
        pub extern "C" fn _Unwind_Resume() -> ! {
            $crate::os::sys::unreachable_unwind()
        }

        /// The C library: std links it; without std the binary asks for it itself (the
        /// `libc` crate leaves that to std on musl, and whenever its `std` feature is on,
        /// as feature unification in a workspace build may turn it on).
        #[cfg(all(not(test), target_env = "musl"))]
        #[link(name = "c", kind = "static", modifiers = "-bundle")]
        unsafe extern "C" {}
        #[cfg(all(not(test), target_env = "gnu", not(target_feature = "crt-static")))]
        #[link(name = "c")]
        unsafe extern "C" {}
        // A static glibc build (the s390x guest's) needs libgcc's unwinder for glibc's
        // own thread cancellation, in libc's order.
        #[cfg(all(not(test), target_env = "gnu", target_feature = "crt-static"))]
        #[link(name = "c", kind = "static", modifiers = "-bundle")]
        #[link(name = "gcc_eh", kind = "static", modifiers = "-bundle")]
        #[link(name = "gcc", kind = "static", modifiers = "-bundle")]
        #[link(name = "c", kind = "static", modifiers = "-bundle")]
        unsafe extern "C" {}

        /// Named by the same landing pads' unwind tables; never called.
        #[cfg(not(test))]
        #[unsafe(no_mangle)]
        pub extern "C" fn rust_eh_personality() {}

        /// The few heap users (batch lines, `-r` names, `endpoint follow`'s set-up).
        #[cfg(not(test))]
        #[global_allocator]
        static ALLOCATOR: $crate::os::sys::Heap = $crate::os::sys::Heap;

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
            unsafe { $crate::os::sys::start(argc, argv, $crate::run_main) }
        }
    };
}

/// Command lines up to this many words are read without the heap (the longest `ip mptcp`
/// command, every option and flag given, is under 20 words; 32 keep `start`'s frame at
/// half a KiB, so that a one-shot command touches fewer stack pages).
const STACK_ARGS: usize = 32;

/// Writes all of `data` to file descriptor 1, retrying on `EINTR`.
pub fn write_stdout(data: &[u8]) -> io::Result<()> {
    write_fd(1, data)
}

/// Writes all of `data` to file descriptor 2, retrying on `EINTR`.
pub fn write_stderr(data: &[u8]) -> io::Result<()> {
    write_fd(2, data)
}

/// Writes all of `data` to `fd`, retrying on `EINTR` and after partial writes.
pub fn write_fd(fd: i32, mut data: &[u8]) -> io::Result<()> {
    while !data.is_empty() {
        // SAFETY: the pointer and length describe `data`, which outlives the call.
        let n = unsafe { libc::write(fd, data.as_ptr().cast(), data.len()) };
        if n < 0 {
            match errno() {
                libc::EINTR => continue,
                e => return Err(io::Error(e)),
            }
        }
        data = &data[n as usize..];
    }
    Ok(())
}

/// The calling thread's `errno`.
fn errno() -> i32 {
    // SAFETY: `__errno_location` returns a valid pointer to this thread's errno.
    unsafe { *libc::__errno_location() }
}

/// Ends the process with `status`, flushing nothing (C `exit`).
pub fn exit(status: i32) -> ! {
    // SAFETY: `exit` runs the C library's exit handlers and never returns.
    unsafe { libc::exit(status) }
}

/// What the panic handler does: `mptcp: internal error: MESSAGE at FILE:LINE`, then abort.
pub fn panicked(info: &core::panic::PanicInfo<'_>) -> ! {
    use core::fmt::Write as _;
    /// Formats into a fixed buffer; what does not fit is dropped.
    struct Line {
        buf: [u8; 256],
        len: usize,
    }
    impl core::fmt::Write for Line {
        fn write_str(&mut self, s: &str) -> core::fmt::Result {
            // Byte by byte: no slice bounds to check (a panic inside the panic handler).
            for &b in s.as_bytes() {
                let Some(slot) = self.buf.get_mut(self.len) else { break };
                *slot = b;
                self.len += 1;
            }
            Ok(())
        }

        /// The shared out-of-line `write_char` (the trait's own would be another copy
        /// of the UTF-8 encoding: 156 bytes).
        fn write_char(&mut self, c: char) -> core::fmt::Result {
            crate::os::io::write_char_dyn(self, c)
        }
    }
    let mut line = Line { buf: [0; 256], len: 0 };
    let _ = write!(line, "mptcp: internal error: {}", info.message());
    if let Some(at) = info.location() {
        let _ = write!(line, " at {}:{}", at.file(), u64::from(at.line()));
    }
    line.len = line.len.min(255);
    line.buf[line.len] = b'\n';
    let _ = write_stderr(&line.buf[..=line.len]);
    // SAFETY: abort never returns.
    unsafe { libc::abort() }
}

/// What the binary's `_Unwind_Resume` does if it is ever reached: abort.
pub fn unreachable_unwind() -> ! {
    let _ = write_stderr(b"mptcp: internal error: unwinding\n");
    // SAFETY: abort never returns.
    unsafe { libc::abort() }
}

/// The global allocator of the binary, over `mmap` (musl's `malloc` stays out of the
/// link: 8 KiB). Blocks of 16 to 4,096 bytes (powers of two, aligned to their size) are
/// cut from 64 KiB chunks and kept on one free list per size after use; bigger ones are
/// mappings of their own, grown with `mremap`. The CLI allocates little (batch lines,
/// `-r` names, `endpoint follow`'s set-up), so the lists stay short and nothing is
/// returned to the system but the big blocks.
pub struct Heap;

/// The largest block cut from a chunk; bigger ones are mapped alone.
const PAGE: usize = 4096;
/// What the blocks are cut from.
const CHUNK: usize = 64 * 1024;
/// Block sizes 16 << 0 ..= 16 << 8 (4,096).
const CLASSES: usize = 9;

/// The heap's state: free lists (each block's first word links to the next, 0 ends the
/// list) and what is left of the current chunk, as addresses.
struct Arena {
    free: [usize; CLASSES],
    next: usize,
    end: usize,
}

static ARENA: Lock<Arena> = Lock::new(Arena { free: [0; CLASSES], next: 0, end: 0 });

/// The block size serving `layout`: a power of two at least 16, at least its alignment.
fn block_size(layout: core::alloc::Layout) -> usize {
    layout.size().max(layout.align()).max(16).next_power_of_two()
}

/// `len` bytes of fresh zeroed pages, or null.
fn map(len: usize) -> *mut u8 {
    // SAFETY: an anonymous private mapping touches no existing memory.
    let p = unsafe {
        libc::mmap(
            null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED { null_mut() } else { p.cast() }
}

// SAFETY: every block is at least as large and as aligned as its layout asks (a block of
// size 2^k cut from a page-aligned chunk at a multiple of 2^k, or a page-aligned mapping
// when bigger; alignments above a page are refused with null), a block is handed out
// once until it is deallocated (the free lists and the chunk are only touched under the
// lock), and `dealloc`/`realloc` find a block's size again from the layout they get,
// which is the one it was allocated with.
unsafe impl core::alloc::GlobalAlloc for Heap {
    unsafe fn alloc(&self, layout: core::alloc::Layout) -> *mut u8 {
        let size = block_size(layout);
        if size > PAGE {
            return if layout.align() > PAGE {
                null_mut()
            } else {
                map(size.next_multiple_of(PAGE))
            };
        }
        let class = (size.trailing_zeros() - 4) as usize;
        let mut arena = ARENA.lock();
        // Always a class (`size` is a power of two from 16 to a page); `get_mut` and the
        // mask below keep panic paths the compiler cannot rule out from the binary.
        let Some(free) = arena.free.get_mut(class) else { return null_mut() };
        let head = *free;
        if head != 0 {
            // SAFETY: `head` is a free block of this class; its first word is the link.
            *free = unsafe { *(head as *const usize) };
            return head as *mut u8;
        }
        // The next multiple of `size`, a power of two.
        let mut start = (arena.next + size - 1) & !(size - 1);
        if start + size > arena.end {
            let chunk = map(CHUNK);
            if chunk.is_null() {
                return null_mut();
            }
            start = chunk as usize;
            arena.end = start + CHUNK;
        }
        arena.next = start + size;
        start as *mut u8
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: core::alloc::Layout) {
        let size = block_size(layout);
        if size > PAGE {
            // SAFETY: a block this big is a mapping of its own, of this length.
            unsafe { libc::munmap(ptr.cast(), size.next_multiple_of(PAGE)) };
            return;
        }
        let class = (size.trailing_zeros() - 4) as usize;
        let mut arena = ARENA.lock();
        // Always a class, as in `alloc`.
        let Some(free) = arena.free.get_mut(class) else { return };
        // SAFETY: the block is ours again, at least 16 bytes and aligned for a `usize`.
        unsafe { *ptr.cast::<usize>() = *free };
        *free = ptr as usize;
    }

    unsafe fn realloc(
        &self,
        ptr: *mut u8,
        layout: core::alloc::Layout,
        new_size: usize,
    ) -> *mut u8 {
        // SAFETY: the caller guarantees a valid size for this alignment.
        let new =
            unsafe { core::alloc::Layout::from_size_align_unchecked(new_size, layout.align()) };
        let (old_block, new_block) = (block_size(layout), block_size(new));
        if old_block == new_block {
            return ptr;
        }
        // ThreadSanitizer does not see `mremap` (`cargo xtask ci`'s tsan step builds with
        // `--cfg tsan`): a mapping moved away leaves its old writes on the shadow of its
        // old address, which a later mapping there is then said to race with. Under it,
        // big blocks move by copy like small ones; the kernel's move needs no proof.
        if old_block > PAGE && new_block > PAGE && !cfg!(tsan) {
            // SAFETY: `ptr` is a mapping of its own of the old length; the kernel moves
            // or grows it in place and keeps the contents.
            let p = unsafe {
                libc::mremap(
                    ptr.cast(),
                    old_block.next_multiple_of(PAGE),
                    new_block.next_multiple_of(PAGE),
                    libc::MREMAP_MAYMOVE,
                )
            };
            return if p == libc::MAP_FAILED { null_mut() } else { p.cast() };
        }
        // SAFETY: the caller's contract; copies the bytes both blocks hold, frees the old.
        unsafe {
            let p = self.alloc(new);
            if !p.is_null() {
                core::ptr::copy_nonoverlapping(ptr, p, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
            p
        }
    }
}

/// An owned file descriptor, closed on drop.
#[derive(Debug)]
pub struct Fd(i32);

impl Fd {
    /// The raw descriptor.
    pub fn raw(&self) -> i32 {
        self.0
    }

    /// Reads into `buf`, retrying on `EINTR`; 0 at the end of the file.
    pub fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            // SAFETY: the pointer and length describe `buf`, which outlives the call.
            let n = unsafe { libc::read(self.0, buf.as_mut_ptr().cast(), buf.len()) };
            if n >= 0 {
                return Ok(n as usize);
            }
            match errno() {
                libc::EINTR => continue,
                e => return Err(io::Error(e)),
            }
        }
    }

    /// Writes all of `data`.
    pub fn write_all(&self, data: &[u8]) -> io::Result<()> {
        write_fd(self.0, data)
    }

    /// Whether it is a regular file.
    pub fn is_regular_file(&self) -> bool {
        // SAFETY: all-zero is a valid `stat`; fstat fills it or fails.
        let mut st: libc::stat = unsafe { zeroed() };
        // SAFETY: `st` is valid and writable for the call.
        let rc = unsafe { libc::fstat(self.0, &raw mut st) };
        rc == 0 && st.st_mode & libc::S_IFMT == libc::S_IFREG
    }

    /// Switches `O_NONBLOCK` on.
    pub fn set_nonblocking(&self) -> io::Result<()> {
        // SAFETY: plain fcntl calls on a descriptor we own.
        let rc = unsafe {
            let flags = libc::fcntl(self.0, libc::F_GETFL);
            libc::fcntl(self.0, libc::F_SETFL, flags | libc::O_NONBLOCK)
        };
        if rc < 0 { Err(io::Error(errno())) } else { Ok(()) }
    }
}

impl Drop for Fd {
    fn drop(&mut self) {
        // SAFETY: the descriptor is ours and used no more.
        unsafe { libc::close(self.0) };
    }
}

/// Opens `path` read-only (close-on-exec). A path under 256 bytes is made
/// NUL-terminated on the stack (`mptcp stat` opens `/proc/net/netstat` without the
/// heap); a longer one on the heap.
pub fn open_read(path: &str) -> io::Result<Fd> {
    open_read_at(path.as_bytes())
}

/// [`open_read`] for a path of any bytes (a name the user typed).
pub fn open_read_at(path: &[u8]) -> io::Result<Fd> {
    if crate::os::text::has_byte(path, 0) {
        return Err(io::Error(libc::EINVAL));
    }
    let mut short = [0u8; 256];
    let long;
    let c: &[u8] = if path.len() < short.len() {
        short[..path.len()].copy_from_slice(path);
        &short[..=path.len()]
    } else {
        let mut v = Vec::with_capacity(path.len() + 1);
        v.extend_from_slice(path);
        v.push(0);
        long = v;
        &long
    };
    // SAFETY: `c` is NUL-terminated and outlives the call.
    let fd = unsafe { libc::open(c.as_ptr().cast(), libc::O_RDONLY | libc::O_CLOEXEC) };
    if fd < 0 { Err(io::Error(errno())) } else { Ok(Fd(fd)) }
}

/// A duplicate of standard input (`None` when it is closed).
pub fn stdin() -> Option<Fd> {
    // SAFETY: fcntl(F_DUPFD_CLOEXEC) on fd 0 makes a new descriptor or fails.
    let fd = unsafe { libc::fcntl(0, libc::F_DUPFD_CLOEXEC, 3) };
    (fd >= 0).then_some(Fd(fd))
}

/// The whole contents of the file at `path`, which must be at most `limit` bytes
/// (`EFBIG` otherwise: `/dev/zero` given as a config file must not eat the memory).
pub fn read_file(path: &str, limit: usize) -> io::Result<Vec<u8>> {
    read_file_at(path.as_bytes(), limit)
}

/// [`read_file`] for a path of any bytes (a name the user typed).
pub fn read_file_at(path: &[u8], limit: usize) -> io::Result<Vec<u8>> {
    let fd = open_read_at(path)?;
    let mut out = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = fd.read(&mut chunk)?;
        if n == 0 {
            return Ok(out);
        }
        if out.len() + n > limit {
            return Err(io::Error(libc::EFBIG));
        }
        out.extend_from_slice(chunk.get(..n).unwrap_or_default());
    }
}

/// The value of environment variable `name` (bytes, as the environment holds them).
pub fn getenv(name: &CStr) -> Option<&'static [u8]> {
    // SAFETY: getenv returns null or a pointer into the environment. Nothing in this
    // program changes the environment (no setenv, putenv or unsetenv; the CLI starts no
    // threads), so the value stays valid and unchanged.
    let p = unsafe { libc::getenv(name.as_ptr()) };
    // SAFETY: a non-null result is a NUL-terminated string.
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_bytes())
}

/// A point on the monotonic clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Instant(Duration);

impl Instant {
    /// Now.
    pub fn now() -> Instant {
        Instant(clock(libc::CLOCK_MONOTONIC))
    }

    /// Time since this instant.
    pub fn elapsed(&self) -> Duration {
        Instant::now().since(*self)
    }
}

/// Clock `id` now, as `clock_gettime` gives it.
fn clock_timespec(id: libc::clockid_t) -> libc::timespec {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
    unsafe { libc::clock_gettime(id, &raw mut ts) };
    ts
}

/// Clock `id` now, from its zero on (nothing before it).
fn clock(id: libc::clockid_t) -> Duration {
    let ts = clock_timespec(id);
    Duration::new(ts.tv_sec.max(0) as u64, ts.tv_nsec.clamp(0, 999_999_999) as u32)
}

/// Sleeps for `d` (restarted after signals until the time has passed).
pub fn sleep(d: Duration) {
    let mut req = libc::timespec { tv_sec: d.as_secs() as _, tv_nsec: d.subsec_nanos() as _ };
    loop {
        let mut rem = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: both timespecs are valid for the call.
        let rc = unsafe { libc::nanosleep(&raw const req, &raw mut rem) };
        if rc == 0 || errno() != libc::EINTR {
            return;
        }
        req = rem;
    }
}

/// A socket pair (`AF_UNIX`, `SOCK_STREAM`, close-on-exec): the two ends.
pub fn socket_pair() -> io::Result<(Fd, Fd)> {
    let mut fds = [0i32; 2];
    // SAFETY: `fds` has room for the two descriptors socketpair writes.
    let rc = unsafe {
        libc::socketpair(libc::AF_UNIX, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0, fds.as_mut_ptr())
    };
    if rc < 0 { Err(io::Error(errno())) } else { Ok((Fd(fds[0]), Fd(fds[1]))) }
}

/// A lock over a value (std's `Mutex` without std), on the C library's
/// `pthread_mutex_t`: [`Lock::try_lock`] fails while the value is lent, [`Lock::lock`]
/// sleeps in the kernel (a futex) until it is free. It is not re-entrant: locking it
/// twice from one thread deadlocks, as std's does.
///
/// The C library's mutex rather than an own spin lock: an own one shipped with a bug
/// (a failed `try_lock` freed the lock it did not hold), and a spinning waiter burns
/// its time slice while the holder is preempted; musl's mutex is a compare-exchange
/// when free. The CLI itself runs on one thread (`endpoint follow` included): the lock
/// is what makes its shared statics (the heap, the buffers) sound all the same, and its
/// tests prove it under threads.
pub struct Lock<T> {
    mutex: core::cell::UnsafeCell<libc::pthread_mutex_t>,
    value: core::cell::UnsafeCell<T>,
}

// SAFETY: the value is reached only through a `LockGuard`, and a guard exists only while
// the mutex is held by it (made after a successful `pthread_mutex_lock`/`trylock`, which
// give mutual exclusion with acquire/release ordering, and unlocking on drop), so the
// value moves between threads but is never shared: `T: Send` suffices. The mutex itself
// is made for use from several threads through a shared pointer.
unsafe impl<T: Send> Sync for Lock<T> {}

impl<T> Lock<T> {
    /// A free lock over `value`.
    pub const fn new(value: T) -> Self {
        Lock {
            mutex: core::cell::UnsafeCell::new(libc::PTHREAD_MUTEX_INITIALIZER),
            value: core::cell::UnsafeCell::new(value),
        }
    }

    /// The value, unless it is lent already (by any thread, this one included).
    pub fn try_lock(&self) -> Option<LockGuard<'_, T>> {
        // SAFETY: the mutex was initialised statically and lives (unmoved: `&self` is
        // borrowed) as long as the guard; trylock never blocks.
        let rc = unsafe { libc::pthread_mutex_trylock(self.mutex.get()) };
        if rc == 0 {
            Some(LockGuard { lock: self, _owner: core::marker::PhantomData })
        } else {
            None
        }
    }

    /// The value, once it is free.
    pub fn lock(&self) -> LockGuard<'_, T> {
        // SAFETY: as in `try_lock`; a default mutex locked by another thread is waited for.
        let rc = unsafe { libc::pthread_mutex_lock(self.mutex.get()) };
        // A default mutex fails only on a deadlock the C library detects, which no
        // caller makes (no guard is held across another `lock` of the same value).
        assert!(rc == 0, "pthread_mutex_lock");
        LockGuard { lock: self, _owner: core::marker::PhantomData }
    }
}

/// The value of a [`Lock`], lent until dropped. It stays on the thread that locked it
/// (not `Send`): a mutex is unlocked by its owner.
pub struct LockGuard<'l, T> {
    lock: &'l Lock<T>,
    _owner: core::marker::PhantomData<*const ()>,
}

impl<T> core::ops::Deref for LockGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard holds the mutex (see `Lock`), so no `&mut` exists.
        unsafe { &*self.lock.value.get() }
    }
}

impl<T> core::ops::DerefMut for LockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: this guard holds the mutex, and it is borrowed mutably.
        unsafe { &mut *self.lock.value.get() }
    }
}

impl<T> Drop for LockGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: this guard's thread locked the mutex and unlocks it once.
        unsafe { libc::pthread_mutex_unlock(self.lock.mutex.get()) };
    }
}

/// What glibc's stdio learns of stdout when it sets up its buffer (`_IO_file_doallocate`):
/// whether it is a terminal (a character device that is a pseudo-terminal by its major
/// number, 136-143, or answers `isatty`), and its `st_blksize` (0 when `fstat` fails).
/// One `fstat`, and for another character device one `ioctl`.
pub fn stdout_kind() -> (bool, usize) {
    // SAFETY: all-zero is a valid `stat`; fstat(2) fills it or fails.
    let mut st: libc::stat = unsafe { zeroed() };
    // SAFETY: `st` is valid and writable for the call.
    if unsafe { libc::fstat(1, &raw mut st) } < 0 {
        return (false, 0);
    }
    let block = usize::try_from(st.st_blksize).unwrap_or(0);
    let terminal = st.st_mode & libc::S_IFMT == libc::S_IFCHR
        && ((136..=143).contains(&libc::major(st.st_rdev)) || stdout_is_tty());
    (terminal, block)
}

/// `endpoint follow`'s one-instance guard: a `SOCK_SEQPACKET` unix socket bound to the
/// abstract name `name` (no file; the leading NUL is added here). Abstract names belong
/// to the network namespace, so the guard is per namespace, and the kernel releases it
/// when the last descriptor closes: at any death, `kill -9` included. `EADDRINUSE`
/// when another process holds it.
pub fn bind_abstract(name: &[u8]) -> io::Result<Fd> {
    // SAFETY: socket(2) makes a new descriptor or fails.
    let fd = unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(io::Error(errno()));
    }
    let fd = Fd(fd);
    // SAFETY: all-zero is a valid `sockaddr_un`.
    let mut sa: libc::sockaddr_un = unsafe { zeroed() };
    sa.sun_family = libc::AF_UNIX as libc::sa_family_t;
    let room = sa.sun_path.len() - 1;
    if name.len() > room {
        return Err(io::Error(libc::ENAMETOOLONG));
    }
    for (d, s) in sa.sun_path[1..].iter_mut().zip(name) {
        *d = *s as libc::c_char;
    }
    let len = core::mem::size_of::<libc::sa_family_t>() + 1 + name.len();
    // SAFETY: `sa` is a valid `sockaddr_un` of at least `len` bytes for the call.
    let rc = unsafe { libc::bind(fd.0, (&raw const sa).cast(), len as libc::socklen_t) };
    if rc < 0 { Err(io::Error(errno())) } else { Ok(fd) }
}

/// The device and inode of the calling process's network namespace
/// (`/proc/self/ns/net`): what names it while it exists.
pub fn netns_id() -> io::Result<(u64, u64)> {
    // SAFETY: all-zero is a valid `stat`; stat(2) fills it or fails.
    let mut st: libc::stat = unsafe { zeroed() };
    // SAFETY: the path is NUL-terminated and `st` is valid and writable for the call.
    let rc = unsafe { libc::stat(c"/proc/self/ns/net".as_ptr(), &raw mut st) };
    if rc < 0 { Err(io::Error(errno())) } else { Ok((st.st_dev as u64, st.st_ino as u64)) }
}

/// A NUL-terminated copy of `path`.
fn c_path(path: &str) -> io::Result<Vec<u8>> {
    if crate::os::text::has_byte(path.as_bytes(), 0) {
        return Err(io::Error(libc::EINVAL));
    }
    let mut c = Vec::with_capacity(path.len() + 1);
    c.extend_from_slice(path.as_bytes());
    c.push(0);
    Ok(c)
}

/// Opens `path` for reading and writing, made (mode 0600) when missing, with the
/// directory above made (0700) when missing; close-on-exec, and a symbolic link at
/// `path` is refused (`ELOOP`). `endpoint follow` keeps its ownership record open this
/// way and rewrites it in place with [`Fd::write_at`].
pub fn open_rw_create(path: &str) -> io::Result<Fd> {
    if let Some(dir) = path.rfind('/').and_then(|i| path.get(..i)).filter(|d| !d.is_empty()) {
        let c = c_path(dir)?;
        // SAFETY: `c` is NUL-terminated and outlives the call.
        let rc = unsafe { libc::mkdir(c.as_ptr().cast(), 0o700) };
        if rc < 0 && errno() != libc::EEXIST {
            return Err(io::Error(errno()));
        }
    }
    let c = c_path(path)?;
    let flags = libc::O_RDWR | libc::O_CREAT | libc::O_CLOEXEC | libc::O_NOFOLLOW;
    // SAFETY: `c` is NUL-terminated and outlives the call.
    let fd = unsafe { libc::open(c.as_ptr().cast(), flags, 0o600) };
    if fd < 0 { Err(io::Error(errno())) } else { Ok(Fd(fd)) }
}

impl Fd {
    /// Writes all of `data` at byte `offset` of the file (`pwrite`, retried on `EINTR`
    /// and after a short write); the file offset is left alone.
    pub fn write_at(&self, mut data: &[u8], mut offset: u64) -> io::Result<()> {
        while !data.is_empty() {
            let at = libc::off_t::try_from(offset).map_err(|_| io::Error(libc::EFBIG))?;
            // SAFETY: the pointer and length describe `data`, which outlives the call.
            let n = unsafe { libc::pwrite(self.0, data.as_ptr().cast(), data.len(), at) };
            if n < 0 {
                match errno() {
                    libc::EINTR => continue,
                    e => return Err(io::Error(e)),
                }
            }
            let n = n as usize;
            if n == 0 {
                return Err(io::Error(libc::EIO));
            }
            data = data.get(n..).unwrap_or_default();
            offset += n as u64;
        }
        Ok(())
    }
}

/// The first bytes of a file mapped shared and writable: a store reaches the page
/// cache, and so every later reader of the file, with no system call (a `pwrite` of a
/// few bytes cost `endpoint follow` 10-20 µs per change, cold, on ext4 and tmpfs
/// alike). One mapping at a time: a file cut short under it would make the next store
/// fault (`SIGBUS`), and the handler [`Shared::map`] installs puts anonymous memory in
/// the mapping's place instead, so the store lands there and [`Shared::lost`] says so.
pub struct Shared {
    at: *mut u8,
    len: usize,
}

/// Where the one [`Shared`] mapping is (0: none, or it was lost) and its length, for
/// the `SIGBUS` handler.
static SHARED_AT: AtomicUsize = AtomicUsize::new(0);
static SHARED_LEN: AtomicUsize = AtomicUsize::new(0);

extern "C" fn on_bus(_signal: libc::c_int, info: *mut libc::siginfo_t, _ctx: *mut libc::c_void) {
    // SAFETY: the kernel hands an `SA_SIGINFO` handler a valid siginfo.
    let addr = unsafe { (*info).si_addr() } as usize;
    let (at, len) = (SHARED_AT.load(Ordering::SeqCst), SHARED_LEN.load(Ordering::SeqCst));
    if at != 0 && addr.wrapping_sub(at) < len {
        let (prot, flags) =
            (libc::PROT_READ | libc::PROT_WRITE, libc::MAP_PRIVATE | libc::MAP_ANONYMOUS);
        // SAFETY: replaces exactly the mapping `Shared` made (its address and length,
        // which nothing else uses) with fresh anonymous memory; mmap is a plain system
        // call, safe in a handler.
        let p = unsafe {
            libc::mmap(at as *mut libc::c_void, len, prot, flags | libc::MAP_FIXED, -1, 0)
        };
        if p != libc::MAP_FAILED {
            SHARED_AT.store(0, Ordering::SeqCst);
        }
    }
    // The handler was installed with SA_RESETHAND (`Shared::map` installs it again with
    // each mapping): a fault that was not the mapping's, or that could not be mended,
    // comes again when the instruction is retried, into the default action.
}

impl Shared {
    /// Maps the first `len` bytes of `file` (which must hold them), shared.
    pub fn map(file: &Fd, len: usize) -> io::Result<Shared> {
        let (prot, flags) = (libc::PROT_READ | libc::PROT_WRITE, libc::MAP_SHARED);
        // SAFETY: a fresh mapping at an address the kernel picks; `file` is open.
        let p = unsafe { libc::mmap(null_mut(), len, prot, flags, file.0, 0) };
        if p == libc::MAP_FAILED {
            return Err(io::Error(errno()));
        }
        // SAFETY: all-zero is a valid sigaction (no handler, empty mask) before the
        // fields below are set.
        let mut sa: libc::sigaction = unsafe { zeroed() };
        sa.sa_sigaction = on_bus as *const () as usize;
        sa.sa_flags = libc::SA_SIGINFO | libc::SA_RESETHAND;
        // SAFETY: `sa` is valid for the call; the handler is async-signal-safe.
        unsafe { libc::sigaction(libc::SIGBUS, &raw const sa, null_mut()) };
        SHARED_LEN.store(len, Ordering::SeqCst);
        SHARED_AT.store(p as usize, Ordering::SeqCst);
        Ok(Shared { at: p.cast(), len })
    }

    /// Stores `byte` at `i` (beyond the mapping: nothing). Stores are volatile, so
    /// they happen one by one in program order: a process killed between two leaves
    /// every earlier one in the file and no later one.
    pub fn set(&self, i: usize, byte: u8) {
        if i < self.len {
            // SAFETY: `i` is within the mapping, which lives (readable and writable,
            // shared or replaced by the handler) as long as `self`.
            unsafe { self.at.add(i).write_volatile(byte) };
        }
    }

    /// Whether the file was cut short under the mapping since it was made (the
    /// stores since went to anonymous memory, not to the file).
    pub fn lost(&self) -> bool {
        SHARED_AT.load(Ordering::SeqCst) != self.at as usize
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        SHARED_AT.store(0, Ordering::SeqCst);
        // SAFETY: unmaps exactly what `map` mapped (or the handler put in its place).
        unsafe { libc::munmap(self.at.cast(), self.len) };
    }
}

/// Removes the file at `path` (`ENOENT` when there is none).
pub fn remove_file(path: &str) -> io::Result<()> {
    let c = c_path(path)?;
    // SAFETY: `c` is NUL-terminated and outlives the call.
    let rc = unsafe { libc::unlink(c.as_ptr().cast()) };
    if rc < 0 { Err(io::Error(errno())) } else { Ok(()) }
}

/// Ignores SIGPIPE for the rest of the process: a log reader that went away is an
/// `EPIPE` error on the write, not the end of `endpoint follow`.
pub fn ignore_sigpipe() {
    // SAFETY: SIG_IGN for SIGPIPE changes no memory; signal(2) is always safe to call.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
}

/// Makes writes to standard output fail with `EAGAIN` instead of blocking, when it is
/// a pipe or a socket (a terminal or a file is left as it is: its open file description
/// is often shared with the shell). Whether it did.
pub fn stdout_nonblocking() -> bool {
    // SAFETY: all-zero is a valid `stat`; fstat fills it or fails.
    let mut st: libc::stat = unsafe { zeroed() };
    // SAFETY: `st` is valid and writable for the call.
    let rc = unsafe { libc::fstat(1, &raw mut st) };
    let kind = st.st_mode & libc::S_IFMT;
    if rc < 0 || (kind != libc::S_IFIFO && kind != libc::S_IFSOCK) {
        return false;
    }
    // SAFETY: plain fcntl calls on standard output, which stays open.
    let rc = unsafe {
        let flags = libc::fcntl(1, libc::F_GETFL);
        libc::fcntl(1, libc::F_SETFL, flags | libc::O_NONBLOCK)
    };
    rc >= 0
}

/// One `write(2)` of `data` to `fd`, retried on `EINTR`: how many bytes went.
pub fn write_once(fd: i32, data: &[u8]) -> io::Result<usize> {
    loop {
        // SAFETY: the pointer and length describe `data`, which outlives the call.
        let n = unsafe { libc::write(fd, data.as_ptr().cast(), data.len()) };
        if n >= 0 {
            return Ok(n as usize);
        }
        match errno() {
            libc::EINTR => continue,
            e => return Err(io::Error(e)),
        }
    }
}

impl Instant {
    /// The instant `d` after this one.
    pub fn after(&self, d: Duration) -> Instant {
        Instant(self.0.saturating_add(d))
    }

    /// Time from `earlier` to this instant (zero when `earlier` is later). Counted in
    /// nanoseconds rather than by `Duration::saturating_sub`, whose carry check is a
    /// panic path (`expect`) in the binary; a `u64` of nanoseconds spans 584 years, far
    /// beyond any span of the monotonic clock.
    pub fn since(&self, earlier: Instant) -> Duration {
        let nanos = self.0.as_nanos().saturating_sub(earlier.0.as_nanos());
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::alloc::{GlobalAlloc, Layout};
    use proptest::prelude::*;

    proptest! {
        /// [`Instant::since`] counted in nanoseconds is `Duration::saturating_sub`, for
        /// any two instants within 500 years (of any nanoseconds, either order).
        #[test]
        fn since_is_the_saturating_difference(
            a in 0u64..500 * 366 * 86_400, an in 0u32..1_000_000_000,
            b in 0u64..500 * 366 * 86_400, bn in 0u32..1_000_000_000,
        ) {
            let (a, b) = (Duration::new(a, an), Duration::new(b, bn));
            prop_assert_eq!(Instant(a).since(Instant(b)), a.saturating_sub(b));
        }
    }

    /// A timer set in the past goes off at once and is quiet once cleared; one set
    /// ahead goes off no earlier than its instant; one set to `None` never does.
    #[test]
    fn a_timer_goes_off_at_its_instant_and_not_before() {
        let t = Timer::new().unwrap();
        let readable = |ms| poll_readable([t.raw()], ms).unwrap()[0];
        t.set(Some(Instant::now())).unwrap();
        assert!(readable(1000));
        t.clear();
        assert!(!readable(0));
        let at = Instant::now().after(Duration::from_millis(30));
        t.set(Some(at)).unwrap();
        assert!(readable(2000) && Instant::now() >= at);
        t.clear();
        t.set(Some(Instant::now().after(Duration::from_millis(20)))).unwrap();
        t.set(None).unwrap();
        assert!(!readable(60));
    }

    /// The minute's reuse gives what `localtime_r` gives for every second, across minute
    /// boundaries, from any second of a minute on, and after a jump back in time.
    #[test]
    fn a_reused_minute_matches_the_c_library() {
        let start = 1_796_565_600i64 - 90;
        let mut last = None;
        for sec in (start..start + 200).chain(start - 61..start + 3) {
            let at = Realtime { sec, usec: 7 };
            let fresh = local_time(at, &mut None);
            assert_eq!(local_time(at, &mut last), fresh, "second {sec}");
        }
    }

    /// One step of a heap's life.
    #[derive(Debug, Clone)]
    enum Op {
        Alloc { size: usize, align_log2: u32 },
        Free { pick: usize },
        Realloc { pick: usize, size: usize },
    }

    fn op() -> impl Strategy<Value = Op> {
        // Sizes across every class, the page limit and the big mappings.
        let size = prop_oneof![1usize..64, 64usize..5000, 5000usize..200_000];
        prop_oneof![
            (size.clone(), 0u32..13).prop_map(|(size, align_log2)| Op::Alloc { size, align_log2 }),
            any::<usize>().prop_map(|pick| Op::Free { pick }),
            (any::<usize>(), size).prop_map(|(pick, size)| Op::Realloc { pick, size }),
        ]
    }

    /// Every live block: its pointer, layout and the byte it was filled with.
    type Live = Vec<(*mut u8, Layout, u8)>;

    fn fill(p: *mut u8, len: usize, byte: u8) {
        // SAFETY: `p` is a live block of at least `len` bytes.
        unsafe { core::ptr::write_bytes(p, byte, len) }
    }

    fn holds(p: *mut u8, len: usize, byte: u8) -> bool {
        // SAFETY: `p` is a live block of at least `len` bytes.
        unsafe { core::slice::from_raw_parts(p, len) }.iter().all(|&b| b == byte)
    }

    /// A `try_lock` that fails leaves the lock with its holder: a third attempt fails
    /// too, and the lock is free only when the guard drops. (The own spin lock this
    /// replaced freed it on every failed attempt.)
    #[test]
    fn a_failed_try_lock_keeps_the_lock() {
        let lock = Lock::new(0u32);
        let held = lock.try_lock().expect("a free lock");
        assert!(lock.try_lock().is_none());
        assert!(lock.try_lock().is_none(), "still held after a failed attempt");
        std::thread::scope(|s| {
            s.spawn(|| assert!(lock.try_lock().is_none(), "held, seen from another thread"));
        });
        drop(held);
        assert!(lock.try_lock().is_some());
    }

    /// What must keep holding at the edges: an alignment over a page and a size no
    /// mapping can hold give null (never a block that is too small), and a `realloc`
    /// that fails gives null and leaves the old block whole and usable.
    #[test]
    fn the_heap_refuses_what_it_cannot_give() {
        let heap = Heap;
        let over_page = Layout::from_size_align(64, 8192).unwrap();
        // SAFETY: a non-zero size.
        assert!(unsafe { heap.alloc(over_page) }.is_null());
        let huge = Layout::from_size_align(isize::MAX as usize - 4095, 4096).unwrap();
        // SAFETY: a non-zero size.
        assert!(unsafe { heap.alloc(huge) }.is_null());
        for size in [100, 10_000] {
            let layout = Layout::from_size_align(size, 8).unwrap();
            // SAFETY: a non-zero size.
            let p = unsafe { heap.alloc(layout) };
            assert!(!p.is_null());
            fill(p, size, 0x5a);
            // SAFETY: `p` is live with `layout`; the new size is valid for alignment 8.
            let q = unsafe { heap.realloc(p, layout, isize::MAX as usize - 4095) };
            assert!(q.is_null(), "a realloc no mapping can hold fails");
            assert!(holds(p, size, 0x5a), "and the old block keeps its bytes");
            // SAFETY: `p` is still live with `layout`, freed once.
            unsafe { heap.dealloc(p, layout) };
        }
    }

    /// Four threads add under the lock, two of them polling with `try_lock` (whose
    /// failures must not free it): no increment is lost.
    #[test]
    fn locked_increments_are_never_lost() {
        const EACH: u64 = 200_000;
        let lock = Lock::new(0u64);
        std::thread::scope(|s| {
            for t in 0..4 {
                let lock = &lock;
                s.spawn(move || {
                    for _ in 0..EACH {
                        if t % 2 == 0 {
                            *lock.lock() += 1;
                        } else {
                            loop {
                                if let Some(mut g) = lock.try_lock() {
                                    *g += 1;
                                    break;
                                }
                                std::thread::yield_now();
                            }
                        }
                    }
                });
            }
        });
        assert_eq!(*lock.lock(), 4 * EACH);
    }

    /// Six threads mix allocations across every size class, the page limit and big
    /// mappings, frees and reallocs, with alignments up to a page, each block filled
    /// with its own byte and checked before it is freed or moved: no block is handed
    /// out twice and none loses its bytes while the threads race on the free lists.
    #[test]
    fn the_heap_holds_under_threads() {
        const THREADS: usize = 6;
        const STEPS: usize = 20_000;
        std::thread::scope(|s| {
            for t in 0..THREADS {
                s.spawn(move || {
                    let heap = Heap;
                    let mut rng = 0x9e37_79b9_7f4a_7c15u64 ^ (t as u64 * 0x1234_5678_9abc);
                    let mut next = || {
                        rng ^= rng << 13;
                        rng ^= rng >> 7;
                        rng ^= rng << 17;
                        rng
                    };
                    let mut live: Live = Vec::new();
                    for step in 0..STEPS {
                        let byte = ((step + t * 31) % 251) as u8 + 1;
                        let r = next();
                        let size = match r % 10 {
                            0 => 4097 + (r >> 8) as usize % 100_000,
                            1..=3 => 1 + (r >> 8) as usize % 4096,
                            _ => 1 + (r >> 8) as usize % 200,
                        };
                        let align = 1usize << ((r >> 40) % 13);
                        match (r >> 50) % 3 {
                            0 if live.len() < 64 => {
                                let layout = Layout::from_size_align(size, align).unwrap();
                                // SAFETY: a non-zero size.
                                let p = unsafe { heap.alloc(layout) };
                                assert!(!p.is_null());
                                assert_eq!(p as usize % align, 0);
                                fill(p, size, byte);
                                live.push((p, layout, byte));
                            }
                            1 if !live.is_empty() => {
                                let at = (r >> 20) as usize % live.len();
                                let (p, layout, old) = live.swap_remove(at);
                                assert!(holds(p, layout.size(), old), "a block lost its bytes");
                                // SAFETY: `p` was allocated with `layout` and is freed once.
                                unsafe { heap.dealloc(p, layout) };
                            }
                            _ if !live.is_empty() => {
                                let at = (r >> 20) as usize % live.len();
                                let (p, layout, old) = live[at];
                                assert!(holds(p, layout.size(), old), "a block lost its bytes");
                                // SAFETY: `p` is live with `layout`; `size` is non-zero.
                                let q = unsafe { heap.realloc(p, layout, size) };
                                assert!(!q.is_null());
                                assert!(holds(q, layout.size().min(size), old));
                                fill(q, size, byte);
                                let layout = Layout::from_size_align(size, layout.align()).unwrap();
                                live[at] = (q, layout, byte);
                            }
                            _ => {}
                        }
                    }
                    for (p, layout, old) in live {
                        assert!(holds(p, layout.size(), old));
                        // SAFETY: as above.
                        unsafe { heap.dealloc(p, layout) };
                    }
                });
            }
        });
    }

    proptest! {
        /// Blocks are aligned as asked, never overlap (each keeps the byte it was filled
        /// with through every later step), and `realloc` keeps the bytes both sizes hold.
        #[test]
        fn blocks_keep_their_bytes(ops in proptest::collection::vec(op(), 1..200)) {
            let heap = Heap;
            let mut live: Live = Vec::new();
            for (step, op) in ops.into_iter().enumerate() {
                let byte = (step % 251) as u8 + 1;
                match op {
                    Op::Alloc { size, align_log2 } => {
                        let layout = Layout::from_size_align(size, 1 << align_log2).unwrap();
                        // SAFETY: a non-zero size.
                        let p = unsafe { heap.alloc(layout) };
                        prop_assert!(!p.is_null());
                        prop_assert_eq!(p as usize % layout.align(), 0);
                        fill(p, size, byte);
                        live.push((p, layout, byte));
                    }
                    Op::Free { pick } if !live.is_empty() => {
                        let (p, layout, old) = live.swap_remove(pick % live.len());
                        prop_assert!(holds(p, layout.size(), old));
                        // SAFETY: `p` was allocated with `layout` and is freed once.
                        unsafe { heap.dealloc(p, layout) };
                    }
                    Op::Realloc { pick, size } if !live.is_empty() => {
                        let at = pick % live.len();
                        let (p, layout, old) = live[at];
                        // SAFETY: `p` is live with `layout`; `size` is non-zero.
                        let q = unsafe { heap.realloc(p, layout, size) };
                        prop_assert!(!q.is_null());
                        prop_assert_eq!(q as usize % layout.align(), 0);
                        prop_assert!(holds(q, layout.size().min(size), old));
                        fill(q, size, byte);
                        live[at] = (q, Layout::from_size_align(size, layout.align()).unwrap(), byte);
                    }
                    _ => {}
                }
            }
            for (p, layout, old) in live {
                prop_assert!(holds(p, layout.size(), old));
                // SAFETY: as above.
                unsafe { heap.dealloc(p, layout) };
            }
        }
    }
}
