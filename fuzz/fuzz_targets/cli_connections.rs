//! Fuzz the printer of `connection show`, fed either by `inet_diag_msg` replies built
//! from arbitrary field values (with a `struct mptcp_info` of any length) or by
//! arbitrary datagram bytes, in text, `-j` and `-j -p`. Input: one byte of settings,
//! then the values or the bytes.
//!
//! Checked: every JSON document is strict JSON laid out as iproute2 lays it out, the
//! same document with and without `-p`, one object per connection holding exactly its
//! values (token, addresses, ports, subflows, server side); every text row is one line.
#![no_main]

use std::net::{IpAddr, SocketAddr};

use mptcp_cli::print::connection::{self, Row};
use mptcp_cli::print::out::Out;
use mptcp_diag::{Connection, INET_DIAG_INFO, SOCK_DIAG_BY_FAMILY};
use mptcp_stack_fuzz::json::Json;
use mptcp_stack_fuzz::{Cursor, Mode, ip_of, json_both, keys, out, str_of, uint_of};

/// One `inet_diag_msg` with an optional `INET_DIAG_INFO`, into `buf`.
fn build(buf: &mut [u8], c: &mut Cursor) -> usize {
    let mut fixed = [0u8; 72];
    fixed.copy_from_slice(&c.array::<72>());
    fixed[0] = if c.bool() { 10 } else { 2 };
    let info = c.option(|c| {
        let n = usize::from(c.u8() % 96);
        c.bytes(n).to_vec()
    });
    let mut b = nlwire::MessageBuilder::new(buf, SOCK_DIAG_BY_FAMILY, 2, 1).expect("room");
    b.append(&fixed).expect("room");
    if let Some(info) = info {
        b.put(INET_DIAG_INFO, &info).expect("room");
    }
    b.finish().expect("room").len()
}

fn print_all(out: &mut Out<Vec<u8>>, rows: &[(Row, bool)]) {
    if let Some(j) = &mut out.json {
        j.start_array(&mut out.w);
    }
    for (r, server) in rows {
        connection::print(out, r, *server);
    }
    if let Some(j) = &mut out.json {
        j.end_array(&mut out.w);
    }
}

fn check_object(o: &Json, r: &Row, server: bool) {
    let mut want = Vec::new();
    let token = str_of(o, "token").map(|t| {
        assert_eq!(t.len(), 8, "token {t:?}");
        u32::from_str_radix(t, 16).expect("hex token")
    });
    assert_eq!(token, r.token);
    if r.token.is_some() {
        want.push("token");
    }
    let addr = |key: &str| -> IpAddr { ip_of(str_of(o, key).expect(key)) };
    let port = |key: &str| uint_of(o, key).expect(key) as u16;
    assert_eq!(SocketAddr::new(addr("local"), port("lport")), r.local);
    assert_eq!(SocketAddr::new(addr("remote"), port("rport")), r.remote);
    want.extend(["local", "lport", "remote", "rport"]);
    assert_eq!(uint_of(o, "subflows"), r.subflows.map(u64::from));
    if r.subflows.is_some() {
        want.push("subflows");
    }
    assert_eq!(o.get("server_side"), Some(&Json::Bool(server)));
    want.push("server_side");
    assert_eq!(keys(o), want);
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut c = Cursor::new(data);
    let settings = c.u8();
    let mode = Mode::from_bits(settings);
    let mut rows = Vec::new();
    let mut buf = [0u8; 256];
    let read = |bytes: &[u8], rows: &mut Vec<(Row, bool)>, server: bool| {
        for m in nlwire::Messages::new(bytes) {
            let Ok(m) = m else { break };
            if let Ok(conn) = Connection::parse(&m) {
                rows.push((Row::of(&conn), server));
            }
        }
    };
    if settings & 4 == 0 {
        for _ in 0..1 + c.u8() % 3 {
            let server = c.bool();
            let n = build(&mut buf, &mut c);
            let before = rows.len();
            read(&buf[..n], &mut rows, server);
            assert_eq!(rows.len(), before + 1, "a built reply parses");
        }
    } else {
        let server = c.bool();
        read(c.rest(), &mut rows, server);
    }
    match mode {
        Mode::Json | Mode::Pretty => {
            let doc = json_both(|o| print_all(o, &rows));
            let list = doc.as_array().expect("an array");
            assert_eq!(list.len(), rows.len());
            for (o, (r, server)) in list.iter().zip(&rows) {
                check_object(o, r, *server);
            }
        }
        Mode::Text | Mode::TextColorOneline => {
            let mut o = out(mode);
            print_all(&mut o, &rows);
            if mode == Mode::Text {
                let text = String::from_utf8(o.w).expect("UTF-8 text");
                assert_eq!(text.lines().count(), rows.len(), "{text:?}");
            }
        }
    }
});
