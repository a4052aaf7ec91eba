//! Replies, errors and events captured from the running kernel (6.18, little-endian),
//! decoded with this crate; see `fixtures/README.md` for how each was captured.
#![cfg(target_endian = "little")]

use std::net::{Ipv4Addr, Ipv6Addr};

use mptcp_pm_wire::consts::{AF_INET, AF_INET6, cmd};
use mptcp_pm_wire::{
    Endpoint, EndpointAddr, EndpointFlags as F, Event, EventAttrs, EventFlags, EventKind, Limits,
    MAX_EVENT_LEN, MAX_REQUEST_LEN, Request, build_event,
};
use nlwire::control::{Control, Done, ErrorMsg};
use nlwire::{GenlMessage, Message, Messages};

const FAMILY: u16 = 0x1c;

fn first(bytes: &[u8]) -> GenlMessage<'_> {
    Message::parse(bytes).unwrap().genl().unwrap()
}

fn ep(addr: EndpointAddr, id: u8, port: u16, flags: F, ifindex: i32) -> Endpoint {
    Endpoint { addr: Some(addr), id: Some(id), port, flags, ifindex }
}

fn v4(a: u8, b: u8, c: u8, d: u8) -> EndpointAddr {
    EndpointAddr::V4(Ipv4Addr::new(a, b, c, d))
}

#[test]
fn getfamily_names_our_constants() {
    let m = first(include_bytes!("fixtures/getfamily_mptcp_pm.bin"));
    let mut names = [false; 3];
    let mut max_op = 0;
    for a in m.attrs() {
        let a = a.unwrap();
        match a.kind() {
            2 => names[0] = a.str() == Ok(mptcp_pm_wire::FAMILY_NAME),
            3 => assert_eq!(a.u32(), Ok(u32::from(mptcp_pm_wire::VERSION))),
            6 => {
                for op in a.nested() {
                    let id = op.unwrap().nested().find(1).unwrap().unwrap().u32().unwrap();
                    max_op = max_op.max(id);
                }
            }
            7 => {
                for g in a.nested() {
                    let name = g.unwrap().nested().find(1).unwrap().unwrap().str().unwrap();
                    names[1] |= name == mptcp_pm_wire::EVENTS_GROUP;
                    names[2] |= name == mptcp_pm_wire::CMDS_GROUP;
                }
            }
            _ => {}
        }
    }
    assert_eq!(names, [true; 3]);
    assert_eq!(max_op, u32::from(cmd::MAX));
}

#[test]
fn endpoint_dump_every_flag() {
    let v6 = EndpointAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1));
    let want = [
        ep(v4(10, 0, 1, 1), 1, 0, F::SIGNAL, 0),
        ep(v4(10, 0, 2, 1), 2, 0, F::SUBFLOW, 3),
        ep(v4(10, 0, 3, 1), 3, 0, F::SUBFLOW | F::BACKUP, 0),
        ep(v4(10, 0, 4, 1), 4, 0, F::SUBFLOW | F::FULLMESH, 0),
        ep(v4(10, 0, 5, 1), 5, 0, F::LAMINAR, 0),
        ep(v4(10, 0, 6, 1), 6, 10100, F::SIGNAL, 0),
        ep(v6, 200, 0, F::SUBFLOW | F::FULLMESH, 0),
        ep(v4(10, 0, 7, 1), 201, 0, F::SUBFLOW, 0),
    ];
    let mut n = 0;
    for m in Messages::new(include_bytes!("fixtures/endpoint_dump.bin")) {
        let m = m.unwrap();
        assert_eq!(m.kind(), FAMILY);
        assert_eq!(m.flags(), nlwire::consts::NLM_F_MULTI);
        let g = m.genl().unwrap();
        assert_eq!(g.cmd(), cmd::GET_ADDR);
        assert_eq!(Endpoint::from_message(&g), Ok(Some(want[n])));
        n += 1;
    }
    assert_eq!(n, want.len());
    let done = Message::parse(include_bytes!("fixtures/endpoint_dump_done.bin")).unwrap();
    assert_eq!(Done::parse(&done).unwrap().code, 0);
}

