//! Criterion benches of mptcp-pm-wire on captured bytes: endpoint-dump decode, event decode,
//! request build; plus the allocations made per decoded event (the goal is 0).
//!
//! Inputs are the kernel captures in `crates/mptcp-pm-wire/tests/fixtures/` (little-endian,
//! so the bench is `cfg(target_endian = "little")`). Before criterion starts, a counting
//! global allocator measures 10 000 rounds of each workload and prints
//! `allocations per decoded event: N`; any allocation fails the bench.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicU64, Ordering};

use criterion::{Criterion, Throughput};
use mptcp_pm_wire::{Endpoint, EndpointFlags, Event, Limits, MAX_REQUEST_LEN, Request};
use nlwire::Messages;

/// The system allocator, counting allocations process-wide.
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is forwarded unchanged to `System`, which upholds the
// `GlobalAlloc` contract; counting is one relaxed atomic add.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded with the caller's layout (the caller's obligations).
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as in `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
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

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!("../crates/mptcp-pm-wire/tests/fixtures/", $name)).as_slice()
    };
}

/// One datagram of 8 `GET_ADDR` dump replies (ids 1-6, 200, 201).
const DUMP: &[u8] = fixture!("endpoint_dump.bin");

/// Every captured event, in capture order; concatenated they form one event stream.
const EVENTS: [&[u8]; 17] = [
    fixture!("event_listener_created_v4.bin"),
    fixture!("event_listener_created_v6.bin"),
    fixture!("event_created_server_v4.bin"),
    fixture!("event_established_server_v4.bin"),
    fixture!("event_created_client_v4.bin"),
    fixture!("event_established_client_v4.bin"),
    fixture!("event_announced.bin"),
    fixture!("event_announced_port.bin"),
    fixture!("event_sub_established.bin"),
    fixture!("event_sub_established_ifidx.bin"),
    fixture!("event_sub_priority.bin"),
    fixture!("event_removed.bin"),
    fixture!("event_sub_closed.bin"),
    fixture!("event_created_server_v6.bin"),
    fixture!("event_created_client_v6.bin"),
    fixture!("event_closed.bin"),
    fixture!("event_listener_closed_port.bin"),
];

/// `mptcp_pm`'s family id on the capture machine.
const FAMILY: u16 = 0x1c;

/// Decodes every endpoint of a dump datagram; returns how many, folding the fields.
fn decode_dump(datagram: &[u8]) -> usize {
    let mut n = 0;
    for m in Messages::new(datagram) {
        let g = m.and_then(|m| m.genl()).expect("dump message");
        let e = Endpoint::from_message(&g).expect("endpoint").expect("ADDR nest");
        black_box((e.addr, e.id, e.port, e.flags, e.ifindex));
        n += 1;
    }
    n
}

/// Decodes every event of a stream and reads every accessor; returns how many.
fn decode_events(stream: &[u8]) -> usize {
    let mut n = 0;
    for m in Messages::new(stream) {
        let g = m.and_then(|m| m.genl()).expect("event message");
        let ev = Event::parse(&g).expect("event");
        black_box((ev.kind(), ev.version(), ev.token(), ev.family(), ev.loc_id(), ev.rem_id()));
        black_box((ev.saddr4(), ev.saddr6(), ev.daddr4(), ev.daddr6(), ev.saddr(), ev.daddr()));
        black_box((ev.sport(), ev.dport(), ev.backup(), ev.error(), ev.flags(), ev.timeout()));
        black_box((ev.if_idx(), ev.reset_reason(), ev.reset_flags(), ev.server_side()));
        black_box(ev.is_server_side());
        n += 1;
    }
    n
}

/// The three requests built: `endpoint add 10.0.1.1 signal`, a userspace-PM
/// `subflow create` and `limits show`.
fn requests() -> [(&'static str, Request); 3] {
    let mut add = Endpoint::with_addr(Ipv4Addr::new(10, 0, 1, 1));
    add.flags = EndpointFlags::SIGNAL;
    let mut local = Endpoint::with_addr(Ipv4Addr::new(10, 0, 2, 2));
    local.id = Some(23);
    let mut remote = Endpoint::with_addr(Ipv4Addr::new(10, 0, 2, 1));
    remote.port = 5000;
    [
        ("add_addr", Request::AddAddr(add)),
        ("subflow_create", Request::SubflowCreate { token: 0x85cc_7934, local, remote }),
        ("get_limits", Request::GetLimits(Limits::default())),
    ]
}

/// Writes `req` and returns its length.
fn build(req: &Request, buf: &mut [u8; MAX_REQUEST_LEN]) -> usize {
    req.emit(buf, FAMILY, 1).expect("request fits").len()
}

/// Counts allocations over `rounds` calls of `work`.
fn allocations_over(rounds: u32, mut work: impl FnMut()) -> u64 {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for _ in 0..rounds {
        work();
    }
    ALLOCATIONS.load(Ordering::Relaxed) - before
}

/// Prints the allocation figures; panics unless every one is 0.
fn report_allocations(stream: &[u8]) {
    const ROUNDS: u32 = 10_000;
    let live = allocations_over(1, || drop(black_box(Box::new(1u8))));
    assert_eq!(live, 1, "the counting allocator is not in use");

    let per_stream = decode_events(stream) as u64;
    let events = allocations_over(ROUNDS, || _ = black_box(decode_events(black_box(stream))));
    let dump = allocations_over(ROUNDS, || _ = black_box(decode_dump(black_box(DUMP))));
    let reqs = requests();
    let mut buf = [0u8; MAX_REQUEST_LEN];
    let built = allocations_over(ROUNDS, || {
        for (_, r) in &reqs {
            black_box(build(black_box(r), &mut buf));
        }
    });
    let decoded = per_stream * u64::from(ROUNDS);
    println!(
        "allocations per decoded event: {} ({events} over {decoded} events)",
        events as f64 / decoded as f64
    );
    println!("allocations per decoded endpoint dump: {dump} over {ROUNDS} datagrams");
    println!("allocations per request build: {built} over {} requests", 3 * ROUNDS);
    assert_eq!((events, dump, built), (0, 0, 0), "decoding or building allocated");
}

fn decode(c: &mut Criterion, stream: &[u8]) {
    let endpoints = decode_dump(DUMP);
    let events = decode_events(stream);
    eprintln!(
        "pm_decode: dump {} bytes / {endpoints} endpoints; event stream {} bytes / {events} events",
        DUMP.len(),
        stream.len()
    );

    let mut bytes = c.benchmark_group("pm_decode");
    bytes.throughput(Throughput::Bytes(DUMP.len() as u64));
    bytes.bench_function("endpoint_dump", |b| b.iter(|| decode_dump(black_box(DUMP))));
    bytes.throughput(Throughput::Bytes(stream.len() as u64));
    bytes.bench_function("event_stream", |b| b.iter(|| decode_events(black_box(stream))));
    bytes.finish();

    let mut items = c.benchmark_group("pm_decode_items");
    items.throughput(Throughput::Elements(endpoints as u64));
    items.bench_function("endpoint", |b| b.iter(|| decode_dump(black_box(DUMP))));
    items.throughput(Throughput::Elements(events as u64));
    items.bench_function("event", |b| b.iter(|| decode_events(black_box(stream))));
    items.finish();
}

fn build_requests(c: &mut Criterion) {
    let mut group = c.benchmark_group("pm_build");
    let mut buf = [0u8; MAX_REQUEST_LEN];
    for (name, req) in requests() {
        let len = build(&req, &mut buf);
        group.throughput(Throughput::Bytes(len as u64));
        group.bench_function(name, |b| b.iter(|| build(black_box(&req), &mut buf)));
    }
    group.finish();
}

fn main() {
    if !cfg!(target_endian = "little") {
        eprintln!("pm_decode: the fixtures are little-endian captures; nothing to do");
        return;
    }
    let stream: Vec<u8> = EVENTS.concat();
    report_allocations(&stream);
    let mut c = Criterion::default().configure_from_args();
    decode(&mut c, &stream);
    build_requests(&mut c);
    c.final_summary();
}
