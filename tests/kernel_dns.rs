//! `-r` over DNS against a fake name server, in a throw-away namespace: a thread of this
//! test enters the namespace and answers PTR queries on 127.0.0.1:53; the namespace's
//! `/etc/netns/<ns>/resolv.conf` and `hosts` (which `ip netns exec` mounts over
//! `/etc/resolv.conf` and `/etc/hosts`) point `mptcp` at it. Checks the names in text and
//! JSON, `/etc/hosts` before DNS, a hostile name printed as the address, a silent server
//! waited for timeout × attempts and no longer, and a closed port given up at once.
//! Needs root; the files under `/etc/netns/<ns>/` are removed whatever happens.

use std::net::UdpSocket;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use mptcp_stack::{Captured, Netns};

/// `/etc/netns/<ns>/` with the given files, removed on drop (and `/etc/netns` too when
/// this made it and it is empty again).
struct EtcNetns {
    dir: PathBuf,
    made_parent: bool,
}

impl EtcNetns {
    fn new(ns: &Netns, files: &[(&str, &str)]) -> EtcNetns {
        let parent = PathBuf::from("/etc/netns");
        let made_parent = !parent.exists();
        let dir = parent.join(ns.name());
        std::fs::create_dir_all(&dir).expect("create /etc/netns/<ns>");
        let guard = EtcNetns { dir, made_parent };
        for (name, text) in files {
            std::fs::write(guard.dir.join(name), text).expect("write a file under /etc/netns");
        }
        guard
    }
}

impl Drop for EtcNetns {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if self.made_parent {
            let _ = std::fs::remove_dir("/etc/netns");
        }
    }
}

/// What the fake server answers for a PTR query name: a name (raw bytes), nothing at
/// all (silence), or NXDOMAIN for the rest.
fn answer_for(qname: &str) -> Option<Option<&'static [u8]>> {
    match qname {
        "1.2.0.192.in-addr.arpa" => Some(Some(b"one.example")),
        "2.2.0.192.in-addr.arpa" => Some(Some(b"evil\"\x1b[31m.example")),
        "4.2.0.192.in-addr.arpa" => None,
        "5.2.0.192.in-addr.arpa" => Some(Some(b"fromdns.example")),
        q if q.starts_with("3.0.0.0.0.0.0.0") && q.ends_with("8.b.d.0.1.0.0.2.ip6.arpa") => {
            Some(Some(b"six.example"))
        }
        _ => Some(None),
    }
}

/// `name` (dotted) in wire form; labels may hold any byte but a dot.
fn wire(name: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for label in name.split(|&b| b == b'.') {
        out.push(label.len() as u8);
        out.extend_from_slice(label);
    }
    out.push(0);
    out
}

/// The reply to `query` (a standard query with one uncompressed question), or `None` to
/// stay silent; the question's name as text.
fn reply(query: &[u8]) -> (String, Option<Vec<u8>>) {
    let mut at = 12;
    let mut labels = Vec::new();
    while let Some(&n) = query.get(at).filter(|&&n| n != 0) {
        labels.push(String::from_utf8_lossy(&query[at + 1..at + 1 + n as usize]).into_owned());
        at += 1 + n as usize;
    }
    let question_end = at + 5;
    let qname = labels.join(".");
    let Some(name) = answer_for(&qname) else { return (qname, None) };
    let mut r = query[..question_end].to_vec();
    r[2] = 0x84 | (query[2] & 1);
    r[3] = if name.is_some() { 0x80 } else { 0x83 };
    if let Some(name) = name {
        r[7] = 1;
        let rdata = wire(name);
        r.extend_from_slice(&[0xc0, 12, 0, 12, 0, 1, 0, 0, 0, 60]);
        r.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        r.extend_from_slice(&rdata);
    }
    (qname, Some(r))
}

