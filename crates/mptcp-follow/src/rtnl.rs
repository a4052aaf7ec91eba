//! Route netlink messages into a [`State`]: what `RTM_NEW*`/`RTM_DEL*` of links,
//! addresses and routes change, whether they come from a dump or a notification.
//!
//! Only links some rule can use ([`Rules::can_use`]) and their addresses take a place:
//! loopback and ignored links, and links no rule manages, cost nothing; so do addresses
//! whose own class their link's rule bars (`fe80::/10` without `allow linklocal`, say:
//! see `policy::barred_by_class`).

use core::net::IpAddr;

use nlwire::Message;
use rtnl_wire::consts::{AF_INET, AF_INET6, rtn};
use rtnl_wire::{AddrMsg, LinkMsg, Object, Op, RouteMsg};

use crate::{Address, DefaultRoute, Family, Link, Rules, State};

/// `RTM_DELNEXTHOP`: a nexthop object went away, and with it every route through it,
/// without a route notification.
pub const RTM_DELNEXTHOP: u16 = 105;
/// `ifi_change` of a link that was just registered (made, or moved into the namespace).
const CHANGE_NEW: u32 = !0;

/// What one notification changed, for the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// An address appeared or changed.
    AddressUp(u32, IpAddr),
    /// An address went away: link, address and prefix length.
    AddressGone(u32, IpAddr, u8),
    /// A link appeared or changed.
    Link(u32),
    /// A link that existed already became usable under the rules (renamed): its
    /// addresses were not kept, so they must be read again.
    LinkAdmitted(u32),
    /// A link went away.
    LinkGone(u32),
    /// A default route appeared or went away.
    Route(Family),
    /// A nexthop object went away: routes through it are gone without a notification,
    /// so they must be read again.
    NexthopGone,
    /// A table was full: the newcomer of this kind was left out.
    TableFull(&'static str),
    /// Nothing the policy reads.
    None,
}

/// Applies one route-netlink message to `state`, keeping only links `rules` can use
/// and their addresses. A full table drops the newcomer and marks the state
/// ([`State::overflowed`]); malformed messages change nothing.
pub fn apply(state: &mut State, rules: &Rules, m: &Message<'_>) -> Change {
    if m.kind() == RTM_DELNEXTHOP {
        return Change::NexthopGone;
    }
    // Each kind's own view, not the enum of all three: no large value moved per message.
    let parsed = match Object::from_type(m.kind()) {
        Some((Object::Link, _)) => LinkMsg::parse(m).map(|l| link(state, rules, &l)),
        Some((Object::Addr, _)) => AddrMsg::parse(m).map(|a| address(state, rules, &a)),
        Some((Object::Route, _)) => RouteMsg::parse(m).map(|r| route(state, m, &r)),
        None => return Change::None,
    };
    parsed.unwrap_or(Change::None)
}

fn link(state: &mut State, rules: &Rules, l: &LinkMsg<'_>) -> Change {
    let Ok(index) = u32::try_from(l.index()) else { return Change::None };
    let known = state.link(index).is_some();
    if l.op() == Op::Del {
        state.remove_link(index);
        return if known { Change::LinkGone(index) } else { Change::None };
    }
    let link = Link::from_bytes(index, l.name_bytes().unwrap_or(b""), l.flags());
    if !rules.can_use(&link.name, link.is_loopback()) {
        // Not usable (maybe renamed away from a managed name): no place taken.
        state.remove_link(index);
        return if known { Change::LinkGone(index) } else { Change::None };
    }
    match state.set_link(link) {
        Ok(()) if !known && l.change() != CHANGE_NEW => Change::LinkAdmitted(index),
        Ok(()) => Change::Link(index),
        Err(e) => full(e),
    }
}

