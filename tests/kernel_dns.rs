//! `-r` over DNS against a fake name server, in a throw-away namespace: a thread of this
//! test enters the namespace and answers PTR queries on 127.0.0.1:53 (or another
//! loopback address); the namespace's `/etc/netns/<ns>/resolv.conf` and `hosts` (which
//! `ip netns exec` mounts over `/etc/resolv.conf` and `/etc/hosts`, and which `-n <ns>`
//! reads in their place) point `mptcp` at it. Checks the names in text and JSON,
//! `/etc/hosts` before DNS, a hostile name printed as the address, a silent server waited
//! for timeout × attempts and no longer, a closed port given up at once, and `-n`'s choice
//! of files in both personalities. Needs root; the files under `/etc/netns/<ns>/` are
//! removed whatever happens, and the root namespace's `/etc` is only read.

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
    fn new(ns: &Netns, files: &[(&str, impl AsRef<[u8]>)]) -> EtcNetns {
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
        "7.2.0.192.in-addr.arpa" => Some(Some(b"ba\xffd.example")),
        "8.2.0.192.in-addr.arpa" => Some(Some(b"_ok-.Example")),
        "11.2.0.192.in-addr.arpa" => Some(Some(b"")),
        q if q.starts_with("3.0.0.0.0.0.0.0") && q.ends_with("8.b.d.0.1.0.0.2.ip6.arpa") => {
            Some(Some(b"six.example"))
        }
        _ => Some(None),
    }
}

