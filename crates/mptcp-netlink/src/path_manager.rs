//! [`PathManager`]: one call per `mptcp_pm` request, over a buffer the caller owns.

use core::fmt;
use mptcp_pm_wire::{
    EVENTS_GROUP, Endpoint, EndpointFlags, FAMILY_NAME, Limits, MAX_REQUEST_LEN, Request,
};
use nlsock::{Conn, Dump, Socket};

use nlwire::Message;

use crate::{Endpoints, Error, Events};

/// The smallest buffer [`PathManager`] takes: one reply or dump datagram
/// ([`nlsock::MIN_RECV_BUF`], 8 KiB). [`RECV_BUF`](crate::RECV_BUF) (32 KiB) lets long
/// dumps take fewer system calls.
pub const MIN_BUF: usize = nlsock::MIN_RECV_BUF;

/// A connection to the kernel's MPTCP path manager in one network namespace (the one
/// the socket was opened in).
///
/// Each method sends one request, writes the sequence number itself, and waits for
/// the answer: an acknowledgement, a reply or a whole dump. Requests are built on the
/// stack ([`MAX_REQUEST_LEN`] bytes); replies are read into `B`, the buffer you give
/// to [`PathManager::open`]: `[u8; N]`, `&mut [u8]`, `Vec<u8>` or anything
/// `AsMut<[u8]>` of at least [`MIN_BUF`] bytes. Nothing allocates.
///
/// Replies and events do not share a socket: events come from [`PathManager::events`].
///
/// # In an event loop or an async runtime
/// Each method above blocks until the kernel has answered. Know where the time goes:
/// the kernel runs a request *inside the `sendmsg` call* that sends it, and its answer
/// is queued before that call returns. Most requests take microseconds; an endpoint
/// delete waits there for an RCU grace period (8-16 ms measured on Linux 6.18). So:
/// - [`PathManager::send`] then [`PathManager::try_ack`] / [`PathManager::try_reply`]
///   split a request from its answer for a poll loop or a reactor (the socket is
///   [`AsFd`](std::os::fd::AsFd) with the `std` feature): the reading never waits.
/// - To keep an executor free during deletes too, hand the requests to a [`Worker`]
///   (feature `std`): its thread makes the calls and its descriptor turns readable
///   when an answer is there. The `tokio-pm` example in the repository measures both.
///
/// [`Worker`]: crate::Worker
///
/// ```no_run
/// use mptcp_netlink::{Endpoint, EndpointFlags, Limits, PathManager, RECV_BUF};
/// # fn main() -> Result<(), mptcp_netlink::Error> {
/// let mut pm = PathManager::open([0u8; RECV_BUF])?;
/// pm.set_limits(Limits { subflows: Some(2), rcv_add_addrs: Some(2) })?;
/// let ip = core::net::Ipv4Addr::new(10, 0, 2, 1);
/// pm.add_endpoint(&Endpoint { flags: EndpointFlags::SUBFLOW, ..Endpoint::with_addr(ip) })?;
/// for e in pm.endpoints()? {
///     println!("{}", e?);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct PathManager<B> {
    pub(crate) conn: Conn<Socket>,
    pub(crate) family: u16,
    events_group: Option<u32>,
    pub(crate) buf: B,
}

impl<B: AsMut<[u8]>> PathManager<B> {
    /// Opens a generic netlink socket in the calling thread's network namespace and
    /// resolves the `mptcp_pm` family (one request). `buf` receives every reply and
    /// must hold at least [`MIN_BUF`] bytes.
    pub fn open(buf: B) -> Result<Self, Error> {
        Self::with_socket(Socket::generic()?, buf)
    }

    /// [`PathManager::open`] over a socket you opened, e.g. after
    /// [`enter_netns`](crate::enter_netns) or with your own options. It should have
    /// extended acks on ([`Socket::generic`] does that).
    pub fn with_socket(socket: Socket, mut buf: B) -> Result<Self, Error> {
        Error::check_len(&mut buf, MIN_BUF)?;
        let mut conn = Conn::new(socket, 0);
        let family = genl::resolve(&mut conn, FAMILY_NAME, buf.as_mut())?;
        let events_group = family.group(EVENTS_GROUP)?;
        let family = family.id;
        Ok(PathManager { conn, family, events_group, buf })
    }

    /// The `mptcp_pm` family id in this kernel (the netlink message type of its
    /// messages).
    pub fn family(&self) -> u16 {
        self.family
    }

    /// The events multicast group's id, if the kernel has one.
    pub fn events_group(&self) -> Option<u32> {
        self.events_group
    }

    /// Opens a second socket in the same namespace that receives the path manager's
    /// events, read into `buf` (see [`Events`] for its size).
    pub fn events<E: AsMut<[u8]>>(&self, buf: E) -> Result<Events<E>, Error> {
        let group = self.events_group.ok_or(Error::NoEventsGroup)?;
        Events::with_group(Socket::generic()?, self.family, group, buf)
    }

