//! Fuzz the printers of `endpoint show` and `limits show`, fed either by the library's
//! builders from arbitrary field values or by arbitrary reply bytes, in text, `-j` and
//! `-j -p`. Input: one byte of settings, then the values or the bytes.
//!
//! Checked: every JSON document is strict JSON laid out as iproute2 lays it out, the
//! same document with and without `-p`, and holds exactly the values printed (address,
//! port, id, flags, unknown flags, interface name with any bytes: read through a
//! Latin-1 view, so a name that is not UTF-8 is compared byte for byte); the text of an
//! endpoint that `endpoint add` could have made, fed back to `endpoint add`, gives the
//! same endpoint (its interface found by the name's bytes), and the text of limits fed
//! to `limits set` the same limits. No output holds U+FFFD unless the input did.
#![no_main]

use mptcp_cli::command::pm;
use mptcp_cli::command::{self, Command};
use mptcp_cli::print::addr::Host;
use mptcp_cli::print::endpoint;
use mptcp_cli::print::endpoint::FLAG_WORDS;
use mptcp_cli::print::fail;
use mptcp_cli::print::limits;
use mptcp_cli::print::out::Out;
use mptcp_pm_wire::{Endpoint, EndpointAddr, EndpointFlags, Limits, Request};
use mptcp_stack_fuzz::json::Json;
use mptcp_stack_fuzz::{
    Cursor, FakeInterfaces, Mode, assert_no_replacement, flag_of, holds, ip_of, json_both,
    json_both_bytes, keys, latin1, out, str_of, uint_of,
};

const FAMILY: u16 = 0x1b;

/// The interface label printed for `e`: the chosen name, or `if<N>` as `IfNames` gives
/// when the kernel has no name (or an empty one).
fn label(e: &Endpoint, name: &[u8]) -> Option<Vec<u8>> {
    (e.ifindex != 0).then(|| {
        if name.is_empty() { format!("if{}", e.ifindex as u32).into_bytes() } else { name.to_vec() }
    })
}

type Printed = (Endpoint, Option<Host>, Option<Vec<u8>>);

fn print_endpoints(out: &mut Out<Vec<u8>>, eps: &[Printed]) {
    if let Some(j) = &mut out.json {
        j.start_array(&mut out.w);
    }
    for (e, host, name) in eps {
        endpoint::print(out, e, host.as_ref(), name.as_deref());
    }
    if let Some(j) = &mut out.json {
        j.end_array(&mut out.w);
    }
}

/// The JSON object of one endpoint (read through [`latin1`]) holds exactly its values,
/// in print order.
fn check_object(o: &Json, e: &Endpoint, host: Option<&Host>, name: Option<&[u8]>) {
    let mut want_keys = Vec::new();
    match host {
        Some(Host::Addr(ip)) => {
            let text = str_of(o, "address").expect("address");
            assert_eq!(ip_of(text), *ip);
            assert_eq!(text, mptcp_cli::print::addr::Display(*ip).to_string());
            want_keys.push("address");
        }
        Some(Host::Name(n)) => {
            assert_eq!(str_of(o, "address"), Some(latin1(n).as_str()));
            want_keys.push("address");
        }
        None => {}
    }
    if e.port != 0 {
        want_keys.push("port");
    }
    assert_eq!(uint_of(o, "port"), (e.port != 0).then_some(u64::from(e.port)));
    if e.id.is_some() {
        want_keys.push("id");
    }
    assert_eq!(uint_of(o, "id"), e.id.map(u64::from));
    let flags = e.flags.bits();
    let mut known = 0;
    for (word, bit) in FLAG_WORDS.iter().filter(|(_, b)| *b != 0) {
        known |= bit;
        assert_eq!(flag_of(o, word), flags & bit != 0, "{word}");
        if flags & bit != 0 {
            want_keys.push(word);
        }
    }
    let raw = str_of(o, "rawflags").map(|h| u32::from_str_radix(h, 16).expect("hex rawflags"));
    assert_eq!(raw, Some(flags & !known).filter(|&r| r != 0));
    if raw.is_some() {
        want_keys.push("rawflags");
    }
    assert_eq!(str_of(o, "dev").map(str::to_owned), name.map(latin1));
    if name.is_some() {
        want_keys.push("dev");
    }
    assert_eq!(keys(o), want_keys);
}

