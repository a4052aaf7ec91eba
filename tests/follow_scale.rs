//! `endpoint follow` on a big host, against the kernel: 1,000 links with 4 IPv4
//! addresses each (4,000), and the IPv6 link-local address the kernel gives each link
//! (which no rule here allows, so it takes no place), in a throw-away namespace, made with one `ip -batch`. Rules manage two of the links: the right
//! endpoints appear, changes on a managed link converge, before and after a full
//! re-dump (SIGHUP), and the rest cost no place in follow's tables. With no rule every
//! link is managed: that must fit too (a dry run). The set-up times and the follower's
//! peak memory (VmHWM) are printed, not asserted: timing is the benches' business.

use std::collections::BTreeSet;
use std::thread;
use std::time::{Duration, Instant};

use mptcp_stack::Netns;
use mptcp_stack::example::Running;

const LINKS: usize = 1000;
const ADDRESSES_PER_LINK: usize = 4;
/// Long enough for a loaded machine: at 1,000 links a re-dump is a few milliseconds.
const SETTLE: Duration = Duration::from_secs(20);

/// The name of link `i`: `m0` and `m1` are managed, the rest `uN`.
fn link(i: usize) -> String {
    if i < 2 { format!("m{i}") } else { format!("u{i}") }
}

/// Address `j` of link `i` (a /32 each, so none is another's secondary).
fn address(i: usize, j: usize) -> String {
    format!("10.{}.{}.{}", i / 200, i % 200, j + 1)
}

/// The `ip -batch` lines that make every link (ifb: cheap, up with carrier) and
/// address.
fn batch() -> String {
    let mut b = String::new();
    for i in 0..LINKS {
        b += &format!("link add {} type ifb\nlink set {} up\n", link(i), link(i));
        for j in 0..ADDRESSES_PER_LINK {
            b += &format!("addr add {}/32 dev {}\n", address(i, j), link(i));
        }
    }
    b
}

/// `ip ARGS` in `ns`; must succeed.
fn ip(ns: &Netns, args: &str) {
    let words: Vec<&str> = args.split_whitespace().collect();
    let out = ns.exec(&[&["ip"][..], &words].concat());
    assert_eq!(out.status, 0, "ip {args}: {}", out.stderr_text());
}

/// The endpoint table as `ADDRESS dev NAME` lines, ids left out (they follow the
/// order of the adds, which the ranking decides, not this test).
fn endpoints(ns: &Netns) -> BTreeSet<String> {
    let out = ns.exec(&["/usr/sbin/ip", "mptcp", "endpoint", "show"]);
    assert_eq!(out.status, 0, "{}", out.stderr_text());
    let text = out.stdout_text();
    text.lines()
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            let dev = w.iter().position(|x| *x == "dev").map_or("", |p| w[p + 1]);
            format!("{} dev {dev}", w[0])
        })
        .collect()
}

/// What managed addresses should have endpoints: `(link, address)` pairs.
fn want(pairs: &[(usize, usize)]) -> BTreeSet<String> {
    pairs.iter().map(|&(i, j)| format!("{} dev {}", address(i, j), link(i))).collect()
}

/// Waits until the table is `want`; returns how long it took.
fn settles(ns: &Netns, want: &BTreeSet<String>, f: &mut Running) -> Duration {
    let start = Instant::now();
    let mut seen = endpoints(ns);
    while seen != *want && start.elapsed() < SETTLE {
        thread::sleep(Duration::from_millis(10));
        seen = endpoints(ns);
    }
    assert_eq!(seen, *want, "follower printed:\n{}", f.printed().join("\n"));
    start.elapsed()
}

/// `VmHWM` and `VmRSS` of the one process in `ns` (the follower), in KiB.
fn memory(ns: &Netns) -> (u64, u64) {
    let pids = std::process::Command::new("ip").args(["netns", "pids", ns.name()]).output();
    let pids = String::from_utf8(pids.expect("ip netns pids").stdout).unwrap();
    let pid = pids.split_whitespace().next().expect("the follower runs in the namespace");
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib = |key: &str| {
        let line = status.lines().find(|l| l.starts_with(key)).unwrap();
        line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap()
    };
    (kib("VmHWM:"), kib("VmRSS:"))
}

