//! [`plan`]: the fewest requests that take the kernel's endpoint table to the desired set.

use core::net::IpAddr;

use crate::{Desired, Owned, flag};

/// The kernel's endpoint table holds at most this many endpoints (`MPTCP_PM_ADDR_MAX`);
/// one more is refused with `ERANGE`.
pub const MAX_ENDPOINTS: usize = 8;

/// The first endpoint id this mode gives (the lowest free one of
/// `FIRST_ID..=LAST_ID`). The id says nothing about who owns an endpoint: anyone may use
/// any id, and the kernel's automatic ids follow the highest one in use. Ownership is
/// the [`Owned`] record.
pub const FIRST_ID: u8 = 200;
/// The last endpoint id this mode gives.
pub const LAST_ID: u8 = 254;

/// An endpoint of the kernel's table, as a dump reports it (or as an [`Op::Add`] makes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    /// Endpoint id.
    pub id: u8,
    /// Address.
    pub ip: IpAddr,
    /// Interface index (`dev`; 0 for none).
    pub ifindex: u32,
    /// Endpoint flags.
    pub flags: u32,
    /// Port (0 for none).
    pub port: u16,
}

/// One request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Nothing (fills unused room in the caller's array).
    Nothing,
    /// Delete this endpoint (by its id).
    Delete(Endpoint),
    /// Add this endpoint (with its id).
    Add(Endpoint),
    /// Change this endpoint's flags in place (`MPTCP_PM_CMD_SET_FLAGS`, what `ip mptcp
    /// endpoint change` does): the endpoint as it should be, its id kept. Only
    /// [`SETTABLE`] bits differ; live subflows stay.
    SetFlags(Endpoint),
}

/// The flag bits the kernel changes in place (`backup`, `fullmesh`); any other
/// difference (signal, subflow, laminar, port, device) needs a delete and an add.
pub const SETTABLE: u32 = flag::BACKUP | flag::FULLMESH;

