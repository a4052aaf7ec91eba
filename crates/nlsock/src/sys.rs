//! Every raw system call of the crate, each behind a safe function.

use core::mem::{size_of, zeroed};

use crate::batch::MAX_BATCH;
use crate::{Datagram, Errno};

fn check(ret: isize) -> Result<usize, Errno> {
    if ret < 0 { Err(Errno::last()) } else { Ok(ret as usize) }
}

pub(crate) fn errno() -> i32 {
    // SAFETY: `__errno_location` returns a valid pointer to this thread's errno.
    unsafe { *libc::__errno_location() }
}

pub(crate) fn socket(domain: i32, kind: i32, protocol: i32) -> Result<i32, Errno> {
    // SAFETY: plain system call with integer arguments.
    let fd = unsafe { libc::socket(domain, kind, protocol) };
    check(fd as isize).map(|fd| fd as i32)
}

pub(crate) fn close(fd: i32) {
    // SAFETY: the caller owns `fd` and never uses it again.
    unsafe { libc::close(fd) };
}

pub(crate) fn setsockopt_int(fd: i32, level: i32, name: i32, value: i32) -> Result<(), Errno> {
    let v = value;
    // SAFETY: `v` lives across the call and its size is passed exactly.
    let ret = unsafe {
        libc::setsockopt(fd, level, name, (&raw const v).cast(), size_of::<i32>() as u32)
    };
    check(ret as isize).map(drop)
}

/// Attaches the classic BPF program `prog` (`SO_ATTACH_FILTER`), replacing any before.
pub(crate) fn attach_filter(fd: i32, prog: &[crate::filter::Insn]) -> Result<(), Errno> {
    let mut insns = [libc::sock_filter { code: 0, jt: 0, jf: 0, k: 0 }; crate::filter::MAX_INSNS];
    if prog.is_empty() || prog.len() > insns.len() {
        return Err(Errno(libc::EINVAL));
    }
    for (to, from) in insns.iter_mut().zip(prog) {
        *to = libc::sock_filter { code: from.code, jt: from.jt, jf: from.jf, k: from.k };
    }
    let fprog = libc::sock_fprog { len: prog.len() as u16, filter: insns.as_mut_ptr() };
    // SAFETY: `fprog` points at `prog.len()` initialised instructions in `insns`; both
    // live across the call, and the kernel copies the program before it returns.
    let ret = unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_ATTACH_FILTER,
            (&raw const fprog).cast(),
            size_of::<libc::sock_fprog>() as u32,
        )
    };
    check(ret as isize).map(drop)
}

/// Binds a netlink socket to a port id the kernel picks (`nl_pid` 0), no groups.
pub(crate) fn bind_netlink(fd: i32) -> Result<(), Errno> {
    // SAFETY: all-zero is a valid `sockaddr_nl`.
    let mut addr: libc::sockaddr_nl = unsafe { zeroed() };
    addr.nl_family = libc::AF_NETLINK as u16;
    // SAFETY: `addr` lives across the call and its size is passed exactly.
    let ret =
        unsafe { libc::bind(fd, (&raw const addr).cast(), size_of::<libc::sockaddr_nl>() as u32) };
    check(ret as isize).map(drop)
}

pub(crate) fn send(fd: i32, buf: &[u8]) -> Result<usize, Errno> {
    loop {
        // SAFETY: the pointer and length describe `buf`, which outlives the call.
        let ret = unsafe { libc::send(fd, buf.as_ptr().cast(), buf.len(), 0) };
        match check(ret) {
            Err(e) if e.0 == libc::EINTR => continue,
            r => return r,
        }
    }
}

