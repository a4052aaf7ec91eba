//! The desired endpoint set: which addresses qualify, ranked, cut to the free slots.

use core::fmt;
use core::net::IpAddr;

use crate::rules::{Action, Allow, flag};
use crate::state::{Address, Family, ifa};
use crate::{MAX_ENDPOINTS, Owned, Rules, State};

/// Why an address gets no endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Skip {
    /// Its link is unknown (a notification raced its link's).
    UnknownLink,
    /// No rule manages its interface.
    Unmanaged,
    /// A rule says `ignore`.
    Ignored,
    /// Loopback link or loopback address.
    Loopback,
    /// IPv4 169.254/16 or IPv6 fe80::/10.
    LinkLocal,
    /// IPv6 fc00::/7.
    UniqueLocal,
    /// An IPv6 temporary (privacy) address.
    Temporary,
    /// Duplicate address detection has not finished.
    Tentative,
    /// Duplicate address detection failed.
    DadFailed,
    /// Its preferred lifetime ran out.
    Deprecated,
    /// Its link is down or has no carrier.
    NoCarrier,
    /// No default route of its family exists.
    NoDefaultRoute,
    /// Multicast, unspecified or broadcast: never an endpoint.
    NotUnicast,
}

impl Skip {
    /// A short reason, for logs: `link-local`, `no default route`, ….
    pub fn reason(self) -> &'static str {
        match self {
            Skip::UnknownLink => "unknown link",
            Skip::Unmanaged => "interface not managed",
            Skip::Ignored => "interface ignored",
            Skip::Loopback => "loopback",
            Skip::LinkLocal => "link-local",
            Skip::UniqueLocal => "unique-local",
            Skip::Temporary => "temporary",
            Skip::Tentative => "tentative",
            Skip::DadFailed => "DAD failed",
            Skip::Deprecated => "deprecated",
            Skip::NoCarrier => "link down or no carrier",
            Skip::NoDefaultRoute => "no default route",
            Skip::NotUnicast => "not unicast",
        }
    }
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

/// An address that qualifies for an endpoint, with what its rule says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Want {
    /// The address.
    pub ip: IpAddr,
    /// Its interface (the endpoint's `dev`).
    pub ifindex: u32,
    /// Endpoint flags.
    pub flags: u32,
    /// Endpoint port (0: none).
    pub port: u16,
    /// Rank key: rule index, family, age, address (as [`address_key`] orders it).
    rank: (usize, Family, u64, u128),
}

/// `ip` as a number that orders as `IpAddr` orders addresses of one family (the rank
/// compares families first): an IPv4 address's 32 bits, an IPv6 address's 128, both
/// big-endian. Cheaper to compare than `IpAddr`, whose ordering is 322 bytes of code.
fn address_key(ip: &IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => u32::from(*a).into(),
        IpAddr::V6(a) => u128::from(*a),
    }
}

/// The addresses that get endpoints, best first, and how many qualified but wait for a
/// free slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Desired {
    wants: [Option<Want>; MAX_ENDPOINTS],
    len: usize,
    waiting: usize,
    first_waiting: Option<Want>,
    foreign: [Option<(IpAddr, u8)>; MAX_ENDPOINTS],
}

impl Desired {
    /// The addresses that get endpoints, best first.
    pub fn iter(&self) -> impl Iterator<Item = &Want> {
        self.wants.iter().flatten()
    }

    /// How many get endpoints.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether none does.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many qualify but wait for a slot.
    pub fn waiting(&self) -> usize {
        self.waiting
    }

    /// The best of those waiting, if any.
    pub fn first_waiting(&self) -> Option<&Want> {
        self.first_waiting.as_ref()
    }

    /// Addresses that qualify but that an endpoint this mode does not own already holds
    /// (with that endpoint's id): this mode leaves it and adds no second one.
    pub fn held_by_others(&self) -> impl Iterator<Item = (IpAddr, u8)> + '_ {
        self.foreign.iter().flatten().copied()
    }

    /// Whether `ip` on `ifindex` gets an endpoint.
    pub fn contains(&self, ip: IpAddr, ifindex: u32) -> bool {
        self.iter().any(|w| w.ip == ip && w.ifindex == ifindex)
    }
}

