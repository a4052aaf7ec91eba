//! Kernel-in-the-loop tests of `mptcp-pm-wire` and of the `mptcp` command: every in-kernel PM
//! command, and the userspace PM against a real MPTCP connection between two
//! namespaces joined by two veth pairs. Needs root; never touches the root namespace.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::os::fd::FromRawFd;
use std::process::{Command, Output};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

use mptcp_pm_wire::{Endpoint, EndpointFlags, Event, EventKind, Limits, Request};
use mptcp_stack::Netns;
use nlsock::{Conn, Socket};

fn mptcp(ns: &Netns, args: &[&str]) -> Output {
    Command::new(mptcp_stack::mptcp_bin()).args(["-n", ns.name()]).args(args).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// One exchange helper: a socket in the current namespace with the family resolved.
struct Pm {
    conn: Conn<Socket>,
    family: u16,
    group: u32,
    rx: Vec<u8>,
}

impl Pm {
    fn open() -> Pm {
        let mut conn = Conn::new(Socket::generic().unwrap(), 0);
        let mut rx = vec![0u8; nlsock::RECV_BUF];
        let (family, group) = {
            let f = genl::resolve(&mut conn, "mptcp_pm", &mut rx).unwrap();
            (f.id, f.group("mptcp_pm_events").unwrap().unwrap())
        };
        Pm { conn, family, group, rx }
    }

    fn ack(&mut self, req: Request) -> Result<(), nlsock::Error> {
        let mut buf = [0u8; mptcp_pm_wire::MAX_REQUEST_LEN];
        let len = req.emit(&mut buf, self.family, 0).unwrap().len();
        self.conn.ack(&mut buf[..len], &mut self.rx)
    }

    fn get(&mut self, id: u8) -> Result<Endpoint, nlsock::Error> {
        let mut buf = [0u8; mptcp_pm_wire::MAX_REQUEST_LEN];
        let len =
            Request::GetAddr(Endpoint::with_id(id)).emit(&mut buf, self.family, 0).unwrap().len();
        let m = self.conn.request(&mut buf[..len], &mut self.rx)?;
        Ok(Endpoint::from_message(&m.genl().unwrap()).unwrap().unwrap())
    }

    fn dump(&mut self, req: Request) -> Vec<Endpoint> {
        let mut buf = [0u8; mptcp_pm_wire::MAX_REQUEST_LEN];
        let len = req.emit(&mut buf, self.family, 0).unwrap().len();
        let mut out = Vec::new();
        self.conn
            .dump(&mut buf[..len], &mut self.rx, |m| {
                out.push(Endpoint::from_message(&m.genl().unwrap()).unwrap().unwrap())
            })
            .unwrap();
        out
    }

    fn limits(&mut self) -> Limits {
        let mut buf = [0u8; mptcp_pm_wire::MAX_REQUEST_LEN];
        let len =
            Request::GetLimits(Limits::default()).emit(&mut buf, self.family, 0).unwrap().len();
        let m = self.conn.request(&mut buf[..len], &mut self.rx).unwrap();
        Limits::from_message(&m.genl().unwrap()).unwrap()
    }
}

#[test]
fn in_kernel_pm_commands_do_what_they_say() {
    let ns = Netns::new("inkernel");
    ns.run(|| {
        let mut pm = Pm::open();
        let v4 = |d| Endpoint {
            flags: EndpointFlags::SUBFLOW,
            ..Endpoint::with_addr(Ipv4Addr::new(10, 0, 0, d))
        };
        pm.ack(Request::AddAddr(Endpoint { id: Some(5), ..v4(1) })).unwrap();
        pm.ack(Request::AddAddr(v4(2))).unwrap();
        let six = Endpoint {
            id: Some(9),
            port: 0,
            flags: EndpointFlags::SIGNAL | EndpointFlags::BACKUP,
            ..Endpoint::with_addr("2001:db8::1".parse::<std::net::Ipv6Addr>().unwrap())
        };
        pm.ack(Request::AddAddr(six)).unwrap();
        assert_eq!(pm.get(5).unwrap(), Endpoint { id: Some(5), ..v4(1) });
        let all = pm.dump(Request::DumpAddrs);
        assert_eq!(all.iter().map(|e| e.id.unwrap()).collect::<Vec<_>>(), [5, 6, 9]);
        assert_eq!(all[2], six);
        // SET_FLAGS sets backup and fullmesh to exactly what is sent.
        let change = Endpoint { flags: EndpointFlags::BACKUP | EndpointFlags::FULLMESH, ..Endpoint::with_id(5) };
        pm.ack(Request::SetFlags(change)).unwrap();
        let flags = pm.get(5).unwrap().flags;
        assert_eq!(flags, EndpointFlags::SUBFLOW | EndpointFlags::BACKUP | EndpointFlags::FULLMESH);
        pm.ack(Request::DelAddr(Endpoint::with_id(6))).unwrap();
        assert!(matches!(pm.get(6), Err(nlsock::Error::Kernel(k)) if k.message() == Some("address not found")));
        pm.ack(Request::FlushAddrs).unwrap();
        assert!(pm.dump(Request::DumpAddrs).is_empty());
        pm.ack(Request::SetLimits(Limits { rcv_add_addrs: Some(4), subflows: Some(3) })).unwrap();
        assert_eq!(pm.limits(), Limits { rcv_add_addrs: Some(4), subflows: Some(3) });
        pm.ack(Request::SetLimits(Limits { rcv_add_addrs: None, subflows: Some(8) })).unwrap();
        assert_eq!(pm.limits(), Limits { rcv_add_addrs: Some(4), subflows: Some(8) });
    });
}

/// What the tests need of one event.
#[derive(Debug, Clone, Copy)]
struct Seen {
    kind: EventKind,
    token: Option<u32>,
    sport: Option<u16>,
    rem_id: Option<u8>,
}

/// Collects the events of `ns` until the receiver is dropped.
fn watch(ns: &Netns) -> Receiver<Seen> {
    let (tx, rx) = mpsc::channel();
    let (ready_tx, ready_rx) = mpsc::channel();
    ns.spawn(move || {
        let mut pm = Pm::open();
        pm.conn.link().join_group(pm.group).unwrap();
        ready_tx.send(()).unwrap();
        loop {
            let Ok(msgs) = pm.conn.recv_events(&mut pm.rx) else { continue };
            for m in msgs.flatten() {
                let Ok(g) = m.genl() else { continue };
                let ev = match Event::parse(&g) {
                    Ok(ev) => ev,
                    Err(e) => panic!("unparsable event {}: {e:?}", g.cmd()),
                };
                let seen = Seen {
                    kind: ev.kind(),
                    token: ev.token(),
                    sport: ev.sport(),
                    rem_id: ev.rem_id(),
                };
                if tx.send(seen).is_err() {
                    return;
                }
            }
        }
    });
    ready_rx.recv_timeout(Duration::from_secs(5)).unwrap();
    rx
}

/// Waits up to 5 s for an event of `kind`.
fn expect(rx: &Receiver<Seen>, kind: EventKind) -> Seen {
    let deadline = Instant::now() + Duration::from_secs(5);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(s) if s.kind == kind => return s,
            Ok(_) => {}
            Err(_) => break,
        }
    }
    panic!("no {kind:?} event within 5 s");
}

