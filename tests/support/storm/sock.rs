//! IPv4 MPTCP stream sockets for the storm (over `mptcp_stack::mptcp_sock`), and `poll`.

use std::io;
use std::net::{SocketAddrV4, TcpListener, TcpStream};

use mptcp_stack::mptcp_sock;

/// An MPTCP listener on `addr` with `SO_REUSEADDR` and the given backlog.
pub fn listen(addr: SocketAddrV4, backlog: i32) -> io::Result<TcpListener> {
    mptcp_sock::listen(addr.into(), backlog)
}

/// A blocking MPTCP connection to `to`.
pub fn connect(to: SocketAddrV4) -> io::Result<TcpStream> {
    mptcp_sock::connect(to.into(), None)
}

/// Waits up to `ms` milliseconds for `fd` to become readable; true when it is.
pub fn readable(fd: libc::c_int, ms: i32) -> bool {
    let mut p = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
    // SAFETY: one valid `pollfd` for the duration of the call.
    unsafe { libc::poll(&mut p, 1, ms) > 0 }
}
