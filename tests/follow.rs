//! `mptcp endpoint follow` against the kernel, each test in throw-away namespaces: the
//! host under test has veth links into a peer namespace (so links have carrier), and
//! every expectation is the exact text of iproute2's `ip mptcp endpoint show`.

use std::path::PathBuf;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use mptcp_follow::rtnl::apply;
use mptcp_follow::{Endpoint, Op, Owned, Rules, State, plan};
use mptcp_netlink::PathManager;
use mptcp_stack::example::Running;
use mptcp_stack::follow_host::{FollowHost, SETTLE};
use nlsock::{Conn, Socket};
use rtnl_wire::Object;
use rtnl_wire::consts::{AF_INET, AF_INET6, AF_UNSPEC};

/// follow's kernel tests share their host ([`FollowHost`]); these add what only they use.
type Host = FollowHost;

/// Writing follow's record by hand, and starting the debug build's follower.
trait FollowHere {
    fn write_record(&self, text: &str);
    fn follow(&self, args: &[&str]) -> Running;
}

impl FollowHere for Host {
    fn write_record(&self, text: &str) {
        let path = self.record_path();
        std::fs::create_dir_all("/run/mptcp-follow").unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn follow(&self, args: &[&str]) -> Running {
        let bin: PathBuf = mptcp_stack::mptcp_bin();
        let mut all = vec!["-j", "endpoint", "follow"];
        all.extend_from_slice(args);
        let mut f = Running::start(&self.ns, &bin, &all);
        f.wait_for(SETTLE, |l| l.contains("\"following "));
        f
    }
}

/// Stops a follower with SIGTERM; it must exit 0.
fn stop(f: Running) -> Vec<String> {
    f.signal(libc::SIGTERM);
    let (status, lines) = f.finish(SETTLE);
    assert_eq!(status, 0, "{lines:#?}");
    lines
}

#[test]
fn start_removes_its_stale_and_spares_every_endpoint_it_did_not_make() {
    let h = Host::new("fl-start", &["wan0", "lan0"]);
    h.ip("addr add 10.1.0.2/24 dev wan0");
    h.ip("route add default via 10.1.0.1");
    h.ip("mptcp endpoint add 10.9.0.1 id 5 dev lan0 signal");
    h.ip("mptcp endpoint add 10.1.0.2 id 7 dev wan0 subflow");
    h.ip("mptcp endpoint add 10.8.0.8 id 210 subflow");
    h.ip("mptcp endpoint add 10.8.0.9 id 211 subflow");
    // The record says 210 is follow's (made by an earlier run): stale, it goes. 211 has
    // an id of the same range but no record: someone else's, it stays.
    h.write_record("mptcp-follow 1\n210 10.8.0.8\n");
    let f = h.follow(&["dev", "wan0", "subflow"]);
    let kept = "10.9.0.1 id 5 signal dev lan0 \n10.1.0.2 id 7 subflow dev wan0 \n10.8.0.9 id 211 subflow \n";
    h.settles(kept, None);
    let log = stop(f);
    assert!(log.iter().any(|l| l.contains("\"delete\"") && l.contains("10.8.0.8")), "{log:#?}");
    assert!(!log.iter().any(|l| l.contains("refused")), "{log:#?}");
    let said = log.iter().filter(|l| l.contains("did not make") && l.contains("10.1.0.2")).count();
    assert_eq!(said, 1, "said once: {log:#?}");
    // Stopping leaves the endpoints as they are.
    assert_eq!(h.show(), kept);
}

#[test]
fn addresses_links_and_routes_each_give_the_expected_table() {
    let h = Host::new("fl-chg", &["wan0", "lte0"]);
    h.ip("addr add 10.1.0.2/24 dev wan0");
    let mut f = h.follow(&[]);
    h.settles("", Some(&mut f));
    h.ip("route add default via 10.1.0.1");
    h.settles("10.1.0.2 id 200 subflow dev wan0 \n", Some(&mut f));
    h.ip("addr add 10.2.0.2/24 dev lte0");
    let both = "10.1.0.2 id 200 subflow dev wan0 \n10.2.0.2 id 201 subflow dev lte0 \n";
    h.settles(both, Some(&mut f));
    h.ip("link set lte0 down");
    h.settles("10.1.0.2 id 200 subflow dev wan0 \n", Some(&mut f));
    h.ip("link set lte0 up");
    h.settles(both, Some(&mut f));
    h.ip("addr del 10.2.0.2/24 dev lte0");
    h.settles("10.1.0.2 id 200 subflow dev wan0 \n", Some(&mut f));
    h.ip("addr add 10.2.0.2/24 dev lte0");
    h.settles(both, Some(&mut f));
    h.ip("link del lte0");
    h.settles("10.1.0.2 id 200 subflow dev wan0 \n", Some(&mut f));
    h.ip("route del default");
    h.settles("", Some(&mut f));
    // IPv6: DAD first (tentative, then valid), and only with an IPv6 default route.
    h.ip("-6 route add default via 2001:db8:1::1 dev wan0 onlink");
    h.ip("-6 addr add 2001:db8:1::2/64 dev wan0");
    assert_eq!(h.show(), "", "a tentative address got an endpoint");
    h.settles("2001:db8:1::2 id 200 subflow dev wan0 \n", Some(&mut f));
    h.ip("-6 route del default");
    h.settles("", Some(&mut f));
    h.ip("-6 route add default via 2001:db8:1::1 dev wan0 onlink");
    h.settles("2001:db8:1::2 id 200 subflow dev wan0 \n", Some(&mut f));
    // Deprecated: the preferred lifetime runs out.
    h.ip("-6 addr change 2001:db8:1::2/64 dev wan0 preferred_lft 0");
    h.settles("", Some(&mut f));
    // A temporary (privacy) address the kernel makes from a managed one: only the
    // managed one gets an endpoint, also once the temporary one has passed DAD.
    h.ns.sh(&["sysctl", "-qw", "net.ipv6.conf.wan0.use_tempaddr=2"]);
    h.ip("-6 addr add 2001:db8:1::5/64 dev wan0 mngtmpaddr nodad");
    h.settles("2001:db8:1::5 id 200 subflow dev wan0 \n", Some(&mut f));
    let deadline = Instant::now() + SETTLE;
    loop {
        let temp =
            h.ns.exec(&["ip", "-6", "addr", "show", "dev", "wan0", "temporary"]).stdout_text();
        if temp.contains("temporary") && !temp.contains("tentative") {
            break;
        }
        assert!(Instant::now() < deadline, "no valid temporary address: {temp}");
        thread::sleep(Duration::from_millis(50));
    }
    thread::sleep(Duration::from_millis(200));
    assert_eq!(h.show(), "2001:db8:1::5 id 200 subflow dev wan0 \n");
    let log = stop(f);
    assert!(log.iter().any(|l| l.contains("\"skip\"") && l.contains("temporary")), "{log:#?}");
    assert!(log.iter().any(|l| l.contains("\"skip\"") && l.contains("tentative")), "{log:#?}");
}

#[test]
fn sighup_rereads_the_config_and_limits_stay_the_users() {
    let h = Host::new("fl-hup", &["wan0", "lte0"]);
    h.ip("addr add 10.1.0.2/24 dev wan0");
    h.ip("addr add 10.2.0.2/24 dev lte0");
    h.ip("route add default via 10.1.0.1");
    h.ip("mptcp limits set subflows 0 add_addr_accepted 3");
    let conf = std::env::temp_dir().join(format!("follow-hup-{}.conf", std::process::id()));
    std::fs::write(&conf, "dev wan0 signal\n").unwrap();
    let mut f = h.follow(&["config", conf.to_str().unwrap()]);
    h.settles("10.1.0.2 id 200 signal dev wan0 \n", Some(&mut f));
    std::fs::write(&conf, "# the modem too\ndev lte0 subflow backup\ndev wan0 signal\n").unwrap();
    f.signal(libc::SIGHUP);
    f.wait_for(SETTLE, |l| l.contains("config reloaded: 2 rules"));
    h.settles(
        "10.1.0.2 id 200 signal dev wan0 \n10.2.0.2 id 201 subflow backup dev lte0 \n",
        Some(&mut f),
    );
    let warned = f.wait_for(SETTLE, |l| l.contains("subflows is 0"));
    assert!(warned.contains("note"), "{warned}");
    std::fs::write(&conf, "dev wan0 bogus\n").unwrap();
    f.signal(libc::SIGHUP);
    f.wait_for(SETTLE, |l| l.contains("config not reloaded"));
    let log = stop(f);
    std::fs::remove_file(&conf).unwrap();
    assert!(!log.iter().any(|l| l.contains("refused")), "{log:#?}");
    let limits = h.ns.exec(&["/usr/sbin/ip", "mptcp", "limits", "show"]).stdout_text();
    assert_eq!(limits, "add_addr_accepted 3 subflows 0 \n", "the limits were changed");
}

#[test]
fn twelve_addresses_fill_eight_slots_by_rule_then_age_and_promote_when_freed() {
    let h = Host::new("fl-prio", &["wan0", "wan1", "lte0"]);
    h.ip("route add default dev wan0");
    // One subnet each: deleting an IPv4 primary address takes its secondaries along.
    for (link, net) in [("wan0", 1), ("wan1", 2), ("lte0", 3)] {
        for host in 1..=4 {
            h.ip(&format!("addr add 10.{net}.{host}.1/24 dev {link}"));
        }
    }
    let mut f = h.follow(&[
        "dev", "wan0", "signal", "dev", "wan1", "subflow", "dev", "lte0", "subflow", "backup",
    ]);
    let mut want = String::new();
    for (i, host) in (1..=4).enumerate() {
        want += &format!("10.1.{host}.1 id {} signal dev wan0 \n", 200 + i);
    }
    for (i, host) in (1..=4).enumerate() {
        want += &format!("10.2.{host}.1 id {} subflow dev wan1 \n", 204 + i);
    }
    h.settles(&want, Some(&mut f));
    let waiting = f.wait_for(SETTLE, |l| l.contains("\"wait\""));
    assert!(waiting.contains("10.3.1.1") && waiting.contains("4 address(es) waiting"), "{waiting}");
    h.ip("addr del 10.1.1.1/24 dev wan0");
    h.ip("addr del 10.1.2.1/24 dev wan0");
    let mut want = String::new();
    want += "10.3.1.1 id 200 subflow backup dev lte0 \n10.3.2.1 id 201 subflow backup dev lte0 \n";
    want += "10.1.3.1 id 202 signal dev wan0 \n10.1.4.1 id 203 signal dev wan0 \n";
    for (i, host) in (1..=4).enumerate() {
        want += &format!("10.2.{host}.1 id {} subflow dev wan1 \n", 204 + i);
    }
    h.settles(&want, Some(&mut f));
    stop(f);
}

#[test]
fn bad_arguments_and_config_name_the_word_and_apply_nothing() {
    let h = Host::new("fl-bad", &["wan0"]);
    h.ip("addr add 10.1.0.2/24 dev wan0");
    h.ip("route add default via 10.1.0.1");
    let bin = mptcp_stack::mptcp_bin();
    let run = |args: &[&str]| {
        let mut all = vec![bin.to_str().unwrap(), "endpoint", "follow"];
        all.extend_from_slice(args);
        h.ns.exec(&all)
    };
    let out = run(&["once", "dev", "wan0", "sigal"]);
    assert_eq!(out.status, 255);
    assert_eq!(
        out.stderr_text(),
        "Error: argument \"sigal\" is wrong: signal, subflow, backup, fullmesh, laminar or ignore is expected\n"
    );
    let conf = std::env::temp_dir().join(format!("follow-bad-{}.conf", std::process::id()));
    std::fs::write(&conf, "# uplink\ndev wan0 signal port 99999\n").unwrap();
    let out = run(&["once", "config", conf.to_str().unwrap()]);
    std::fs::remove_file(&conf).unwrap();
    assert_eq!(out.status, 255);
    assert_eq!(
        out.stderr_text(),
        format!(
            "Error: {}:2: word 5 is wrong: a port from 1 to 65535 is expected\n",
            conf.display()
        )
    );
    let out = run(&["config"]);
    assert_eq!(
        (out.status, out.stderr_text().as_str()),
        (255, "Command line is not complete. Try option \"help\"\n")
    );
    assert_eq!(h.show(), "", "a refused command applied something");
    // The ip personality knows no such command.
    let dir = std::env::temp_dir().join(format!("follow-ip-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let link = dir.join("ip");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(&bin, &link).unwrap();
    let ip = h.ns.exec(&[link.to_str().unwrap(), "mptcp", "endpoint", "follow"]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(ip.status, 255);
    assert_eq!(ip.stderr_text(), "Command \"follow\" is unknown, try \"ip mptcp help\".\n");
}

#[test]
fn once_and_dry_run() {
    let h = Host::new("fl-once", &["wan0"]);
    h.ip("addr add 10.1.0.2/24 dev wan0");
    h.ip("route add default via 10.1.0.1");
    let bin = mptcp_stack::mptcp_bin();
    let b = bin.to_str().unwrap();
    let out = h.ns.exec(&[b, "endpoint", "follow", "dry-run", "dev", "wan*", "signal"]);
    assert_eq!(
        (out.status, out.stdout_text().as_str()),
        (0, "would add 10.1.0.2 id 200 dev wan0 signal (start)\n")
    );
    assert_eq!(h.show(), "");
    let out = h.ns.exec(&[b, "endpoint", "follow", "once", "dev", "wan*", "signal"]);
    assert_eq!(
        (out.status, out.stdout_text().as_str()),
        (0, "add 10.1.0.2 id 200 dev wan0 signal (start)\n")
    );
    assert_eq!(h.show(), "10.1.0.2 id 200 signal dev wan0 \n");
    let again = h.ns.exec(&[b, "endpoint", "follow", "once", "dev", "wan*", "signal"]);
    assert_eq!((again.status, again.stdout_text().as_str()), (0, ""));
}

/// The storm's seeded generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) % n
    }
}

/// `count` random changes of addresses, links and default routes as `ip -batch` lines.
/// At most seven addresses exist at once, so the endpoint table never depends on ages.
fn storm_lines(seed: u64, count: usize) -> String {
    let mut rng = Rng(seed);
    let links = ["wan0", "wan1", "lte0"];
    let mut out = String::new();
    for _ in 0..count {
        let l = rng.next(3) as usize;
        let dev = links[l];
        let line = match rng.next(10) {
            0..=5 => {
                let verb = if rng.next(2) == 0 { "add" } else { "del" };
                match rng.next(3) {
                    0 | 1 => format!("addr {verb} 10.{}.0.{}/24 dev {dev}", l + 1, 2 + rng.next(2)),
                    _ if l == 0 => format!("-6 addr {verb} 2001:db8:1::2/64 dev wan0 nodad"),
                    _ => format!("addr {verb} 10.{}.0.2/24 dev {dev}", l + 1),
                }
            }
            6 | 7 => format!("link set {dev} {}", if rng.next(2) == 0 { "down" } else { "up" }),
            8 => format!(
                "route {} default dev wan1 table 100",
                if rng.next(2) == 0 { "add" } else { "del" }
            ),
            _ => format!(
                "-6 route {} default dev wan0",
                if rng.next(2) == 0 { "add" } else { "del" }
            ),
        };
        out += &line;
        out.push('\n');
    }
    out
}

/// Runs `lines` with `ip -force -batch` in the host namespace (errors such as deleting
/// a missing address are part of the storm).
fn run_storm(h: &Host, lines: &str) -> std::process::Child {
    let file = std::env::temp_dir().join(format!("storm-{}-{}.txt", h.ns.name(), lines.len()));
    std::fs::write(&file, lines).unwrap();
    Command::new("ip")
        .args(["-n", h.ns.name(), "-force", "-batch"])
        .arg(&file)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("ip -batch")
}

/// The policy applied to the namespace's state now: no request left to make.
fn in_step(h: &Host, rules: &Rules) -> Result<(), String> {
    let name = h.ns.name().to_owned();
    let rules = *rules;
    h.ns.run(move || {
        let owned = record_here();
        let mut state = Box::new(State::new());
        let mut conn = Conn::new(Socket::open(0).unwrap(), 0);
        let mut rx = vec![0u8; nlsock::RECV_BUF];
        for (object, family) in [
            (Object::Link, AF_UNSPEC),
            (Object::Addr, AF_UNSPEC),
            (Object::Route, AF_INET),
            (Object::Route, AF_INET6),
        ] {
            let mut req = [0u8; rtnl_wire::DUMP_REQUEST_LEN];
            let len = rtnl_wire::dump_request(&mut req, object, family, 0).unwrap().len();
            conn.dump(&mut req[..len], &mut rx, |m| {
                apply(&mut state, &rules, &m);
            })
            .unwrap();
        }
        let mut pm = PathManager::open(vec![0u8; mptcp_netlink::RECV_BUF]).unwrap();
        let actual: Vec<Endpoint> = pm
            .endpoints()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                Endpoint {
                    id: e.id.unwrap(),
                    ip: e.ip().unwrap(),
                    ifindex: e.ifindex as u32,
                    flags: e.flags.bits(),
                    port: e.port,
                }
            })
            .collect();
        let desired = state.desired(&rules, &actual, &owned);
        let mut ops = [Op::Nothing; 32];
        let n = plan(&desired, &actual, &owned, &mut ops);
        if n == 0 {
            Ok(())
        } else {
            Err(format!("{name}: table {actual:?} still needs {:?}", &ops[..n]))
        }
    })
}

