//! [`Model`]: what the kernel's endpoint table holds, as far as this process knows, and
//! the adds the kernel refused. Requests are answered where they are sent, so nothing
//! is ever in flight between two looks at the model.

use core::net::IpAddr;

use mptcp_follow::{Endpoint, FIRST_ID, LAST_ID};

use super::request::{MAX_TABLE, Table};

/// Refused adds remembered, so a refusal is not retried in a loop.
const MAX_REFUSED: usize = 16;

/// The table as this process believes it is.
#[derive(Debug, Clone)]
pub struct Model {
    entries: [Option<Endpoint>; MAX_TABLE],
    refused: [Option<(IpAddr, u32)>; MAX_REFUSED],
    /// A dump of the table is wanted (at start, after lost events or a surprise).
    pub want_dump: bool,
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
            known: false,
        }
    }

    /// Takes a dump's table. When it differs from what this process believed, the
    /// refusals are forgotten: the table changed under them, so the adds may now
    /// succeed. When it does not, they stay, so a refusal that a dump cannot explain is
    /// not retried in a loop.
    pub fn load(&mut self, table: &Table) {
        let mut fresh = [None; MAX_TABLE];
        for (slot, e) in fresh.iter_mut().zip(table.endpoints.iter().flatten()) {
            *slot = Some(*e);
        }
        let same = self.entries().count() == fresh.iter().flatten().count()
            && fresh.iter().flatten().all(|f| self.entries().any(|e| e == f));
        if !same {
            self.forget_refusals(None);
        }
        self.entries = fresh;
        self.known = true;
    }

    /// The table copied into `out`, for the plan: the part of `out` it fills.
    #[inline(never)]
    pub fn for_plan<'o>(&self, out: &'o mut [Endpoint; MAX_TABLE]) -> &'o [Endpoint] {
        let mut n = 0;
        for (slot, e) in out.iter_mut().zip(self.entries()) {
            *slot = *e;
            n += 1;
        }
        out.get(..n).unwrap_or_default()
    }

    /// Every endpoint.
    pub fn entries(&self) -> impl Iterator<Item = &Endpoint> {
        self.entries.iter().flatten()
    }

    /// Slots of the kernel's table in use.
    #[inline(never)]
    pub fn occupied(&self) -> usize {
        self.entries().count()
    }

    /// Whether an endpoint holds address `ip`: the kernel refuses a second endpoint of
    /// the same address, so its add waits until the old one is gone.
    #[inline(never)]
    pub fn holds_ip(&self, ip: IpAddr) -> bool {
        self.entries().any(|e| e.ip == ip)
    }

    /// The lowest id of this mode's range no endpoint uses.
    #[inline(never)]
    pub fn free_id(&self) -> Option<u8> {
        (FIRST_ID..=LAST_ID).find(|id| self.entries().all(|e| e.id != *id))
    }

    /// The kernel added `ep`.
    #[inline(never)]
    pub fn added(&mut self, ep: Endpoint) {
        if let Some(slot) = self.entries.iter_mut().find(|s| s.is_none()) {
            *slot = Some(ep);
        }
    }

    /// The kernel changed the flags of `e.id` to `e`'s.
    #[inline(never)]
    pub fn changed(&mut self, e: Endpoint) {
        for entry in self.entries.iter_mut().flatten().filter(|x| x.id == e.id) {
            entry.flags = e.flags;
        }
    }

    /// Endpoint `id` is gone.
    #[inline(never)]
    pub fn remove(&mut self, id: u8) {
        for slot in &mut self.entries {
            if slot.is_some_and(|e| e.id == id) {
                *slot = None;
            }
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
    fn the_table_follows_what_the_kernel_did() {
        let mut m = Model::new();
        let mut table = Table { endpoints: [None; MAX_TABLE], len: 2 };
        table.endpoints[0] = Some(ep(FIRST_ID, 1));
        table.endpoints[1] = Some(ep(1, 2));
        m.load(&table);
        let mut out = [ep(0, 0); MAX_TABLE];
        assert_eq!(m.for_plan(&mut out).len(), 2);
        assert_eq!((m.occupied(), m.holds_ip(IpAddr::from([10, 0, 0, 1]))), (2, true));
        assert_eq!(m.free_id(), Some(FIRST_ID + 1));
        m.remove(FIRST_ID);
        assert_eq!((m.occupied(), m.free_id()), (1, Some(FIRST_ID)));
        m.added(ep(FIRST_ID, 3));
        m.changed(Endpoint { flags: 6, ..ep(FIRST_ID, 9) });
        assert_eq!(
            m.entries().find(|e| e.id == FIRST_ID),
            Some(&Endpoint { flags: 6, ..ep(FIRST_ID, 3) })
        );
        assert_eq!(m.free_id(), Some(FIRST_ID + 1));
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