#[test]
fn endpoint_dump_with_implicit() {
    let want =
        [ep(v4(10, 0, 3, 2), 1, 0, F::SUBFLOW, 4), ep(v4(10, 0, 2, 2), 2, 0, F::IMPLICIT, 0)];
    let got = Messages::new(include_bytes!("fixtures/endpoint_dump_implicit.bin"))
        .map(|m| Endpoint::from_message(&m.unwrap().genl().unwrap()).unwrap().unwrap());
    assert!(got.eq(want));
}

#[test]
fn get_addr_reply() {
    let m = first(include_bytes!("fixtures/get_addr_reply.bin"));
    let v6 = EndpointAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1));
    assert_eq!(Endpoint::from_message(&m), Ok(Some(ep(v6, 200, 0, F::SUBFLOW | F::FULLMESH, 0))));
    let nest = mptcp_pm_wire::addr_nest(&m).unwrap().unwrap();
    assert_eq!(nest.raw_kind(), 0x8001);
    // The kernel's order: FAMILY, PORT (always), ID, FLAGS, then the address.
    let kinds = nest.nested().map(|a| a.unwrap().kind());
    assert!(kinds.eq([1, 5, 2, 6, 4]));
}

#[test]
fn limits_reply() {
    let m = first(include_bytes!("fixtures/limits_reply.bin"));
    assert_eq!(m.cmd(), cmd::GET_LIMITS);
    assert_eq!(Limits::from_message(&m), Ok(Limits { rcv_add_addrs: Some(4), subflows: Some(3) }));
}

/// Checks an error datagram: its code and message, and that our request for the same
/// command is byte-identical to the echoed one.
fn check_error(datagram: &[u8], code: i32, text: &str, ours: Request) {
    let msg = Message::parse(datagram).unwrap();
    let e = match Control::classify(msg).unwrap() {
        Control::Error(e) => e,
        other => panic!("{other:?}"),
    };
    assert_eq!(e.code, code);
    assert_eq!(e.ext_ack.msg, Some(text));
    let echoed = Message::parse(&datagram[20..]).unwrap();
    assert_eq!(Request::parse(&echoed.genl().unwrap()), Ok(ours));
    let mut buf = [0u8; MAX_REQUEST_LEN];
    let built = ours.emit(&mut buf, FAMILY, echoed.seq()).unwrap();
    assert_eq!(built, &datagram[20..20 + built.len()]);
    let _ = ErrorMsg::parse(&msg).unwrap();
}

#[test]
fn error_replies() {
    let mut signal = Endpoint::with_addr(Ipv4Addr::new(10, 0, 1, 1));
    signal.flags = F::SIGNAL;
    check_error(
        include_bytes!("fixtures/err_duplicate.bin"),
        -17,
        "too many addresses or duplicate one: -17",
        Request::AddAddr(signal),
    );
    check_error(
        include_bytes!("fixtures/err_limit.bin"),
        -22,
        "limit greater than maximum (8)",
        Request::SetLimits(Limits { rcv_add_addrs: None, subflows: Some(9) }),
    );
    let mut port = Endpoint::with_addr(Ipv4Addr::new(10, 9, 9, 9));
    port.flags = F::SIGNAL;
    port.port = 4000;
    check_error(
        include_bytes!("fixtures/err_listen.bin"),
        -99,
        "create listen socket error: -99",
        Request::AddAddr(port),
    );
    let mut default = Endpoint::with_addr(EndpointAddr::Unspec);
    default.flags = F::SIGNAL;
    check_error(
        include_bytes!("fixtures/err_policy.bin"),
        -34,
        "binary attribute size out of range",
        Request::AddAddr(default),
    );
    check_error(
        include_bytes!("fixtures/err_not_found.bin"),
        -22,
        "address not found",
        Request::GetAddr(Endpoint::with_id(99)),
    );
}

#[test]
fn policy_error_points_at_the_address() {
    let d = include_bytes!("fixtures/err_policy.bin");
    let e = ErrorMsg::parse(&Message::parse(d).unwrap()).unwrap();
    // Offset 40 from the echoed header: the zero-length ADDR6 inside the nest.
    assert_eq!(e.ext_ack.offset, Some(40));
    assert_eq!(&d[20 + 40 + 2..20 + 40 + 4], &4u16.to_ne_bytes());
    assert!(e.ext_ack.policy.is_some());
}

