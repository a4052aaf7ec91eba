//! `connection show` (plain `mptcp` only): every MPTCP connection in the namespace with
//! its subflows, joined by token from two socket-diag dumps, without the heap.
//!
//! How the join works in fixed memory: the MPTCP dump (socket A) is read into a batch of
//! at most [`BATCH`] connections whose expected subflows (`mptcpi_subflows_total`) fit
//! [`SUBFLOWS`]; the MPTCP dump then waits while one TCP dump per family (socket B) puts
//! the subflows of that batch's tokens into the subflow table; the batch is printed,
//! connection by connection with its subflows in dump order, and the MPTCP dump goes
//! on. A thousand connections of two subflows take one batch: two MPTCP dumps and two
//! TCP dumps, as `ss -tiM`. A subflow that did not fit (it joined between the dumps and
//! overflowed the table) is counted under its connection, never dropped silently.
//! Listeners come from a dump of their own, first (the first `LISTENERS` are kept to
//! tell a connection's side when its initial subflow is gone), and are printed after
//! the connections: from the table, or from a second dump when there were more.

use core::net::SocketAddr;

use mptcp_diag::{Connection, Subflow};
use nlsock::{Conn, Socket};
use nlwire::Message;

use crate::command::diag::ConnectionFilter;
use crate::exec::session::IfNames;
use crate::os::sys::Lock;
use crate::print::connection::{self, Row, SubflowRow};
use crate::print::fail::say;
use crate::print::kerr;
use crate::print::out::Out;

/// Connections printed per batch (one TCP dump per family per batch).
pub const BATCH: usize = 1024;
/// Subflows one batch holds.
pub const SUBFLOWS: usize = 2048;
/// Listeners kept to tell a connection's side when its initial subflow is gone.
const LISTENERS: usize = 64;

/// The batch tables, in zeroed static memory: only the pages a batch reaches are touched.
struct Tables {
    conns: [Row; BATCH],
    /// Subflows not shown per connection (the table was full).
    missed: [u32; BATCH],
    /// (token, index into `conns`), sorted by token.
    tokens: [(u32, u16); BATCH],
    /// The subflows, in arrival order; the one past [`SUBFLOWS`] is where a subflow is
    /// read when the others are taken (to count it under its connection).
    subs: [SubflowRow; SUBFLOWS + 1],
    /// Per connection, its first and last subflow in `subs` ([`NONE`]: none).
    chain: [(u16, u16); BATCH],
    /// Per subflow, the next one of its connection ([`NONE`]: the last).
    next: [u16; SUBFLOWS],
}

/// No subflow (an index `subs` never reaches: [`SUBFLOWS`] fits below it).
const NONE: u16 = u16::MAX;

static TABLES: Lock<Tables> = Lock::new(Tables {
    conns: [Row::EMPTY; BATCH],
    missed: [0; BATCH],
    tokens: [(0, 0); BATCH],
    subs: [SubflowRow::EMPTY; SUBFLOWS + 1],
    // Zeros, so that the tables stay in .bss: `flush` sets what it reads.
    chain: [(0, 0); BATCH],
    next: [0; SUBFLOWS],
});

/// The receive buffers of the two sockets (the MPTCP dump waits in A while B dumps).
static RX_A: Lock<[u8; nlsock::RECV_BUF]> = Lock::new([0; nlsock::RECV_BUF]);
static RX_B: Lock<[u8; nlsock::RECV_BUF]> = Lock::new([0; nlsock::RECV_BUF]);

const FAMILIES: [u8; 2] = [libc::AF_INET as u8, libc::AF_INET6 as u8];

fn open() -> Option<Conn<Socket>> {
    match Socket::open(nlwire::consts::NETLINK_SOCK_DIAG) {
        Ok(s) => Some(Conn::new(s, 0)),
        Err(e) => {
            say(format_args!("Cannot open sock_diag netlink socket: {e}\n"));
            None
        }
    }
}

fn wanted(f: &ConnectionFilter, r: &Row) -> bool {
    let token_ok = f.token.is_none_or(|t| r.token() == Some(t) && !r.listening);
    token_ok && (addr_ok(f, &r.local) || (!r.listening && addr_ok(f, &r.remote)))
}

/// Whether the filter's address, if any, is `end`'s (one out-of-line address compare
/// for the connections' two ends and the listeners).
#[inline(never)]
fn addr_ok(f: &ConnectionFilter, end: &SocketAddr) -> bool {
    f.addr.is_none_or(|want| want == end.ip())
}

