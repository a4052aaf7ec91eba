//! IPv4 MPTCP stream sockets: a listener and a connect, as std types.

use std::io;
use std::net::{SocketAddrV4, TcpListener, TcpStream};
use std::os::fd::FromRawFd;

/// `IPPROTO_MPTCP`.
const IPPROTO_MPTCP: libc::c_int = 262;

fn check(ret: libc::c_int) -> io::Result<()> {
    if ret < 0 { Err(io::Error::last_os_error()) } else { Ok(()) }
}

/// A new `AF_INET` MPTCP stream socket.
fn socket() -> io::Result<libc::c_int> {
    // SAFETY: a plain socket call; the descriptor is handed to a std owner right after.
    let fd = unsafe {
        libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, IPPROTO_MPTCP)
    };
    if fd < 0 { Err(io::Error::last_os_error()) } else { Ok(fd) }
}

fn raw(addr: SocketAddrV4) -> libc::sockaddr_in {
    // SAFETY: all-zero is a valid `sockaddr_in`.
    let mut sin: libc::sockaddr_in = unsafe { std::mem::zeroed() };
    sin.sin_family = libc::AF_INET as libc::sa_family_t;
    sin.sin_port = addr.port().to_be();
    sin.sin_addr.s_addr = u32::from_ne_bytes(addr.ip().octets());
    sin
}

const SIN_LEN: libc::socklen_t = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;

/// An MPTCP listener on `addr` with `SO_REUSEADDR` and the given backlog.
pub fn listen(addr: SocketAddrV4, backlog: i32) -> io::Result<TcpListener> {
    let fd = socket()?;
    // SAFETY: `fd` is a fresh descriptor we own; std closes it from here on.
    let listener = unsafe { TcpListener::from_raw_fd(fd) };
    let sin = raw(addr);
    let one: libc::c_int = 1;
    // SAFETY: `fd` is open; each pointer and length describes a live local value.
    unsafe {
        check(libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_REUSEADDR,
            (&raw const one).cast(),
            4,
        ))?;
        check(libc::bind(fd, (&raw const sin).cast(), SIN_LEN))?;
        check(libc::listen(fd, backlog))?;
    }
    Ok(listener)
}

/// A blocking MPTCP connection to `to`.
pub fn connect(to: SocketAddrV4) -> io::Result<TcpStream> {
    let fd = socket()?;
    // SAFETY: `fd` is a fresh descriptor we own; std closes it from here on.
    let stream = unsafe { TcpStream::from_raw_fd(fd) };
    let sin = raw(to);
    // SAFETY: `fd` is open; the pointer and length describe a live local `sockaddr_in`.
    check(unsafe { libc::connect(fd, (&raw const sin).cast(), SIN_LEN) })?;
    Ok(stream)
}

/// Waits up to `ms` milliseconds for `fd` to become readable; true when it is.
pub fn readable(fd: libc::c_int, ms: i32) -> bool {
    let mut p = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
    // SAFETY: one valid `pollfd` for the duration of the call.
    unsafe { libc::poll(&mut p, 1, ms) > 0 }
}