/// Receives one datagram: (bytes stored, sender port id, truncated).
pub(crate) fn recv(fd: i32, buf: &mut [u8]) -> Result<(usize, u32, bool), Errno> {
    loop {
        // SAFETY: all-zero is a valid `sockaddr_nl` and `msghdr`.
        let mut addr: libc::sockaddr_nl = unsafe { zeroed() };
        let mut iov = libc::iovec { iov_base: buf.as_mut_ptr().cast(), iov_len: buf.len() };
        // SAFETY: as above.
        let mut msg: libc::msghdr = unsafe { zeroed() };
        msg.msg_name = (&raw mut addr).cast();
        msg.msg_namelen = size_of::<libc::sockaddr_nl>() as u32;
        msg.msg_iov = &raw mut iov;
        msg.msg_iovlen = 1;
        // SAFETY: `msg` points at `addr` and `iov`, which point at `buf`; all three
        // outlive the call and their sizes are given exactly.
        let ret = unsafe { libc::recvmsg(fd, &raw mut msg, 0) };
        match check(ret) {
            Err(e) if e.0 == libc::EINTR => continue,
            Err(e) => return Err(e),
            Ok(n) => return Ok((n, addr.nl_pid, msg.msg_flags & libc::MSG_TRUNC != 0)),
        }
    }
}

/// Receives up to `got.len()` (at most [`MAX_BATCH`]) datagrams with one `recvmmsg`,
/// datagram `i` into `buf[i * slot..][..slot]`; returns how many arrived. `wait: false`
/// returns 0 on an empty queue instead of blocking; `true` blocks for the first only.
pub(crate) fn recv_many(
    fd: i32,
    buf: &mut [u8],
    slot: usize,
    got: &mut [Datagram],
    wait: bool,
) -> Result<usize, Errno> {
    let slots = buf.len().checked_div(slot).unwrap_or(0);
    let n = slots.min(got.len()).min(MAX_BATCH);
    if n == 0 {
        return Err(Errno(libc::EINVAL));
    }
    // SAFETY: all-zero is a valid `sockaddr_nl`, `iovec` and `mmsghdr`.
    let mut addrs: [libc::sockaddr_nl; MAX_BATCH] = unsafe { zeroed() };
    // SAFETY: as above.
    let mut iovs: [libc::iovec; MAX_BATCH] = unsafe { zeroed() };
    // SAFETY: as above.
    let mut msgs: [libc::mmsghdr; MAX_BATCH] = unsafe { zeroed() };
    for (i, chunk) in buf.chunks_exact_mut(slot).take(n).enumerate() {
        iovs[i] = libc::iovec { iov_base: chunk.as_mut_ptr().cast(), iov_len: slot };
        let hdr = &mut msgs[i].msg_hdr;
        hdr.msg_name = (&raw mut addrs[i]).cast();
        hdr.msg_namelen = size_of::<libc::sockaddr_nl>() as u32;
        hdr.msg_iov = &raw mut iovs[i];
        hdr.msg_iovlen = 1;
    }
    let flags = if wait { libc::MSG_WAITFORONE } else { libc::MSG_DONTWAIT };
    loop {
        // SAFETY: the first `n` headers point at their own `addrs` and `iovs` entries,
        // which point at disjoint `slot`-byte chunks of `buf`; all outlive the call,
        // and `n` is at most the length of each array.
        let ret = unsafe {
            libc::recvmmsg(fd, msgs.as_mut_ptr(), n as _, flags as _, core::ptr::null_mut())
        };
        match check(ret as isize) {
            Err(e) if e.0 == libc::EINTR => continue,
            Err(e) if e.0 == libc::EAGAIN && !wait => return Ok(0),
            Err(e) => return Err(e),
            Ok(count) => {
                for i in 0..count.min(n) {
                    got[i] = Datagram {
                        len: (msgs[i].msg_len as usize).min(slot),
                        sender: addrs[i].nl_pid,
                        truncated: msgs[i].msg_hdr.msg_flags & libc::MSG_TRUNC != 0,
                    };
                }
                return Ok(count.min(n));
            }
        }
    }
}

/// Opens `path` (NUL-terminated) read-only and close-on-exec.
pub(crate) fn open_ro(path: &[u8]) -> Result<i32, Errno> {
    if path.last() != Some(&0) {
        return Err(Errno(libc::EINVAL));
    }
    // SAFETY: `path` is NUL-terminated (checked above) and outlives the call.
    let fd = unsafe {
        libc::openat(libc::AT_FDCWD, path.as_ptr().cast(), libc::O_RDONLY | libc::O_CLOEXEC)
    };
    check(fd as isize).map(|fd| fd as i32)
}

