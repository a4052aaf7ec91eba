//! `connection show`'s tree: each connection (token, ends, side, state, the
//! `mptcp_info` counters) with its subflows (ends, interface, ids, backup flags,
//! handshake, TCP state, `tcp_info` figures) under it, and the listeners.

use core::net::{IpAddr, SocketAddr, SocketAddrV4};

use mptcp_diag::{
    Connection, MPTCP_INFO_LEN, MptcpInfo, Subflow, SubflowRepr, TCP_LISTEN, subflow_flag as sf,
};

use crate::os::io::Write;
use crate::print::addr::Display;
use crate::print::color::Color;
use crate::print::event::{hash_hex, hex8};
use crate::print::label::Label;
use crate::print::out::Out;

/// One MPTCP socket, copied out of the receive buffer (`mptcp_info` kept as the kernel's
/// bytes, so that the fields an older kernel did not send stay absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    /// Local address and port.
    pub local: SocketAddr,
    /// Remote address and port.
    pub remote: SocketAddr,
    /// TCP state of the MPTCP socket.
    pub state: u8,
    /// A listener.
    pub listening: bool,
    info: [u8; MPTCP_INFO_LEN],
    info_len: u8,
    has_info: bool,
}

/// Nothing yet: the filler of fixed tables.
const NOWHERE: SocketAddr = SocketAddr::V4(SocketAddrV4::new(core::net::Ipv4Addr::UNSPECIFIED, 0));

impl Row {
    /// An empty row.
    pub const EMPTY: Row = Row {
        local: NOWHERE,
        remote: NOWHERE,
        state: 0,
        listening: false,
        info: [0; MPTCP_INFO_LEN],
        info_len: 0,
        has_info: false,
    };

    /// The row of one diag reply.
    pub fn of(c: &Connection<'_>) -> Row {
        let mut r = Row {
            local: c.local(),
            remote: c.remote(),
            state: c.state(),
            listening: c.state() == TCP_LISTEN,
            // Not `..Row::EMPTY`: that copies a whole row image from read-only data.
            info: [0; MPTCP_INFO_LEN],
            info_len: 0,
            has_info: false,
        };
        if let Some(i) = c.info() {
            let b = i.as_bytes();
            let n = b.len().min(MPTCP_INFO_LEN);
            r.info[..n].copy_from_slice(&b[..n]);
            r.info_len = n as u8;
            r.has_info = true;
        }
        r
    }

    /// The connection's `mptcp_info`, as long as the kernel sent it (up to
    /// [`MPTCP_INFO_LEN`] bytes).
    pub fn info(&self) -> Option<MptcpInfo<'_>> {
        if !self.has_info {
            return None;
        }
        MptcpInfo::new(self.info.get(..usize::from(self.info_len))?)
    }

    /// The local token (`mptcpi_token`).
    pub fn token(&self) -> Option<u32> {
        self.info().and_then(|i| i.token())
    }
}

/// The `tcp_info` figures `connection show` prints for a subflow.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TcpFigures {
    /// Smoothed round-trip time, µs.
    pub rtt: Option<u32>,
    /// Its variation, µs.
    pub rttvar: Option<u32>,
    /// Congestion window, segments.
    pub cwnd: Option<u32>,
    /// Bytes the peer acknowledged.
    pub bytes_acked: Option<u64>,
    /// Bytes received.
    pub bytes_received: Option<u64>,
    /// Segments retransmitted over the subflow's life.
    pub retrans: Option<u32>,
    /// ms since data was last sent.
    pub last_send: Option<u32>,
    /// ms since data was last received.
    pub last_recv: Option<u32>,
}

/// One MPTCP subflow (a TCP socket with the MPTCP ULP), copied out of the receive buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubflowRow {
    /// Local address and port.
    pub local: SocketAddr,
    /// Remote address and port.
    pub remote: SocketAddr,
    /// TCP state.
    pub state: u8,
    /// The interface the subflow is bound to (0: none).
    pub ifindex: u32,
    /// The MPTCP subflow attributes.
    pub mptcp: SubflowRepr,
    /// The `tcp_info` figures.
    pub tcp: TcpFigures,
}

