//! A daemon's first program: set the limits, add two endpoints, list them, then print
//! the path manager's events until some seconds pass without one. No heap: the
//! buffers are on the stack.
//!
//! As root, in a throw-away namespace:
//! `ip netns exec demo target/debug/examples/daemon 10.0.1.1 10.0.2.1 5`
use std::net::IpAddr;
use std::time::Duration;

use mptcp_netlink::{EVENTS_BUF, Endpoint, EndpointFlags, Limits, Notice, PathManager, RECV_BUF};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(first), Some(second)) = (args.first(), args.get(1)) else {
        return Err("usage: daemon ADDRESS ADDRESS [QUIET_SECONDS]".into());
    };
    let quiet = Duration::from_secs(args.get(2).map_or(Ok(5), |s| s.parse())?);

    let mut pm = PathManager::open([0u8; RECV_BUF])?;
    // Subscribe first, so that no event of our own changes is missed.
    let mut events = pm.events([0u8; EVENTS_BUF])?;
    pm.set_limits(Limits { subflows: Some(2), rcv_add_addrs: Some(2) })?;
    for (id, addr) in [(1, first), (2, second)] {
        let ip: IpAddr = addr.parse()?;
        let flags = EndpointFlags::SIGNAL;
        pm.add_endpoint(&Endpoint { id: Some(id), flags, ..Endpoint::with_addr(ip) })?;
    }
    println!("limits {}", pm.limits()?);
    for endpoint in pm.endpoints()? {
        println!("endpoint {}", endpoint?);
    }

    while let Some(notice) = events.next(Some(quiet))? {
        match notice {
            Notice::Event(e) => match (e.token(), e.saddr(), e.daddr()) {
                (Some(t), Some(s), Some(d)) => println!("event {} {t:08x} {s} -> {d}", e.kind()),
                (Some(t), ..) => println!("event {} {t:08x}", e.kind()),
                _ => println!("event {}", e.kind()),
            },
            Notice::Lost => println!("events lost: the kernel's queue overflowed"),
        }
    }
    println!("no event for {} s, done", quiet.as_secs());
    Ok(())
}
