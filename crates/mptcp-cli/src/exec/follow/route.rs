//! The namespace's links, addresses and default routes, from route netlink: one socket
//! subscribed to their changes (and to nexthop objects', whose deletion takes routes
//! along silently), one for dumps, both feeding a [`State`]. A dump goes into a state
//! of its own, so a failed one leaves the caller's picture as it was. A socket filter
//! on the first keeps the kernel from queueing the route notifications no decision
//! reads ([`ROUTE_FILTER`]).

use mptcp_follow::rtnl::{Change, apply};
use mptcp_follow::{Family, Rules, State, iff};
use nlsock::filter::Insn;
use nlsock::{Conn, Errno, Error, Socket, Wait};
use nlwire::Messages;
use nlwire::consts::NETLINK_ROUTE;
use rtnl_wire::Object;
use rtnl_wire::consts::{AF_INET, AF_INET6, AF_UNSPEC, RTM_DELROUTE, RTM_NEWROUTE, group, rtn};

/// Receive-buffer slot per datagram: a link message with every attribute stays well
/// under this; a longer one is reported as truncated and answered by a re-dump.
pub const SLOT: usize = 8192;
/// Datagrams one receive call takes.
pub const BATCH: usize = nlsock::MAX_BATCH;
/// Receive calls [`Routes::discard_queued`] makes at most (each takes up to [`BATCH`]
/// datagrams): more than the queue below can hold.
const DISCARD_ROUNDS: usize = 4096;
/// The kernel-side queue asked for (the kernel grants twice this to root): about
/// 20,000 notifications, so that a burst during a slow request is never lost.
const QUEUE: u32 = 8 << 20;

/// Where a byte of a route notification is: the netlink header's `nlmsg_type` (a host
/// order `u16` at 4), then the `rtmsg` at 16 (`rtm_dst_len` its byte 1, `rtm_type` its
/// byte 7).
const TYPE_LOW: u32 = if cfg!(target_endian = "little") { 4 } else { 5 };
const TYPE_HIGH: u32 = if cfg!(target_endian = "little") { 5 } else { 4 };
const RTM_DST_LEN: u32 = 16 + 1;
const RTM_TYPE: u32 = 16 + 7;

/// The events socket's filter: a route message is queued only when it is about a
/// default (`rtm_dst_len` 0) unicast route, the only routes [`apply`] reads; every other
/// message passes. An address added or removed also adds or removes its local and
/// prefix routes, so without it each address change queued two to four datagrams and
/// often woke the loop twice; the kernel now drops those before they are queued.
pub const ROUTE_FILTER: [Insn; 11] = [
    Insn::load_byte(TYPE_HIGH),
    Insn::jump_if_equal(0, 0, 7), // type 256 and up: keep
    Insn::load_byte(TYPE_LOW),
    Insn::jump_if_equal(RTM_NEWROUTE as u32, 1, 0),
    Insn::jump_if_equal(RTM_DELROUTE as u32, 0, 4), // not a route: keep
    Insn::load_byte(RTM_DST_LEN),
    Insn::jump_if_equal(0, 0, 3), // not a default route: drop
    Insn::load_byte(RTM_TYPE),
    Insn::jump_if_equal(rtn::UNICAST as u32, 0, 1),
    Insn::keep(true),
    Insn::keep(false),
];

/// The route dumps: both families (an unspecified one would bring others too).
const ROUTES: &[(Object, u8)] = &[(Object::Route, AF_INET), (Object::Route, AF_INET6)];

/// Whether a change may have flushed routes without a notification, so that the routes
/// must be read again: IPv4 drops the routes through a link that goes down or away, the
/// routes through it when it loses its last IPv4 address, without an RTM_DELROUTE
/// (IPv6 says what it deletes); to be safe on other kernels, also the routes whose
/// gateway's subnet or preferred source goes. Only when an IPv4 default route could be
/// one of them ([`State::v4_route_may_have_gone`]): an extra address beside the
/// gateway's subnet costs no dump.
pub fn flushes_routes(state: &State, change: Change) -> bool {
    flushes_v6_routes(change) || flushes_v4_routes(state, change)
}

/// Whether a change may have flushed IPv6 routes without a notification: only a
/// deleted nexthop object does.
pub fn flushes_v6_routes(change: Change) -> bool {
    matches!(change, Change::NexthopGone)
}

