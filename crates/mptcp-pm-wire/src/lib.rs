//! The Linux MPTCP path-manager generic netlink family (`mptcp_pm`, version 1): every
//! request, the endpoint and limits replies, and the events.
//!
//! ```
//! use mptcp_pm_wire::{Endpoint, EndpointFlags, Event, Message, Request};
//!
//! // An ADD_ADDR request, byte for byte what `ip mptcp endpoint add 10.0.2.1 id 1
//! // subflow` sends, into a stack buffer of the stated size (family id 0x1c here).
//! let ip = core::net::Ipv4Addr::new(10, 0, 2, 1);
//! let ep = Endpoint { id: Some(1), flags: EndpointFlags::SUBFLOW, ..Endpoint::with_addr(ip) };
//! let mut buf = [0u8; mptcp_pm_wire::MAX_REQUEST_LEN];
//! let request = Request::AddAddr(ep).emit(&mut buf, 0x1c, 0)?;
//! assert_eq!(request.len(), 56);
//!
//! // A CREATED event as a little-endian kernel (x86_64, Linux 6.18) sent it, parsed in
//! // place; `from_message` checks that it is of the family asked for.
//! # if cfg!(target_endian = "little") {
//! let bytes: [u8; 84] = [
//!     0x54, 0, 0, 0, 0x1c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, // headers
//!     8, 0, 1, 0, 0x6c, 0xa1, 0x5f, 0xf5, 6, 0, 2, 0, 2, 0, 0, 0, // token, family
//!     8, 0, 5, 0, 10, 0, 1, 2, 8, 0, 7, 0, 10, 0, 1, 1, // saddr4, daddr4
//!     6, 0, 9, 0, 0xe5, 0x5e, 0, 0, 6, 0, 10, 0, 0x13, 0x88, 0, 0, // sport, dport
//!     5, 0, 3, 0, 0, 0, 0, 0, 5, 0, 4, 0, 0, 0, 0, 0, // loc_id, rem_id
//! ];
//! let event = Event::from_message(&Message::parse(&bytes)?, 0x1c)?;
//! assert_eq!(event.dport(), Some(5000)); // network order on the wire, host order here
//! assert_eq!(
//!     event.to_string(), // the line `ip mptcp monitor` prints
//!     "[         CREATED] token=f55fa16c remid=0 locid=0 saddr4=10.0.1.2 daddr4=10.0.1.1 \
//!      sport=58718 dport=5000"
//! );
//! # }
//! # Ok::<(), mptcp_pm_wire::Error>(())
//! ```
//!
//! Requests are plain data ([`Request`], [`Endpoint`], [`Limits`]) written by
//! [`Request::emit`] into a buffer the caller owns, with iproute2's flags and attribute
//! order so that the bytes match `ip mptcp`'s. Replies and events are read in place:
//! [`Endpoint::from_message`], [`Limits::from_message`], [`Event::from_message`]. The
//! family id is dynamic; resolve [`FAMILY_NAME`] (and [`EVENTS_GROUP`]) first. The
//! netlink message types ([`Message`], [`Messages`], [`GenlMessage`]) and the whole wire
//! layer ([`nlwire`]) are re-exported, so a `no_std` parser needs this crate alone.
//! Dependencies: `nlwire` (with `zerocopy`) and `bitflags`; no `libc`, no OS.
//!
//! Byte order is the trap of this family: the endpoint PORT is **host** order, event
//! SPORT/DPORT are **network** order, addresses are network order, everything else is
//! host order; the endpoint IF_IDX is signed, and so is the event one as the kernel
//! writes it. Every conversion happens here.
//!
//! # Panic contract
//! Nothing here panics, allocates or uses `unsafe`, whatever bytes it is given. Parsers
//! return [`Error`]: a malformed attribute run is [`Error::Wire`], the first occurrence
//! of a known attribute with a payload of the wrong size is [`Error::BadAttr`]. Absent
//! attributes are `None`; unknown attributes, flag bits and event types are kept.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(test)]
extern crate std;

pub mod consts;
mod endpoint;
mod error;
mod event;
mod event_kind;
mod event_line;
mod flags;
mod limits;
mod request;

pub use consts::{CMDS_GROUP, EVENTS_GROUP, FAMILY_NAME, VERSION};
pub use endpoint::{Endpoint, EndpointAddr, MAX_NEST_LEN, addr_nest};
pub use error::Error;
pub use event::{Event, EventAttrs, MAX_EVENT_LEN, build_event};
pub use event_kind::EventKind;
pub use event_line::EventLine;
pub use flags::{EndpointFlags, EventFlags};
pub use limits::Limits;
pub use request::{FLAGS_ACK, FLAGS_DUMP, FLAGS_GET, MAX_REQUEST_LEN, Request};

/// The netlink wire format underneath ([`Message`], [`Messages`], [`GenlMessage`] are
/// re-exported at the root), so that a `no_std` parse needs this crate alone.
pub use nlwire;
pub use nlwire::{GenlMessage, Message, Messages};
