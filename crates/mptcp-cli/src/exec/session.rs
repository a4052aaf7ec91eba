//! The connection to the kernel's MPTCP path manager: one generic netlink socket,
//! resolved once and reused by every command of a batch.

use crate::os::sys::{Lock, LockGuard};
use core::ops::Range;

use nlsock::{Answer, Batch, Conn, EVENT_SLOT, Error, IfName, MAX_BATCH, Socket, Wait};

use crate::args::ifname::{self, Interfaces};
use crate::prelude::*;
use crate::print::fail::{Exit, fatal};

/// Family name of the MPTCP path manager.
pub const FAMILY: &str = "mptcp_pm";
/// Multicast group of its events.
pub const EVENTS: &str = "mptcp_pm_events";

/// One open socket with the family resolved, and the receive buffer.
pub struct Session {
    /// The exchange layer over the socket.
    pub conn: Conn<Socket>,
    /// The `mptcp_pm` family id.
    pub family: u16,
    /// The `mptcp_pm_events` group id, when the kernel has it.
    pub events_group: Option<u32>,
    /// Receive buffer: any single datagram fits.
    pub rx: LockGuard<'static, [u8; nlsock::RECV_BUF]>,
    /// Requests a batch sent ahead, oldest first: (batch line, sequence number); those
    /// before `prefetched_next` are answered. A vector and an index, not a `VecDeque`:
    /// the ring's growth code was 150 bytes of the static binary, for a queue
    /// that is filled once and then drained.
    prefetched: Vec<(usize, u32)>,
    prefetched_next: usize,
    /// Their answers, taken several per system call: datagram `i` of `answers` sits at
    /// `i * EVENT_SLOT` of `answers_rx` (allocated by the first batch that sends ahead).
    answers_rx: Vec<u8>,
    answers: Batch,
    /// The first datagram of `answers` not used yet.
    answers_next: usize,
    /// The batch line running now, when a batch runs.
    line: Option<usize>,
}

/// The one session's receive buffer, in zeroed static memory: the pages the kernel never
/// writes are never touched (a stack array is zeroed, and copied when the session
/// moves: 32 KiB, 8 page faults each time), and no heap is needed.
static RX: Lock<[u8; nlsock::RECV_BUF]> = Lock::new([0; nlsock::RECV_BUF]);

impl Session {
    /// Opens the socket and resolves the family with one GETFAMILY request.
    pub fn open(plain: bool) -> Result<Self, Exit> {
        let socket =
            Socket::generic().map_err(|_| fatal(1, "Cannot open generic netlink socket"))?;
        // The socket is new, so no reply to another process's request can reach it:
        // numbering from 1, as `mptcp-netlink` does, is enough (iproute2 starts from the
        // time, which costs a clock read at start-up).
        let mut conn = Conn::new(socket, 0);
        let mut rx = RX.try_lock().ok_or_else(|| fatal(1, "mptcp: a second session was opened"))?;
        let (family, events_group) = match genl::resolve(&mut conn, FAMILY, &mut rx[..]) {
            Ok(f) => (f.id, f.group(EVENTS).ok().flatten()),
            Err(genl::ResolveError::NotFound) if plain => {
                return Err(fatal(
                    1,
                    "mptcp: the kernel has no MPTCP path manager \
                     (MPTCP is not built in or not enabled)",
                ));
            }
            Err(genl::ResolveError::NotFound) => {
                return Err(fatal(
                    1,
                    "RTNETLINK answers: No such file or directory\nError talking to the kernel",
                ));
            }
            Err(genl::ResolveError::Transport(Error::Kernel(k))) => {
                return Err(fatal(1, format_args!("RTNETLINK answers: {}", k.errno())));
            }
            Err(e) => return Err(fatal(1, format_args!("Error talking to the kernel: {e}"))),
        };
        Ok(Session {
            conn,
            family,
            events_group,
            rx,
            prefetched: Vec::new(),
            prefetched_next: 0,
            answers_rx: Vec::new(),
            answers: Batch::EMPTY,
            answers_next: 0,
            line: None,
        })
    }

    /// Sends the requests of later batch lines now, in one datagram: `requests` holds
    /// them back to back, one per entry of `lines` (`seqs`, as long, is scratch space).
    /// Their answers wait in the socket until each line runs and asks for its answer
    /// through [`Session::ack`] or [`Session::request`].
    pub fn send_ahead(
        &mut self,
        lines: &[usize],
        requests: &mut [u8],
        seqs: &mut [u32],
    ) -> Result<(), Error> {
        let n = self.conn.send_many(requests, seqs)?;
        // One push per request: `extend` from the zipped iterator reserved, then copied
        // into the ring's two halves, three times the code for at most 16 entries.
        for (&line, &seq) in lines.iter().zip(seqs.iter()).take(n) {
            self.prefetched.push((line, seq));
        }
        Ok(())
    }

    /// Whether requests sent ahead still wait for their lines.
    pub fn has_sent_ahead(&self) -> bool {
        self.prefetched_next < self.prefetched.len()
    }

    /// Marks which batch line runs next (`None` outside a batch).
    pub fn set_line(&mut self, line: Option<usize>) {
        self.line = line;
    }

    /// The sequence number of this line's request if it was sent ahead. A line that
    /// asks out of turn (it should not happen) drops what was sent ahead: those answers
    /// are skipped by their sequence numbers.
    fn sent_ahead(&mut self) -> Option<u32> {
        match self.prefetched.get(self.prefetched_next) {
            Some(&(line, seq)) if Some(line) == self.line => {
                self.prefetched_next += 1;
                if !self.has_sent_ahead() {
                    self.prefetched.clear();
                    self.prefetched_next = 0;
                }
                Some(seq)
            }
            Some(_) => {
                self.prefetched.clear();
                self.prefetched_next = 0;
                None
            }
            None => None,
        }
    }

