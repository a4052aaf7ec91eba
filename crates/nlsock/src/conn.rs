//! [`Conn`]: request/ack, request/reply, dumps and events over any [`Link`].

use nlwire::consts::NLM_F_DUMP_INTR;
use nlwire::control::Control;
use nlwire::{Message, Messages, NlMsgHdr, align};

use crate::{Batch, Datagram, Errno, Error, KernelError, Wait};

/// A datagram channel to the kernel. [`crate::Socket`] is the real one.
pub trait Link {
    /// Sends one datagram.
    fn send(&mut self, buf: &[u8]) -> Result<(), Errno>;
    /// Receives one datagram into `buf`.
    fn recv(&mut self, buf: &mut [u8]) -> Result<Datagram, Errno>;

    /// Receives several datagrams, datagram `i` into `buf[i * slot..][..slot]`. This
    /// provided version receives one, blocking whatever `wait` says; [`crate::Socket`]
    /// takes every queued datagram (up to [`crate::MAX_BATCH`]) with one system call.
    fn recv_batch(&mut self, buf: &mut [u8], slot: usize, wait: Wait) -> Result<Batch, Errno> {
        let _ = wait;
        let end = slot.min(buf.len());
        let d = self.recv(&mut buf[..end])?;
        Ok(Batch::new(&[d]))
    }
}

/// Exchanges with the kernel over a [`Link`], matching replies by sequence number and
/// trusting only datagrams whose sender port id is 0 (the kernel).
///
/// The trust order is fixed: a datagram's sender is checked before anything else looks
/// at it, so a datagram from any other port (a root process may send to ours) is
/// dropped, whatever its size, and counted in [`Conn::dropped`]. Then, while waiting for
/// an answer, a truncated datagram from the kernel is an error only when it answers the
/// request waited for (its first header carries that sequence number).
#[derive(Debug)]
pub struct Conn<L> {
    link: L,
    seq: u32,
    dropped: u64,
}

/// What one datagram holds for a request, as [`answer_in`] finds it.
#[derive(Debug)]
pub enum Answer<'a> {
    /// The request succeeded (an ACK).
    Ack,
    /// The first data message answering it.
    Reply(Message<'a>),
    /// The kernel's error, with its extended ack.
    Failed(KernelError),
    /// Nothing in this datagram answers it.
    Nothing,
}

/// Looks through one received datagram for the answer to the request numbered `seq`:
/// for [`Conn::ack_for`] and [`Conn::reply_for`] when the datagrams were received some
/// other way, e.g. several at once with [`Conn::recv_event_batch`]. Data messages count
/// only when `want_reply`.
pub fn answer_in(datagram: &[u8], seq: u32, want_reply: bool) -> Result<Answer<'_>, Error> {
    Ok(match scan(datagram, seq, want_reply)? {
        Found::Ack => Answer::Ack,
        Found::Reply { start, len } => {
            Answer::Reply(Message::parse(datagram.get(start..start + len).unwrap_or_default())?)
        }
        Found::Failed(e) => Answer::Failed(e),
        Found::Nothing => Answer::Nothing,
    })
}

/// Where a reply sits inside the receive buffer.
enum Found {
    Ack,
    Reply { start: usize, len: usize },
    Failed(KernelError),
    Nothing,
}

impl<L: Link> Conn<L> {
    /// Wraps `link`; requests are numbered from `first_seq + 1`.
    pub fn new(link: L, first_seq: u32) -> Self {
        Conn { link, seq: first_seq, dropped: 0 }
    }

    /// How many received datagrams were dropped unread: sent by a port other than the
    /// kernel's (of any size), or cut short by the receive buffer while answering no
    /// request waited for.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The underlying link.
    pub fn link(&self) -> &L {
        &self.link
    }

    /// The underlying link, giving up the connection's sequence numbers.
    pub fn into_link(self) -> L {
        self.link
    }

    /// The underlying link, mutably.
    pub fn link_mut(&mut self) -> &mut L {
        &mut self.link
    }

