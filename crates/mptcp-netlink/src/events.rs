//! [`Events`]: the path manager's events, with timeouts, non-blocking mode and `AsFd`.

use core::ops::Range;
use core::time::Duration;

use mptcp_pm_wire::{EVENTS_GROUP, Event, EventAttrs, EventKind, FAMILY_NAME};
use nlsock::{Batch, Conn, EVENT_SLOT, MAX_BATCH, Socket, Wait};
use nlwire::{Message, Messages, NlMsgHdr, align};

use crate::Error;

/// The smallest buffer [`Events`] takes: one event datagram ([`nlsock::EVENT_SLOT`],
/// 4 KiB; an event is under 200 bytes). Each further 4 KiB lets one receive call take
/// one more queued datagram, up to [`EVENTS_BUF`].
pub const MIN_EVENTS_BUF: usize = EVENT_SLOT;

/// A buffer size with which one receive call takes up to 16 queued event datagrams
/// (64 KiB): the size for a busy host.
pub const EVENTS_BUF: usize = EVENT_SLOT * MAX_BATCH;

/// An event copied out of the buffer: its kind and every known attribute as plain
/// data (the raw attributes, unknown ones included, stay with [`Notice::Event`]).
/// What [`Events`] yields as an [`Iterator`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventRecord {
    /// The event type.
    pub kind: EventKind,
    /// Its attributes (`token`, `saddr4`, `sport`, … as [`Event`]'s accessors read them).
    pub fields: EventAttrs,
}

/// The line `ip mptcp monitor` prints, without the interface name (see
/// [`EventLine`](crate::wire::EventLine)).
impl core::fmt::Display for EventRecord {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.fields.line(self.kind).fmt(f)
    }
}

/// What [`Events`] yields as an iterator: an event, or a notice that some were lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// An event of the `mptcp_pm` family.
    Event(EventRecord),
    /// The kernel dropped events (see [`Notice::Lost`]); the iteration goes on.
    Lost,
}

/// What [`Events::next`] found.
#[derive(Debug, Clone, Copy)]
pub enum Notice<'a> {
    /// An event of the `mptcp_pm` family, borrowed from the buffer.
    Event(Event<'a>),
    /// The socket's queue overflowed (`ENOBUFS`) and the kernel dropped events since
    /// the last call. The socket keeps working: keep calling. A daemon that keeps
    /// state should dump it again (e.g. [`PathManager::endpoints`]).
    ///
    /// [`PathManager::endpoints`]: crate::PathManager::endpoints
    Lost,
}

/// A socket subscribed to the `mptcp_pm` events group, and the buffer its events are
/// read into.
///
/// [`Events::next`] yields one event at a time, only of the `mptcp_pm` family, each
/// parsed in place; it waits for ever, up to a timeout, or not at all (non-blocking
/// mode). One receive call takes every queued datagram that fits the buffer, so a
/// burst costs few system calls. With the `std` feature it implements `AsFd` and
/// `AsRawFd` for `poll`, epoll and async runtimes: with tokio, switch on non-blocking
/// mode and register it with `unsafe { AsyncFd::register(events) }` (tokio 1.5x's only
/// constructor; the safety argument is that `Events` owns its socket, never replaces
/// it and closes it only when dropped; see the `tokio-events` example).
///
/// # What listening changes in the kernel
/// While any process on the host listens for `mptcp_pm` events, in any network
/// namespace, the kernel treats the userspace path manager of *every* namespace as
/// active (the events group has a listener, and the kernel checks only that): it then
/// accepts MP_JOINs and echoes ADD_ADDR in namespaces whose path manager would
/// otherwise refuse them. The kernel's own selftests 112, 113 and 115 of
/// `mptcp_join.sh` fail while a monitor runs in another namespace. Close the socket
/// (drop `Events`) when you stop caring.
///
/// ```no_run
/// use std::time::Duration;
/// use mptcp_netlink::{EVENTS_BUF, Events, Notice};
/// # fn main() -> Result<(), mptcp_netlink::Error> {
/// let mut events = Events::open([0u8; EVENTS_BUF])?; // 64 KiB; MIN_EVENTS_BUF (4 KiB) works
/// while let Some(notice) = events.next(Some(Duration::from_secs(10)))? {
///     match notice {
///         Notice::Event(e) => println!("{} token {:08x?}", e.kind(), e.token()),
///         Notice::Lost => eprintln!("events were lost"),
///     }
/// }
/// println!("10 s without an event");
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Events<B> {
    conn: Conn<Socket>,
    family: u16,
    buf: B,
    batch: Batch,
    /// The datagram of `batch` being read, and the offset of its next message.
    datagram: usize,
    at: usize,
    nonblocking: bool,
    timeout: Option<Duration>,
    /// The iterator returned an error: it yields nothing more.
    failed: bool,
}