/// The ownership record of the calling thread's namespace, at follow's default path.
fn record_here() -> Owned {
    use std::os::unix::fs::MetadataExt;
    let ns = std::fs::metadata("/proc/thread-self/ns/net").unwrap();
    let path = format!("/run/mptcp-follow/netns-{}-{}", ns.dev(), ns.ino());
    match std::fs::read(&path) {
        Ok(text) => Owned::parse(&text).unwrap(),
        Err(_) => Owned::new(),
    }
}

fn settles_in_step(h: &Host, rules: &Rules) {
    let deadline = Instant::now() + SETTLE;
    let mut last = in_step(h, rules);
    while last.is_err() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(50));
        last = in_step(h, rules);
    }
    if let Err(e) = last {
        panic!("{e}");
    }
}

fn storm_host(tag: &str) -> Host {
    let h = Host::new(tag, &["wan0", "wan1", "lte0"]);
    h.ip("route add default dev wan0");
    h
}

#[test]
fn a_storm_of_2000_changes_ends_in_step_with_no_refusal() {
    let h = storm_host("fl-storm");
    let mut f = h.follow(&[]);
    let mut storm = run_storm(&h, &storm_lines(0x5eed_0001, 2000));
    assert!(storm.wait().is_ok());
    settles_in_step(&h, &Rules::new());
    let log = stop_running(&mut f);
    let refused: Vec<&String> = log.iter().filter(|l| l.contains("refused")).collect();
    assert!(refused.is_empty(), "{refused:#?}");
    let count = |action: &str| log.iter().filter(|l| l.contains(action)).count();
    let (adds, deletes) = (count("\"action\":\"add\""), count("\"action\":\"delete\""));
    println!("storm: {adds} adds and {deletes} deletes decided");
    assert!(adds > 0 && deletes > 0, "the storm did not reach the follower: {log:#?}");
}