impl SubflowRow {
    /// An empty row.
    pub const EMPTY: SubflowRow = SubflowRow {
        local: NOWHERE,
        remote: NOWHERE,
        state: 0,
        ifindex: 0,
        mptcp: SubflowRepr {
            token_rem: None,
            token_loc: None,
            relwrite_seq: None,
            map_seq: None,
            map_sfseq: None,
            ssn_offset: None,
            map_datalen: None,
            flags: None,
            id_rem: None,
            id_loc: None,
        },
        tcp: TcpFigures {
            rtt: None,
            rttvar: None,
            cwnd: None,
            bytes_acked: None,
            bytes_received: None,
            retrans: None,
            last_send: None,
            last_recv: None,
        },
    };

    /// Reads one TCP diag reply into this row; `false`, the row untouched, for a TCP
    /// socket that is no MPTCP subflow. In place rather than returned: the caller's
    /// table slot is written directly, with no copy of the whole row.
    #[inline(never)]
    pub fn read(&mut self, s: &Subflow<'_>) -> bool {
        let Some(m) = s.mptcp() else { return false };
        let t = s.tcp_info();
        self.tcp = t.map_or(TcpFigures::default(), |t| TcpFigures {
            rtt: t.rtt(),
            rttvar: t.rttvar(),
            cwnd: t.snd_cwnd(),
            bytes_acked: t.bytes_acked(),
            bytes_received: t.bytes_received(),
            retrans: t.total_retrans(),
            last_send: t.last_data_sent(),
            last_recv: t.last_data_recv(),
        });
        (self.local, self.remote) = (s.local(), s.remote());
        (self.state, self.ifindex) = (s.state(), s.ifindex());
        self.mptcp = SubflowRepr::parse(&m);
        true
    }

    fn flag(&self, bit: u32) -> bool {
        self.mptcp.flags.is_some_and(|f| f & bit != 0)
    }

    /// The initial subflow (MP_CAPABLE), whose flags tell the connection's side.
    pub fn is_initial(&self) -> bool {
        self.flag(sf::MCAP_REM | sf::MCAP_LOC)
    }

    /// This side asked for MP_CAPABLE: the connection's client side.
    pub fn asked_mp_capable(&self) -> bool {
        self.flag(sf::MCAP_LOC)
    }
}

/// TCP state names, as `ss` spells them, lower case.
pub fn state_name(state: u8) -> &'static str {
    match state {
        1 => "established",
        2 => "syn-sent",
        3 => "syn-recv",
        4 => "fin-wait-1",
        5 => "fin-wait-2",
        6 => "time-wait",
        7 => "close",
        8 => "close-wait",
        9 => "last-ack",
        10 => "listen",
        11 => "closing",
        12 => "new-syn-recv",
        _ => "unknown",
    }
}

fn color_of(a: IpAddr) -> Color {
    if a.is_ipv4() { Color::Inet } else { Color::Inet6 }
}

/// `local A lport P remote A rport P ` (text) or the four keys (JSON): one loop over
/// the ends, so that one copy of each branch serves both.
fn ends<W: Write>(out: &mut Out<W>, local: &SocketAddr, remote: &SocketAddr, with_remote: bool) {
    const KEYS: [(&str, &str); 2] = [("local", "lport"), ("remote", "rport")];
    for (&(key, port_key), a) in KEYS.iter().zip([local, remote]).take(1 + usize::from(with_remote))
    {
        let ip = Display(a.ip());
        match &mut out.json {
            Some(j) => {
                j.string_fmt(&mut out.w, key, format_args!("{ip}"));
                j.uint(&mut out.w, port_key, a.port().into());
            }
            None => {
                let _ = out.w.write_all(key.as_bytes());
                let _ = out.w.write_all(b" ");
                out.colored(color_of(a.ip()), format_args!("{ip}"));
                let _ = write!(out.w, " {port_key} {} ", u64::from(a.port()));
            }
        }
    }
}

/// A number when present: ` key N` in text, `"key": N` in JSON.
fn num<W: Write>(out: &mut Out<W>, key: &str, v: Option<u64>) {
    let Some(v) = v else { return };
    match &mut out.json {
        Some(j) => j.uint(&mut out.w, key, v),
        None => {
            let _ = write!(out.w, "{key} {v} ");
        }
    }
}

