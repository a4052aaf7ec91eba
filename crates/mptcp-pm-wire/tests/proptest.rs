//! Properties: every request and event round-trips through its parser; no byte string
//! makes a parser panic.

use std::net::{Ipv4Addr, Ipv6Addr};

use mptcp_pm_wire::{
    Endpoint, EndpointAddr, EndpointFlags, Event, EventAttrs, EventFlags, EventKind, Limits,
    MAX_EVENT_LEN, MAX_REQUEST_LEN, Request, build_event,
};
use nlwire::{Attrs, Message, Messages};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: if cfg!(miri) { 4 } else { 256 },
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Largest arbitrary input: small under miri, where every byte costs.
const MAX_BYTES: usize = if cfg!(miri) { 64 } else { 512 };

fn addr() -> impl Strategy<Value = EndpointAddr> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|b| EndpointAddr::V4(Ipv4Addr::from(b))),
        any::<[u8; 16]>().prop_map(|b| EndpointAddr::V6(Ipv6Addr::from(b))),
        Just(EndpointAddr::Unspec),
    ]
}

fn endpoint() -> impl Strategy<Value = Endpoint> {
    (proptest::option::of(addr()), any::<Option<u8>>(), any::<u16>(), any::<u32>(), any::<i32>())
        .prop_map(|(addr, id, port, flags, ifindex)| Endpoint {
            addr,
            id,
            port,
            flags: EndpointFlags::from_bits_retain(flags),
            ifindex,
        })
}

fn limits() -> impl Strategy<Value = Limits> {
    (any::<Option<u32>>(), any::<Option<u32>>())
        .prop_map(|(rcv_add_addrs, subflows)| Limits { rcv_add_addrs, subflows })
}

/// A userspace-PM request with a token and two address nests.
fn two_ends(make: fn(u32, Endpoint, Endpoint) -> Request) -> impl Strategy<Value = Request> {
    (any::<u32>(), endpoint(), endpoint()).prop_map(move |(t, l, r)| make(t, l, r))
}

fn request() -> impl Strategy<Value = Request> {
    let t = any::<u32>();
    prop_oneof![
        endpoint().prop_map(Request::AddAddr),
        endpoint().prop_map(Request::DelAddr),
        endpoint().prop_map(Request::GetAddr),
        Just(Request::DumpAddrs),
        Just(Request::FlushAddrs),
        limits().prop_map(Request::SetLimits),
        limits().prop_map(Request::GetLimits),
        endpoint().prop_map(Request::SetFlags),
        (t, endpoint()).prop_map(|(token, addr)| Request::Announce { token, addr }),
        (t, any::<u8>()).prop_map(|(token, loc_id)| Request::Remove { token, loc_id }),
        two_ends(|token, local, remote| Request::SubflowCreate { token, local, remote }),
        two_ends(|token, local, remote| Request::SubflowDestroy { token, local, remote }),
        two_ends(|token, local, remote| Request::SetFlagsToken { token, local, remote }),
        (t, endpoint()).prop_map(|(token, addr)| Request::GetAddrToken { token, addr }),
        t.prop_map(|token| Request::DumpAddrsToken { token }),
    ]
}

fn event_attrs() -> impl Strategy<Value = EventAttrs> {
    let v4 = || proptest::option::of(any::<[u8; 4]>().prop_map(Ipv4Addr::from));
    let v6 = || proptest::option::of(any::<[u8; 16]>().prop_map(Ipv6Addr::from));
    let ids =
        (any::<Option<u32>>(), any::<Option<u16>>(), any::<Option<u8>>(), any::<Option<u8>>());
    let addrs = (v4(), v6(), v4(), v6(), any::<Option<u16>>(), any::<Option<u16>>());
    let rest = (
        any::<Option<u8>>(),
        any::<Option<u8>>(),
        any::<Option<u16>>(),
        any::<Option<u32>>(),
        any::<Option<i32>>(),
        any::<Option<u32>>(),
        any::<Option<u32>>(),
        any::<Option<u8>>(),
    );
    (ids, addrs, rest).prop_map(|(i, a, r)| EventAttrs {
        token: i.0,
        family: i.1,
        loc_id: i.2,
        rem_id: i.3,
        saddr4: a.0,
        saddr6: a.1,
        daddr4: a.2,
        daddr6: a.3,
        sport: a.4,
        dport: a.5,
        backup: r.0,
        error: r.1,
        flags: r.2.map(EventFlags::from_bits_retain),
        timeout: r.3,
        if_idx: r.4,
        reset_reason: r.5,
        reset_flags: r.6,
        server_side: r.7,
    })
}