fn flushes_v4_routes(state: &State, change: Change) -> bool {
    let through = |index: u32| {
        state.routes().any(|r| r.family == Family::V4 && (r.oif == index || r.oif == 0))
    };
    match change {
        Change::Link(index) if state.link(index).is_some_and(|l| l.flags & iff::UP != 0) => false,
        Change::Link(index) | Change::LinkGone(index) => through(index),
        Change::AddressGone(index, ip, len) => state.v4_route_may_have_gone(index, ip, len),
        Change::NexthopGone => true,
        _ => false,
    }
}

/// The two route-netlink sockets.
pub struct Routes {
    events: Conn<Socket>,
    dumps: Conn<Socket>,
}

impl Routes {
    /// Opens both sockets in the calling thread's namespace; the events socket joins the
    /// link, IPv4/IPv6 address, IPv4/IPv6 route and nexthop groups before anything is
    /// dumped, so no change between the dump and the first notification is missed.
    pub fn open(follow: bool) -> Result<Routes, Errno> {
        let events = Socket::open(NETLINK_ROUTE)?;
        if follow {
            let _ = events.set_recv_buffer(QUEUE);
            for g in [
                group::LINK,
                group::IPV4_IFADDR,
                group::IPV6_IFADDR,
                group::IPV4_ROUTE,
                group::IPV6_ROUTE,
                group::NEXTHOP,
            ] {
                events.join_group(g)?;
            }
            events.set_filter(&ROUTE_FILTER)?;
        }
        let dumps = Socket::open(NETLINK_ROUTE)?;
        dumps.set_ext_ack(true)?;
        Ok(Routes { events: Conn::new(events, 0), dumps: Conn::new(dumps, 0) })
    }

    /// The events socket's descriptor, for the loop's wait.
    pub fn fd(&self) -> i32 {
        self.events.link().fd()
    }

    /// Reads links, addresses and routes afresh into `fresh` (cleared first); the
    /// caller takes it only when this succeeds.
    pub fn dump_all(
        &mut self,
        fresh: &mut State,
        rules: &Rules,
        rx: &mut [u8],
    ) -> Result<(), Error> {
        fresh.clear();
        self.dump(fresh, rules, rx, &[(Object::Link, AF_UNSPEC), (Object::Addr, AF_UNSPEC)])?;
        self.dump(fresh, rules, rx, ROUTES)
    }

    /// Reads the default routes afresh into `fresh` (cleared first). The kernel
    /// flushes IPv4 routes through a link that goes down, routes through a gateway
    /// whose subnet's address goes away, and routes through a deleted nexthop object,
    /// without a notification: after such a change the routes are read again. IPv6
    /// says what it deletes, except for a nexthop object: without `v6`, only the IPv4
    /// routes are dumped and `current`'s IPv6 routes are kept (half the dump, which
    /// every IPv4 address removal on a link with a default route costs).
    pub fn dump_routes(
        &mut self,
        fresh: &mut State,
        current: &State,
        v6: bool,
        rules: &Rules,
        rx: &mut [u8],
    ) -> Result<(), Error> {
        fresh.clear();
        if !v6 {
            for r in current.routes().filter(|r| r.family == Family::V6) {
                let _ = fresh.add_route(*r);
            }
        }
        self.dump(fresh, rules, rx, if v6 { ROUTES } else { &ROUTES[..1] })
    }

    fn dump(
        &mut self,
        state: &mut State,
        rules: &Rules,
        rx: &mut [u8],
        what: &[(Object, u8)],
    ) -> Result<(), Error> {
        #[cfg(debug_assertions)]
        if what.first().is_some_and(|w| w.0 == Object::Route) {
            injected_fault()?;
        }
        for &(object, family) in what {
            let mut req = [0u8; rtnl_wire::DUMP_REQUEST_LEN];
            let len = rtnl_wire::dump_request(&mut req, object, family, 0)
                .map_err(|_| Error::Malformed(nlwire::Error::NoRoom))?
                .len();
            let req = req.get_mut(..len).ok_or(Error::Malformed(nlwire::Error::NoRoom))?;
            let mut dump = self.dumps.start_dump(req, rx)?;
            while let Some(m) = dump.next_message() {
                apply(state, rules, &m?);
            }
        }
        Ok(())
    }

