//! [`Socket`]: an owned `AF_NETLINK` socket with the options the stack needs.

use core::cell::Cell;
use core::time::Duration;

use nlwire::consts::*;

use crate::conn::Link;
use crate::filter::Insn;
use crate::{Batch, Errno, MAX_BATCH, Wait, sys};

/// One received datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Datagram {
    /// Bytes stored in the buffer.
    pub len: usize,
    /// The sender's port id: 0 is the kernel.
    pub sender: u32,
    /// Whether the datagram was longer than the buffer.
    pub truncated: bool,
}

/// An interface name read back from the kernel (at most 15 bytes, no NUL).
///
/// Linux names are bytes: any byte but NUL, `/` and white space, so a name need not be
/// UTF-8 (`ip link add $'w\xff' type dummy` makes one). [`IfName::as_bytes`] gives the
/// name exactly as the kernel keeps it, which is what to print, compare or send back;
/// [`IfName::as_str`] is the text of a UTF-8 name. Its `Display` writes UTF-8 as it is
/// and every other byte as `\xNN`, so a log line names the link unambiguously.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IfName {
    bytes: [u8; 16],
    len: usize,
}

impl IfName {
    /// The name's bytes, as the kernel keeps them (1 to 15 bytes; empty only if the
    /// kernel gave an empty name).
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }

    /// The name as text when it is UTF-8. A name that is not UTF-8 reads as the empty
    /// string (never a lossy or made-up name): use [`IfName::as_bytes`] for those, or
    /// [`IfName::to_str`] to tell the two cases apart.
    pub fn as_str(&self) -> &str {
        self.to_str().unwrap_or("")
    }

    /// The name as text, or `None` when it is not UTF-8.
    pub fn to_str(&self) -> Option<&str> {
        core::str::from_utf8(self.as_bytes()).ok()
    }
}

impl core::fmt::Display for IfName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for chunk in self.as_bytes().utf8_chunks() {
            f.write_str(chunk.valid())?;
            for b in chunk.invalid() {
                write!(f, "\\x{b:02x}")?;
            }
        }
        Ok(())
    }
}

/// An owned netlink socket; closed on drop.
#[derive(Debug)]
pub struct Socket {
    fd: i32,
    /// Whether the socket has a port id: the kernel gives one on the first send.
    bound: Cell<bool>,
}

impl Socket {
    /// Opens `AF_NETLINK`, `SOCK_RAW | SOCK_CLOEXEC` for `protocol`. No bind: the
    /// kernel binds on first send, which saves two system calls.
    pub fn open(protocol: i32) -> Result<Self, Errno> {
        let fd = sys::socket(libc::AF_NETLINK, libc::SOCK_RAW | libc::SOCK_CLOEXEC, protocol)?;
        Ok(Socket { fd, bound: Cell::new(false) })
    }

    /// A `NETLINK_GENERIC` socket with extended acks and capped acks enabled.
    pub fn generic() -> Result<Self, Errno> {
        let s = Self::open(NETLINK_GENERIC)?;
        s.set_ext_ack(true)?;
        s.set_cap_ack(true)?;
        Ok(s)
    }

    /// The raw descriptor, for `poll` and the like. It stays owned by the socket.
    pub fn fd(&self) -> i32 {
        self.fd
    }

    /// Switches the socket to non-blocking mode (`O_NONBLOCK`) or back. In non-blocking
    /// mode a receive with nothing queued fails with `EAGAIN`
    /// ([`Error::WouldBlock`](crate::Error::WouldBlock) through [`crate::Conn`]), which
    /// is what `poll`, epoll and async runtimes expect.
    pub fn set_nonblocking(&self, on: bool) -> Result<(), Errno> {
        sys::set_nonblocking(self.fd, on)
    }

    /// Waits until a datagram is queued (`Ok(true)`) or `timeout` passes (`Ok(false)`);
    /// `None` waits for ever. One `poll`; timeouts are rounded up to whole milliseconds
    /// and capped at about 24 days. A signal restarts the wait with the full timeout.
    pub fn wait_readable(&self, timeout: Option<Duration>) -> Result<bool, Errno> {
        let ms = match timeout {
            None => -1,
            Some(t) => {
                let ms = t.as_micros().div_ceil(1000);
                ms.min(i32::MAX as u128) as i32
            }
        };
        sys::poll_in(self.fd, ms)
    }

    /// `NETLINK_EXT_ACK`: ask for extended-ack messages with errors.
    pub fn set_ext_ack(&self, on: bool) -> Result<(), Errno> {
        sys::setsockopt_int(self.fd, SOL_NETLINK, NETLINK_EXT_ACK, on as i32)
    }

