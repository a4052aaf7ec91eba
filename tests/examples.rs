//! The library examples, run as a user would run them, each in throw-away namespaces,
//! with assertions on what they printed and on what they did to the kernel.
//!
//! Needs root and the built examples (`cargo xtask ci` builds them first; see
//! [`example_bin`]). Nothing here skips: a namespace that cannot be made fails.

use std::path::PathBuf;
use std::process::Command;
use std::thread;
use std::time::Duration;

use mptcp_stack::Netns;
use mptcp_stack::example::{Running, example_bin};

const FIXTURE: &str = env!("CARGO_BIN_EXE_mptcp-fixture");
const WAIT: Duration = Duration::from_secs(10);

/// One MPTCP connection from `client` to `server` on `addr:port`, held `hold` seconds;
/// returns when the client has closed.
fn connection(server: &Netns, client: &Netns, addr: &str, port: u16, hold: &str) {
    let port = port.to_string();
    let listen_addr = if server.name() == client.name() { addr } else { "0.0.0.0" };
    let mut srv = Command::new("ip")
        .args(["netns", "exec", server.name(), FIXTURE, "server", listen_addr, &port])
        .spawn()
        .expect("start the fixture server");
    thread::sleep(Duration::from_millis(200));
    let out = client.exec(&[FIXTURE, "client", addr, &port, hold]);
    assert_eq!(out.status, 0, "client failed: {}", out.stderr_text());
    let _ = srv.wait();
}

/// What `ip mptcp endpoint show` (our binary) prints in `ns`.
fn endpoint_show(ns: &Netns) -> String {
    let bin = mptcp_stack::mptcp_bin();
    let out = ns.exec(&[bin.to_str().unwrap(), "endpoint", "show"]);
    assert_eq!(out.status, 0, "{}", out.stderr_text());
    out.stdout_text()
}

fn has(lines: &[String], prefix: &str) -> bool {
    lines.iter().any(|l| l.starts_with(prefix))
}

/// The issue's first program: limits, two endpoints, a dump, and the events of a
/// connection made while it listens.
#[test]
fn daemon_configures_lists_and_reports_a_connections_events() {
    let ns = Netns::new("ex-daemon");
    let bin = example_bin("daemon");
    let mut run = Running::start(&ns, &bin, &["10.9.1.1", "2001:db8::9", "lo", "1"]);
    run.wait_for(WAIT, |l| l.starts_with("endpoint 2: "));
    connection(&ns, &ns, "127.0.0.1", 7100, "0.2");
    let (status, lines) = run.finish(WAIT);
    assert_eq!(status, 0, "{lines:#?}");
    assert!(lines[0].starts_with("family ") && lines[0].contains(" events group Some("));
    assert_eq!(lines[1], "limits add_addr_accepted 2 subflows 2");
    let table = ["endpoint 10.9.1.1 id 1 signal", "endpoint 2001:db8::9 id 2 signal dev if1"];
    assert_eq!(lines[2..4], table);
    assert_eq!(lines[4], "endpoint 2: 2001:db8::9 id 2 signal dev lo", "named by device");
    for kind in ["         CREATED", "     ESTABLISHED"] {
        let with_addrs = |l: &str| {
            l.starts_with(&format!("event [{kind}] token="))
                && l.contains(" saddr4=127.0.0.1 daddr4=127.0.0.1 ")
        };
        assert_eq!(lines.iter().filter(|l| with_addrs(l)).count(), 2, "{kind}: {lines:#?}");
    }
    let closed = lines.iter().filter(|l| l.starts_with("event [          CLOSED] token="));
    assert_eq!(closed.count(), 2, "{lines:#?}");
    assert_eq!(lines.last().unwrap(), "no event for 1 s, done");
    let source = include_str!("../crates/mptcp-netlink/examples/daemon.rs");
    assert!(source.lines().count() <= 60, "the first program stays within 60 lines");
    let table = endpoint_show(&ns);
    assert_eq!(table, "10.9.1.1 id 1 signal \n2001:db8::9 id 2 signal dev lo \n");
}