#[test]
fn a_thousand_links_and_four_thousand_addresses() {
    let ns = Netns::new("fl-scale");
    // IPv6 stays on: each link also gets an fe80:: address, 5,000 addresses in all,
    // more than follow's table holds, unless barred classes take no place.
    let file = std::env::temp_dir().join(format!("{}.batch", ns.name()));
    std::fs::write(&file, batch()).unwrap();
    let t = Instant::now();
    ip(&ns, &format!("-batch {}", file.display()));
    let made = t.elapsed();
    let _ = std::fs::remove_file(&file);
    let link_local = ns.exec(&["ip", "-6", "-o", "addr", "show", "scope", "link"]);
    let link_local = link_local.stdout_text().lines().count();
    assert!(link_local >= LINKS, "each link has its fe80:: address: {link_local}");
    // The default route goes through a link no rule manages: routes count everywhere.
    ip(&ns, &format!("route add default dev {}", link(LINKS - 1)));
    let bin = mptcp_stack::mptcp_bin();

    // No rule: every link is managed. The tables must hold them all (no "too many").
    let t = Instant::now();
    let dry = ns.exec(&[bin.to_str().unwrap(), "-j", "endpoint", "follow", "dry-run"]);
    let dry_time = t.elapsed();
    assert_eq!(dry.status, 0, "{}", dry.stderr_text());
    let dry_out = dry.stdout_text();
    assert!(!dry_out.contains("too many"), "{dry_out}");
    assert_eq!(dry_out.matches("\"add\"").count(), 8, "8 slots: {dry_out}");
    assert!(dry_out.contains("\"wait\""), "the other addresses wait: {dry_out}");
    assert!(endpoints(&ns).is_empty(), "a dry run changes nothing");

    // Rules for m0 and m1: their 8 addresses fill the 8 slots.
    let t = Instant::now();
    let mut f = Running::start(&ns, &bin, &["-j", "endpoint", "follow", "dev", "m*", "subflow"]);
    let following = f.wait_for(SETTLE, |l| l.contains("\"following "));
    let to_log = t.elapsed();
    let all: Vec<(usize, usize)> =
        (0..2).flat_map(|i| (0..ADDRESSES_PER_LINK).map(move |j| (i, j))).collect();
    settles(&ns, &want(&all), &mut f);
    let set_up = t.elapsed();
    let (hwm_start, rss_start) = memory(&ns);

    // Changes on a managed link converge; one on an unmanaged link changes nothing.
    ip(&ns, &format!("addr del {}/32 dev m1", address(1, 3)));
    let without = &all[..7];
    let del_time = settles(&ns, &want(without), &mut f);
    ip(&ns, &format!("addr add {}/32 dev u500", address(1, 3)));
    ip(&ns, &format!("addr add {}/32 dev m1", address(1, 3)));
    settles(&ns, &want(&all), &mut f);
    ip(&ns, "link set m0 down");
    settles(&ns, &want(&all[4..]), &mut f);
    ip(&ns, "link set m0 up");
    settles(&ns, &want(&all), &mut f);

    // A full re-dump at this size, then a change still converges.
    f.signal(libc::SIGHUP);
    f.wait_for(SETTLE, |l| l.contains("config reloaded"));
    ip(&ns, &format!("addr del {}/32 dev m0", address(0, 0)));
    settles(&ns, &want(&all[1..]), &mut f);
    let (hwm_end, rss_end) = memory(&ns);

    f.signal(libc::SIGTERM);
    let (status, log) = f.finish(SETTLE);
    assert_eq!(status, 0, "{log:#?}");
    assert!(!log.iter().any(|l| l.contains("refused") || l.contains("too many")), "{log:#?}");
    assert!(!log.iter().any(|l| l.contains("u500")), "an unmanaged link: {log:#?}");
    println!(
        "{LINKS} links, {} addresses: made in {made:?}; dry run (every link managed) {dry_time:?}; \
         follow: first line after {to_log:?}, 8 endpoints after {set_up:?}; a delete \
         converged in {del_time:?}; {link_local} IPv6 link-local addresses besides; follow's VmHWM {hwm_start} KiB (RSS {rss_start} KiB) after \
         start, {hwm_end} KiB (RSS {rss_end} KiB) after the changes and a re-dump; it said: {following}",
        LINKS * ADDRESSES_PER_LINK
    );
}
