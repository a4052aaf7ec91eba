//! `mptcp connection show` and `mptcp stat` against the kernel: MPTCP connections over
//! two veth paths between throw-away namespaces, the client's second path an endpoint
//! `subflow backup`; in-kernel and userspace PM, IPv4, IPv6 and v4-mapped.

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr};
use std::process::{Command, Output};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use mptcp_stack::Netns;
use mptcp_stack::json::{self, Json};
use mptcp_stack::mptcp_sock::{connect, listen};

fn mptcp(ns: &Netns, args: &[&str]) -> Output {
    Command::new(mptcp_stack::mptcp_bin()).args(["-n", ns.name()]).args(args).output().unwrap()
}

/// `mptcp -n NS -j ARGS…`, checked to succeed and to be the same data as `-j -p`.
fn json_of(ns: &Netns, args: &[&str]) -> Json {
    let j = [&["-j"][..], args].concat();
    let out = mptcp(ns, &j);
    assert!(out.status.success(), "{:?}: {}", args, String::from_utf8_lossy(&out.stderr));
    let doc = json::parse_bytes(&out.stdout).expect("strict JSON");
    let jp = [&["-j", "-p"][..], args].concat();
    let pretty = mptcp(ns, &jp);
    let again = json::parse_bytes(&pretty.stdout).expect("strict JSON with -p");
    // Same keys in the same order: only volatile numbers (times, rtt) may differ.
    assert_eq!(shape(&doc), shape(&again), "-j and -j -p carry the same fields");
    doc
}

/// The keys of a document, in order, values left out.
fn shape(v: &Json) -> String {
    match v {
        Json::Obj(kv) => {
            kv.iter().map(|(k, v)| format!("{k}:{}", shape(v))).collect::<Vec<_>>().join(",")
        }
        Json::Arr(a) => format!("[{}]", a.iter().map(shape).collect::<Vec<_>>().join(";")),
        _ => String::new(),
    }
}

fn text(ns: &Netns, args: &[&str]) -> String {
    let out = mptcp(ns, args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Two namespaces (client, client-peer = server) joined by two veth pairs:
/// 10.0.1.0/24 + dead:1::/64 on e1/p1, 10.0.2.0/24 on e2/p2.
fn topology(tag: &str) -> (Netns, Netns) {
    let client = Netns::new(tag);
    let server = Netns::named(&format!("{}-peer", client.name()));
    for i in 1..=2 {
        let (e, p) = (format!("e{i}"), format!("p{i}"));
        client.veth(&e, &server, &p);
        client.sh(&["ip", "addr", "add", &format!("10.0.{i}.2/24"), "dev", &e]);
        server.sh(&["ip", "addr", "add", &format!("10.0.{i}.1/24"), "dev", &p]);
    }
    client.sh(&["ip", "addr", "add", "dead:1::2/64", "dev", "e1", "nodad"]);
    server.sh(&["ip", "addr", "add", "dead:1::1/64", "dev", "p1", "nodad"]);
    (client, server)
}

/// An echo server in `ns` on `addr`, accepting `n` connections, each on its own thread.
fn echo_server(ns: &Netns, addr: SocketAddr, n: usize) -> mpsc::Receiver<()> {
    let (ready_tx, ready) = mpsc::channel();
    ns.spawn(move || {
        let l = listen(addr, 16).expect("MPTCP listener");
        ready_tx.send(()).unwrap();
        for _ in 0..n {
            let (mut c, _) = l.accept().expect("accept");
            thread::spawn(move || {
                let mut buf = [0u8; 65536];
                while let Ok(k) = c.read(&mut buf) {
                    if k == 0 || c.write_all(&buf[..k]).is_err() {
                        break;
                    }
                }
            });
        }
        // The listener stays until the test ends, so that `connection show` lists it.
        thread::sleep(Duration::from_secs(30));
    });
    ready.recv_timeout(Duration::from_secs(5)).expect("listener up");
    ready
}

/// A client in `ns` to `to`: sends and reads back `hello`, then for each `()` received
/// on the returned sender sends and reads back 100,000 more bytes; ends when it is
/// dropped. `done` gets a message after each step.
fn client(ns: &Netns, to: SocketAddr) -> (mpsc::Sender<()>, mpsc::Receiver<()>) {
    let (go, more) = mpsc::channel::<()>();
    let (done_tx, done) = mpsc::channel();
    ns.spawn(move || {
        let mut s = connect(to, None).expect("connect");
        let echo = |s: &mut std::net::TcpStream, data: &[u8]| {
            s.write_all(data).unwrap();
            let mut back = vec![0u8; data.len()];
            s.read_exact(&mut back).unwrap();
        };
        echo(&mut s, b"hello");
        done_tx.send(()).unwrap();
        while more.recv().is_ok() {
            echo(&mut s, &vec![7u8; 100_000]);
            done_tx.send(()).unwrap();
        }
    });
    done.recv_timeout(Duration::from_secs(10)).expect("connected and echoed");
    (go, done)
}

/// Waits until `ok` holds for the connections `connection show -j` lists in `ns`.
fn until(ns: &Netns, what: &str, ok: impl Fn(&[Json]) -> bool) -> Vec<Json> {
    let start = Instant::now();
    loop {
        let doc = json_of(ns, &["connection", "show"]);
        let list = doc.as_array().expect("an array").to_vec();
        if ok(&list) {
            return list;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "{what}: {}", json::pretty(&doc));
        thread::sleep(Duration::from_millis(100));
    }
}

fn conns(list: &[Json]) -> Vec<&Json> {
    list.iter().filter(|o| o.get("listener").is_none()).collect()
}

fn subflows(c: &Json) -> &[Json] {
    c.get("subflow_list").and_then(Json::as_array).expect("subflow_list")
}

fn s<'a>(o: &'a Json, k: &str) -> &'a str {
    o.get(k).and_then(Json::as_str).unwrap_or_else(|| panic!("{k} in {}", json::compact(o)))
}

