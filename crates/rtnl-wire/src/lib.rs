//! Route netlink (`NETLINK_ROUTE`) links, addresses and routes: dump requests, message
//! builders, views of the kernel's replies and notifications, and the multicast groups.
//!
//! ```
//! use rtnl_wire::consts::{AF_INET, AF_UNSPEC, ifa_f, rt_table, rtn};
//! use rtnl_wire::{AddrMsg, DUMP_REQUEST_LEN, MAX_ROUTE_LEN, Object, Op, Route, RouteMsg};
//! use nlwire::Message;
//!
//! // Ask for every address (any family) into a stack buffer…
//! let mut buf = [0u8; DUMP_REQUEST_LEN];
//! let request = rtnl_wire::dump_request(&mut buf, Object::Addr, AF_UNSPEC, 1)?;
//! assert_eq!(request.len(), 24);
//!
//! // …build a default route as the kernel would announce it, and read it back.
//! let gw = core::net::Ipv4Addr::new(10, 0, 1, 254);
//! let route = Route {
//!     family: AF_INET,
//!     table: rt_table::MAIN,
//!     route_type: rtn::UNICAST,
//!     gateway: Some(gw.into()),
//!     oif: Some(3),
//!     ..Route::default()
//! };
//! let mut buf = [0u8; MAX_ROUTE_LEN];
//! let bytes = route.emit(&mut buf, Op::New, 0, 0)?;
//! let view = RouteMsg::parse(&Message::parse(bytes)?)?;
//! assert!(view.is_default());
//! assert_eq!((view.table(), view.gateway(), view.oif()), (254, Some(gw.into()), Some(3)));
//!
//! // An RTM_NEWADDR notification captured from Linux 6.18 (little-endian), read in
//! // place; a socket joined to `consts::group::IPV4_IFADDR` (5) receives these.
//! # if cfg!(target_endian = "little") {
//! let bytes = include_bytes!("../tests/fixtures/ev_newaddr_v4.bin");
//! let addr = AddrMsg::parse(&Message::parse(bytes)?)?;
//! assert_eq!(addr.op(), Op::New);
//! assert_eq!(addr.address(), Some(core::net::Ipv4Addr::new(10, 0, 5, 1).into()));
//! assert_eq!((addr.prefix_len(), addr.ifindex(), addr.label()), (24, 3, Some("v0")));
//! assert!(addr.has(ifa_f::PERMANENT));
//! # }
//! # Ok::<(), rtnl_wire::Error>(())
//! ```
//!
//! Each object has a plain-data type ([`Link`], [`Addr`], [`Route`]) whose `emit`
//! writes a whole message into a caller buffer of at most [`MAX_LINK_LEN`],
//! [`MAX_ADDR_LEN`] or [`MAX_ROUTE_LEN`] bytes, and a view ([`LinkMsg`], [`AddrMsg`],
//! [`RouteMsg`]) whose `parse` reads one received message in place; `fields()` gives
//! the plain data back, so builder and view round-trip. [`RtMessage::parse`] picks the
//! view by message type; [`dump_request`] writes the `RTM_GET*` dump requests.
//!
//! Byte order: addresses are network order; every other integer (fixed headers,
//! `IFA_FLAGS`, `IFA_CACHEINFO`, `RTA_TABLE`, `RTA_OIF`, `RTA_PRIORITY`) is host
//! order. A link's index is signed (`ifi_index`), an address's and a route's output
//! interface unsigned (`ifa_index`, `RTA_OIF`), as in the kernel's structures.
//!
//! # Panic contract
//! Nothing here panics, allocates or uses `unsafe`, whatever bytes it is given. A view
//! exists only after its fixed header was checked to fit; every accessor is then
//! infallible (`None` = attribute absent). Parse errors are an [`Error`]: a message of
//! another type ([`Error::WrongType`]), a short header or a malformed attribute run
//! ([`Error::Wire`]), the first occurrence of a known attribute with a payload of the
//! wrong size ([`Error::BadAttr`]). Unknown attributes and flag bits are kept. Builders
//! write only into the caller's buffer; too small a buffer is
//! [`Error::Wire`]`(`[`nlwire::Error::NoRoom`]`)` and nothing partial is returned.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod addr;
pub mod consts;
mod error;
mod kind;
mod link;
mod route;
mod wire;

pub use addr::{Addr, AddrMsg, CacheInfo, MAX_ADDR_LEN};
pub use error::Error;
pub use kind::{
    DUMP_REQUEST_LEN, FLAGS_ACK, FLAGS_CREATE, FLAGS_DUMP, Object, Op, RtMessage, dump_request,
};
pub use link::{Link, LinkMsg, MAX_LINK_LEN};
pub use route::{MAX_ROUTE_LEN, Route, RouteMsg};