/// The fake name server: answers on 127.0.0.1:53 in `ns` until dropped; keeps the names
/// asked.
struct Server {
    stop: Arc<AtomicBool>,
    asked: Arc<Mutex<Vec<String>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(ns: &Netns) -> Server {
        let stop = Arc::new(AtomicBool::new(false));
        let asked = Arc::new(Mutex::new(Vec::new()));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (s, a) = (stop.clone(), asked.clone());
        let thread = ns.spawn(move || {
            let sock = UdpSocket::bind("127.0.0.1:53").expect("bind 127.0.0.1:53 in the namespace");
            sock.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
            ready_tx.send(()).unwrap();
            let mut buf = [0u8; 512];
            while !s.load(Ordering::SeqCst) {
                let Ok((n, from)) = sock.recv_from(&mut buf) else { continue };
                let (qname, r) = reply(&buf[..n]);
                a.lock().unwrap().push(qname);
                if let Some(r) = r {
                    sock.send_to(&r, from).unwrap();
                }
            }
        });
        ready_rx.recv_timeout(Duration::from_secs(10)).expect("the server started");
        Server { stop, asked, thread: Some(thread) }
    }

    fn asked(&self, name: &str) -> usize {
        self.asked.lock().unwrap().iter().filter(|q| *q == name).count()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn mptcp(ns: &Netns, args: &[&str]) -> Captured {
    let bin = mptcp_stack::mptcp_bin();
    let mut cmd = vec![bin.to_str().unwrap()];
    cmd.extend_from_slice(args);
    ns.exec(&cmd)
}

/// Runs `mptcp ARGS` in `ns`: its stdout (it must succeed) and how long it took.
fn timed(ns: &Netns, args: &[&str]) -> (String, Duration) {
    let start = Instant::now();
    let out = mptcp(ns, args);
    let took = start.elapsed();
    assert_eq!(out.status, 0, "mptcp {args:?}: {out:?}");
    (out.stdout_text(), took)
}

#[test]
fn endpoint_names_come_from_hosts_then_dns() {
    let ns = Netns::new("dns");
    let _etc = EtcNetns::new(
        &ns,
        &[
            ("resolv.conf", "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n"),
            ("hosts", "127.0.0.1 localhost\n192.0.2.5 fromhosts\n"),
        ],
    );
    let server = Server::start(&ns);
    for (i, addr) in
        ["192.0.2.1", "192.0.2.2", "2001:db8::3", "192.0.2.5", "192.0.2.6"].into_iter().enumerate()
    {
        let id = (i + 1).to_string();
        let out = mptcp(&ns, &["endpoint", "add", addr, "id", &id, "signal"]);
        assert_eq!(out.status, 0, "endpoint add {addr}: {out:?}");
    }

    let (text, took) = timed(&ns, &["-r", "endpoint", "show"]);
    assert_eq!(
        text,
        "one.example id 1 signal \n\
         192.0.2.2 id 2 signal \n\
         six.example id 3 signal \n\
         fromhosts id 4 signal \n\
         192.0.2.6 id 5 signal \n"
    );
    assert!(took < Duration::from_secs(1), "answered lookups took {took:?}");
    assert_eq!(server.asked("5.2.0.192.in-addr.arpa"), 0, "/etc/hosts comes first");
    assert_eq!(server.asked("6.2.0.192.in-addr.arpa"), 1);

    let (json, _) = timed(&ns, &["-r", "-j", "endpoint", "show"]);
    for name in ["\"one.example\"", "\"192.0.2.2\"", "\"six.example\"", "\"fromhosts\""] {
        assert!(json.contains(&format!("\"address\":{name}")), "{name} in {json}");
    }
    assert!(!json.contains("evil") && !json.contains('\x1b'), "{json}");

    // A silent server: the address after timeout × attempts (1 s), asked once.
    let out = mptcp(&ns, &["endpoint", "add", "192.0.2.4", "id", "9", "signal"]);
    assert_eq!(out.status, 0, "{out:?}");
    let (text, took) = timed(&ns, &["-r", "endpoint", "show", "id", "9"]);
    assert_eq!(text, "192.0.2.4 id 9 signal \n");
    assert!(took >= Duration::from_millis(950), "gave up early: {took:?}");
    assert!(took < Duration::from_millis(2500), "waited too long: {took:?}");
    assert_eq!(server.asked("4.2.0.192.in-addr.arpa"), 1);

    // No server at all: the port is closed, so the address at once.
    drop(server);
    let (text, took) = timed(&ns, &["-r", "endpoint", "show", "id", "1"]);
    assert_eq!(text, "192.0.2.1 id 1 signal \n");
    assert!(took < Duration::from_millis(900), "a closed port took {took:?}");
}