pub(crate) fn setns(fd: i32, nstype: i32) -> Result<(), Errno> {
    // SAFETY: plain system call with integer arguments.
    let ret = unsafe { libc::setns(fd, nstype) };
    check(ret as isize).map(drop)
}

/// `SIOCGIFINDEX`: the index of interface `name` in the socket's namespace.
pub(crate) fn ifindex(fd: i32, name: &[u8]) -> Result<i32, Errno> {
    // SAFETY: all-zero is a valid `ifreq`.
    let mut req: libc::ifreq = unsafe { zeroed() };
    if name.is_empty() || name.len() >= req.ifr_name.len() {
        return Err(Errno(libc::ENODEV));
    }
    for (d, s) in req.ifr_name.iter_mut().zip(name) {
        *d = *s as libc::c_char;
    }
    // SAFETY: `req` is a valid, NUL-terminated `ifreq` that outlives the call.
    let ret = unsafe { libc::ioctl(fd, libc::SIOCGIFINDEX as _, &raw mut req) };
    check(ret as isize)?;
    // SAFETY: SIOCGIFINDEX succeeded, so the kernel filled the `ifru_ifindex` member.
    Ok(unsafe { req.ifr_ifru.ifru_ifindex })
}

/// `SIOCGIFNAME`: the name of interface `index`, copied into `out`; returns its length.
pub(crate) fn ifname(fd: i32, index: i32, out: &mut [u8; 16]) -> Result<usize, Errno> {
    // SAFETY: all-zero is a valid `ifreq`.
    let mut req: libc::ifreq = unsafe { zeroed() };
    req.ifr_ifru.ifru_ifindex = index;
    // SAFETY: `req` is a valid `ifreq` that outlives the call.
    let ret = unsafe { libc::ioctl(fd, libc::SIOCGIFNAME as _, &raw mut req) };
    check(ret as isize)?;
    let mut len = 0;
    for (d, s) in out.iter_mut().zip(req.ifr_name.iter()) {
        if *s == 0 {
            break;
        }
        *d = *s as u8;
        len += 1;
    }
    Ok(len)
}

/// `poll` for input on `fd`: `Ok(true)` when a receive would not block, `Ok(false)`
/// when `timeout_ms` passed first (negative: wait for ever). `EINTR` is retried with
/// the same timeout, so a signal storm can stretch the wait.
pub(crate) fn poll_in(fd: i32, timeout_ms: i32) -> Result<bool, Errno> {
    let mut p = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
    loop {
        // SAFETY: `p` is one valid `pollfd` that outlives the call; the count is 1.
        let ret = unsafe { libc::poll(&raw mut p, 1, timeout_ms) };
        match check(ret as isize) {
            Err(e) if e.0 == libc::EINTR => continue,
            Err(e) => return Err(e),
            Ok(n) => return Ok(n > 0),
        }
    }
}

/// Sets or clears `O_NONBLOCK` on `fd`.
pub(crate) fn set_nonblocking(fd: i32, on: bool) -> Result<(), Errno> {
    // SAFETY: plain system call with integer arguments.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    let flags = check(flags as isize)? as i32;
    let want = if on { flags | libc::O_NONBLOCK } else { flags & !libc::O_NONBLOCK };
    if want != flags {
        // SAFETY: plain system call with integer arguments.
        let ret = unsafe { libc::fcntl(fd, libc::F_SETFL, want) };
        check(ret as isize)?;
    }
    Ok(())
}

/// The descriptor as std's I/O-safety types see it (feature `std`).
#[cfg(feature = "std")]
mod fd {
    use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

    use crate::Socket;

    impl AsRawFd for Socket {
        fn as_raw_fd(&self) -> RawFd {
            self.fd()
        }
    }

    impl AsFd for Socket {
        fn as_fd(&self) -> BorrowedFd<'_> {
            // SAFETY: the socket owns this open descriptor and closes it only on drop,
            // so it stays open for the borrow's lifetime, which is tied to `&self`.
            unsafe { BorrowedFd::borrow_raw(self.fd()) }
        }
    }
}