/// Whether `endpoint add` could have made `e` with the words `print` writes for it.
fn addable(e: &Endpoint, name: Option<&[u8]>) -> bool {
    let known: u32 = FLAG_WORDS.iter().fold(0, |acc, (_, b)| acc | b);
    let f = e.flags;
    matches!(e.addr, Some(EndpointAddr::V4(_) | EndpointAddr::V6(_)))
        && e.id.is_some_and(|id| id != 0)
        && f.bits() & !known == 0
        && !(f.contains(EndpointFlags::SIGNAL) && f.contains(EndpointFlags::FULLMESH))
        && (e.port == 0 || f.contains(EndpointFlags::SIGNAL))
        && name.is_none_or(mptcp_cli::args::ifname::is_valid)
}

/// `endpoint show` text fed to `endpoint add` gives the endpoint back: the words as
/// bytes, the interface found by its name's bytes.
fn check_text_round_trip(e: &Endpoint, name: Option<&[u8]>) {
    let host = e.ip().map(Host::Addr);
    let mut o = out(Mode::Text);
    endpoint::print(&mut o, e, host.as_ref(), name);
    let text = String::from_utf8_lossy(&o.w).into_owned();
    let line = o.w.strip_suffix(b" \n").expect("an endpoint line ends with a space and newline");
    let mut words: Vec<&[u8]> = vec![b"endpoint", b"add"];
    words.extend(line.split(|&b| b == b' '));
    let extra = name.map(|n| (n.to_vec(), e.ifindex as u32));
    let (got, said) =
        fail::captured_bytes(|| command::parse(&words, &mut FakeInterfaces { extra }, false));
    match got {
        Ok(Command::Add(a)) => assert_eq!(pm::endpoint(&a), *e, "from {text:?}"),
        other => panic!("{text:?} fed back gave {other:?}: {}", String::from_utf8_lossy(&said)),
    }
}

/// An endpoint from field values, through the library's builder and parser.
fn built_endpoint(c: &mut Cursor) -> Endpoint {
    let addr = match c.u8() % 4 {
        0 => None,
        1 => Some(EndpointAddr::Unspec),
        _ => Some(EndpointAddr::from(c.ip())),
    };
    let e = Endpoint {
        addr,
        id: c.option(Cursor::u8),
        port: c.u16(),
        flags: EndpointFlags::from_bits_retain(if c.bool() { c.u32() } else { u32::from(c.u8()) }),
        ifindex: if c.bool() { c.u32() as i32 } else { i32::from(c.u8() % 4) },
    };
    let mut buf = [0u8; pm::REQ_BUF];
    let bytes = Request::AddAddr(e).emit(&mut buf, FAMILY, 1).expect("fits");
    let genl = nlwire::Message::parse(bytes).and_then(|m| m.genl()).expect("genl");
    let back = Endpoint::from_message(&genl).expect("parses").expect("has a nest");
    if !matches!(e.addr, Some(EndpointAddr::Unspec)) {
        assert_eq!(back, e);
    }
    back
}

