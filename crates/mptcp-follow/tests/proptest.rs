//! Properties of the policy: planning converges in one round, never touches what it does
//! not own (whatever the foreign endpoints' ids), respects the endpoint limit and the
//! ranking, survives refused requests and prefix changes; rules, globs and the
//! ownership record never panic.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use mptcp_follow::{
    Address, DefaultRoute, Endpoint, FIRST_ID, IfName, Link, MAX_ENDPOINTS, Op, Owned, Rules,
    SETTABLE, State, iff, plan,
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

/// A namespace: links, addresses (the same address with several prefixes, some of
/// which are deleted again), default routes (some through a nexthop object, gone
/// with it).
fn state() -> impl Strategy<Value = Box<State>> {
    let links = prop::collection::vec((any::<bool>(), any::<bool>()), NAMES.len());
    let addrs = prop::collection::vec(
        (
            1u32..7,
            ip(),
            prop::sample::select(vec![0u32, 0x20, 0x40, 0x01, 0x08]),
            prop::sample::select(vec![16u8, 24, 32]),
            any::<bool>(),
        ),
        0..20,
    );
    let routes = prop::collection::vec((any::<bool>(), 100u32..103, any::<bool>()), 0..3);
    (links, addrs, routes).prop_map(|(links, addrs, routes)| {
        let mut s = Box::new(State::new());
        for (i, (up, carrier)) in links.into_iter().enumerate() {
            let mut flags = if up { iff::UP } else { 0 } | if carrier { iff::LOWER_UP } else { 0 };
            if NAMES[i] == "lo" {
                flags |= iff::LOOPBACK;
            }
            s.set_link(Link::new(i as u32 + 1, NAMES[i], flags)).unwrap();
        }
        for (idx, ip, flags, prefix, deleted) in addrs {
            s.set_address(Address::new(idx, ip, prefix, flags)).unwrap();
            if deleted {
                // `ip addr del IP/OTHER`: only that prefix goes.
                s.remove_address(idx, ip, if prefix == 24 { 16 } else { 24 });
            }
        }
        for (v6, table, via_nexthop) in routes {
            let r = if v6 { DefaultRoute::v6(table, 1) } else { DefaultRoute::v4(table, 1) };
            s.add_route(r).unwrap();
            if via_nexthop {
                // `ip nexthop del`: the route re-dump no longer has it.
                s.remove_route(&r);
            }
        }
        s
    })
}

/// The kernel's table, and which of its endpoints this mode's record owns: foreign
/// endpoints take any id, this mode's range included.
fn table() -> impl Strategy<Value = (Vec<Endpoint>, Owned)> {
    let e = (
        prop_oneof![1u8..10, FIRST_ID..FIRST_ID + 10, Just(255u8)],
        0u32..7,
        ip(),
        0u32..16,
        any::<bool>(),
    );
    prop::collection::vec(e, 0..MAX_ENDPOINTS).prop_map(|v| {
        // The kernel's table has unique ids and unique addresses.
        let mut seen = Vec::new();
        let mut own = Owned::new();
        let mut table = Vec::new();
        for (id, ifindex, ip, flags, owned) in v {
            if seen.iter().any(|(i, a)| *i == id || *a == ip) {
                continue;
            }
            seen.push((id, ip));
            table.push(Endpoint { id, ip, ifindex, flags, port: 0 });
            if owned {
                own.insert(id, ip).unwrap();
            }
        }
        (table, own)
    })
}

/// Applies `ops` as the kernel would, the record kept as the CLI keeps it (written
/// before an add, settled after the answer); `refused` says which requests the kernel
/// refuses (someone else's request got there first).
fn apply(actual: &mut Vec<Endpoint>, own: &mut Owned, ops: &[Op], refused: &[bool]) {
    for (i, op) in ops.iter().enumerate() {
        let refuse = refused.get(i).copied().unwrap_or(false);
        match op {
            Op::Delete(e) => {
                assert!(own.owns(e), "{e:?} deleted but not owned");
                if !refuse {
                    actual.retain(|a| a.id != e.id);
                    own.remove(e.id, e.ip);
                }
            }
            Op::SetFlags(e) => {
                assert!(own.owns(e), "{e:?} changed but not owned");
                let a = actual.iter_mut().find(|a| a.id == e.id).unwrap();
                assert_eq!((a.flags ^ e.flags) & !SETTABLE, 0, "only settable bits change");
                if !refuse {
                    a.flags = e.flags;
                }
            }
            Op::Add(e) => {
                let clash = actual.iter().any(|a| a.id == e.id || a.ip == e.ip);
                // Only a refused delete earlier in the round leaves a clash (the kernel
                // then refuses the add too, and the next round re-reads the table).
                assert!(!clash || refused.iter().any(|r| *r), "{e:?} clashes");
                own.insert(e.id, e.ip).unwrap();
                if refuse || clash {
                    own.remove(e.id, e.ip);
                } else {
                    actual.push(*e);
                }
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
        s in state(), r in rules(), (start, owned) in table(),
        refused in prop::collection::vec(prop::bool::weighted(0.2), 16),
    ) {
        let mut ops = [Op::Nothing; 32];
        let mut actual = start.clone();
        let mut own = owned;
        // A round with refused requests: re-read (here: the table as it is) and plan
        // again; that round, refused nothing, converges.
        let d = s.desired(&r, &actual, &own);
        let n = plan(&d, &actual, &own, &mut ops);
        apply(&mut actual, &mut own, &ops[..n], &refused);
        let desired = s.desired(&r, &actual, &own);
        let n = plan(&desired, &actual, &own, &mut ops);
        apply(&mut actual, &mut own, &ops[..n], &[]);
        // Nothing left to do.
        let again = s.desired(&r, &actual, &own);
        prop_assert_eq!(again, desired);
        prop_assert_eq!(plan(&again, &actual, &own, &mut ops), 0);
        // Every endpoint it does not own survives, unchanged.
        for e in start.iter().filter(|e| !owned.owns(e)) {
            prop_assert!(actual.contains(e));
        }
        // Its own endpoints are exactly the desired ones.
        let own: Vec<_> = actual.iter().filter(|e| own.owns(e)).map(|e| (e.ip, e.ifindex, e.flags)).collect();
        prop_assert_eq!(own.len(), desired.len());
        for w in desired.iter() {
            prop_assert!(own.contains(&(w.ip, w.ifindex, w.flags)));
            // The same address may be there with several prefixes: one qualifies.
            let mut known = s.addresses().filter(|a| a.ip == w.ip && a.ifindex == w.ifindex);
            prop_assert!(known.any(|a| s.judge(a, &r).is_ok()));
        }
        prop_assert!(actual.len() <= MAX_ENDPOINTS.max(start.len()));
    }

    #[test]
    fn the_record_round_trips_and_arbitrary_bytes_never_panic(
        records in prop::collection::vec((any::<u8>(), ip()), 0..40),
        junk in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        let mut own = Owned::new();
        for (id, ip) in records {
            let _ = own.insert(id, ip);
        }
        let mut text = [0u8; Owned::MAX_TEXT];
        let n = own.write(&mut text);
        prop_assert_eq!(Owned::parse(&text[..n]), Ok(own));
        let _ = Owned::parse(&junk);
        let mut prefixed = b"mptcp-follow 1\n".to_vec();
        prefixed.extend_from_slice(&junk);
        let _ = Owned::parse(&prefixed);
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