/// An MPTCP stream socket (`IPPROTO_MPTCP`).
fn mptcp_socket() -> i32 {
    // SAFETY (test helper): a plain socket call.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM, 262) };
    assert!(fd >= 0, "MPTCP socket");
    fd
}

fn sockaddr(ip: Ipv4Addr, port: u16) -> libc::sockaddr_in {
    // SAFETY: all-zero is a valid sockaddr_in.
    let mut sa: libc::sockaddr_in = unsafe { std::mem::zeroed() };
    sa.sin_family = libc::AF_INET as u16;
    sa.sin_port = port.to_be();
    sa.sin_addr.s_addr = u32::from_ne_bytes(ip.octets());
    sa
}

/// Two namespaces, two veth paths (10.1.1.0/24 and 10.1.2.0/24), userspace PM on both
/// sides; [`Topology::connect`] opens one MPTCP connection from client to server, held
/// open until the returned sender is dropped.
struct Topology {
    server: Netns,
    client: Netns,
    port: u16,
}

impl Topology {
    fn new(tag: &str, port: u16) -> Topology {
        let (server, client) = (Netns::new(&format!("{tag}-s")), Netns::new(&format!("{tag}-c")));
        for (i, net) in [(1, "10.1.1"), (2, "10.1.2")] {
            client.sh(&[
                "ip",
                "link",
                "add",
                &format!("c{i}"),
                "type",
                "veth",
                "peer",
                "name",
                &format!("s{i}"),
                "netns",
                server.name(),
            ]);
            client.sh(&["ip", "addr", "add", &format!("{net}.2/24"), "dev", &format!("c{i}")]);
            server.sh(&["ip", "addr", "add", &format!("{net}.1/24"), "dev", &format!("s{i}")]);
            client.sh(&["ip", "link", "set", &format!("c{i}"), "up"]);
            server.sh(&["ip", "link", "set", &format!("s{i}"), "up"]);
        }
        for ns in [&server, &client] {
            ns.sh(&["sysctl", "-qw", "net.mptcp.pm_type=1"]);
        }
        Topology { server, client, port }
    }

