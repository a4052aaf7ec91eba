//! Proves the socket path allocates nothing: a family resolution and an endpoint dump.
//!
//! A counting `#[global_allocator]` counts, per thread, every allocation. The measured
//! thread resolves `mptcp_pm` through `nlsock::Conn<nlsock::Socket>` + `genl::resolve`,
//! then dumps the endpoint table (read-only) and decodes each endpoint with
//! `mptcp_pm_wire::Endpoint::from_message`; the count must not move. Needs root: the dump
//! runs in a throw-away namespace holding three endpoints, so it carries real data.
//! One test in its own file (its own binary), so no other test shares the allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;
use std::net::Ipv4Addr;
use std::process::Command;

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
    fn new() -> Ns {
        let name = format!("noalloc-{}", std::process::id());
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

    let ns = Ns::new();
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
