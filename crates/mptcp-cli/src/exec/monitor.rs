//! `monitor`: prints every MPTCP path-manager event, in text or JSON, as iproute2 7.1 does.

use crate::os::io::Write;
use core::net::IpAddr;
use core::time::Duration;

use crate::os::sys::Instant;

use mptcp_pm_wire::Event;
use nlsock::{EVENT_SLOT, Error, MAX_BATCH, Wait};

use crate::exec::session::{IfLabel, IfNames, Session};
use crate::os::sys;
use crate::prelude::*;
use crate::print::color::Color;
use crate::print::fail::say;
use crate::print::kerr;
use crate::print::out::Out;
use crate::print::timefmt;

/// Event names by type; the text form right-aligns them in 16 columns.
fn event_name(kind: u8) -> Option<&'static str> {
    Some(match kind {
        1 => "CREATED",
        2 => "ESTABLISHED",
        3 => "CLOSED",
        6 => "ANNOUNCED",
        7 => "REMOVED",
        10 => "SF_ESTABLISHED",
        11 => "SF_CLOSED",
        13 => "SF_PRIO",
        15 => "LISTENER_CREATED",
        16 => "LISTENER_CLOSED",
        _ => return None,
    })
}

/// How long the monitor lets events queue when they come less than this apart: under an
/// event storm it wakes once per window instead of once per event (the wake-up, not the
/// printing, is most of a monitor's CPU time), and an event is printed at most this much
/// later than it would be. An event after a quiet spell is printed at once. Measured
/// under a 28,000-events/s listener storm: 1.45 µs of CPU per event with 1 ms, 1.15 µs
/// with 4 ms, 1.11 µs with 10 ms; 4 ms takes most of the gain for little delay.
const COALESCE: Duration = Duration::from_millis(4);

/// The receive buffer the monitor asks for without `-rcvbuf`; the kernel grants twice
/// this (through `SO_RCVBUFFORCE` for root, else capped by `net.core.rmem_max`). It is a
/// limit, not an allocation: the kernel charges only the events actually queued, so it
/// costs nothing while the monitor keeps up, and under a storm it rides out a stall of
/// about a second where ip's 1 MiB (2 MiB granted) lasts a tenth of that.
const DEFAULT_RCVBUF: u32 = 8 << 20;

/// The most batches a stopped monitor still takes from its queue (see `draining`).
const MAX_DRAIN_BATCHES: u32 = 64;

/// Event flag: the peer refuses joins to its initial address and port.
const FLAG_DENY_JOIN_ID0: u16 = 0x1;
/// Event flag: this side is the server.
const FLAG_SERVER_SIDE: u16 = 0x2;

/// The fields of one event in print order, read once from the event view.
#[derive(Debug, Default)]
pub struct Fields {
    kind: u8,
    token: Option<u32>,
    rem_id: Option<u8>,
    loc_id: Option<u8>,
    saddr4: Option<IpAddr>,
    daddr4: Option<IpAddr>,
    saddr6: Option<IpAddr>,
    daddr6: Option<IpAddr>,
    sport: Option<u16>,
    dport: Option<u16>,
    backup: Option<u8>,
    error: Option<u8>,
    timeout: Option<u32>,
    ifindex: Option<i32>,
    reset_reason: Option<u32>,
    reset_flags: Option<u32>,
    server_side: bool,
    flags: u16,
}

impl Fields {
    /// The fields of `ev`.
    pub fn read(ev: &Event<'_>) -> Self {
        let flags = ev.flags().map_or(0, |f| f.bits());
        Fields {
            kind: ev.kind().code(),
            token: ev.token(),
            rem_id: ev.rem_id(),
            loc_id: ev.loc_id(),
            saddr4: ev.saddr4().map(IpAddr::V4),
            daddr4: ev.daddr4().map(IpAddr::V4),
            saddr6: ev.saddr6().map(IpAddr::V6),
            daddr6: ev.daddr6().map(IpAddr::V6),
            sport: ev.sport(),
            dport: ev.dport(),
            backup: ev.backup(),
            error: ev.error(),
            timeout: ev.timeout(),
            ifindex: ev.if_idx(),
            reset_reason: ev.reset_reason(),
            reset_flags: ev.reset_flags(),
            server_side: ev.is_server_side(),
            flags,
        }
    }
}

