//! [`State`]: the links, addresses and default routes of a namespace, in fixed tables.

use core::net::IpAddr;

use crate::{Error, IfName};

/// Most links tracked.
pub const MAX_LINKS: usize = 64;
/// Most addresses tracked (all families, all links).
pub const MAX_ADDRESSES: usize = 128;
/// Most default routes tracked (both families, all tables).
pub const MAX_ROUTES: usize = 32;

/// Link flags (`IFF_*`, `ifinfomsg.ifi_flags`) the policy reads.
pub mod iff {
    /// The link is administratively up.
    pub const UP: u32 = 0x1;
    /// A loopback link.
    pub const LOOPBACK: u32 = 0x8;
    /// The link has carrier (`IFF_LOWER_UP`).
    pub const LOWER_UP: u32 = 0x1_0000;
}

/// Address flags (`IFA_F_*`, the `IFA_FLAGS` attribute or `ifa_flags`) the policy reads.
pub mod ifa {
    /// IPv6: a temporary (privacy) address. (For IPv4 the same bit means secondary and
    /// is not a reason to skip.)
    pub const TEMPORARY: u32 = 0x01;
    /// Duplicate address detection failed.
    pub const DADFAILED: u32 = 0x08;
    /// The preferred lifetime ran out.
    pub const DEPRECATED: u32 = 0x20;
    /// Duplicate address detection is still running.
    pub const TENTATIVE: u32 = 0x40;
}

/// An address family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// IPv4.
    V4,
    /// IPv6.
    V6,
}

impl Family {
    /// The family of `ip`.
    pub fn of(ip: &IpAddr) -> Family {
        if ip.is_ipv4() { Family::V4 } else { Family::V6 }
    }
}

/// A network interface as route netlink describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link {
    /// Interface index.
    pub index: u32,
    /// Interface name.
    pub name: IfName,
    /// `IFF_*` flags.
    pub flags: u32,
}

impl Link {
    /// The flags of a link that is up and has carrier.
    pub const UP_WITH_CARRIER: u32 = iff::UP | iff::LOWER_UP;

    /// A link; a name that is not a valid interface name is kept empty.
    pub fn new(index: u32, name: &str, flags: u32) -> Link {
        Link { index, name: IfName::new(name).unwrap_or_default(), flags }
    }

    /// Up and with carrier.
    pub fn is_usable(&self) -> bool {
        self.flags & Self::UP_WITH_CARRIER == Self::UP_WITH_CARRIER
    }

    /// A loopback link.
    pub fn is_loopback(&self) -> bool {
        self.flags & iff::LOOPBACK != 0
    }
}

/// An address of a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Address {
    /// The link's index.
    pub ifindex: u32,
    /// The address.
    pub ip: IpAddr,
    /// Its prefix length.
    pub prefix_len: u8,
    /// `IFA_F_*` flags.
    pub flags: u32,
    /// When it was first seen, in [`State`]'s own order (smaller is older); set by
    /// [`State::set_address`].
    pub age: u64,
}

impl Address {
    /// An address (its age is given when it enters a [`State`]).
    pub fn new(ifindex: u32, ip: IpAddr, prefix_len: u8, flags: u32) -> Address {
        Address { ifindex, ip, prefix_len, flags, age: 0 }
    }
}

/// A unicast default route (destination length 0), identified by what tells two apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefaultRoute {
    /// Its family.
    pub family: Family,
    /// Its routing table.
    pub table: u32,
    /// Its output interface (0 when it has none, e.g. multipath).
    pub oif: u32,
    /// Its gateway, if any.
    pub gateway: Option<IpAddr>,
    /// Its metric (`RTA_PRIORITY`).
    pub priority: u32,
}

impl DefaultRoute {
    /// An IPv4 default route in `table` through interface `oif`.
    pub fn v4(table: u32, oif: u32) -> DefaultRoute {
        DefaultRoute { family: Family::V4, table, oif, gateway: None, priority: 0 }
    }

    /// An IPv6 default route in `table` through interface `oif`.
    pub fn v6(table: u32, oif: u32) -> DefaultRoute {
        DefaultRoute { family: Family::V6, table, oif, gateway: None, priority: 0 }
    }
}

/// Fixed-capacity links, addresses and default routes of one namespace. Updates are
/// idempotent (a repeated NEW replaces, a DEL of something unknown does nothing), so
/// the state after a dump and any sequence of notifications is the kernel's.
#[derive(Debug, Clone)]
pub struct State {
    links: [Option<Link>; MAX_LINKS],
    addresses: [Option<Address>; MAX_ADDRESSES],
    routes: [Option<DefaultRoute>; MAX_ROUTES],
    clock: u64,
}

impl Default for State {
    fn default() -> Self {
        Self::new()
    }
}

impl State {
    /// Nothing known.
    pub const fn new() -> State {
        State {
            links: [None; MAX_LINKS],
            addresses: [None; MAX_ADDRESSES],
            routes: [None; MAX_ROUTES],
            clock: 0,
        }
    }

