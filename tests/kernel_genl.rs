//! Kernel-in-the-loop tests of `nlsock` and `genl`, each in throw-away namespaces.
//!
//! Needs root. A namespace that cannot be made fails the test loudly: nothing here
//! skips. Each test enters its namespaces from its own threads (`setns` changes only
//! the calling thread), so the root namespace is never touched.

use std::process::Command;
use std::time::{Duration, Instant};

use mptcp_pm_wire::{Event, EventKind, Limits, Request};
use mptcp_stack::Netns;
use mptcp_stack::mptcp_sock::listen_once;
use nlsock::{Conn, Error, Socket};

fn connect() -> Conn<Socket> {
    Conn::new(Socket::generic().expect("generic netlink socket"), 0)
}

fn family_id(conn: &mut Conn<Socket>) -> (u16, Option<u32>) {
    let mut rx = vec![0u8; nlsock::RECV_BUF];
    let f = genl::resolve(conn, "mptcp_pm", &mut rx).expect("mptcp_pm resolves");
    (f.id, f.group("mptcp_pm_events").unwrap())
}

#[test]
fn resolves_nlctrl_and_mptcp_pm_with_its_events_group() {
    let ns = Netns::new("resolve");
    ns.run(|| {
        let mut conn = connect();
        let mut rx = vec![0u8; nlsock::RECV_BUF];
        let ctrl = genl::resolve(&mut conn, "nlctrl", &mut rx).unwrap();
        assert_eq!((ctrl.id, ctrl.name), (0x10, "nlctrl"));
        let pm = genl::resolve(&mut conn, "mptcp_pm", &mut rx).unwrap();
        assert_eq!(pm.name, "mptcp_pm");
        assert_eq!(pm.version, 1);
        assert!(pm.id >= 0x10);
        assert!(pm.group("mptcp_pm_events").unwrap().is_some());
        assert!(pm.group("mptcp_pm_cmds").unwrap().is_some());
    });
}

#[test]
fn unknown_family_is_not_found() {
    let ns = Netns::new("unknown");
    ns.run(|| {
        let mut conn = connect();
        let mut rx = vec![0u8; nlsock::RECV_BUF];
        let err = genl::resolve(&mut conn, "no_such_family", &mut rx).unwrap_err();
        assert_eq!(err, genl::ResolveError::NotFound);
    });
}

#[test]
fn rejected_request_carries_the_extack_message() {
    let ns = Netns::new("extack");
    ns.run(|| {
        let mut conn = connect();
        let (family, _) = family_id(&mut conn);
        let mut buf = [0u8; 64];
        let req = Request::SetLimits(Limits { rcv_add_addrs: None, subflows: Some(9) });
        let len = req.emit(&mut buf, family, 0).unwrap().len();
        let mut rx = vec![0u8; nlsock::RECV_BUF];
        match conn.ack(&mut buf[..len], &mut rx) {
            Err(Error::Kernel(k)) => {
                assert_eq!(k.errno, libc::EINVAL);
                assert_eq!(k.message(), Some("limit greater than maximum (8)"));
            }
            other => panic!("expected a kernel error, got {other:?}"),
        }
    });
}

#[test]
fn events_group_reports_listener_created() {
    let ns = Netns::new("events");
    ns.run(|| {
        let mut conn = connect();
        let (family, group) = family_id(&mut conn);
        conn.link().join_group(group.expect("events group")).unwrap();
        conn.link().set_recv_buffer(1 << 20).unwrap();
        // `lo` must be up for the socket; the listener lives in this thread's namespace.
        let st = Command::new("ip").args(["link", "set", "lo", "up"]).status().unwrap();
        assert!(st.success());
        listen_once(5999);
        let mut rx = vec![0u8; nlsock::RECV_BUF];
        let mut kinds = Vec::new();
        while kinds.len() < 2 {
            for m in conn.recv_events(&mut rx).unwrap() {
                let m = m.unwrap();
                assert_eq!(m.kind(), family);
                let ev = Event::parse(&m.genl().unwrap()).unwrap();
                assert_eq!(ev.sport(), Some(5999));
                assert_eq!(ev.saddr4(), Some(std::net::Ipv4Addr::LOCALHOST));
                kinds.push(ev.kind());
            }
        }
        assert_eq!(kinds, [EventKind::ListenerCreated, EventKind::ListenerClosed]);
    });
}