/// `%#x` as C prints it: `0` for zero, else `0x…`.
struct HashHex(u64);

impl core::fmt::Display for HashHex {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if self.0 == 0 { f.write_str("0") } else { write!(f, "{:#x}", self.0) }
    }
}

/// Runs the monitor until SIGINT or SIGTERM (exit 0). Returns the command status.
pub fn run(s: &mut Session, out: &mut Out, ts: Timestamps, rcvbuf: Option<u32>) -> u8 {
    let joined = match s.events_group {
        Some(g) => s.conn.link().join_group(g),
        None => Err(nlsock::Errno(libc::ENOENT)),
    };
    if let Err(e) = joined {
        say(format_args!("can't subscribe to mptcp events: {e}\n"));
        return 255;
    }
    let rcvbuf = rcvbuf.unwrap_or(DEFAULT_RCVBUF);
    let _ = s.conn.link().set_recv_buffer(rcvbuf);
    // Coalescing lets up to a window's worth of events queue; a buffer cut below the
    // default by `-rcvbuf` might not hold them, so it turns coalescing off.
    let coalesce = rcvbuf >= 1 << 20;
    let closing: &'static [u8] = match &mut out.json {
        Some(j) => {
            j.start_array(&mut out.w);
            j.closing_bytes()
        }
        None => b"",
    };
    sys::install_stop_handlers(closing);
    let mut lost: u64 = 0;
    let mut names = IfNames::default();
    let mut rx = [0u8; EVENT_SLOT * MAX_BATCH];
    // Whether the queue may hold more than the last call took: only after a full batch.
    let mut more = false;
    // Batches still to take after a stop signal that arrived while events were left to
    // queue: those are printed before the monitor ends, as they would have been without
    // coalescing. Bounded, so that a storm cannot keep a stopped monitor alive.
    let mut draining: Option<u32> = None;
    let mut last_wake: Option<Instant> = None;
    loop {
        // Take what is queued; once the queue is empty, flush and block.
        let got = if more {
            s.conn.recv_event_batch(&mut rx, EVENT_SLOT, Wait::No)
        } else {
            Ok(nlsock::Batch::EMPTY)
        };
        let got = match got {
            Ok(b) if b.is_empty() => {
                out.flush();
                if draining.is_some() || sys::stop_requested() {
                    break;
                }
                if coalesce && last_wake.is_some_and(|t| t.elapsed() < COALESCE) {
                    // Events are coming fast: let a window's worth queue up and take
                    // them with one wake-up instead of one each. Not idle: a stop
                    // signal now only sets the flag.
                    sys::sleep(COALESCE);
                    if sys::stop_requested() {
                        draining = Some(MAX_DRAIN_BATCHES);
                    }
                }
                if draining.is_some() {
                    s.conn.recv_event_batch(&mut rx, EVENT_SLOT, Wait::No)
                } else {
                    sys::set_idle(true);
                    if sys::stop_requested() {
                        break;
                    }
                    let got = s.conn.recv_event_batch(&mut rx, EVENT_SLOT, Wait::ForOne);
                    sys::set_idle(false);
                    last_wake = Some(Instant::now());
                    got
                }
            }
            other => other,
        };
        more = matches!(&got, Ok(b) if b.len() == MAX_BATCH);
        match got {
            Ok(batch) => {
                names.clear();
                for datagram in batch.from_kernel(&rx, EVENT_SLOT) {
                    for m in nlwire::Messages::new(datagram) {
                        let Ok(m) = m else { break };
                        if m.kind() != s.family {
                            continue;
                        }
                        let Some(ev) = m.genl().ok().and_then(|g| Event::parse(&g).ok()) else {
                            continue;
                        };
                        let fields = Fields::read(&ev);
                        print_event(out, &fields, ts, s.conn.link(), &mut names);
                    }
                }
                if let Some(j) = &out.json {
                    sys::set_closing(j.closing_bytes());
                }
            }
            Err(Error::EventsLost) => {
                lost += 1;
                out.flush();
                say(format_args!(
                    "Warning: the kernel dropped MPTCP events (receive queue full); \
                     lost-event occurrences so far: {lost}\n"
                ));
            }
            Err(e) => {
                out.flush();
                kerr::print_request_error(&e);
                return 254;
            }
        }
        match &mut draining {
            Some(0) => break,
            Some(left) => *left -= 1,
            None if sys::stop_requested() => break,
            None => {}
        }
    }
    if let Some(j) = &mut out.json {
        j.end_array(&mut out.w);
    }
    out.flush();
    0
}

