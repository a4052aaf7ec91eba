//! Path-manager requests on threads of their own, so that the route socket is read while
//! a request is in the kernel: a DEL_ADDR waits 5-31 ms for an RCU grace period there.
//!
//! Two workers, each with its own `mptcp_pm` socket: one for deletes (and table dumps),
//! one for the adds made while a delete is in flight, so the main loop does not wait on
//! the kernel's lock behind a slow delete (with nothing in flight, adds and flag changes
//! go from the main thread: they take well under 100 µs). Each takes one job at a
//! time: the job and its outcome pass through a one-slot mailbox, and a byte over a
//! socket pair says that one is there (the main loop polls the socket). A plain success
//! rings back only when the main loop asked for it ([`Worker::want_outcome`]): otherwise
//! the main loop finds it in the mailbox when it next wakes, and a delete costs one
//! thread wake-up less. Nothing is allocated per job.

use alloc::sync::Arc;
use core::net::IpAddr;

use mptcp_follow::Endpoint;
use mptcp_netlink::{EndpointAddr, EndpointFlags, Error, KernelError, MIN_BUF, PathManager};

use crate::os::sys::{self, Fd, Lock, Thread};
use crate::prelude::*;

/// Most endpoints a table dump keeps (the kernel holds 8, plus implicit ones).
pub const MAX_TABLE: usize = 16;

/// A request for a worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// ADD_ADDR.
    Add(Endpoint),
    /// DEL_ADDR by id.
    Delete(Endpoint),
    /// SET_FLAGS by id: the endpoint's backup and fullmesh flags become these.
    SetFlags(Endpoint),
    /// GET_ADDR dump of the whole table.
    Dump,
}

/// The kernel's table as a dump read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Table {
    /// The endpoints, first `len` valid.
    pub endpoints: [Option<Endpoint>; MAX_TABLE],
    /// How many there were (more than [`MAX_TABLE`] are dropped).
    pub len: usize,
}

/// How a job ended. The table variant is the large one (about 460 bytes); an outcome
/// is moved once, through the mailbox, so no box is needed.
#[derive(Debug, Clone, Copy)]
#[allow(clippy::large_enum_variant)]
pub enum Outcome {
    /// Done as asked.
    Done(Job),
    /// The table, for [`Job::Dump`].
    Table(Table),
    /// The kernel refused, with its extended ack.
    Refused(Job, KernelError),
    /// The socket failed.
    Failed(Job, Error),
}

/// The one-slot mailbox between the main loop and a worker.
#[derive(Default)]
struct Mailbox {
    job: Option<Job>,
    outcome: Option<Outcome>,
    /// The main loop waits for this job's outcome: ring even for a plain success.
    ring: bool,
}

/// One worker thread, its mailbox and the main loop's end of its socket pair.
pub struct Worker {
    mailbox: Arc<Lock<Mailbox>>,
    bell: Option<Fd>,
    busy: bool,
    thread: Option<Thread>,
}

impl Worker {
    /// Starts a worker with its own path-manager socket (opened here, in the calling
    /// thread's namespace). `None` when the socket or the thread cannot be had.
    pub fn start() -> Option<Worker> {
        let pm = PathManager::open(vec![0u8; MIN_BUF]).ok()?;
        let (bell, theirs) = sys::socket_pair().ok()?;
        bell.set_nonblocking().ok()?;
        let mailbox = Arc::new(Lock::new(Mailbox::default()));
        let shared = Arc::clone(&mailbox);
        let thread = sys::spawn(Box::new(move || serve(pm, &shared, &theirs))).ok()?;
        Some(Worker { mailbox, bell: Some(bell), busy: false, thread: Some(thread) })
    }

    /// The descriptor that turns readable when an outcome is ready.
    pub fn fd(&self) -> i32 {
        self.bell.as_ref().map_or(-1, Fd::raw)
    }

    /// Whether a job is in flight.
    pub fn is_busy(&self) -> bool {
        self.busy
    }

    /// Hands over `job`; the worker must be idle. A dump always rings back; other jobs
    /// ring back when they fail, or when [`Worker::want_outcome`] asks.
    pub fn send(&mut self, job: Job) {
        {
            let mut m = self.mailbox.lock();
            m.job = Some(job);
            m.ring = job == Job::Dump;
        }
        self.busy = self.bell.as_ref().is_some_and(|b| b.ring().is_ok());
    }