#[test]
fn dump_error_arrives_in_done() {
    let m = Message::parse(include_bytes!("fixtures/err_dump_token.bin")).unwrap();
    let d = Done::parse(&m).unwrap();
    assert_eq!(d.code, -22);
    assert_eq!(d.ext_ack.msg, Some("invalid token"));
}

#[test]
fn success_ack_is_capped() {
    let m = Message::parse(include_bytes!("fixtures/ack_add.bin")).unwrap();
    match Control::classify(m).unwrap() {
        Control::Ack(a) => assert!(a.request_payload.is_empty()),
        other => panic!("{other:?}"),
    }
}

fn event(bytes: &[u8]) -> Event<'_> {
    let m = Message::parse(bytes).unwrap();
    assert_eq!((m.kind(), m.flags(), m.seq(), m.pid()), (FAMILY, 0, 0, 0));
    Event::parse(&m.genl().unwrap()).unwrap()
}

/// Events whose attribute order is the one `build_event` writes are rebuilt byte for byte.
fn rebuilds(bytes: &[u8]) {
    let ev = event(bytes);
    let mut buf = [0u8; MAX_EVENT_LEN];
    assert_eq!(build_event(&mut buf, FAMILY, ev.kind(), ev.fields()).unwrap(), bytes);
}

#[test]
fn connection_events() {
    let ip = |a, b, c, d| Some(Ipv4Addr::new(a, b, c, d));
    let client = EventAttrs {
        token: Some(0xf55f_a16c),
        family: Some(AF_INET),
        saddr4: ip(10, 0, 1, 2),
        daddr4: ip(10, 0, 1, 1),
        sport: Some(58718),
        dport: Some(5000),
        loc_id: Some(0),
        rem_id: Some(0),
        ..EventAttrs::default()
    };
    for (bytes, kind) in [
        (&include_bytes!("fixtures/event_created_client_v4.bin")[..], EventKind::Created),
        (&include_bytes!("fixtures/event_established_client_v4.bin")[..], EventKind::Established),
    ] {
        let ev = event(bytes);
        assert_eq!((ev.kind(), *ev.fields()), (kind, client));
        assert!(!ev.is_server_side());
        rebuilds(bytes);
    }
    let server = EventAttrs {
        token: Some(0x2f70_74cb),
        server_side: Some(1),
        flags: Some(EventFlags::SERVER_SIDE),
        family: Some(AF_INET),
        saddr4: ip(10, 0, 1, 1),
        daddr4: ip(10, 0, 1, 2),
        sport: Some(5000),
        dport: Some(58718),
        loc_id: Some(0),
        rem_id: Some(0),
        ..EventAttrs::default()
    };
    for bytes in [
        &include_bytes!("fixtures/event_created_server_v4.bin")[..],
        &include_bytes!("fixtures/event_established_server_v4.bin")[..],
    ] {
        let ev = event(bytes);
        assert_eq!(*ev.fields(), server);
        assert!(ev.is_server_side());
        rebuilds(bytes);
    }
    let v6 = event(include_bytes!("fixtures/event_created_server_v6.bin"));
    assert_eq!(v6.family(), Some(AF_INET6));
    assert_eq!(v6.saddr6(), Some(Ipv6Addr::new(0xfd00, 1, 0, 0, 0, 0, 0, 1)));
    assert_eq!(v6.daddr6(), Some(Ipv6Addr::new(0xfd00, 1, 0, 0, 0, 0, 0, 2)));
    assert_eq!((v6.sport(), v6.dport(), v6.token()), (Some(5001), Some(34602), Some(0xcd94_39b9)));
    rebuilds(include_bytes!("fixtures/event_created_server_v6.bin"));
    let v6 = event(include_bytes!("fixtures/event_created_client_v6.bin"));
    assert_eq!((v6.saddr4(), v6.saddr().map(|a| a.is_ipv6())), (None, Some(true)));
    assert_eq!(v6.flags(), None);
    rebuilds(include_bytes!("fixtures/event_created_client_v6.bin"));
    let closed = event(include_bytes!("fixtures/event_closed.bin"));
    assert_eq!(closed.kind(), EventKind::Closed);
    assert_eq!(*closed.fields(), EventAttrs { token: Some(0xf55f_a16c), ..Default::default() });
    rebuilds(include_bytes!("fixtures/event_closed.bin"));
}