#[test]
fn killed_in_a_storm_it_converges_after_a_restart() {
    let h = storm_host("fl-kill");
    let f = h.follow(&[]);
    let mut storm = run_storm(&h, &storm_lines(0x5eed_0002, 3000));
    thread::sleep(Duration::from_millis(150));
    f.signal(libc::SIGKILL);
    let (status, _) = f.finish(SETTLE);
    assert_ne!(status, 0);
    assert!(storm.wait().is_ok());
    let f = h.follow(&[]);
    settles_in_step(&h, &Rules::new());
    stop(f);
}

fn stop_running(f: &mut Running) -> Vec<String> {
    f.signal(libc::SIGTERM);
    f.wait_for(SETTLE, |l| l.contains("\"stopped\""));
    f.printed().to_vec()
}

// Issue 20: each way `endpoint follow` left a router wrong, against the kernel.

/// The kernel gives the next automatic id after the highest one in use: with follow's
/// endpoint at id 200, an admin's endpoint gets 201. It is not follow's, on an
/// unmanaged link or a managed one, through re-reads, `once` and `cleanup`.
#[test]
fn an_admins_endpoint_with_the_next_automatic_id_is_never_touched() {
    let h = Host::new("fl-own", &["wan0", "lan0"]);
    h.ip("addr add 10.7.0.2/24 dev wan0");
    h.ip("addr add 10.5.0.1/24 dev lan0");
    h.ip("route add default via 10.7.0.1");
    let mut f = h.follow(&["dev", "wan0", "subflow"]);
    h.settles("10.7.0.2 id 200 subflow dev wan0 \n", Some(&mut f));
    h.ip("mptcp endpoint add 10.5.0.1 dev lan0 signal");
    h.ip("addr add 10.7.0.9/24 dev wan0");
    let both = "10.7.0.2 id 200 subflow dev wan0 \n10.5.0.1 id 201 signal dev lan0 \n";
    let three = format!("{both}10.7.0.9 id 202 subflow dev wan0 \n");
    h.settles(&three, Some(&mut f));
    // On a managed link too: an admin's endpoint for a managed address stays as made.
    h.ip("mptcp endpoint add 10.7.0.10 id 210 dev wan0 signal");
    h.ip("addr add 10.7.0.10/24 dev wan0");
    f.signal(libc::SIGHUP);
    f.wait_for(SETTLE, |l| l.contains("config reloaded"));
    let four = format!("{three}10.7.0.10 id 210 signal dev wan0 \n");
    h.settles(&four, Some(&mut f));
    thread::sleep(Duration::from_millis(300));
    assert_eq!(h.show(), four);
    let log = stop(f);
    // Refusals (the kernel's word that the table is not as believed) are how follow
    // learns of endpoints made behind its back; deleting one of them would be the bug.
    assert!(!log.iter().any(|l| l.contains("\"delete\"")), "{log:#?}");
    let bin = mptcp_stack::mptcp_bin();
    let once =
        h.ns.exec(&[bin.to_str().unwrap(), "endpoint", "follow", "once", "dev", "wan0", "subflow"]);
    assert_eq!(
        (once.status, once.stdout_text().as_str()),
        (
            0,
            "skip 10.7.0.10 id 210 dev wan0 (an endpoint follow did not make holds it: left as it is)\n"
        ),
        "{}",
        once.stderr_text()
    );
    assert_eq!(h.show(), four);
    // cleanup removes exactly what follow made.
    let f = h.follow(&["cleanup", "dev", "wan0", "subflow"]);
    stop(f);
    assert_eq!(h.show(), "10.5.0.1 id 201 signal dev lan0 \n10.7.0.10 id 210 signal dev wan0 \n");
}

