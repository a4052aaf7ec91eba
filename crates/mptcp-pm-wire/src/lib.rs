//! The Linux MPTCP path-manager generic netlink family (`mptcp_pm`, version 1): every
//! request, the endpoint and limits replies, and the events.
//!
//! ```
//! use mptcp_pm_wire::{Endpoint, EndpointFlags, Event, Request};
//! use nlwire::Message;
//!
//! // An ADD_ADDR request, byte for byte what `ip mptcp endpoint add 10.0.2.1 id 1
//! // subflow` sends, into a stack buffer of the stated size (family id 0x1c here).
//! let ip = core::net::Ipv4Addr::new(10, 0, 2, 1);
//! let ep = Endpoint { id: Some(1), flags: EndpointFlags::SUBFLOW, ..Endpoint::with_addr(ip) };
//! let mut buf = [0u8; mptcp_pm_wire::MAX_REQUEST_LEN];
//! let request = Request::AddAddr(ep).emit(&mut buf, 0x1c, 0)?;
//! assert_eq!(request.len(), 56);
//!
//! // An event captured from the kernel (little-endian), parsed in place.
//! # if cfg!(target_endian = "little") {
//! let bytes = include_bytes!("../tests/fixtures/event_sub_established_ifidx.bin");
//! let event = Event::parse(&Message::parse(bytes)?.genl()?)?;
//! assert_eq!(event.kind().to_string(), "SF_ESTABLISHED");
//! assert_eq!(event.dport(), Some(5000)); // network order on the wire, host order here
//! # }
//! # Ok::<(), mptcp_pm_wire::Error>(())
//! ```
//!
//! Requests are plain data ([`Request`], [`Endpoint`], [`Limits`]) written by
//! [`Request::emit`] into a buffer the caller owns, with iproute2's flags and attribute
//! order so that the bytes match `ip mptcp`'s. Replies and events are read in place:
//! [`Endpoint::from_message`], [`Limits::from_message`], [`Event::parse`]. The family
//! id is dynamic; resolve [`FAMILY_NAME`] (and [`EVENTS_GROUP`]) first.
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
mod flags;
mod limits;
mod request;

pub use consts::{CMDS_GROUP, EVENTS_GROUP, FAMILY_NAME, VERSION};
pub use endpoint::{Endpoint, EndpointAddr, MAX_NEST_LEN, addr_nest};
pub use error::Error;
pub use event::{Event, EventAttrs, MAX_EVENT_LEN, build_event};
pub use event_kind::EventKind;
pub use flags::{EndpointFlags, EventFlags};
pub use limits::Limits;
pub use request::{FLAGS_ACK, FLAGS_DUMP, FLAGS_GET, MAX_REQUEST_LEN, Request};
