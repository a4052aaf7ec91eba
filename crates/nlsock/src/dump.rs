//! [`Dump`]: a dump read one message at a time, which the caller may stop early.

use nlwire::consts::NLM_F_DUMP_INTR;
use nlwire::control::Control;
use nlwire::{Message, Messages, NlMsgHdr, align};

use crate::{Conn, Error, KernelError, Link};

/// Where a dump stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// More messages may come.
    Running,
    /// `NLMSG_DONE` (or the dump's error) was read: nothing more is queued for it.
    Finished,
    /// A receive or parse failed: the rest of the dump is drained on drop.
    Failed,
}

/// A dump in progress, from [`Conn::start_dump`]: [`Dump::next_message`] hands out each
/// data message, receiving the next datagram into the caller's buffer when the current
/// one is used up.
///
/// It may be dropped before the end: the kernel runs one dump per socket at a time
/// (another dump request would fail with `EBUSY`), so dropping a dump that has not
/// reached `NLMSG_DONE` reads and discards the rest of it first. After the first error
/// it yields nothing more.
#[derive(Debug)]
pub struct Dump<'c, L: Link> {
    conn: &'c mut Conn<L>,
    rx: &'c mut [u8],
    seq: u32,
    at: usize,
    len: usize,
    state: State,
    interrupted: bool,
}

impl<L: Link> Conn<L> {
    /// Sends a dump request (it should carry `NLM_F_DUMP`) and returns the [`Dump`],
    /// which receives into `rx`. `rx` must hold one datagram: the kernel sizes dump
    /// datagrams to the receive buffer it last saw, at least one page and at most
    /// 32 KiB, so [`crate::MIN_RECV_BUF`] always works and [`crate::RECV_BUF`] takes the
    /// fewest system calls. A datagram longer than `rx` is [`Error::Truncated`].
    pub fn start_dump<'c>(
        &'c mut self,
        request: &mut [u8],
        rx: &'c mut [u8],
    ) -> Result<Dump<'c, L>, Error> {
        let seq = self.send(request)?;
        Ok(Dump { conn: self, rx, seq, at: 0, len: 0, state: State::Running, interrupted: false })
    }
}

impl<L: Link> Dump<'_, L> {
    /// The next data message of the dump; `None` after `NLMSG_DONE`. A dump error (in
    /// `NLMSG_ERROR` or in `NLMSG_DONE`, with its extended ack) is returned once, as
    /// [`Error::Kernel`], and ends the dump.
    pub fn next_message(&mut self) -> Option<Result<Message<'_>, Error>> {
        if self.state != State::Running {
            return None;
        }
        match self.advance() {
            Ok(Some((start, len))) => Some(
                Message::parse(self.rx.get(start..start + len).unwrap_or_default()).map_err(|e| {
                    self.state = State::Failed;
                    Error::Malformed(e)
                }),
            ),
            Ok(None) => None,
            Err(e) => {
                if self.state == State::Running {
                    self.state = State::Failed;
                }
                Some(Err(e))
            }
        }
    }

    /// The link the dump reads from: a dump printer can ask the same socket for an
    /// interface name between two messages, as [`Conn::dump_with_link`] lends it.
    pub fn link(&self) -> &L {
        self.conn.link()
    }

    /// Whether the kernel flagged any message so far as interrupted
    /// (`NLM_F_DUMP_INTR`): the table changed during the dump, which may be
    /// inconsistent. Read it after the last message.
    pub fn is_interrupted(&self) -> bool {
        self.interrupted
    }

    /// Finds the next data message of this dump: `(start, len)` inside `rx`.
    fn advance(&mut self) -> Result<Option<(usize, usize)>, Error> {
        loop {
            if self.at >= self.len {
                self.len = self.conn.recv_answer(self.seq, self.rx)?;
                self.at = 0;
            }
            let Some(rest) = self.rx.get(self.at..self.len) else {
                return Err(Error::Malformed(nlwire::Error::BadLength));
            };
            let start = self.at;
            let msg = match Messages::new(rest).next() {
                Some(m) => m?,
                None => {
                    self.at = self.len;
                    continue;
                }
            };
            let len = NlMsgHdr::LEN + msg.payload().len();
            self.at += align(len);
            if msg.seq() != self.seq {
                continue;
            }
            self.interrupted |= msg.flags() & NLM_F_DUMP_INTR != 0;
            match Control::classify(msg)? {
                Control::Data(_) => return Ok(Some((start, len))),
                Control::Error(e) => {
                    self.state = State::Finished;
                    return Err(Error::Kernel(KernelError::new(e.code, &e.ext_ack, false)));
                }
                Control::Done(d) => {
                    self.state = State::Finished;
                    if d.code != 0 {
                        return Err(Error::Kernel(KernelError::new(d.code, &d.ext_ack, true)));
                    }
                    return Ok(None);
                }
                Control::Ack(_) | Control::Other(_) => {}
            }
        }
    }
}

