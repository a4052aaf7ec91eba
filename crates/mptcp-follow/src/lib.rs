//! The policy of `mptcp endpoint follow`: from a namespace's links, addresses and
//! default routes, which addresses should be MPTCP endpoints, with which flags, and the
//! fewest requests that take the kernel's endpoint table there.
//!
//! ```
//! use core::net::Ipv4Addr;
//! use mptcp_follow::{Address, DefaultRoute, Endpoint, Link, Op, Owned, Rules, State, plan};
//!
//! let mut state = Box::new(State::new());
//! state.set_link(Link::new(2, "wan0", Link::UP_WITH_CARRIER))?;
//! state.set_address(Address::new(2, Ipv4Addr::new(192, 0, 2, 10).into(), 24, 0))?;
//! state.add_route(DefaultRoute::v4(254, 2))?;
//!
//! let rules = Rules::parse_words(&["dev", "wan*", "signal", "subflow"])?;
//! let desired = state.desired(&rules, &[], &Owned::new());
//! let mut ops = [Op::Nothing; 16];
//! let n = plan(&desired, &[], &Owned::new(), &mut ops);
//! assert_eq!(n, 1);
//! let Op::Add(Endpoint { ip, ifindex, flags, id, .. }) = ops[0] else { unreachable!() };
//! assert_eq!((ip, ifindex, flags, id), (Ipv4Addr::new(192, 0, 2, 10).into(), 2, 0x3, 200));
//! # Ok::<(), mptcp_follow::Error>(())
//! ```
//!
//! Everything is plain data in fixed-size tables ([`MAX_LINKS`], [`MAX_ADDRESSES`],
//! [`MAX_ROUTES`], [`MAX_RULES`]): no heap, no I/O, no `unsafe`, nothing that panics. The
//! caller (the CLI) feeds it what route netlink reports and applies the [`Op`]s through
//! the `mptcp_pm` family.
//!
//! # The rules
//! - An address is skipped when it is on a loopback link or is a loopback address, IPv4
//!   link-local (169.254/16), IPv6 link-local (fe80::/10), IPv6 unique-local (fc00::/7),
//!   an IPv6 temporary (privacy) address, tentative (DAD not done), DAD-failed or
//!   deprecated, or when its link is down or has no carrier. It is used again as soon
//!   as that changes. [`Rule::allow`] lifts a skip per interface (not tentative and
//!   DAD-failed: such an address cannot be bound).
//! - A family is used only while a unicast default route of that family exists, in
//!   **any** routing table: multi-WAN routers put each uplink's default route in a table
//!   of its own (policy routing), and an address whose uplink routes only there is as
//!   usable as one routed through `main`. `allow noroute` lifts it per interface.
//! - The first [`Rule`] whose pattern matches the interface name decides its flags, its
//!   port, or that it is ignored; with no rule at all every interface is managed with
//!   `subflow`; while rules exist, an interface no rule matches is not managed.
//! - At most [`MAX_ENDPOINTS`] endpoints exist (the kernel's table), less those this
//!   mode does not own. Addresses are ranked by the rule that matched (earlier first),
//!   then family (IPv4 first), then age (older first), then the address: the first ones
//!   get endpoints, the others wait and get one as soon as a slot frees.
//! - The mode owns exactly the endpoints it made, as its [`Owned`] record says (id and
//!   address); it never deletes or changes any other endpoint, whatever its id or
//!   interface, and adds no second endpoint for an address another one holds. New
//!   endpoints get the lowest free id of [`FIRST_ID`]..=[`LAST_ID`]; the id proves
//!   nothing. `limits` are the user's: [`limits_warning`] says when they make endpoints
//!   useless.
//! - Flag changes that the kernel makes in place ([`SETTABLE`]: backup, fullmesh) are
//!   [`Op::SetFlags`], so live subflows stay; other changes are a delete and an add.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(test)]
extern crate std;

mod error;
mod name;
mod own;
mod plan;
mod policy;
pub mod rtnl;
mod rules;
mod state;

pub use error::Error;
pub use name::{Escaped, IfName};
pub use own::{MAX_OWNED, Owned, OwnedError};
pub use plan::{Endpoint, FIRST_ID, LAST_ID, MAX_ENDPOINTS, Op, SETTABLE, plan};
pub use policy::{Desired, Skip, Want, limits_warning};
pub use rules::{Action, Allow, FLAG_WORDS, MAX_RULES, Rule, Rules, decimal, flag};
pub use state::{
    Address, DefaultRoute, Family, Link, MAX_ADDRESSES, MAX_LINKS, MAX_ROUTES, State, ifa, iff,
};
