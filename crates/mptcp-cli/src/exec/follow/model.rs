//! [`Model`]: what the kernel's endpoint table holds, as far as this process knows,
//! with the requests in flight, and the adds the kernel refused.

use core::net::IpAddr;

use mptcp_follow::{Endpoint, FIRST_ID, LAST_ID};

use super::worker::{MAX_TABLE, Table};

/// A request in flight on an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pending {
    /// Settled.
    None,
    /// An ADD_ADDR is in the kernel.
    Adding,
    /// A DEL_ADDR is in the kernel.
    Deleting,
    /// A SET_FLAGS is in the kernel.
    Changing,
}

/// One endpoint of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// The endpoint.
    pub ep: Endpoint,
    /// What is in flight on it.
    pub pending: Pending,
}

/// Refused adds remembered, so a refusal is not retried in a loop.
const MAX_REFUSED: usize = 16;

/// The table as this process believes it is.
#[derive(Debug, Clone)]
pub struct Model {
    entries: [Option<Entry>; MAX_TABLE],
    refused: [Option<(IpAddr, u32)>; MAX_REFUSED],
    /// A dump of the table is wanted (at start, after lost events or a surprise).
    pub want_dump: bool,
    /// A dump is in flight.
    pub dumping: bool,
    /// A dump has been read since the start.
    pub known: bool,
}

impl Model {
    /// Nothing known yet; a dump is wanted.
    pub fn new() -> Model {
        Model {
            entries: [None; MAX_TABLE],
            refused: [None; MAX_REFUSED],
            want_dump: true,
            dumping: false,
            known: false,
        }
    }

    /// Takes a dump's table (nothing is in flight while a dump runs). When it differs
    /// from what this process believed, the refusals are forgotten: the table changed
    /// under them, so the adds may now succeed. When it does not, they stay, so a
    /// refusal that a dump cannot explain is not retried in a loop.
    pub fn load(&mut self, table: &Table) {
        let mut fresh = [None; MAX_TABLE];
        for (slot, e) in fresh.iter_mut().zip(table.endpoints.iter().flatten()) {
            *slot = Some(Entry { ep: *e, pending: Pending::None });
        }
        let same = self.entries().count() == fresh.iter().flatten().count()
            && fresh.iter().flatten().all(|f| self.entries().any(|e| e.ep == f.ep));
        if !same {
            self.forget_refusals(None);
        }
        self.entries = fresh;
        self.known = true;
        self.dumping = false;
    }

    /// The table as it will be once the requests in flight are done: what to plan on.
    #[inline(never)]
    pub fn for_plan(&self, out: &mut [Endpoint; MAX_TABLE]) -> usize {
        let mut n = 0;
        for e in self.entries.iter().flatten().filter(|e| e.pending != Pending::Deleting) {
            out[n] = e.ep;
            n += 1;
        }
        n
    }