impl<B: AsMut<[u8]>> Events<B> {
    /// Opens a generic netlink socket in the calling thread's namespace, resolves the
    /// `mptcp_pm` family with it and joins its events group. `buf` must hold at least
    /// [`MIN_EVENTS_BUF`] bytes; [`EVENTS_BUF`] is the most one receive call uses.
    pub fn open(mut buf: B) -> Result<Self, Error> {
        Error::check_len(&mut buf, MIN_EVENTS_BUF)?;
        let mut conn = Conn::new(Socket::generic()?, 0);
        let family = genl::resolve(&mut conn, FAMILY_NAME, buf.as_mut())?;
        let group = family.group(EVENTS_GROUP)?.ok_or(Error::NoEventsGroup)?;
        let id = family.id;
        Self::with_group(conn.into_link(), id, group, buf)
    }

    /// Subscribes `socket` to `group` and reads the events of family id `family`
    /// (as [`PathManager::events`](crate::PathManager::events) does).
    pub fn with_group(socket: Socket, family: u16, group: u32, mut buf: B) -> Result<Self, Error> {
        Error::check_len(&mut buf, MIN_EVENTS_BUF)?;
        socket.join_group(group)?;
        Ok(Events {
            conn: Conn::new(socket, 0),
            family,
            buf,
            batch: Batch::EMPTY,
            datagram: 0,
            at: 0,
            nonblocking: false,
            timeout: None,
            failed: false,
        })
    }

    /// Switches non-blocking mode. In it, [`Events::next`] returns `Ok(None)` at once
    /// when nothing is queued and ignores its timeout: wait for readiness with `poll`,
    /// epoll or an async runtime, then call [`Events::next`] until it returns
    /// `Ok(None)`.
    pub fn set_nonblocking(&mut self, on: bool) -> Result<(), Error> {
        self.conn.link().set_nonblocking(on)?;
        self.nonblocking = on;
        Ok(())
    }

    /// Sets the socket's receive buffer, the kernel-side queue that holds events until
    /// they are read (above `net.core.rmem_max` when privileged). A bigger queue rides
    /// out longer stalls before [`Notice::Lost`]; it is a limit, not an allocation.
    pub fn set_queue_size(&mut self, bytes: u32) -> Result<(), Error> {
        Ok(self.conn.link().set_recv_buffer(bytes)?)
    }