    fn connect(&self) -> mpsc::Sender<()> {
        let port = self.port;
        let (hold, held) = mpsc::channel::<()>();
        let (listening_tx, listening) = mpsc::channel();
        self.server.spawn(move || {
            let fd = mptcp_socket();
            let one: libc::c_int = 1;
            let sa = sockaddr(Ipv4Addr::UNSPECIFIED, port);
            // SAFETY (test helper): socket calls on a descriptor we own.
            let conn = unsafe {
                libc::setsockopt(
                    fd,
                    libc::SOL_SOCKET,
                    libc::SO_REUSEADDR,
                    (&raw const one).cast(),
                    4,
                );
                assert_eq!(libc::bind(fd, (&raw const sa).cast(), 16), 0);
                assert_eq!(libc::listen(fd, 4), 0);
                listening_tx.send(()).unwrap();
                let c = libc::accept(fd, std::ptr::null_mut(), std::ptr::null_mut());
                (fd, TcpStream::from_raw_fd(c))
            };
            let (listener, mut conn) = conn;
            let mut buf = [0u8; 64];
            while conn.read(&mut buf).map(|n| n > 0).unwrap_or(false) {}
            // SAFETY (test helper): the listener stays open, as a server's would, until
            // the connection ends.
            unsafe { libc::close(listener) };
        });
        listening.recv_timeout(Duration::from_secs(5)).unwrap();
        self.client.spawn(move || {
            let fd = mptcp_socket();
            let sa = sockaddr(Ipv4Addr::new(10, 1, 1, 1), port);
            // SAFETY (test helper): connect a descriptor we own, then hand it to std.
            let mut s = unsafe {
                assert_eq!(libc::connect(fd, (&raw const sa).cast(), 16), 0, "connect");
                TcpStream::from_raw_fd(fd)
            };
            s.write_all(b"hello").unwrap();
            let _ = held.recv();
        });
        hold
    }
}

