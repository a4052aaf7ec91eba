//! Criterion bench: walk every attribute of an endpoint dump (bytes per second).
//!
//! The buffer is one datagram of 8 `GET_ADDR` dump replies laid out as the kernel sends
//! them: an `ADDR` nest holding FAMILY, PORT, ID, FLAGS, IF_IDX and ADDR4. That is 8
//! messages and 56 attributes (8 nests, 48 leaves) in 576 bytes; ns per attribute is the
//! reported time divided by 56 (the bench prints the counts when it starts).

use std::hint::black_box;
use std::net::Ipv4Addr;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nlwire::consts::NLM_F_MULTI;
use nlwire::{MessageBuilder, Messages};

const ENDPOINTS: usize = 8;
/// Family id of `mptcp_pm` as seen on the probe machine (any value works).
const FAMILY: u16 = 0x1c;
const CMD_GET_ADDR: u8 = 3;
const ATTR_ADDR: u16 = 1;
const ADDR_FAMILY: u16 = 1;
const ADDR_ID: u16 = 2;
const ADDR_ADDR4: u16 = 3;
const ADDR_PORT: u16 = 5;
const ADDR_FLAGS: u16 = 6;
const ADDR_IF_IDX: u16 = 7;

/// Builds the dump datagram into `buf` and returns its length.
fn endpoint_dump(buf: &mut [u8]) -> usize {
    let mut at = 0;
    for i in 0..ENDPOINTS {
        let id = i as u8 + 1;
        let mut b =
            MessageBuilder::genl(&mut buf[at..], FAMILY, NLM_F_MULTI, 1, CMD_GET_ADDR, 1).unwrap();
        let nest = b.begin_nested(ATTR_ADDR).unwrap();
        b.put_u16(ADDR_FAMILY, 2).unwrap();
        b.put_u16(ADDR_PORT, if i % 2 == 0 { 0 } else { 10_000 + i as u16 }).unwrap();
        b.put_u8(ADDR_ID, id).unwrap();
        b.put_u32(ADDR_FLAGS, 1 << (i % 4)).unwrap();
        b.put_i32(ADDR_IF_IDX, 2 + i as i32).unwrap();
        b.put_ipv4(ADDR_ADDR4, Ipv4Addr::new(10, 1, i as u8, 1)).unwrap();
        b.end_nested(nest).unwrap();
        at += b.finish().unwrap().len();
    }
    at
}

/// Reads every attribute with the reader its type calls for; returns how many it saw.
fn walk(datagram: &[u8]) -> usize {
    let mut seen = 0;
    for m in Messages::new(datagram) {
        let g = m.unwrap().genl().unwrap();
        for a in g.attrs() {
            let a = a.unwrap();
            seen += 1;
            if a.kind() != ATTR_ADDR {
                continue;
            }
            for f in a.nested() {
                let f = f.unwrap();
                seen += 1;
                match f.kind() {
                    ADDR_FAMILY | ADDR_PORT => _ = black_box(f.u16()),
                    ADDR_ID => _ = black_box(f.u8()),
                    ADDR_FLAGS => _ = black_box(f.u32()),
                    ADDR_IF_IDX => _ = black_box(f.i32()),
                    ADDR_ADDR4 => _ = black_box(f.ipv4()),
                    _ => {}
                }
            }
        }
    }
    seen
}

fn attr_walk(c: &mut Criterion) {
    let mut buf = [0u8; 1024];
    let len = endpoint_dump(&mut buf);
    let datagram = &buf[..len];
    let attrs = walk(datagram);
    eprintln!("attr_walk: {ENDPOINTS} messages, {attrs} attributes, {len} bytes per iteration");
    let mut group = c.benchmark_group("attr_walk");
    group.throughput(Throughput::Bytes(len as u64));
    group.bench_function("endpoint_dump_8_msgs_56_attrs", |b| b.iter(|| walk(black_box(datagram))));
    group.finish();
}

criterion_group!(benches, attr_walk);
criterion_main!(benches);
