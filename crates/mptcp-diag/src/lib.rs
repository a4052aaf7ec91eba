//! MPTCP connections as the kernel's socket diagnostics (`NETLINK_SOCK_DIAG`,
//! `inet_diag` for `IPPROTO_MPTCP`) report them: the dump request and a zero-copy view
//! of each reply with its `struct mptcp_info`.
//!
//! ```
//! use mptcp_diag::{Connection, build_dump};
//! use nlwire::Messages;
//!
//! // The dump request for IPv4 MPTCP sockets; send it on a NETLINK_SOCK_DIAG socket.
//! let mut buf = [0u8; 128];
//! let request = build_dump(&mut buf, 2, 0)?;
//! assert_eq!(request.len(), 80);
//!
//! // Each reply message is one socket; read its ends and its MPTCP token in place.
//! # let reply: &[u8] = &[];
//! for msg in Messages::new(reply) {
//!     let c = Connection::parse(&msg?)?;
//!     let token = c.info().and_then(|i| i.token());
//!     println!("{} -> {} token {token:08x?}", c.local(), c.remote());
//! }
//! # Ok::<(), nlwire::Error>(())
//! ```
//!
//! `#![no_std]`, no `alloc`, no `unsafe`; views borrow the receive buffer and never
//! panic: a field the kernel did not send reads as `None`.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod info;
mod msg;
mod request;

pub use info::{FLAG_FALLBACK, FLAG_REMOTE_KEY_RECEIVED, MptcpInfo};
pub use msg::Connection;
pub use request::build_dump;

/// `SOCK_DIAG_BY_FAMILY`: the message type of requests and replies.
pub const SOCK_DIAG_BY_FAMILY: u16 = 20;
/// `IPPROTO_MPTCP`.
pub const IPPROTO_MPTCP: u32 = 262;
/// `INET_DIAG_REQ_PROTOCOL`: request attribute naming a protocol above 255.
pub const INET_DIAG_REQ_PROTOCOL: u16 = 3;
/// `INET_DIAG_INFO`: reply attribute holding the protocol's info struct.
pub const INET_DIAG_INFO: u16 = 2;
/// TCP state of a listening socket.
pub const TCP_LISTEN: u8 = 10;
/// TCP state of an established connection.
pub const TCP_ESTABLISHED: u8 = 1;
