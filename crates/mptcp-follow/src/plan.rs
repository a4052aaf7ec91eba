//! [`plan`]: the fewest requests that take the kernel's endpoint table to the desired set.

use core::net::IpAddr;

use crate::{Desired, Rules, State};

/// The kernel's endpoint table holds at most this many endpoints (`MPTCP_PM_ADDR_MAX`);
/// one more is refused with `ERANGE`.
pub const MAX_ENDPOINTS: usize = 8;

/// The first endpoint id this mode gives: ids `FIRST_ID..=LAST_ID` mark its own
/// endpoints, so that after a restart it knows them even when their interface is gone.
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
}

impl State {
    /// Whether this mode owns endpoint `e`: an id of its own range, or an interface a
    /// rule manages. Endpoints it does not own are never deleted.
    pub fn owns(&self, rules: &Rules, e: &Endpoint) -> bool {
        if (FIRST_ID..=LAST_ID).contains(&e.id) {
            return true;
        }
        e.ifindex != 0 && self.link(e.ifindex).is_some_and(|l| rules.manages(&l.name))
    }
}

/// Writes into `out` the requests that take `actual` (the kernel's table) to `desired`:
/// deletes of owned endpoints that are not desired as they are (first, so their slots
/// free), then adds of desired addresses without an endpoint, each with the lowest free
/// id of this mode's range. An owned endpoint that matches a desired one (address,
/// interface, flags and port) is kept: restarting adopts what is right. Returns how many
/// were written; when `out` is too short the rest come from the next call, after these
/// were applied.
pub fn plan(
    desired: &Desired,
    actual: &[Endpoint],
    state: &State,
    rules: &Rules,
    out: &mut [Op],
) -> usize {
    let mut n = 0;
    let mut emit = |op: Op| {
        if let Some(slot) = out.get_mut(n) {
            *slot = op;
            n += 1;
        }
    };
    let wanted = |e: &Endpoint| {
        desired.iter().any(|w| {
            w.ip == e.ip && w.ifindex == e.ifindex && w.flags == e.flags && w.port == e.port
        })
    };
    for e in actual {
        if state.owns(rules, e) && !wanted(e) {
            emit(Op::Delete(*e));
        }
    }
    let mut taken = [false; (LAST_ID - FIRST_ID) as usize + 1];
    for e in actual {
        if let Some(t) = e.id.checked_sub(FIRST_ID).and_then(|i| taken.get_mut(i as usize)) {
            *t = true;
        }
    }
    for w in desired.iter() {
        let present = actual.iter().any(|e| e.ip == w.ip && (wanted(e) || !state.owns(rules, e)));
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
    use crate::{Address, DefaultRoute, Link, flag};
    use core::net::Ipv4Addr;

    fn v4(a: u8, b: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(10, 0, a, b))
    }

    fn host() -> State {
        let mut s = State::new();
        s.set_link(Link::new(2, "wan0", Link::UP_WITH_CARRIER)).unwrap();
        s.set_link(Link::new(3, "lan0", Link::UP_WITH_CARRIER)).unwrap();
        s.add_route(DefaultRoute::v4(254, 2)).unwrap();
        s
    }

    fn ops(s: &State, rules: &Rules, actual: &[Endpoint]) -> std::vec::Vec<Op> {
        let d = s.desired(rules, actual);
        let mut out = [Op::Nothing; 32];
        let n = plan(&d, actual, s, rules, &mut out);
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
        assert_eq!(got, [Op::Delete(stale_own), Op::Delete(on_managed)]);
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
        let d = s.desired(&Rules::new(), &[]);
        let mut out = [Op::Nothing; 2];
        assert_eq!(plan(&d, &[], &s, &Rules::new(), &mut out), 2);
        assert!(matches!(out[1], Op::Add(Endpoint { id, .. }) if id == FIRST_ID + 1));
    }
}
