//! Building every request and decoding every captured reply and event allocates nothing:
//! a counting global allocator watches this thread while the work runs.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::atomic::{AtomicUsize, Ordering};

use mptcp_pm_wire::{
    Endpoint, EndpointAddr, EndpointFlags, Event, EventAttrs, EventKind, Limits, MAX_EVENT_LEN,
    MAX_REQUEST_LEN, Request, build_event,
};
use nlwire::Messages;

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static WATCHING: Cell<bool> = const { Cell::new(false) };
}

fn note() {
    if WATCHING.with(Cell::get) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator; counting only
// touches an atomic and a const-initialised thread-local without destructor.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as our caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        // SAFETY: same contract as our caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Every captured datagram (little-endian bytes; on a big-endian host they decode to
/// other values or errors, which must not allocate either).
const FIXTURES: &[&[u8]] = &[
    include_bytes!("fixtures/ack_add.bin"),
    include_bytes!("fixtures/endpoint_dump.bin"),
    include_bytes!("fixtures/endpoint_dump_done.bin"),
    include_bytes!("fixtures/endpoint_dump_implicit.bin"),
    include_bytes!("fixtures/err_dump_token.bin"),
    include_bytes!("fixtures/err_duplicate.bin"),
    include_bytes!("fixtures/err_limit.bin"),
    include_bytes!("fixtures/err_listen.bin"),
    include_bytes!("fixtures/err_not_found.bin"),
    include_bytes!("fixtures/err_policy.bin"),
    include_bytes!("fixtures/event_announced.bin"),
    include_bytes!("fixtures/event_announced_port.bin"),
    include_bytes!("fixtures/event_closed.bin"),
    include_bytes!("fixtures/event_created_client_v4.bin"),
    include_bytes!("fixtures/event_created_client_v6.bin"),
    include_bytes!("fixtures/event_created_server_v4.bin"),
    include_bytes!("fixtures/event_created_server_v6.bin"),
    include_bytes!("fixtures/event_established_client_v4.bin"),
    include_bytes!("fixtures/event_established_server_v4.bin"),
    include_bytes!("fixtures/event_listener_closed_port.bin"),
    include_bytes!("fixtures/event_listener_closed_v6.bin"),
    include_bytes!("fixtures/event_listener_created_v4.bin"),
    include_bytes!("fixtures/event_listener_created_v6.bin"),
    include_bytes!("fixtures/event_removed.bin"),
    include_bytes!("fixtures/event_sub_closed.bin"),
    include_bytes!("fixtures/event_sub_established.bin"),
    include_bytes!("fixtures/event_sub_established_ifidx.bin"),
    include_bytes!("fixtures/event_sub_priority.bin"),
    include_bytes!("fixtures/get_addr_reply.bin"),
    include_bytes!("fixtures/getfamily_mptcp_pm.bin"),
    include_bytes!("fixtures/limits_reply.bin"),
];

/// Builds every request and parses it back; returns a checksum so nothing is optimised out.
fn build_all() -> usize {
    let ep = Endpoint {
        addr: Some(EndpointAddr::V6(Ipv6Addr::LOCALHOST)),
        id: Some(3),
        port: 4000,
        flags: EndpointFlags::SIGNAL | EndpointFlags::BACKUP,
        ifindex: 2,
    };
    let remote = Endpoint::with_addr(Ipv4Addr::new(10, 0, 0, 1));
    let limits = Limits { rcv_add_addrs: Some(1), subflows: Some(2) };
    let token = 0x1234_5678;
    let all = [
        Request::AddAddr(ep),
        Request::DelAddr(Endpoint::with_id(0)),
        Request::GetAddr(Endpoint::with_id(5)),
        Request::DumpAddrs,
        Request::FlushAddrs,
        Request::SetLimits(limits),
        Request::GetLimits(Limits::default()),
        Request::SetFlags(Endpoint::with_addr(EndpointAddr::Unspec)),
        Request::Announce { token, addr: ep },
        Request::Remove { token, loc_id: 3 },
        Request::SubflowCreate { token, local: ep, remote },
        Request::SubflowDestroy { token, local: ep, remote },
        Request::SetFlagsToken { token, local: ep, remote },
        Request::GetAddrToken { token, addr: Endpoint::with_id(1) },
        Request::DumpAddrsToken { token },
    ];
    let mut sum = 0;
    for r in all {
        let mut buf = [0u8; MAX_REQUEST_LEN];
        let bytes = r.emit(&mut buf, 0x1c, 9).unwrap();
        sum += bytes.len();
        let g = nlwire::Message::parse(bytes).unwrap().genl().unwrap();
        assert_eq!(Request::parse(&g), Ok(r));
    }
    let mut buf = [0u8; MAX_EVENT_LEN];
    let attrs = EventAttrs { token: Some(1), sport: Some(2), ..EventAttrs::default() };
    sum + build_event(&mut buf, 0x1c, EventKind::SubPriority, &attrs).unwrap().len()
}

/// Decodes every fixture with every parser that fits it.
fn decode_all() -> usize {
    let mut sum = 0;
    for datagram in FIXTURES {
        for m in Messages::new(datagram) {
            let Ok(m) = m else { break };
            let _ = nlwire::control::Control::classify(m);
            let Ok(g) = m.genl() else { continue };
            if let Ok(ev) = Event::parse(&g) {
                sum += usize::from(ev.token().is_some()) + ev.attrs().count();
            }
            if let Ok(Some(e)) = Endpoint::from_message(&g) {
                sum += usize::from(e.port);
            }
            if let Ok(l) = Limits::from_message(&g) {
                sum += l.subflows.unwrap_or(0) as usize;
            }
        }
    }
    sum
}

#[test]
fn nothing_allocates() {
    WATCHING.with(|w| w.set(true));
    let built = build_all();
    let decoded = decode_all();
    WATCHING.with(|w| w.set(false));
    assert_eq!(ALLOCATIONS.load(Ordering::Relaxed), 0);
    assert!(built > 0);
    if cfg!(target_endian = "little") {
        assert!(decoded > 0);
    }
    // The counter itself works.
    WATCHING.with(|w| w.set(true));
    drop(std::hint::black_box(Vec::<u8>::with_capacity(8)));
    WATCHING.with(|w| w.set(false));
    assert_eq!(ALLOCATIONS.load(Ordering::Relaxed), 1);
}
