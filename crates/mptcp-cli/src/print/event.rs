//! Monitor events as iproute2 7.1 prints them: the text line (`-t`, `-ts`) and the JSON object.

use core::net::IpAddr;

use mptcp_pm_wire::Event;

use crate::os::io::Write;
use crate::print::addr::Text;
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

/// Lower-case hex digits, by value.
const HEX: &[u8; 16] = b"0123456789abcdef";

/// `v` as C's `%#x` prints it, written into `buf`: `0` for zero, else `0x` and its
/// digits without leading zeros.
#[inline(never)]
pub fn hash_hex(v: u32, buf: &mut [u8; 10]) -> &[u8] {
    if v == 0 {
        return b"0";
    }
    // 1 to 8 digits.
    let digits = (35 - v.leading_zeros() as usize) / 4;
    buf[..2].copy_from_slice(b"0x");
    let mut n = v;
    for d in buf[2..2 + digits].iter_mut().rev() {
        *d = HEX[(n & 15) as usize];
        n >>= 4;
    }
    &buf[..2 + digits]
}

/// `v` as C's `%08x` (and Rust's `{:08x}`) prints it.
#[inline(never)]
pub fn hex8(v: u32) -> [u8; 8] {
    let mut out = [0; 8];
    for (i, d) in out.iter_mut().enumerate() {
        *d = HEX[((v >> (28 - 4 * i)) & 0xf) as usize];
    }
    out
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
pub fn write_event<W: Write, D: crate::print::label::Label>(
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
    name: Option<impl crate::print::label::Label>,
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
    // The line is built in place without `core::fmt` for its numbers, names and
    // addresses, then written with one call: under an event storm the formatting
    // machinery was a fifth of the monitor's CPU time. Interface names and coloured
    // pieces still go through `Display`.
    let mut line = Line::default();
    let Some(n) = event_name(f.kind) else {
        line.push(b"[UNKNOWN ");
        line.dec(f.kind.into());
        line.push(b"]");
        line.push(out.line_end.as_bytes());
        line.flush_into(&mut out.w);
        return;
    };
    line.push(b"[");
    line.push(&b"                "[..16usize.saturating_sub(n.len())]);
    line.push(n.as_bytes());
    line.push(b"]");
    if let Some(t) = f.token {
        line.push(b" token=");
        line.hex8(t);
    }
    line.field(b" remid=", f.rem_id.map(u64::from));
    line.field(b" locid=", f.loc_id.map(u64::from));
    for (key, addr) in [
        (&b" saddr4="[..], &f.saddr4),
        (b" daddr4=", &f.daddr4),
        (b" saddr6=", &f.saddr6),
        (b" daddr6=", &f.daddr6),
    ] {
        let &Some(a) = addr else { continue };
        line.push(key);
        match out.palette {
            None => line.push(Text::of(a).as_str().as_bytes()),
            Some(_) => {
                line.flush_into(&mut out.w);
                let c = if a.is_ipv4() { Color::Inet } else { Color::Inet6 };
                out.colored(c, format_args!("{}", crate::print::addr::Display(a)));
            }
        }
    }
    line.field(b" sport=", f.sport.map(u64::from));
    line.field(b" dport=", f.dport.map(u64::from));
    line.field(b" backup=", f.backup.map(u64::from));
    line.field(b" error=", f.error.map(u64::from));
    line.field(b" timeout=", f.timeout.map(u64::from));
    if let Some(i) = f.ifindex {
        line.push(b" ifindex=");
        if i < 0 {
            line.push(b"-");
        }
        line.dec(u64::from(i.unsigned_abs()));
        if let Some(name) = name.filter(|_| i != 0) {
            line.push(b" dev=");
            line.flush_into(&mut out.w);
            out.colored_bytes(Color::Ifname, &[name.label()]);
        }
    }
    line.field(b" reset_reason=", f.reset_reason.map(u64::from));
    let mut hex = [0; 10];
    if let Some(v) = f.reset_flags {
        line.push(b" reset_flags=");
        line.push(hash_hex(v, &mut hex));
    }
    if f.server_side {
        line.push(b" server_side");
    }
    if f.flags & FLAG_DENY_JOIN_ID0 != 0 {
        line.push(b" deny_join_id0");
    }
    let rest = f.flags & !(FLAG_DENY_JOIN_ID0 | FLAG_SERVER_SIDE);
    if rest != 0 {
        line.push(b" flags=");
        line.push(hash_hex(rest.into(), &mut hex));
    }
    line.push(out.line_end.as_bytes());
    line.flush_into(&mut out.w);
}

/// An event line (or the part of it before a piece that needs `Display`), built in place
/// and written with one call by [`Line::flush_into`]. Every fixed piece of an event
/// together is under 300 bytes (the longest name, a token, both IPv4 addresses and every
/// numeric field at its widest), so the buffer never fills.
struct Line {
    buf: [u8; 384],
    len: usize,
}

impl Default for Line {
    fn default() -> Self {
        Line { buf: [0; 384], len: 0 }
    }
}

impl Line {
    /// Appends a piece. Out of line (one copy of the code, not one per piece), and
    /// without a call to musl's `memcpy` for a piece of up to 16 bytes (slow for short
    /// ones, see `out.rs`): two fixed-size copies, overlapping, cover any length in their
    /// range.
    #[inline(never)]
    fn push(&mut self, bytes: &[u8]) {
        let n = bytes.len();
        let Some(room) = self.buf.get_mut(self.len..self.len + n) else { return };
        if n > 16 {
            room.copy_from_slice(bytes);
        } else if n >= 8 {
            room[..8].copy_from_slice(&bytes[..8]);
            room[n - 8..].copy_from_slice(&bytes[n - 8..]);
        } else if n >= 4 {
            room[..4].copy_from_slice(&bytes[..4]);
            room[n - 4..].copy_from_slice(&bytes[n - 4..]);
        } else if n > 0 {
            room[0] = bytes[0];
            room[n / 2] = bytes[n / 2];
            room[n - 1] = bytes[n - 1];
        }
        self.len += n;
    }

    #[inline(never)]
    fn flush_into<W: Write>(&mut self, w: &mut W) {
        let _ = w.write_all(self.buf.get(..self.len).unwrap_or_default());
        self.len = 0;
    }

    /// `key` then `v` in decimal, when there is a value (out of line: seven callers).
    #[inline(never)]
    fn field(&mut self, key: &[u8], v: Option<u64>) {
        if let Some(v) = v {
            self.push(key);
            self.dec(v);
        }
    }

    /// `v` in decimal (C `%u`), written in place.
    fn dec(&mut self, v: u64) {
        let mut width = 1;
        let mut rest = v / 10;
        while rest != 0 {
            width += 1;
            rest /= 10;
        }
        let Some(room) = self.buf.get_mut(self.len..self.len + width) else { return };
        let mut v = v;
        for d in room.iter_mut().rev() {
            *d = b'0' + (v % 10) as u8;
            v /= 10;
        }
        self.len += width;
    }

    /// `v` as C `%08x`, written in place.
    fn hex8(&mut self, v: u32) {
        self.push(&hex8(v));
    }
}

fn print_json<W: Write>(
    out: &mut Out<W>,
    f: &Fields,
    ts: Timestamps,
    now: Option<&LocalTime>,
    name: Option<impl crate::print::label::Label>,
) {
    let Some(j) = &mut out.json else { return };
    let w = &mut out.w;
    let mut hex = [0; 10];
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
            j.string_fmt(w, "event", format_args!("UNKNOWN {}", u64::from(f.kind)));
            j.end_object(w);
            return;
        }
    }
    if let Some(t) = f.token {
        j.string_bytes(w, "token", hash_hex(t, &mut hex));
    }
    if let Some(v) = f.rem_id {
        j.uint(w, "remid", v as u64);
    }
    if let Some(v) = f.loc_id {
        j.uint(w, "locid", v as u64);
    }
    for (key, addr) in
        [("saddr4", &f.saddr4), ("daddr4", &f.daddr4), ("saddr6", &f.saddr6), ("daddr6", &f.daddr6)]
    {
        if let &Some(a) = addr {
            j.string_fmt(w, key, format_args!("{}", crate::print::addr::Display(a)));
        }
    }
    if let Some(v) = f.sport {
        j.uint(w, "sport", v.into());
    }
    if let Some(v) = f.dport {
        j.uint(w, "dport", v.into());
    }
    if let Some(v) = f.backup {
        j.uint(w, "backup", v.into());
    }
    if let Some(v) = f.error {
        j.uint(w, "error", v.into());
    }
    if let Some(v) = f.timeout {
        j.uint(w, "timeout", v as u64);
    }
    if let Some(i) = f.ifindex {
        j.int(w, "ifindex", i as i64);
        if let Some(name) = name.filter(|_| i != 0) {
            j.string_bytes(w, "dev", name.label());
        }
    }
    if let Some(v) = f.reset_reason {
        j.uint(w, "reset_reason", v as u64);
    }
    if let Some(v) = f.reset_flags {
        j.string_bytes(w, "reset_flags", hash_hex(v, &mut hex));
    }
    if f.server_side {
        j.bool(w, "server_side", true);
    }
    if f.flags & FLAG_DENY_JOIN_ID0 != 0 {
        j.bool(w, "deny_join_id0", true);
    }
    let rest = f.flags & !(FLAG_DENY_JOIN_ID0 | FLAG_SERVER_SIDE);
    if rest != 0 {
        j.string_bytes(w, "flags", hash_hex(rest.into(), &mut hex));
    }
    j.end_object(w);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// C's `%#x`, from `core::fmt`.
    fn c_hex(v: u32) -> String {
        if v == 0 { "0".into() } else { format!("{v:#x}") }
    }

    /// [`hex8`] is `{:08x}`.
    #[test]
    fn eight_hex_digits() {
        for v in [0, 1, 0xf, 0x10, 0xabcdef, 0x0fff_ffff, 0x1000_0000, 0x59ad06a4, u32::MAX] {
            assert_eq!(hex8(v), format!("{v:08x}").as_bytes(), "{v:#x}");
        }
    }

    #[test]
    fn c_alternate_hex() {
        let mut buf = [0; 10];
        assert_eq!(hash_hex(0, &mut buf), b"0");
        assert_eq!(hash_hex(0x59ad06a4, &mut buf), b"0x59ad06a4");
        for v in [1, 9, 0xf, 0x10, 0xff, 0x100, 0xabcdef, 0x0fff_ffff, 0x1000_0000, u32::MAX] {
            assert_eq!(hash_hex(v, &mut buf), c_hex(v).as_bytes(), "{v:#x}");
        }
    }

    /// The text line as `write!` made it before the line was built in place.
    fn reference(f: &Fields, name: Option<&str>) -> String {
        let mut s = format!("[{:>16}]", event_name(f.kind).unwrap());
        let mut put = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                s.push_str(&format!(" {k}={v}"));
            }
        };
        put("token", f.token.map(|t| format!("{t:08x}")));
        put("remid", f.rem_id.map(|v| v.to_string()));
        put("locid", f.loc_id.map(|v| v.to_string()));
        put("saddr4", f.saddr4.map(|a| crate::print::addr::Display(a).to_string()));
        put("daddr4", f.daddr4.map(|a| crate::print::addr::Display(a).to_string()));
        put("saddr6", f.saddr6.map(|a| crate::print::addr::Display(a).to_string()));
        put("daddr6", f.daddr6.map(|a| crate::print::addr::Display(a).to_string()));
        put("sport", f.sport.map(|v| v.to_string()));
        put("dport", f.dport.map(|v| v.to_string()));
        put("backup", f.backup.map(|v| v.to_string()));
        put("error", f.error.map(|v| v.to_string()));
        put("timeout", f.timeout.map(|v| v.to_string()));
        put("ifindex", f.ifindex.map(|v| v.to_string()));
        put("dev", name.filter(|_| f.ifindex.is_some_and(|i| i != 0)).map(String::from));
        put("reset_reason", f.reset_reason.map(|v| v.to_string()));
        put("reset_flags", f.reset_flags.map(c_hex));
        if f.server_side {
            s.push_str(" server_side");
        }
        if f.flags & FLAG_DENY_JOIN_ID0 != 0 {
            s.push_str(" deny_join_id0");
        }
        let rest = f.flags & !(FLAG_DENY_JOIN_ID0 | FLAG_SERVER_SIDE);
        if rest != 0 {
            s.push_str(&format!(" flags={}", c_hex(rest.into())));
        }
        s + "\n"
    }

    #[test]
    fn lines_built_in_place_match_write() {
        use core::net::{Ipv4Addr, Ipv6Addr};
        let v4 = |a: [u8; 4]| Some(IpAddr::V4(Ipv4Addr::from(a)));
        let v6 = |s: &str| Some(IpAddr::V6(s.parse::<Ipv6Addr>().unwrap()));
        let widest = Fields {
            kind: 10,
            token: Some(u32::MAX),
            rem_id: Some(255),
            loc_id: Some(0),
            saddr4: v4([255, 255, 255, 255]),
            daddr4: v4([0, 10, 100, 9]),
            saddr6: v6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
            daddr6: v6("::ffff:1.2.3.4"),
            sport: Some(65535),
            dport: Some(0),
            backup: Some(1),
            error: Some(255),
            timeout: Some(u32::MAX),
            ifindex: Some(i32::MIN),
            reset_reason: Some(u32::MAX),
            reset_flags: Some(u32::MAX),
            server_side: true,
            flags: 0xffff,
        };
        let small = Fields { kind: 1, token: Some(0x1a), ifindex: Some(7), ..Fields::default() };
        let zero = Fields { kind: 16, ifindex: Some(0), flags: 1, ..Fields::default() };
        for (f, name) in [(&widest, Some("eth0")), (&small, Some("veth-name-long1")), (&zero, None)]
        {
            let mut out = Out::with_writer(Vec::new(), false, false, None, false);
            write_event(&mut out, f, Timestamps::Off, None, name);
            assert_eq!(String::from_utf8(out.w).unwrap(), reference(f, name));
        }
        for kind in 0..=20u8 {
            let f = Fields { kind, ..Fields::default() };
            let mut out = Out::with_writer(Vec::new(), false, false, None, false);
            write_event::<_, &str>(&mut out, &f, Timestamps::Off, None, None);
            let want = match event_name(kind) {
                Some(_) => reference(&f, None),
                None => format!("[UNKNOWN {kind}]\n"),
            };
            assert_eq!(String::from_utf8(out.w).unwrap(), want);
        }
    }

    #[test]
    fn names_fit_sixteen_columns() {
        assert_eq!(format!("[{:>16}]", event_name(1).unwrap()), "[         CREATED]");
        assert_eq!(format!("[{:>16}]", event_name(15).unwrap()), "[LISTENER_CREATED]");
        assert_eq!(event_name(4), None);
    }
}
