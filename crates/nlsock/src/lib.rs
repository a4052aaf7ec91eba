//! A small netlink socket layer: requests, acks, dumps and events over caller buffers.
//!
//! ```
//! use nlsock::{Conn, Socket};
//!
//! fn main() -> Result<(), Box<dyn core::error::Error>> {
//!     // A generic netlink socket, and one exchange with the kernel's controller.
//!     let mut conn = Conn::new(Socket::generic()?, 0);
//!     let mut reply = [0u8; genl::REPLY_BUF];
//!     let family = genl::resolve(&mut conn, "nlctrl", &mut reply)?;
//!     assert_eq!(family.id, 0x10);
//!     Ok(())
//! }
//! ```
//!
//! This is the only crate of the stack with `unsafe`, and all of it sits in `sys`,
//! each block with a `// SAFETY:` comment. Nothing allocates: every receive goes into
//! a buffer the caller owns. The exchange logic ([`Conn`]) is written against the
//! [`Link`] trait so tests can replace the kernel with a script of datagrams.
#![no_std]
#![warn(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

#[cfg(feature = "std")]
extern crate std;

mod batch;
mod conn;
mod dump;
mod errno;
mod error;
pub mod filter;
mod netns;
mod socket;
mod sys;

pub use batch::{Batch, EVENT_SLOT, MAX_BATCH, Wait};
pub use conn::{Answer, Conn, Link, answer_in};
pub use dump::Dump;
pub use errno::Errno;
pub use error::{Error, KernelError};
pub use netns::{NetnsError, enter_netns};
pub use socket::{Datagram, IfName, Socket};

/// A receive buffer size that holds any single netlink datagram the MPTCP and
/// controller families send (the kernel caps dump datagrams near 32 KiB): with it a
/// dump takes the fewest receive calls.
pub const RECV_BUF: usize = 32 * 1024;

/// The smallest receive buffer that always holds one datagram of a dump or a reply:
/// the kernel builds them in one page at first (`NLMSG_GOODSIZE`, under 8 KiB even
/// with 64 KiB pages) and later no larger than the buffer it last saw.
pub const MIN_RECV_BUF: usize = 8 * 1024;
