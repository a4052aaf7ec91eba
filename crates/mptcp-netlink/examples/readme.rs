//! The README's program, verbatim below this header (a test checks that both READMEs
//! hold it, and `tests/examples.rs` runs it in a throw-away namespace).
use mptcp_netlink::{Endpoint, EndpointFlags, Limits, PathManager, RECV_BUF};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut pm = PathManager::open([0u8; RECV_BUF])?; // this thread's network namespace
    pm.set_limits(Limits { subflows: Some(2), rcv_add_addrs: Some(2) })?;
    let ip = std::net::Ipv4Addr::new(10, 0, 2, 1);
    pm.add_endpoint(&Endpoint { flags: EndpointFlags::SUBFLOW, ..Endpoint::with_addr(ip) })?;
    for endpoint in pm.endpoints()? {
        println!("{}", endpoint?); // 10.0.2.1 id 1 subflow
    }
    Ok(())
}
