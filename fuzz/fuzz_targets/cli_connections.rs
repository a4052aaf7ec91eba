//! Fuzz the printer of `connection show`, fed either by `inet_diag_msg` replies built
//! from arbitrary field values (an MPTCP socket with a `struct mptcp_info` of any
//! length, then TCP subflows with arbitrary `tcp_info` and MPTCP attributes) or by
//! arbitrary datagram bytes, in text, `-j` and `-j -p`. Input: one byte of settings,
//! then the values or the bytes.
//!
//! Checked: every JSON document is strict JSON laid out as iproute2 lays it out, the
//! same document with and without `-p`, one object per connection holding its token,
//! addresses, ports and side, with exactly its subflows (addresses, ids, backup flags);
//! a field the kernel did not send is absent; every text record is its connection's
//! line plus two lines per subflow and up to two `mptcp_info` lines.
#![no_main]

use std::net::{IpAddr, SocketAddr};

use mptcp_cli::print::connection::{self, Row, SubflowRow};
use mptcp_cli::print::out::Out;
use mptcp_diag::{Connection, INET_DIAG_INFO, SOCK_DIAG_BY_FAMILY, Subflow, SubflowRepr};
use mptcp_stack_fuzz::json::Json;
use mptcp_stack_fuzz::{Cursor, Mode, ip_of, json_both, out, str_of, uint_of};

/// One `inet_diag_msg` with optional `INET_DIAG_INFO` (and, for a subflow, the MPTCP
/// ULP attributes), into `buf`.
fn build(buf: &mut [u8], c: &mut Cursor, subflow: bool) -> usize {
    let mut fixed = [0u8; 72];
    fixed.copy_from_slice(&c.array::<72>());
    fixed[0] = if c.bool() { 10 } else { 2 };
    let info = c.option(|c| {
        let n = usize::from(c.u8()) % if subflow { 240 } else { 100 };
        c.bytes(n).to_vec()
    });
    let mut b = nlwire::MessageBuilder::new(buf, SOCK_DIAG_BY_FAMILY, 2, 1).expect("room");
    b.append(&fixed).expect("room");
    if let Some(info) = info {
        b.put(INET_DIAG_INFO, &info).expect("room");
    }
    if subflow {
        let repr = SubflowRepr {
            token_loc: Some(7),
            token_rem: c.option(|c| c.u32()),
            flags: c.option(|c| c.u32()),
            id_loc: c.option(|c| c.u8()),
            id_rem: c.option(|c| c.u8()),
            ..SubflowRepr::default()
        };
        repr.emit(&mut b).expect("room");
    }
    b.finish().expect("room").len()
}

type Tree = Vec<(Row, bool, Vec<SubflowRow>)>;

fn print_all(out: &mut Out<Vec<u8>>, tree: &Tree) {
    out.open_array();
    for (r, server, subs) in tree {
        connection::connection(out, r, *server);
        for s in subs {
            connection::subflow(out, s, (s.ifindex != 0).then_some(&"eth0" as _));
        }
        connection::end_connection(out, 0);
    }
    out.close_array();
}

