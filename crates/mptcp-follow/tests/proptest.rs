//! Properties of the policy: planning converges in one round, never touches what it does
//! not own, respects the endpoint limit and the ranking; rules and globs never panic.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use mptcp_follow::{
    Address, DefaultRoute, Endpoint, FIRST_ID, IfName, Link, MAX_ENDPOINTS, Op, Rules, State, iff,
    plan,
};
use proptest::prelude::*;

const NAMES: [&str; 5] = ["wan0", "wan1", "lte0", "lan0", "lo"];

fn ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        (0u8..4, 0u8..6).prop_map(|(a, b)| IpAddr::V4(Ipv4Addr::new(10, 0, a, b))),
        Just(IpAddr::V4(Ipv4Addr::new(169, 254, 0, 1))),
        Just(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        (0u16..4).prop_map(|b| IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, b))),
        Just(IpAddr::V6("fe80::1".parse().unwrap())),
        Just(IpAddr::V6("fd00::1".parse().unwrap())),
    ]
}

fn rules() -> impl Strategy<Value = Rules> {
    prop_oneof![
        Just(Rules::new()),
        Just(
            Rules::parse_words(&["dev", "wan*", "signal", "dev", "lte0", "subflow", "backup"])
                .unwrap()
        ),
        Just(Rules::parse_words(&["dev", "wan0", "ignore", "dev", "*", "subflow"]).unwrap()),
        Just(Rules::parse_words(&["dev", "lan0", "fullmesh", "allow", "noroute"]).unwrap()),
    ]
}

fn state() -> impl Strategy<Value = State> {
    let links = prop::collection::vec((any::<bool>(), any::<bool>()), NAMES.len());
    let addrs = prop::collection::vec(
        (1u32..7, ip(), prop::sample::select(vec![0u32, 0x20, 0x40, 0x01, 0x08])),
        0..20,
    );
    let routes = prop::collection::vec((any::<bool>(), 100u32..103), 0..3);
    (links, addrs, routes).prop_map(|(links, addrs, routes)| {
        let mut s = State::new();
        for (i, (up, carrier)) in links.into_iter().enumerate() {
            let mut flags = if up { iff::UP } else { 0 } | if carrier { iff::LOWER_UP } else { 0 };
            if NAMES[i] == "lo" {
                flags |= iff::LOOPBACK;
            }
            s.set_link(Link::new(i as u32 + 1, NAMES[i], flags)).unwrap();
        }
        for (idx, ip, flags) in addrs {
            s.set_address(Address::new(idx, ip, 24, flags)).unwrap();
        }
        for (v6, table) in routes {
            let r = if v6 { DefaultRoute::v6(table, 1) } else { DefaultRoute::v4(table, 1) };
            s.add_route(r).unwrap();
        }
        s
    })
}

fn table() -> impl Strategy<Value = Vec<Endpoint>> {
    let e = (prop_oneof![1u8..10, FIRST_ID..FIRST_ID + 10], 0u32..7, ip(), 0u32..4)
        .prop_map(|(id, ifindex, ip, flags)| Endpoint { id, ip, ifindex, flags, port: 0 });
    prop::collection::vec(e, 0..MAX_ENDPOINTS).prop_map(|mut v| {
        // The kernel's table has unique ids and unique addresses.
        let mut seen = Vec::new();
        v.retain(|e| {
            let fresh = !seen.iter().any(|(id, ip)| *id == e.id || *ip == e.ip);
            seen.push((e.id, e.ip));
            fresh
        });
        v
    })
}

fn apply(actual: &mut Vec<Endpoint>, ops: &[Op]) {
    for op in ops {
        match op {
            Op::Delete(e) => actual.retain(|a| a.id != e.id),
            Op::Add(e) => {
                assert!(actual.iter().all(|a| a.id != e.id && a.ip != e.ip), "{e:?} clashes");
                actual.push(*e);
            }
            Op::Nothing => {}
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if cfg!(miri) { 4 } else { 256 },
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn one_round_converges_and_spares_what_it_does_not_own(
        s in state(), r in rules(), start in table(),
    ) {
        let desired = s.desired(&r, &start);
        let mut ops = [Op::Nothing; 32];
        let n = plan(&desired, &start, &s, &r, &mut ops);
        let mut actual = start.clone();
        apply(&mut actual, &ops[..n]);
        // Nothing left to do.
        let again = s.desired(&r, &actual);
        prop_assert_eq!(again, desired);
        prop_assert_eq!(plan(&again, &actual, &s, &r, &mut ops), 0);
        // Every endpoint it does not own survives, unchanged.
        for e in start.iter().filter(|e| !s.owns(&r, e)) {
            prop_assert!(actual.contains(e));
        }
        // Its own endpoints are exactly the desired ones.
        let own: Vec<_> = actual.iter().filter(|e| s.owns(&r, e)).map(|e| (e.ip, e.ifindex, e.flags)).collect();
        prop_assert_eq!(own.len(), desired.len());
        for w in desired.iter() {
            prop_assert!(own.contains(&(w.ip, w.ifindex, w.flags)));
            let known = s.addresses().find(|a| a.ip == w.ip && a.ifindex == w.ifindex);
            prop_assert!(known.is_some_and(|a| s.judge(a, &r).is_ok()));
        }
        prop_assert!(actual.len() <= MAX_ENDPOINTS.max(start.len()));
    }

    #[test]
    fn rules_never_panic_and_errors_point_inside(words in prop::collection::vec(
        prop::sample::select(vec!["dev", "wan*", "x", "signal", "subflow", "fullmesh", "ignore",
            "port", "80", "0", "allow", "ula", "bogus", ""]), 0..12)) {
        if let Err(e) = Rules::parse_words(&words) {
            let at = e.word().unwrap();
            prop_assert!(at <= words.len());
        }
    }

    #[test]
    fn glob_agrees_with_a_reference(
        p in prop::collection::vec(prop::sample::select(vec!['a', 'b', '*', '?']), 1..7)
            .prop_map(|v| v.into_iter().collect::<String>()),
        t in prop::collection::vec(prop::sample::select(vec!['a', 'b']), 1..9)
            .prop_map(|v| v.into_iter().collect::<String>()),
    ) {
        prop_assert_eq!(
            IfName::new(&p).unwrap().matches(&IfName::new(&t).unwrap()),
            reference(p.as_bytes(), t.as_bytes())
        );
    }
}

/// The textbook recursive glob (`*` and `?` only).
fn reference(p: &[u8], t: &[u8]) -> bool {
    match (p.first(), t.first()) {
        (None, None) => true,
        (Some(b'*'), _) => reference(&p[1..], t) || (!t.is_empty() && reference(p, &t[1..])),
        (Some(b'?'), Some(_)) => reference(&p[1..], &t[1..]),
        (Some(a), Some(b)) if a == b => reference(&p[1..], &t[1..]),
        _ => false,
    }
}
