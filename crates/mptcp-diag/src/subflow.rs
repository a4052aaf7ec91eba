//! [`Subflow`]: a view of one TCP socket from a `NETLINK_SOCK_DIAG` dump, with its
//! `tcp_info` and, for an MPTCP subflow, its `INET_DIAG_ULP_INFO` attributes.

use core::net::SocketAddr;

use nlwire::{Attrs, Error, Message};

use crate::msg::payload_of;
use crate::{Connection, INET_DIAG_INFO, INET_DIAG_ULP_INFO, SubflowInfo, TcpInfo};

/// One TCP socket of a diag dump (from [`crate::build_subflow_dump`]). The fixed part
/// reads as [`Connection`]'s does; [`Subflow::mptcp`] tells an MPTCP subflow from a
/// plain TCP socket and [`Subflow::token`] names its connection.
///
/// ```
/// use mptcp_diag::{Subflow, SubflowRepr, SOCK_DIAG_BY_FAMILY};
/// use nlwire::{Message, MessageBuilder};
///
/// let mut fixed = [0u8; 72];
/// fixed[0] = 2; // AF_INET
/// fixed[1] = 1; // established
/// let mut buf = [0u8; 256];
/// let mut b = MessageBuilder::new(&mut buf, SOCK_DIAG_BY_FAMILY, 2, 1)?;
/// b.append(&fixed)?;
/// SubflowRepr { token_loc: Some(7), id_loc: Some(1), ..Default::default() }.emit(&mut b)?;
/// let bytes = b.finish()?;
/// let s = Subflow::parse(&Message::parse(bytes)?)?;
/// assert_eq!(s.token(), Some(7));
/// assert_eq!(s.mptcp().and_then(|m| m.id_loc()), Some(1));
/// assert!(s.tcp_info().is_none());
/// # Ok::<(), nlwire::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Subflow<'a> {
    sock: Connection<'a>,
}

impl<'a> Subflow<'a> {
    /// Reads a `SOCK_DIAG_BY_FAMILY` reply message for a TCP socket.
    pub fn parse(m: &Message<'a>) -> Result<Self, Error> {
        Connection::parse(m).map(|sock| Subflow { sock })
    }

    /// The fixed part, read as a [`Connection`] (family, state, ends, interface, inode).
    pub fn socket(&self) -> &Connection<'a> {
        &self.sock
    }

    /// Address family (`AF_INET` 2 or `AF_INET6` 10).
    pub fn family(&self) -> u8 {
        self.sock.family()
    }

    /// TCP state (1 established, …).
    pub fn state(&self) -> u8 {
        self.sock.state()
    }

    /// Local address and port.
    pub fn local(&self) -> SocketAddr {
        self.sock.local()
    }

    /// Remote address and port.
    pub fn remote(&self) -> SocketAddr {
        self.sock.remote()
    }

    /// Interface the subflow is bound to (`idiag_if`; 0 = none).
    pub fn ifindex(&self) -> u32 {
        self.sock.ifindex()
    }

    /// The attributes after the fixed part.
    pub fn attrs(&self) -> Attrs<'a> {
        self.sock.attrs()
    }

    /// The `struct tcp_info` from `INET_DIAG_INFO`, when the kernel sent it.
    pub fn tcp_info(&self) -> Option<TcpInfo<'a>> {
        Some(TcpInfo::new(payload_of(self.sock.attrs, INET_DIAG_INFO)?))
    }

    /// The MPTCP subflow attributes; `None` for a TCP socket without the MPTCP ULP.
    pub fn mptcp(&self) -> Option<SubflowInfo<'a>> {
        SubflowInfo::from_ulp(payload_of(self.sock.attrs, INET_DIAG_ULP_INFO)?)
    }

    /// The local token: the `mptcpi_token` of the connection this subflow belongs to.
    pub fn token(&self) -> Option<u32> {
        self.mptcp()?.token_loc()
    }
}