/// Which timestamp the monitor prints (`-t`, `-ts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timestamps {
    /// None.
    Off,
    /// `-t`: `Timestamp: <asctime> <usec> usec` on its own line.
    Long,
    /// `-ts`: `[YYYY-mm-ddTHH:MM:SS.uuuuuu] ` before the event.
    Short,
}

fn print_event(
    out: &mut Out,
    f: &Fields,
    ts: Timestamps,
    socket: &nlsock::Socket,
    names: &mut IfNames,
) {
    let name = f.ifindex.filter(|&i| i != 0).map(|i| names.get(socket, i as u32));
    let now = (ts != Timestamps::Off).then(sys::now_local);
    write_event::<_, IfLabel>(out, f, ts, now.as_ref(), name);
}

/// Prints one event, in text or JSON as `out` says: `now` is the time to stamp it with
/// (when `ts` asks for one), `name` the interface of a non-zero `ifindex`.
pub fn write_event<W: Write, D: core::fmt::Display>(
    out: &mut Out<W>,
    f: &Fields,
    ts: Timestamps,
    now: Option<&timefmt::LocalTime>,
    name: Option<D>,
) {
    if out.json.is_some() {
        print_json(out, f, ts, now, name);
    } else {
        print_text(out, f, ts, now, name);
    }
}

fn print_text<W: Write>(
    out: &mut Out<W>,
    f: &Fields,
    ts: Timestamps,
    now: Option<&timefmt::LocalTime>,
    name: Option<impl core::fmt::Display>,
) {
    if let Some(t) = now {
        match ts {
            Timestamps::Long => {
                let _ = writeln!(out.w, "Timestamp: {} usec", timefmt::long(t));
            }
            Timestamps::Short => {
                let _ = write!(out.w, "[{}] ", timefmt::short(t));
            }
            Timestamps::Off => {}
        }
    }
    match event_name(f.kind) {
        Some(n) => {
            let _ = write!(out.w, "[{n:>16}]");
        }
        None => {
            let _ = write!(out.w, "[UNKNOWN {}]{}", f.kind, out.line_end);
            return;
        }
    }
    if let Some(t) = f.token {
        let _ = write!(out.w, " token={t:08x}");
    }
    if let Some(v) = f.rem_id {
        let _ = write!(out.w, " remid={v}");
    }
    if let Some(v) = f.loc_id {
        let _ = write!(out.w, " locid={v}");
    }
    for (key, addr) in
        [("saddr4", f.saddr4), ("daddr4", f.daddr4), ("saddr6", f.saddr6), ("daddr6", f.daddr6)]
    {
        if let Some(a) = addr {
            let _ = write!(out.w, " {key}=");
            let c = if a.is_ipv4() { Color::Inet } else { Color::Inet6 };
            out.colored(c, format_args!("{}", crate::args::addr::Display(a)));
        }
    }
    if let Some(v) = f.sport {
        let _ = write!(out.w, " sport={v}");
    }
    if let Some(v) = f.dport {
        let _ = write!(out.w, " dport={v}");
    }
    if let Some(v) = f.backup {
        let _ = write!(out.w, " backup={v}");
    }
    if let Some(v) = f.error {
        let _ = write!(out.w, " error={v}");
    }
    if let Some(v) = f.timeout {
        let _ = write!(out.w, " timeout={v}");
    }
    if let Some(i) = f.ifindex {
        let _ = write!(out.w, " ifindex={i}");
        if let Some(name) = name.filter(|_| i != 0) {
            let _ = write!(out.w, " dev=");
            out.colored(Color::Ifname, format_args!("{name}"));
        }
    }
    if let Some(v) = f.reset_reason {
        let _ = write!(out.w, " reset_reason={v}");
    }
    if let Some(v) = f.reset_flags {
        let _ = write!(out.w, " reset_flags={}", HashHex(v.into()));
    }
    if f.server_side {
        let _ = write!(out.w, " server_side");
    }
    if f.flags & FLAG_DENY_JOIN_ID0 != 0 {
        let _ = write!(out.w, " deny_join_id0");
    }
    let rest = f.flags & !(FLAG_DENY_JOIN_ID0 | FLAG_SERVER_SIDE);
    if rest != 0 {
        let _ = write!(out.w, " flags={}", HashHex(rest.into()));
    }
    let _ = out.w.write_all(out.line_end.as_bytes());
}

