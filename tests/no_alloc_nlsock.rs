//! Proves the socket path allocates nothing: a family resolution and an endpoint dump.
//!
//! A counting `#[global_allocator]` counts, per thread, every allocation. The measured
//! thread resolves `mptcp_pm` through `nlsock::Conn<nlsock::Socket>` + `genl::resolve`,
//! then dumps the endpoint table (read-only) and decodes each endpoint with
//! `mptcp_pm_wire::Endpoint::from_message`; the count must not move. Needs root: the dump
//! runs in a throw-away namespace holding three endpoints, so it carries real data.
//! A second test does a daemon's work through the `mptcp-netlink` facade (limits, two
//! endpoints, a dump, an event with a timeout) and must not allocate either. The
//! allocator counts per thread, so the tests of this file do not disturb each other.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;
use std::net::Ipv4Addr;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use mptcp_pm_wire::{Endpoint, EndpointAddr, EndpointFlags, MAX_REQUEST_LEN, Request};
use nlsock::{Conn, Socket};

/// The system allocator, counting each allocation of the calling thread.
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count_one() {
    // `try_with`: the slot is gone while a thread is being torn down; nothing to count.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

// SAFETY: every call is forwarded unchanged to `System`, which upholds the
// `GlobalAlloc` contract; the counter touches only a const-initialised thread-local
// `Cell` and never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: forwarded with the caller's layout (the caller's obligations).
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: as in `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        // SAFETY: `ptr` came from this allocator, i.e. from `System`, with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as in `realloc`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// A namespace made with `ip netns add`, deleted on drop.
struct Ns(String);

impl Ns {
    fn new(tag: &str) -> Ns {
        let name = format!("noalloc-{tag}-{}", std::process::id());
        ip(&["netns", "add", &name]);
        Ns(name)
    }
}

impl Drop for Ns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

fn ip(args: &[&str]) {
    let ok = Command::new("ip").args(args).status().is_ok_and(|s| s.success());
    assert!(ok, "`ip {}` failed (needs root and MPTCP)", args.join(" "));
}

/// What the measured thread saw, and how many allocations it made meanwhile.
struct Seen {
    allocations: u64,
    family_id: u16,
    endpoints: [Option<Endpoint>; 4],
    interrupted: bool,
}

/// Runs in the namespace: resolve the family, dump and decode, counting allocations.
fn resolve_and_dump() -> Seen {
    // Nothing below allocates in the code under test; the buffers are on the stack.
    let mut rx = [0u8; nlsock::RECV_BUF];
    let mut tx = [0u8; MAX_REQUEST_LEN];
    let mut endpoints = [None; 4];

    let before = allocations();
    let mut conn = Conn::new(Socket::generic().expect("generic netlink socket"), 0);
    let family = genl::resolve(&mut conn, mptcp_pm_wire::FAMILY_NAME, &mut rx).expect("mptcp_pm");
    let family_id = family.id;
    let len = Request::DumpAddrs.emit(&mut tx, family_id, 0).expect("dump request").len();
    let mut n = 0;
    let interrupted = conn
        .dump(&mut tx[..len], &mut rx, |m| {
            let e = m.genl().ok().and_then(|g| Endpoint::from_message(&g).ok().flatten());
            if let Some(slot) = endpoints.get_mut(n) {
                *slot = e;
            }
            n += 1;
        })
        .expect("endpoint dump");
    drop(black_box(conn));
    let allocations = allocations() - before;

    Seen { allocations, family_id, endpoints, interrupted }
}

#[test]
fn family_resolution_and_endpoint_dump_allocate_nothing() {
    // The counter is live: an allocation on this thread is seen.
    let before = allocations();
    drop(black_box(Box::new(7u8)));
    assert_eq!(allocations(), before + 1, "the counting allocator is not in use");

    let ns = Ns::new("dump");
    let name = ns.0.clone();
    ip(&["-n", &name, "mptcp", "endpoint", "add", "10.0.1.1", "signal"]);
    ip(&["-n", &name, "mptcp", "endpoint", "add", "10.0.2.1", "id", "7", "subflow", "backup"]);
    ip(&["-n", &name, "mptcp", "endpoint", "add", "2001:db8::1", "signal"]);

    let seen = std::thread::spawn(move || {
        nlsock::enter_netns(&name).expect("setns");
        resolve_and_dump()
    })
    .join()
    .expect("measured thread panicked");

    assert_eq!(seen.allocations, 0, "nlsock + genl + mptcp-pm-wire allocated");
    assert!(seen.family_id >= 0x10, "family id {:#x}", seen.family_id);
    assert!(!seen.interrupted);
    let addr = |e: &Option<Endpoint>| e.as_ref().and_then(|e| e.addr);
    let got: Vec<_> = seen.endpoints.iter().map(addr).collect();
    assert_eq!(
        got,
        [
            Some(EndpointAddr::V4(Ipv4Addr::new(10, 0, 1, 1))),
            Some(EndpointAddr::V4(Ipv4Addr::new(10, 0, 2, 1))),
            Some(EndpointAddr::V6("2001:db8::1".parse().unwrap())),
            None,
        ]
    );
    let second = seen.endpoints[1].expect("second endpoint");
    assert_eq!(second.id, Some(7));
    assert_eq!(second.flags, EndpointFlags::SUBFLOW | EndpointFlags::BACKUP);
}

/// What the facade test's measured thread saw.
struct Daemon {
    allocations: u64,
    limits: mptcp_netlink::Limits,
    endpoints: [Option<Endpoint>; 3],
    quiet: bool,
    event: Option<mptcp_netlink::EventKind>,
    then: [Option<mptcp_netlink::EventKind>; 2],
}

/// Runs in the namespace: a daemon's first steps through `mptcp-netlink`, counting
/// allocations. `listen` tells another thread to make an event (a flag: a channel's
/// send may allocate).
fn daemon_steps(listen: Arc<AtomicBool>) -> Daemon {
    use mptcp_netlink::{EVENTS_BUF, Limits, Notice, PathManager, RECV_BUF};
    use std::time::Duration;

    let before = allocations();
    let mut pm = PathManager::open([0u8; RECV_BUF]).expect("path manager");
    let mut events = pm.events([0u8; EVENTS_BUF]).expect("events");
    pm.set_limits(Limits { subflows: Some(2), rcv_add_addrs: Some(1) }).expect("limits");
    let one = Endpoint {
        flags: EndpointFlags::SIGNAL,
        ..Endpoint::with_addr(Ipv4Addr::new(10, 0, 9, 1))
    };
    let two = Endpoint {
        id: Some(9),
        flags: EndpointFlags::SUBFLOW,
        ..Endpoint::with_addr(Ipv4Addr::new(10, 0, 9, 2))
    };
    pm.add_endpoint(&one).expect("first endpoint");
    pm.add_endpoint(&two).expect("second endpoint");
    let mut endpoints = [None; 3];
    for (slot, e) in endpoints.iter_mut().zip(pm.endpoints().expect("dump")) {
        *slot = Some(e.expect("endpoint"));
    }
    let limits = pm.limits().expect("limits");
    let quiet = events.next(Some(Duration::from_millis(50))).expect("wait").is_none();
    listen.store(true, Ordering::Release);
    let event = match events.next(Some(Duration::from_secs(5))).expect("event") {
        Some(Notice::Event(e)) => Some(e.kind()),
        _ => None,
    };
    // The rest as an iterator of plain values, until 300 ms pass without an event.
    events.set_timeout(Some(Duration::from_millis(300)));
    let mut then = [None; 2];
    for (slot, r) in then.iter_mut().zip(&mut events) {
        if let mptcp_netlink::Received::Event(e) = r.expect("event") {
            *slot = Some(e.kind);
        }
    }
    drop(black_box((pm, events)));
    let allocations = allocations() - before;
    Daemon { allocations, limits, endpoints, quiet, event, then }
}

#[test]
fn a_daemon_through_mptcp_netlink_allocates_nothing() {
    let ns = Ns::new("facade");
    ip(&["-n", &ns.0, "link", "set", "lo", "up"]);
    let go = Arc::new(AtomicBool::new(false));
    let (name, flag) = (ns.0.clone(), Arc::clone(&go));
    let listener = std::thread::spawn(move || {
        nlsock::enter_netns(&name).expect("setns");
        while !flag.load(Ordering::Acquire) {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        mptcp_stack::mptcp_sock::listen_once(6311);
    });
    let name = ns.0.clone();
    let seen = std::thread::spawn(move || {
        nlsock::enter_netns(&name).expect("setns");
        daemon_steps(go)
    })
    .join()
    .expect("measured thread panicked");
    listener.join().expect("listener thread");

    assert_eq!(seen.allocations, 0, "mptcp-netlink allocated");
    assert_eq!((seen.limits.subflows, seen.limits.rcv_add_addrs), (Some(2), Some(1)));
    let ids: Vec<_> = seen.endpoints.iter().map(|e| e.and_then(|e| e.id)).collect();
    assert_eq!(ids, [Some(1), Some(9), None]);
    assert!(seen.quiet, "an event before anything happened");
    assert_eq!(seen.event, Some(mptcp_netlink::EventKind::ListenerCreated));
    assert_eq!(seen.then, [Some(mptcp_netlink::EventKind::ListenerClosed), None]);
}