fn endpoints(c: &mut Cursor, mode: Mode, from_values: bool, input: &[u8]) {
    let mut eps = Vec::new();
    if from_values {
        for _ in 0..1 + c.u8() % 3 {
            let e = built_endpoint(c);
            let name = c.name(16);
            let resolved = c.option(|c| c.name(64));
            let host = e.ip().map(|ip| resolved.map_or(Host::Addr(ip), Host::Name));
            let name = label(&e, &name);
            if mode == Mode::Text && addable(&e, name.as_deref()) {
                check_text_round_trip(&e, name.as_deref());
            }
            eps.push((e, host, name));
        }
    } else {
        for m in nlwire::Messages::new(c.rest()).flatten() {
            let Ok(genl) = m.genl() else { continue };
            if let Ok(Some(e)) = Endpoint::from_message(&genl) {
                let name = label(&e, b"");
                eps.push((e, e.ip().map(Host::Addr), name));
            }
        }
    }
    match mode {
        Mode::Json | Mode::Pretty => {
            let doc = json_both_bytes(|o| print_endpoints(o, &eps));
            let list = doc.as_array().expect("an array");
            assert_eq!(list.len(), eps.len());
            for (o, (e, host, name)) in list.iter().zip(&eps) {
                check_object(o, e, host.as_ref(), name.as_deref());
            }
        }
        Mode::Text | Mode::TextColorOneline => {
            let mut o = out(mode);
            print_endpoints(&mut o, &eps);
            let ends = o.w.iter().filter(|&&b| b == if mode == Mode::Text { b'\n' } else { b'\\' });
            assert!(ends.count() >= eps.len());
            // Each name is printed as its bytes.
            for name in eps.iter().filter_map(|(_, _, n)| n.as_deref()) {
                assert!(holds(&o.w, name), "name {name:?} not printed as it is");
            }
            // The host names `-r` found (any bytes) come out as they are.
            let mut given = input.to_vec();
            for (_, host, _) in &eps {
                if let Some(Host::Name(n)) = host {
                    given.extend_from_slice(n);
                }
            }
            assert_no_replacement(&given, &o.w);
        }
    }
}

fn limits(c: &mut Cursor, mode: Mode, from_values: bool) {
    let l = if from_values {
        let l = Limits { rcv_add_addrs: c.option(Cursor::u32), subflows: c.option(Cursor::u32) };
        let mut buf = [0u8; pm::REQ_BUF];
        let bytes = Request::SetLimits(l).emit(&mut buf, FAMILY, 1).expect("fits");
        let genl = nlwire::Message::parse(bytes).and_then(|m| m.genl()).expect("genl");
        let back = Limits::from_message(&genl).expect("parses");
        assert_eq!(back, l);
        back
    } else {
        let Ok(genl) = nlwire::Message::parse(c.rest()).and_then(|m| m.genl()) else { return };
        Limits::from_message(&genl).unwrap_or_default()
    };
    match mode {
        Mode::Json | Mode::Pretty => {
            let doc = json_both(|o| limits::print(o, &l, true));
            assert_eq!(uint_of(&doc, "add_addr_accepted"), l.rcv_add_addrs.map(u64::from));
            assert_eq!(uint_of(&doc, "subflows"), l.subflows.map(u64::from));
            assert_eq!(
                keys(&doc).len(),
                usize::from(l.rcv_add_addrs.is_some()) + usize::from(l.subflows.is_some())
            );
        }
        Mode::Text => {
            let mut o = out(mode);
            limits::print(&mut o, &l, false);
            let text = String::from_utf8(o.w).expect("UTF-8");
            let line = text.strip_suffix('\n').expect("newline");
            let mut words: Vec<&[u8]> = vec![b"limits", b"set"];
            words.extend(line.split(' ').filter(|w| !w.is_empty()).map(str::as_bytes));
            let (got, said) = fail::captured_bytes(|| {
                command::parse(&words, &mut FakeInterfaces { extra: None }, false)
            });
            match got {
                Ok(Command::LimitsSet(a)) => assert_eq!(pm::limits(&a), l, "from {text:?}"),
                other => {
                    panic!("{text:?} fed back gave {other:?}: {}", String::from_utf8_lossy(&said))
                }
            }
        }
        Mode::TextColorOneline => {
            let mut o = out(mode);
            limits::print(&mut o, &l, false);
            assert!(o.w.ends_with(b"\\"));
        }
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut c = Cursor::new(data);
    let settings = c.u8();
    let mode = Mode::from_bits(settings);
    let from_values = settings & 4 == 0;
    if settings & 8 == 0 {
        endpoints(&mut c, mode, from_values, data);
    } else {
        limits(&mut c, mode, from_values);
    }
});
