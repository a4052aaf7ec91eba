//! Generic netlink: resolve a family's id, version and multicast groups by name.
//!
//! Parsing ([`Family`]) is kept apart from I/O: [`resolve`] works over any
//! [`Transport`], which the socket crate implements and tests fake. One
//! `CTRL_CMD_GETFAMILY` request yields everything, groups included. Nothing here
//! allocates or panics.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod ctrl;
mod family;
mod resolve;

pub use family::{Family, Group, Groups};
pub use resolve::{GETFAMILY_LEN, REPLY_BUF, ResolveError, Transport, build_getfamily, resolve};
