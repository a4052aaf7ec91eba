//! MPTCP connections and their subflows as the kernel's socket diagnostics
//! (`NETLINK_SOCK_DIAG`) report them: the requests, and zero-copy views of each reply.
//!
//! * [`build_dump`] / [`build_dump_states`] / [`build_get_by_token`]: `inet_diag` for
//!   `IPPROTO_MPTCP`; each reply is a [`Connection`] with its [`MptcpInfo`] (the whole
//!   `struct mptcp_info`).
//! * [`build_subflow_dump`]: `inet_diag` for TCP; each reply is a [`Subflow`] with its
//!   [`TcpInfo`] and, for an MPTCP subflow, its [`SubflowInfo`] (the
//!   `MPTCP_SUBFLOW_ATTR_*` nested in `INET_DIAG_ULP_INFO`: tokens, address ids, backup
//!   flags). A subflow belongs to the connection whose `mptcpi_token` equals its
//!   [`Subflow::token`].
//!
//! ```
//! use mptcp_diag::{Connection, Subflow, build_dump, build_subflow_dump, REQUEST_LEN};
//! use nlwire::Messages;
//!
//! // The dump requests for IPv4 MPTCP sockets and IPv4 TCP sockets; send each on a
//! // NETLINK_SOCK_DIAG socket. REQUEST_LEN bytes always suffice.
//! let mut buf = [0u8; REQUEST_LEN];
//! assert_eq!(build_dump(&mut buf, 2, 0)?.len(), 80);
//! assert_eq!(build_subflow_dump(&mut buf, 2, 1)?.len(), 72);
//!
//! // Each reply message is one socket; read it in place.
//! # let connections: &[u8] = &[];
//! for msg in Messages::new(connections) {
//!     let c = Connection::parse(&msg?)?;
//!     let token = c.info().and_then(|i| i.token());
//!     println!("{} -> {} token {token:08x?}", c.local(), c.remote());
//! }
//! # let tcp_sockets: &[u8] = &[];
//! for msg in Messages::new(tcp_sockets) {
//!     let s = Subflow::parse(&msg?)?;
//!     if let Some(m) = s.mptcp() {
//!         let rtt = s.tcp_info().and_then(|t| t.rtt());
//!         println!("token {:08x?} id {:?} backup {} rtt {rtt:?}", m.token_loc(), m.id_loc(), m.backup_local());
//!     }
//! }
//! # Ok::<(), nlwire::Error>(())
//! ```
//!
//! `#![no_std]`, no `alloc`, no `unsafe`; views borrow the receive buffer and never
//! panic: a field the kernel did not send (an older kernel's shorter struct, a missing
//! attribute) reads as `None`, never as zero. Byte order: ports and addresses are
//! network order on the wire (the views give `SocketAddr`), everything else host order.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod info;
mod msg;
mod raw;
mod request;
mod subflow;
mod tcp_info;
mod ulp;

pub use info::{FLAG_FALLBACK, FLAG_REMOTE_KEY_RECEIVED, MPTCP_INFO_LEN, MptcpInfo};
pub use msg::Connection;
pub use request::{
    ALL_STATES, CONNECTION_STATES, LISTEN_STATES, REQUEST_LEN, SUBFLOW_STATES, build_dump,
    build_dump_states, build_get_by_token, build_subflow_dump, state_bit,
};
pub use subflow::Subflow;
pub use tcp_info::{TCP_INFO_USED_LEN, TcpInfo};
pub use ulp::{
    INET_ULP_INFO_MPTCP, INET_ULP_INFO_NAME, SubflowInfo, SubflowRepr, attr, subflow_flag,
};

/// `SOCK_DIAG_BY_FAMILY`: the message type of requests and replies.
pub const SOCK_DIAG_BY_FAMILY: u16 = 20;
/// `IPPROTO_MPTCP`.
pub const IPPROTO_MPTCP: u32 = 262;
/// `INET_DIAG_REQ_PROTOCOL`: request attribute naming a protocol above 255.
pub const INET_DIAG_REQ_PROTOCOL: u16 = 3;
/// `INET_DIAG_INFO`: reply attribute holding the protocol's info struct (`mptcp_info`
/// for an MPTCP socket, `tcp_info` for a TCP one).
pub const INET_DIAG_INFO: u16 = 2;
/// `INET_DIAG_ULP_INFO`: reply attribute nesting the upper-layer protocol's data.
pub const INET_DIAG_ULP_INFO: u16 = 19;
/// TCP state of a listening socket.
pub const TCP_LISTEN: u8 = 10;
/// TCP state of an established connection.
pub const TCP_ESTABLISHED: u8 = 1;
