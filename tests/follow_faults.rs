//! `endpoint follow` when a re-read of the routes fails, against the kernel. The kernel
//! gives no way to make a route dump fail on demand (a route too big for a dump
//! message does not fail it: the dump ends early, silently), so the debug build has a
//! test-only hook (`exec/follow/route.rs`): with `MPTCP_FOLLOW_FAULT=route-dump:PATH`
//! every route dump fails with EIO while the file PATH exists. A failed re-dump must
//! keep the last picture, say so, delete nothing, try again with a growing pause, and
//! once a try succeeds the picture (and so the endpoint table) must be right.

use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant};

use mptcp_stack::example::Running;
use mptcp_stack::follow_host::{FollowHost, SETTLE};

/// What a failed full re-dump says (the rest of the line names the error and the pause).
const FAILED_ALL: &str = "cannot read the links, addresses and routes: ";
/// What a failed re-dump of the routes alone says.
const FAILED_ROUTES: &str = "cannot read the routes: ";

/// A follow host ([`FollowHost`]) and the file whose existence makes follow's route
/// dumps fail.
struct Host {
    host: FollowHost,
    fault: PathBuf,
}

impl std::ops::Deref for Host {
    type Target = FollowHost;
    fn deref(&self) -> &FollowHost {
        &self.host
    }
}

impl Host {
    fn new(tag: &str, links: &[&str]) -> Host {
        let host = FollowHost::new(tag, links);
        let fault = std::env::temp_dir().join(format!("{}.fault", host.ns.name()));
        let _ = std::fs::remove_file(&fault);
        Host { host, fault }
    }

    /// Starts the debug build's `-j endpoint follow ARGS` with the fault hook armed.
    fn follow(&self, args: &[&str]) -> Running {
        let bin = mptcp_stack::mptcp_bin();
        let fault = format!("MPTCP_FOLLOW_FAULT=route-dump:{}", self.fault.display());
        let mut all = vec![fault.as_str(), bin.to_str().unwrap(), "-j", "endpoint", "follow"];
        all.extend_from_slice(args);
        let mut f = Running::start(&self.ns, &PathBuf::from("/usr/bin/env"), &all);
        f.wait_for(SETTLE, |l| l.contains("\"following "));
        f
    }

    /// From now on every route dump fails (until [`Host::heal`]).
    fn break_dumps(&self) {
        std::fs::write(&self.fault, b"").unwrap();
    }

    fn heal(&self) {
        std::fs::remove_file(&self.fault).unwrap();
    }
}

impl Drop for Host {
    /// The fault file goes; the namespace's record goes with the namespace.
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.fault);
    }
}

/// Waits for the `n`-th line (1-based) that contains `what`; returns it.
fn nth_line(f: &mut Running, what: &str, n: usize) -> String {
    let hint =
        "(no such line: is MPTCP_BIN a release build? the fault hook is in debug builds only)";
    let deadline = Instant::now() + SETTLE;
    loop {
        if let Some(l) = f.printed().iter().filter(|l| l.contains(what)).nth(n - 1) {
            return l.clone();
        }
        assert!(Instant::now() < deadline, "{hint}\n{}", f.printed().join("\n"));
        thread::sleep(Duration::from_millis(10));
    }
}

/// Stops a follower with SIGTERM; it must exit 0. Returns what it printed.
fn stop(f: Running) -> Vec<String> {
    f.signal(libc::SIGTERM);
    let (status, lines) = f.finish(SETTLE);
    assert_eq!(status, 0, "{lines:#?}");
    lines
}

const WAN: &str = "10.1.0.2 id 200 subflow dev wan0 \n";
const BOTH: &str = "10.1.0.2 id 200 subflow dev wan0 \n10.2.0.2 id 201 subflow dev lte0 \n";

/// The bug of issue 20: a failed re-dump after SIGHUP cleared the picture first, and
/// follow deleted every endpoint ("no default route") while the route was there.
#[test]
fn a_failed_full_redump_keeps_the_picture_deletes_nothing_and_heals() {
    let h = Host::new("flf-hup", &["wan0", "lte0"]);
    h.ip("addr add 10.1.0.2/24 dev wan0");
    h.ip("route add default via 10.1.0.1");
    let mut f = h.follow(&[]);
    h.settles(WAN, Some(&mut f));
    h.ip("addr add 10.2.0.2/24 dev lte0");
    h.settles(BOTH, Some(&mut f));

    h.break_dumps();
    f.signal(libc::SIGHUP);
    let first = nth_line(&mut f, FAILED_ALL, 1);
    assert!(
        first.contains("keeping the last picture, deleting nothing, trying again in 100 ms"),
        "{first}"
    );
    // The pause grows: the second try fails after 100 ms and waits 200 ms.
    let second = nth_line(&mut f, FAILED_ALL, 2);
    assert!(second.contains("trying again in 200 ms"), "{second}");
    // The endpoint table has been read again (SIGHUP) and planned on meanwhile.
    assert_eq!(h.show(), BOTH, "{:#?}", f.printed());

    // A removal seen while the picture is incomplete deletes nothing either ...
    h.ip("addr del 10.2.0.2/24 dev lte0");
    let tries = f.printed().iter().filter(|l| l.contains(FAILED_ALL)).count();
    nth_line(&mut f, FAILED_ALL, tries + 1);
    assert_eq!(h.show(), BOTH, "{:#?}", f.printed());
    assert!(!f.printed().iter().any(|l| l.contains("\"delete\"")), "{:#?}", f.printed());

    // ... until a try succeeds: then the picture is whole and right.
    h.heal();
    nth_line(&mut f, "read the links, addresses and routes again: the picture is whole", 1);
    h.settles(WAN, Some(&mut f));
    let log = stop(f);
    let deletes: Vec<&String> = log.iter().filter(|l| l.contains("\"delete\"")).collect();
    assert_eq!(deletes.len(), 1, "{log:#?}");
    assert!(deletes[0].contains("10.2.0.2") && deletes[0].contains("address removed"), "{log:#?}");
    assert!(!log.iter().any(|l| l.contains("refused")), "{log:#?}");
}