impl<L: Link> Drop for Dump<'_, L> {
    /// Reads what is left of an unfinished dump, so the socket is ready for the next
    /// request. Stops at `NLMSG_DONE`, at the dump's error, or at any receive or parse
    /// error (nothing more can be trusted then).
    fn drop(&mut self) {
        if self.state == State::Finished {
            return;
        }
        self.state = State::Running;
        while let Ok(Some(_)) = self.advance() {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conn::tests::{Script, data, error, request};
    use nlwire::consts::*;

    fn id(m: &Message<'_>) -> u8 {
        m.genl().unwrap().attrs().next().unwrap().unwrap().u8().unwrap()
    }

    #[test]
    fn yields_every_message_across_datagrams_then_none() {
        let (mut a, mut b) = ([0u8; 128], [0u8; 64]);
        let n1 = data(&mut a, 1, NLM_F_MULTI, 1);
        let n2 = data(&mut a[n1..], 1, NLM_F_MULTI | NLM_F_DUMP_INTR, 2);
        let d = error(&mut b, 1, 0, None, NLMSG_DONE);
        let script = [(&a[..n1 + n2], 0, false), (&b[..d], 0, false)];
        let mut conn = Conn::new(Script::new(&script), 0);
        let (mut req, mut rx) = ([0u8; 32], [0u8; 256]);
        let mut dump = conn.start_dump(request(&mut req), &mut rx).unwrap();
        let mut ids = [0u8; 2];
        for slot in &mut ids {
            *slot = id(&dump.next_message().unwrap().unwrap());
        }
        assert!(dump.next_message().is_none());
        assert!(dump.next_message().is_none());
        assert_eq!((ids, dump.is_interrupted()), ([1, 2], true));
    }

    #[test]
    fn dropping_early_drains_the_rest() {
        let (mut a, mut b, mut c) = ([0u8; 64], [0u8; 64], [0u8; 64]);
        let n1 = data(&mut a, 1, NLM_F_MULTI, 1);
        let n2 = data(&mut b, 1, NLM_F_MULTI, 2);
        let d = error(&mut c, 1, 0, None, NLMSG_DONE);
        let script = [(&a[..n1], 0, false), (&b[..n2], 0, false), (&c[..d], 0, false)];
        let mut conn = Conn::new(Script::new(&script), 0);
        let (mut req, mut rx) = ([0u8; 32], [0u8; 256]);
        let mut dump = conn.start_dump(request(&mut req), &mut rx).unwrap();
        assert_eq!(id(&dump.next_message().unwrap().unwrap()), 1);
        assert_eq!(dump.link().next, 1, "the link is lent between messages");
        drop(dump);
        assert_eq!(conn.link().next, 3, "the rest of the dump was read");
    }

    #[test]
    fn a_dump_error_is_yielded_once_with_its_ext_ack() {
        let mut a = [0u8; 160];
        let n1 = data(&mut a, 1, NLM_F_MULTI, 1);
        let n2 = error(&mut a[n1..], 1, -libc::EMSGSIZE, Some("dump too big"), NLMSG_DONE);
        let script = [(&a[..n1 + n2], 0, false)];
        let mut conn = Conn::new(Script::new(&script), 0);
        let (mut req, mut rx) = ([0u8; 32], [0u8; 256]);
        let mut dump = conn.start_dump(request(&mut req), &mut rx).unwrap();
        assert!(dump.next_message().unwrap().is_ok());
        match dump.next_message() {
            Some(Err(Error::Kernel(k))) => {
                assert_eq!(
                    (k.errno, k.message(), k.in_done),
                    (libc::EMSGSIZE, Some("dump too big"), true)
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(dump.next_message().is_none());
    }

    #[test]
    fn a_receive_error_ends_the_dump_and_drop_stops_at_once() {
        let script: [(&[u8], u32, bool); 0] = [];
        let mut conn = Conn::new(Script::new(&script), 0);
        let (mut req, mut rx) = ([0u8; 32], [0u8; 256]);
        let mut dump = conn.start_dump(request(&mut req), &mut rx).unwrap();
        assert_eq!(dump.next_message().unwrap().unwrap_err(), Error::WouldBlock);
        assert!(dump.next_message().is_none());
    }
}