/// An id taken behind follow's back makes its next add fail with EBUSY: follow reads
/// the table again and adds with a free id, instead of failing for good.
#[test]
fn ebusy_from_a_taken_id_rereads_the_table_and_adds_go_on() {
    let h = Host::new("fl-busy", &["wan0"]);
    h.ip("addr add 10.7.0.2/24 dev wan0");
    h.ip("route add default via 10.7.0.1");
    let mut f = h.follow(&[]);
    h.settles("10.7.0.2 id 200 subflow dev wan0 \n", Some(&mut f));
    h.ip("mptcp endpoint add 192.0.2.1 id 201 signal");
    h.ip("addr add 10.7.0.3/24 dev wan0");
    h.settles(
        "10.7.0.2 id 200 subflow dev wan0 \n192.0.2.1 id 201 signal \n10.7.0.3 id 202 subflow dev wan0 \n",
        Some(&mut f),
    );
    h.ip("addr add 10.7.0.4/24 dev wan0");
    h.settles(
        "10.7.0.2 id 200 subflow dev wan0 \n192.0.2.1 id 201 signal \n10.7.0.3 id 202 subflow dev wan0 \n10.7.0.4 id 203 subflow dev wan0 \n",
        Some(&mut f),
    );
    stop(f);
}

/// One follower per namespace: a second one (or `once`) refuses with status 3; the
/// guard goes with its holder, `kill -9` included.
#[test]
fn a_second_instance_refuses_and_the_guard_dies_with_kill_9() {
    let h = Host::new("fl-one", &["wan0"]);
    h.ip("addr add 10.7.0.2/24 dev wan0");
    h.ip("route add default via 10.7.0.1");
    let mut f = h.follow(&[]);
    h.settles("10.7.0.2 id 200 subflow dev wan0 \n", Some(&mut f));
    let bin = mptcp_stack::mptcp_bin();
    for args in
        [&["endpoint", "follow"][..], &["endpoint", "follow", "once", "dev", "wan0", "signal"]]
    {
        let out = h.ns.exec(&[&[bin.to_str().unwrap()][..], args].concat());
        assert_eq!(
            (out.status, out.stderr_text().as_str()),
            (3, "Error: another endpoint follow runs in this network namespace\n")
        );
    }
    // Another namespace has its own guard.
    let other = Host::new("fl-one2", &["wan0"]);
    let g = other.follow(&[]);
    f.signal(libc::SIGKILL);
    let (status, _) = f.finish(SETTLE);
    assert_ne!(status, 0);
    let f = h.follow(&[]);
    h.settles("10.7.0.2 id 200 subflow dev wan0 \n", None);
    stop(f);
    stop(g);
}

