//! Fuzz the monitor's printers, fed either by the library's event builder from
//! arbitrary field values (any event type, any attribute present or not, any
//! timestamp, any interface name) or by arbitrary datagram bytes, in text, `-j` and
//! `-j -p`. Input: one byte of settings, then the values or the bytes.
//!
//! Checked: every JSON document is strict JSON laid out as iproute2 lays it out, the
//! same document with and without `-p`, one object per event, each holding exactly the
//! values of its event; every text event is one line.
#![no_main]

use std::net::IpAddr;

use mptcp_cli::print::event::{self, Fields, Timestamps};
use mptcp_cli::print::out::Out;
use mptcp_cli::print::timefmt::{self, LocalTime};
use mptcp_pm_wire::{Event, EventAttrs, EventFlags, EventKind, build_event};
use mptcp_stack_fuzz::json::Json;
use mptcp_stack_fuzz::{
    Cursor, Mode, assert_no_replacement, hash_hex, holds, ip_of, json_both_bytes, keys, latin1,
    out, str_of, uint_of,
};

const FAMILY: u16 = 0x1b;

/// Event names by type, as the monitor prints them.
const NAMES: [(u8, &str); 10] = [
    (1, "CREATED"),
    (2, "ESTABLISHED"),
    (3, "CLOSED"),
    (6, "ANNOUNCED"),
    (7, "REMOVED"),
    (10, "SF_ESTABLISHED"),
    (11, "SF_CLOSED"),
    (13, "SF_PRIO"),
    (15, "LISTENER_CREATED"),
    (16, "LISTENER_CLOSED"),
];

/// One event to print: its fields, its interface label, and the values it was built
/// from (`None` for events read from arbitrary bytes: then the view is the truth).
struct Printed {
    kind: u8,
    attrs: EventAttrs,
    fields: Fields,
    name: Option<Vec<u8>>,
}

fn print_all(out: &mut Out<Vec<u8>>, events: &[Printed], ts: Timestamps, now: &LocalTime) {
    if let Some(j) = &mut out.json {
        j.start_array(&mut out.w);
    }
    for e in events {
        let now = (ts != Timestamps::Off).then_some(now);
        event::write_event(out, &e.fields, ts, now, e.name.as_deref());
    }
    if let Some(j) = &mut out.json {
        j.end_array(&mut out.w);
    }
}

fn check_object(o: &Json, e: &Printed, ts: Timestamps, now: &LocalTime) {
    let a = &e.attrs;
    let mut want = Vec::new();
    match ts {
        Timestamps::Long => {
            want.push("timestamp");
            assert_eq!(
                str_of(o, "timestamp"),
                Some(format!("{} usec", timefmt::long(now)).as_str())
            );
        }
        Timestamps::Short => {
            want.push("timestamp_short");
            assert_eq!(
                str_of(o, "timestamp_short"),
                Some(timefmt::short(now).to_string().as_str())
            );
        }
        Timestamps::Off => {}
    }
    want.push("event");
    let event = str_of(o, "event").expect("event");
    let Some(&(_, name)) = NAMES.iter().find(|(k, _)| *k == e.kind) else {
        assert_eq!(event, format!("UNKNOWN {}", e.kind));
        assert_eq!(keys(o), want);
        return;
    };
    assert_eq!(event, name);
    let mut opt = |key: &'static str, present: bool| {
        if present {
            want.push(key);
        }
    };
    assert_eq!(str_of(o, "token").map(hash_hex), a.token.map(u64::from));
    opt("token", a.token.is_some());
    assert_eq!(uint_of(o, "remid"), a.rem_id.map(u64::from));
    opt("remid", a.rem_id.is_some());
    assert_eq!(uint_of(o, "locid"), a.loc_id.map(u64::from));
    opt("locid", a.loc_id.is_some());
    let addrs = [
        ("saddr4", a.saddr4.map(IpAddr::V4)),
        ("daddr4", a.daddr4.map(IpAddr::V4)),
        ("saddr6", a.saddr6.map(IpAddr::V6)),
        ("daddr6", a.daddr6.map(IpAddr::V6)),
    ];
    for (key, addr) in addrs {
        assert_eq!(str_of(o, key).map(ip_of), addr, "{key}");
        opt(key, addr.is_some());
    }
    for (key, v) in [("sport", a.sport), ("dport", a.dport)] {
        assert_eq!(uint_of(o, key), v.map(u64::from), "{key}");
        opt(key, v.is_some());
    }
    for (key, v) in [("backup", a.backup), ("error", a.error)] {
        assert_eq!(uint_of(o, key), v.map(u64::from), "{key}");
        opt(key, v.is_some());
    }
    assert_eq!(uint_of(o, "timeout"), a.timeout.map(u64::from));
    opt("timeout", a.timeout.is_some());
    let ifindex = o.get("ifindex").map(|v| v.as_i64().expect("ifindex is an integer"));
    assert_eq!(ifindex, a.if_idx.map(i64::from));
    opt("ifindex", a.if_idx.is_some());
    assert_eq!(str_of(o, "dev").map(str::to_owned), e.name.as_deref().map(latin1));
    opt("dev", e.name.is_some());
    assert_eq!(uint_of(o, "reset_reason"), a.reset_reason.map(u64::from));
    opt("reset_reason", a.reset_reason.is_some());
    assert_eq!(str_of(o, "reset_flags").map(hash_hex), a.reset_flags.map(u64::from));
    opt("reset_flags", a.reset_flags.is_some());
    let flags = a.flags.map_or(0, |f| f.bits());
    let server =
        flags & EventFlags::SERVER_SIDE.bits() != 0 || a.server_side.is_some_and(|v| v != 0);
    assert_eq!(o.get("server_side"), server.then_some(&Json::Bool(true)));
    opt("server_side", server);
    let deny = flags & 1 != 0;
    assert_eq!(o.get("deny_join_id0"), deny.then_some(&Json::Bool(true)));
    opt("deny_join_id0", deny);
    let rest = flags & !(1 | EventFlags::SERVER_SIDE.bits());
    assert_eq!(str_of(o, "flags").map(hash_hex), Some(u64::from(rest)).filter(|&r| r != 0));
    opt("flags", rest != 0);
    assert_eq!(keys(o), want);
}