fn u(o: &Json, k: &str) -> u64 {
    o.get(k).and_then(Json::as_u64).unwrap_or_else(|| panic!("{k} in {}", json::compact(o)))
}

fn b(o: &Json, k: &str) -> bool {
    o.get(k).and_then(Json::as_bool).unwrap_or_else(|| panic!("{k} in {}", json::compact(o)))
}

/// The subflow whose local address is `ip`.
fn by_local<'a>(c: &'a Json, ip: &str) -> &'a Json {
    subflows(c)
        .iter()
        .find(|f| s(f, "local") == ip)
        .unwrap_or_else(|| panic!("{ip} in {}", json::compact(c)))
}

fn by_remote<'a>(c: &'a Json, ip: &str) -> &'a Json {
    subflows(c)
        .iter()
        .find(|f| s(f, "remote") == ip)
        .unwrap_or_else(|| panic!("{ip} in {}", json::compact(c)))
}

#[test]
fn two_paths_with_a_backup_subflow_in_kernel_pm() {
    let (c, srv) = topology("diag2p");
    for ns in [&c, &srv] {
        ns.sh(&["ip", "mptcp", "limits", "set", "subflows", "2", "add_addr_accepted", "2"]);
    }
    c.sh(&[
        "ip", "mptcp", "endpoint", "add", "10.0.2.2", "dev", "e2", "id", "2", "subflow", "backup",
    ]);
    let _srv = echo_server(&srv, "0.0.0.0:6000".parse().unwrap(), 1);
    let (go, done) = client(&c, "10.0.1.1:6000".parse().unwrap());

    let two = |l: &[Json]| conns(l).first().is_some_and(|c| subflows(c).len() == 2);
    let list = until(&c, "two subflows on the client", two);
    let conn = conns(&list)[0];
    assert_eq!(
        (s(conn, "local"), s(conn, "remote"), u(conn, "rport")),
        ("10.0.1.2", "10.0.1.1", 6000)
    );
    assert!(!b(conn, "server_side") && !b(conn, "fallback"));
    assert_eq!((u(conn, "subflows"), s(conn, "state")), (2, "established"));
    let token = s(conn, "token").to_owned();
    let initial = by_local(conn, "10.0.1.2");
    assert_eq!((u(initial, "local_id"), u(initial, "remote_id")), (0, 0));
    assert!(b(initial, "mp_capable") && !b(initial, "backup") && !b(initial, "remote_backup"));
    assert_eq!(u(initial, "lport"), u(conn, "lport"));
    let join = by_local(conn, "10.0.2.2");
    assert_eq!((s(join, "remote"), u(join, "rport"), s(join, "dev")), ("10.0.1.1", 6000, "e2"));
    assert_eq!((u(join, "local_id"), u(join, "remote_id")), (2, 0));
    assert!(b(join, "backup") && !b(join, "remote_backup") && b(join, "mp_join"));
    assert!(u(join, "rtt_us") > 0 && u(join, "cwnd") > 0);

    // The server: its listener, the connection on its side, the peer's backup flag.
    let list = until(&srv, "two subflows on the server", |l| {
        conns(l).first().is_some_and(|c| subflows(c).len() == 2)
    });
    let listener = list.iter().find(|o| o.get("listener").is_some()).expect("the listener");
    assert_eq!((s(listener, "local"), u(listener, "lport")), ("0.0.0.0", 6000));
    let sconn = conns(&list)[0];
    assert!(b(sconn, "server_side"));
    let sjoin = by_remote(sconn, "10.0.2.2");
    assert_eq!((u(sjoin, "local_id"), u(sjoin, "remote_id")), (0, 2));
    assert!(b(sjoin, "remote_backup") && !b(sjoin, "backup"));
    assert_eq!(
        s(join, "remote_token"),
        s(sconn, "token"),
        "the client's join names the server's token"
    );

    // Data moves the connection's byte counters (kernels with the 6.5 counters).
    let before = u(conn, "bytes_sent");
    assert_eq!((before, u(conn, "bytes_received")), (5, 5));
    go.send(()).unwrap();
    done.recv_timeout(Duration::from_secs(10)).expect("100,000 bytes echoed");
    let after = until(&c, "bytes counted", |l| {
        conns(l).first().is_some_and(|c| u(c, "bytes_acked") >= 100_005)
    });
    let conn = conns(&after)[0];
    assert!(u(conn, "bytes_sent") >= before + 100_000 && u(conn, "bytes_received") >= 100_005);
    let moved: u64 = subflows(conn).iter().map(|f| u(f, "bytes_acked")).sum();
    assert!(moved >= 100_000, "the subflows carried the data: {}", json::compact(conn));

    // The text tree: the connection line, then the subflows indented under it.
    let tree = text(&c, &["connection", "show"]);
    let lines: Vec<&str> = tree.lines().collect();
    assert!(lines[0].starts_with(&format!("token {token} local 10.0.1.2 lport ")), "{tree}");
    assert!(lines[0].ends_with("subflows 2 state established"), "{tree}");
    let sub = lines.iter().find(|l| l.contains("subflow local 10.0.2.2")).expect("the join line");
    assert!(
        sub.starts_with("    subflow ")
            && sub.contains(" dev e2 local_id 2 remote_id 0 backup mp_join "),
        "{tree}"
    );
    assert!(lines.iter().any(|l| l.starts_with("        rtt ")), "{tree}");

    // Filters: by token, by address, and a token that is not there.
    let only = json_of(&c, &["connection", "show", "token", &token]);
    assert_eq!(only.as_array().unwrap().len(), 1);
    let none = json_of(&c, &["connection", "show", "token", "1"]);
    assert_eq!(none.as_array().unwrap().len(), 0);
    let by_addr = json_of(&srv, &["connection", "show", "10.0.1.2"]);
    assert_eq!(conns(by_addr.as_array().unwrap()).len(), 1);
    drop(go);
}

