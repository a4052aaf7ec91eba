//! Building every message and decoding every captured datagram allocates nothing: a
//! counting global allocator watches this thread while the work runs.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::atomic::{AtomicUsize, Ordering};

use nlwire::Messages;
use rtnl_wire::{
    Addr, CacheInfo, DUMP_REQUEST_LEN, Link, MAX_ADDR_LEN, MAX_LINK_LEN, MAX_ROUTE_LEN, Object, Op,
    Route, RtMessage, dump_request,
};

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

/// The captured datagrams (little-endian bytes; on a big-endian host they decode to
/// other values or errors, which must not allocate either).
const FIXTURES: &[&[u8]] = &[
    include_bytes!("fixtures/getlink_dump.bin"),
    include_bytes!("fixtures/getaddr_dump.bin"),
    include_bytes!("fixtures/getroute_dump_v4.bin"),
    include_bytes!("fixtures/getroute_dump_v6.bin"),
    include_bytes!("fixtures/ev_newaddr_v6_temporary.bin"),
    include_bytes!("fixtures/ev_newlink_down.bin"),
    include_bytes!("fixtures/ev_newroute_v6.bin"),
];

/// Builds one message of each kind and a dump request of each object; returns a
/// checksum so nothing is optimised out.
fn build_all() -> usize {
    let ip6 = IpAddr::V6(Ipv6Addr::LOCALHOST);
    let addr = Addr {
        family: 10,
        prefix_len: 128,
        flags: 0x280,
        address: Some(ip6),
        label: Some(b"lo"),
        cacheinfo: Some(CacheInfo::default()),
        ..Addr::default()
    };
    let link = Link { index: 1, name: Some(b"lo"), operstate: Some(0), ..Link::default() };
    let route = Route {
        family: 2,
        table: 1000,
        gateway: Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1))),
        oif: Some(1),
        ..Route::default()
    };
    let mut sum = 0;
    let mut buf = [0u8; MAX_ADDR_LEN];
    sum += addr.emit(&mut buf, Op::New, 0, 1).unwrap().len();
    let mut buf = [0u8; MAX_LINK_LEN];
    sum += link.emit(&mut buf, Op::Del, 0, 2).unwrap().len();
    let mut buf = [0u8; MAX_ROUTE_LEN];
    sum += route.emit(&mut buf, Op::New, 0, 3).unwrap().len();
    for object in [Object::Link, Object::Addr, Object::Route] {
        let mut buf = [0u8; DUMP_REQUEST_LEN];
        sum += dump_request(&mut buf, object, 0, 4).unwrap().len();
    }
    sum
}

/// Decodes every fixture with the view its type calls for.
fn decode_all() -> usize {
    let mut sum = 0;
    for datagram in FIXTURES {
        for m in Messages::new(datagram) {
            let Ok(m) = m else { break };
            match RtMessage::parse(&m) {
                Ok(RtMessage::Link(l)) => sum += l.name().map_or(0, str::len),
                Ok(RtMessage::Addr(a)) => sum += usize::from(a.address().is_some()),
                Ok(RtMessage::Route(r)) => sum += r.table() as usize,
                Err(_) => {}
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