/// Drift made by hand (a flush, a deleted endpoint, changed flags) is repaired by the
/// periodic check within one interval, and by SIGHUP at once.
#[test]
fn drift_is_repaired_by_the_periodic_check_and_by_sighup() {
    let h = Host::new("fl-drift", &["wan0"]);
    h.ip("addr add 10.7.0.2/24 dev wan0");
    h.ip("route add default via 10.7.0.1");
    let mut f = h.follow(&["check", "1"]);
    let want = "10.7.0.2 id 200 subflow dev wan0 \n";
    h.settles(want, Some(&mut f));
    h.ip("mptcp endpoint flush");
    h.settles(want, Some(&mut f));
    h.ip("mptcp endpoint change id 200 backup");
    h.settles(want, Some(&mut f));
    stop(f);
    let mut f = h.follow(&["check", "0"]);
    h.settles(want, Some(&mut f));
    h.ip("mptcp endpoint delete id 200");
    thread::sleep(Duration::from_millis(1500));
    assert_eq!(h.show(), "", "check 0 reads nothing by itself");
    f.signal(libc::SIGHUP);
    h.settles(want, Some(&mut f));
    stop(f);
}

/// The same address with two prefix lengths is two addresses: deleting one keeps the
/// endpoint.
#[test]
fn the_prefix_length_is_part_of_an_address() {
    let h = Host::new("fl-prefix", &["wan0"]);
    h.ip("route add default dev wan0");
    let mut f = h.follow(&[]);
    h.ip("addr add 10.7.0.2/16 dev wan0");
    h.ip("addr add 10.7.0.2/24 dev wan0");
    let want = "10.7.0.2 id 200 subflow dev wan0 \n";
    h.settles(want, Some(&mut f));
    h.ip("addr del 10.7.0.2/24 dev wan0");
    thread::sleep(Duration::from_millis(300));
    h.settles(want, Some(&mut f));
    h.ip("addr del 10.7.0.2/16 dev wan0");
    h.settles("", Some(&mut f));
    stop(f);
}