/// Writes into `out` the requests that take `actual` (the kernel's table) to `desired`:
/// deletes of owned endpoints that are not desired (first, so their slots free), flag
/// changes in place of owned endpoints that differ from a desired one only in
/// [`SETTABLE`] bits, then adds of desired addresses without an endpoint, each with the
/// lowest id of `FIRST_ID..=LAST_ID` no endpoint uses. An endpoint is owned when `owned`
/// records it; one that is not is never touched. An owned endpoint that matches a
/// desired one (address, interface, flags and port) is kept. Returns how many were
/// written; when `out` is too short the rest come from the next call, after these were
/// applied.
pub fn plan(desired: &Desired, actual: &[Endpoint], owned: &Owned, out: &mut [Op]) -> usize {
    let mut n = 0;
    let mut emit = |op: Op| {
        if let Some(slot) = out.get_mut(n) {
            *slot = op;
            n += 1;
        }
    };
    let same_place =
        |w: &crate::Want, e: &Endpoint| w.ip == e.ip && w.ifindex == e.ifindex && w.port == e.port;
    let exact = |e: &Endpoint| desired.iter().any(|w| same_place(w, e) && w.flags == e.flags);
    let settable = |e: &Endpoint| {
        desired.iter().find(|w| same_place(w, e) && (w.flags ^ e.flags) & !SETTABLE == 0)
    };
    for e in actual.iter().filter(|e| owned.owns(e)) {
        if !exact(e) && settable(e).is_none() {
            emit(Op::Delete(*e));
        }
    }
    for e in actual.iter().filter(|e| owned.owns(e) && !exact(e)) {
        if let Some(w) = settable(e) {
            emit(Op::SetFlags(Endpoint { flags: w.flags, ..*e }));
        }
    }
    let mut taken = [false; (LAST_ID - FIRST_ID) as usize + 1];
    for e in actual {
        if let Some(t) = e.id.checked_sub(FIRST_ID).and_then(|i| taken.get_mut(i as usize)) {
            *t = true;
        }
    }
    for w in desired.iter() {
        let present = actual
            .iter()
            .any(|e| e.ip == w.ip && (!owned.owns(e) || exact(e) || settable(e).is_some()));
        if present {
            continue;
        }
        let Some(free) = taken.iter().position(|t| !t) else { break };
        taken[free] = true;
        let id = FIRST_ID + free as u8;
        emit(Op::Add(Endpoint { id, ip: w.ip, ifindex: w.ifindex, flags: w.flags, port: w.port }));
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Address, DefaultRoute, Link, Rules, State};
    use core::net::Ipv4Addr;

    fn v4(a: u8, b: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(10, 0, a, b))
    }

    fn host() -> std::boxed::Box<State> {
        let mut s = std::boxed::Box::new(State::new());
        s.set_link(Link::new(2, "wan0", Link::UP_WITH_CARRIER)).unwrap();
        s.set_link(Link::new(3, "lan0", Link::UP_WITH_CARRIER)).unwrap();
        s.add_route(DefaultRoute::v4(254, 2)).unwrap();
        s
    }

    /// Owns the endpoints with ids from `FIRST_ID` on, as the tests below set them up.
    fn own(actual: &[Endpoint]) -> Owned {
        let mut o = Owned::new();
        for e in actual.iter().filter(|e| e.id >= FIRST_ID) {
            o.insert(e.id, e.ip).unwrap();
        }
        o
    }

    fn ops(s: &State, rules: &Rules, actual: &[Endpoint]) -> std::vec::Vec<Op> {
        let owned = own(actual);
        let d = s.desired(rules, actual, &owned);
        let mut out = [Op::Nothing; 32];
        let n = plan(&d, actual, &owned, &mut out);
        out[..n].to_vec()
    }

    #[test]
    fn adds_what_is_missing_and_adopts_what_is_right() {
        let mut s = host();
        let rules = Rules::parse_words(&["dev", "wan0", "signal"]).unwrap();
        s.set_address(Address::new(2, v4(0, 1), 24, 0)).unwrap();
        s.set_address(Address::new(2, v4(0, 2), 24, 0)).unwrap();
        let right = Endpoint { id: 7, ip: v4(0, 1), ifindex: 2, flags: flag::SIGNAL, port: 0 };
        let got = ops(&s, &rules, &[right]);
        let add = Endpoint { id: FIRST_ID, ip: v4(0, 2), ifindex: 2, flags: flag::SIGNAL, port: 0 };
        assert_eq!(got, [Op::Add(add)]);
        assert!(ops(&s, &rules, &[right, add]).is_empty(), "nothing to do once in step");
    }

    #[test]
    fn removes_only_what_it_owns() {
        let s = host();
        let rules = Rules::parse_words(&["dev", "wan0", "subflow"]).unwrap();
        let stale_own = Endpoint { id: 201, ip: v4(5, 5), ifindex: 99, flags: 2, port: 0 };
        let on_managed = Endpoint { id: 3, ip: v4(0, 9), ifindex: 2, flags: 2, port: 0 };
        let hand_made = Endpoint { id: 4, ip: v4(1, 1), ifindex: 3, flags: 1, port: 0 };
        let no_dev = Endpoint { id: 5, ip: v4(1, 2), ifindex: 0, flags: 1, port: 0 };
        let got = ops(&s, &rules, &[stale_own, on_managed, hand_made, no_dev]);
        assert_eq!(got, [Op::Delete(stale_own)]);
        // An id in the range proves nothing: without a record it is someone else's.
        let foreign = Endpoint { id: 202, ip: v4(5, 6), ifindex: 2, flags: 1, port: 0 };
        let d = s.desired(&rules, &[foreign], &Owned::new());
        let mut out = [Op::Nothing; 4];
        assert_eq!(plan(&d, &[foreign], &Owned::new(), &mut out), 0);
    }

    #[test]
    fn a_flag_only_change_is_done_in_place() {
        let mut s = host();
        s.set_address(Address::new(2, v4(0, 1), 24, 0)).unwrap();
        let old =
            Endpoint { id: FIRST_ID, ip: v4(0, 1), ifindex: 2, flags: flag::SUBFLOW, port: 0 };
        let backup = Rules::parse_words(&["dev", "wan0", "subflow", "backup"]).unwrap();
        let got = ops(&s, &backup, &[old]);
        assert_eq!(got, [Op::SetFlags(Endpoint { flags: flag::SUBFLOW | flag::BACKUP, ..old })]);
        let signal = Rules::parse_words(&["dev", "wan0", "signal"]).unwrap();
        let got = ops(&s, &signal, &[old]);
        let new = Endpoint { id: FIRST_ID + 1, flags: flag::SIGNAL, ..old };
        assert_eq!(got, [Op::Delete(old), Op::Add(new)], "signal/subflow needs delete + add");
    }

    #[test]
    fn wrong_flags_are_replaced_and_ids_skip_taken_ones() {
        let mut s = host();
        s.set_address(Address::new(2, v4(0, 1), 24, 0)).unwrap();
        let old = Endpoint { id: FIRST_ID, ip: v4(0, 1), ifindex: 2, flags: flag::SIGNAL, port: 0 };
        let got = ops(&s, &Rules::new(), &[old]);
        let new = Endpoint { id: FIRST_ID + 1, flags: flag::SUBFLOW, ..old };
        assert_eq!(got, [Op::Delete(old), Op::Add(new)]);
    }

    #[test]
    fn a_hand_made_endpoint_of_the_same_address_is_left_and_counts() {
        let mut s = host();
        s.set_address(Address::new(3, v4(0, 1), 24, 0)).unwrap();
        let hand = Endpoint { id: 1, ip: v4(0, 1), ifindex: 0, flags: flag::SIGNAL, port: 0 };
        let rules = Rules::parse_words(&["dev", "lan0", "subflow"]).unwrap();
        assert!(ops(&s, &rules, &[hand]).is_empty());
        let full = [hand; MAX_ENDPOINTS];
        s.set_address(Address::new(3, v4(0, 2), 24, 0)).unwrap();
        assert!(ops(&s, &rules, &full).is_empty(), "no slot left");
    }

    #[test]
    fn a_short_out_array_gives_the_first_requests() {
        let mut s = host();
        for i in 1..=5 {
            s.set_address(Address::new(2, v4(0, i), 24, 0)).unwrap();
        }
        let d = s.desired(&Rules::new(), &[], &Owned::new());
        let mut out = [Op::Nothing; 2];
        assert_eq!(plan(&d, &[], &Owned::new(), &mut out), 2);
        assert!(matches!(out[1], Op::Add(Endpoint { id, .. }) if id == FIRST_ID + 1));
    }
}