#[test]
fn monitor_stops_on_timeout_count_and_end_of_input() {
    let ns = Netns::new("ex-monitor");
    let bin = example_bin("monitor");

    let run = Running::start(&ns, &bin, &["1"]);
    thread::sleep(Duration::from_millis(300));
    connection(&ns, &ns, "127.0.0.1", 7200, "0");
    let (status, lines) = run.finish(WAIT);
    assert_eq!(status, 0, "{lines:#?}");
    assert!(has(&lines, "[LISTENER_CREATED] saddr=127.0.0.1 sport=7200"), "{lines:#?}");
    assert!(has(&lines, "[         CREATED] token="), "{lines:#?}");
    assert!(lines.iter().any(|l| l.contains(" server_side")), "{lines:#?}");
    let last = lines.last().unwrap();
    assert!(last.starts_with("stopped after ") && last.ends_with("events: timeout"), "{last}");

    let run = Running::start(&ns, &bin, &["30", "2"]);
    thread::sleep(Duration::from_millis(300));
    connection(&ns, &ns, "127.0.0.1", 7201, "0");
    let (status, lines) = run.finish(WAIT);
    assert_eq!((status, lines.len()), (0, 3), "{lines:#?}");
    assert_eq!(lines[2], "stopped after 2 events: count reached");

    let mut run = Running::start(&ns, &bin, &["30"]);
    thread::sleep(Duration::from_millis(300));
    run.close_stdin();
    let (status, lines) = run.finish(WAIT);
    assert_eq!((status, lines), (0, vec!["stopped after 0 events: end of input".to_owned()]));
}

/// Two namespaces joined by two veth pairs (10.1.1.0/24, 10.1.2.0/24), both with the
/// userspace path manager: the example opens the second subflow itself.
#[test]
fn userspace_pm_opens_a_subflow_per_extra_address() {
    let (server, client) = (Netns::new("ex-upm-s"), Netns::new("ex-upm-c"));
    for (i, net) in [(1, "10.1.1"), (2, "10.1.2")] {
        let (c, s) = (format!("c{i}"), format!("s{i}"));
        client.sh(&["ip", "link", "add", &c, "type", "veth", "peer", "name", &s, "netns"]
            .into_iter()
            .chain([server.name()])
            .collect::<Vec<_>>());
        client.sh(&["ip", "addr", "add", &format!("{net}.2/24"), "dev", &c]);
        server.sh(&["ip", "addr", "add", &format!("{net}.1/24"), "dev", &s]);
        client.sh(&["ip", "link", "set", &c, "up"]);
        server.sh(&["ip", "link", "set", &s, "up"]);
    }
    for ns in [&server, &client] {
        ns.sh(&["sysctl", "-qw", "net.mptcp.pm_type=1"]);
    }
    let bin = example_bin("userspace_pm");
    let mut run = Running::start(&client, &bin, &["2", "10.1.1.2", "10.1.2.2"]);
    run.wait_for(WAIT, |l| l == "ready: 2 local addresses");
    connection(&server, &client, "10.1.1.1", 7300, "1.5");
    let (status, lines) = run.finish(WAIT);
    assert_eq!(status, 0, "{lines:#?}");
    assert!(has(&lines, "subflow 10.1.2.2 -> 10.1.1.1:7300 requested"), "{lines:#?}");
    assert!(!has(&lines, "subflow 10.1.1.2"), "the first subflow's address is skipped");
    assert!(has(&lines, "event SF_ESTABLISHED token "), "{lines:#?}");
    assert_eq!(lines.last().unwrap(), "no event for 2 s, done");
}

#[test]
fn tokio_example_reads_events_through_async_fd() {
    let ns = Netns::new("ex-tokio");
    let bin = example_bin("tokio-events");
    let mut run = Running::start(&ns, &bin, &["1"]);
    run.wait_for(WAIT, |l| l == "ready");
    connection(&ns, &ns, "127.0.0.1", 7400, "0");
    let (status, lines) = run.finish(WAIT);
    assert_eq!(status, 0, "{lines:#?}");
    assert!(has(&lines, "event CREATED token "), "{lines:#?}");
    assert!(has(&lines, "event LISTENER_CLOSED token 00000000"), "{lines:#?}");
    let last = lines.last().unwrap();
    assert!(last.starts_with("no event for 1 s after ") && !last.contains(" 0 events"), "{last}");
}