/// Prints the listeners and every connection with its subflows.
pub fn show(out: &mut Out, f: &ConnectionFilter) -> u8 {
    let (Some(mut a), Some(mut b)) = (open(), open()) else { return 1 };
    let (Some(mut rx_a), Some(mut rx_b), Some(mut t)) =
        (RX_A.try_lock(), RX_B.try_lock(), TABLES.try_lock())
    else {
        say(format_args!("mptcp: connection show is already running in this process\n"));
        return 1;
    };
    let t = &mut *t;
    // Listeners first, from their own dump; a few are kept to tell the side.
    let mut kept = [Row::EMPTY.local; LISTENERS];
    let mut listeners = 0;
    let r = each_listener(&mut a, &mut rx_a[..], &mut |local| {
        if listeners < LISTENERS {
            kept[listeners] = local;
        }
        listeners += 1;
    });
    if let Err(e) = r {
        kerr::print_dump_error(&e);
        return kerr::KERNEL;
    }
    let all_kept = listeners <= LISTENERS;
    let listeners = &kept[..listeners.min(LISTENERS)];
    out.open_array();
    let mut names = IfNames::default();
    let mut n = 0;
    let mut expected = 0;
    for family in FAMILIES {
        let mut buf = [0u8; mptcp_diag::REQUEST_LEN];
        let Ok(req) =
            mptcp_diag::build_dump_states(&mut buf, family, mptcp_diag::CONNECTION_STATES, 0)
        else {
            return 1;
        };
        let r = each_message(&mut a, req, &mut rx_a[..], &mut |m| {
            let Ok(c) = Connection::parse(m) else { return Ok(()) };
            let r = Row::of(&c);
            if r.listening || !wanted(f, &r) {
                return Ok(());
            }
            let subs = r.info().and_then(|i| i.subflow_count()).map_or(1, usize::from);
            if n == BATCH || (n > 0 && expected + subs > SUBFLOWS) {
                flush(out, &mut b, &mut rx_b[..], t, n, listeners, &mut names)?;
                (n, expected) = (0, 0);
            }
            if let Some(slot) = t.conns.get_mut(n) {
                *slot = r;
            }
            n += 1;
            expected += subs;
            Ok(())
        });
        if let Err(e) = r {
            return fail(out, &e);
        }
    }
    if n > 0
        && let Err(e) = flush(out, &mut b, &mut rx_b[..], t, n, listeners, &mut names)
    {
        return fail(out, &e);
    }
    if f.token.is_none() {
        if all_kept {
            for l in listeners.iter().filter(|l| addr_ok(f, l)) {
                connection::listener(out, *l);
            }
        } else {
            let r = each_listener(&mut a, &mut rx_a[..], &mut |local| {
                if addr_ok(f, &local) {
                    connection::listener(out, local);
                }
            });
            if let Err(e) = r {
                return fail(out, &e);
            }
        }
    }
    out.close_array();
    0
}

/// Dumps the listeners of both families and hands `each` their local ends (one
/// non-generic loop for the two dumps of [`show`]).
fn each_listener(
    a: &mut Conn<Socket>,
    rx: &mut [u8],
    each: &mut dyn FnMut(SocketAddr),
) -> Result<(), nlsock::Error> {
    for family in FAMILIES {
        let mut buf = [0u8; mptcp_diag::REQUEST_LEN];
        let states = mptcp_diag::LISTEN_STATES;
        let req = mptcp_diag::build_dump_states(&mut buf, family, states, 0)
            .map_err(nlsock::Error::Malformed)?;
        each_message(a, req, rx, &mut |m| {
            if let Ok(c) = Connection::parse(m) {
                each(c.local());
            }
            Ok(())
        })?;
    }
    Ok(())
}

