//! The namespace's links, addresses and default routes, from route netlink: one socket
//! subscribed to their changes, one for dumps, both feeding a [`State`].

use std::net::IpAddr;

use mptcp_follow::{Address, DefaultRoute, Family, Link, State};
use nlsock::{Conn, Errno, Error, Socket, Wait};
use nlwire::Messages;
use nlwire::consts::NETLINK_ROUTE;
use rtnl_wire::consts::{AF_INET, AF_INET6, AF_UNSPEC, group, rtn};
use rtnl_wire::{Object, Op, RtMessage};

/// Receive-buffer slot per datagram: a link message with every attribute stays well
/// under this; a longer one is reported as truncated and answered by a re-dump.
pub const SLOT: usize = 8192;
/// Datagrams one receive call takes.
pub const BATCH: usize = nlsock::MAX_BATCH;
/// The kernel-side queue asked for (the kernel grants twice this to root): about
/// 20,000 notifications, so that a burst during a slow request is never lost.
const QUEUE: u32 = 8 << 20;

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
    /// Nothing the policy reads.
    None,
}

/// The two route-netlink sockets.
pub struct Routes {
    events: Conn<Socket>,
    dumps: Conn<Socket>,
}

impl Routes {
    /// Opens both sockets in the calling thread's namespace; the events socket joins the
    /// link, IPv4/IPv6 address and IPv4/IPv6 route groups before anything is dumped, so
    /// no change between the dump and the first notification is missed.
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
            ] {
                events.join_group(g)?;
            }
        }
        let dumps = Socket::open(NETLINK_ROUTE)?;
        dumps.set_ext_ack(true)?;
        Ok(Routes { events: Conn::new(events, 0), dumps: Conn::new(dumps, 0) })
    }

    /// The events socket's descriptor, for `poll`.
    pub fn fd(&self) -> i32 {
        self.events.link().fd()
    }

    /// Forgets `state` and reads links, addresses and routes afresh.
    pub fn dump_all(&mut self, state: &mut State, rx: &mut [u8]) -> Result<(), Error> {
        state.clear();
        for (object, family) in [
            (Object::Link, AF_UNSPEC),
            (Object::Addr, AF_UNSPEC),
            (Object::Route, AF_INET),
            (Object::Route, AF_INET6),
        ] {
            let mut req = [0u8; rtnl_wire::DUMP_REQUEST_LEN];
            let len = rtnl_wire::dump_request(&mut req, object, family, 0)
                .map_err(|_| Error::Malformed(nlwire::Error::NoRoom))?
                .len();
            let mut dump = self.dumps.start_dump(&mut req[..len], rx)?;
            while let Some(m) = dump.next_message() {
                apply(state, &m?);
            }
        }
        Ok(())
    }

    /// Takes every queued notification (up to [`BATCH`] datagrams per call, without
    /// blocking) and applies it to `state`; `each` hears what changed. `Ok(false)` when
    /// nothing was queued. [`Error::EventsLost`] means a re-dump is due.
    pub fn take(
        &mut self,
        state: &mut State,
        rx: &mut [u8],
        mut each: impl FnMut(&State, Change),
    ) -> Result<bool, Error> {
        let batch = self.events.recv_event_batch(rx, SLOT, Wait::No)?;
        for datagram in batch.from_kernel(rx, SLOT) {
            for m in Messages::new(datagram) {
                let Ok(m) = m else { break };
                let change = apply(state, &m);
                each(state, change);
            }
        }
        Ok(!batch.is_empty())
    }
}

/// Applies one route-netlink message to `state`. A full table drops the newcomer (the
/// limits are stated in `mptcp_follow`); malformed messages change nothing.
pub fn apply(state: &mut State, m: &nlwire::Message<'_>) -> Change {
    let Ok(msg) = RtMessage::parse(m) else { return Change::None };
    match msg {
        RtMessage::Link(l) => {
            let Ok(index) = u32::try_from(l.index()) else { return Change::None };
            if l.op() == Op::Del {
                state.remove_link(index);
                return Change::LinkGone(index);
            }
            let name = l.name().unwrap_or("");
            let _ = state.set_link(Link::new(index, name, l.flags()));
            Change::Link(index)
        }
        RtMessage::Addr(a) => {
            let Some(ip) = a.address() else { return Change::None };
            if a.op() == Op::Del {
                state.remove_address(a.ifindex(), ip);
                return Change::AddressGone(a.ifindex(), ip);
            }
            let _ = state.set_address(Address::new(a.ifindex(), ip, a.prefix_len(), a.flags()));
            Change::AddressUp(a.ifindex(), ip)
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
                let _ = state.add_route(route);
            }
            Change::Route(family)
        }
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
