//! The path manager's events on tokio: `Events` in non-blocking mode goes straight into
//! `AsyncFd` (it implements `AsRawFd` and `AsFd`, no newtype), so the task sleeps in the
//! reactor until the kernel queues an event. Stops after SECONDS without an event
//! (default 10).
//!
//! `tokio-events [SECONDS]`, as root, e.g. `ip netns exec demo target/debug/tokio-events 5`
use std::time::Duration;

use mptcp_netlink::{EVENTS_BUF, Events, Notice};
use tokio::io::unix::AsyncFd;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let quiet = Duration::from_secs(std::env::args().nth(1).map_or(Ok(10), |s| s.parse())?);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(follow(quiet))
}

async fn follow(quiet: Duration) -> Result<(), Box<dyn std::error::Error>> {
    let mut events = Events::open(vec![0u8; EVENTS_BUF])?;
    events.set_nonblocking(true)?;
    // SAFETY: tokio needs the descriptor to stay open and the same for as long as the
    // `AsyncFd` owns `events`. `Events` owns its socket, never replaces it, and closes
    // it only when dropped, which happens inside the `AsyncFd`.
    let mut events = unsafe { AsyncFd::register(events)? };
    println!("ready");
    let mut seen = 0;
    loop {
        let mut ready = match tokio::time::timeout(quiet, events.readable_mut()).await {
            Ok(ready) => ready?,
            Err(_) => break,
        };
        // Take everything queued; `Ok(None)` means the socket is drained.
        let events = ready.get_inner_mut();
        while let Some(notice) = events.next(None)? {
            match notice {
                Notice::Event(e) => {
                    seen += 1;
                    println!("event {} token {:08x}", e.kind(), e.token().unwrap_or(0));
                }
                Notice::Lost => println!("events lost"),
            }
        }
        ready.clear_ready();
    }
    println!("no event for {} s after {seen} events, done", quiet.as_secs());
    Ok(())
}