    /// The next event or notice. Blocks until one comes, or for at most `timeout` per
    /// wait (`None`: no limit); `Ok(None)` means the timeout passed, or, in
    /// non-blocking mode, that nothing is queued. Datagrams from other senders and
    /// messages of other families are skipped, and a skip restarts the wait with the
    /// whole `timeout` (a call may so last longer than `timeout` while foreign
    /// datagrams arrive; keep a deadline of your own if that matters). A message that
    /// is not a well-formed event is an error for that message only: the next call
    /// goes on after it.
    pub fn next(&mut self, timeout: Option<Duration>) -> Result<Option<Notice<'_>>, Error> {
        match self.locate(timeout)? {
            Found::Nothing => Ok(None),
            Found::Lost => Ok(Some(Notice::Lost)),
            Found::Message(range) => {
                let bytes = &self.buf.as_mut()[range];
                let msg = Message::parse(bytes)?;
                Ok(Some(Notice::Event(Event::parse(&msg.genl()?)?)))
            }
        }
    }

    /// How long the [`Iterator`] waits for each event before it ends (`None`: no limit,
    /// the default). [`Events::next`] takes its own timeout.
    pub fn set_timeout(&mut self, timeout: Option<Duration>) {
        self.timeout = timeout;
    }

    /// The socket, e.g. for its descriptor.
    pub fn socket(&self) -> &Socket {
        self.conn.link()
    }

    /// Finds the next message of our family, receiving when the batch is used up.
    fn locate(&mut self, timeout: Option<Duration>) -> Result<Found, Error> {
        loop {
            if let Some(range) = self.next_in_batch() {
                return Ok(Found::Message(range));
            }
            if let (false, Some(t)) = (self.nonblocking, timeout)
                && !self.conn.link().wait_readable(Some(t))?
            {
                return Ok(Found::Nothing);
            }
            let wait = if self.nonblocking { Wait::No } else { Wait::ForOne };
            let buf = self.buf.as_mut();
            let slot = EVENT_SLOT.min(buf.len());
            match self.conn.recv_event_batch(buf, slot, wait) {
                Ok(batch) if batch.is_empty() => return Ok(Found::Nothing),
                Ok(batch) => {
                    self.batch = batch;
                    self.datagram = 0;
                    self.at = 0;
                }
                Err(nlsock::Error::EventsLost) => return Ok(Found::Lost),
                Err(nlsock::Error::WouldBlock) => return Ok(Found::Nothing),
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// The byte range of the next message of our family in the current batch.
    fn next_in_batch(&mut self) -> Option<Range<usize>> {
        let buf = self.buf.as_mut();
        let slot = EVENT_SLOT.min(buf.len());
        while let Some(d) = self.batch.datagrams().get(self.datagram) {
            let start = self.datagram * slot;
            let end = start + d.len.min(slot);
            let rest = buf.get(start + self.at..end).unwrap_or(&[]);
            let msg = match (d.sender, Messages::new(rest).next()) {
                (0, Some(Ok(m))) => m,
                // Another sender, the end of the datagram, or a malformed rest: next one.
                _ => {
                    self.datagram += 1;
                    self.at = 0;
                    continue;
                }
            };
            let len = NlMsgHdr::LEN + msg.payload().len();
            let from = start + self.at;
            self.at += align(len);
            if msg.kind() == self.family {
                return Some(from..from + len);
            }
        }
        None
    }
}

/// The events as an iterator of plain values: `for r in &mut events { match r? { … } }`.
/// It ends when no event came within [`Events::set_timeout`] (or, in non-blocking mode,
/// when nothing is queued), and after the first error; lost events are
/// [`Received::Lost`], not an end. Use [`Events::next`] for the zero-copy view with the
/// raw attributes.
impl<B: AsMut<[u8]>> Iterator for Events<B> {
    type Item = Result<Received, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let timeout = self.timeout;
        match Events::next(self, timeout) {
            Ok(Some(Notice::Event(e))) => {
                Some(Ok(Received::Event(EventRecord { kind: e.kind(), fields: *e.fields() })))
            }
            Ok(Some(Notice::Lost)) => Some(Ok(Received::Lost)),
            Ok(None) => None,
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

/// What [`Events::locate`] found.
enum Found {
    Nothing,
    Lost,
    Message(Range<usize>),
}

#[cfg(feature = "std")]
mod fd {
    use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

    use super::Events;

    impl<B> AsRawFd for Events<B> {
        fn as_raw_fd(&self) -> RawFd {
            self.conn.link().as_raw_fd()
        }
    }

    impl<B> AsFd for Events<B> {
        fn as_fd(&self) -> BorrowedFd<'_> {
            self.conn.link().as_fd()
        }
    }
}
