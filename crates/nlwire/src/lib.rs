//! Zero-copy, allocation-free reading and writing of netlink messages and attributes.
//!
//! ```
//! use nlwire::{Attrs, Message, MessageBuilder};
//!
//! // Build a generic netlink message (family 0x1c, command 1) into a stack buffer…
//! let mut buf = [0u8; 64];
//! let mut b = MessageBuilder::genl(&mut buf, 0x1c, 0x5, 7, 1, 1)?;
//! b.put_u32(2, 8)?;
//! let nest = b.begin_nested(1)?;
//! b.put_str(3, "eth1")?;
//! b.end_nested(nest)?;
//! let bytes = b.finish()?;
//!
//! // …and read it back in place: no copy, no allocation.
//! let msg = Message::parse(bytes)?;
//! let genl = msg.genl()?;
//! assert_eq!((msg.kind(), msg.seq(), genl.cmd()), (0x1c, 7, 1));
//! let subflows = genl.attrs().find(2)?.unwrap().u32()?;
//! let name = genl.attrs().find(1)?.unwrap().nested().find(3)?.unwrap().str()?;
//! assert_eq!((subflows, name), (8, "eth1"));
//! # Ok::<(), nlwire::Error>(())
//! ```
//!
//! # Panic contract
//! Nothing in this crate panics or reads out of bounds, whatever bytes it is given.
//! Views ([`Message`], [`Attr`], [`control::ErrorMsg`]) only exist after their lengths
//! have been checked against the buffer, so every getter is infallible or returns an
//! [`Error`]. Iterators ([`Messages`], [`Attrs`]) yield at most one error and then stop
//! for good; each step consumes at least four bytes, so a walk over `n` bytes ends
//! within `n / 4 + 1` steps. The [`MessageBuilder`] writes only into the caller's
//! buffer: running out of room is [`Error::NoRoom`], and a builder that has failed
//! once refuses to finish, so a truncated message can never be sent.
//!
//! Byte order is a property of each attribute: headers and most integers are in host
//! order, addresses and some ports in network order. The typed readers and writers
//! name the order they use.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod attr;
mod build;
pub mod consts;
pub mod control;
mod error;
mod header;
mod msg;

pub use attr::{Attr, Attrs};
pub use build::{MessageBuilder, Nest};
pub use error::Error;
pub use header::{GenlMsgHdr, NlAttrHdr, NlMsgHdr};
pub use msg::{GenlMessage, Message, Messages};

/// Rounds `len` up to the netlink alignment of four bytes (`NLMSG_ALIGN`, `NLA_ALIGN`).
#[inline]
pub const fn align(len: usize) -> usize {
    (len + 3) & !3
}