/// `name` (dotted) in wire form; labels may hold any byte but a dot; empty: the root.
fn wire(name: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for label in name.split(|&b| b == b'.').filter(|l| !l.is_empty()) {
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
        Server::start_on(ns, "127.0.0.1:53")
    }

    /// A server on `addr` (a loopback address and port) in `ns`.
    fn start_on(ns: &Netns, addr: &'static str) -> Server {
        let stop = Arc::new(AtomicBool::new(false));
        let asked = Arc::new(Mutex::new(Vec::new()));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (s, a) = (stop.clone(), asked.clone());
        let thread = ns.spawn(move || {
            let sock = UdpSocket::bind(addr).expect("bind a port 53 in the namespace");
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

    /// How many queries came, for any name.
    fn queries(&self) -> usize {
        self.asked.lock().unwrap().len()
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

/// Names are bytes, as glibc gives them to `ip -r`: a hosts-file name that is not UTF-8
/// prints as it is (text, `-o` and JSON: no U+FFFD), a PTR answer with a byte outside
/// the host-name alphabet fails the lookup (the address prints, and nothing of the name),
/// and one inside it prints as the server sent it (the root as `.`). The bytes are those iproute2 6.1 with
/// glibc 2.36 printed for the same files and answers (its `format_host` is 7.1's).
#[test]
fn names_print_as_their_bytes() {
    let ns = Netns::new("dnsb");
    let _etc = EtcNetns::new(
        &ns,
        &[
            ("resolv.conf", &b"nameserver 127.0.0.1\noptions timeout:1 attempts:1\n"[..]),
            ("hosts", b"127.0.0.1 localhost\n192.0.2.9 ho\xffst\n192.0.2.10 caf\xc3\xa9 x\n"),
        ],
    );
    let server = Server::start(&ns);
    let addrs = ["192.0.2.9", "192.0.2.10", "192.0.2.7", "192.0.2.8", "192.0.2.11"];
    for (i, addr) in addrs.into_iter().enumerate() {
        let id = (i + 1).to_string();
        let out = mptcp(&ns, &["endpoint", "add", addr, "id", &id, "signal"]);
        assert_eq!(out.status, 0, "endpoint add {addr}: {out:?}");
    }
    let run = |args: &[&str]| {
        let out = mptcp(&ns, args);
        assert_eq!((out.status, out.stderr.as_slice()), (0, &b""[..]), "{args:?}: {out:?}");
        out.stdout
    };
    let text = run(&["-r", "endpoint", "show"]);
    assert_eq!(
        text.escape_ascii().to_string(),
        b"ho\xffst id 1 signal \n\
          caf\xc3\xa9 id 2 signal \n\
          192.0.2.7 id 3 signal \n\
          _ok-.Example id 4 signal \n\
          . id 5 signal \n"
            .escape_ascii()
            .to_string()
    );
    assert_eq!(server.asked("9.2.0.192.in-addr.arpa"), 0, "/etc/hosts answered");
    assert_eq!(server.asked("7.2.0.192.in-addr.arpa"), 1, "the server was asked");
    let oneline = run(&["-r", "-o", "endpoint", "show", "id", "1"]);
    assert_eq!(oneline.escape_ascii().to_string(), r"ho\xffst id 1 signal \\");
    let json = run(&["-r", "-j", "endpoint", "show"]);
    let want: &[u8] = b"[{\"address\":\"ho\xffst\",\"id\":1,\"signal\":true},\
        {\"address\":\"caf\xc3\xa9\",\"id\":2,\"signal\":true},\
        {\"address\":\"192.0.2.7\",\"id\":3,\"signal\":true},\
        {\"address\":\"_ok-.Example\",\"id\":4,\"signal\":true},\
        {\"address\":\".\",\"id\":5,\"signal\":true}]\n";
    assert_eq!(json.escape_ascii().to_string(), want.escape_ascii().to_string());
    for out in [&text, &oneline, &json] {
        let replaced = out.windows(3).any(|w| w == "\u{fffd}".as_bytes());
        assert!(!replaced && !out.windows(3).any(|w| w == b"bad"), "{}", out.escape_ascii());
    }
}

/// A directory with a symlink named `ip` to the binary under test and room for batch
/// files, removed on drop.
struct Bin {
    dir: PathBuf,
}

impl Bin {
    fn new(tag: &str) -> Bin {
        let dir = std::env::temp_dir().join(format!("kernel-dns-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a directory for the ip symlink");
        std::os::unix::fs::symlink(mptcp_stack::mptcp_bin(), dir.join("ip")).expect("symlink ip");
        Bin { dir }
    }

    /// Runs the binary itself (in the root namespace: `-n` moves it), as `mptcp` or, with
    /// `as_ip`, through the `ip` symlink; its stdout, which must come with status 0 and
    /// nothing on stderr.
    fn run(&self, as_ip: bool, args: &[&str]) -> String {
        let program = if as_ip { self.dir.join("ip") } else { mptcp_stack::mptcp_bin() };
        let mut cmd = std::process::Command::new(&program);
        cmd.args(args).env("LC_ALL", "C");
        let out = mptcp_stack::capture(&mut cmd, Duration::from_secs(60));
        assert_eq!((out.status, out.stderr_text()), (0, String::new()), "{program:?} {args:?}");
        out.stdout_text()
    }

    /// A batch file with `lines`, by path (not named `ip`: that would write the binary).
    fn batch(&self, name: &str, lines: &str) -> String {
        assert_ne!(name, "ip");
        let path = self.dir.join(name);
        std::fs::write(&path, lines).expect("write a batch file");
        path.to_str().unwrap().to_owned()
    }
}

impl Drop for Bin {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The name the root namespace's `/etc/hosts` gives `addr` (first field the address,
/// second the name; read, never changed), if any.
fn root_hosts_name(addr: &str) -> Option<String> {
    let addr: std::net::IpAddr = addr.parse().unwrap();
    let text = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
    text.lines().find_map(|line| {
        let mut fields = line.split('#').next()?.split_whitespace();
        let a: std::net::IpAddr = fields.next()?.parse().ok()?;
        (a == addr).then_some(fields.next()?.to_owned())
    })
}

/// `-n NS` reads `/etc/netns/NS/resolv.conf` and `hosts` as `ip -n NS` does (it
/// bind-mounts them over `/etc/`'s), not through `ip netns exec`: the binary is run
/// directly, in both personalities, with `-n`, `-netns`, either option order, `-j` and
/// a batch file. A file missing from `/etc/netns/NS/` (or the whole directory) leaves
/// `/etc/`'s: then the fake server, on 127.0.0.2 where only the namespace's resolv.conf
/// sends queries, is not asked, and the root namespace's `/etc/hosts` names what it
/// names (the test reads it to know what to expect).
#[test]
fn netns_option_reads_the_namespace_files_as_ip_does() {
    let ns = Netns::new("dnsn");
    let name = ns.name().to_owned();
    let n = name.as_str();
    let server = Server::start_on(&ns, "127.0.0.2:53");
    let bin = Bin::new("netns");
    for (id, addr) in
        [("1", "192.0.2.1"), ("2", "192.0.2.5"), ("3", "192.0.2.6"), ("4", "127.0.0.1")]
    {
        bin.run(false, &["-n", n, "endpoint", "add", addr, "id", id, "signal"]);
    }
    let lines = |names: [&str; 4]| -> String {
        names.iter().enumerate().map(|(i, a)| format!("{a} id {} signal \n", i + 1)).collect()
    };
    let plain_batch = bin.batch("plain.batch", "endpoint show\nendpoint show id 1\n");
    let ip_batch = bin.batch("ip.batch", "mptcp endpoint show\nmptcp endpoint show id 1\n");
    // Every way of asking: (as ip, arguments); each prints the table once, a batch also
    // its first line again.
    let forms: [(bool, Vec<&str>); 7] = [
        (false, vec!["-n", n, "-r", "endpoint", "show"]),
        (false, vec!["-r", "-netns", n, "endpoint", "show"]),
        (false, vec!["-n", n, "-r", "-batch", &plain_batch]),
        (true, vec!["-n", n, "-r", "mptcp", "endpoint", "show"]),
        (true, vec!["-r", "-netns", n, "mptcp", "endpoint", "show"]),
        (true, vec!["--netns", n, "-resolve", "mptcp", "endpoint", "show"]),
        (true, vec!["-n", n, "-r", "-batch", &ip_batch]),
    ];
    let check = |want: &str| {
        for (as_ip, args) in &forms {
            let want = match args.contains(&"-batch") {
                true => format!("{want}{}\n", want.lines().next().unwrap()),
                false => want.to_owned(),
            };
            assert_eq!(bin.run(*as_ip, args), want, "as ip: {as_ip}, {args:?}");
        }
    };

    // Both files: names from the namespace's hosts, then its resolv.conf's server.
    let etc = EtcNetns::new(
        &ns,
        &[
            ("resolv.conf", "nameserver 127.0.0.2\noptions timeout:1 attempts:1\n"),
            ("hosts", "127.0.0.1 nshost\n192.0.2.5 fromhosts\n"),
        ],
    );
    let want = lines(["one.example", "fromhosts", "192.0.2.6", "nshost"]);
    check(&want);
    let batches = forms.iter().filter(|(_, args)| args.contains(&"-batch")).count();
    assert_eq!(server.asked("1.2.0.192.in-addr.arpa"), forms.len() + batches);
    assert_eq!(server.asked("5.2.0.192.in-addr.arpa"), 0, "the hosts file comes first");
    assert_eq!(server.asked("6.2.0.192.in-addr.arpa"), forms.len());
    let json = bin.run(true, &["-j", "-n", n, "-r", "mptcp", "endpoint", "show"]);
    for name in ["one.example", "fromhosts", "192.0.2.6", "nshost"] {
        assert!(json.contains(&format!("\"address\":\"{name}\"")), "{name} in {json}");
    }
    // Without -r, addresses, as before.
    let plain = lines(["192.0.2.1", "192.0.2.5", "192.0.2.6", "127.0.0.1"]);
    assert_eq!(bin.run(true, &["-n", n, "mptcp", "endpoint", "show"]), plain);
    assert_eq!(bin.run(false, &["-n", n, "endpoint", "show"]), plain);
    drop(etc);

    // The root namespace's files, as `/etc/netns/NS/` does not cover them.
    let root = |addr: &'static str| root_hosts_name(addr).unwrap_or_else(|| addr.to_owned());
    let root_conf = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    let root_asks_ours = root_conf.split_whitespace().any(|w| w.starts_with("127.0.0.2"));
    let asked = server.queries();

    // Only a hosts file: the namespace's hosts, the root's resolv.conf.
    let etc = EtcNetns::new(&ns, &[("hosts", "127.0.0.1 nshost\n192.0.2.5 fromhosts\n")]);
    check(&lines([&root("192.0.2.1"), "fromhosts", &root("192.0.2.6"), "nshost"]));
    drop(etc);

    // No directory: both of the root's; an address they do not name stays an address.
    let want =
        lines([&root("192.0.2.1"), &root("192.0.2.5"), &root("192.0.2.6"), &root("127.0.0.1")]);
    check(&want);
    if !root_asks_ours {
        assert_eq!(server.queries(), asked, "the root's resolv.conf does not lead to our server");
    }
}
