//! `mptcp-netlink`: one call per operation.

use std::net::Ipv4Addr;

use mptcp_netlink::{Endpoint, EndpointFlags, Limits, PathManager, RECV_BUF};

use crate::{ENDPOINTS, Lib};

/// Endpoint `id`: 10.66.0.`id`, signal.
pub fn endpoint(id: u8) -> Endpoint {
    let ip = Ipv4Addr::new(10, 66, 0, id);
    Endpoint { id: Some(id), flags: EndpointFlags::SIGNAL, ..Endpoint::with_addr(ip) }
}

/// Makes the table the dump reads: endpoints 1 to 8, limits 2 and 2.
pub fn prepare() -> Result<(), String> {
    let mut pm = PathManager::open(vec![0u8; RECV_BUF]).map_err(|e| e.to_string())?;
    pm.flush_endpoints().map_err(|e| e.to_string())?;
    for id in 1..=ENDPOINTS {
        pm.add_endpoint(&endpoint(id)).map_err(|e| format!("endpoint {id}: {e}"))?;
    }
    Ok(())
}

/// A path manager with a 32 KiB buffer (boxed: the value moves into the list of libraries).
pub struct Ours(PathManager<Box<[u8]>>);

impl Ours {
    /// Opens it (the family resolved here, before any clock).
    pub fn open() -> Result<Self, String> {
        Ok(Ours(
            PathManager::open(vec![0u8; RECV_BUF].into_boxed_slice()).map_err(|e| e.to_string())?,
        ))
    }
}

impl Lib for Ours {
    fn name(&self) -> &'static str {
        "mptcp-netlink"
    }
    fn get_limits(&mut self) -> Result<(), String> {
        self.0.limits().map(drop).map_err(|e| e.to_string())
    }
    fn set_limits(&mut self) -> Result<(), String> {
        let l = Limits { subflows: Some(2), rcv_add_addrs: Some(2) };
        self.0.set_limits(l).map_err(|e| e.to_string())
    }
    fn dump(&mut self) -> Result<usize, String> {
        let mut n = 0;
        for e in self.0.endpoints().map_err(|e| e.to_string())? {
            e.map_err(|e| e.to_string())?;
            n += 1;
        }
        Ok(n)
    }
    fn delete_add(&mut self) -> Result<(), String> {
        self.0.delete_endpoint(ENDPOINTS).map_err(|e| e.to_string())?;
        self.0.add_endpoint(&endpoint(ENDPOINTS)).map_err(|e| e.to_string())
    }
}