    /// Sends `request` and waits for its ACK, or only waits if it was sent ahead.
    pub fn ack(&mut self, request: &mut [u8]) -> Result<(), Error> {
        let Some(seq) = self.sent_ahead() else {
            return self.conn.ack(request, &mut self.rx[..]);
        };
        let at = self.answer_ahead(seq, false)?;
        match nlsock::answer_in(self.answered(at), seq, false)? {
            Answer::Failed(e) => Err(Error::Kernel(e)),
            _ => Ok(()),
        }
    }

    /// Sends `request` and waits for its reply, or only waits if it was sent ahead.
    pub fn request(&mut self, request: &mut [u8]) -> Result<nlwire::Message<'_>, Error> {
        let Some(seq) = self.sent_ahead() else {
            return self.conn.request(request, &mut self.rx[..]);
        };
        let at = self.answer_ahead(seq, true)?;
        match nlsock::answer_in(self.answered(at), seq, true)? {
            Answer::Reply(m) => Ok(m),
            Answer::Failed(e) => Err(Error::Kernel(e)),
            _ => Err(Error::NoReply),
        }
    }

    /// The bytes of `answers_rx` at `at` (a range [`Session::answer_ahead`] made, always
    /// inside it).
    fn answered(&self, at: Range<usize>) -> &[u8] {
        self.answers_rx.get(at).unwrap_or_default()
    }

    /// Where, in `answers_rx`, the datagram answering request `seq` (sent ahead) is.
    /// The kernel answered the whole group while it took the datagram, so one
    /// `recvmmsg` takes up to 16 answers; datagrams answering nothing are skipped.
    fn answer_ahead(&mut self, seq: u32, want_reply: bool) -> Result<Range<usize>, Error> {
        if self.answers_rx.is_empty() {
            self.answers_rx = vec![0; EVENT_SLOT * MAX_BATCH];
        }
        loop {
            let kernel = self.answers.datagrams().iter().enumerate().skip(self.answers_next);
            for (i, d) in kernel.filter(|(_, d)| d.sender == 0) {
                let at = i * EVENT_SLOT..i * EVENT_SLOT + d.len.min(EVENT_SLOT);
                let found = nlsock::answer_in(self.answered(at.clone()), seq, want_reply)?;
                if !matches!(found, Answer::Nothing) {
                    self.answers_next = i + 1;
                    return Ok(at);
                }
            }
            self.answers =
                self.conn.recv_event_batch(&mut self.answers_rx, EVENT_SLOT, Wait::ForOne)?;
            self.answers_next = 0;
        }
    }

    /// Interface index of `name` in the session's namespace as iproute2's
    /// `ll_name_to_index` finds it: the link of that name (alternative names included),
    /// else `if<N>` read as `sscanf("if%u")` does ([`ifname::if_number`]); 0 when unknown.
    /// The name is bytes, looked up as typed.
    pub fn ifindex(&self, name: &[u8]) -> u32 {
        match self.conn.link().ifindex(name) {
            Ok(i) if i > 0 => i as u32,
            _ => ifname::if_number(name).unwrap_or(0),
        }
    }
}

pub use crate::print::label::IfLabel;

/// How many interface names an [`IfNames`] keeps.
const IFNAMES_KEPT: usize = 8;

/// Interface names by index, each asked of the kernel (`SIOCGIFNAME`) once: a dump or a
/// batch of events costs one system call per interface, however many entries name it.
/// Keep one for a single dump or batch, so that a renamed interface shows its new name
/// in the next.
#[derive(Default)]
pub struct IfNames {
    known: [(u32, Option<IfName>); IFNAMES_KEPT],
    len: usize,
    next: usize,
}

impl IfNames {
    /// The name of interface `index` as the kernel keeps it (bytes), or iproute2's
    /// `if<N>` when it has none.
    pub fn get(&mut self, socket: &Socket, index: u32) -> IfLabel {
        let known = self.known.iter().take(self.len).find(|(i, _)| *i == index);
        let name = match known {
            Some(&(_, name)) => name,
            None => {
                let name = socket.ifname(index as i32).ok().filter(|n| !n.as_bytes().is_empty());
                self.remember(index, name);
                name
            }
        };
        match name {
            Some(n) => IfLabel::name(&n),
            None => IfLabel::number(index),
        }
    }

    /// Forgets every name.
    pub fn clear(&mut self) {
        self.len = 0;
        self.next = 0;
    }

    fn remember(&mut self, index: u32, name: Option<IfName>) {
        if let Some(slot) = self.known.get_mut(self.next) {
            *slot = (index, name);
        }
        self.next = (self.next + 1) % IFNAMES_KEPT;
        self.len = (self.len + 1).min(IFNAMES_KEPT);
    }
}

impl Interfaces for Session {
    fn index_of(&mut self, name: &[u8]) -> u32 {
        self.ifindex(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_names_ask_once_per_interface_and_keep_the_last_eight() {
        let socket = Socket::generic().unwrap();
        let mut names = IfNames::default();
        assert_eq!(names.get(&socket, 1).as_bytes(), b"lo");
        assert_eq!(names.get(&socket, 999_999).as_bytes(), b"if999999");
        assert_eq!(names.len, 2);
        assert_eq!((names.get(&socket, 1).as_bytes(), names.len), (&b"lo"[..], 2));
        for i in 0..7 {
            names.remember(100 + i, None);
        }
        assert_eq!((names.len, names.known.iter().any(|&(i, _)| i == 1)), (8, false));
        names.clear();
        assert_eq!(names.len, 0);
    }
}