/// The async example: 100 endpoint deletes under tokio with blocking calls and with
/// `Worker`, the timer task's worst lateness printed for each, and the events of a
/// connection made meanwhile handled by another task.
#[test]
fn tokio_pm_example_measures_the_executor_and_handles_events() {
    let ns = Netns::new("ex-tokio-pm");
    let bin = example_bin("tokio-pm");
    let mut run = Running::start(&ns, &bin, &["100", "1"]);
    run.wait_for(WAIT, |l| l == "ready");
    connection(&ns, &ns, "127.0.0.1", 7500, "0");
    let (status, lines) = run.finish(Duration::from_secs(60));
    assert_eq!(status, 0, "{lines:#?}");
    let figure = |label: &str| -> f64 {
        let line = lines.iter().find(|l| l.trim_start().starts_with(label)).expect(label);
        let ms = line.split(':').nth(1).unwrap().split(" ms").next().unwrap().trim();
        ms.parse().unwrap_or_else(|_| panic!("{line}"))
    };
    // The figures are printed (timing is not asserted); both runs made 100 deletes.
    assert!(figure("blocking calls") > 0.0 && figure("Worker") > 0.0, "{lines:#?}");
    assert!(has(&lines, "[         CREATED] token="), "{lines:#?}");
    assert!(has(&lines, "[ LISTENER_CLOSED] saddr4=127.0.0.1 sport=7500"), "{lines:#?}");
    let handled = lines.last().unwrap().strip_prefix("events handled: ").unwrap();
    assert!(handled.parse::<u32>().unwrap() >= 4, "{lines:#?}");
    let table = ns.exec(&["ip", "mptcp", "endpoint", "show"]);
    assert_eq!(table.stdout_text(), "", "every endpoint added was deleted");
}

/// Kernel-free: the no_std parse of captured bytes.
#[test]
fn parse_capture_reads_the_fixtures() {
    let bin: PathBuf = example_bin("parse_capture");
    let out = Command::new(&bin).output().expect("run parse_capture");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 10, "{text}");
    assert_eq!(lines[1], "endpoint 10.0.2.1 id 2 subflow dev if3");
    let monitor = "[  SF_ESTABLISHED] token=f55fa16c remid=0 locid=1 saddr4=10.0.3.2 \
                   daddr4=10.0.1.1 sport=54875 dport=5000 backup=0 ifindex=4";
    assert_eq!(lines[8], monitor, "the event's Display is the monitor's line");
    assert!(lines[9].starts_with("event SF_ESTABLISHED token f55fa16c 10.0.3.2:"), "{text}");
}

/// The README's library program is an example, kept verbatim in both READMEs, and it
/// does what its comment says.
#[test]
fn readme_program_is_in_both_readmes_and_runs() {
    let root = mptcp_stack::workspace();
    let source = std::fs::read_to_string(root.join("crates/mptcp-netlink/examples/readme.rs"))
        .expect("the readme example");
    let program: String =
        source.lines().filter(|l| !l.starts_with("//!")).map(|l| format!("{l}\n")).collect();
    for readme in ["README.md", "crates/mptcp-netlink/README.md"] {
        let text = std::fs::read_to_string(root.join(readme)).expect(readme);
        assert!(text.contains(&format!("```rust\n{program}```")), "{readme} lost the program");
    }
    let ns = Netns::new("ex-readme");
    let out = ns.exec(&[example_bin("readme").to_str().unwrap()]);
    assert_eq!((out.status, out.stdout_text()), (0, "10.0.2.1 id 1 subflow\n".to_owned()));
    assert_eq!(endpoint_show(&ns), "10.0.2.1 id 1 subflow \n");
}
