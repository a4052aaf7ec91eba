//! Configure the Linux MPTCP path manager and follow its events from a daemon: one
//! crate, one call per request, no heap.
//!
//! ```
//! use mptcp_netlink::{PathManager, RECV_BUF};
//!
//! fn main() -> Result<(), Box<dyn core::error::Error>> {
//!     let mut pm = PathManager::open([0u8; RECV_BUF])?; // this thread's namespace
//!     let limits = pm.limits()?;
//!     println!("subflows {:?}, add_addr_accepted {:?}", limits.subflows, limits.rcv_add_addrs);
//!     for endpoint in pm.endpoints()? {
//!         println!("{}", endpoint?); // iproute2's text: "10.0.2.1 id 1 subflow dev if3"
//!     }
//!     Ok(())
//! }
//! ```
//!
//! [`PathManager`] sends each `mptcp_pm` request (limits, endpoints, the userspace-PM
//! commands) and waits for its answer in one call; [`Events`] yields the family's
//! events with an optional timeout, in blocking or non-blocking mode. Both read into
//! a buffer you own, of a size you choose within the stated minimum ([`MIN_BUF`],
//! [`MIN_EVENTS_BUF`]); requests are built on the stack. Errors are one `Copy` enum,
//! [`Error`], that composes with `?`. A kernel refusal keeps its errno and
//! extended-ack message ([`Error::Kernel`]).
//!
//! Requests can also be split from their answers ([`PathManager::send`], then
//! [`PathManager::try_ack`] or [`PathManager::try_reply`] when the socket is readable),
//! and, with the `std` feature, made on a thread of their own ([`Worker`], whose
//! descriptor wakes an async task): the kernel runs a request inside the `sendmsg` that
//! sends it, and an endpoint delete waits there 8-16 ms for an RCU grace period. Events
//! print as `ip mptcp monitor`'s lines; endpoints bound to a device take and print its
//! name ([`PathManager::ifindex`], [`PathManager::named`]).
//!
//! The crate is `#![no_std]`. Its dependencies are `libc`, `bitflags` and `zerocopy`
//! (with `zerocopy-derive`'s build-time `proc-macro2`, `quote` and `syn`), through the
//! layers below; nothing else. The `std` feature (opt-in:
//! `mptcp-netlink = { version = "0.1", features = ["std"] }`) adds `AsFd`/`AsRawFd` so
//! the sockets plug into `poll`, epoll and tokio's `AsyncFd`, and [`Worker`].
//! It re-exports the layers it stands on, for what it does not wrap: the message
//! layer ([`wire`], `mptcp-pm-wire`), the socket layer ([`nlsock`]), the family
//! resolver ([`genl`]) and the netlink wire format ([`nlwire`]). Firmware without an
//! OS can use `nlwire` and `mptcp-pm-wire` alone.
//!
//! Listening for events has an effect of its own on the kernel: see [`Events`].
//!
//! Linux only. Run in another network namespace with [`enter_netns`] before opening.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(any(test, feature = "std"))]
extern crate std;

mod endpoints;
mod error;
mod events;
mod path_manager;
mod pending;
#[cfg(feature = "std")]
mod worker;

pub use endpoints::Endpoints;
pub use error::{Error, KernelError};
pub use events::{EVENTS_BUF, EventRecord, Events, MIN_EVENTS_BUF, Notice, Received};
pub use path_manager::{MIN_BUF, Named, PathManager};
pub use pending::Pending;
#[cfg(feature = "std")]
pub use worker::{Reply, Ticket, Worker};

pub use mptcp_pm_wire::{
    Endpoint, EndpointAddr, EndpointFlags, Event, EventAttrs, EventFlags, EventKind, Limits,
    Request,
};
pub use nlsock::{Errno, NetnsError, Socket, enter_netns};

/// A buffer size for [`PathManager`] with which any dump takes the fewest system calls
/// (32 KiB, the most the kernel puts in one dump datagram).
pub const RECV_BUF: usize = nlsock::RECV_BUF;

pub use mptcp_pm_wire as wire;
pub use {genl, nlsock, nlwire};