    /// The sequence number after the last one used, never 0.
    fn next_seq(&self) -> u32 {
        match self.seq.wrapping_add(1) {
            0 => 1,
            n => n,
        }
    }

    /// Stamps the next sequence number into `request` and sends it.
    pub fn send(&mut self, request: &mut [u8]) -> Result<u32, Error> {
        self.seq = self.next_seq();
        let seq_field = request.get_mut(8..12).ok_or(Error::Malformed(nlwire::Error::Truncated))?;
        seq_field.copy_from_slice(&self.seq.to_ne_bytes());
        self.link.send(request)?;
        Ok(self.seq)
    }

    /// Sends every message of `requests` (back to back, each padded to 4 bytes) in one
    /// datagram, as the kernel's YNL `--multi` does, numbering them in order; the
    /// number of each goes into `seqs`, and the count is returned. The kernel runs them
    /// in order and answers each on its own, errors included, so collect the answers
    /// with [`Conn::ack_for`] and [`Conn::reply_for`] in the same order.
    pub fn send_many(&mut self, requests: &mut [u8], seqs: &mut [u32]) -> Result<usize, Error> {
        let mut count = 0;
        let mut at = 0;
        let mut seq = self.seq;
        let total = requests.len();
        while at < total {
            let header =
                requests.get_mut(at..at + NlMsgHdr::LEN).ok_or(nlwire::Error::Truncated)?;
            let len = u32::from_ne_bytes([header[0], header[1], header[2], header[3]]) as usize;
            if len < NlMsgHdr::LEN || len > total - at {
                return Err(Error::Malformed(nlwire::Error::BadLength));
            }
            let slot = seqs.get_mut(count).ok_or(Error::Malformed(nlwire::Error::NoRoom))?;
            seq = match seq.wrapping_add(1) {
                0 => 1,
                n => n,
            };
            header[8..12].copy_from_slice(&seq.to_ne_bytes());
            *slot = seq;
            count += 1;
            at += align(len);
        }
        self.link.send(requests)?;
        self.seq = seq;
        Ok(count)
    }

    /// Receives the next datagram from the kernel, dropping (and counting) any from other
    /// senders before looking at their length. A kernel datagram longer than `rx` is
    /// [`Error::Truncated`].
    pub fn recv_datagram(&mut self, rx: &mut [u8]) -> Result<usize, Error> {
        self.recv_trusted(rx, None)
    }

    /// Receives the next kernel datagram that may answer the request numbered `seq`: a
    /// truncated one is [`Error::Truncated`] only if its first header carries `seq`;
    /// otherwise it is dropped and counted (a multicast message cut short, or a stale
    /// answer, is not ours to fail on).
    pub(crate) fn recv_answer(&mut self, seq: u32, rx: &mut [u8]) -> Result<usize, Error> {
        self.recv_trusted(rx, Some(seq))
    }

