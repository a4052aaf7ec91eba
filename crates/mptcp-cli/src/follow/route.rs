//! The namespace's links, addresses and default routes, from route netlink: one socket
//! subscribed to their changes, one for dumps, both feeding a [`State`].

use mptcp_follow::State;
use mptcp_follow::rtnl::{Change, apply};
use nlsock::{Conn, Errno, Error, Socket, Wait};
use nlwire::Messages;
use nlwire::consts::NETLINK_ROUTE;
use rtnl_wire::Object;
use rtnl_wire::consts::{AF_INET, AF_INET6, AF_UNSPEC, group};

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