/// Runs one dump of `req` on `conn`, handing `each` every message; stops at the first
/// error, the dump's or `each`'s (the rest of the dump is drained). One non-generic
/// loop for the three dumps of [`show`].
#[inline(never)]
fn each_message(
    conn: &mut Conn<Socket>,
    req: &mut [u8],
    rx: &mut [u8],
    each: &mut dyn FnMut(&Message<'_>) -> Result<(), nlsock::Error>,
) -> Result<(), nlsock::Error> {
    let mut dump = conn.start_dump(req, rx)?;
    while let Some(m) = dump.next_message() {
        each(&m?)?;
    }
    Ok(())
}

fn fail(out: &mut Out, e: &nlsock::Error) -> u8 {
    out.close_array();
    kerr::print_dump_error(e);
    kerr::KERNEL
}

/// Finds the subflows of the batch's `n` connections with one TCP dump per family,
/// then prints the batch.
fn flush(
    out: &mut Out,
    b: &mut Conn<Socket>,
    rx: &mut [u8],
    t: &mut Tables,
    n: usize,
    listeners: &[SocketAddr],
    names: &mut IfNames,
) -> Result<(), nlsock::Error> {
    // At most a batch (which `show` keeps to): the indexing below is then plainly in
    // bounds, with no panic site.
    let n = n.min(BATCH);
    for (i, r) in t.conns[..n].iter().enumerate() {
        t.tokens[i] = (r.token().unwrap_or(0), i as u16);
        t.missed[i] = 0;
        t.chain[i] = (NONE, NONE);
    }
    let tokens = &mut t.tokens[..n];
    heapsort(tokens);
    let mut kept = 0;
    for family in FAMILIES {
        let mut buf = [0u8; mptcp_diag::REQUEST_LEN];
        let req = mptcp_diag::build_subflow_dump(&mut buf, family, 0)
            .map_err(nlsock::Error::Malformed)?;
        let r = each_message(b, req, rx, &mut |m| {
            // Read where it would be kept (its `token_loc` is the subflow's token): no
            // copy of the row.
            let Ok(s) = Subflow::parse(m) else { return Ok(()) };
            let Some(row) = t.subs.get_mut(kept) else { return Ok(()) };
            if !row.read(&s) {
                return Ok(());
            }
            let Some(token) = row.mptcp.token_loc else { return Ok(()) };
            let Ok(at) = tokens.binary_search_by_key(&token, |&(tk, _)| tk) else {
                return Ok(());
            };
            let Some(&(_, owner)) = tokens.get(at) else { return Ok(()) };
            let owner = usize::from(owner);
            if kept == SUBFLOWS {
                if let Some(missed) = t.missed.get_mut(owner) {
                    *missed += 1;
                }
                return Ok(());
            }
            // Appended to its connection's chain: dump order within a connection.
            let k = kept as u16;
            let (Some(chain), Some(next)) = (t.chain.get_mut(owner), t.next.get_mut(kept)) else {
                return Ok(());
            };
            *next = NONE;
            match chain.1 {
                NONE => *chain = (k, k),
                last => {
                    if let Some(next) = t.next.get_mut(usize::from(last)) {
                        *next = k;
                    }
                    chain.1 = k;
                }
            }
            kept += 1;
            Ok(())
        });
        match r {
            // No TCP socket diagnostics (`tcp_diag` not built or not loaded, and no
            // module loader): the connections are still worth printing.
            Err(nlsock::Error::Kernel(k)) if k.errno().0 == libc::ENOENT => {
                say(format_args!(
                    "mptcp: no subflows: the kernel has no TCP socket diagnostics \
                     (modprobe tcp_diag)\n"
                ));
                break;
            }
            r => {
                r?;
            }
        }
    }
    for (i, r) in t.conns[..n].iter().enumerate() {
        // The connection's subflows, in dump order, along its chain.
        let (subs, next) = (&t.subs, &t.next);
        let mut at = t.chain[i].0;
        let mine = core::iter::from_fn(move || {
            let s = subs.get(usize::from(at))?;
            at = next.get(usize::from(at)).copied().unwrap_or(NONE);
            Some(s)
        });
        connection::connection(out, r, server_side(r, mine.clone(), listeners));
        for s in mine {
            if s.ifindex != 0 {
                let label = names.get(b.link(), s.ifindex);
                connection::subflow(out, s, Some(&label));
            } else {
                connection::subflow(out, s, None);
            }
        }
        connection::end_connection(out, t.missed[i]);
    }
    Ok(())
}

/// The server side: the initial subflow did not ask for MP_CAPABLE; without an initial
/// subflow, a listener on the connection's local port (and address) tells.
fn server_side<'a>(
    r: &Row,
    mut subs: impl Iterator<Item = &'a SubflowRow>,
    listeners: &[SocketAddr],
) -> bool {
    if let Some(s) = subs.find(|s| s.is_initial()) {
        return !s.asked_mp_capable();
    }
    listeners
        .iter()
        .any(|l| l.port() == r.local.port() && (l.ip().is_unspecified() || l.ip() == r.local.ip()))
}

/// Sorts `v` ascending: a heapsort (O(n log n), no recursion, a few hundred bytes of
/// code, where `sort_unstable` brings core's 9 KB quicksort). The pairs are distinct
/// (the index is), so the order is the one `sort_unstable` gives.
fn heapsort(v: &mut [(u32, u16)]) {
    /// Moves `v[root]` down to its place in the heap `v` (reads and writes by `get`:
    /// no panic site).
    fn sift(v: &mut [(u32, u16)], mut root: usize) {
        loop {
            let mut child = 2 * root + 1;
            match (v.get(child), v.get(child + 1)) {
                (None, _) => return,
                (Some(a), Some(b)) if a < b => child += 1,
                _ => {}
            }
            let (Some(&top), Some(&below)) = (v.get(root), v.get(child)) else { return };
            if top >= below {
                return;
            }
            if let Some(slot) = v.get_mut(root) {
                *slot = below;
            }
            if let Some(slot) = v.get_mut(child) {
                *slot = top;
            }
            root = child;
        }
    }
    for root in (0..v.len() / 2).rev() {
        sift(v, root);
    }
    for end in (1..v.len()).rev() {
        // The top goes to `end`; the heap shrinks to what is before it.
        let Some((last, heap)) = v.get_mut(..=end).and_then(|v| v.split_last_mut()) else {
            return;
        };
        if let Some(top) = heap.first_mut() {
            core::mem::swap(top, last);
        }
        sift(heap, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::heapsort;
    use crate::prelude::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn heapsort_sorts_as_sort_unstable(tokens in proptest::collection::vec(0u32..8, 0..300)) {
            // Distinct pairs, as flush makes them: (token, index).
            let mut v: Vec<(u32, u16)> =
                tokens.iter().enumerate().map(|(i, &t)| (t, i as u16)).collect();
            let mut want = v.clone();
            want.sort_unstable();
            heapsort(&mut v);
            prop_assert_eq!(v, want);
        }
    }
}