    /// Throws away every queued notification. After an overflow (`ENOBUFS`) the queue
    /// still holds notifications older than the lost ones; applied over the re-dump that
    /// follows they would roll the state back (a link seen down that is up again), and
    /// nothing later would correct it. Bounded, so a storm that never ends cannot hold
    /// the loop here; a later overflow then asks for another re-dump.
    pub fn discard_queued(&mut self, rx: &mut [u8]) {
        for _ in 0..DISCARD_ROUNDS {
            match self.events.recv_event_batch(rx, SLOT, Wait::No) {
                Ok(batch) if batch.is_empty() => return,
                Ok(_) | Err(Error::EventsLost) | Err(Error::Truncated) => {}
                Err(_) => return,
            }
        }
    }

    /// Takes the queued notifications (up to [`BATCH`] datagrams per call, without
    /// blocking) and applies them to `state`; `each` hears what changed. `Ok(true)` when
    /// the batch was full, so more may wait; a shorter batch emptied the queue, and what
    /// comes later makes the socket readable again (no empty read to find that out).
    /// [`Error::EventsLost`] means a re-dump is due.
    pub fn take(
        &mut self,
        state: &mut State,
        rules: &Rules,
        rx: &mut [u8],
        mut each: impl FnMut(&State, Change),
    ) -> Result<bool, Error> {
        let batch = self.events.recv_event_batch(rx, SLOT, Wait::No)?;
        for datagram in batch.from_kernel(rx, SLOT) {
            for m in Messages::new(datagram) {
                let Ok(m) = m else { break };
                let change = apply(state, rules, &m);
                each(state, change);
            }
        }
        Ok(batch.len() == BATCH)
    }
}