/// With no IPv4 default route left on `h`, a new IPv4 address on wan0 gets no endpoint;
/// then the follower stops.
fn a_new_address_gets_no_endpoint(h: &Host, f: Running) {
    h.ip("addr add 10.7.0.3/24 dev wan0");
    thread::sleep(Duration::from_millis(300));
    assert_eq!(h.show(), "", "an IPv4 address got an endpoint with no default route");
    stop(f);
}

/// A default route through a nexthop object goes with `ip nexthop del`, which says
/// nothing about routes: follow reads the routes again.
#[test]
fn a_deleted_nexthop_takes_the_default_route_and_its_endpoints() {
    let h = Host::new("fl-nh", &["wan0"]);
    h.ip("addr add 10.7.0.2/24 dev wan0");
    h.ip("nexthop add id 1 via 10.7.0.1 dev wan0");
    h.ip("route add default nhid 1");
    let mut f = h.follow(&[]);
    h.settles("10.7.0.2 id 200 subflow dev wan0 \n", Some(&mut f));
    h.ip("nexthop del id 1");
    h.settles("", Some(&mut f));
    a_new_address_gets_no_endpoint(&h, f);
}

/// An extra address beside the gateway's subnet goes alone (the default route stays,
/// and so do the other endpoints); the link's last IPv4 address takes the default route
/// with it, without a route notification: follow reads the routes again, and a new
/// address gets no endpoint while no default route exists.
#[test]
fn a_links_last_ipv4_address_takes_the_default_route_silently() {
    let h = Host::new("fl-last", &["wan0"]);
    h.ip("addr add 10.7.0.2/24 dev wan0");
    h.ip("addr add 10.9.0.2/32 dev wan0");
    h.ip("route add default via 10.7.0.1");
    let mut f = h.follow(&[]);
    let first = "10.7.0.2 id 200 subflow dev wan0 \n";
    h.settles(&format!("{first}10.9.0.2 id 201 subflow dev wan0 \n"), Some(&mut f));
    h.ip("addr del 10.9.0.2/32 dev wan0");
    h.settles(first, Some(&mut f));
    h.ip("addr del 10.7.0.2/24 dev wan0");
    h.settles("", Some(&mut f));
    a_new_address_gets_no_endpoint(&h, f);
}

