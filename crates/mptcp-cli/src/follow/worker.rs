//! Path-manager requests on threads of their own, so that the route socket is read while
//! a request is in the kernel: a DEL_ADDR waits 5-31 ms for an RCU grace period there.
//!
//! Two workers, each with its own `mptcp_pm` socket: one for deletes (and table dumps),
//! one for adds, so an add does not queue behind a slow delete. Each takes one job at a
//! time over a rendezvous-sized channel (no allocation per job) and wakes the main loop
//! through a socket pair when its outcome is ready.

use std::io::Write;
use std::net::IpAddr;
use std::os::unix::net::UnixStream;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use mptcp_follow::Endpoint;
use mptcp_netlink::{EndpointAddr, EndpointFlags, Error, KernelError, MIN_BUF, PathManager};

/// Most endpoints a table dump keeps (the kernel holds 8, plus implicit ones).
pub const MAX_TABLE: usize = 16;

/// A request for a worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// ADD_ADDR.
    Add(Endpoint),
    /// DEL_ADDR by id.
    Delete(Endpoint),
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

/// How a job ended. The table variant is the large one (about 460 bytes); outcomes
/// cross a two-slot channel, so the copies are few and no box is needed.
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

/// One worker thread and its job channel.
pub struct Worker {
    jobs: Option<SyncSender<Job>>,
    busy: bool,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Starts a worker with its own path-manager socket (opened here, in the calling
    /// thread's namespace). Outcomes go to `outcomes`, then a byte to `wake`. `None`
    /// when the socket or the thread cannot be had.
    pub fn start(name: &str, outcomes: SyncSender<Outcome>, wake: UnixStream) -> Option<Worker> {
        let pm = PathManager::open([0u8; MIN_BUF]).ok()?;
        let (jobs, inbox) = sync_channel::<Job>(1);
        let thread = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || serve(pm, &inbox, &outcomes, wake))
            .ok()?;
        Some(Worker { jobs: Some(jobs), busy: false, thread: Some(thread) })
    }

    /// Whether a job is in flight.
    pub fn is_busy(&self) -> bool {
        self.busy
    }

    /// Hands over `job`; the worker must be idle.
    pub fn send(&mut self, job: Job) {
        if let Some(j) = &self.jobs {
            self.busy = j.send(job).is_ok();
        }
    }

    /// Marks the job in flight as finished (its outcome arrived).
    pub fn finished(&mut self) {
        self.busy = false;
    }

    /// Lets the worker finish its job and end.
    pub fn stop(&mut self) {
        self.jobs = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(
    mut pm: PathManager<[u8; MIN_BUF]>,
    inbox: &Receiver<Job>,
    outcomes: &SyncSender<Outcome>,
    mut wake: UnixStream,
) {
    while let Ok(job) = inbox.recv() {
        let outcome = run(&mut pm, job);
        if outcomes.send(outcome).is_err() {
            return;
        }
        let _ = wake.write_all(&[1]);
    }
}

/// Runs one job on `pm`.
pub fn run<B: AsMut<[u8]>>(pm: &mut PathManager<B>, job: Job) -> Outcome {
    let result = match job {
        Job::Add(e) => pm.add_endpoint(&to_wire(&e)),
        Job::Delete(e) => pm.delete_endpoint(e.id),
        Job::Dump => return dump(pm),
    };
    match result {
        Ok(()) => Outcome::Done(job),
        Err(Error::Kernel(k)) => Outcome::Refused(job, k),
        Err(e) => Outcome::Failed(job, e),
    }
}

fn dump<B: AsMut<[u8]>>(pm: &mut PathManager<B>) -> Outcome {
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