/// The `n`th of the `key N/M` pairs of `mptcp_info` (`key N` without a maximum) in
/// text, `key` and `key_max` in JSON. (An index, not the keys and values: the call
/// sites stay small, and one loop makes them.)
#[inline(never)]
fn of_max<W: Write>(out: &mut Out<W>, i: &MptcpInfo<'_>, n: usize) {
    let (key, max_key, v, max) = match n {
        0 => ("extra_subflows", "subflows_max", i.subflows(), i.subflows_max()),
        1 => {
            ("add_addr_signal", "add_addr_signal_max", i.add_addr_signal(), i.add_addr_signal_max())
        }
        2 => (
            "add_addr_accepted",
            "add_addr_accepted_max",
            i.add_addr_accepted(),
            i.add_addr_accepted_max(),
        ),
        _ => ("local_addr_used", "local_addr_max", i.local_addr_used(), i.local_addr_max()),
    };
    if out.json.is_some() {
        num(out, key, v.map(u64::from));
        num(out, max_key, max.map(u64::from));
        return;
    }
    match (v, max) {
        (Some(v), Some(m)) => {
            let _ = write!(out.w, "{key} {}/{} ", u64::from(v), u64::from(m));
        }
        (Some(v), None) => num(out, key, Some(v.into())),
        _ => {}
    }
}

/// The `n`th of the byte and time counters of `mptcp_info`: its key and value.
#[inline(never)]
fn counter(i: &MptcpInfo<'_>, n: usize) -> (&'static str, Option<u64>) {
    match n {
        0 => ("bytes_sent", i.bytes_sent()),
        1 => ("bytes_received", i.bytes_received()),
        2 => ("bytes_acked", i.bytes_acked()),
        3 => ("bytes_retrans", i.bytes_retrans()),
        4 => ("retransmits", i.retransmits().map(u64::from)),
        5 => ("last_send_ms", i.last_data_sent().map(u64::from)),
        6 => ("last_recv_ms", i.last_data_recv().map(u64::from)),
        _ => ("last_ack_ms", i.last_ack_recv().map(u64::from)),
    }
}

/// A word when `on` (text), `"key": on` (JSON).
fn word<W: Write>(out: &mut Out<W>, key: &str, on: Option<bool>) {
    let Some(on) = on else { return };
    match &mut out.json {
        Some(j) => j.bool(&mut out.w, key, on),
        None if on => {
            let _ = out.w.write_all(key.as_bytes());
            let _ = out.w.write_all(b" ");
        }
        None => {}
    }
}

/// `state NAME` (text, no space after) or `"state": NAME` (JSON), for a connection and
/// a subflow alike.
#[inline(never)]
fn state<W: Write>(out: &mut Out<W>, s: u8) {
    let name = state_name(s);
    match &mut out.json {
        Some(j) => j.string(&mut out.w, "state", name),
        None => {
            let _ = out.w.write_all(b"state ");
            let _ = out.w.write_all(name.as_bytes());
        }
    }
}

/// A line break inside a connection's record (`\` with `-o`), then the indent.
fn next_line<W: Write>(out: &mut Out<W>, indent: &str) {
    if out.json.is_none() {
        let _ = out.w.write_all(out.line_end.as_bytes());
        let _ = out.w.write_all(indent.as_bytes());
    }
}

/// A listener: `listener local A lport P` / `{"listener": true, "local", "lport"}`.
pub fn listener<W: Write>(out: &mut Out<W>, local: SocketAddr) {
    match &mut out.json {
        Some(j) => {
            j.start_object(&mut out.w);
            j.bool(&mut out.w, "listener", true);
        }
        None => {
            let _ = out.w.write_all(b"listener ");
        }
    }
    ends(out, &local, &local, false);
    match &mut out.json {
        Some(j) => j.end_object(&mut out.w),
        None => {
            let _ = out.w.write_all(b"\n");
        }
    }
}