    /// Asks the busy worker to ring when its job is done, whatever the outcome; `None`
    /// then, or the outcome when it is ready already (the worker is idle again then).
    pub fn want_outcome(&mut self) -> Option<Outcome> {
        if !self.busy {
            return None;
        }
        let outcome = {
            let mut m = self.mailbox.lock();
            m.ring = m.outcome.is_none();
            m.outcome.take()
        };
        self.busy &= outcome.is_none();
        outcome
    }

    /// The outcome of the job in flight, if it is ready; the worker is idle again then.
    /// `rung` says [`Worker::fd`] turned readable: the bell is emptied first (one read:
    /// at most one ring per job is in it).
    pub fn take(&mut self, rung: bool) -> Option<Outcome> {
        if rung && let Some(bell) = &self.bell {
            let _ = bell.read(&mut [0u8; 8]);
        }
        if !self.busy {
            return None;
        }
        let outcome = self.mailbox.lock().outcome.take();
        self.busy &= outcome.is_none();
        outcome
    }

    /// Lets the worker finish its job and end.
    pub fn stop(&mut self) {
        self.bell = None;
        if let Some(t) = self.thread.take() {
            t.join();
        }
    }
}

/// The worker's loop: a byte means a job waits; end of file means stop.
fn serve(mut pm: PathManager<Vec<u8>>, mailbox: &Lock<Mailbox>, bell: &Fd) {
    let mut byte = [0u8; 1];
    while matches!(bell.read(&mut byte), Ok(1)) {
        let Some(job) = mailbox.lock().job.take() else { continue };
        let outcome = run(&mut pm, job);
        let ring = {
            let mut m = mailbox.lock();
            let ring = m.ring || !matches!(outcome, Outcome::Done(_));
            m.outcome = Some(outcome);
            ring
        };
        // The main thread may have stopped meanwhile: its end is closed (EPIPE).
        if ring && bell.ring().is_err() {
            return;
        }
    }
}

/// Runs one job on `pm` (one buffer type for the workers and the main thread: one copy
/// of the path-manager code in the binary).
pub fn run(pm: &mut PathManager<Vec<u8>>, job: Job) -> Outcome {
    let result = match job {
        Job::Add(e) => pm.add_endpoint(&to_wire(&e)),
        Job::Delete(e) => pm.delete_endpoint(e.id),
        Job::SetFlags(e) => {
            let mut by_id = mptcp_netlink::Endpoint::with_id(e.id);
            by_id.flags = EndpointFlags::from_bits_retain(e.flags);
            pm.change_endpoint(&by_id)
        }
        Job::Dump => return dump(pm),
    };
    match result {
        Ok(()) => Outcome::Done(job),
        Err(Error::Kernel(k)) => Outcome::Refused(job, k),
        Err(e) => Outcome::Failed(job, e),
    }
}

fn dump(pm: &mut PathManager<Vec<u8>>) -> Outcome {
    let mut table = Table { endpoints: [None; MAX_TABLE], len: 0 };
    let endpoints = match pm.endpoints() {
        Ok(e) => e,
        Err(Error::Kernel(k)) => return Outcome::Refused(Job::Dump, k),
        Err(e) => return Outcome::Failed(Job::Dump, e),
    };
    for e in endpoints {
        match e {
            Ok(e) => {
                if let (Some(slot), Some(e)) = (table.endpoints.get_mut(table.len), from_wire(&e)) {
                    *slot = Some(e);
                    table.len += 1;
                }
            }
            Err(Error::Kernel(k)) => return Outcome::Refused(Job::Dump, k),
            Err(err) => return Outcome::Failed(Job::Dump, err),
        }
    }
    Outcome::Table(table)
}

/// The request form of a policy endpoint: its id, address, flags, port and `dev`.
pub fn to_wire(e: &Endpoint) -> mptcp_netlink::Endpoint {
    mptcp_netlink::Endpoint {
        addr: Some(EndpointAddr::from(e.ip)),
        id: Some(e.id),
        port: e.port,
        flags: EndpointFlags::from_bits_retain(e.flags),
        ifindex: e.ifindex as i32,
    }
}

/// A dumped endpoint as the policy sees it; one without an address or id is skipped.
pub fn from_wire(e: &mptcp_netlink::Endpoint) -> Option<Endpoint> {
    let ip: IpAddr = e.ip()?;
    Some(Endpoint {
        id: e.id?,
        ip,
        ifindex: u32::try_from(e.ifindex).unwrap_or(0),
        flags: e.flags.bits(),
        port: e.port,
    })
}