/// One `recvmmsg` takes every queued event; an empty queue with `Wait::No` is an
/// empty batch, not a block.
#[test]
fn queued_events_arrive_in_one_batch() {
    let ns = Netns::new("batch");
    ns.run(|| {
        let mut conn = connect();
        let (family, group) = family_id(&mut conn);
        let group = group.expect("events group");
        conn.link().join_group(group).unwrap();
        // A second member of the group tells when the kernel has sent all six events:
        // a listener's LISTENER_CLOSED may come a moment after its close() returns.
        // It has sent nothing: `join_group` must bind it, or it would see no event.
        let mut watcher = connect();
        watcher.link().join_group(group).unwrap();
        let st = Command::new("ip").args(["link", "set", "lo", "up"]).status().unwrap();
        assert!(st.success());
        let slot = nlsock::EVENT_SLOT;
        let mut rx = vec![0u8; slot * nlsock::MAX_BATCH];
        let empty = conn.recv_event_batch(&mut rx, slot, nlsock::Wait::No).unwrap();
        assert!(empty.is_empty());
        for port in [6001, 6002, 6003] {
            listen_once(port);
        }
        let mut watched = vec![0u8; slot * nlsock::MAX_BATCH];
        let (mut sent, end) = (0, Instant::now() + Duration::from_secs(5));
        while sent < 6 && Instant::now() < end {
            sent += watcher.recv_event_batch(&mut watched, slot, nlsock::Wait::No).unwrap().len();
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(sent, 6, "the kernel sent six events in 5 s");
        let batch = conn.recv_event_batch(&mut rx, slot, nlsock::Wait::ForOne).unwrap();
        assert_eq!(batch.len(), 6, "three listeners opened and closed, all queued");
        let mut seen = Vec::new();
        for datagram in batch.from_kernel(&rx, slot) {
            for m in nlwire::Messages::new(datagram) {
                let m = m.unwrap();
                assert_eq!(m.kind(), family);
                let ev = Event::parse(&m.genl().unwrap()).unwrap();
                seen.push((ev.kind(), ev.sport().unwrap()));
            }
        }
        // Each listener's events in order; across listeners a LISTENER_CLOSED may come a
        // moment late (after the next listener's LISTENER_CREATED), as a CI run saw.
        use EventKind::{ListenerClosed as Closed, ListenerCreated as Created};
        assert_eq!(seen.len(), 6, "{seen:?}");
        for port in [6001, 6002, 6003] {
            let at = |kind| seen.iter().position(|e| *e == (kind, port));
            let (created, closed) = (at(Created), at(Closed));
            assert!(created.is_some() && closed.is_some() && created < closed, "{seen:?}");
        }
        let created: Vec<u16> = seen.iter().filter(|e| e.0 == Created).map(|e| e.1).collect();
        assert_eq!(created, [6001, 6002, 6003], "listeners open in order: {seen:?}");
        let after = conn.recv_event_batch(&mut rx, slot, nlsock::Wait::No).unwrap();
        assert!(after.is_empty());
    });
}

#[test]
fn namespaces_isolate_endpoints() {
    let (a, b) = (Netns::new("iso-a"), Netns::new("iso-b"));
    let count = || {
        let mut conn = connect();
        let (family, _) = family_id(&mut conn);
        let mut buf = [0u8; 64];
        let len = Request::DumpAddrs.emit(&mut buf, family, 0).unwrap().len();
        let mut rx = vec![0u8; nlsock::RECV_BUF];
        let mut n = 0;
        conn.dump(&mut buf[..len], &mut rx, |_| n += 1).unwrap();
        n
    };
    a.run(|| {
        let mut conn = connect();
        let (family, _) = family_id(&mut conn);
        let ep = mptcp_pm_wire::Endpoint::with_addr(std::net::Ipv4Addr::new(10, 9, 9, 9));
        let mut buf = [0u8; 128];
        let len = Request::AddAddr(ep).emit(&mut buf, family, 0).unwrap().len();
        let mut rx = vec![0u8; nlsock::RECV_BUF];
        conn.ack(&mut buf[..len], &mut rx).unwrap();
    });
    assert_eq!(a.run(count), 1);
    assert_eq!(b.run(count), 0);
}