    /// The per-namespace limits (GET_LIMITS).
    pub fn limits(&mut self) -> Result<Limits, Error> {
        let msg = self.request(&Request::GetLimits(Limits::default()))?;
        Ok(Limits::from_message(&msg.genl()?)?)
    }

    /// Sets the limits that are `Some` and keeps the others (SET_LIMITS). Each is at
    /// most 8 on current kernels: more is refused with "limit greater than maximum".
    pub fn set_limits(&mut self, limits: Limits) -> Result<(), Error> {
        self.ack(&Request::SetLimits(limits))
    }

    /// Adds an endpoint (ADD_ADDR), like `ip mptcp endpoint add`. The address is
    /// required; no id lets the kernel pick one; a `port` needs exactly
    /// [`EndpointFlags::SIGNAL`] and an address of this host.
    pub fn add_endpoint(&mut self, endpoint: &Endpoint) -> Result<(), Error> {
        self.ack(&Request::AddAddr(*endpoint))
    }

    /// Deletes the endpoint with this id (DEL_ADDR). Id 0, the address of each
    /// connection's first subflow, also needs its address: send
    /// [`Request::DelAddr`] through [`PathManager::ack`] for that.
    pub fn delete_endpoint(&mut self, id: u8) -> Result<(), Error> {
        self.ack(&Request::DelAddr(Endpoint::with_id(id)))
    }

    /// Changes an endpoint's `backup` and `fullmesh` flags (SET_FLAGS), found by its id
    /// or, without one, by its address; the flags become exactly those given.
    pub fn change_endpoint(&mut self, endpoint: &Endpoint) -> Result<(), Error> {
        self.ack(&Request::SetFlags(*endpoint))
    }

    /// Deletes every endpoint (FLUSH_ADDRS).
    pub fn flush_endpoints(&mut self) -> Result<(), Error> {
        self.ack(&Request::FlushAddrs)
    }

    /// The endpoint with this id (GET_ADDR); the kernel answers `ENOENT`
    /// ([`Error::Kernel`]) when there is none.
    pub fn endpoint(&mut self, id: u8) -> Result<Endpoint, Error> {
        self.get_endpoint(&Request::GetAddr(Endpoint::with_id(id)))
    }

