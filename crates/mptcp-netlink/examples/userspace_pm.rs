//! A tiny userspace path manager: for each new outgoing connection in a namespace with
//! `net.mptcp.pm_type=1`, opens one extra subflow from each local address given, to the
//! address and port the connection went to, and logs every event. Stops after SECONDS
//! without an event.
//!
//! `userspace_pm SECONDS LOCAL_ADDRESS...`, as root in the client's namespace.
use std::net::IpAddr;
use std::time::Duration;

use mptcp_netlink::{EVENTS_BUF, Endpoint, EventKind, Notice, PathManager, RECV_BUF};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let quiet =
        Duration::from_secs(args.next().ok_or("usage: userspace_pm SECONDS ADDR...")?.parse()?);
    let locals = args.map(|a| a.parse()).collect::<Result<Vec<IpAddr>, _>>()?;

    let mut pm = PathManager::open([0u8; RECV_BUF])?;
    let mut events = pm.events([0u8; EVENTS_BUF])?;
    println!("ready: {} local addresses", locals.len());
    while let Some(notice) = events.next(Some(quiet))? {
        let Notice::Event(e) = notice else {
            println!("events lost");
            continue;
        };
        println!("event {} token {:08x}", e.kind(), e.token().unwrap_or(0));
        let (EventKind::Established, false) = (e.kind(), e.is_server_side()) else { continue };
        let (Some(token), Some(first), Some(daddr), Some(dport)) =
            (e.token(), e.saddr(), e.daddr(), e.dport())
        else {
            continue;
        };
        let remote = Endpoint { port: dport, ..Endpoint::with_addr(daddr) };
        for (n, &addr) in locals.iter().filter(|a| **a != first).enumerate() {
            let local = Endpoint { id: Some(10 + n as u8), ..Endpoint::with_addr(addr) };
            match pm.create_subflow(token, &local, &remote) {
                Ok(()) => println!("subflow {addr} -> {daddr}:{dport} requested"),
                Err(err) => println!("subflow {addr} -> {daddr}:{dport} refused: {err}"),
            }
        }
    }
    println!("no event for {} s, done", quiet.as_secs());
    Ok(())
}
