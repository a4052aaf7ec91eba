//! MPTCP stream sockets (`IPPROTO_MPTCP`) as std types, for the fixture program, the
//! event storm and the kernel-in-the-loop tests.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::fd::FromRawFd;

/// A raw MPTCP stream socket for `addr`'s family.
fn socket(addr: &SocketAddr) -> std::io::Result<i32> {
    let family = if addr.is_ipv4() { libc::AF_INET } else { libc::AF_INET6 };
    // SAFETY: a plain socket call; the descriptor is owned by the caller.
    let fd = unsafe {
        libc::socket(family, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, libc::IPPROTO_MPTCP)
    };
    if fd < 0 { Err(std::io::Error::last_os_error()) } else { Ok(fd) }
}

/// Fills a `sockaddr_storage` for `addr`; returns its length.
fn raw_addr(addr: &SocketAddr, storage: &mut libc::sockaddr_storage) -> libc::socklen_t {
    match addr {
        SocketAddr::V4(a) => {
            let sin = (storage as *mut libc::sockaddr_storage).cast::<libc::sockaddr_in>();
            // SAFETY: sockaddr_storage is large and aligned enough for sockaddr_in.
            unsafe {
                (*sin).sin_family = libc::AF_INET as libc::sa_family_t;
                (*sin).sin_port = a.port().to_be();
                (*sin).sin_addr.s_addr = u32::from_ne_bytes(a.ip().octets());
            }
            std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t
        }
        SocketAddr::V6(a) => {
            let sin6 = (storage as *mut libc::sockaddr_storage).cast::<libc::sockaddr_in6>();
            // SAFETY: sockaddr_storage is large and aligned enough for sockaddr_in6.
            unsafe {
                (*sin6).sin6_family = libc::AF_INET6 as libc::sa_family_t;
                (*sin6).sin6_port = a.port().to_be();
                (*sin6).sin6_addr.s6_addr = a.ip().octets();
            }
            std::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t
        }
    }
}

fn check(ret: i32) -> std::io::Result<()> {
    if ret < 0 { Err(std::io::Error::last_os_error()) } else { Ok(()) }
}

/// An MPTCP listener on `addr` with `SO_REUSEADDR` and this backlog.
pub fn listen(addr: SocketAddr, backlog: i32) -> std::io::Result<TcpListener> {
    let fd = socket(&addr)?;
    // SAFETY: `fd` is ours; std closes it from here on.
    let listener = unsafe { TcpListener::from_raw_fd(fd) };
    reuse_and_bind(fd, &addr)?;
    // SAFETY: valid descriptor.
    check(unsafe { libc::listen(fd, backlog) })?;
    Ok(listener)
}

/// Sets `SO_REUSEADDR` on `fd` and binds it to `addr`.
fn reuse_and_bind(fd: i32, addr: &SocketAddr) -> std::io::Result<()> {
    // SAFETY: all-zero is a valid sockaddr_storage.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = raw_addr(addr, &mut storage);
    let one: libc::c_int = 1;
    // SAFETY: valid descriptor, pointers and lengths for each call.
    unsafe {
        check(libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_REUSEADDR,
            (&raw const one).cast(),
            4,
        ))?;
        check(libc::bind(fd, (&raw const storage).cast(), len))
    }
}

/// An MPTCP connection to `to`, from `from` when given.
pub fn connect(to: SocketAddr, from: Option<SocketAddr>) -> std::io::Result<TcpStream> {
    let fd = socket(&to)?;
    // SAFETY: `fd` is ours; std closes it from here on.
    let stream = unsafe { TcpStream::from_raw_fd(fd) };
    // SAFETY: all-zero is a valid sockaddr_storage.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    if let Some(from) = from {
        reuse_and_bind(fd, &from)?;
    }
    let len = raw_addr(&to, &mut storage);
    // SAFETY: valid descriptor, pointer and length.
    check(unsafe { libc::connect(fd, (&raw const storage).cast(), len) })?;
    Ok(stream)
}

/// Opens an MPTCP listener on 127.0.0.1:`port` and closes it at once: one
/// LISTENER_CREATED and one LISTENER_CLOSED event. Panics if it cannot.
pub fn listen_once(port: u16) {
    let l = listen(SocketAddr::from((Ipv4Addr::LOCALHOST, port)), 1);
    drop(l.unwrap_or_else(|e| panic!("MPTCP listener on 127.0.0.1:{port}: {e}")));
}
