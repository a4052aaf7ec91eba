//! The peer libraries, each used as its documentation shows, through a current-thread
//! tokio runtime where the library is async (`block_on` per call, as a synchronous
//! caller would).

use std::net::{IpAddr, Ipv4Addr};

use futures::TryStreamExt;
use tokio::runtime::Runtime;

use crate::{ENDPOINTS, Lib};

fn runtime() -> Result<Runtime, String> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())
}

/// rust-netlink's `mptcp-pm`: read-only (GET_LIMITS and the endpoint dump).
pub struct MptcpPm {
    rt: Runtime,
    handle: mptcp_pm::MptcpPathManagerHandle,
}

impl MptcpPm {
    /// A connection, its task spawned on the runtime.
    pub fn open() -> Result<Self, String> {
        let rt = runtime()?;
        let (connection, handle, _) =
            rt.block_on(async { mptcp_pm::new_connection() }).map_err(|e| e.to_string())?;
        rt.spawn(connection);
        Ok(MptcpPm { rt, handle })
    }
}

impl Lib for MptcpPm {
    fn name(&self) -> &'static str {
        "mptcp-pm"
    }
    fn supports(&self, op: usize) -> bool {
        matches!(op, 0 | 2)
    }
    fn get_limits(&mut self) -> Result<(), String> {
        let handle = &self.handle;
        self.rt.block_on(async {
            let mut s = handle.limits().get().execute().await;
            while s.try_next().await.map_err(|e| e.to_string())?.is_some() {}
            Ok(())
        })
    }
    fn set_limits(&mut self) -> Result<(), String> {
        Err("mptcp-pm has no SET_LIMITS".into())
    }
    fn dump(&mut self) -> Result<usize, String> {
        let handle = &self.handle;
        self.rt.block_on(async {
            let mut s = handle.address().get().execute().await;
            let mut n = 0;
            while s.try_next().await.map_err(|e| e.to_string())?.is_some() {
                n += 1;
            }
            Ok(n)
        })
    }
    fn delete_add(&mut self) -> Result<(), String> {
        Err("mptcp-pm has no DEL_ADDR".into())
    }
}

/// `nlink`: async, every operation.
pub struct Nlink {
    rt: Runtime,
    conn: nlink::netlink::Connection<nlink::netlink::Mptcp>,
}

impl Nlink {
    /// A connection (the family resolved here).
    pub fn open() -> Result<Self, String> {
        let rt = runtime()?;
        let conn = rt
            .block_on(nlink::netlink::Connection::<nlink::netlink::Mptcp>::new_async())
            .map_err(|e| e.to_string())?;
        Ok(Nlink { rt, conn })
    }
}

impl Lib for Nlink {
    fn name(&self) -> &'static str {
        "nlink"
    }
    fn get_limits(&mut self) -> Result<(), String> {
        self.rt.block_on(self.conn.get_limits()).map(drop).map_err(|e| e.to_string())
    }
    fn set_limits(&mut self) -> Result<(), String> {
        use nlink::netlink::genl::mptcp::MptcpLimits;
        let limits = MptcpLimits::new().subflows(2).add_addr_accepted(2);
        self.rt.block_on(self.conn.set_limits(limits)).map_err(|e| e.to_string())
    }
    fn dump(&mut self) -> Result<usize, String> {
        self.rt.block_on(self.conn.get_endpoints()).map(|v| v.len()).map_err(|e| e.to_string())
    }
    fn delete_add(&mut self) -> Result<(), String> {
        use nlink::netlink::genl::mptcp::MptcpEndpointBuilder;
        self.rt.block_on(self.conn.del_endpoint(ENDPOINTS)).map_err(|e| e.to_string())?;
        let ip = IpAddr::V4(Ipv4Addr::new(10, 66, 0, ENDPOINTS));
        let endpoint = MptcpEndpointBuilder::new(ip).id(ENDPOINTS).signal();
        self.rt.block_on(self.conn.add_endpoint(endpoint)).map_err(|e| e.to_string())
    }
}
