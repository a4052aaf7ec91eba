//! [`State`]: the links, addresses and default routes of a namespace, in fixed tables.

use core::net::IpAddr;

use crate::{Error, IfName};

/// Most links tracked: only links a rule can use take a place (see [`crate::rtnl`]),
/// so loopback and ignored links cost nothing. About 24 KiB.
pub const MAX_LINKS: usize = 1024;
/// Most addresses tracked (all families, all tracked links). About 160 KiB: a
/// [`State`] belongs on the heap.
pub const MAX_ADDRESSES: usize = 4096;
/// Most default routes tracked (both families, all tables).
pub const MAX_ROUTES: usize = 64;

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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
        Link::from_bytes(index, name.as_bytes(), flags)
    }

    /// A link named by raw bytes (Linux names need not be UTF-8); a name that is not a
    /// valid interface name is kept empty.
    pub fn from_bytes(index: u32, name: &[u8], flags: u32) -> Link {
        Link { index, name: IfName::from_bytes(name).unwrap_or_default(), flags }
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
    /// [`State::set_address`] and kept across re-dumps ([`State::carry_ages`]).
    pub age: u64,
}

impl Address {
    const NONE: Address = Address {
        ifindex: 0,
        ip: IpAddr::V4(core::net::Ipv4Addr::UNSPECIFIED),
        prefix_len: 0,
        flags: 0,
        age: 0,
    };

    /// Whether `other` is the same address: link, address and prefix length (the same
    /// address with another prefix is another address of the link).
    pub fn same(&self, other: &Address) -> bool {
        self.ifindex == other.ifindex && self.ip == other.ip && self.prefix_len == other.prefix_len
    }
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
    /// Its preferred source address (`RTA_PREFSRC`), if any: the kernel deletes the
    /// route, without a notification, when that address goes.
    pub prefsrc: Option<IpAddr>,
    /// Its metric (`RTA_PRIORITY`).
    pub priority: u32,
}

impl DefaultRoute {
    /// An IPv4 default route in `table` through interface `oif`.
    pub fn v4(table: u32, oif: u32) -> DefaultRoute {
        DefaultRoute { family: Family::V4, table, oif, gateway: None, prefsrc: None, priority: 0 }
    }

    /// An IPv6 default route in `table` through interface `oif`.
    pub fn v6(table: u32, oif: u32) -> DefaultRoute {
        DefaultRoute { family: Family::V6, table, oif, gateway: None, prefsrc: None, priority: 0 }
    }
}