    /// `NETLINK_CAP_ACK`: errors echo only the request header.
    pub fn set_cap_ack(&self, on: bool) -> Result<(), Errno> {
        sys::setsockopt_int(self.fd, SOL_NETLINK, NETLINK_CAP_ACK, on as i32)
    }

    /// Joins multicast group `group`. A socket that has sent nothing yet is bound
    /// first: until it has a port id of its own it has the kernel's (0), and the kernel
    /// skips the sender's own port when it multicasts, so it would never see an event.
    pub fn join_group(&self, group: u32) -> Result<(), Errno> {
        if !self.bound.get() {
            sys::bind_netlink(self.fd)?;
            self.bound.set(true);
        }
        sys::setsockopt_int(self.fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group as i32)
    }

    /// Runs `prog` (classic BPF, at most [`MAX_INSNS`](crate::filter::MAX_INSNS)
    /// instructions) on every datagram before the kernel queues it: what it drops never
    /// wakes a reader nor takes room in the receive buffer. `EINVAL` for an empty or too
    /// long program, or one the kernel's checker refuses.
    pub fn set_filter(&self, prog: &[Insn]) -> Result<(), Errno> {
        sys::attach_filter(self.fd, prog)
    }

    /// Sets the receive buffer, above `rmem_max` where privileged (`SO_RCVBUFFORCE`).
    pub fn set_recv_buffer(&self, bytes: u32) -> Result<(), Errno> {
        let v = bytes.min(i32::MAX as u32) as i32;
        sys::setsockopt_int(self.fd, libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, v)
            .or_else(|_| sys::setsockopt_int(self.fd, libc::SOL_SOCKET, libc::SO_RCVBUF, v))
    }

    /// The index of interface `name` in this socket's namespace (`SIOCGIFINDEX`).
    /// The name is bytes (`&str`, `&[u8]`, an [`IfName`]'s `as_bytes()`): a name need
    /// not be UTF-8. An empty name, or one of 16 bytes or more, is `ENODEV`.
    pub fn ifindex(&self, name: impl AsRef<[u8]>) -> Result<i32, Errno> {
        sys::ifindex(self.fd, name.as_ref())
    }

    /// The name of interface `index` in this socket's namespace (`SIOCGIFNAME`).
    pub fn ifname(&self, index: i32) -> Result<IfName, Errno> {
        let mut bytes = [0u8; 16];
        let len = sys::ifname(self.fd, index, &mut bytes)?;
        Ok(IfName { bytes, len })
    }
}

impl Link for Socket {
    fn send(&mut self, buf: &[u8]) -> Result<(), Errno> {
        sys::send(self.fd, buf)?;
        self.bound.set(true);
        Ok(())
    }

    fn recv(&mut self, buf: &mut [u8]) -> Result<Datagram, Errno> {
        let (len, sender, truncated) = sys::recv(self.fd, buf)?;
        Ok(Datagram { len: len.min(buf.len()), sender, truncated })
    }

    /// One `recvmmsg` for up to [`MAX_BATCH`] datagrams.
    fn recv_batch(&mut self, buf: &mut [u8], slot: usize, wait: Wait) -> Result<Batch, Errno> {
        let mut got = [Datagram { len: 0, sender: 0, truncated: false }; MAX_BATCH];
        let n = sys::recv_many(self.fd, buf, slot, &mut got, wait == Wait::ForOne)?;
        Ok(Batch::new(got.get(..n).unwrap_or(&got)))
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        sys::close(self.fd);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(b: &[u8]) -> IfName {
        let mut bytes = [0u8; 16];
        bytes[..b.len()].copy_from_slice(b);
        IfName { bytes, len: b.len() }
    }

    /// Display writes UTF-8 as it is and other bytes as `\xNN`.
    #[test]
    fn display_escapes_only_what_is_not_utf8() {
        extern crate std;
        use std::string::ToString;
        assert_eq!(name(b"eth0").to_string(), "eth0");
        assert_eq!(name(b"w\xff").to_string(), "w\\xff");
        assert_eq!(name("v\u{e9}".as_bytes()).to_string(), "v\u{e9}");
        assert_eq!(name(b"a\xe9b\x80").to_string(), "a\\xe9b\\x80");
    }

    /// A name that is not UTF-8 keeps its bytes; only `as_str` has no text for it.
    #[test]
    fn names_are_bytes() {
        let w = name(b"w\xff");
        assert_eq!(w.as_bytes(), b"w\xff");
        assert_eq!((w.as_str(), w.to_str()), ("", None));
        let lo = name(b"lo");
        assert_eq!((lo.as_bytes(), lo.as_str(), lo.to_str()), (&b"lo"[..], "lo", Some("lo")));
        let long = name(b"012345678901234");
        assert_eq!(long.as_bytes().len(), 15);
    }
}
