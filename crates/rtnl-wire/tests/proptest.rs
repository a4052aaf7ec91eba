//! Properties: every builder round-trips through its view with arbitrary field values;
//! no byte string makes a view panic, and every walk ends.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use nlwire::{Message, Messages};
use proptest::prelude::*;
use rtnl_wire::{
    Addr, AddrMsg, CacheInfo, DUMP_REQUEST_LEN, Link, LinkMsg, MAX_ADDR_LEN, MAX_LINK_LEN,
    MAX_ROUTE_LEN, Object, Op, Route, RouteMsg, RtMessage, dump_request,
};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: if cfg!(miri) { 4 } else { 256 },
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Largest arbitrary input: small under miri, where every byte costs.
const MAX_BYTES: usize = if cfg!(miri) { 64 } else { 512 };

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![Just(Op::New), Just(Op::Del), Just(Op::Get)]
}

fn object() -> impl Strategy<Value = Object> {
    prop_oneof![Just(Object::Link), Just(Object::Addr), Just(Object::Route)]
}

fn ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|b| IpAddr::V4(Ipv4Addr::from(b))),
        any::<[u8; 16]>().prop_map(|b| IpAddr::V6(Ipv6Addr::from(b))),
    ]
}

/// A name the builders accept: up to 15 bytes, none of them NUL.
fn name() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(1u8.., 0..=15)
}

fn cacheinfo() -> impl Strategy<Value = CacheInfo> {
    any::<[u32; 4]>().prop_map(|[preferred, valid, created, updated]| CacheInfo {
        preferred,
        valid,
        created,
        updated,
    })
}

/// An address with owned label bytes (the `Addr` borrows them).
#[derive(Debug, Clone)]
struct AddrCase {
    head: (u8, u8, u32, u8, u32),
    address: Option<IpAddr>,
    local: Option<IpAddr>,
    label: Option<Vec<u8>>,
    cacheinfo: Option<CacheInfo>,
}

impl AddrCase {
    fn addr(&self) -> Addr<'_> {
        let (family, prefix_len, flags, scope, ifindex) = self.head;
        Addr {
            family,
            prefix_len,
            flags,
            scope,
            ifindex,
            address: self.address,
            local: self.local,
            label: self.label.as_deref(),
            cacheinfo: self.cacheinfo,
        }
    }
}

fn addr_case() -> impl Strategy<Value = AddrCase> {
    (
        any::<(u8, u8, u32, u8, u32)>(),
        proptest::option::of(ip()),
        proptest::option::of(ip()),
        proptest::option::of(name()),
        proptest::option::of(cacheinfo()),
    )
        .prop_map(|(head, address, local, label, cacheinfo)| AddrCase {
            head,
            address,
            local,
            label,
            cacheinfo,
        })
}

#[derive(Debug, Clone)]
struct LinkCase {
    head: (u8, u16, i32, u32, u32),
    name: Option<Vec<u8>>,
    operstate: Option<u8>,
    carrier: Option<u8>,
}

impl LinkCase {
    fn link(&self) -> Link<'_> {
        let (family, link_type, index, flags, change) = self.head;
        Link {
            family,
            link_type,
            index,
            flags,
            change,
            name: self.name.as_deref(),
            operstate: self.operstate,
            carrier: self.carrier,
        }
    }
}

fn link_case() -> impl Strategy<Value = LinkCase> {
    (
        any::<(u8, u16, i32, u32, u32)>(),
        proptest::option::of(name()),
        any::<Option<u8>>(),
        any::<Option<u8>>(),
    )
        .prop_map(|(head, name, operstate, carrier)| LinkCase {
            head,
            name,
            operstate,
            carrier,
        })
}

fn route() -> impl Strategy<Value = Route> {
    let head = any::<([u8; 4], u32, [u8; 3], u32)>();
    let attrs = (
        proptest::option::of(ip()),
        proptest::option::of(ip()),
        proptest::option::of(ip()),
        any::<Option<u32>>(),
        any::<Option<u32>>(),
    );
    (head, attrs).prop_map(|((h, table, p, flags), (dst, gateway, prefsrc, oif, priority))| Route {
        family: h[0],
        dst_len: h[1],
        src_len: h[2],
        tos: h[3],
        table,
        protocol: p[0],
        scope: p[1],
        route_type: p[2],
        flags,
        dst,
        gateway,
        prefsrc,
        oif,
        priority,
    })
}

/// Runs every view over `bytes` as a datagram, touching every accessor; checks that
/// the walks end within their bound.
fn parse_everything(bytes: &[u8]) {
    let mut steps = 0;
    for m in Messages::new(bytes) {
        steps += 1;
        assert!(steps <= bytes.len() / 4 + 1);
        let Ok(m) = m else { break };
        if let Ok(a) = AddrMsg::parse(&m) {
            let _ = (a.op(), a.address(), a.peer(), a.label(), a.cacheinfo(), a.flags());
            assert!(a.attrs().count() <= m.payload().len() / 4 + 1);
        }
        if let Ok(l) = LinkMsg::parse(&m) {
            let _ = (l.op(), l.index(), l.name(), l.operstate(), l.carrier(), l.is_running());
            assert!(l.attrs().count() <= m.payload().len() / 4 + 1);
        }
        if let Ok(r) = RouteMsg::parse(&m) {
            let _ = (r.op(), r.table(), r.dst(), r.gateway(), r.oif(), r.is_default());
            assert!(r.attrs().count() <= m.payload().len() / 4 + 1);
        }
        let _ = RtMessage::parse(&m).map(|v| v.op());
    }
}