/// Runs every parser over `bytes` as a datagram and as a bare attribute run.
fn parse_everything(bytes: &[u8]) {
    for m in Messages::new(bytes) {
        let Ok(m) = m else { break };
        if let Ok(g) = m.genl() {
            if let Ok(ev) = Event::parse(&g) {
                let _ = (ev.kind(), ev.saddr(), ev.daddr(), ev.is_server_side());
                for a in ev.attrs() {
                    let _ = a;
                }
            }
            let _ = Endpoint::from_message(&g);
            let _ = Limits::from_message(&g);
            let _ = Request::parse(&g);
        }
    }
    let _ = Endpoint::parse_attrs(Attrs::new(bytes));
    let _ = EventAttrs::parse(Attrs::new(bytes));
    let _ = Limits::parse_attrs(Attrs::new(bytes));
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn requests_round_trip(r in request(), family in 0x10u16.., seq in any::<u32>()) {
        let mut buf = [0u8; MAX_REQUEST_LEN];
        let bytes = r.emit(&mut buf, family, seq).unwrap();
        let m = Message::parse(bytes).unwrap();
        prop_assert_eq!((m.kind(), m.flags(), m.seq()), (family, r.nl_flags(), seq));
        let g = m.genl().unwrap();
        prop_assert_eq!((g.cmd(), g.version()), (r.cmd(), mptcp_pm_wire::VERSION));
        prop_assert_eq!(Request::parse(&g), Ok(r));
    }

    #[test]
    fn endpoint_nest_round_trips(e in endpoint()) {
        let mut buf = [0u8; MAX_REQUEST_LEN];
        let bytes = Request::AddAddr(e).emit(&mut buf, 0x1c, 1).unwrap();
        let g = Message::parse(bytes).unwrap().genl().unwrap();
        prop_assert_eq!(Endpoint::from_message(&g), Ok(Some(e)));
    }

    #[test]
    fn limits_round_trip(l in limits()) {
        let mut buf = [0u8; MAX_REQUEST_LEN];
        let bytes = Request::SetLimits(l).emit(&mut buf, 0x1c, 1).unwrap();
        let g = Message::parse(bytes).unwrap().genl().unwrap();
        prop_assert_eq!(Limits::from_message(&g), Ok(l));
    }

    #[test]
    fn events_round_trip(kind in any::<u8>(), attrs in event_attrs()) {
        let mut buf = [0u8; MAX_EVENT_LEN];
        let bytes = build_event(&mut buf, 0x1c, EventKind::from_u8(kind), &attrs).unwrap();
        let g = Message::parse(bytes).unwrap().genl().unwrap();
        let ev = Event::parse(&g).unwrap();
        prop_assert_eq!(ev.kind().code(), kind);
        prop_assert_eq!(*ev.fields(), attrs);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..MAX_BYTES)) {
        parse_everything(&bytes);
    }

    #[test]
    fn damaged_messages_never_panic(
        r in request(),
        attrs in event_attrs(),
        at in any::<usize>(),
        value in any::<u8>(),
        cut in any::<usize>(),
    ) {
        let mut req = [0u8; MAX_REQUEST_LEN];
        let mut ev = [0u8; MAX_EVENT_LEN];
        let n = r.emit(&mut req, 0x1c, 1).unwrap().len();
        let m = build_event(&mut ev, 0x1c, EventKind::Created, &attrs).unwrap().len();
        for part in [&mut req[..n], &mut ev[..m]] {
            let len = part.len();
            part[at % len] = value;
            let short = &part[..cut % (len + 1)];
            parse_everything(short);
            parse_everything(part.get(20..).unwrap_or(&[]));
        }
    }
}