/// Fixed-capacity links (sorted by index), addresses and default routes of one
/// namespace. Updates are idempotent (a repeated NEW replaces, a DEL of something unknown
/// does nothing), so the state after a dump and any sequence of notifications is the
/// kernel's. A newcomer that finds its table full is left out and the state says so
/// ([`State::overflowed`]) until it is built afresh.
#[derive(Debug, Clone)]
pub struct State {
    links: [Link; MAX_LINKS],
    nlinks: usize,
    addresses: [Address; MAX_ADDRESSES],
    naddresses: usize,
    routes: [Option<DefaultRoute>; MAX_ROUTES],
    clock: u64,
    overflowed: Option<&'static str>,
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
            links: [Link { index: 0, name: IfName::EMPTY, flags: 0 }; MAX_LINKS],
            nlinks: 0,
            addresses: [Address::NONE; MAX_ADDRESSES],
            naddresses: 0,
            routes: [None; MAX_ROUTES],
            clock: 0,
            overflowed: None,
        }
    }

    /// Forgets everything (before a full re-dump), keeping the age clock running (so
    /// addresses seen later are younger than all seen before).
    pub fn clear(&mut self) {
        self.nlinks = 0;
        self.naddresses = 0;
        self.routes = [None; MAX_ROUTES];
        self.overflowed = None;
    }

    /// Forgets every default route (before a re-dump of the routes alone).
    pub fn clear_routes(&mut self) {
        self.routes = [None; MAX_ROUTES];
    }

    /// Takes `from`'s default routes in place of these (after a routes-only re-dump
    /// into a state of its own succeeded).
    pub fn take_routes(&mut self, from: &State) {
        self.routes = from.routes;
    }

    /// Gives every address that `old` knows too (same link, address and prefix) its
    /// age there, and continues `old`'s clock: after a re-dump into a fresh state, an
    /// address keeps its rank and only real changes move endpoints.
    pub fn carry_ages(&mut self, old: &State) {
        self.clock = self.clock.max(old.clock);
        let n = self.naddresses;
        for a in self.addresses.get_mut(..n).unwrap_or_default() {
            if let Some(known) = old.addresses().find(|o| o.same(a)) {
                a.age = known.age;
            } else {
                // Met during the dump: younger than everything `old` saw.
                a.age += old.clock;
            }
        }
        self.clock = self.addresses().map(|a| a.age).max().unwrap_or(0).max(self.clock);
    }

    /// Which table left a newcomer out since this state was cleared, if any: the
    /// picture is incomplete until it is built afresh with room to spare.
    pub fn overflowed(&self) -> Option<&'static str> {
        self.overflowed
    }

    /// Adds or replaces link `link.index` (RTM_NEWLINK).
    pub fn set_link(&mut self, link: Link) -> Result<(), Error> {
        let n = self.nlinks;
        match self.link_slots().binary_search_by_key(&link.index, |l| l.index) {
            Ok(i) => {
                if let Some(slot) = self.links.get_mut(i) {
                    *slot = link;
                }
                Ok(())
            }
            Err(_) if n == MAX_LINKS => self.full("links"),
            Err(i) => {
                // The links from `i` on move up one place (a move, not `rotate_right`:
                // core's rotation code is larger); `get_mut` keeps it free of panics.
                if let Some(tail) = self.links.get_mut(i..=n) {
                    let mut carried = link;
                    for slot in tail {
                        core::mem::swap(slot, &mut carried);
                    }
                    self.nlinks += 1;
                }
                Ok(())
            }
        }
    }

    /// The links in use, by index.
    fn link_slots(&self) -> &[Link] {
        self.links.get(..self.nlinks).unwrap_or_default()
    }

    /// Forgets a link and its addresses (RTM_DELLINK, or a link no rule can use).
    pub fn remove_link(&mut self, index: u32) {
        let n = self.nlinks;
        if let Ok(i) = self.link_slots().binary_search_by_key(&index, |l| l.index)
            && let Some(tail) = self.links.get_mut(i..n)
        {
            // The links after `i` move down one place; the freed last slot is cleared.
            let mut carried = Link::default();
            for slot in tail.iter_mut().rev() {
                core::mem::swap(slot, &mut carried);
            }
            self.nlinks -= 1;
        }
        self.retain_addresses(|a| a.ifindex != index);
    }

    /// Adds or updates an address (RTM_NEWADDR). A known address (same link, address
    /// and prefix length) keeps its age; a new one is younger than every address seen
    /// before.
    pub fn set_address(&mut self, mut address: Address) -> Result<(), Error> {
        let n = self.naddresses;
        let used = self.addresses.get_mut(..n).unwrap_or_default();
        if let Some(known) = used.iter_mut().find(|a| a.same(&address)) {
            address.age = known.age;
            *known = address;
            return Ok(());
        }
        let Some(free) = self.addresses.get_mut(n) else {
            return self.full("addresses");
        };
        self.clock += 1;
        address.age = self.clock;
        *free = address;
        self.naddresses += 1;
        Ok(())
    }

    /// Forgets an address (RTM_DELADDR): only the one with this prefix length.
    pub fn remove_address(&mut self, ifindex: u32, ip: IpAddr, prefix_len: u8) {
        let gone = Address::new(ifindex, ip, prefix_len, 0);
        self.retain_addresses(|a| !a.same(&gone));
    }

    fn retain_addresses(&mut self, keep: impl Fn(&Address) -> bool) {
        let mut i = 0;
        while let Some(&a) = self.addresses.get(i).filter(|_| i < self.naddresses) {
            if keep(&a) {
                i += 1;
            } else {
                // Order does not matter (ranking is by age): the last takes its place.
                self.naddresses -= 1;
                let last = self.addresses.get(self.naddresses).copied().unwrap_or(Address::NONE);
                if let Some(slot) = self.addresses.get_mut(i) {
                    *slot = last;
                }
            }
        }
    }

    /// Records a unicast default route (RTM_NEWROUTE with destination length 0).
    pub fn add_route(&mut self, route: DefaultRoute) -> Result<(), Error> {
        if self.routes.contains(&Some(route)) {
            return Ok(());
        }
        match self.routes.iter_mut().find(|r| r.is_none()) {
            Some(free) => {
                *free = Some(route);
                Ok(())
            }
            None => self.full("default routes"),
        }
    }

    /// Forgets a default route (RTM_DELROUTE).
    pub fn remove_route(&mut self, route: &DefaultRoute) {
        for r in &mut self.routes {
            if r.as_ref() == Some(route) {
                *r = None;
            }
        }
    }

    fn full(&mut self, what: &'static str) -> Result<(), Error> {
        self.overflowed = Some(what);
        Err(Error::TableFull(what))
    }

    /// The link with this index.
    pub fn link(&self, index: u32) -> Option<&Link> {
        let links = self.link_slots();
        links.binary_search_by_key(&index, |l| l.index).ok().and_then(|i| links.get(i))
    }

    /// Every link, by index.
    pub fn links(&self) -> impl Iterator<Item = &Link> {
        self.link_slots().iter()
    }

    /// Every address.
    pub fn addresses(&self) -> impl Iterator<Item = &Address> {
        self.addresses.get(..self.naddresses).unwrap_or_default().iter()
    }

    /// Every default route.
    pub fn routes(&self) -> impl Iterator<Item = &DefaultRoute> {
        self.routes.iter().flatten()
    }

    /// Whether a default route of `family` exists (in any table).
    pub fn has_default_route(&self, family: Family) -> bool {
        self.routes().any(|r| r.family == family)
    }

    /// Whether the kernel may have deleted an IPv4 default route without a notification
    /// when IPv4 address `ip`/`prefix_len` left link `ifindex` (this state no longer
    /// holds it). IPv4 drops the routes through a link that lost its last IPv4 address
    /// without a notification (Linux 6.18 too). Also counted, to be safe on other
    /// kernels: routes whose gateway was in the lost address's subnet (6.18 keeps them)
    /// and routes whose preferred source it was (6.18 deletes them with a notification).
    /// A route through no single link (multipath) may be any of these; so may every
    /// route when a full table left addresses out.
    pub fn v4_route_may_have_gone(&self, ifindex: u32, ip: IpAddr, prefix_len: u8) -> bool {
        let IpAddr::V4(gone) = ip else { return false };
        let last = self.overflowed.is_some()
            || !self.addresses().any(|a| a.ifindex == ifindex && a.ip.is_ipv4());
        let mask = u32::MAX.checked_shl(32 - u32::from(prefix_len.min(32))).unwrap_or(0);
        let in_subnet = |g: Option<IpAddr>| matches!(g, Some(IpAddr::V4(g)) if (u32::from(g) ^ u32::from(gone)) & mask == 0);
        self.routes().any(|r| {
            r.family == Family::V4
                && (r.prefsrc == Some(ip)
                    || r.oif == 0
                    || (r.oif == ifindex && (last || in_subnet(r.gateway))))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::Ipv4Addr;

    #[test]
    fn only_an_address_a_default_route_leans_on_can_take_it_silently() {
        let mut s = std::boxed::Box::new(State::new());
        let v4 = |a, b, c, d| IpAddr::V4(Ipv4Addr::new(a, b, c, d));
        let primary = v4(10, 220, 0, 1);
        let extra = v4(10, 221, 0, 1);
        s.set_address(Address::new(2, primary, 24, 0)).unwrap();
        let mut r = DefaultRoute::v4(254, 2);
        r.gateway = Some(v4(10, 220, 0, 254));
        s.add_route(r).unwrap();
        // A /32 beside the gateway's subnet: the route stays.
        assert!(!s.v4_route_may_have_gone(2, extra, 32));
        assert!(!s.v4_route_may_have_gone(3, primary, 24), "another link");
        // The gateway's subnet, whatever else the link keeps.
        assert!(s.v4_route_may_have_gone(2, v4(10, 220, 0, 9), 24));
        assert!(s.v4_route_may_have_gone(2, v4(10, 0, 0, 9), 8));
        // The link's last IPv4 address.
        s.remove_address(2, primary, 24);
        assert!(s.v4_route_may_have_gone(2, extra, 32));
        // The route's preferred source, on any link.
        s.set_address(Address::new(2, primary, 24, 0)).unwrap();
        s.remove_route(&r);
        r.prefsrc = Some(extra);
        s.add_route(r).unwrap();
        assert!(s.v4_route_may_have_gone(5, extra, 32));
        // Multipath: no single link to tell by.
        s.add_route(DefaultRoute::v4(254, 0)).unwrap();
        assert!(s.v4_route_may_have_gone(3, v4(192, 0, 2, 1), 32));
        assert!(!s.v4_route_may_have_gone(2, IpAddr::V6(core::net::Ipv6Addr::LOCALHOST), 128));
    }

    #[test]
    fn the_prefix_is_part_of_an_address_and_ages_survive_a_redump() {
        let mut s = std::boxed::Box::new(State::new());
        let ip = IpAddr::V4(Ipv4Addr::new(10, 7, 0, 2));
        s.set_address(Address::new(2, ip, 16, 0)).unwrap();
        s.set_address(Address::new(2, ip, 24, 0)).unwrap();
        s.remove_address(2, ip, 24);
        assert_eq!(s.addresses().map(|a| a.prefix_len).collect::<std::vec::Vec<_>>(), [16]);
        let b = IpAddr::V4(Ipv4Addr::new(10, 8, 0, 2));
        s.set_address(Address::new(3, b, 24, 0)).unwrap();
        // A re-dump meets the addresses in another order.
        let mut fresh = std::boxed::Box::new(State::new());
        fresh.set_address(Address::new(3, b, 24, 0)).unwrap();
        fresh.set_address(Address::new(4, b, 24, 0)).unwrap();
        fresh.set_address(Address::new(2, ip, 16, 0)).unwrap();
        fresh.carry_ages(&s);
        let age = |s: &State, i: u32| s.addresses().find(|a| a.ifindex == i).unwrap().age;
        assert_eq!((age(&fresh, 2), age(&fresh, 3)), (age(&s, 2), age(&s, 3)));
        assert!(age(&fresh, 4) > age(&s, 3), "a newcomer is the youngest");
    }

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
        s.remove_address(3, ip, 24);
        assert_eq!(s.addresses().count(), 0);
        s.add_route(DefaultRoute::v4(254, 3)).unwrap();
        s.add_route(DefaultRoute::v4(254, 3)).unwrap();
        assert_eq!(s.routes().count(), 1);
        assert!(s.has_default_route(Family::V4) && !s.has_default_route(Family::V6));
        s.remove_route(&DefaultRoute::v4(254, 3));
        assert!(!s.has_default_route(Family::V4));
    }

    #[test]
    fn a_full_table_is_an_error() {
        let mut s = std::boxed::Box::new(State::new());
        for i in (0..MAX_LINKS as u32).rev() {
            s.set_link(Link::new(i + 1, "x", 0)).unwrap();
        }
        assert!(s.links().map(|l| l.index).eq(1..=MAX_LINKS as u32), "sorted by index");
        assert_eq!(s.overflowed(), None);
        assert_eq!(s.set_link(Link::new(9999, "y", 0)), Err(Error::TableFull("links")));
        assert_eq!(s.overflowed(), Some("links"));
        s.set_link(Link::new(1, "renamed", 0)).unwrap();
        assert_eq!(s.link(1).unwrap().name.as_bytes(), b"renamed");
        s.remove_link(5);
        assert!(s.link(5).is_none() && s.link(6).is_some() && s.link(4).is_some());
    }
}