    /// The receive loop: sender first, then emptiness, then truncation.
    fn recv_trusted(&mut self, rx: &mut [u8], seq: Option<u32>) -> Result<usize, Error> {
        loop {
            let d = self.link.recv(rx)?;
            if d.sender != 0 {
                self.dropped += 1;
                continue;
            }
            if d.len == 0 {
                return Err(Error::Eof);
            }
            if d.truncated {
                let first_seq = rx
                    .get(8..12)
                    .filter(|_| d.len >= NlMsgHdr::LEN)
                    .map(|b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]]));
                match seq {
                    Some(want) if first_seq != Some(want) => {
                        self.dropped += 1;
                        continue;
                    }
                    _ => return Err(Error::Truncated),
                }
            }
            return Ok(d.len);
        }
    }

    /// Sends `request` (which should carry `NLM_F_ACK`) and waits for its ACK.
    pub fn ack(&mut self, request: &mut [u8], rx: &mut [u8]) -> Result<(), Error> {
        let seq = self.send(request)?;
        self.ack_for(seq, rx)
    }

    /// Waits for the ACK (or the error) answering the request sent with sequence
    /// number `seq`, e.g. by [`Conn::send_many`].
    pub fn ack_for(&mut self, seq: u32, rx: &mut [u8]) -> Result<(), Error> {
        loop {
            let n = self.recv_answer(seq, rx)?;
            match scan(received(rx, n), seq, false)? {
                Found::Ack => return Ok(()),
                Found::Failed(e) => return Err(Error::Kernel(e)),
                _ => {}
            }
        }
    }

    /// Sends `request` and returns the first data message answering it.
    pub fn request<'r>(
        &mut self,
        request: &mut [u8],
        rx: &'r mut [u8],
    ) -> Result<Message<'r>, Error> {
        let seq = self.send(request)?;
        self.reply_for(seq, rx)
    }

    /// Waits for the first data message (or the error) answering the request sent with
    /// sequence number `seq`, e.g. by [`Conn::send_many`].
    pub fn reply_for<'r>(&mut self, seq: u32, rx: &'r mut [u8]) -> Result<Message<'r>, Error> {
        loop {
            let n = self.recv_answer(seq, rx)?;
            match scan(received(rx, n), seq, true)? {
                Found::Reply { start, len } => {
                    let reply = rx.get(start..start + len).unwrap_or_default();
                    return Ok(Message::parse(reply)?);
                }
                Found::Failed(e) => return Err(Error::Kernel(e)),
                Found::Ack => return Err(Error::NoReply),
                _ => {}
            }
        }
    }

    /// Sends a dump request and calls `each` for every data message until
    /// `NLMSG_DONE`. A dump error (in `NLMSG_ERROR` or in `NLMSG_DONE`, with its
    /// extended ack) is returned. `Ok(true)` means the kernel flagged the dump as
    /// interrupted (`NLM_F_DUMP_INTR`): it may be inconsistent. To stop early or fail
    /// from inside the loop, use [`Conn::start_dump`].
    pub fn dump<F>(&mut self, request: &mut [u8], rx: &mut [u8], mut each: F) -> Result<bool, Error>
    where
        F: FnMut(Message<'_>),
    {
        let mut dump = self.start_dump(request, rx)?;
        while let Some(m) = dump.next_message() {
            each(m?);
        }
        Ok(dump.is_interrupted())
    }

    /// [`Conn::dump`], with the link lent to `each`: a dump printer can ask the same
    /// socket for an interface name while the dump runs, without first copying the
    /// entries out of the receive buffer.
    pub fn dump_with_link<F>(
        &mut self,
        request: &mut [u8],
        rx: &mut [u8],
        mut each: F,
    ) -> Result<bool, Error>
    where
        F: FnMut(&L, Message<'_>),
    {
        let seq = self.send(request)?;
        let mut interrupted = false;
        loop {
            let n = self.recv_answer(seq, rx)?;
            let datagram = received(rx, n);
            for msg in Messages::new(datagram) {
                let msg = msg?;
                if msg.seq() != seq {
                    continue;
                }
                interrupted |= msg.flags() & NLM_F_DUMP_INTR != 0;
                match Control::classify(msg)? {
                    Control::Data(m) => each(&self.link, m),
                    Control::Error(e) => {
                        return Err(Error::Kernel(KernelError::new(e.code, &e.ext_ack, false)));
                    }
                    Control::Done(d) if d.code != 0 => {
                        return Err(Error::Kernel(KernelError::new(d.code, &d.ext_ack, true)));
                    }
                    Control::Done(_) => return Ok(interrupted),
                    Control::Ack(_) | Control::Other(_) => {}
                }
            }
        }
    }

    /// Receives one datagram of events (multicast messages have sequence number 0).
    /// [`Error::EventsLost`] reports an overflow; keep calling afterwards.
    pub fn recv_events<'r>(&mut self, rx: &'r mut [u8]) -> Result<Messages<'r>, Error> {
        let n = self.recv_datagram(rx)?;
        Ok(Messages::new(received(rx, n)))
    }

    /// Receives every queued event datagram (up to [`crate::MAX_BATCH`]) with one
    /// system call, datagram `i` in `rx[i * slot..]`; read them with
    /// [`Batch::from_kernel`]. [`Wait::No`] gives an empty batch when nothing is queued.
    /// [`Error::EventsLost`] reports an overflow; keep calling afterwards. A datagram
    /// longer than `slot` is [`Error::Truncated`] ([`crate::EVENT_SLOT`] fits any event).
    pub fn recv_event_batch(
        &mut self,
        rx: &mut [u8],
        slot: usize,
        wait: Wait,
    ) -> Result<Batch, Error> {
        let batch = self.link.recv_batch(rx, slot, wait)?;
        self.dropped += batch.datagrams().iter().filter(|d| d.sender != 0).count() as u64;
        if batch.datagrams().iter().any(|d| d.truncated && d.sender == 0) {
            return Err(Error::Truncated);
        }
        Ok(batch)
    }
}