#[test]
fn a_join_refused_by_limits_shows_in_stat() {
    let (c, srv) = topology("diagrej");
    c.sh(&["ip", "mptcp", "limits", "set", "subflows", "2", "add_addr_accepted", "2"]);
    srv.sh(&["ip", "mptcp", "limits", "set", "subflows", "0", "add_addr_accepted", "0"]);
    c.sh(&["ip", "mptcp", "endpoint", "add", "10.0.2.2", "dev", "e2", "id", "2", "subflow"]);
    let counter = |ns: &Netns, name: &str| -> u64 {
        let doc = json_of(ns, &["stat", "-a"]);
        let list = doc.as_array().expect("an array");
        let o = list.iter().find(|o| s(o, "counter") == name).unwrap_or_else(|| panic!("{name}"));
        u(o, "value")
    };
    assert_eq!(counter(&srv, "MPJoinRejected"), 0);
    let quiet = json_of(&srv, &["stat"]);
    assert!(quiet.as_array().unwrap().iter().all(|o| u(o, "value") > 0), "non-zero only");
    let _srv = echo_server(&srv, "10.0.1.1:6001".parse().unwrap(), 1);
    let (_go, _done) = client(&c, "10.0.1.1:6001".parse().unwrap());
    let start = Instant::now();
    while counter(&srv, "MPJoinRejected") == 0 {
        assert!(start.elapsed() < Duration::from_secs(10), "no MPJoinRejected");
        thread::sleep(Duration::from_millis(100));
    }
    let plain = text(&srv, &["stat"]);
    let line = plain.lines().find(|l| l.starts_with("MPJoinRejected ")).expect("the counter line");
    assert!(line.contains("join refused"), "explained: {line}");
    let doc = json_of(&srv, &["stat"]);
    let o = doc.as_array().unwrap().iter().find(|o| s(o, "counter") == "MPJoinRejected").unwrap();
    assert!(s(o, "meaning").contains("subflows limit"));
    // One subflow only: the refused join never shows.
    let list =
        until(&c, "one subflow", |l| conns(l).first().is_some_and(|c| subflows(c).len() == 1));
    assert_eq!(u(conns(&list)[0], "subflows"), 1);
}