/// A re-read (here SIGHUP's) meets the addresses in interface order; their ages stay,
/// so no endpoint moves.
#[test]
fn a_reread_keeps_the_ranking() {
    let h = Host::new("fl-rank", &["wan0", "wan1"]);
    h.ip("route add default dev wan0");
    let mut f = h.follow(&[]);
    // wan1's addresses are older than wan0's: 5 + 5 addresses for 8 slots.
    for i in 1..=5 {
        h.ip(&format!("addr add 10.2.{i}.1/24 dev wan1"));
    }
    for i in 1..=5 {
        h.ip(&format!("addr add 10.1.{i}.1/24 dev wan0"));
    }
    let mut want = String::new();
    for i in 1..=5 {
        want += &format!("10.2.{i}.1 id {} subflow dev wan1 \n", 199 + i);
    }
    for i in 1..=3 {
        want += &format!("10.1.{i}.1 id {} subflow dev wan0 \n", 204 + i);
    }
    h.settles(&want, Some(&mut f));
    f.signal(libc::SIGHUP);
    f.wait_for(SETTLE, |l| l.contains("config reloaded"));
    thread::sleep(Duration::from_millis(500));
    assert_eq!(h.show(), want);
    let log = stop(f);
    assert!(!log.iter().any(|l| l.contains("\"delete\"")), "{log:#?}");
}

/// `subflow` to `subflow backup` is a SET_FLAGS: the endpoint keeps its id (a delete
/// and an add would give it another one and close its subflows).
#[test]
fn a_flag_only_change_is_made_in_place() {
    let h = Host::new("fl-flags", &["wan0"]);
    h.ip("addr add 10.7.0.2/24 dev wan0");
    h.ip("route add default via 10.7.0.1");
    let conf = std::env::temp_dir().join(format!("follow-flags-{}.conf", std::process::id()));
    std::fs::write(&conf, "dev wan0 subflow\n").unwrap();
    let mut f = h.follow(&["config", conf.to_str().unwrap()]);
    h.settles("10.7.0.2 id 200 subflow dev wan0 \n", Some(&mut f));
    std::fs::write(&conf, "dev wan0 subflow backup\n").unwrap();
    f.signal(libc::SIGHUP);
    h.settles("10.7.0.2 id 200 subflow backup dev wan0 \n", Some(&mut f));
    std::fs::write(&conf, "dev wan0 subflow backup fullmesh\n").unwrap();
    f.signal(libc::SIGHUP);
    h.settles("10.7.0.2 id 200 subflow backup fullmesh dev wan0 \n", Some(&mut f));
    let log = stop(f);
    std::fs::remove_file(&conf).unwrap();
    assert!(!log.iter().any(|l| l.contains("\"delete\"")), "{log:#?}");
    assert_eq!(log.iter().filter(|l| l.contains("\"change\"")).count(), 2, "{log:#?}");
}