/// Opens a connection: its first line (token, ends, subflow count, side, state) and its
/// `mptcp_info` lines, or the JSON object up to its `subflow_list` array, which
/// [`subflow`] fills and [`end_connection`] closes.
#[inline(never)]
pub fn connection<W: Write>(out: &mut Out<W>, r: &Row, server: bool) {
    let info = r.info();
    if let Some(j) = &mut out.json {
        j.start_object(&mut out.w);
    }
    if let Some(t) = r.token() {
        match &mut out.json {
            Some(j) => j.string_bytes(&mut out.w, "token", &hex8(t)),
            None => {
                let _ = out.w.write_all(b"token ");
                let _ = out.w.write_all(&hex8(t));
                let _ = out.w.write_all(b" ");
            }
        }
    }
    ends(out, &r.local, &r.remote, true);
    num(out, "subflows", info.and_then(|i| i.subflow_count()).map(u64::from));
    match &mut out.json {
        Some(j) => j.bool(&mut out.w, "server_side", server),
        None if server => {
            let _ = out.w.write_all(b"server_side ");
        }
        None => {}
    }
    state(out, r.state);
    if let Some(i) = info {
        next_line(out, "    ");
        let fallback = i.fallback();
        word(out, "fallback", fallback);
        word(out, "remote_key", i.flags().map(|f| f & mptcp_diag::FLAG_REMOTE_KEY_RECEIVED != 0));
        word(out, "checksum", i.csum_enabled());
        for n in 0..4 {
            of_max(out, &i, n);
        }
        if i.bytes_sent().is_some() || i.last_data_sent().is_some() {
            next_line(out, "    ");
            for n in 0..8 {
                let (key, v) = counter(&i, n);
                num(out, key, v);
            }
        }
    }
    if let Some(j) = &mut out.json {
        j.key(&mut out.w, "subflow_list");
        j.start_array(&mut out.w);
    }
}

/// One subflow under the open connection; `dev` is its interface's label, when bound.
pub fn subflow<W: Write>(out: &mut Out<W>, s: &SubflowRow, dev: Option<&dyn Label>) {
    next_line(out, "    ");
    match &mut out.json {
        Some(j) => j.start_object(&mut out.w),
        None => {
            let _ = out.w.write_all(b"subflow ");
        }
    }
    ends(out, &s.local, &s.remote, true);
    if let Some(d) = dev {
        match &mut out.json {
            Some(j) => j.string_bytes(&mut out.w, "dev", d.label()),
            None => {
                for piece in [&b"dev "[..], d.label(), b" "] {
                    let _ = out.w.write_all(piece);
                }
            }
        }
    }
    num(out, "local_id", s.mptcp.id_loc.map(u64::from));
    num(out, "remote_id", s.mptcp.id_rem.map(u64::from));
    let f = s.mptcp.flags;
    let has = |bit: u32| f.map(|f| f & bit != 0);
    word(out, "backup", has(sf::BKUP_LOC));
    word(out, "remote_backup", has(sf::BKUP_REM));
    word(out, "mp_capable", has(sf::MCAP_REM | sf::MCAP_LOC));
    word(out, "mp_join", has(sf::JOIN_REM | sf::JOIN_LOC));
    word(out, "fully_established", has(sf::FULLY_ESTABLISHED));
    state(out, s.state);
    if let Some(j) = &mut out.json {
        if let Some(t) = s.mptcp.token_rem {
            j.string_bytes(&mut out.w, "remote_token", &hex8(t));
        }
        if let Some(f) = f {
            // Rust's `{:#x}`: C's `%#x`, but `0x0` for zero.
            let mut buf = [0; 10];
            let hex = if f == 0 { b"0x0" } else { hash_hex(f, &mut buf) };
            j.string_bytes(&mut out.w, "raw_flags", hex);
        }
    }
    let t = &s.tcp;
    next_line(out, "        ");
    match (&mut out.json, t.rtt, t.rttvar) {
        (None, Some(rtt), Some(var)) => {
            let ms = |us: u32| Millis(us);
            let _ = write!(out.w, "rtt {}/{}ms ", ms(rtt), ms(var));
        }
        (Some(_), _, _) => {
            num(out, "rtt_us", t.rtt.map(u64::from));
            num(out, "rttvar_us", t.rttvar.map(u64::from));
        }
        _ => {}
    }
    num(out, "cwnd", t.cwnd.map(u64::from));
    num(out, "bytes_acked", t.bytes_acked);
    num(out, "bytes_received", t.bytes_received);
    num(out, "retrans", t.retrans.map(u64::from));
    num(out, "last_send_ms", t.last_send.map(u64::from));
    num(out, "last_recv_ms", t.last_recv.map(u64::from));
    if let Some(j) = &mut out.json {
        j.end_object(&mut out.w);
    }
}

