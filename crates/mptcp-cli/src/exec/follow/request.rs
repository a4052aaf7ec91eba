//! Path-manager requests, sent from the main thread: one job at a time, its outcome
//! taken as the kernel answers.
//!
//! There are no worker threads. Every `mptcp_pm` request waits for the kernel's
//! generic-netlink lock (the family has no parallel ops), so a second thread could not
//! make an add land while a DEL_ADDR waits 5-31 ms for an RCU grace period in the
//! kernel; it only cost a thread wake-up per request. Route notifications queue in the
//! route socket meanwhile and are read right after the request returns.

use core::net::IpAddr;

use mptcp_follow::Endpoint;
use mptcp_netlink::{EndpointAddr, EndpointFlags, Error, KernelError, PathManager};

use crate::prelude::*;

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

/// Runs one job on `pm` and returns how it ended.
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