impl State {
    /// Whether `address` qualifies under `rules`: `Ok` with its flags, port and rank key,
    /// or why not.
    pub fn judge(&self, address: &Address, rules: &Rules) -> Result<Want, Skip> {
        let link = self.link(address.ifindex).ok_or(Skip::UnknownLink)?;
        let (rank, rule) = rules.rule_for(&link.name).ok_or(Skip::Unmanaged)?;
        let Action::Flags(flags) = rule.action else { return Err(Skip::Ignored) };
        let allow = rule.allow;
        let ip = address.ip;
        let lifted = |class: u8, skip: Skip| if allow.has(class) { Ok(()) } else { Err(skip) };
        barred_by_class(&ip, allow)?;
        if link.is_loopback() {
            lifted(Allow::LOOPBACK, Skip::Loopback)?;
        }
        if address.flags & ifa::TENTATIVE != 0 {
            return Err(Skip::Tentative);
        }
        if address.flags & ifa::DADFAILED != 0 {
            return Err(Skip::DadFailed);
        }
        if ip.is_ipv6() && address.flags & ifa::TEMPORARY != 0 {
            lifted(Allow::TEMPORARY, Skip::Temporary)?;
        }
        if address.flags & ifa::DEPRECATED != 0 {
            lifted(Allow::DEPRECATED, Skip::Deprecated)?;
        }
        if !link.is_usable() {
            lifted(Allow::NO_CARRIER, Skip::NoCarrier)?;
        }
        let family = Family::of(&ip);
        if !self.has_default_route(family) {
            lifted(Allow::NO_ROUTE, Skip::NoDefaultRoute)?;
        }
        Ok(Want {
            ip,
            ifindex: address.ifindex,
            flags,
            port: rule.port,
            rank: (rank, family, address.age, address_key(&ip)),
        })
    }

    /// The desired endpoints under `rules`, given `actual`, the kernel's table, and
    /// `owned`, the endpoints this mode made. The endpoints it does not own take slots,
    /// and an address one of them holds needs no endpoint of ours; the best of the
    /// qualifying addresses fill the remaining slots of the [`MAX_ENDPOINTS`].
    pub fn desired(&self, rules: &Rules, actual: &[crate::Endpoint], owned: &Owned) -> Desired {
        let held = || actual.iter().filter(|e| !owned.owns(e));
        let slots = MAX_ENDPOINTS.saturating_sub(held().count());
        let mut d = Desired {
            wants: [None; MAX_ENDPOINTS],
            len: 0,
            waiting: 0,
            first_waiting: None,
            foreign: [None; MAX_ENDPOINTS],
        };
        for a in self.addresses() {
            let Ok(want) = self.judge(a, rules) else { continue };
            if let Some(h) = held().find(|h| h.ip == want.ip) {
                let seen = d.foreign.iter().any(|f| f.is_some_and(|(ip, _)| ip == h.ip));
                if let Some(free) = d.foreign.iter_mut().find(|f| f.is_none()).filter(|_| !seen) {
                    *free = Some((h.ip, h.id));
                }
                continue;
            }
            d.insert(want, slots);
        }
        d
    }
}

impl Desired {
    /// Inserts `want` in rank order, keeping at most `slots`; what falls off waits. An
    /// address on two links (the kernel takes one endpoint per address) keeps its
    /// better-ranked one.
    fn insert(&mut self, want: Want, slots: usize) {
        if let Some(i) =
            self.wants[..self.len].iter().position(|w| w.is_some_and(|w| w.ip == want.ip))
        {
            if self.wants[i].is_some_and(|w| w.rank <= want.rank) {
                return;
            }
            // Moves (memmove), not `rotate_*`: core's rotation code is larger.
            self.wants.copy_within(i + 1..self.len, i);
            self.len -= 1;
            self.wants[self.len] = None;
        }
        let at = self.wants[..self.len].iter().flatten().take_while(|w| w.rank < want.rank).count();
        if at >= slots {
            self.wait(want);
            return;
        }
        if self.len == slots {
            if let Some(dropped) = self.wants[slots - 1].take() {
                self.wait(dropped);
            }
            self.len -= 1;
        }
        self.wants.copy_within(at..self.len, at + 1);
        self.wants[at] = Some(want);
        self.len += 1;
    }

    fn wait(&mut self, want: Want) {
        self.waiting += 1;
        if self.first_waiting.is_none_or(|f| want.rank < f.rank) {
            self.first_waiting = Some(want);
        }
    }
}

/// Whether `ip`'s own class (not unicast, loopback, link-local, unique-local) bars it
/// under `allow`: a verdict that no flag or route can change, so an address it bars
/// never needs a place in the [`State`].
pub fn barred_by_class(ip: &IpAddr, allow: Allow) -> Result<(), Skip> {
    let lifted = |class: u8, skip: Skip| if allow.has(class) { Ok(()) } else { Err(skip) };
    if ip.is_multicast() || ip.is_unspecified() || is_broadcast(ip) {
        return Err(Skip::NotUnicast);
    }
    if ip.is_loopback() {
        lifted(Allow::LOOPBACK, Skip::Loopback)?;
    }
    match ip {
        IpAddr::V4(v4) if v4.is_link_local() => lifted(Allow::LINK_LOCAL, Skip::LinkLocal),
        IpAddr::V6(v6) if v6.segments()[0] & 0xffc0 == 0xfe80 => {
            lifted(Allow::LINK_LOCAL, Skip::LinkLocal)
        }
        IpAddr::V6(v6) if v6.segments()[0] & 0xfe00 == 0xfc00 => {
            lifted(Allow::ULA, Skip::UniqueLocal)
        }
        _ => Ok(()),
    }
}