    /// Every entry, in flight or not.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().flatten()
    }

    /// Slots of the kernel's table in use now (a delete in flight still holds one).
    #[inline(never)]
    pub fn occupied(&self) -> usize {
        self.entries().count()
    }

    /// Whether an entry holds address `ip`, in flight or not: the kernel refuses a
    /// second endpoint of the same address, so its add waits until the old one is gone.
    #[inline(never)]
    pub fn holds_ip(&self, ip: IpAddr) -> bool {
        self.entries().any(|e| e.ep.ip == ip)
    }

    /// Whether entry `id` has a request in flight.
    #[inline(never)]
    pub fn is_pending(&self, id: u8) -> bool {
        self.entries().any(|e| e.ep.id == id && e.pending != Pending::None)
    }

    /// The lowest id of this mode's range no entry uses.
    #[inline(never)]
    pub fn free_id(&self) -> Option<u8> {
        (FIRST_ID..=LAST_ID).find(|id| self.entries().all(|e| e.ep.id != *id))
    }

    /// An add went to the kernel.
    #[inline(never)]
    pub fn begin_add(&mut self, ep: Endpoint) {
        if let Some(slot) = self.entries.iter_mut().find(|s| s.is_none()) {
            *slot = Some(Entry { ep, pending: Pending::Adding });
        }
    }

    /// A delete went to the kernel.
    pub fn begin_delete(&mut self, id: u8) {
        self.set_pending(id, Pending::Deleting);
    }

    /// A flag change of `e.id` went to the kernel.
    pub fn begin_change(&mut self, e: Endpoint) {
        self.set_pending(e.id, Pending::Changing);
    }

    /// The flag change succeeded: the entry has `e`'s flags.
    #[inline(never)]
    pub fn settle_change(&mut self, e: Endpoint) {
        for entry in self.entries.iter_mut().flatten().filter(|x| x.ep.id == e.id) {
            entry.ep.flags = e.flags;
            entry.pending = Pending::None;
        }
    }

    /// The add of `id` succeeded, or the delete of `id` failed: settled, present.
    #[inline(never)]
    pub fn settle(&mut self, id: u8) {
        self.set_pending(id, Pending::None);
    }

    /// The add of `id` failed, or its delete succeeded: gone.
    #[inline(never)]
    pub fn remove(&mut self, id: u8) {
        for slot in &mut self.entries {
            if slot.is_some_and(|e| e.ep.id == id) {
                *slot = None;
            }
        }
    }

    #[inline(never)]
    fn set_pending(&mut self, id: u8, pending: Pending) {
        for e in self.entries.iter_mut().flatten().filter(|e| e.ep.id == id) {
            e.pending = pending;
        }
    }

    /// Remembers that the kernel refused `ip` on `ifindex`.
    #[inline(never)]
    pub fn refuse(&mut self, ip: IpAddr, ifindex: u32) {
        let slot = self.refused.iter_mut().find(|r| r.is_none());
        match slot {
            Some(s) => *s = Some((ip, ifindex)),
            None => {
                self.refused.copy_within(1.., 0);
                self.refused[MAX_REFUSED - 1] = Some((ip, ifindex));
            }
        }
    }

    /// Whether an add of `ip` on `ifindex` was refused and nothing changed since.
    #[inline(never)]
    pub fn is_refused(&self, ip: IpAddr, ifindex: u32) -> bool {
        self.refused.contains(&Some((ip, ifindex)))
    }

    /// Forgets the refusals of `ip` (it changed) or, with `None`, all of them.
    #[inline(never)]
    pub fn forget_refusals(&mut self, ip: Option<IpAddr>) {
        for r in &mut self.refused {
            if ip.is_none() || r.is_some_and(|(a, _)| Some(a) == ip) {
                *r = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(id: u8, last: u8) -> Endpoint {
        Endpoint { id, ip: IpAddr::from([10, 0, 0, last]), ifindex: 2, flags: 2, port: 0 }
    }

    #[test]
    fn deletes_in_flight_hold_their_slot_but_not_the_plan() {
        let mut m = Model::new();
        let mut table = Table { endpoints: [None; MAX_TABLE], len: 2 };
        table.endpoints[0] = Some(ep(FIRST_ID, 1));
        table.endpoints[1] = Some(ep(1, 2));
        m.load(&table);
        m.begin_delete(FIRST_ID);
        let mut out = [ep(0, 0); MAX_TABLE];
        assert_eq!(m.for_plan(&mut out), 1);
        assert_eq!((m.occupied(), m.holds_ip(IpAddr::from([10, 0, 0, 1]))), (2, true));
        assert_eq!(m.free_id(), Some(FIRST_ID + 1));
        m.remove(FIRST_ID);
        assert_eq!((m.occupied(), m.free_id()), (1, Some(FIRST_ID)));
        m.begin_add(ep(FIRST_ID, 3));
        assert!(m.is_pending(FIRST_ID));
        m.settle(FIRST_ID);
        assert!(!m.is_pending(FIRST_ID));
    }

    #[test]
    fn refusals_are_remembered_until_forgotten() {
        let mut m = Model::new();
        let ip = IpAddr::from([10, 0, 0, 1]);
        for i in 0..20 {
            m.refuse(IpAddr::from([10, 1, 0, i]), 2);
        }
        m.refuse(ip, 2);
        assert!(m.is_refused(ip, 2) && !m.is_refused(ip, 3));
        m.forget_refusals(Some(ip));
        assert!(!m.is_refused(ip, 2));
        m.forget_refusals(None);
        assert!(!m.is_refused(IpAddr::from([10, 1, 0, 19]), 2));
    }
}