/// A name that is not UTF-8 matches its rule by bytes and prints escaped; loopback
/// addresses and unmanaged links take no place.
#[test]
fn raw_names_match_their_rule_and_unusable_links_cost_nothing() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let h = Host::new("fl-names", &["wan0"]);
    h.ip("addr add 10.7.0.2/24 dev wan0");
    h.ip("route add default via 10.7.0.1");
    let raw = OsStr::from_bytes(b"lan\xff");
    let st = Command::new("ip")
        .args(["-n", h.ns.name(), "link", "add"])
        .arg(raw)
        .args(["type", "veth", "peer", "name", "q0"])
        .status()
        .unwrap();
    assert!(st.success());
    let up =
        Command::new("ip").args(["-n", h.ns.name(), "link", "set"]).arg(raw).arg("up").status();
    assert!(up.unwrap().success());
    h.ip("link set q0 up");
    let addr = Command::new("ip")
        .args(["-n", h.ns.name(), "addr", "add", "10.8.0.2/24", "dev"])
        .arg(raw)
        .status();
    assert!(addr.unwrap().success());
    // 130 anycast addresses on lo and 70 unmanaged links: none takes a place.
    let mut batch = String::new();
    for i in 0..130 {
        batch += &format!("addr add 10.200.{}.{}/32 dev lo\n", i / 200, 1 + i % 200);
    }
    for i in 0..35 {
        batch += &format!("link add vx{i} type veth peer name vy{i}\nlink set vx{i} up\n");
    }
    let file = std::env::temp_dir().join(format!("names-{}.batch", std::process::id()));
    std::fs::write(&file, batch).unwrap();
    let st = Command::new("ip").args(["-n", h.ns.name(), "-batch"]).arg(&file).status().unwrap();
    std::fs::remove_file(&file).unwrap();
    assert!(st.success());
    let conf = std::env::temp_dir().join(format!("follow-names-{}.conf", std::process::id()));
    std::fs::write(&conf, b"dev lan* ignore\ndev wan* subflow\ndev * signal\n").unwrap();
    let bin = mptcp_stack::mptcp_bin();
    let out = h.ns.exec(&[
        bin.to_str().unwrap(),
        "endpoint",
        "follow",
        "dry-run",
        "config",
        conf.to_str().unwrap(),
    ]);
    assert_eq!(
        (out.status, out.stdout_text().as_str()),
        (0, "would add 10.7.0.2 id 200 dev wan0 subflow (start)\n"),
        "{}",
        out.stderr_text()
    );
    std::fs::write(&conf, b"dev wan* subflow\ndev l* signal\n").unwrap();
    let out = h.ns.exec(&[
        bin.to_str().unwrap(),
        "endpoint",
        "follow",
        "dry-run",
        "config",
        conf.to_str().unwrap(),
    ]);
    std::fs::remove_file(&conf).unwrap();
    assert_eq!(
        out.stdout_text(),
        "would add 10.7.0.2 id 200 dev wan0 subflow (start)\nwould add 10.8.0.2 id 201 dev lan\\xff signal (start)\n",
    );
}

/// `| head -1` closes the log: follow goes on deciding (no SIGPIPE), and a reader that
/// never reads blocks nothing.
#[test]
fn a_closed_or_stalled_log_never_stops_a_decision() {
    use std::process::Stdio;
    let h = Host::new("fl-pipe", &["wan0"]);
    h.ip("route add default dev wan0");
    // A lasting address: without any, the kernel flushes the default route.
    h.ip("addr add 10.7.0.2/24 dev wan0");
    let bin = mptcp_stack::mptcp_bin();
    for close in [true, false] {
        let mut child = Command::new("ip")
            .args(["netns", "exec", h.ns.name()])
            .arg(&bin)
            .args(["endpoint", "follow"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut out = child.stdout.take().unwrap();
        if close {
            let mut first = [0u8; 64];
            let _ = std::io::Read::read(&mut out, &mut first);
            drop(out);
        } else {
            std::mem::forget(out);
        }
        thread::sleep(Duration::from_millis(200));
        // Enough decisions to fill a pipe many times over.
        let mut batch = String::new();
        for round in 0..40 {
            for i in 1..=6 {
                let verb = if round % 2 == 0 { "add" } else { "del" };
                batch += &format!("addr {verb} 10.7.{i}.2/24 dev wan0\n");
            }
        }
        batch += "addr add 10.7.9.2/24 dev wan0\n";
        let file = std::env::temp_dir().join(format!("pipe-{}-{close}.batch", std::process::id()));
        std::fs::write(&file, batch).unwrap();
        let st =
            Command::new("ip").args(["-n", h.ns.name(), "-force", "-batch"]).arg(&file).status();
        std::fs::remove_file(&file).unwrap();
        assert!(st.unwrap().success());
        let deadline = Instant::now() + SETTLE;
        let mut last = in_step(&h, &Rules::new());
        while last.is_err() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(50));
            last = in_step(&h, &Rules::new());
        }
        let alive = child.try_wait().unwrap().is_none();
        // SAFETY: kill(2) of our own child.
        unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
        let _ = child.wait();
        assert!(alive, "follow died (log closed: {close})");
        assert!(last.is_ok(), "{last:?}");
        assert!(h.show().contains("10.7.9.2 "), "{}", h.show());
        h.ip("addr del 10.7.9.2/24 dev wan0");
    }
}
