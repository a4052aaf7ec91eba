//! Route netlink messages into a [`State`]: what `RTM_NEW*`/`RTM_DEL*` of links,
//! addresses and routes change, whether they come from a dump or a notification.

use core::net::IpAddr;

use nlwire::Message;
use rtnl_wire::consts::{AF_INET, AF_INET6, rtn};
use rtnl_wire::{Op, RtMessage};

use crate::{Address, DefaultRoute, Family, Link, State};

/// What one notification changed, for the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// An address appeared or changed.
    AddressUp(u32, IpAddr),
    /// An address went away.
    AddressGone(u32, IpAddr),
    /// A link appeared or changed.
    Link(u32),
    /// A link went away.
    LinkGone(u32),
    /// A default route appeared or went away.
    Route(Family),
    /// A table was full: the newcomer of this kind was left out.
    TableFull(&'static str),
    /// Nothing the policy reads.
    None,
}

/// Applies one route-netlink message to `state`. A full table drops the newcomer (the
/// limits are stated in `mptcp_follow`); malformed messages change nothing.
pub fn apply(state: &mut State, m: &Message<'_>) -> Change {
    let Ok(msg) = RtMessage::parse(m) else { return Change::None };
    match msg {
        RtMessage::Link(l) => {
            let Ok(index) = u32::try_from(l.index()) else { return Change::None };
            if l.op() == Op::Del {
                state.remove_link(index);
                return Change::LinkGone(index);
            }
            let name = l.name().unwrap_or("");
            match state.set_link(Link::new(index, name, l.flags())) {
                Ok(()) => Change::Link(index),
                Err(e) => full(e),
            }
        }
        RtMessage::Addr(a) => {
            let Some(ip) = a.address() else { return Change::None };
            if a.op() == Op::Del {
                state.remove_address(a.ifindex(), ip);
                return Change::AddressGone(a.ifindex(), ip);
            }
            match state.set_address(Address::new(a.ifindex(), ip, a.prefix_len(), a.flags())) {
                Ok(()) => Change::AddressUp(a.ifindex(), ip),
                Err(e) => full(e),
            }
        }
        RtMessage::Route(r) => {
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
    }
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
        let mut s = State::new();
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
        assert_eq!(apply(&mut s, &m), Change::AddressGone(2, ip));
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
    }
}