/// Test only, and only in debug builds (tests/follow_faults.rs; release builds have no
/// trace of it): with `MPTCP_FOLLOW_FAULT=route-dump:PATH` in the environment, every
/// route dump fails with `EIO` while the file PATH exists, as a dump the kernel cut
/// short would.
#[cfg(debug_assertions)]
fn injected_fault() -> Result<(), Error> {
    let path =
        crate::os::sys::getenv(c"MPTCP_FOLLOW_FAULT").and_then(|v| v.strip_prefix(b"route-dump:"));
    match path.and_then(|p| core::str::from_utf8(p).ok()) {
        Some(p) if crate::os::sys::open_read(p).is_ok() => Err(Error::Os(Errno(libc::EIO))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mptcp_follow::{Address, DefaultRoute, Link};
    use nlwire::Message;
    use proptest::prelude::*;
    use rtnl_wire::{Addr, Op, Route};
    use std::net::{IpAddr, Ipv4Addr};

    /// Runs a filter of loads, equality jumps and returns over `datagram`, as the
    /// kernel's classic BPF does: whether it keeps the datagram (a load past the end
    /// drops it).
    fn keeps(prog: &[Insn], datagram: &[u8]) -> bool {
        let (mut pc, mut a) = (0usize, 0u32);
        loop {
            let i = prog[pc];
            match u32::from(i.code) {
                c if c == libc::BPF_LD | libc::BPF_B | libc::BPF_ABS => {
                    let Some(&b) = datagram.get(i.k as usize) else { return false };
                    a = u32::from(b);
                    pc += 1;
                }
                c if c == libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K => {
                    pc += 1 + usize::from(if a == i.k { i.jt } else { i.jf });
                }
                c if c == libc::BPF_RET | libc::BPF_K => return i.k != 0,
                c => panic!("instruction {c:#x} not modelled"),
            }
        }
    }

    fn route_message(buf: &mut [u8], op: Op, r: &Route) -> Vec<u8> {
        r.emit(buf, op, 0, 0).unwrap().to_vec()
    }

    #[test]
    fn the_filter_keeps_default_unicast_routes_and_everything_else() {
        let mut buf = [0u8; 512];
        let default = Route {
            family: AF_INET,
            table: 254,
            route_type: rtn::UNICAST,
            oif: Some(2),
            ..Route::default()
        };
        for op in [Op::New, Op::Del] {
            assert!(keeps(&ROUTE_FILTER, &route_message(&mut buf, op, &default)));
            let v6 = Route { family: AF_INET6, ..default };
            assert!(keeps(&ROUTE_FILTER, &route_message(&mut buf, op, &v6)));
            let prefix = Route { dst_len: 24, dst: Some([10, 0, 0, 0].into()), ..default };
            assert!(!keeps(&ROUTE_FILTER, &route_message(&mut buf, op, &prefix)));
            let local = Route { dst_len: 32, table: 255, route_type: rtn::LOCAL, ..prefix };
            assert!(!keeps(&ROUTE_FILTER, &route_message(&mut buf, op, &local)));
            let blackhole = Route { route_type: rtn::BLACKHOLE, ..default };
            assert!(!keeps(&ROUTE_FILTER, &route_message(&mut buf, op, &blackhole)));
        }
        let addr = Addr { family: AF_INET, prefix_len: 24, ifindex: 2, ..Addr::default() };
        assert!(keeps(&ROUTE_FILTER, addr.emit(&mut buf, Op::New, 0, 0).unwrap()));
        // A link message, a nexthop deletion (type 105), a type above 255, a short datagram.
        for (ty, len) in [(16u16, 32usize), (105, 24), (0x1234, 16), (24, 16)] {
            let mut d = vec![0u8; len];
            d[..4].copy_from_slice(&(len as u32).to_ne_bytes());
            d[4..6].copy_from_slice(&ty.to_ne_bytes());
            assert_eq!(keeps(&ROUTE_FILTER, &d), ty != 24, "type {ty}, {len} bytes");
        }
    }

    proptest! {
        /// Whatever the filter drops, the policy would have ignored: a dropped route
        /// message changes nothing in a state that has the link it names.
        #[test]
        fn what_the_filter_drops_changes_nothing(
            family in prop_oneof![Just(AF_INET), Just(AF_INET6), any::<u8>()],
            dst_len in prop_oneof![Just(0u8), any::<u8>()],
            route_type in prop_oneof![Just(rtn::UNICAST), any::<u8>()],
            table in prop_oneof![Just(254u32), any::<u32>()],
            new in any::<bool>(),
        ) {
            let mut buf = [0u8; 512];
            let r = Route { family, dst_len, route_type, table, oif: Some(2), ..Route::default() };
            let bytes = route_message(&mut buf, if new { Op::New } else { Op::Del }, &r);
            let mut s = Box::new(State::new());
            s.set_link(Link::new(2, "a", Link::UP_WITH_CARRIER)).unwrap();
            s.add_route(DefaultRoute::v4(254, 2)).unwrap();
            let before = s.routes().count();
            let change = apply(&mut s, &Rules::new(), &Message::parse(&bytes).unwrap());
            if !keeps(&ROUTE_FILTER, &bytes) {
                prop_assert_eq!(change, Change::None);
                prop_assert_eq!(s.routes().count(), before);
            }
        }
    }

    #[test]
    fn changes_that_flush_routes_silently_ask_for_a_route_dump() {
        let mut s = Box::new(State::new());
        let ip = IpAddr::from(Ipv4Addr::new(10, 0, 0, 1));
        s.set_link(Link::new(2, "a", Link::UP_WITH_CARRIER)).unwrap();
        s.set_address(Address::new(2, ip, 24, 0)).unwrap();
        s.add_route(DefaultRoute::v4(254, 2)).unwrap();
        assert!(!flushes_routes(&s, Change::Link(2)), "an up link keeps its routes");
        s.remove_address(2, ip, 24);
        assert!(flushes_routes(&s, Change::AddressGone(2, ip, 24)), "its last address");
        assert!(!flushes_routes(&s, Change::AddressGone(3, ip, 24)), "another link's routes");
        s.set_address(Address::new(2, ip, 24, 0)).unwrap();
        let extra = IpAddr::from(Ipv4Addr::new(10, 9, 0, 1));
        assert!(!flushes_routes(&s, Change::AddressGone(2, extra, 32)), "an extra address");
        let v6 = IpAddr::from(core::net::Ipv6Addr::LOCALHOST);
        assert!(!flushes_routes(&s, Change::AddressGone(2, v6, 64)), "IPv6 says what it deletes");
        s.set_link(Link::new(2, "a", 0)).unwrap();
        assert!(flushes_routes(&s, Change::Link(2)));
        assert!(flushes_routes(&s, Change::LinkGone(2)));
        assert!(!flushes_routes(&s, Change::LinkGone(9)), "no route through it");
        assert!(!flushes_routes(&s, Change::Route(Family::V4)));
        assert!(flushes_routes(&s, Change::NexthopGone), "routes through it went silently");
        // Only a nexthop object takes IPv6 routes silently: the rest re-read IPv4 alone.
        assert!(flushes_v6_routes(Change::NexthopGone));
        assert!(!flushes_v6_routes(Change::AddressGone(2, ip, 24)));
        assert!(!flushes_v6_routes(Change::LinkGone(2)));
    }
}
