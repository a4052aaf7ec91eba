//! Monitor events as iproute2 7.1 prints them: the text line (`-t`, `-ts`) and the JSON object.

use core::net::IpAddr;

use mptcp_pm_wire::Event;

use crate::os::io::Write;
use crate::print::color::Color;
use crate::print::out::Out;
use crate::print::timefmt::{self, LocalTime};

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
    /// The interface of the event, when it names one (0: none).
    pub ifindex: Option<i32>,
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

/// Prints one event, in text or JSON as `out` says: `now` is the time to stamp it with
/// (when `ts` asks for one), `name` the interface of a non-zero `ifindex`.
pub fn write_event<W: Write, D: core::fmt::Display>(
    out: &mut Out<W>,
    f: &Fields,
    ts: Timestamps,
    now: Option<&LocalTime>,
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
    now: Option<&LocalTime>,
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
            out.colored(c, format_args!("{}", crate::print::addr::Display(a)));
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
    now: Option<&LocalTime>,
    name: Option<impl core::fmt::Display>,
) {
    let Some(j) = &mut out.json else { return };
    let w = &mut out.w;
    j.start_object(w);
    if let Some(t) = now {
        match ts {
            Timestamps::Long => {
                j.string_fmt(w, "timestamp", format_args!("{} usec", timefmt::long(t)))
            }
            Timestamps::Short => {
                j.string_fmt(w, "timestamp_short", format_args!("{}", timefmt::short(t)))
            }
            Timestamps::Off => {}
        }
    }
    match event_name(f.kind) {
        Some(n) => j.string(w, "event", n),
        None => {
            j.string_fmt(w, "event", format_args!("UNKNOWN {}", f.kind));
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
            j.string_fmt(w, key, format_args!("{}", crate::print::addr::Display(a)));
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
