//! [`Worker`]: path-manager requests made on a thread of their own, for async runtimes.

use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;

use mptcp_pm_wire::{Endpoint, Limits, Request};

use crate::{Error, PathManager};

/// Which request an answer of [`Worker::try_answer`] is for: numbered from 1 in the
/// order of [`Worker::submit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ticket(pub u64);

/// What a request handed to a [`Worker`] came back with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reply {
    /// The kernel acknowledged it (every request but the GETs).
    Done,
    /// The answer to [`Request::GetLimits`].
    Limits(Limits),
    /// The answer to [`Request::GetAddr`] or [`Request::GetAddrToken`].
    Endpoint(Endpoint),
}

/// A [`PathManager`] on a thread of its own, so that an async executor never waits for
/// the kernel (feature `std`).
///
/// The kernel runs each netlink request inside the `sendmsg` that sends it; an
/// endpoint delete waits there for an RCU grace period (8-16 ms on Linux 6.18), which
/// would stall every task of the executor that made the call. [`Worker::submit`] only
/// queues the request; the worker's thread sends it and waits; its descriptor
/// ([`AsFd`]) turns readable when an answer is there, so register it with the reactor
/// (tokio's `AsyncFd`, epoll) and read the answers with [`Worker::try_answer`].
/// Answers come in submission order.
///
/// Unlike the rest of the crate this allocates (a channel node per request), and it
/// costs a thread; dumps are not for it ([`Request::DumpAddrs`] comes back as
/// [`Error::NoReply`]): they do not wait in the kernel, call [`PathManager::endpoints`]
/// on a second path manager. Dropping the worker lets its thread finish the queued
/// requests, then joins it.
///
/// ```no_run
/// use mptcp_netlink::{PathManager, MIN_BUF, Request, Worker, Endpoint};
/// # fn main() -> Result<(), mptcp_netlink::Error> {
/// let mut worker = Worker::spawn(PathManager::open(vec![0u8; MIN_BUF])?)?;
/// let ticket = worker.submit(Request::DelAddr(Endpoint::with_id(1)));
/// // ... when the worker's descriptor is readable (AsyncFd::readable().await) ...
/// while let Some((t, answer)) = worker.try_answer() {
///     assert_eq!(t, ticket);
///     println!("delete: {answer:?}");
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Worker {
    jobs: Option<mpsc::Sender<(Ticket, Request)>>,
    answers: mpsc::Receiver<(Ticket, Result<Reply, Error>)>,
    bell: UnixStream,
    /// Whether the bell holds a byte not yet read.
    rung: Arc<AtomicBool>,
    last: u64,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Moves `pm` to a new thread that makes the requests handed to
    /// [`Worker::submit`]. Fails only if the bell socket pair or the thread cannot be
    /// made ([`Error::Os`]).
    pub fn spawn<B: AsMut<[u8]> + Send + 'static>(mut pm: PathManager<B>) -> Result<Self, Error> {
        let (bell, mut ring) = UnixStream::pair().map_err(os)?;
        bell.set_nonblocking(true).map_err(os)?;
        let (jobs, queue) = mpsc::channel::<(Ticket, Request)>();
        let (done, answers) = mpsc::channel();
        let rung = Arc::new(AtomicBool::new(false));
        let ringing = Arc::clone(&rung);
        let thread = std::thread::Builder::new()
            .name("mptcp-pm-worker".into())
            .spawn(move || {
                for (ticket, request) in queue {
                    let answer = run(&mut pm, &request);
                    if done.send((ticket, answer)).is_err() {
                        return;
                    }
                    // One byte while the reader has not emptied the bell: the socket
                    // never fills, however many answers wait.
                    if !ringing.swap(true, Ordering::AcqRel) && ring.write_all(&[1]).is_err() {
                        return;
                    }
                }
            })
            .map_err(os)?;
        Ok(Worker { jobs: Some(jobs), answers, bell, rung, last: 0, thread: Some(thread) })
    }

    /// Queues `request` for the worker's thread and returns at once.
    pub fn submit(&mut self, request: Request) -> Ticket {
        self.last += 1;
        let ticket = Ticket(self.last);
        if let Some(jobs) = &self.jobs {
            // The thread only ends when `jobs` is dropped, or when `self` stopped
            // reading answers: then there is nobody to tell either way.
            let _ = jobs.send((ticket, request));
        }
        ticket
    }

    /// The next answer if one is there, else `None` at once. Call it until `None`
    /// each time the descriptor is readable.
    pub fn try_answer(&mut self) -> Option<(Ticket, Result<Reply, Error>)> {
        // Empty the bell first: an answer that comes after this rings it again.
        self.rung.store(false, Ordering::Release);
        let mut bytes = [0u8; 8];
        while matches!(self.bell.read(&mut bytes), Ok(n) if n > 0) {}
        self.answers.try_recv().ok()
    }
}

/// One request on the worker's thread.
fn run<B: AsMut<[u8]>>(pm: &mut PathManager<B>, request: &Request) -> Result<Reply, Error> {
    match request {
        Request::GetLimits(_) => pm.limits().map(Reply::Limits),
        Request::GetAddr(_) | Request::GetAddrToken { .. } => {
            pm.get_endpoint(request).map(Reply::Endpoint)
        }
        Request::DumpAddrs | Request::DumpAddrsToken { .. } => Err(Error::NoReply),
        other => pm.ack(other).map(|()| Reply::Done),
    }
}

fn os(e: io::Error) -> Error {
    Error::Os(nlsock::Errno(e.raw_os_error().unwrap_or(libc::EIO)))
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.jobs = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl AsFd for Worker {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.bell.as_fd()
    }
}

impl AsRawFd for Worker {
    fn as_raw_fd(&self) -> RawFd {
        self.bell.as_raw_fd()
    }
}
