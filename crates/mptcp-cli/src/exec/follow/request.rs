//! Path-manager requests, sent from the main thread through the CLI's own
//! [`Session`] (the one `mptcp_pm` socket and receive buffer every command uses): one
//! job at a time, its outcome taken as the kernel answers.
//!
//! There are no worker threads. Every `mptcp_pm` request waits for the kernel's
//! generic-netlink lock (the family has no parallel ops), so a second thread could not
//! make an add land while a DEL_ADDR waits 5-31 ms for an RCU grace period in the
//! kernel; it only cost a thread wake-up per request. Route notifications queue in the
//! route socket meanwhile and are read right after the request returns.

use core::net::IpAddr;

use mptcp_follow::Endpoint;
use mptcp_pm_wire::{EndpointAddr, EndpointFlags, Limits, Request};
use nlsock::{Error, KernelError};

use crate::command::pm;
use crate::exec::session::Session;

/// Most endpoints a table dump keeps (the kernel holds 8, plus implicit ones).
pub const MAX_TABLE: usize = 16;

/// A path-manager request.
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
/// is returned once and taken at once, so no box is needed.
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

/// Runs one job on `s` and returns how it ended.
pub fn run(s: &mut Session, job: Job) -> Outcome {
    let request = match job {
        Job::Add(e) => Request::AddAddr(to_wire(&e)),
        Job::Delete(e) => Request::DelAddr(mptcp_pm_wire::Endpoint::with_id(e.id)),
        Job::SetFlags(e) => {
            let mut by_id = mptcp_pm_wire::Endpoint::with_id(e.id);
            by_id.flags = EndpointFlags::from_bits_retain(e.flags);
            Request::SetFlags(by_id)
        }
        Job::Dump => return dump(s),
    };
    let mut tx = [0u8; pm::REQ_BUF];
    let result = match pm::emit(&request, &mut tx, s.family) {
        Some(req) => s.ack(req),
        None => Err(UNBUILT),
    };
    match result {
        Ok(()) => Outcome::Done(job),
        Err(Error::Kernel(k)) => Outcome::Refused(job, k),
        Err(e) => Outcome::Failed(job, e),
    }
}

/// A request the buffer could not hold (it always can: [`pm::REQ_BUF`] is the longest).
const UNBUILT: Error = Error::Malformed(nlwire::Error::NoRoom);

/// An answer the wire layer could not read.
fn malformed(e: mptcp_pm_wire::Error) -> Error {
    match e {
        mptcp_pm_wire::Error::Wire(w) => Error::Malformed(w),
        _ => Error::Malformed(nlwire::Error::BadPayload),
    }
}

/// The whole table (a GET_ADDR dump): a message that cannot be read fails it, so a
/// partial table is never planned on.
fn dump(s: &mut Session) -> Outcome {
    let mut table = Table { endpoints: [None; MAX_TABLE], len: 0 };
    let mut tx = [0u8; pm::REQ_BUF];
    let Some(req) = pm::emit(&Request::DumpAddrs, &mut tx, s.family) else {
        return Outcome::Failed(Job::Dump, UNBUILT);
    };
    let Session { conn, rx, .. } = s;
    let mut dump = match conn.start_dump(req, &mut rx[..]) {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    while let Some(msg) = dump.next_message() {
        let found = match msg.and_then(|m| Ok(m.genl()?)) {
            Ok(genl) => mptcp_pm_wire::Endpoint::from_message(&genl).map_err(malformed),
            Err(e) => Err(e),
        };
        match found {
            Ok(Some(e)) => {
                if let (Some(slot), Some(e)) = (table.endpoints.get_mut(table.len), from_wire(&e)) {
                    *slot = Some(e);
                    table.len += 1;
                }
            }
            Ok(None) => {}
            Err(e) => return fail(e),
        }
    }
    Outcome::Table(table)
}

fn fail(e: Error) -> Outcome {
    match e {
        Error::Kernel(k) => Outcome::Refused(Job::Dump, k),
        e => Outcome::Failed(Job::Dump, e),
    }
}

/// The limits (GET_LIMITS), or `None` when they cannot be read.
pub fn limits(s: &mut Session) -> Option<Limits> {
    let mut tx = [0u8; pm::REQ_BUF];
    let req = pm::emit(&Request::GetLimits(Limits::default()), &mut tx, s.family)?;
    let msg = s.request(req).ok()?;
    Limits::from_message(&msg.genl().ok()?).ok()
}

/// The request form of a policy endpoint: its id, address, flags, port and `dev`.
pub fn to_wire(e: &Endpoint) -> mptcp_pm_wire::Endpoint {
    mptcp_pm_wire::Endpoint {
        addr: Some(EndpointAddr::from(e.ip)),
        id: Some(e.id),
        port: e.port,
        flags: EndpointFlags::from_bits_retain(e.flags),
        ifindex: e.ifindex as i32,
    }
}

/// A dumped endpoint as the policy sees it; one without an address or id is skipped.
pub fn from_wire(e: &mptcp_pm_wire::Endpoint) -> Option<Endpoint> {
    let ip: IpAddr = e.ip()?;
    Some(Endpoint {
        id: e.id?,
        ip,
        ifindex: u32::try_from(e.ifindex).unwrap_or(0),
        flags: e.flags.bits(),
        port: e.port,
    })
}