fn check_object(o: &Json, r: &Row, server: bool, subs: &[SubflowRow]) {
    let token = str_of(o, "token").map(|t| {
        assert_eq!(t.len(), 8, "token {t:?}");
        u32::from_str_radix(t, 16).expect("hex token")
    });
    assert_eq!(token, r.token());
    let addr = |o: &Json, key: &str| -> IpAddr { ip_of(str_of(o, key).expect(key)) };
    let port = |o: &Json, key: &str| uint_of(o, key).expect(key) as u16;
    assert_eq!(SocketAddr::new(addr(o, "local"), port(o, "lport")), r.local);
    assert_eq!(SocketAddr::new(addr(o, "remote"), port(o, "rport")), r.remote);
    assert_eq!(o.get("server_side"), Some(&Json::Bool(server)));
    let info = r.info();
    assert_eq!(uint_of(o, "bytes_sent"), info.and_then(|i| i.bytes_sent()));
    assert_eq!(uint_of(o, "subflows"), info.and_then(|i| i.subflow_count()).map(u64::from));
    let list = o.get("subflow_list").and_then(Json::as_array).expect("subflow_list");
    assert_eq!(list.len(), subs.len());
    for (j, s) in list.iter().zip(subs) {
        assert_eq!(SocketAddr::new(addr(j, "local"), port(j, "lport")), s.local);
        assert_eq!(SocketAddr::new(addr(j, "remote"), port(j, "rport")), s.remote);
        assert_eq!(uint_of(j, "local_id"), s.mptcp.id_loc.map(u64::from));
        assert_eq!(uint_of(j, "remote_id"), s.mptcp.id_rem.map(u64::from));
        let bit = |b: u32| s.mptcp.flags.map(|f| Json::Bool(f & b != 0));
        assert_eq!(j.get("backup").cloned(), bit(mptcp_diag::subflow_flag::BKUP_LOC));
        assert_eq!(j.get("remote_backup").cloned(), bit(mptcp_diag::subflow_flag::BKUP_REM));
        assert_eq!(uint_of(j, "bytes_acked"), s.tcp.bytes_acked);
        assert_eq!(uint_of(j, "rtt_us"), s.tcp.rtt.map(u64::from));
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut c = Cursor::new(data);
    let settings = c.u8();
    let mode = Mode::from_bits(settings);
    let mut tree: Tree = Vec::new();
    let mut buf = [0u8; 1024];
    if settings & 4 == 0 {
        for _ in 0..1 + c.u8() % 3 {
            let server = c.bool();
            let n = build(&mut buf, &mut c, false);
            let m = nlwire::Message::parse(&buf[..n]).expect("a built message");
            let row = Row::of(&Connection::parse(&m).expect("a built reply parses"));
            let mut subs = Vec::new();
            for _ in 0..c.u8() % 3 {
                let n = build(&mut buf, &mut c, true);
                let m = nlwire::Message::parse(&buf[..n]).expect("a built message");
                let s = Subflow::parse(&m).expect("a built subflow parses");
                let mut row = SubflowRow::EMPTY;
                assert!(row.read(&s), "the MPTCP attributes");
                subs.push(row);
            }
            tree.push((row, server, subs));
        }
    } else {
        let server = c.bool();
        let mut subs = Vec::new();
        let mut rows = Vec::new();
        for m in nlwire::Messages::new(c.rest()) {
            let Ok(m) = m else { break };
            if let Ok(conn) = Connection::parse(&m) {
                rows.push(Row::of(&conn));
            }
            let mut row = SubflowRow::EMPTY;
            if Subflow::parse(&m).is_ok_and(|s| row.read(&s)) {
                subs.push(row);
            }
        }
        for r in rows {
            tree.push((r, server, subs.clone()));
        }
    }
    match mode {
        Mode::Json | Mode::Pretty => {
            let doc = json_both(|o| print_all(o, &tree));
            let list = doc.as_array().expect("an array");
            assert_eq!(list.len(), tree.len());
            for (o, (r, server, subs)) in list.iter().zip(&tree) {
                check_object(o, r, *server, subs);
            }
        }
        Mode::Text | Mode::TextColorOneline => {
            let mut o = out(mode);
            print_all(&mut o, &tree);
            if mode == Mode::Text {
                let text = String::from_utf8(o.w).expect("UTF-8 text");
                let most: usize = tree.iter().map(|(_, _, s)| 3 + 2 * s.len()).sum();
                let least: usize = tree.iter().map(|(_, _, s)| 1 + 2 * s.len()).sum();
                let lines = text.lines().count();
                assert!((least..=most).contains(&lines), "{lines} lines: {text:?}");
                let heads = text.lines().filter(|l| !l.starts_with(' ')).count();
                assert_eq!(heads, tree.len(), "{text:?}");
            }
        }
    }
});