fn attrs_from(c: &mut Cursor) -> EventAttrs {
    let present = c.u32();
    let on = |bit: u32| present & (1 << bit) != 0;
    let mut a = EventAttrs::default();
    let v = |bit: u32, c: &mut Cursor| on(bit).then(|| c.u32());
    a.token = v(0, c);
    a.family = v(1, c).map(|x| x as u16);
    a.loc_id = v(2, c).map(|x| x as u8);
    a.rem_id = v(3, c).map(|x| x as u8);
    a.saddr4 = on(4).then(|| c.array::<4>().into());
    a.saddr6 = on(5).then(|| c.array::<16>().into());
    a.daddr4 = on(6).then(|| c.array::<4>().into());
    a.daddr6 = on(7).then(|| c.array::<16>().into());
    a.sport = v(8, c).map(|x| x as u16);
    a.dport = v(9, c).map(|x| x as u16);
    a.backup = v(10, c).map(|x| x as u8);
    a.error = v(11, c).map(|x| x as u8);
    a.flags = v(12, c).map(|x| EventFlags::from_bits_retain(x as u16));
    a.timeout = v(13, c);
    a.if_idx = v(14, c).map(|x| x as i32);
    a.reset_reason = v(15, c);
    a.reset_flags = v(16, c);
    a.server_side = v(17, c).map(|x| x as u8);
    a
}

/// The interface label printed for a non-zero index: the chosen name, or `if<N>` as
/// `IfNames` gives when the kernel has no name (or an empty one).
fn label(ifindex: Option<i32>, name: &[u8]) -> Option<Vec<u8>> {
    ifindex.filter(|&i| i != 0).map(|i| {
        if name.is_empty() { format!("if{}", i as u32).into_bytes() } else { name.to_vec() }
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut c = Cursor::new(data);
    let settings = c.u8();
    let mode = Mode::from_bits(settings);
    let ts = match (settings >> 2) & 3 {
        0 | 3 => Timestamps::Off,
        1 => Timestamps::Long,
        _ => Timestamps::Short,
    };
    let now = if ts == Timestamps::Off {
        LocalTime {
            year: 2026,
            month: 11,
            day: 30,
            weekday: 1,
            hour: 9,
            minute: 0,
            second: 0,
            usec: 0,
        }
    } else {
        LocalTime {
            year: c.u32() as i32,
            month: c.u32(),
            day: c.u32(),
            weekday: c.u32(),
            hour: c.u32(),
            minute: c.u32(),
            second: c.u32(),
            usec: c.u32(),
        }
    };
    let mut events = Vec::new();
    let mut buf = [0u8; mptcp_pm_wire::MAX_EVENT_LEN];
    if settings & 16 == 0 {
        for _ in 0..1 + c.u8() % 3 {
            let kind = c.u8();
            let attrs = attrs_from(&mut c);
            let name = c.name(16);
            let bytes =
                build_event(&mut buf, FAMILY, EventKind::from_u8(kind), &attrs).expect("fits");
            let genl = nlwire::Message::parse(bytes).and_then(|m| m.genl()).expect("genl");
            let ev = Event::parse(&genl).expect("a built event parses");
            assert_eq!((ev.kind().code(), *ev.fields()), (kind, attrs));
            let fields = Fields::read(&ev);
            let name = label(attrs.if_idx, &name);
            events.push(Printed { kind, attrs, fields, name });
        }
    } else {
        for m in nlwire::Messages::new(c.rest()) {
            let Ok(m) = m else { break };
            let Some(ev) = m.genl().ok().and_then(|g| Event::parse(&g).ok()) else { continue };
            let fields = Fields::read(&ev);
            let name = label(ev.if_idx(), b"");
            events.push(Printed { kind: ev.kind().code(), attrs: *ev.fields(), fields, name });
        }
    }
    match mode {
        Mode::Json | Mode::Pretty => {
            let doc = json_both_bytes(|o| print_all(o, &events, ts, &now));
            let list = doc.as_array().expect("an array");
            assert_eq!(list.len(), events.len());
            for (o, e) in list.iter().zip(&events) {
                check_object(o, e, ts, &now);
            }
        }
        Mode::Text | Mode::TextColorOneline => {
            let mut o = out(mode);
            print_all(&mut o, &events, ts, &now);
            // Kernel interface names hold no newline; the chosen ones may.
            let newline =
                events.iter().any(|e| e.name.as_ref().is_some_and(|n| n.contains(&b'\n')));
            // Each name of a known event is printed as its bytes, none replaced (an
            // unknown event is one `[UNKNOWN N]` line).
            let known = |e: &&Printed| NAMES.iter().any(|(k, _)| *k == e.kind);
            for name in events.iter().filter(known).filter_map(|e| e.name.as_deref()) {
                assert!(holds(&o.w, name), "name {name:?} not printed as it is");
            }
            assert_no_replacement(data, &o.w);
            if mode == Mode::Text && !newline {
                let text = String::from_utf8_lossy(&o.w);
                let lines = text.split_terminator('\n').filter(|l| !l.starts_with("Timestamp: "));
                assert_eq!(lines.count(), events.len(), "{text:?}");
            }
        }
    }
});
