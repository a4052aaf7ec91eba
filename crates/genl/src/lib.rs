//! Generic netlink: resolve a family's id, version and multicast groups by name.
//!
//! ```
//! use genl::{Family, build_getfamily};
//! use nlwire::Message;
//!
//! // The request any transport sends (the transport stamps the sequence number)…
//! let mut buf = [0u8; genl::GETFAMILY_LEN];
//! let request = build_getfamily(&mut buf, "mptcp_pm")?;
//! assert_eq!(request.len(), 36);
//!
//! // …and the kernel's reply, captured from Linux 6.18 (little-endian), read in place.
//! # if cfg!(target_endian = "little") {
//! let reply = include_bytes!("../tests/fixtures/getfamily_mptcp_pm.bin");
//! let family = Family::parse(&Message::parse(reply)?.genl()?)?;
//! assert_eq!(family.name, "mptcp_pm");
//! assert!(family.group("mptcp_pm_events")?.is_some());
//! # }
//! # Ok::<(), nlwire::Error>(())
//! ```
//!
//! With a socket, [`resolve`] does both in one call: `genl::resolve(&mut conn,
//! "mptcp_pm", &mut [0u8; genl::REPLY_BUF])` over an `nlsock::Conn`.
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