    /// Forgets everything (before a full re-dump), keeping the age clock running.
    pub fn clear(&mut self) {
        let clock = self.clock;
        *self = State::new();
        self.clock = clock;
    }

    /// Forgets every default route (before a re-dump of the routes alone).
    pub fn clear_routes(&mut self) {
        self.routes = [None; MAX_ROUTES];
    }

    /// Adds or replaces link `link.index` (RTM_NEWLINK).
    pub fn set_link(&mut self, link: Link) -> Result<(), Error> {
        put(&mut self.links, link, |l| l.index == link.index, "links")
    }

    /// Forgets a link and its addresses (RTM_DELLINK).
    pub fn remove_link(&mut self, index: u32) {
        self.links.iter_mut().filter(|l| l.is_some_and(|l| l.index == index)).for_each(|l| {
            *l = None;
        });
        for a in &mut self.addresses {
            if a.is_some_and(|a| a.ifindex == index) {
                *a = None;
            }
        }
    }

    /// Adds or updates an address (RTM_NEWADDR). A known address keeps its age; a new
    /// one is younger than every address seen before.
    pub fn set_address(&mut self, mut address: Address) -> Result<(), Error> {
        let same = |a: &Address| a.ifindex == address.ifindex && a.ip == address.ip;
        match self.addresses.iter_mut().flatten().find(|a| same(a)) {
            Some(known) => {
                address.age = known.age;
                *known = address;
                Ok(())
            }
            None => {
                self.clock += 1;
                address.age = self.clock;
                put(&mut self.addresses, address, same, "addresses")
            }
        }
    }

    /// Forgets an address (RTM_DELADDR).
    pub fn remove_address(&mut self, ifindex: u32, ip: IpAddr) {
        for a in &mut self.addresses {
            if a.is_some_and(|a| a.ifindex == ifindex && a.ip == ip) {
                *a = None;
            }
        }
    }

    /// Records a unicast default route (RTM_NEWROUTE with destination length 0).
    pub fn add_route(&mut self, route: DefaultRoute) -> Result<(), Error> {
        put(&mut self.routes, route, |r| *r == route, "default routes")
    }

    /// Forgets a default route (RTM_DELROUTE).
    pub fn remove_route(&mut self, route: &DefaultRoute) {
        for r in &mut self.routes {
            if r.as_ref() == Some(route) {
                *r = None;
            }
        }
    }

    /// The link with this index.
    pub fn link(&self, index: u32) -> Option<&Link> {
        self.links.iter().flatten().find(|l| l.index == index)
    }

    /// Every link.
    pub fn links(&self) -> impl Iterator<Item = &Link> {
        self.links.iter().flatten()
    }

    /// Every address.
    pub fn addresses(&self) -> impl Iterator<Item = &Address> {
        self.addresses.iter().flatten()
    }

    /// Every default route.
    pub fn routes(&self) -> impl Iterator<Item = &DefaultRoute> {
        self.routes.iter().flatten()
    }

    /// Whether a default route of `family` exists (in any table).
    pub fn has_default_route(&self, family: Family) -> bool {
        self.routes().any(|r| r.family == family)
    }
}

/// Replaces the entry `same` finds, or fills a free slot.
fn put<T: Copy>(
    table: &mut [Option<T>],
    value: T,
    same: impl Fn(&T) -> bool,
    what: &'static str,
) -> Result<(), Error> {
    if let Some(slot) = table.iter_mut().find(|s| s.as_ref().is_some_and(&same)) {
        *slot = Some(value);
        return Ok(());
    }
    let free = table.iter_mut().find(|s| s.is_none()).ok_or(Error::TableFull(what))?;
    *free = Some(value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::Ipv4Addr;

    #[test]
    fn updates_are_idempotent_and_keep_age() {
        let mut s = State::new();
        let ip = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
        s.set_address(Address::new(2, ip, 24, ifa::TENTATIVE)).unwrap();
        s.set_address(Address::new(3, ip, 24, 0)).unwrap();
        s.set_address(Address::new(2, ip, 24, 0)).unwrap();
        let ages: std::vec::Vec<_> = s.addresses().map(|a| (a.ifindex, a.age, a.flags)).collect();
        assert_eq!(ages, [(2, 1, 0), (3, 2, 0)]);
        s.remove_link(2);
        assert_eq!(s.addresses().count(), 1);
        s.add_route(DefaultRoute::v4(254, 3)).unwrap();
        s.add_route(DefaultRoute::v4(254, 3)).unwrap();
        assert_eq!(s.routes().count(), 1);
        assert!(s.has_default_route(Family::V4) && !s.has_default_route(Family::V6));
        s.remove_route(&DefaultRoute::v4(254, 3));
        assert!(!s.has_default_route(Family::V4));
    }

    #[test]
    fn a_full_table_is_an_error() {
        let mut s = State::new();
        for i in 0..MAX_LINKS as u32 {
            s.set_link(Link::new(i + 1, "x", 0)).unwrap();
        }
        assert_eq!(s.set_link(Link::new(999, "y", 0)), Err(Error::TableFull("links")));
        s.set_link(Link::new(1, "renamed", 0)).unwrap();
    }
}
