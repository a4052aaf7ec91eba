//! [`Pending`]: a request sent by [`PathManager::send`], its answer read without waiting.

use core::task::Poll;

use mptcp_pm_wire::{MAX_REQUEST_LEN, Request};
use nlsock::{Answer, Wait, answer_in};
use nlwire::Message;

use crate::{Error, PathManager};

/// A request that was sent and whose answer has not been read: give it to
/// [`PathManager::try_ack`] (requests answered by an acknowledgement) or
/// [`PathManager::try_reply`] (GET requests). It only holds the request's sequence
/// number, so it is `Copy` and may be kept anywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "the answer is read with try_ack or try_reply"]
pub struct Pending {
    seq: u32,
}

impl Pending {
    /// The request's sequence number.
    pub fn seq(&self) -> u32 {
        self.seq
    }
}

impl<B: AsMut<[u8]>> PathManager<B> {
    /// Sends `request` and returns at once, without reading the answer (sans-IO: the
    /// answer is read by [`PathManager::try_ack`] or [`PathManager::try_reply`] when the
    /// socket is readable). Dumps are not for this call: use [`PathManager::dump`].
    ///
    /// The kernel runs the request inside this call's `sendmsg` and queues its answer
    /// before returning, so the call takes as long as the request does in the kernel:
    /// microseconds for most, an RCU grace period (8-16 ms) for an endpoint delete. To
    /// keep an async executor free during those, use [`Worker`](crate::Worker).
    ///
    /// ```no_run
    /// use core::task::Poll;
    /// use mptcp_netlink::{Endpoint, PathManager, RECV_BUF, Request};
    /// # fn main() -> Result<(), mptcp_netlink::Error> {
    /// let mut pm = PathManager::open([0u8; RECV_BUF])?;
    /// let ip = core::net::Ipv4Addr::new(10, 0, 2, 1);
    /// let pending = pm.send(&Request::AddAddr(Endpoint::with_addr(ip)))?;
    /// // ... wait until the socket is readable (poll, epoll, tokio's AsyncFd) ...
    /// while let Poll::Pending = pm.try_ack(pending) {
    ///     pm.socket().wait_readable(None)?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn send(&mut self, request: &Request) -> Result<Pending, Error> {
        let mut tx = [0u8; MAX_REQUEST_LEN];
        let req = request.emit(&mut tx, self.family, 0)?;
        Ok(Pending { seq: self.conn.send(req)? })
    }

    /// The acknowledgement (or refusal) of `pending` if it has arrived, else
    /// [`Poll::Pending`] at once: never waits, whether or not the socket is in
    /// non-blocking mode. Answers to older requests that are still queued are read and
    /// dropped on the way.
    pub fn try_ack(&mut self, pending: Pending) -> Poll<Result<(), Error>> {
        loop {
            let n = match self.recv_now() {
                Ok(Some(n)) => n,
                Ok(None) => return Poll::Pending,
                Err(e) => return Poll::Ready(Err(e)),
            };
            let datagram = &self.buf.as_mut()[..n];
            match answer_in(datagram, pending.seq, false) {
                Ok(Answer::Ack) => return Poll::Ready(Ok(())),
                Ok(Answer::Failed(k)) => return Poll::Ready(Err(Error::Kernel(k.into()))),
                Ok(Answer::Reply(_) | Answer::Nothing) => {}
                Err(e) => return Poll::Ready(Err(e.into())),
            }
        }
    }

    /// The reply to GET request `pending` if it has arrived, borrowed from the buffer,
    /// else [`Poll::Pending`] at once (never waits).
    pub fn try_reply(&mut self, pending: Pending) -> Poll<Result<Message<'_>, Error>> {
        let n = loop {
            let n = match self.recv_now() {
                Ok(Some(n)) => n,
                Ok(None) => return Poll::Pending,
                Err(e) => return Poll::Ready(Err(e)),
            };
            match answer_in(&self.buf.as_mut()[..n], pending.seq, true) {
                Ok(Answer::Reply(_)) => break n,
                Ok(Answer::Failed(k)) => return Poll::Ready(Err(Error::Kernel(k.into()))),
                Ok(Answer::Ack) => return Poll::Ready(Err(Error::NoReply)),
                Ok(Answer::Nothing) => {}
                Err(e) => return Poll::Ready(Err(e.into())),
            }
        };
        // Read again to hand out the borrow (a walk over one short datagram).
        Poll::Ready(match answer_in(&self.buf.as_mut()[..n], pending.seq, true) {
            Ok(Answer::Reply(m)) => Ok(m),
            _ => Err(Error::NoReply),
        })
    }

    /// Receives one kernel datagram if one is queued (`MSG_DONTWAIT`), dropping those of
    /// other senders; `None` when the queue is empty.
    fn recv_now(&mut self) -> Result<Option<usize>, Error> {
        let buf = self.buf.as_mut();
        let slot = buf.len();
        loop {
            match self.conn.recv_event_batch(buf, slot, Wait::No) {
                Ok(batch) => match batch.datagrams().first() {
                    None => return Ok(None),
                    Some(d) if d.sender != 0 => continue,
                    Some(d) if d.len == 0 => return Err(Error::Eof),
                    Some(d) => return Ok(Some(d.len)),
                },
                Err(nlsock::Error::WouldBlock) => return Ok(None),
                Err(e) => return Err(e.into()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_is_a_plain_number() {
        let p = Pending { seq: 7 };
        assert_eq!((p.seq(), p), (7, Pending { seq: 7 }));
    }
}