/// A link going down flushes its IPv4 routes without a notification, so follow reads
/// the routes again; when that fails, the link's endpoint stays until a try succeeds,
/// and the routes read then are the kernel's (the flushed default route is gone).
#[test]
fn a_failed_route_redump_after_a_link_change_holds_deletes_until_it_heals() {
    let h = Host::new("flf-link", &["wan0", "lte0"]);
    h.ip("addr add 10.1.0.2/24 dev wan0");
    h.ip("route add default via 10.1.0.1");
    h.ip("route add default via 10.2.0.1 dev lte0 metric 200 onlink");
    let mut f = h.follow(&[]);
    h.settles(WAN, Some(&mut f));
    h.ip("addr add 10.2.0.2/24 dev lte0");
    h.settles(BOTH, Some(&mut f));

    h.break_dumps();
    h.ip("link set lte0 down");
    let first = nth_line(&mut f, FAILED_ROUTES, 1);
    assert!(first.contains("keeping the last picture, deleting nothing"), "{first}");
    nth_line(&mut f, FAILED_ROUTES, 2);
    assert_eq!(h.show(), BOTH, "lte0 is down, but the picture is not whole");

    h.heal();
    nth_line(&mut f, "read the routes again: the picture is whole", 1);
    h.settles(WAN, Some(&mut f));
    // Up again: the IPv4 default route through wan0 is still there.
    h.ip("link set lte0 up");
    h.settles(BOTH, Some(&mut f));
    // The kernel flushed lte0's default route when it went down, and the route dump
    // that succeeded saw it: with wan0's gone, no IPv4 default route is left.
    h.ip("route del default via 10.1.0.1");
    h.settles("", Some(&mut f));
    let log = stop(f);
    assert!(!log.iter().any(|l| l.contains("refused")), "{log:#?}");
}

/// `follow once` in the host namespace; must exit 0. Returns what it printed.
fn once(h: &Host) -> String {
    let bin = mptcp_stack::mptcp_bin();
    let out = h.ns.exec(&[bin.to_str().unwrap(), "-j", "endpoint", "follow", "once"]);
    assert_eq!(out.status, 0, "{}{}", out.stdout_text(), out.stderr_text());
    out.stdout_text()
}

/// A namespace that is gone leaves its record behind, and the kernel gives its inode
/// number, so the record's name, to a later namespace. The record's birth mark (the
/// namespace's route socket, `PATH.netns`) tells them apart: the later namespace does
/// not inherit the claims (here on an endpoint an admin made with the same id and
/// address) and removes the record; its own record it keeps across runs.
#[test]
fn a_record_a_gone_namespace_left_is_removed_not_inherited() {
    let h = Host::new("flf-rec", &["wan0"]);
    h.ip("addr add 10.1.0.2/24 dev wan0");
    h.ip("mptcp endpoint add 10.1.0.2 id 7 dev wan0 subflow");
    let record = h.record_path();
    let mark = format!("{record}.netns");
    std::fs::create_dir_all("/run/mptcp-follow").unwrap();
    std::fs::write(&record, "mptcp-follow 1\n7 10.1.0.2\n").unwrap();
    std::fs::write(&mark, "1").unwrap();
    // No default route: were the record believed, id 7 would be deleted as follow's.
    let said = once(&h);
    assert!(!said.contains("\"delete\""), "{said}");
    assert_eq!(h.show(), "10.1.0.2 id 7 subflow dev wan0 \n");
    assert!(!std::path::Path::new(&record).exists(), "the stale record stays");
    assert!(!std::path::Path::new(&mark).exists(), "its mark stays");

    // Its own record, with its own mark, it believes on the next run.
    h.ip("route add default via 10.1.0.1");
    h.ip("addr add 10.1.0.3/24 dev wan0");
    let said = once(&h);
    assert!(said.contains("\"add\"") && said.contains("10.1.0.3"), "{said}");
    assert!(std::path::Path::new(&mark).exists(), "no mark beside the record");
    let two = "10.1.0.2 id 7 subflow dev wan0 \n10.1.0.3 id 200 subflow dev wan0 \n";
    assert_eq!(h.show(), two);
    h.ip("route del default via 10.1.0.1");
    let said = once(&h);
    assert!(said.contains("\"delete\"") && said.contains("10.1.0.3"), "{said}");
    assert_eq!(h.show(), "10.1.0.2 id 7 subflow dev wan0 \n");
    assert!(!std::path::Path::new(&record).exists() && !std::path::Path::new(&mark).exists());
}