/// Closes the connection [`connection`] opened; `missed` subflows did not fit the
/// table (they are counted, not printed).
pub fn end_connection<W: Write>(out: &mut Out<W>, missed: u32) {
    match &mut out.json {
        Some(j) => {
            j.end_array(&mut out.w);
            if missed > 0 {
                j.uint(&mut out.w, "subflows_not_shown", missed.into());
            }
            j.end_object(&mut out.w);
        }
        None => {
            if missed > 0 {
                next_line(out, "    ");
                let _ = write!(out.w, "{} more subflows not shown (table full)", u64::from(missed));
            }
            let _ = out.w.write_all(b"\n");
        }
    }
}

/// Microseconds as milliseconds with three decimals, as `ss` prints rtt.
struct Millis(u32);

impl core::fmt::Display for Millis {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}.{:03}", u64::from(self.0 / 1000), u64::from(self.0 % 1000))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    fn row(info: &[u8]) -> Row {
        let mut r = Row {
            local: "10.0.1.2:40000".parse().unwrap(),
            remote: "10.0.1.1:6000".parse().unwrap(),
            state: 1,
            ..Row::EMPTY
        };
        r.info[..info.len()].copy_from_slice(info);
        r.info_len = info.len() as u8;
        r.has_info = true;
        r
    }

    fn sub() -> SubflowRow {
        SubflowRow {
            local: "10.0.2.2:40001".parse().unwrap(),
            remote: "10.0.1.1:6000".parse().unwrap(),
            state: 1,
            ifindex: 3,
            mptcp: SubflowRepr {
                id_loc: Some(2),
                id_rem: Some(0),
                flags: Some(sf::JOIN_LOC | sf::BKUP_LOC | sf::FULLY_ESTABLISHED),
                ..SubflowRepr::default()
            },
            tcp: TcpFigures {
                rtt: Some(1500),
                rttvar: Some(250),
                cwnd: Some(10),
                ..TcpFigures::default()
            },
        }
    }

    fn print(json: bool, pretty: bool, info: &[u8]) -> String {
        let mut out = Out::with_writer(Vec::new(), json, pretty, None, false);
        out.open_array();
        connection(&mut out, &row(info), false);
        subflow(&mut out, &sub(), Some(&"e2"));
        end_connection(&mut out, 0);
        out.close_array();
        String::from_utf8(out.w).unwrap()
    }

    #[test]
    fn text_is_a_tree_and_absent_fields_are_not_printed() {
        let mut info = [0u8; 48];
        info[12..16].copy_from_slice(&0xa907_9844u32.to_ne_bytes());
        info[3] = 2;
        let text = print(false, false, &info);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "token a9079844 local 10.0.1.2 lport 40000 remote 10.0.1.1 rport 6000 subflows 1 state established"
        );
        assert_eq!(
            lines[1],
            "    extra_subflows 0/2 add_addr_signal 0/0 add_addr_accepted 0/0 local_addr_used 0/0 "
        );
        assert!(lines[2].starts_with("    subflow local 10.0.2.2 lport 40001 remote 10.0.1.1 rport 6000 dev e2 local_id 2 remote_id 0 backup mp_join fully_established state established"), "{text}");
        assert_eq!(lines[3], "        rtt 1.500/0.250ms cwnd 10 ");
        assert!(!text.contains("bytes_sent"), "a 48-byte mptcp_info has no byte counters");
    }

    #[test]
    fn json_nests_the_subflows_and_pretty_is_the_same_data() {
        let mut info = [0u8; 96];
        info[56] = 5;
        let compact = print(true, false, &info);
        assert!(
            compact.starts_with("[{\"token\":\"00000000\",\"local\":\"10.0.1.2\""),
            "{compact}"
        );
        assert!(compact.contains("\"bytes_sent\":5"));
        assert!(compact.contains("\"subflow_list\":[{\"local\":\"10.0.2.2\""), "{compact}");
        assert!(compact.contains("\"backup\":true,\"remote_backup\":false"));
        let pretty = print(true, true, &info);
        let squeeze = |s: &str| s.split_whitespace().collect::<String>();
        assert_eq!(squeeze(&pretty), squeeze(&compact));
    }
}
