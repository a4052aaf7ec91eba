//! Zero-copy, allocation-free reading and writing of netlink messages and attributes.
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