fn is_broadcast(ip: &IpAddr) -> bool {
    matches!(ip, IpAddr::V4(v4) if v4.is_broadcast())
}

/// Says when the namespace's limits make endpoints useless: `subflows 0` while
/// endpoints with `subflow` or `fullmesh` are wanted. The limits are the user's; this
/// mode never changes them.
pub fn limits_warning(subflows: Option<u32>, desired: &Desired) -> Option<&'static str> {
    let opens = desired.iter().any(|w| w.flags & (flag::SUBFLOW | flag::FULLMESH) != 0);
    (subflows == Some(0) && opens)
        .then_some("limits: subflows is 0, so subflow endpoints open no subflows")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DefaultRoute, Link};
    use core::net::{Ipv4Addr, Ipv6Addr};
    use std::vec::Vec;

    fn host() -> std::boxed::Box<State> {
        let mut s = std::boxed::Box::new(State::new());
        s.set_link(Link::new(1, "lo", Link::UP_WITH_CARRIER | crate::iff::LOOPBACK)).unwrap();
        s.set_link(Link::new(2, "wan0", Link::UP_WITH_CARRIER)).unwrap();
        s.set_link(Link::new(3, "lte0", Link::UP_WITH_CARRIER)).unwrap();
        s.add_route(DefaultRoute::v4(100, 2)).unwrap();
        s.add_route(DefaultRoute::v6(254, 2)).unwrap();
        s
    }

    fn v4(a: u8, b: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(10, 0, a, b))
    }

    proptest::proptest! {
        // Few cases under Miri, where each costs seconds (as in tests/proptest.rs).
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: if cfg!(miri) { 4 } else { 256 },
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        })]
        /// The rank's address key orders two addresses of one family as `IpAddr` does
        /// (the rank compares the family before it).
        #[test]
        fn address_keys_order_as_addresses(
            a in proptest::prelude::any::<[u8; 16]>(),
            b in proptest::prelude::any::<[u8; 16]>(),
            four in proptest::prelude::any::<bool>(),
        ) {
            let (a, b) = if four {
                let v4 = |x: [u8; 16]| IpAddr::V4(Ipv4Addr::new(x[0], x[1], x[2], x[3]));
                (v4(a), v4(b))
            } else {
                (IpAddr::V6(Ipv6Addr::from(a)), IpAddr::V6(Ipv6Addr::from(b)))
            };
            proptest::prop_assert_eq!(address_key(&a).cmp(&address_key(&b)), a.cmp(&b));
            proptest::prop_assert_eq!(address_key(&a) == address_key(&b), a == b);
        }
    }

    fn skip(s: &State, idx: u32, ip: IpAddr, flags: u32) -> Result<Want, Skip> {
        s.judge(&Address::new(idx, ip, 24, flags), &Rules::new())
    }

    #[test]
    fn each_skip_rule() {
        let mut s = host();
        let v6 = |t: &str| IpAddr::V6(t.parse::<Ipv6Addr>().unwrap());
        assert_eq!(skip(&s, 1, IpAddr::V4(Ipv4Addr::LOCALHOST), 0), Err(Skip::Loopback));
        assert_eq!(skip(&s, 2, "169.254.1.1".parse().unwrap(), 0), Err(Skip::LinkLocal));
        assert_eq!(skip(&s, 2, v6("fe80::1"), 0), Err(Skip::LinkLocal));
        assert_eq!(skip(&s, 2, v6("fd00::1"), 0), Err(Skip::UniqueLocal));
        assert_eq!(skip(&s, 2, v6("2001:db8::1"), ifa::TEMPORARY), Err(Skip::Temporary));
        assert!(skip(&s, 2, v4(0, 1), ifa::TEMPORARY).is_ok(), "IPv4 secondary is fine");
        assert_eq!(skip(&s, 2, v6("2001:db8::1"), ifa::TENTATIVE), Err(Skip::Tentative));
        assert_eq!(skip(&s, 2, v6("2001:db8::1"), ifa::DADFAILED), Err(Skip::DadFailed));
        assert_eq!(skip(&s, 2, v4(0, 1), ifa::DEPRECATED), Err(Skip::Deprecated));
        assert_eq!(skip(&s, 9, v4(0, 1), 0), Err(Skip::UnknownLink));
        assert_eq!(skip(&s, 2, "224.0.0.1".parse().unwrap(), 0), Err(Skip::NotUnicast));
        s.set_link(Link::new(2, "wan0", crate::iff::UP)).unwrap();
        assert_eq!(skip(&s, 2, v4(0, 1), 0), Err(Skip::NoCarrier));
        s.set_link(Link::new(2, "wan0", Link::UP_WITH_CARRIER)).unwrap();
        s.remove_route(&DefaultRoute::v4(100, 2));
        assert_eq!(skip(&s, 2, v4(0, 1), 0), Err(Skip::NoDefaultRoute));
        assert!(skip(&s, 2, v6("2001:db8::1"), 0).is_ok());
    }

    #[test]
    fn allow_lifts_a_skip_for_its_interfaces_only() {
        let s = host();
        let rules = Rules::parse_words(&[
            "dev",
            "wan0",
            "signal",
            "allow",
            "ula",
            "allow",
            "linklocal",
            "dev",
            "lte0",
            "subflow",
        ])
        .unwrap();
        let ula = IpAddr::V6("fd00::1".parse().unwrap());
        let w = s.judge(&Address::new(2, ula, 64, 0), &rules).unwrap();
        assert_eq!((w.flags, w.port), (flag::SIGNAL, 0));
        assert_eq!(s.judge(&Address::new(3, ula, 64, 0), &rules), Err(Skip::UniqueLocal));
        assert_eq!(s.judge(&Address::new(1, v4(9, 9), 8, 0), &rules), Err(Skip::Unmanaged));
    }

    #[test]
    fn ranking_is_rule_then_family_then_age() {
        let mut s = host();
        let rules =
            Rules::parse_words(&["dev", "lte0", "backup", "dev", "wan*", "subflow"]).unwrap();
        s.set_address(Address::new(2, IpAddr::V6("2001:db8::1".parse().unwrap()), 64, 0)).unwrap();
        for i in 1..=6 {
            s.set_address(Address::new(2, v4(2, i), 24, 0)).unwrap();
        }
        for i in 1..=4 {
            s.set_address(Address::new(3, v4(3, i), 24, 0)).unwrap();
        }
        let d = s.desired(&rules, &[], &Owned::new());
        let got: Vec<IpAddr> = d.iter().map(|w| w.ip).collect();
        let want: Vec<IpAddr> =
            [v4(3, 1), v4(3, 2), v4(3, 3), v4(3, 4), v4(2, 1), v4(2, 2), v4(2, 3), v4(2, 4)].into();
        assert_eq!(got, want);
        assert_eq!(d.waiting(), 3);
        assert_eq!(d.first_waiting().map(|w| w.ip), Some(v4(2, 5)));
        s.remove_address(3, v4(3, 2), 24);
        let d = s.desired(&rules, &[], &Owned::new());
        assert!(d.contains(v4(2, 5), 2) && !d.contains(v4(2, 6), 2));
        let held = [crate::Endpoint { id: 1, ip: v4(9, 9), ifindex: 0, flags: 0, port: 0 }; 3];
        assert_eq!(s.desired(&rules, &held, &Owned::new()).len(), 5);
    }

    #[test]
    fn an_address_on_two_links_gets_one_endpoint() {
        let mut s = host();
        s.set_address(Address::new(3, v4(0, 1), 24, 0)).unwrap();
        s.set_address(Address::new(2, v4(0, 1), 24, 0)).unwrap();
        let d = s.desired(&Rules::new(), &[], &Owned::new());
        let got: Vec<(IpAddr, u32)> = d.iter().map(|w| (w.ip, w.ifindex)).collect();
        assert_eq!(got, [(v4(0, 1), 3)], "the older one, first seen on lte0");
        let rules =
            Rules::parse_words(&["dev", "wan0", "signal", "dev", "lte0", "subflow"]).unwrap();
        let d = s.desired(&rules, &[], &Owned::new());
        assert_eq!(d.iter().map(|w| w.ifindex).collect::<Vec<_>>(), [2], "wan0's rule ranks first");
    }

    #[test]
    fn limits_warning_only_when_subflows_cannot_open() {
        let mut s = host();
        s.set_address(Address::new(2, v4(0, 1), 24, 0)).unwrap();
        let d = s.desired(&Rules::new(), &[], &Owned::new());
        assert!(limits_warning(Some(0), &d).is_some());
        assert!(limits_warning(Some(2), &d).is_none());
        let signal_only = Rules::parse_words(&["dev", "*", "signal"]).unwrap();
        assert!(limits_warning(Some(0), &s.desired(&signal_only, &[], &Owned::new())).is_none());
    }
}