#[test]
fn address_events() {
    let ev = event(include_bytes!("fixtures/event_announced.bin"));
    assert_eq!(ev.kind(), EventKind::Announced);
    let want = EventAttrs {
        token: Some(0xf55f_a16c),
        rem_id: Some(1),
        dport: Some(5000),
        daddr4: Some(Ipv4Addr::new(10, 0, 2, 1)),
        ..EventAttrs::default()
    };
    assert_eq!(*ev.fields(), want);
    // The kernel's ANNOUNCED order: TOKEN, REM_ID, DPORT, DADDR4.
    assert!(ev.attrs().map(|a| a.unwrap().kind()).eq([1, 4, 10, 7]));
    let ev = event(include_bytes!("fixtures/event_announced_port.bin"));
    assert_eq!((ev.rem_id(), ev.dport()), (Some(2), Some(10100)));
    let ev = event(include_bytes!("fixtures/event_removed.bin"));
    assert_eq!(ev.kind(), EventKind::Removed);
    assert_eq!((ev.token(), ev.rem_id(), ev.daddr()), (Some(0xf55f_a16c), Some(2), None));
}

#[test]
fn subflow_events() {
    let ev = event(include_bytes!("fixtures/event_sub_established.bin"));
    assert_eq!(ev.kind(), EventKind::SubEstablished);
    let mut want = EventAttrs {
        token: Some(0xf55f_a16c),
        family: Some(AF_INET),
        saddr4: Some(Ipv4Addr::new(10, 0, 2, 2)),
        daddr4: Some(Ipv4Addr::new(10, 0, 2, 1)),
        sport: Some(51467),
        dport: Some(5000),
        loc_id: Some(2),
        rem_id: Some(1),
        backup: Some(0),
        ..EventAttrs::default()
    };
    assert_eq!(*ev.fields(), want);
    rebuilds(include_bytes!("fixtures/event_sub_established.bin"));

    let ev = event(include_bytes!("fixtures/event_sub_priority.bin"));
    assert_eq!(ev.kind(), EventKind::SubPriority);
    want.backup = Some(1);
    assert_eq!(*ev.fields(), want);
    rebuilds(include_bytes!("fixtures/event_sub_priority.bin"));

    let ev = event(include_bytes!("fixtures/event_sub_closed.bin"));
    assert_eq!(ev.kind(), EventKind::SubClosed);
    assert_eq!(*ev.fields(), want);
    rebuilds(include_bytes!("fixtures/event_sub_closed.bin"));

    let ev = event(include_bytes!("fixtures/event_sub_established_ifidx.bin"));
    assert_eq!((ev.if_idx(), ev.loc_id(), ev.rem_id()), (Some(4), Some(1), Some(0)));
    assert_eq!(ev.daddr4(), Some(Ipv4Addr::new(10, 0, 1, 1)));
    rebuilds(include_bytes!("fixtures/event_sub_established_ifidx.bin"));
}

#[test]
fn listener_events() {
    let cases: [(&[u8], EventKind, u16, u16, &str); 4] = [
        (
            include_bytes!("fixtures/event_listener_created_v4.bin"),
            EventKind::ListenerCreated,
            2,
            5000,
            "0.0.0.0",
        ),
        (
            include_bytes!("fixtures/event_listener_created_v6.bin"),
            EventKind::ListenerCreated,
            10,
            5001,
            "::",
        ),
        (
            include_bytes!("fixtures/event_listener_closed_port.bin"),
            EventKind::ListenerClosed,
            2,
            10100,
            "10.0.3.1",
        ),
        (
            include_bytes!("fixtures/event_listener_closed_v6.bin"),
            EventKind::ListenerClosed,
            10,
            5001,
            "::",
        ),
    ];
    for (bytes, kind, family, port, addr) in cases {
        let ev = event(bytes);
        assert_eq!(ev.kind(), kind);
        assert_eq!((ev.family(), ev.sport(), ev.token()), (Some(family), Some(port), None));
        assert_eq!(ev.saddr(), Some(addr.parse().unwrap()));
        // The kernel's order: FAMILY, SPORT, SADDR.
        assert!(ev.attrs().map(|a| a.unwrap().kind()).eq([2, 9, if family == 2 { 5 } else { 6 }]));
    }
}