/// The first `n` bytes of `rx`, which a receive reported (a [`Link`] that reports more
/// than `rx` holds gets what `rx` holds, rather than a panic).
fn received(rx: &[u8], n: usize) -> &[u8] {
    rx.get(..n).unwrap_or(rx)
}

/// Looks through one datagram for what answers `seq`.
fn scan(datagram: &[u8], seq: u32, want_data: bool) -> Result<Found, Error> {
    let mut next = 0;
    for msg in Messages::new(datagram) {
        let msg = msg?;
        let (start, len) = (next, NlMsgHdr::LEN + msg.payload().len());
        next += align(len);
        if msg.seq() != seq {
            continue;
        }
        match Control::classify(msg)? {
            Control::Data(_) if want_data => return Ok(Found::Reply { start, len }),
            Control::Ack(_) => return Ok(Found::Ack),
            Control::Error(e) => {
                return Ok(Found::Failed(KernelError::new(e.code, &e.ext_ack, false)));
            }
            Control::Done(d) if d.code != 0 => {
                return Ok(Found::Failed(KernelError::new(d.code, &d.ext_ack, true)));
            }
            _ => {}
        }
    }
    Ok(Found::Nothing)
}

impl<L: Link> genl::Transport for Conn<L> {
    type Error = Error;

