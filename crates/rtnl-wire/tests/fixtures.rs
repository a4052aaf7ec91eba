//! Dumps and notifications captured from the running kernel (6.18, little-endian),
//! decoded with this crate; see `fixtures/README.md` for how each was captured.
#![cfg(target_endian = "little")]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use nlwire::consts::{NLM_F_CREATE, NLM_F_EXCL, NLM_F_MULTI};
use nlwire::control::{Control, Done};
use nlwire::{Message, Messages};
use rtnl_wire::consts::*;
use rtnl_wire::{
    AddrMsg, CacheInfo, LinkMsg, MAX_ADDR_LEN, MAX_ROUTE_LEN, Op, RouteMsg, RtMessage,
};

fn v4(a: u8, b: u8, c: u8, d: u8) -> Option<IpAddr> {
    Some(IpAddr::V4(Ipv4Addr::new(a, b, c, d)))
}

fn v6(text: &str) -> Option<IpAddr> {
    Some(IpAddr::V6(text.parse::<Ipv6Addr>().unwrap()))
}

/// The data messages of a concatenated dump, after checking that each is flagged
/// `NLM_F_MULTI` and that the dump ends with a successful `NLMSG_DONE`.
fn dump(bytes: &[u8]) -> Vec<Message<'_>> {
    let mut data = Vec::new();
    let mut done = false;
    for m in Messages::new(bytes) {
        let m = m.unwrap();
        assert!(!done, "a message after NLMSG_DONE");
        match Control::classify(m).unwrap() {
            Control::Data(m) => {
                assert_eq!(m.flags(), NLM_F_MULTI);
                data.push(m);
            }
            Control::Done(d) => {
                assert_eq!(d.code, 0);
                done = true;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(done);
    data
}

fn one(bytes: &[u8]) -> Message<'_> {
    let mut it = Messages::new(bytes);
    let m = it.next().unwrap().unwrap();
    assert!(it.next().is_none(), "one message per notification datagram");
    m
}

/// Every data message of every fixture parses with the view its type calls for: the
/// kernel's real attribute sets (38 per link) hold nothing we refuse.
#[test]
fn every_captured_message_parses() {
    let all: &[&[u8]] = &[
        include_bytes!("fixtures/getlink_dump.bin"),
        include_bytes!("fixtures/getaddr_dump.bin"),
        include_bytes!("fixtures/getroute_dump_v4.bin"),
        include_bytes!("fixtures/getroute_dump_v6.bin"),
        include_bytes!("fixtures/ev_newaddr_v4.bin"),
        include_bytes!("fixtures/ev_deladdr_v4.bin"),
        include_bytes!("fixtures/ev_newaddr_v6.bin"),
        include_bytes!("fixtures/ev_deladdr_v6.bin"),
        include_bytes!("fixtures/ev_newaddr_v6_temporary.bin"),
        include_bytes!("fixtures/ev_newlink_down.bin"),
        include_bytes!("fixtures/ev_newlink_lowerdown.bin"),
        include_bytes!("fixtures/ev_newlink_up.bin"),
        include_bytes!("fixtures/ev_newlink_up_oper.bin"),
        include_bytes!("fixtures/ev_newroute_v4.bin"),
        include_bytes!("fixtures/ev_newroute_v4_prefix.bin"),
        include_bytes!("fixtures/ev_delroute_v4.bin"),
        include_bytes!("fixtures/ev_newroute_v6.bin"),
        include_bytes!("fixtures/ev_delroute_v6.bin"),
    ];
    let mut counts = [0usize; 3];
    for datagram in all {
        for m in Messages::new(datagram) {
            let m = m.unwrap();
            if m.kind() == nlwire::consts::NLMSG_DONE {
                assert_eq!(Done::parse(&m).unwrap().code, 0);
                continue;
            }
            match RtMessage::parse(&m).unwrap() {
                RtMessage::Link(_) => counts[0] += 1,
                RtMessage::Addr(_) => counts[1] += 1,
                RtMessage::Route(_) => counts[2] += 1,
            }
        }
    }
    assert_eq!(counts, [3 + 4, 14 + 5, 13 + 12 + 5]);
}

#[test]
fn link_dump() {
    let links: Vec<LinkMsg<'_>> = dump(include_bytes!("fixtures/getlink_dump.bin"))
        .iter()
        .map(|m| LinkMsg::parse(m).unwrap())
        .collect();
    let got: Vec<_> = links
        .iter()
        .map(|l| (l.index(), l.name(), l.link_type(), l.flags(), l.operstate(), l.carrier()))
        .collect();
    let up = iff::UP | iff::BROADCAST | iff::RUNNING | iff::MULTICAST | iff::LOWER_UP;
    assert_eq!(
        got,
        [
            (1, Some("lo"), arphrd::LOOPBACK, 0x10049, Some(if_oper::UNKNOWN), Some(1)),
            (2, Some("v1"), arphrd::ETHER, up, Some(if_oper::UP), Some(1)),
            (3, Some("v0"), arphrd::ETHER, up, Some(if_oper::UP), Some(1)),
        ]
    );
    let lo = &links[0];
    assert!(lo.is_loopback() && lo.is_up() && lo.is_running() && lo.is_lower_up());
    assert!(links.iter().all(|l| l.op() == Op::New && l.change() == 0 && l.family() == 0));
    // The kernel sends far more than we read; the rest stays reachable.
    assert_eq!(lo.attrs().count(), 38);
    assert_eq!(lo.attrs().find(ifla::MTU).unwrap().unwrap().u32(), Ok(65536));
}

#[test]
fn link_down_and_up_notifications() {
    let read = |b| LinkMsg::parse(&one(b)).unwrap();
    // `ip link set v1 down`: v1 loses UP; its peer v0 loses carrier.
    let down = read(include_bytes!("fixtures/ev_newlink_down.bin"));
    assert_eq!((down.op(), down.index(), down.name()), (Op::New, 2, Some("v1")));
    assert_eq!((down.flags(), down.change()), (iff::BROADCAST | iff::MULTICAST, iff::UP));
    assert_eq!((down.operstate(), down.carrier()), (Some(if_oper::DOWN), Some(0)));
    assert!(!down.is_up());
    let peer = read(include_bytes!("fixtures/ev_newlink_lowerdown.bin"));
    assert_eq!((peer.index(), peer.name()), (3, Some("v0")));
    assert!(peer.is_up() && !peer.is_lower_up() && !peer.is_running());
    assert_eq!((peer.operstate(), peer.carrier()), (Some(if_oper::LOWERLAYERDOWN), Some(0)));
    // `ip link set v1 up`: first UP with carrier but not yet running, then running.
    let up = read(include_bytes!("fixtures/ev_newlink_up.bin"));
    assert_eq!((up.index(), up.change()), (2, iff::UP));
    assert!(up.is_up() && up.is_lower_up() && !up.is_running());
    assert_eq!(up.operstate(), Some(if_oper::LOWERLAYERDOWN));
    let oper = read(include_bytes!("fixtures/ev_newlink_up_oper.bin"));
    assert_eq!((oper.index(), oper.change(), oper.operstate()), (2, 0, Some(if_oper::UP)));
    assert!(oper.is_running());
}

/// One address of the dump: (family, prefix, flags, header flags, scope, ifindex,
/// address, peer, label, preferred, valid).
type Row =
    (u8, u8, u32, u8, u8, u32, Option<IpAddr>, Option<IpAddr>, Option<&'static str>, u32, u32);

#[test]
fn address_dump_every_flag() {
    const F: u32 = CacheInfo::FOREVER;
    use ifa_f::*;
    let (host, link, global) = (rt_scope::HOST, rt_scope::LINK, rt_scope::UNIVERSE);
    let want: [Row; 14] = [
        (AF_INET, 8, PERMANENT, 0x80, host, 1, v4(127, 0, 0, 1), None, Some("lo"), F, F),
        // Point-to-point: IFA_LOCAL is ours, IFA_ADDRESS the peer.
        (
            AF_INET,
            32,
            PERMANENT,
            0x80,
            global,
            2,
            v4(10, 0, 9, 1),
            v4(10, 0, 9, 2),
            Some("v1"),
            F,
            F,
        ),
        (AF_INET, 24, PERMANENT, 0x80, global, 3, v4(10, 0, 1, 1), None, Some("v0"), F, F),
        (
            AF_INET,
            24,
            PERMANENT | SECONDARY,
            0x81,
            global,
            3,
            v4(10, 0, 1, 2),
            None,
            Some("v0"),
            F,
            F,
        ),
        // Finite lifetimes: not PERMANENT.
        (AF_INET, 24, SECONDARY, 0x01, global, 3, v4(10, 0, 1, 3), None, Some("v0:mp"), 1800, 3600),
        (AF_INET6, 128, PERMANENT, 0x80, host, 1, v6("::1"), None, None, F, F),
        (
            AF_INET6,
            64,
            PERMANENT | TENTATIVE,
            0xc0,
            link,
            2,
            v6("fe80::705e:83ff:fea9:b768"),
            None,
            None,
            F,
            F,
        ),
        (
            AF_INET6,
            64,
            PERMANENT | TENTATIVE,
            0xc0,
            global,
            3,
            v6("2001:db8:1::5"),
            None,
            None,
            F,
            F,
        ),
        (
            AF_INET6,
            64,
            TEMPORARY | TENTATIVE,
            0x41,
            global,
            3,
            v6("2001:db8:2:0:9fc6:b629:38e2:f251"),
            None,
            None,
            1800,
            3600,
        ),
        // MANAGETEMPADDR does not fit the header's byte: only IFA_FLAGS has it.
        (
            AF_INET6,
            64,
            MANAGETEMPADDR | TENTATIVE,
            0x40,
            global,
            3,
            v6("2001:db8:2::1"),
            None,
            None,
            1800,
            3600,
        ),
        (
            AF_INET6,
            64,
            PERMANENT | NOPREFIXROUTE | HOMEADDRESS | NODAD,
            0x92,
            global,
            3,
            v6("2001:db8:1::4"),
            None,
            None,
            F,
            F,
        ),
        (
            AF_INET6,
            64,
            PERMANENT | DEPRECATED | NODAD,
            0xa2,
            global,
            3,
            v6("2001:db8:1::3"),
            None,
            None,
            0,
            F,
        ),
        (AF_INET6, 64, PERMANENT | NODAD, 0x82, global, 3, v6("2001:db8:1::1"), None, None, F, F),
        (
            AF_INET6,
            64,
            PERMANENT | TENTATIVE | OPTIMISTIC,
            0xc4,
            link,
            3,
            v6("fe80::3c2f:2aff:fec8:e62a"),
            None,
            None,
            F,
            F,
        ),
    ];
    let got: Vec<Row> = dump(include_bytes!("fixtures/getaddr_dump.bin"))
        .iter()
        .map(|m| {
            let a = AddrMsg::parse(m).unwrap();
            assert_eq!(a.op(), Op::New);
            let ci = a.cacheinfo().unwrap();
            // 'static only for the comparison: the label borrows the fixture.
            let label = a.label().map(|l| &*l.to_string().leak());
            (
                a.family(),
                a.prefix_len(),
                a.flags(),
                a.header_flags(),
                a.scope(),
                a.ifindex(),
                a.address(),
                a.peer(),
                label,
                ci.preferred,
                ci.valid,
            )
        })
        .collect();
    assert_eq!(got, want);
}

#[test]
fn address_notifications() {
    let read = |b| AddrMsg::parse(&one(b)).unwrap();
    let new4 = read(include_bytes!("fixtures/ev_newaddr_v4.bin"));
    let del4 = read(include_bytes!("fixtures/ev_deladdr_v4.bin"));
    for (a, op) in [(new4, Op::New), (del4, Op::Del)] {
        assert_eq!(a.op(), op);
        assert_eq!((a.family(), a.prefix_len(), a.ifindex()), (AF_INET, 24, 3));
        assert_eq!(
            (a.address(), a.ifa_address(), a.label()),
            (v4(10, 0, 5, 1), v4(10, 0, 5, 1), Some("v0"))
        );
        assert!(a.has(ifa_f::PERMANENT) && a.cacheinfo().unwrap().valid_forever());
    }
    let new6 = read(include_bytes!("fixtures/ev_newaddr_v6.bin"));
    let del6 = read(include_bytes!("fixtures/ev_deladdr_v6.bin"));
    for (a, op) in [(new6, Op::New), (del6, Op::Del)] {
        assert_eq!(a.op(), op);
        assert_eq!((a.family(), a.prefix_len(), a.address()), (AF_INET6, 64, v6("2001:db8:5::1")));
        assert_eq!(
            (a.ifa_local(), a.label(), a.flags()),
            (None, None, ifa_f::PERMANENT | ifa_f::NODAD)
        );
    }
    // A temporary address, re-announced when the peer link went down.
    let tmp = read(include_bytes!("fixtures/ev_newaddr_v6_temporary.bin"));
    assert_eq!(tmp.flags(), ifa_f::TEMPORARY);
    let ci = tmp.cacheinfo().unwrap();
    assert_eq!((ci.preferred, ci.valid), (1799, 3599));
    assert!(!ci.preferred_forever() && !ci.valid_forever());
}

#[test]
fn route_dumps() {
    let v4: Vec<RouteMsg<'_>> = dump(include_bytes!("fixtures/getroute_dump_v4.bin"))
        .iter()
        .map(|m| RouteMsg::parse(m).unwrap())
        .collect();
    assert_eq!(v4.len(), 13);
    // Table 1000 does not fit the header's byte.
    let t1000 = &v4[0];
    assert_eq!(
        (t1000.table(), t1000.header_table(), t1000.dst()),
        (1000, 252, self::v4(10, 8, 0, 0))
    );
    assert_eq!((t1000.scope(), t1000.oif(), t1000.gateway()), (rt_scope::LINK, Some(3), None));
    let default = v4.iter().filter(|r| r.is_default()).collect::<Vec<_>>();
    assert_eq!(default.len(), 1);
    let d = default[0];
    assert_eq!(
        (d.table(), d.route_type(), d.protocol()),
        (rt_table::MAIN, rtn::UNICAST, rtprot::BOOT)
    );
    assert_eq!(
        (d.dst(), d.gateway(), d.oif(), d.priority()),
        (None, self::v4(10, 0, 1, 254), Some(3), None)
    );
    let prefix = &v4[2];
    assert_eq!(
        (prefix.dst(), prefix.dst_len(), prefix.prefsrc()),
        (self::v4(10, 0, 1, 0), 24, self::v4(10, 0, 1, 1))
    );
    assert_eq!(prefix.protocol(), rtprot::KERNEL);
    let metric = &v4[4];
    assert_eq!(
        (metric.priority(), metric.protocol(), metric.gateway()),
        (Some(100), rtprot::STATIC, self::v4(10, 0, 1, 253))
    );
    let local = v4.iter().filter(|r| r.table() == rt_table::LOCAL).count();
    assert_eq!(local, 8);
    assert!(v4.iter().any(|r| r.route_type() == rtn::BROADCAST));

    let v6: Vec<RouteMsg<'_>> = dump(include_bytes!("fixtures/getroute_dump_v6.bin"))
        .iter()
        .map(|m| RouteMsg::parse(m).unwrap())
        .collect();
    assert_eq!(v6.len(), 12);
    let d = v6.iter().find(|r| r.is_default()).unwrap();
    assert_eq!(
        (d.family(), d.table(), d.gateway()),
        (AF_INET6, rt_table::MAIN, self::v6("2001:db8:1::fe"))
    );
    assert_eq!((d.oif(), d.priority(), d.protocol()), (Some(3), Some(1024), rtprot::BOOT));
    // Tentative addresses have no local route yet.
    assert_eq!(v6.iter().filter(|r| r.route_type() == rtn::LOCAL).count(), 5);
    assert_eq!(v6.iter().filter(|r| r.route_type() == rtn::MULTICAST).count(), 2);
}

#[test]
fn route_notifications() {
    let read = |b| RouteMsg::parse(&one(b)).unwrap();
    let new4 = read(include_bytes!("fixtures/ev_newroute_v4.bin"));
    let del4 = read(include_bytes!("fixtures/ev_delroute_v4.bin"));
    for (r, op) in [(new4, Op::New), (del4, Op::Del)] {
        assert_eq!((r.op(), r.dst(), r.dst_len()), (op, v4(10, 7, 0, 0), 16));
        assert_eq!((r.gateway(), r.oif(), r.table()), (v4(10, 0, 1, 252), Some(3), rt_table::MAIN));
    }
    let new6 = read(include_bytes!("fixtures/ev_newroute_v6.bin"));
    let del6 = read(include_bytes!("fixtures/ev_delroute_v6.bin"));
    for (r, op) in [(new6, Op::New), (del6, Op::Del)] {
        assert_eq!((r.op(), r.dst(), r.dst_len()), (op, v6("2001:db8:7::"), 48));
        assert_eq!(
            (r.gateway(), r.priority(), r.oif()),
            (v6("2001:db8:1::fd"), Some(1024), Some(3))
        );
    }
    // The prefix route the kernel adds with an IPv4 address.
    let prefix = read(include_bytes!("fixtures/ev_newroute_v4_prefix.bin"));
    assert_eq!(
        (prefix.dst(), prefix.prefsrc(), prefix.scope()),
        (v4(10, 0, 5, 0), v4(10, 0, 5, 1), rt_scope::LINK)
    );
}

/// Our builders write what the kernel writes: every IPv4 route, the IPv4 address
/// notifications and the IPv6 ones without extra attributes come out byte for byte.
#[test]
fn builders_are_byte_identical_to_the_kernel() {
    let mut routes = dump(include_bytes!("fixtures/getroute_dump_v4.bin"));
    routes.push(one(include_bytes!("fixtures/ev_newroute_v4.bin")));
    routes.push(one(include_bytes!("fixtures/ev_delroute_v4.bin")));
    routes.push(one(include_bytes!("fixtures/ev_newroute_v4_prefix.bin")));
    for m in routes {
        let r = RouteMsg::parse(&m).unwrap();
        let mut buf = [0u8; MAX_ROUTE_LEN];
        let ours = r.fields().emit(&mut buf, r.op(), m.flags(), m.seq()).unwrap();
        assert_eq!(&ours[16..], m.payload(), "{:?}", r.fields());
    }
    for bytes in [
        &include_bytes!("fixtures/ev_newaddr_v4.bin")[..],
        include_bytes!("fixtures/ev_deladdr_v4.bin"),
        include_bytes!("fixtures/ev_newaddr_v6.bin"),
        include_bytes!("fixtures/ev_deladdr_v6.bin"),
        include_bytes!("fixtures/ev_newaddr_v6_temporary.bin"),
    ] {
        let m = one(bytes);
        let a = AddrMsg::parse(&m).unwrap();
        let mut buf = [0u8; MAX_ADDR_LEN];
        let ours = a.fields().emit(&mut buf, a.op(), m.flags(), m.seq()).unwrap();
        // All but the port id: a notification carries the requester's.
        assert_eq!(&ours[..12], &bytes[..12]);
        assert_eq!(&ours[16..], &bytes[16..], "{:?}", a.fields());
    }
    // Notifications of a new route carry the request's CREATE | EXCL.
    let m = one(include_bytes!("fixtures/ev_newroute_v4.bin"));
    assert_eq!(m.flags(), NLM_F_CREATE | NLM_F_EXCL);
}
