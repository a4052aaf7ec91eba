//! A daemon's first program (the one of issue 24's "Why"): the family, the limits, two
//! endpoints (one bound to a device by name), a dump, then the path manager's events
//! until some seconds pass without one. No heap: the buffers are on the stack.
//!
//! As root, in a throw-away namespace:
//! `ip netns exec demo target/debug/examples/daemon 10.0.1.1 10.0.2.1 lo 5`
use std::net::IpAddr;
use std::time::Duration;

use mptcp_netlink::{EVENTS_BUF, Endpoint, EndpointFlags, Limits, Notice, PathManager, RECV_BUF};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [first, second, dev, ..] = &args[..] else {
        return Err("usage: daemon ADDRESS ADDRESS DEVICE [QUIET_SECONDS]".into());
    };
    let quiet = Duration::from_secs(args.get(3).map_or(Ok(5), |s| s.parse())?);

    let mut pm = PathManager::open([0u8; RECV_BUF])?;
    println!("family {} events group {:?}", pm.family(), pm.events_group());
    // Subscribe first, so that no event of our own changes is missed.
    let mut events = pm.events([0u8; EVENTS_BUF])?;
    pm.set_limits(Limits { subflows: Some(2), rcv_add_addrs: Some(2) })?;
    let ifindex = pm.ifindex(dev)?;
    for (id, addr, ifindex) in [(1, first, 0), (2, second, ifindex)] {
        let (ip, flags): (IpAddr, _) = (addr.parse()?, EndpointFlags::SIGNAL);
        pm.add_endpoint(&Endpoint { id: Some(id), flags, ifindex, ..Endpoint::with_addr(ip) })?;
    }
    println!("limits {}", pm.limits()?);
    for endpoint in pm.endpoints()? {
        println!("endpoint {}", endpoint?);
    }
    let second = pm.endpoint(2)?;
    println!("endpoint 2: {}", pm.named(&second)); // `dev lo`, not `dev if1`

    while let Some(notice) = events.next(Some(quiet))? {
        match notice {
            Notice::Event(e) => println!("event {e}"), // the monitor's line
            Notice::Lost => println!("events lost: the kernel's queue overflowed"),
        }
    }
    println!("no event for {} s, done", quiet.as_secs());
    Ok(())
}