/// Rewrites the first message header of `buf` so that any type and flags appear.
fn parse_as_every_type(buf: &mut [u8]) {
    for kind in [16u16, 17, 18, 20, 21, 22, 24, 25, 26] {
        if buf.len() >= 6 {
            buf[4..6].copy_from_slice(&kind.to_ne_bytes());
        }
        parse_everything(buf);
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn addresses_round_trip(c in addr_case(), op in op(), flags in any::<u16>(), seq in any::<u32>()) {
        let mut buf = [0u8; MAX_ADDR_LEN];
        let a = c.addr();
        let bytes = a.emit(&mut buf, op, flags, seq).unwrap();
        let m = Message::parse(bytes).unwrap();
        prop_assert_eq!((m.kind(), m.flags(), m.seq()), (Object::Addr.msg_type(op), flags, seq));
        let v = AddrMsg::parse(&m).unwrap();
        prop_assert_eq!(v.op(), op);
        prop_assert_eq!(*v.fields(), a);
        prop_assert_eq!(u32::from(v.header_flags()), a.flags & 0xff);
        prop_assert_eq!(v.address(), a.local.or(a.address));
    }

    #[test]
    fn links_round_trip(c in link_case(), op in op(), flags in any::<u16>(), seq in any::<u32>()) {
        let mut buf = [0u8; MAX_LINK_LEN];
        let l = c.link();
        let bytes = l.emit(&mut buf, op, flags, seq).unwrap();
        let m = Message::parse(bytes).unwrap();
        prop_assert_eq!((m.kind(), m.flags(), m.seq()), (Object::Link.msg_type(op), flags, seq));
        let v = LinkMsg::parse(&m).unwrap();
        prop_assert_eq!(v.op(), op);
        prop_assert_eq!(*v.fields(), l);
    }

    #[test]
    fn routes_round_trip(r in route(), op in op(), flags in any::<u16>(), seq in any::<u32>()) {
        let mut buf = [0u8; MAX_ROUTE_LEN];
        let bytes = r.emit(&mut buf, op, flags, seq).unwrap();
        let m = Message::parse(bytes).unwrap();
        prop_assert_eq!((m.kind(), m.flags(), m.seq()), (Object::Route.msg_type(op), flags, seq));
        let v = RouteMsg::parse(&m).unwrap();
        prop_assert_eq!(v.op(), op);
        prop_assert_eq!(*v.fields(), r);
        prop_assert_eq!(u32::from(v.header_table()), if r.table < 256 { r.table } else { 252 });
        prop_assert_eq!(v.is_default(), r.dst_len == 0);
    }

    #[test]
    fn dump_requests_parse_as_requests(object in object(), family in any::<u8>(), seq in any::<u32>()) {
        let mut buf = [0u8; DUMP_REQUEST_LEN];
        let bytes = dump_request(&mut buf, object, family, seq).unwrap();
        let m = Message::parse(bytes).unwrap();
        prop_assert_eq!((m.seq(), m.flags()), (seq, rtnl_wire::FLAGS_DUMP));
        let v = RtMessage::parse(&m).unwrap();
        prop_assert_eq!(v.op(), Op::Get);
        let got = match v {
            RtMessage::Link(l) => (Object::Link, l.family()),
            RtMessage::Addr(a) => (Object::Addr, a.family()),
            RtMessage::Route(r) => (Object::Route, r.family()),
        };
        prop_assert_eq!(got, (object, family));
    }

    #[test]
    fn too_small_buffers_are_refused(r in route(), c in addr_case(), cut in any::<usize>()) {
        let mut big = [0u8; MAX_ROUTE_LEN];
        let need = r.emit(&mut big, Op::New, 0, 0).unwrap().len();
        let mut small = vec![0u8; cut % need];
        prop_assert!(r.emit(&mut small, Op::New, 0, 0).is_err());
        let mut big = [0u8; MAX_ADDR_LEN];
        let need = c.addr().emit(&mut big, Op::New, 0, 0).unwrap().len();
        let mut small = vec![0u8; cut % need];
        prop_assert!(c.addr().emit(&mut small, Op::New, 0, 0).is_err());
    }

    #[test]
    fn arbitrary_bytes_never_panic(mut bytes in proptest::collection::vec(any::<u8>(), 0..MAX_BYTES)) {
        parse_everything(&bytes);
        parse_as_every_type(&mut bytes);
        // With a length that fits, so that the fixed headers and attributes are read.
        if bytes.len() >= 16 {
            let n = bytes.len() as u32;
            bytes[..4].copy_from_slice(&n.to_ne_bytes());
            parse_as_every_type(&mut bytes);
        }
    }

    #[test]
    fn damaged_messages_never_panic(
        a in addr_case(),
        l in link_case(),
        r in route(),
        at in any::<usize>(),
        value in any::<u8>(),
        cut in any::<usize>(),
    ) {
        let mut ab = [0u8; MAX_ADDR_LEN];
        let mut lb = [0u8; MAX_LINK_LEN];
        let mut rb = [0u8; MAX_ROUTE_LEN];
        let an = a.addr().emit(&mut ab, Op::New, 0, 0).unwrap().len();
        let ln = l.link().emit(&mut lb, Op::New, 0, 0).unwrap().len();
        let rn = r.emit(&mut rb, Op::New, 0, 0).unwrap().len();
        for part in [&mut ab[..an], &mut lb[..ln], &mut rb[..rn]] {
            let len = part.len();
            part[at % len] = value;
            let short_len = cut % (len + 1);
            parse_as_every_type(&mut part[..short_len]);
            // The length field too: cut the message but keep its claimed length, and
            // claim exactly the bytes that are there.
            let mut copy = part.to_vec();
            let n = copy.len() as u32;
            copy[..4].copy_from_slice(&n.to_ne_bytes());
            parse_as_every_type(&mut copy[..short_len]);
            parse_as_every_type(&mut copy);
        }
    }
}
