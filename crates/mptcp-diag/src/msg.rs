//! [`Connection`]: a view of one `inet_diag_msg` reply for an MPTCP socket (its fixed
//! part also serves [`crate::Subflow`]).

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use nlwire::{Attrs, Error, Message};

use crate::{INET_DIAG_INFO, MptcpInfo, SOCK_DIAG_BY_FAMILY};

/// Size of `struct inet_diag_msg`.
const MSG_LEN: usize = 72;
/// `AF_INET6`.
const AF_INET6: u8 = 10;

/// One MPTCP socket from a diag dump.
#[derive(Debug, Clone, Copy)]
pub struct Connection<'a> {
    msg: &'a [u8; MSG_LEN],
    pub(crate) attrs: &'a [u8],
}

impl<'a> Connection<'a> {
    /// Reads a `SOCK_DIAG_BY_FAMILY` reply message.
    pub fn parse(m: &Message<'a>) -> Result<Self, Error> {
        if m.kind() != SOCK_DIAG_BY_FAMILY {
            return Err(Error::WrongType);
        }
        let (head, attrs) = m.payload().split_at_checked(MSG_LEN).ok_or(Error::Truncated)?;
        let msg = head.try_into().map_err(|_| Error::Truncated)?;
        Ok(Connection { msg, attrs })
    }

    /// Address family (`AF_INET` 2 or `AF_INET6` 10).
    pub fn family(&self) -> u8 {
        self.msg[0]
    }

    /// TCP state of the MPTCP socket (1 established, 10 listen, …).
    pub fn state(&self) -> u8 {
        self.msg[1]
    }

    /// The local or the `remote` end (not inlined: the CLI reads both ends of every
    /// connection and subflow, and one copy serves them all).
    #[inline(never)]
    fn end(&self, remote: bool) -> SocketAddr {
        let (at, port) = if remote { (24, 6) } else { (8, 4) };
        SocketAddr::new(self.addr(at), u16::from_be_bytes([self.msg[port], self.msg[port + 1]]))
    }

    fn addr(&self, at: usize) -> IpAddr {
        let mut b = [0u8; 16];
        b.copy_from_slice(&self.msg[at..at + 16]);
        if self.family() == AF_INET6 {
            IpAddr::V6(Ipv6Addr::from(b))
        } else {
            IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3]))
        }
    }

    /// Local address and port (the port is big-endian on the wire).
    pub fn local(&self) -> SocketAddr {
        self.end(false)
    }

    /// Remote address and port (the port is big-endian on the wire).
    pub fn remote(&self) -> SocketAddr {
        self.end(true)
    }

    /// Interface the socket is bound to (0 = none).
    pub fn ifindex(&self) -> u32 {
        u32::from_ne_bytes([self.msg[40], self.msg[41], self.msg[42], self.msg[43]])
    }

    /// `idiag_cookie`: the kernel's identifier of the socket.
    pub fn cookie(&self) -> u64 {
        let lo = u32::from_ne_bytes([self.msg[44], self.msg[45], self.msg[46], self.msg[47]]);
        let hi = u32::from_ne_bytes([self.msg[48], self.msg[49], self.msg[50], self.msg[51]]);
        u64::from(hi) << 32 | u64::from(lo)
    }

    /// Socket inode.
    pub fn inode(&self) -> u32 {
        u32::from_ne_bytes([self.msg[68], self.msg[69], self.msg[70], self.msg[71]])
    }

    /// The attributes after the fixed part.
    pub fn attrs(&self) -> Attrs<'a> {
        Attrs::new(self.attrs)
    }

    /// The `struct mptcp_info` from `INET_DIAG_INFO`, when the kernel sent it.
    pub fn info(&self) -> Option<MptcpInfo<'a>> {
        MptcpInfo::new(payload_of(self.attrs, INET_DIAG_INFO)?)
    }
}

/// The payload of the first attribute of `kind` in `attrs`; `None` when absent or when
/// the attributes before it are malformed. Not inlined: every reader of a reply's
/// attributes shares this one walk.
#[inline(never)]
pub(crate) fn payload_of(attrs: &[u8], kind: u16) -> Option<&[u8]> {
    Some(Attrs::new(attrs).find(kind).ok()??.payload())
}

#[cfg(test)]
mod tests {
    use super::*;
    use nlwire::MessageBuilder;

    #[test]
    fn reads_ports_big_endian_and_addresses() {
        let mut fixed = [0u8; MSG_LEN];
        fixed[0] = 2;
        fixed[1] = 1;
        fixed[4..6].copy_from_slice(&5000u16.to_be_bytes());
        fixed[6..8].copy_from_slice(&33096u16.to_be_bytes());
        fixed[8..12].copy_from_slice(&[10, 0, 0, 1]);
        fixed[24..28].copy_from_slice(&[10, 0, 0, 2]);
        let mut buf = [0u8; 256];
        let mut b = MessageBuilder::new(&mut buf, SOCK_DIAG_BY_FAMILY, 2, 1).unwrap();
        b.append(&fixed).unwrap();
        let mut info = [0u8; 96];
        info[12..16].copy_from_slice(&0xa907_9844u32.to_ne_bytes());
        info[80] = 2;
        b.put(INET_DIAG_INFO, &info).unwrap();
        let bytes = b.finish().unwrap();
        let c = Connection::parse(&Message::parse(bytes).unwrap()).unwrap();
        assert_eq!(c.local(), SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), 5000));
        assert_eq!(c.remote().port(), 33096);
        assert_eq!(c.state(), 1);
        let i = c.info().unwrap();
        assert_eq!((i.token(), i.subflows_total()), (Some(0xa907_9844), Some(2)));
    }

    #[test]
    fn short_message_is_an_error() {
        let mut buf = [0u8; 64];
        let mut b = MessageBuilder::new(&mut buf, SOCK_DIAG_BY_FAMILY, 2, 1).unwrap();
        b.append(&[0u8; 40]).unwrap();
        let bytes = b.finish().unwrap();
        assert_eq!(
            Connection::parse(&Message::parse(bytes).unwrap()).unwrap_err(),
            Error::Truncated
        );
    }
}