    /// Every endpoint, by ascending id (a GET_ADDR dump). The iterator yields each as
    /// it is read, may be dropped early (the rest of the dump is then read and
    /// dropped), and ends after its first error.
    pub fn endpoints(&mut self) -> Result<Endpoints<'_>, Error> {
        self.dump(&Request::DumpAddrs).map(Endpoints::new)
    }

    /// Userspace PM: announces a local address to connection `token` (ANNOUNCE). The
    /// endpoint needs an address and a non-zero id; it is announced as `signal`.
    pub fn announce(&mut self, token: u32, addr: &Endpoint) -> Result<(), Error> {
        let mut addr = *addr;
        addr.flags |= EndpointFlags::SIGNAL;
        self.ack(&Request::Announce { token, addr })
    }

    /// Userspace PM: withdraws the address with local id `loc_id` from connection
    /// `token` (REMOVE) and closes its subflows.
    pub fn remove_address(&mut self, token: u32, loc_id: u8) -> Result<(), Error> {
        self.ack(&Request::Remove { token, loc_id })
    }

    /// Userspace PM: opens a subflow of connection `token` from `local` (an address,
    /// optionally an id, an interface, [`EndpointFlags::BACKUP`]) to `remote` (an
    /// address and a port), SUBFLOW_CREATE. Both must be of one family.
    pub fn create_subflow(
        &mut self,
        token: u32,
        local: &Endpoint,
        remote: &Endpoint,
    ) -> Result<(), Error> {
        self.ack(&Request::SubflowCreate { token, local: *local, remote: *remote })
    }

    /// Userspace PM: closes the subflow of connection `token` between `local` and
    /// `remote`, each an address with a non-zero port (SUBFLOW_DESTROY).
    pub fn destroy_subflow(
        &mut self,
        token: u32,
        local: &Endpoint,
        remote: &Endpoint,
    ) -> Result<(), Error> {
        self.ack(&Request::SubflowDestroy { token, local: *local, remote: *remote })
    }

    /// Userspace PM: marks the subflow of connection `token` between `local` and
    /// `remote` as backup or not (SET_FLAGS with a token). `remote`'s port narrows the
    /// match when non-zero.
    pub fn set_subflow_backup(
        &mut self,
        token: u32,
        local: &Endpoint,
        remote: &Endpoint,
        backup: bool,
    ) -> Result<(), Error> {
        let mut local = *local;
        local.flags.set(EndpointFlags::BACKUP, backup);
        self.ack(&Request::SetFlagsToken { token, local, remote: *remote })
    }

    /// Userspace PM: the addresses connection `token` announced (a GET_ADDR dump with
    /// a token). Same iterator as [`PathManager::endpoints`].
    pub fn connection_endpoints(&mut self, token: u32) -> Result<Endpoints<'_>, Error> {
        self.dump(&Request::DumpAddrsToken { token }).map(Endpoints::new)
    }

    /// Sends any request that is answered by an acknowledgement and waits for it.
    pub fn ack(&mut self, request: &Request) -> Result<(), Error> {
        let mut tx = [0u8; MAX_REQUEST_LEN];
        let req = request.emit(&mut tx, self.family, 0)?;
        Ok(self.conn.ack(req, self.buf.as_mut())?)
    }

    /// Sends a GET request and returns the reply's message, borrowed from the buffer.
    pub fn request(&mut self, request: &Request) -> Result<Message<'_>, Error> {
        let mut tx = [0u8; MAX_REQUEST_LEN];
        let req = request.emit(&mut tx, self.family, 0)?;
        Ok(self.conn.request(req, self.buf.as_mut())?)
    }

    /// Sends a dump request and returns the dump, read message by message into the
    /// buffer; read each with [`nlsock::Dump::next_message`].
    pub fn dump(&mut self, request: &Request) -> Result<Dump<'_, Socket>, Error> {
        let mut tx = [0u8; MAX_REQUEST_LEN];
        let req = request.emit(&mut tx, self.family, 0)?;
        Ok(self.conn.start_dump(req, self.buf.as_mut())?)
    }

    /// The index of interface `name` in this path manager's namespace, for
    /// [`Endpoint::ifindex`] (`ip mptcp endpoint add ADDR dev NAME`): `ENODEV`
    /// ([`Error::Os`]) when there is none.
    ///
    /// ```no_run
    /// use mptcp_netlink::{Endpoint, PathManager, RECV_BUF};
    /// # fn main() -> Result<(), mptcp_netlink::Error> {
    /// let mut pm = PathManager::open([0u8; RECV_BUF])?;
    /// let ip = core::net::Ipv4Addr::new(10, 0, 2, 1);
    /// pm.add_endpoint(&Endpoint { ifindex: pm.ifindex("eth1")?, ..Endpoint::with_addr(ip) })?;
    /// let e = pm.endpoint(1)?;
    /// println!("{}", pm.named(&e)); // 10.0.2.1 id 1 dev eth1
    /// # Ok(()) }
    /// ```
    pub fn ifindex(&self, name: &str) -> Result<i32, Error> {
        Ok(self.conn.link().ifindex(name)?)
    }

    /// `endpoint` as iproute2 prints it, with its interface by name (`dev eth1`, read
    /// from the kernel when printed) instead of [`Endpoint`]'s own `dev if3`. An index
    /// without an interface prints as `dev if3`, as `ip` does.
    pub fn named<'e>(&'e self, endpoint: &'e Endpoint) -> Named<'e> {
        Named { socket: self.conn.link(), endpoint }
    }

    /// The socket, for interface names and indexes ([`Socket::ifname`],
    /// [`Socket::ifindex`]) and options.
    pub fn socket(&self) -> &Socket {
        self.conn.link()
    }

    /// The connection underneath, for requests this type has no method for.
    pub fn conn_mut(&mut self) -> &mut Conn<Socket> {
        &mut self.conn
    }

    pub(crate) fn get_endpoint(&mut self, request: &Request) -> Result<Endpoint, Error> {
        let msg = self.request(request)?;
        let found = Endpoint::from_message(&msg.genl()?)?;
        found.ok_or(Error::Message(mptcp_pm_wire::Error::MissingAttr(
            mptcp_pm_wire::consts::attr::ADDR,
        )))
    }
}

/// An endpoint printed with its interface's name, from [`PathManager::named`]: the
/// line of `ip mptcp endpoint show` without its trailing space.
#[derive(Debug, Clone, Copy)]
pub struct Named<'e> {
    socket: &'e Socket,
    endpoint: &'e Endpoint,
}

impl fmt::Display for Named<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.endpoint;
        if e.ifindex == 0 {
            return e.fmt(f);
        }
        Endpoint { ifindex: 0, ..*e }.fmt(f)?;
        let sep = if e.addr.is_some() || e.id.is_some() || e.port != 0 || !e.flags.is_empty() {
            " "
        } else {
            ""
        };
        match self.socket.ifname(e.ifindex) {
            Ok(name) => write!(f, "{sep}dev {name}"),
            Err(_) => write!(f, "{sep}dev if{}", e.ifindex),
        }
    }
}

#[cfg(feature = "std")]
mod fd {
    use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

    use super::PathManager;

    impl<B> AsRawFd for PathManager<B> {
        fn as_raw_fd(&self) -> RawFd {
            self.conn.link().as_raw_fd()
        }
    }

    impl<B> AsFd for PathManager<B> {
        fn as_fd(&self) -> BorrowedFd<'_> {
            self.conn.link().as_fd()
        }
    }
}