    fn request<'r>(
        &mut self,
        request: &mut [u8],
        reply: &'r mut [u8],
    ) -> Result<Message<'r>, Error> {
        Conn::request(self, request, reply)
    }

    fn is_not_found(err: &Error) -> bool {
        matches!(err, Error::Kernel(k) if k.errno == libc::ENOENT)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use nlwire::MessageBuilder;
    use nlwire::consts::*;

    /// A scripted kernel: each `recv` pops the next canned datagram.
    pub(crate) struct Script<'s> {
        replies: &'s [(&'s [u8], u32, bool)],
        pub(crate) next: usize,
        sent: usize,
        fail_with: Option<i32>,
    }

    impl<'s> Script<'s> {
        pub(crate) fn new(replies: &'s [(&'s [u8], u32, bool)]) -> Self {
            Script { replies, next: 0, sent: 0, fail_with: None }
        }
    }

    impl Link for Script<'_> {
        fn send(&mut self, _buf: &[u8]) -> Result<(), Errno> {
            self.sent += 1;
            Ok(())
        }
        fn recv(&mut self, buf: &mut [u8]) -> Result<Datagram, Errno> {
            if let Some(e) = self.fail_with.take() {
                return Err(Errno(e));
            }
            let (bytes, sender, truncated) =
                *self.replies.get(self.next).ok_or(Errno(libc::EAGAIN))?;
            self.next += 1;
            let len = bytes.len().min(buf.len());
            buf[..len].copy_from_slice(&bytes[..len]);
            Ok(Datagram { len, sender, truncated })
        }
    }

    pub(crate) fn request(buf: &mut [u8]) -> &mut [u8] {
        let len = MessageBuilder::genl(buf, 0x1c, NLM_F_REQUEST | NLM_F_ACK, 0, 1, 1)
            .unwrap()
            .finish()
            .unwrap()
            .len();
        &mut buf[..len]
    }

    pub(crate) fn data(buf: &mut [u8], seq: u32, flags: u16, id: u8) -> usize {
        let mut b = MessageBuilder::genl(buf, 0x1c, flags, seq, 3, 1).unwrap();
        b.put_u8(2, id).unwrap();
        b.finish().unwrap().len()
    }

    pub(crate) fn error(
        buf: &mut [u8],
        seq: u32,
        code: i32,
        msg: Option<&str>,
        kind: u16,
    ) -> usize {
        let flags = if msg.is_some() { NLM_F_ACK_TLVS | NLM_F_CAPPED } else { NLM_F_CAPPED };
        let mut b = MessageBuilder::new(buf, kind, flags, seq).unwrap();
        b.append(&code.to_ne_bytes()).unwrap();
        if kind == NLMSG_ERROR {
            let mut echo = [0u8; 16];
            echo[..4].copy_from_slice(&20u32.to_ne_bytes());
            b.append(&echo).unwrap();
        }
        if let Some(m) = msg {
            b.put_str(NLMSGERR_ATTR_MSG, m).unwrap();
        }
        b.finish().unwrap().len()
    }

    #[test]
    fn ack_skips_stale_sequence_numbers() {
        let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
        let stale = error(&mut a, 41, -libc::EEXIST, Some("stale"), NLMSG_ERROR);
        let ok = error(&mut b, 43, 0, None, NLMSG_ERROR);
        let script = [(&a[..stale], 0, false), (&b[..ok], 0, false)];
        let mut conn = Conn::new(Script::new(&script), 42);
        let (mut req, mut rx) = ([0u8; 32], [0u8; 256]);
        assert_eq!(conn.ack(request(&mut req), &mut rx), Ok(()));
        assert_eq!(conn.link().next, 2);
    }

    #[test]
    fn foreign_senders_are_dropped() {
        let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
        let forged = error(&mut a, 1, 0, None, NLMSG_ERROR);
        let real = error(&mut b, 1, -libc::EPERM, None, NLMSG_ERROR);
        let script = [(&a[..forged], 4242, false), (&b[..real], 0, false)];
        let mut conn = Conn::new(Script::new(&script), 0);
        let (mut req, mut rx) = ([0u8; 32], [0u8; 256]);
        match conn.ack(request(&mut req), &mut rx) {
            Err(Error::Kernel(k)) => assert_eq!((k.errno, k.message()), (libc::EPERM, None)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn kernel_error_carries_the_ext_ack_message() {
        let mut a = [0u8; 96];
        let n =
            error(&mut a, 1, -libc::EINVAL, Some("limit greater than maximum (8)"), NLMSG_ERROR);
        let script = [(&a[..n], 0, false)];
        let mut conn = Conn::new(Script::new(&script), 0);
        let (mut req, mut rx) = ([0u8; 32], [0u8; 256]);
        match conn.ack(request(&mut req), &mut rx) {
            Err(Error::Kernel(k)) => {
                assert_eq!(k.errno, libc::EINVAL);
                assert_eq!(k.message(), Some("limit greater than maximum (8)"));
                assert!(!k.in_done);
            }
            other => panic!("{other:?}"),
        }
    }

    /// A datagram from another port is dropped before its size is looked at: an
    /// oversize forgery (cut short by the buffer) neither fails nor answers the request.
    #[test]
    fn oversize_foreign_datagrams_are_dropped_before_their_size_counts() {
        let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
        let forged = error(&mut a, 1, -libc::EPERM, None, NLMSG_ERROR);
        let ok = error(&mut b, 1, 0, None, NLMSG_ERROR);
        let script = [(&a[..forged], 4242, true), (&a[..forged], 7, false), (&b[..ok], 0, false)];
        let mut conn = Conn::new(Script::new(&script), 0);
        let (mut req, mut rx) = ([0u8; 32], [0u8; 256]);
        assert_eq!(conn.ack(request(&mut req), &mut rx), Ok(()));
        assert_eq!(conn.dropped(), 2);
        let done = error(&mut b, 1, 0, None, NLMSG_DONE);
        let script = [(&a[..forged], 4242, true), (&b[..done], 0, false)];
        let mut dump = Conn::new(Script::new(&script), 0);
        assert_eq!(dump.dump(request(&mut req), &mut rx, |_| {}), Ok(false));
        assert_eq!(dump.dropped(), 1);
    }

    /// A kernel datagram cut short that answers another request (an event, a stale
    /// answer) is dropped while waiting; one carrying the awaited number is an error.
    #[test]
    fn truncated_kernel_datagrams_fail_only_the_request_they_answer() {
        let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
        let event = data(&mut a, 0, 0, 9);
        let ok = error(&mut b, 1, 0, None, NLMSG_ERROR);
        let script = [(&a[..event], 0, true), (&a[..3], 0, true), (&b[..ok], 0, false)];
        let mut conn = Conn::new(Script::new(&script), 0);
        let (mut req, mut rx) = ([0u8; 32], [0u8; 256]);
        assert_eq!(conn.ack(request(&mut req), &mut rx), Ok(()));
        assert_eq!(conn.dropped(), 2, "the event and a 3-byte stub that names no request");
        let mine = data(&mut a, 1, 0, 9);
        let script = [(&a[..mine], 0, true)];
        let mut conn = Conn::new(Script::new(&script), 0);
        assert_eq!(conn.request(request(&mut req), &mut rx).unwrap_err(), Error::Truncated);
    }

    #[test]
    fn truncation_is_an_error() {
        let mut a = [0u8; 64];
        let n = data(&mut a, 1, 0, 5);
        let script = [(&a[..n], 0, true)];
        let mut conn = Conn::new(Script::new(&script), 0);
        let (mut req, mut rx) = ([0u8; 32], [0u8; 256]);
        assert_eq!(conn.request(request(&mut req), &mut rx).unwrap_err(), Error::Truncated);
    }

    #[test]
    fn enobufs_means_events_lost_and_the_socket_goes_on() {
        let mut a = [0u8; 64];
        let n = data(&mut a, 0, 0, 7);
        let script = [(&a[..n], 0, false)];
        let mut link = Script::new(&script);
        link.fail_with = Some(libc::ENOBUFS);
        let mut conn = Conn::new(link, 0);
        let mut rx = [0u8; 256];
        assert_eq!(conn.recv_events(&mut rx).unwrap_err(), Error::EventsLost);
        let mut events = conn.recv_events(&mut rx).unwrap();
        assert_eq!(events.next().unwrap().unwrap().kind(), 0x1c);
    }

    #[test]
    fn event_batches_over_a_plain_link_take_one_datagram() {
        let mut a = [0u8; 64];
        let n = data(&mut a, 0, 0, 7);
        let script = [(&a[..n], 0, false), (&a[..n], 99, false), (&a[..n], 0, true)];
        let mut link = Script::new(&script);
        link.fail_with = Some(libc::ENOBUFS);
        let mut conn = Conn::new(link, 0);
        let mut rx = [0u8; 256];
        let lost = conn.recv_event_batch(&mut rx, 128, Wait::No);
        assert_eq!(lost.unwrap_err(), Error::EventsLost);
        let batch = conn.recv_event_batch(&mut rx, 128, Wait::No).unwrap();
        assert_eq!(batch.len(), 1);
        let first = batch.from_kernel(&rx, 128).next().unwrap();
        assert_eq!(first, &a[..n]);
        let foreign = conn.recv_event_batch(&mut rx, 128, Wait::ForOne).unwrap();
        assert_eq!((foreign.len(), foreign.from_kernel(&rx, 128).count()), (1, 0));
        let cut = conn.recv_event_batch(&mut rx, 128, Wait::ForOne);
        assert_eq!(cut.unwrap_err(), Error::Truncated);
    }

    #[test]
    fn several_requests_go_in_one_send_and_are_answered_in_order() {
        let (mut a, mut b) = ([0u8; 64], [0u8; 96]);
        let ok = error(&mut a, 42, 0, None, NLMSG_ERROR);
        let bad = error(&mut b, 43, -libc::EEXIST, Some("duplicate"), NLMSG_ERROR);
        let script = [(&a[..ok], 0, false), (&b[..bad], 0, false)];
        let mut conn = Conn::new(Script::new(&script), 41);
        let mut two = [0u8; 64];
        let first = request(&mut two[..32]).len();
        let second = request(&mut two[first..]).len();
        let mut seqs = [0u32; 2];
        let n = conn.send_many(&mut two[..first + second], &mut seqs).unwrap();
        assert_eq!((n, seqs, conn.link().sent), (2, [42, 43], 1));
        assert_eq!(u32::from_ne_bytes(two[first + 8..first + 12].try_into().unwrap()), 43);
        let mut rx = [0u8; 256];
        assert_eq!(conn.ack_for(seqs[0], &mut rx), Ok(()));
        match conn.ack_for(seqs[1], &mut rx) {
            Err(Error::Kernel(k)) => {
                assert_eq!((k.errno, k.message()), (libc::EEXIST, Some("duplicate")))
            }
            other => panic!("{other:?}"),
        }
        let mut short = [0u32; 1];
        let refused = conn.send_many(&mut two[..first + second], &mut short);
        assert_eq!(refused, Err(Error::Malformed(nlwire::Error::NoRoom)));
        assert_eq!(conn.link().sent, 1, "nothing is sent when the numbers do not fit");
        two[first] = 3;
        let bad_len = conn.send_many(&mut two[..first + second], &mut seqs);
        assert_eq!(bad_len, Err(Error::Malformed(nlwire::Error::BadLength)));
    }

    #[test]
    fn request_returns_the_matching_reply() {
        let mut a = [0u8; 128];
        let first = data(&mut a, 9, 0, 1);
        let second = data(&mut a[first..], 1, 0, 2);
        let script = [(&a[..first + second], 0, false)];
        let mut conn = Conn::new(Script::new(&script), 0);
        let (mut req, mut rx) = ([0u8; 32], [0u8; 256]);
        let m = conn.request(request(&mut req), &mut rx).unwrap();
        let id = m.genl().unwrap().attrs().next().unwrap().unwrap().u8().unwrap();
        assert_eq!((m.seq(), id), (1, 2));
    }

    #[test]
    fn dump_error_in_done_is_surfaced_with_its_ext_ack() {
        let mut a = [0u8; 160];
        let n1 = data(&mut a, 1, NLM_F_MULTI, 1);
        let n2 = error(&mut a[n1..], 1, -libc::EMSGSIZE, Some("dump too big"), NLMSG_DONE);
        let script = [(&a[..n1 + n2], 0, false)];
        let mut conn = Conn::new(Script::new(&script), 0);
        let (mut req, mut rx) = ([0u8; 32], [0u8; 256]);
        let mut seen = 0;
        let r = conn.dump(request(&mut req), &mut rx, |_| seen += 1);
        assert_eq!(seen, 1);
        match r {
            Err(Error::Kernel(k)) => {
                assert_eq!(
                    (k.errno, k.message(), k.in_done),
                    (libc::EMSGSIZE, Some("dump too big"), true)
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn dump_spans_datagrams_until_done() {
        let (mut a, mut b) = ([0u8; 128], [0u8; 64]);
        let n1 = data(&mut a, 1, NLM_F_MULTI, 1);
        let n2 = data(&mut a[n1..], 1, NLM_F_MULTI | NLM_F_DUMP_INTR, 2);
        let d = error(&mut b, 1, 0, None, NLMSG_DONE);
        let script = [(&a[..n1 + n2], 0, false), (&b[..d], 0, false)];
        let mut conn = Conn::new(Script::new(&script), 0);
        let (mut req, mut rx) = ([0u8; 32], [0u8; 256]);
        let mut ids = [0u8; 2];
        let mut i = 0;
        let interrupted = conn
            .dump(request(&mut req), &mut rx, |m| {
                ids[i] = m.genl().unwrap().attrs().next().unwrap().unwrap().u8().unwrap();
                i += 1;
            })
            .unwrap();
        assert_eq!((ids, interrupted), ([1, 2], true));
    }
}