fn print_json<W: Write>(
    out: &mut Out<W>,
    f: &Fields,
    ts: Timestamps,
    now: Option<&timefmt::LocalTime>,
    name: Option<impl core::fmt::Display>,
) {
    let Some(j) = &mut out.json else { return };
    let w = &mut out.w;
    j.start_object(w);
    if let Some(t) = now {
        match ts {
            Timestamps::Long => j.string(w, "timestamp", &format!("{} usec", timefmt::long(t))),
            Timestamps::Short => j.string(w, "timestamp_short", &timefmt::short(t)),
            Timestamps::Off => {}
        }
    }
    match event_name(f.kind) {
        Some(n) => j.string(w, "event", n),
        None => {
            j.string(w, "event", &format!("UNKNOWN {}", f.kind));
            j.end_object(w);
            return;
        }
    }
    if let Some(t) = f.token {
        j.string_fmt(w, "token", format_args!("{}", HashHex(t.into())));
    }
    if let Some(v) = f.rem_id {
        j.uint(w, "remid", v as u64);
    }
    if let Some(v) = f.loc_id {
        j.uint(w, "locid", v as u64);
    }
    for (key, addr) in
        [("saddr4", f.saddr4), ("daddr4", f.daddr4), ("saddr6", f.saddr6), ("daddr6", f.daddr6)]
    {
        if let Some(a) = addr {
            j.string_fmt(w, key, format_args!("{}", crate::args::addr::Display(a)));
        }
    }
    for (key, v) in [("sport", f.sport), ("dport", f.dport)] {
        if let Some(v) = v {
            j.uint(w, key, v as u64);
        }
    }
    for (key, v) in [("backup", f.backup), ("error", f.error)] {
        if let Some(v) = v {
            j.uint(w, key, v as u64);
        }
    }
    if let Some(v) = f.timeout {
        j.uint(w, "timeout", v as u64);
    }
    if let Some(i) = f.ifindex {
        j.int(w, "ifindex", i as i64);
        if let Some(name) = name.filter(|_| i != 0) {
            j.string_fmt(w, "dev", format_args!("{name}"));
        }
    }
    if let Some(v) = f.reset_reason {
        j.uint(w, "reset_reason", v as u64);
    }
    if let Some(v) = f.reset_flags {
        j.string_fmt(w, "reset_flags", format_args!("{}", HashHex(v.into())));
    }
    if f.server_side {
        j.bool(w, "server_side", true);
    }
    if f.flags & FLAG_DENY_JOIN_ID0 != 0 {
        j.bool(w, "deny_join_id0", true);
    }
    let rest = f.flags & !(FLAG_DENY_JOIN_ID0 | FLAG_SERVER_SIDE);
    if rest != 0 {
        j.string_fmt(w, "flags", format_args!("{}", HashHex(rest.into())));
    }
    j.end_object(w);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_alternate_hex() {
        assert_eq!(HashHex(0).to_string(), "0");
        assert_eq!(HashHex(0x59ad06a4).to_string(), "0x59ad06a4");
    }

    #[test]
    fn names_fit_sixteen_columns() {
        assert_eq!(format!("[{:>16}]", event_name(1).unwrap()), "[         CREATED]");
        assert_eq!(format!("[{:>16}]", event_name(15).unwrap()), "[LISTENER_CREATED]");
        assert_eq!(event_name(4), None);
    }
}