fn address(state: &mut State, rules: &Rules, a: &AddrMsg<'_>) -> Change {
    let Some(ip) = a.address() else { return Change::None };
    let Some(link) = state.link(a.ifindex()) else {
        // A link no rule can use: its addresses take no place.
        return Change::None;
    };
    let barred = rules
        .rule_for(&link.name)
        .is_none_or(|(_, rule)| crate::policy::barred_by_class(&ip, rule.allow).is_err());
    if barred && a.op() != Op::Del {
        // An address whose own class its link's rule bars (fe80::/10 on every IPv6
        // link, say) can never give an endpoint: it takes no place either.
        state.remove_address(a.ifindex(), ip, a.prefix_len());
        return Change::None;
    }
    if a.op() == Op::Del {
        state.remove_address(a.ifindex(), ip, a.prefix_len());
        return Change::AddressGone(a.ifindex(), ip, a.prefix_len());
    }
    match state.set_address(Address::new(a.ifindex(), ip, a.prefix_len(), a.flags())) {
        Ok(()) => Change::AddressUp(a.ifindex(), ip),
        Err(e) => full(e),
    }
}

fn route(state: &mut State, m: &Message<'_>, r: &RouteMsg<'_>) -> Change {
    let family = match r.family() {
        AF_INET => Family::V4,
        AF_INET6 => Family::V6,
        _ => return Change::None,
    };
    if r.dst_len() != 0 || r.route_type() != rtn::UNICAST {
        return Change::None;
    }
    let route = DefaultRoute {
        family,
        table: r.table(),
        oif: r.oif().unwrap_or(0),
        gateway: r.gateway(),
        prefsrc: r.prefsrc(),
        priority: r.priority().unwrap_or(0),
    };
    if r.op() == Op::Del {
        state.remove_route(&route);
    } else {
        if m.flags() & nlwire::consts::NLM_F_REPLACE != 0 {
            replace_route(state, &route);
        }
        if let Err(e) = state.add_route(route) {
            return full(e);
        }
    }
    Change::Route(family)
}

fn full(e: crate::Error) -> Change {
    match e {
        crate::Error::TableFull(what) => Change::TableFull(what),
        _ => Change::None,
    }
}

