//! `mptcp monitor` under bursts of events, in throw-away namespaces: batched receives
//! and the coalescing window print every event, in order, and a stop signal in the
//! middle of a storm still ends with status 0 and well-formed output; a monitor stalled
//! while 8000 events queue loses none with its default buffer, and warns with `-rc 1 MiB`.
//!
//! Needs root; a namespace that cannot be made fails the test.

use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use mptcp_stack::mptcp_sock::listen_once;
use mptcp_stack::{Netns, json, mptcp_bin};

fn monitor(ns: &Netns, json: bool) -> Child {
    let mut args = vec!["-n", ns.name()];
    if json {
        args.push("-j");
    }
    args.push("monitor");
    let child = Command::new(mptcp_bin()).args(args).stdout(Stdio::piped()).spawn().unwrap();
    // Let it subscribe before the events start.
    sleep(Duration::from_millis(300));
    child
}

fn stop(child: Child, signal: i32) -> (i32, String) {
    // SAFETY (test helper): signals a child we spawned and have not yet waited for.
    assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
    let out = child.wait_with_output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8(out.stdout).unwrap())
}

#[test]
fn a_burst_is_printed_whole_and_in_order() {
    let ns = Netns::new("burst");
    let mon = monitor(&ns, false);
    ns.run(|| (20000..20300).for_each(listen_once));
    sleep(Duration::from_millis(500));
    let (status, out) = stop(mon, libc::SIGTERM);
    assert_eq!(status, 0);
    let want: String = (20000..20300)
        .map(|p| {
            format!(
                "[LISTENER_CREATED] saddr4=127.0.0.1 sport={p}\n\
                 [ LISTENER_CLOSED] saddr4=127.0.0.1 sport={p}\n"
            )
        })
        .collect();
    assert_eq!(out, want);
}

#[test]
fn a_stop_during_a_storm_ends_cleanly() {
    let ns = Netns::new("storm-stop");
    let mon = monitor(&ns, true);
    let storm = ns.spawn(|| {
        let end = Instant::now() + Duration::from_millis(1200);
        let mut port = 30000u16;
        while Instant::now() < end {
            listen_once(port);
            port = if port == 39999 { 30000 } else { port + 1 };
        }
    });
    sleep(Duration::from_millis(600));
    let (status, out) = stop(mon, libc::SIGINT);
    storm.join().unwrap();
    assert_eq!(status, 0);
    let parsed = json::parse(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let events = parsed.as_array().expect("a JSON array");
    assert!(events.len() > 100, "only {} events in 300 ms of storm", events.len());
    for (i, e) in events.iter().enumerate() {
        let want = if i % 2 == 0 { "LISTENER_CREATED" } else { "LISTENER_CLOSED" };
        assert_eq!(e.get("event").and_then(json::Json::as_str), Some(want), "event {i}");
    }
}

/// A monitor stopped (SIGSTOP) while `events` events queue, then let go; returns the
/// events it printed and what it wrote to stderr.
fn stalled_monitor(ns: &Netns, rcvbuf: Option<&str>, events: u16) -> (usize, String) {
    let mut args = vec!["-n", ns.name()];
    if let Some(size) = rcvbuf {
        args.extend(["-rcvbuf", size]);
    }
    args.push("monitor");
    // A file, not a pipe: a pipe nobody reads fills up and blocks the monitor.
    let path = std::env::temp_dir().join(format!("mptcp-stall-{}.out", std::process::id()));
    let file = std::fs::File::create(&path).unwrap();
    let child =
        Command::new(mptcp_bin()).args(args).stdout(file).stderr(Stdio::piped()).spawn().unwrap();
    sleep(Duration::from_millis(300));
    let pid = child.id() as i32;
    // SAFETY (test helper): signals a child we spawned and have not yet waited for.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGSTOP) }, 0);
    ns.run(move || (0..events / 2).for_each(|i| listen_once(40000 + i)));
    // SAFETY: as above.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGCONT) }, 0);
    // Until every event is printed, or the output has stopped growing for half a second.
    let lines = || std::fs::read_to_string(&path).map_or(0, |t| t.lines().count());
    let (mut seen, mut still, end) = (0, 0, Instant::now() + Duration::from_secs(20));
    while seen < usize::from(events) && still < 5 && Instant::now() < end {
        sleep(Duration::from_millis(100));
        let now = lines();
        still = if now == seen { still + 1 } else { 0 };
        seen = now;
    }
    // SAFETY: as above.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = std::fs::read_to_string(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    (stdout.lines().count(), String::from_utf8(out.stderr).unwrap())
}

#[test]
fn the_default_buffer_rides_out_a_stall_that_a_1_mib_buffer_does_not() {
    const EVENTS: u16 = 8000;
    let ns = Netns::new("stall");
    let (small, small_err) = stalled_monitor(&ns, Some("1048576"), EVENTS);
    assert!(small < EVENTS as usize, "ip's 1 MiB held all {small} events: no stall test");
    assert!(small_err.contains("dropped MPTCP events"), "no warning: {small_err:?}");
    let (default, default_err) = stalled_monitor(&ns, None, EVENTS);
    assert_eq!(default, EVENTS as usize, "stderr: {default_err:?}");
    assert_eq!(default_err, "");
}