#[test]
fn stat_watch_prints_what_changed() {
    let (c, srv) = topology("diagwatch");
    let mut child = Command::new(mptcp_stack::mptcp_bin())
        .args(["-n", srv.name(), "-j", "stat", "watch", "1"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    thread::sleep(Duration::from_millis(300));
    let _srv = echo_server(&srv, "10.0.1.1:6002".parse().unwrap(), 1);
    let (_go, _done) = client(&c, "10.0.1.1:6002".parse().unwrap());
    thread::sleep(Duration::from_millis(1800));
    // SAFETY (test helper): a signal to our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let mut out = String::new();
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    assert!(child.wait().unwrap().success());
    let docs = json::parse_stream(&out).expect("one JSON array per interval");
    assert!(docs.len() >= 2, "{out}");
    let changed = docs[1..].iter().flat_map(|d| d.as_array().unwrap().iter());
    let syn = changed
        .clone()
        .find(|o| s(o, "counter") == "MPCapableSYNRX")
        .expect("the new connection counted");
    assert!(syn.get("delta").and_then(Json::as_i64).is_some_and(|d| d >= 1), "{out}");
}

#[test]
fn ipv6_v4_mapped_and_the_userspace_pm() {
    let (c, srv) = topology("diag6");
    for ns in [&c, &srv] {
        ns.sh(&["sysctl", "-qw", "net.mptcp.pm_type=1"]);
        // The server accepts joins up to its subflows limit, whichever PM.
        ns.sh(&["ip", "mptcp", "limits", "set", "subflows", "2", "add_addr_accepted", "2"]);
    }
    // A userspace PM accepts joins only while a daemon listens to its events: the
    // server's monitor stands in for one.
    let mut daemon = Command::new(mptcp_stack::mptcp_bin())
        .args(["-n", srv.name(), "monitor"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    thread::sleep(Duration::from_millis(200));
    let _s6 = echo_server(&srv, "[::]:6003".parse().unwrap(), 2);
    let (_g6, _d6) = client(&c, "[dead:1::1]:6003".parse().unwrap());
    let (_gm, _dm) =
        client(&c, SocketAddr::new("::ffff:10.0.1.1".parse::<IpAddr>().unwrap(), 6003));
    let list = until(&c, "two connections", |l| conns(l).len() == 2);
    let v6 =
        conns(&list).into_iter().find(|o| s(o, "remote") == "dead:1::1").expect("the IPv6 one");
    assert_eq!(s(by_local(v6, "dead:1::2"), "remote"), "dead:1::1");
    let mapped =
        conns(&list).into_iter().find(|o| s(o, "remote") == "::ffff:10.0.1.1").expect("v4-mapped");
    let token = s(mapped, "token").to_owned();
    assert_eq!(subflows(mapped).len(), 1);
    // The userspace PM adds an IPv4 subflow to the v4-mapped connection, marked backup.
    let add = text(
        &c,
        &[
            "subflow", "add", "token", &token, "10.0.2.2", "raddr", "10.0.1.1", "rport", "6003",
            "backup",
        ],
    );
    assert_eq!(add, "");
    let list = until(&c, "the added subflow", |l| {
        conns(l).iter().any(|o| s(o, "token") == token && subflows(o).len() == 2)
    });
    let mapped = conns(&list).into_iter().find(|o| s(o, "token") == token).unwrap();
    let join = by_local(mapped, "10.0.2.2");
    assert_eq!((s(join, "remote"), u(join, "rport")), ("10.0.1.1", 6003));
    assert!(b(join, "mp_join") && b(join, "backup"));
    assert_eq!(s(by_local(mapped, "::ffff:10.0.1.2"), "remote"), "::ffff:10.0.1.1");
    // The server side shows the peer's backup flag on the same subflow.
    let list = until(&srv, "the server's two subflows", |l| {
        conns(l).iter().any(|o| subflows(o).len() == 2)
    });
    let sc = conns(&list).into_iter().find(|o| subflows(o).len() == 2).unwrap();
    // The server's join subflow is of its IPv6 listener: v4-mapped on that side too.
    assert!(b(sc, "server_side") && b(by_remote(sc, "::ffff:10.0.2.2"), "remote_backup"));
    let _ = daemon.kill();
    let _ = daemon.wait();
}
