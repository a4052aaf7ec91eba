//! Prints the path manager's events, like `mptcp monitor`, and stops cleanly at the
//! first of: COUNT events, SECONDS without an event, or the end of standard input
//! (Ctrl-D, or a closed pipe). The socket closes when `events` is dropped.
//!
//! `monitor [SECONDS [COUNT]]`, as root, e.g. `ip netns exec demo target/debug/examples/monitor 30`
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use mptcp_netlink::{EVENTS_BUF, Event, Events, Notice};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arg = |n: usize, default: u64| std::env::args().nth(n).map_or(Ok(default), |s| s.parse());
    let (quiet_limit, count) = (Duration::from_secs(arg(1, 10)?), arg(2, u64::MAX)?);
    let stdin_closed = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stdin_closed);
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        flag.store(true, Ordering::Relaxed);
    });

    let mut events = Events::open([0u8; EVENTS_BUF])?;
    events.set_queue_size(4 << 20)?; // room for bursts while we print
    let tick = Duration::from_millis(100); // how soon a stop request is noticed
    let (mut seen, mut quiet) = (0, Duration::ZERO);
    let reason = loop {
        if stdin_closed.load(Ordering::Relaxed) {
            break "end of input";
        } else if seen == count {
            break "count reached";
        } else if quiet >= quiet_limit {
            break "timeout";
        }
        match events.next(Some(tick))? {
            None => quiet += tick,
            Some(Notice::Event(e)) => {
                (seen, quiet) = (seen + 1, Duration::ZERO);
                print_event(&e);
            }
            Some(Notice::Lost) => eprintln!("warning: the kernel dropped events"),
        }
    };
    println!("stopped after {seen} events: {reason}");
    Ok(())
}

/// One line per event: the kind, then every field the kernel sent.
fn print_event(e: &Event<'_>) {
    let f = e.fields();
    let mut line = format!("[{:>16}]", e.kind().to_string());
    let mut field = |name: &str, value: Option<String>| {
        if let Some(v) = value {
            line += &format!(" {name}={v}");
        }
    };
    field("token", f.token.map(|t| format!("{t:08x}")));
    field("remid", f.rem_id.map(|v| v.to_string()));
    field("locid", f.loc_id.map(|v| v.to_string()));
    field("saddr", e.saddr().map(|a| a.to_string()));
    field("daddr", e.daddr().map(|a| a.to_string()));
    field("sport", e.sport().map(|p| p.to_string()));
    field("dport", e.dport().map(|p| p.to_string()));
    field("backup", f.backup.map(|v| v.to_string()));
    field("error", f.error.map(|v| v.to_string()));
    field("ifindex", f.if_idx.map(|v| v.to_string()));
    if e.is_server_side() {
        line += " server_side";
    }
    println!("{line}");
}