/// A replaced route takes the place of the one with the same family, table and metric.
fn replace_route(state: &mut State, route: &DefaultRoute) {
    let old: Option<DefaultRoute> = state
        .routes()
        .find(|r| {
            r.family == route.family && r.table == route.table && r.priority == route.priority
        })
        .copied();
    if let Some(old) = old {
        state.remove_route(&old);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::Ipv4Addr;
    use rtnl_wire::{Addr, Route};

    #[test]
    fn addresses_and_default_routes_come_and_go() {
        let mut s = std::boxed::Box::new(State::new());
        let rules = Rules::new();
        let apply = |s: &mut State, m: &Message<'_>| super::apply(s, &rules, m);
        s.set_link(Link::new(2, "wan0", Link::UP_WITH_CARRIER)).unwrap();
        let mut buf = [0u8; 256];
        let ip = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
        let addr = Addr {
            family: AF_INET,
            prefix_len: 24,
            ifindex: 2,
            local: Some(ip),
            address: Some(ip),
            ..Addr::default()
        };
        let m = Message::parse(addr.emit(&mut buf, Op::New, 0, 0).unwrap()).unwrap();
        assert_eq!(apply(&mut s, &m), Change::AddressUp(2, ip));
        assert_eq!(s.addresses().count(), 1);
        let m = Message::parse(addr.emit(&mut buf, Op::Del, 0, 0).unwrap()).unwrap();
        assert_eq!(apply(&mut s, &m), Change::AddressGone(2, ip, 24));
        assert_eq!(s.addresses().count(), 0);
        let route = Route {
            family: AF_INET,
            table: 254,
            route_type: rtn::UNICAST,
            oif: Some(2),
            ..Route::default()
        };
        let m = Message::parse(route.emit(&mut buf, Op::New, 0, 0).unwrap()).unwrap();
        assert_eq!(apply(&mut s, &m), Change::Route(Family::V4));
        assert!(s.has_default_route(Family::V4));
        let m = Message::parse(route.emit(&mut buf, Op::Del, 0, 0).unwrap()).unwrap();
        apply(&mut s, &m);
        assert!(!s.has_default_route(Family::V4));
        let not_default = Route { dst_len: 24, ..route };
        let m = Message::parse(not_default.emit(&mut buf, Op::New, 0, 0).unwrap()).unwrap();
        assert_eq!(apply(&mut s, &m), Change::None);
        assert_eq!(apply(&mut s, &Message::parse(&[0u8; 16][..]).unwrap_or(m)), Change::None);
        // An RTM_DELNEXTHOP header (24 bytes, type 105) in host order, as the kernel
        // sends it: the test runs on big-endian targets under Miri too.
        let mut nh = [0u8; 24];
        nh[..4].copy_from_slice(&24u32.to_ne_bytes());
        nh[4..6].copy_from_slice(&105u16.to_ne_bytes());
        assert_eq!(apply(&mut s, &Message::parse(&nh[..]).unwrap()), Change::NexthopGone);
    }

    #[test]
    fn only_usable_links_and_their_addresses_take_a_place() {
        let mut s = std::boxed::Box::new(State::new());
        let rules = Rules::parse_words(&["dev", "lan*", "ignore", "dev", "*", "subflow"]).unwrap();
        let mut buf = [0u8; 256];
        let link = |index: i32, name: &'static [u8], flags: u32, change: u32| rtnl_wire::Link {
            index,
            flags,
            change,
            name: Some(name),
            ..rtnl_wire::Link::default()
        };
        let mut feed = |s: &mut State, l: rtnl_wire::Link<'_>, op: Op| {
            let m = Message::parse(l.emit(&mut buf, op, 0, 0).unwrap()).unwrap();
            apply(s, &rules, &m)
        };
        assert_eq!(feed(&mut s, link(1, b"lo", 0x9, !0), Op::New), Change::None);
        assert_eq!(feed(&mut s, link(3, b"lan\xff", 0x1, !0), Op::New), Change::None);
        assert_eq!(feed(&mut s, link(2, b"wan0", 0x1, !0), Op::New), Change::Link(2));
        assert_eq!(s.links().count(), 1, "loopback and ignored links cost nothing");
        assert_eq!(feed(&mut s, link(3, b"wan\xff", 0x1, 0), Op::New), Change::LinkAdmitted(3));
        assert_eq!(feed(&mut s, link(2, b"lan0", 0x1, 0), Op::New), Change::LinkGone(2));
        assert_eq!(s.link(3).unwrap().name.as_bytes(), b"wan\xff");
    }

    /// An address its own class bars under its link's rule (fe80::/10 without `allow
    /// linklocal`, say) takes no place: a host with an IPv6 link-local address on every
    /// link fits as many links as one without.
    #[test]
    fn addresses_their_rule_bars_by_class_take_no_place() {
        let mut s = std::boxed::Box::new(State::new());
        let rules = Rules::parse_words(&[
            "dev",
            "ll*",
            "subflow",
            "allow",
            "linklocal",
            "dev",
            "*",
            "subflow",
        ])
        .unwrap();
        s.set_link(Link::new(2, "wan0", Link::UP_WITH_CARRIER)).unwrap();
        s.set_link(Link::new(3, "ll0", Link::UP_WITH_CARRIER)).unwrap();
        let mut buf = [0u8; 256];
        let mut feed = |s: &mut State, ifindex: u32, ip: &str, op: Op| {
            let ip: IpAddr = ip.parse().unwrap();
            let family = if ip.is_ipv4() { AF_INET } else { AF_INET6 };
            let a = Addr {
                family,
                prefix_len: 64,
                ifindex,
                local: Some(ip),
                address: Some(ip),
                ..Addr::default()
            };
            let m = Message::parse(a.emit(&mut buf, op, 0, 0).unwrap()).unwrap();
            apply(s, &rules, &m)
        };
        for barred in ["fe80::1", "169.254.0.9", "fd00::1", "127.0.0.2", "ff02::1"] {
            assert_eq!(feed(&mut s, 2, barred, Op::New), Change::None, "{barred}");
        }
        assert_eq!(s.addresses().count(), 0);
        let ll: IpAddr = "fe80::2".parse().unwrap();
        assert_eq!(feed(&mut s, 3, "fe80::2", Op::New), Change::AddressUp(3, ll));
        let wan: IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(feed(&mut s, 2, "2001:db8::1", Op::New), Change::AddressUp(2, wan));
        assert_eq!(s.addresses().count(), 2);
        assert_eq!(
            feed(&mut s, 2, "fe80::1", Op::Del),
            Change::AddressGone(2, "fe80::1".parse().unwrap(), 64)
        );
        assert_eq!(s.addresses().count(), 2);
    }
}