/// The token of the one connection `mptcp connection show` lists in `ns`.
fn listed_token(ns: &Netns) -> (u32, String) {
    let out = mptcp(ns, &["connection", "show"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let line = text(&out.stdout);
    let token = line.split_whitespace().nth(1).expect("a connection line").to_owned();
    (u32::from_str_radix(&token, 16).unwrap(), line)
}

#[test]
fn userspace_pm_through_the_cli() {
    let t = Topology::new("ucli", 6100);
    let (srv_events, cli_events) = (watch(&t.server), watch(&t.client));
    let hold = t.connect();
    let c_created = expect(&cli_events, EventKind::Established);
    let s_created = expect(&srv_events, EventKind::Established);
    thread::sleep(Duration::from_millis(100));

    // `connection show` lists the connection with the right token on both sides.
    let (ctok, cline) = listed_token(&t.client);
    let (stok, sline) = listed_token(&t.server);
    assert_eq!(Some(ctok), c_created.token, "{cline}");
    assert_eq!(Some(stok), s_created.token, "{sline}");
    assert!(cline.contains("subflows 1 ") && !cline.contains("server_side"), "{cline}");
    assert!(sline.contains("server_side"), "{sline}");
    let ct = format!("{ctok:08x}");
    let st = format!("{stok:08x}");
    let rport = t.port.to_string();

    // subflow add: SUB_ESTABLISHED, and the subflow count becomes 2.
    let out = mptcp(
        &t.client,
        &["subflow", "add", "token", &ct, "10.1.2.2", "raddr", "10.1.1.1", "rport", &rport],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let sf = expect(&cli_events, EventKind::SubEstablished);
    thread::sleep(Duration::from_millis(100));
    assert!(listed_token(&t.client).1.contains("subflows 2 "));
    let lport = sf.sport.unwrap().to_string();

    // subflow change … backup: the peer gets SUB_PRIORITY.
    let out = mptcp(
        &t.client,
        &[
            "subflow", "change", "token", &ct, "10.1.2.2", "port", &lport, "raddr", "10.1.1.1",
            "rport", &rport, "backup",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    expect(&srv_events, EventKind::SubPriority);

    // subflow delete: SUB_CLOSED.
    let out = mptcp(
        &t.client,
        &[
            "subflow", "delete", "token", &ct, "10.1.2.2", "port", &lport, "raddr", "10.1.1.1",
            "rport", &rport,
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    expect(&cli_events, EventKind::SubClosed);

    // endpoint announce on the server: the client gets ANNOUNCED; remove: REMOVED.
    let out = mptcp(&t.server, &["endpoint", "announce", "10.1.2.1", "id", "7", "token", &st]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(expect(&cli_events, EventKind::Announced).rem_id, Some(7));
    let out = mptcp(&t.server, &["endpoint", "show", "token", &st]);
    assert_eq!(text(&out.stdout), "10.1.2.1 id 7 signal \n");
    let out = mptcp(&t.server, &["endpoint", "remove", "id", "7", "token", &st]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(expect(&cli_events, EventKind::Removed).rem_id, Some(7));

    // Error paths: an unknown token, missing arguments, and the in-kernel PM.
    let out = mptcp(
        &t.client,
        &["subflow", "add", "token", "deadbeef", "10.1.2.2", "raddr", "10.1.1.1", "rport", &rport],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stderr), "Error: invalid token.\n");
    let out =
        mptcp(&t.client, &["subflow", "add", "10.1.2.2", "raddr", "10.1.1.1", "rport", &rport]);
    assert_eq!(out.status.code(), Some(255));
    assert_eq!(text(&out.stderr), "Error: argument \"TOKEN\" is required\n");
    let kernel_pm = Netns::new("ucli-k");
    let out = mptcp(&kernel_pm, &["endpoint", "remove", "id", "1", "token", "1234"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("net.mptcp.pm_type=1"), "{}", text(&out.stderr));
    drop(hold);
}

#[test]
fn userspace_pm_through_the_library() {
    let t = Topology::new("ulib", 6200);
    let (srv_events, cli_events) = (watch(&t.server), watch(&t.client));
    let hold = t.connect();
    let ctok = expect(&cli_events, EventKind::Established).token.unwrap();
    let stok = expect(&srv_events, EventKind::Established).token.unwrap();
    let port = t.port;
    let remote = Endpoint { port, ..Endpoint::with_addr(Ipv4Addr::new(10, 1, 1, 1)) };
    let local = Endpoint { id: Some(3), ..Endpoint::with_addr(Ipv4Addr::new(10, 1, 2, 2)) };
    t.client.run(move || {
        Pm::open().ack(Request::SubflowCreate { token: ctok, local, remote }).unwrap()
    });
    let sf = expect(&cli_events, EventKind::SubEstablished);
    let bound = Endpoint { port: sf.sport.unwrap(), ..local };
    let backup = Endpoint { flags: EndpointFlags::BACKUP, ..bound };
    t.client.run(move || {
        Pm::open().ack(Request::SetFlagsToken { token: ctok, local: backup, remote }).unwrap()
    });
    expect(&srv_events, EventKind::SubPriority);
    t.client.run(move || {
        Pm::open().ack(Request::SubflowDestroy { token: ctok, local: bound, remote }).unwrap()
    });
    expect(&cli_events, EventKind::SubClosed);
    let addr = Endpoint {
        id: Some(9),
        flags: EndpointFlags::SIGNAL,
        ..Endpoint::with_addr(Ipv4Addr::new(10, 1, 2, 1))
    };
    t.server.run(move || Pm::open().ack(Request::Announce { token: stok, addr }).unwrap());
    assert_eq!(expect(&cli_events, EventKind::Announced).rem_id, Some(9));
    let listed = t.server.run(move || Pm::open().dump(Request::DumpAddrsToken { token: stok }));
    assert_eq!(listed.iter().map(|e| e.id).collect::<Vec<_>>(), [Some(9)]);
    t.server.run(move || Pm::open().ack(Request::Remove { token: stok, loc_id: 9 }).unwrap());
    assert_eq!(expect(&cli_events, EventKind::Removed).rem_id, Some(9));
    drop(hold);
}
