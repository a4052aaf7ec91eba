//! `-r` over DNS, the pure part: the PTR query for an address, the judgement of a reply,
//! and resolv.conf read into a [`Config`]. No I/O (`names::resolver` sends and receives
//! through `os::sys`).
//!
//! Panic contract: [`judge`] and [`Config::parse`] take any bytes; every read is checked
//! against the end, a compressed name follows at most [`MAX_JUMPS`] pointers and grows
//! to at most 255 bytes, and every loop advances through the reply or stops.
//!
//! What is taken from a reply follows glibc's `getanswer_ptr` (as `gethostbyaddr`, which
//! iproute2's `-r` calls, runs it): records of another class are skipped, a CNAME (owner
//! not checked, as glibc) makes its target the name the PTR must be owned by (RFC 2317
//! classless delegation), and the first PTR owned by that name decides. Its target must
//! be a host name by `__res_binary_hnok`'s rules (every byte of every label a letter, a
//! digit, `-` or `_`; the first label not starting with `-`; the root is one), or the
//! lookup fails and `ip` prints the address: a hostile name, or one with bytes outside
//! that alphabet, never reaches the terminal or the JSON. An accepted name is printed
//! byte for byte (`ns_name_ntop` changes none of those bytes), the root as `.`. Checked
//! against glibc 2.36 (Debian 2.36-9+deb12u14) with `ip -r` (iproute2 6.1, whose
//! `format_host` is 7.1's) and a fake name server.
#![forbid(unsafe_code)]

use core::net::IpAddr;

use crate::prelude::*;
use crate::print::addr::{inet_pton4, inet_pton6};

/// The longest query: header, the 74-byte `ip6.arpa` name, type and class.
pub const MAX_QUERY: usize = 12 + 74 + 4;
/// The most compression pointers one name may follow.
pub const MAX_JUMPS: usize = 128;
/// The most name servers used, as glibc's `MAXNS`.
pub const MAX_SERVERS: usize = 3;

/// Record types and class.
const PTR: u16 = 12;
const CNAME: u16 = 5;
const IN: u16 = 1;

/// An uncompressed name in wire form (length-prefixed labels, the root's 0 left out).
#[derive(Clone, Copy)]
pub struct Name {
    buf: [u8; 255],
    len: u8,
}

impl Name {
    const EMPTY: Name = Name { buf: [0; 255], len: 0 };

    /// The wire form without the final 0.
    fn wire(&self) -> &[u8] {
        &self.buf[..self.len as usize]
    }

    /// Case-insensitive equality (DNS names compare so; length bytes are below 64).
    fn same(&self, other: &Name) -> bool {
        same_but_case(self.wire(), other.wire())
    }

    /// The labels.
    fn labels(&self) -> impl Iterator<Item = &[u8]> {
        let mut rest = self.wire();
        core::iter::from_fn(move || {
            let (&n, tail) = rest.split_first()?;
            let (label, tail) = tail.split_at(usize::from(n).min(tail.len()));
            rest = tail;
            Some(label)
        })
    }

    /// Whether this is a host name as glibc's `__res_binary_hnok` wants it: every label
    /// of letters, digits, `-` and `_`, the first not starting with `-` (the root is one).
    pub fn is_host_name(&self) -> bool {
        let ok = |b: &u8| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_';
        self.wire().get(1) != Some(&b'-') && self.labels().all(|l| l.iter().all(ok))
    }

    /// The name as glibc's `ns_name_ntop` writes a host name: its labels' bytes as they
    /// are, joined by dots, without the trailing dot; the root as `.`. (Only for host
    /// names: other bytes would need `ns_name_ntop`'s escapes, which this leaves out.)
    pub fn bytes(&self) -> Vec<u8> {
        // The wire form after its first length byte, each later length byte a dot.
        let mut out = self.wire().get(1..).unwrap_or_default().to_vec();
        let mut at = usize::from(self.buf[0]);
        while let Some(b) = out.get_mut(at) {
            at += 1 + usize::from(*b);
            *b = b'.';
        }
        if out.is_empty() {
            out.push(b'.');
        }
        out
    }
}

impl core::fmt::Debug for Name {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}", self.bytes().escape_ascii())
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        self.wire() == other.wire()
    }
}

/// Reads the name at `msg[at..]` into `name` (in place: a name is 256 bytes, not moved
/// around); where it ends (the byte after it, in place). `None` when it runs past the
/// end, is longer than 255 bytes, uses a reserved label type or follows more than
/// [`MAX_JUMPS`] pointers (`name` then holds a part of it).
fn read_name(msg: &[u8], mut at: usize, name: &mut Name) -> Option<usize> {
    name.len = 0;
    let mut end = None;
    let mut jumps = 0;
    loop {
        let n = *msg.get(at)?;
        match n >> 6 {
            0 if n == 0 => return Some(end.unwrap_or(at + 1)),
            0 => {
                let label = msg.get(at..at + 1 + usize::from(n))?;
                let len = usize::from(name.len);
                // At most 255 with the root's 0, which `buf` leaves out.
                if len + label.len() >= name.buf.len() {
                    return None;
                }
                name.buf[len..len + label.len()].copy_from_slice(label);
                name.len += label.len() as u8;
                at += label.len();
            }
            3 => {
                let low = *msg.get(at + 1)?;
                jumps += 1;
                if jumps > MAX_JUMPS {
                    return None;
                }
                end.get_or_insert(at + 2);
                at = usize::from(n & 0x3f) << 8 | usize::from(low);
            }
            _ => return None,
        }
    }
}

/// `a` and `b` equal but for ASCII case, as `eq_ignore_ascii_case`: a plain loop, out of
/// line (the library's, unrolled and vectorised at each caller, was 300 bytes a copy).
#[inline(never)]
fn same_but_case(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.eq_ignore_ascii_case(y))
}

/// A big-endian u16 at `at`.
fn u16_at(msg: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(msg.get(at..at + 2)?.try_into().ok()?))
}

/// Writes the PTR query for `addr` (IPv4-mapped IPv6 as IPv4, as musl and glibc ask)
/// with `id` into `buf`, recursion desired; its length.
pub fn query(addr: IpAddr, id: u16, buf: &mut [u8; MAX_QUERY]) -> usize {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    // The zone, the root, then type PTR and class IN.
    const V4_TAIL: &[u8] = b"\x07in-addr\x04arpa\0\0\x0c\0\x01";
    const V6_TAIL: &[u8] = b"\x03ip6\x04arpa\0\0\x0c\0\x01";
    buf[..12].copy_from_slice(&[0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    buf[..2].copy_from_slice(&id.to_be_bytes());
    let mut at = 12;
    let octets = match addr {
        IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
        IpAddr::V6(a) => a.octets(),
    };
    let tail = if let [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ref v4 @ ..] = octets {
        // IPv4 (or IPv4-mapped): one label per octet, in decimal without leading zeros,
        // last octet first.
        for &o in v4.iter().rev() {
            let len = 1 + usize::from(o >= 10) + usize::from(o >= 100);
            buf[at] = len as u8;
            let mut n = o;
            for d in buf[at + 1..at + 1 + len].iter_mut().rev() {
                *d = b'0' + n % 10;
                n /= 10;
            }
            at += 1 + len;
        }
        V4_TAIL
    } else {
        // One label per nibble, low nibble first, last octet first.
        for &o in octets.iter().rev() {
            let nibbles = [1, HEX[usize::from(o & 15)], 1, HEX[usize::from(o >> 4)]];
            buf[at..at + 4].copy_from_slice(&nibbles);
            at += 4;
        }
        V6_TAIL
    };
    buf[at..at + tail.len()].copy_from_slice(tail);
    at + tail.len()
}

/// What a datagram from the server means for the lookup.
#[derive(Debug, Clone, Copy)]
#[allow(clippy::large_enum_variant, reason = "one on the stack per reply; no heap")]
pub enum Verdict {
    /// Not the answer to our query (short, another ID, not a response, another opcode
    /// or question): keep waiting.
    NotOurs,
    /// SERVFAIL, NOTIMP or REFUSED: ask the next server (glibc's `res_send` does).
    NextServer,
    /// The answer: a name, or none (NXDOMAIN, no PTR, a name that is not a host name,
    /// a malformed answer, or a truncated reply: no retry over TCP).
    Done(Option<Name>),
}

/// Judges `reply` to `query` (as [`query`] wrote it).
pub fn judge(query: &[u8], reply: &[u8]) -> Verdict {
    let question = query.get(12..).unwrap_or_default();
    // The ID, QR set, the same opcode and exactly the question we asked (the name in
    // any case, uncompressed as we sent it).
    let ours = reply.len() >= 12 + question.len()
        && reply.get(..2) == query.get(..2)
        && reply[2] & 0xf8 == 0x80
        && reply[4..6] == [0, 1]
        && same_but_case(&reply[12..12 + question.len()], question);
    if !ours {
        return Verdict::NotOurs;
    }
    match reply[3] & 0x0f {
        _ if reply[2] & 0x02 != 0 => Verdict::Done(None),
        2 | 4 | 5 => Verdict::NextServer,
        0 => Verdict::Done(answer(reply, 12 + question.len())),
        _ => Verdict::Done(None),
    }
}

/// The name the answer section (from `at`) gives the question's name, if any.
fn answer(msg: &[u8], mut at: usize) -> Option<Name> {
    let count = u16_at(msg, 6)?;
    let (mut expected, mut owner) = (Name::EMPTY, Name::EMPTY);
    read_name(msg, 12, &mut expected)?;
    for _ in 0..count {
        let end = read_name(msg, at, &mut owner)?;
        let rtype = u16_at(msg, end)?;
        let class = u16_at(msg, end + 2)?;
        let rdata = end + 10;
        let rdlen = usize::from(u16_at(msg, end + 8)?);
        msg.get(rdata..rdata + rdlen)?;
        at = rdata + rdlen;
        if class != IN {
            continue;
        }
        if rtype == CNAME {
            read_name(msg, rdata, &mut expected)?;
        } else if rtype == PTR && owner.same(&expected) {
            // The target, read over the owner (no longer needed).
            read_name(msg, rdata, &mut owner)?;
            return owner.is_host_name().then_some(owner);
        }
    }
    None
}

/// One name server: its address and, for IPv6, the scope (interface index).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Server {
    /// The address (port 53).
    pub addr: IpAddr,
    /// The IPv6 scope id (0: none).
    pub scope: u32,
}

/// What `/etc/resolv.conf` (and `RES_OPTIONS`) say, as glibc reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    servers: [Server; MAX_SERVERS],
    count: usize,
    /// Seconds to wait for each server's answer: 1 to 30 (default 5).
    pub timeout: u32,
    /// Rounds over the servers: 0 to 5 (default 2; 0 asks none, as glibc).
    pub attempts: u32,
}

impl Config {
    /// The name servers to ask, in order (127.0.0.1 when the file names none).
    pub fn servers(&self) -> &[Server] {
        self.servers.get(..self.count).unwrap_or_default()
    }

    /// Reads `text` (a resolv.conf) as glibc does: `#` or `;` at the start of a line
    /// comments it out; a line starting `nameserver` then a space or tab names a server
    /// (an IPv4 dotted quad, or IPv6 with an optional `%scope`, a number or an interface
    /// name that `if_index` turns into its index; the first three that parse count);
    /// `options` lines, then `env` (`RES_OPTIONS`), set `timeout:N` (at most 30, at
    /// least 1) and `attempts:N` (at most 5, at least 0), N read as `atoi` reads it.
    pub fn parse(
        text: &[u8],
        env: Option<&[u8]>,
        if_index: impl Fn(&str) -> Option<u32>,
    ) -> Config {
        let none = Server { addr: IpAddr::V4(core::net::Ipv4Addr::LOCALHOST), scope: 0 };
        let mut c = Config { servers: [none; MAX_SERVERS], count: 0, timeout: 5, attempts: 2 };
        let keyword = |line: &'_ [u8], word: &[u8]| -> Option<usize> {
            let next = *line.get(word.len())?;
            (line.starts_with(word) && (next == b' ' || next == b'\t')).then_some(word.len())
        };
        for line in text.split(|&b| b == b'\n') {
            if let Some(n) = keyword(line, b"nameserver") {
                let word = line
                    .get(n..)
                    .unwrap_or_default()
                    .split(|&b| b == b' ' || b == b'\t')
                    .find(|w| !w.is_empty());
                let server = word.and_then(|w| server(w, &if_index));
                if let Some(s) = server.filter(|_| c.count < MAX_SERVERS) {
                    c.servers[c.count] = s;
                    c.count += 1;
                }
            } else if let Some(n) = keyword(line, b"options") {
                c.options(line.get(n..).unwrap_or_default());
            }
        }
        if let Some(env) = env {
            c.options(env);
        }
        c.count = c.count.max(1);
        c
    }

    /// glibc's `res_setoptions` for the two options that matter here.
    fn options(&mut self, mut text: &[u8]) {
        loop {
            while let [b' ' | b'\t', rest @ ..] = text {
                text = rest;
            }
            if text.is_empty() {
                return;
            }
            if let Some(v) = text.strip_prefix(b"timeout:") {
                self.timeout = atoi(v).clamp(1, 30) as u32;
            } else if let Some(v) = text.strip_prefix(b"attempts:") {
                self.attempts = atoi(v).clamp(0, 5) as u32;
            }
            let word = text.iter().position(|&b| b == b' ' || b == b'\t');
            text = word.and_then(|w| text.get(w..)).unwrap_or_default();
        }
    }
}

/// A `nameserver` word: an IPv4 dotted quad, or IPv6 with an optional `%scope`.
fn server(word: &[u8], if_index: &impl Fn(&str) -> Option<u32>) -> Option<Server> {
    if let Some(a) = inet_pton4(word) {
        return Some(Server { addr: IpAddr::from(a), scope: 0 });
    }
    let (addr, scope) = match word.iter().position(|&b| b == b'%') {
        Some(at) => (&word[..at], &word[at + 1..]),
        None => (word, &b""[..]),
    };
    // A word that is not UTF-8 names no server (only the scope can be other than ASCII).
    let scope_name = core::str::from_utf8(scope).ok()?;
    let addr = core::net::Ipv6Addr::from(inet_pton6(addr)?);
    // Scope errors are ignored, as glibc does.
    let scope = match number(scope) {
        Some(n) => n,
        None if scope.is_empty() => 0,
        None => if_index(scope_name).unwrap_or(0),
    };
    Some(Server { addr: IpAddr::V6(addr), scope })
}

/// A `u32` as `str::parse` reads one: an optional `+`, then only digits, at least one,
/// no overflow.
fn number(text: &[u8]) -> Option<u32> {
    let digits = text.strip_prefix(b"+").unwrap_or(text);
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u32, |n, &d| {
        let d = d.checked_sub(b'0').filter(|&d| d < 10)?;
        n.checked_mul(10)?.checked_add(u32::from(d))
    })
}

/// C's `atoi`: white space, a sign, then digits up to the first other byte (0 if none);
/// saturating instead of undefined on overflow.
fn atoi(text: &[u8]) -> i64 {
    let mut rest = text;
    while let [b, tail @ ..] = rest
        && (b.is_ascii_whitespace() || *b == 0x0b)
    {
        rest = tail;
    }
    let negative = rest.first() == Some(&b'-');
    if let [b'-' | b'+', tail @ ..] = rest {
        rest = tail;
    }
    let n = rest
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .fold(0i64, |n, &d| n.saturating_mul(10).saturating_add(i64::from(d - b'0')).min(1 << 40));
    if negative { -n } else { n }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `name` (dotted, no trailing dot) in wire form, with the root's 0.
    fn wire(name: &str) -> Vec<u8> {
        let mut out = Vec::new();
        for l in name.split('.').filter(|l| !l.is_empty()) {
            out.push(l.len() as u8);
            out.extend_from_slice(l.as_bytes());
        }
        out.push(0);
        out
    }

    fn query_for(addr: &str, id: u16) -> Vec<u8> {
        let mut buf = [0u8; MAX_QUERY];
        let n = query(addr.parse().unwrap(), id, &mut buf);
        buf[..n].to_vec()
    }

    /// One answer record: owner (wire form, maybe a pointer), type, class, rdata.
    fn record(owner: &[u8], rtype: u16, class: u16, rdata: &[u8]) -> Vec<u8> {
        let mut r = owner.to_vec();
        r.extend_from_slice(&rtype.to_be_bytes());
        r.extend_from_slice(&class.to_be_bytes());
        r.extend_from_slice(&3600u32.to_be_bytes());
        r.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        r.extend_from_slice(rdata);
        r
    }

    /// A reply to `q`: flags (QR set, RD and RA kept), rcode, and the answer records.
    fn reply(q: &[u8], flags: u8, rcode: u8, answers: &[Vec<u8>]) -> Vec<u8> {
        let mut r = q.to_vec();
        r[2] = 0x80 | flags | 0x01;
        r[3] = 0x80 | rcode;
        r[6..8].copy_from_slice(&(answers.len() as u16).to_be_bytes());
        for a in answers {
            r.extend_from_slice(a);
        }
        r
    }

    /// The pointer to the question's name.
    const QNAME: &[u8] = &[0xc0, 12];

    fn name_of(v: Verdict) -> Option<String> {
        match v {
            Verdict::Done(n) => {
                n.map(|n| String::from_utf8(n.bytes()).expect("host names are ASCII"))
            }
            other => panic!("not an answer: {other:?}"),
        }
    }

    #[test]
    fn queries_name_the_reverse_zones() {
        let q = query_for("192.0.2.10", 0xbeef);
        assert_eq!(q[..12], [0xbe, 0xef, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(q[12..q.len() - 4], wire("10.2.0.192.in-addr.arpa")[..]);
        assert_eq!(q[q.len() - 4..], [0, 12, 0, 1]);
        assert_eq!(query_for("::ffff:192.0.2.10", 0xbeef), q);
        let q6 = query_for("2001:db8::567:89ab", 1);
        let name = "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa";
        assert_eq!(q6[12..q6.len() - 4], wire(name)[..]);
        let longest = query_for("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1);
        assert_eq!(longest.len(), MAX_QUERY);
        assert_eq!(query_for("0.0.0.0", 1).len(), 12 + wire("0.0.0.0.in-addr.arpa").len() + 4);
    }

    /// Replies captured from dnsmasq (`tests/fixtures/dns/README.md`): file, address, ID
    /// and the name each gives.
    const CAPTURED: [(&[u8], &str, u16, Option<&str>); 6] = [
        (
            include_bytes!("../../tests/fixtures/dns/ptr.bin"),
            "10.0.0.1",
            0x5a00,
            Some("host1.example.org"),
        ),
        (
            include_bytes!("../../tests/fixtures/dns/two-ptrs.bin"),
            "10.0.0.2",
            0x5a01,
            Some("second.example.org"),
        ),
        (
            include_bytes!("../../tests/fixtures/dns/cname-rfc2317.bin"),
            "10.0.0.10",
            0x5a02,
            Some("delegated.example.org"),
        ),
        (
            include_bytes!("../../tests/fixtures/dns/ipv6.bin"),
            "2001:db8::1",
            0x5a03,
            Some("v6host.example.org"),
        ),
        (include_bytes!("../../tests/fixtures/dns/hostile.bin"), "10.0.0.3", 0x5a04, None),
        (include_bytes!("../../tests/fixtures/dns/nxdomain.bin"), "10.0.0.99", 0x5a05, None),
    ];

    #[test]
    fn captured_replies() {
        for (reply, addr, id, name) in CAPTURED {
            let q = query_for(addr, id);
            assert_eq!(name_of(judge(&q, reply)).as_deref(), name, "{addr}");
            // Asked with another ID, or for another address, the reply is not ours.
            assert!(matches!(judge(&query_for(addr, id ^ 1), reply), Verdict::NotOurs));
            assert!(matches!(judge(&query_for("10.9.9.9", id), reply), Verdict::NotOurs));
            // Every cut of it is judged without a panic, and never gives another name.
            for n in 0..reply.len() {
                if let Verdict::Done(Some(got)) = judge(&q, &reply[..n]) {
                    assert_eq!(Some(got.bytes().as_slice()), name.map(str::as_bytes));
                }
            }
        }
    }

    #[test]
    fn a_ptr_answer_gives_its_name() {
        let q = query_for("10.0.0.1", 7);
        let r = reply(&q, 0, 0, &[record(QNAME, PTR, IN, &wire("host.example.org"))]);
        assert_eq!(name_of(judge(&q, &r)).as_deref(), Some("host.example.org"));
        // The question echoed in another case still matches.
        let mut upper = r.clone();
        upper[12..q.len()].make_ascii_uppercase();
        assert_eq!(name_of(judge(&q, &upper)).as_deref(), Some("host.example.org"));
    }

    #[test]
    fn replies_to_something_else_are_not_ours() {
        let q = query_for("10.0.0.1", 7);
        let good = reply(&q, 0, 0, &[record(QNAME, PTR, IN, &wire("h"))]);
        let mut cases = vec![good[..11].to_vec(), good[..q.len() - 1].to_vec()];
        for (at, value) in [(1, 8), (2, 0x01), (2, 0x89), (5, 2), (13, b'2'), (q.len() - 1, 2)] {
            let mut r = good.clone();
            r[at] = value;
            cases.push(r);
        }
        for r in cases {
            assert!(matches!(judge(&q, &r), Verdict::NotOurs), "{r:?}");
        }
    }

    #[test]
    fn rcodes_truncation_and_empty_answers() {
        let q = query_for("10.0.0.1", 7);
        let ptr = [record(QNAME, PTR, IN, &wire("h"))];
        for rcode in [2, 4, 5] {
            assert!(matches!(judge(&q, &reply(&q, 0, rcode, &ptr)), Verdict::NextServer));
        }
        for rcode in [1, 3, 6, 9, 15] {
            assert_eq!(name_of(judge(&q, &reply(&q, 0, rcode, &ptr))), None, "{rcode}");
        }
        assert_eq!(name_of(judge(&q, &reply(&q, 0x02, 0, &ptr))), None, "truncated");
        assert_eq!(name_of(judge(&q, &reply(&q, 0, 0, &[]))), None);
    }

    #[test]
    fn cnames_lead_to_the_ptr_of_a_classless_delegation() {
        // RFC 2317: 10.0.0.1 is delegated as 10.0-25.0.0.10.in-addr.arpa.
        let q = query_for("10.0.0.10", 7);
        let target = wire("10.0-25.0.0.10.in-addr.arpa");
        let r = reply(
            &q,
            0,
            0,
            &[
                record(QNAME, CNAME, IN, &target),
                record(&target, PTR, IN, &wire("delegated.example")),
            ],
        );
        assert_eq!(name_of(judge(&q, &r)).as_deref(), Some("delegated.example"));
        // Without the CNAME the PTR's owner is not the question's name.
        let r = reply(&q, 0, 0, &[record(&target, PTR, IN, &wire("delegated.example"))]);
        assert_eq!(name_of(judge(&q, &r)), None);
        // A CNAME to a name with no PTR: none.
        let r = reply(
            &q,
            0,
            0,
            &[record(QNAME, CNAME, IN, &target), record(QNAME, PTR, IN, &wire("stale.example"))],
        );
        assert_eq!(name_of(judge(&q, &r)), None);
    }

    #[test]
    fn the_first_ptr_of_class_in_decides() {
        let q = query_for("10.0.0.1", 7);
        let r = reply(
            &q,
            0,
            0,
            &[
                record(QNAME, PTR, 3, &wire("chaos.example")),
                record(QNAME, 16, IN, b"\x04text"),
                record(QNAME, PTR, IN, &wire("first.example")),
                record(QNAME, PTR, IN, &wire("second.example")),
            ],
        );
        assert_eq!(name_of(judge(&q, &r)).as_deref(), Some("first.example"));
        let r = reply(
            &q,
            0,
            0,
            &[
                record(QNAME, PTR, IN, &wire("bad name")),
                record(QNAME, PTR, IN, &wire("good.example")),
            ],
        );
        assert_eq!(name_of(judge(&q, &r)), None);
    }

    #[test]
    fn names_that_are_not_host_names_are_refused() {
        let q = query_for("10.0.0.1", 7);
        let ask =
            |target: &[u8]| name_of(judge(&q, &reply(&q, 0, 0, &[record(QNAME, PTR, IN, target)])));
        for bad in [
            &b"\x04a\x1bb\x07\x00"[..],
            b"\x06\"quot\"\x00",
            b"\x03a b\x00",
            b"\x04-opt\x03com\x00",
            b"\x03a.b\x00",
            b"\x04caf\xc3\x00",
            b"\x04ba\xffd\x07example\x00",
            b"\x04ok\x00z\x00",
            b"\x02\x80\x7f\x00",
        ] {
            assert_eq!(ask(bad), None, "{bad:?}");
        }
        assert_eq!(ask(&wire("_srv.x-y.Z9")).as_deref(), Some("_srv.x-y.Z9"));
        assert_eq!(ask(&wire("a.-b")).as_deref(), Some("a.-b"), "only the first label's dash");
        assert_eq!(ask(&wire("x-.Y_")).as_deref(), Some("x-.Y_"), "a dash or _ may end one");
        // The root passes `__res_binary_hnok`; `ns_name_ntop` writes it as a dot.
        assert_eq!(ask(b"\x00").as_deref(), Some("."));
    }

    #[test]
    fn compression_is_followed_within_bounds() {
        let q = query_for("10.0.0.1", 7);
        // The target points into the question: "10.in-addr.arpa" with a prefix.
        let r = reply(&q, 0, 0, &[record(QNAME, PTR, IN, &[3, b'p', b't', b'r', 0xc0, 18])]);
        assert_eq!(name_of(judge(&q, &r)).as_deref(), Some("ptr.10.in-addr.arpa"));
        // Past the end, a label past the end, a reserved label type.
        for bad in [&[0xc0, 0xff][..], &[0x3f], &[0x80, 0]] {
            let r = reply(&q, 0, 0, &[record(QNAME, PTR, IN, bad)]);
            assert_eq!(name_of(judge(&q, &r)), None, "{bad:?}");
        }
        // A pointer to itself; two pointing at each other.
        let r = reply(&q, 0, 0, &[record(QNAME, PTR, IN, &[0xc0, 0])]);
        let mut selfish = r.clone();
        selfish[r.len() - 1] = (r.len() - 2) as u8;
        assert_eq!(name_of(judge(&q, &selfish)), None);
        let r = reply(&q, 0, 0, &[record(QNAME, PTR, IN, &[0xc0, 0, 0xc0, 0])]);
        let mut pair = r.clone();
        pair[r.len() - 3] = (r.len() - 2) as u8;
        pair[r.len() - 1] = (r.len() - 4) as u8;
        assert_eq!(name_of(judge(&q, &pair)), None);
        // A chain of pointers, each to the one before: fine up to MAX_JUMPS.
        // (after the answer, whose PTR points at the last one).
        let chain = |n: usize| {
            let mut r = reply(&q, 0, 0, &[record(QNAME, PTR, IN, &[0, 0])]);
            let start = r.len();
            r.extend_from_slice(&[1, b'c', 0]);
            for i in 0..n {
                let to = if i == 0 { start } else { start + 3 + 2 * (i - 1) };
                r.extend_from_slice(&[0xc0 | (to >> 8) as u8, to as u8]);
            }
            let last = r.len() - 2;
            r[start - 2..start].copy_from_slice(&[0xc0 | (last >> 8) as u8, last as u8]);
            name_of(judge(&q, &r))
        };
        // n in the chain and the PTR's own: n + 1 jumps.
        assert_eq!(chain(MAX_JUMPS - 1).as_deref(), Some("c"));
        assert_eq!(chain(MAX_JUMPS), None);
    }

    #[test]
    fn names_longer_than_255_bytes_are_refused() {
        let q = query_for("10.0.0.1", 7);
        let label = "a".repeat(63);
        // 4 × 64 + 1 = 257 bytes; 3 × 64 + 62 + 1 = 255 is the longest.
        let long = [label.as_str(); 4].join(".");
        let r = reply(&q, 0, 0, &[record(QNAME, PTR, IN, &wire(&long))]);
        assert_eq!(name_of(judge(&q, &r)), None);
        let longest = format!("{}.{}", [label.as_str(); 3].join("."), "b".repeat(61));
        assert_eq!(wire(&longest).len(), 255);
        let r = reply(&q, 0, 0, &[record(QNAME, PTR, IN, &wire(&longest))]);
        assert_eq!(name_of(judge(&q, &r)), Some(longest));
    }

    fn none(_: &str) -> Option<u32> {
        None
    }

    #[test]
    fn resolv_conf_defaults() {
        let c = Config::parse(b"", None, none);
        assert_eq!(c.servers(), [Server { addr: "127.0.0.1".parse().unwrap(), scope: 0 }]);
        assert_eq!((c.timeout, c.attempts), (5, 2));
    }

    #[test]
    fn resolv_conf_servers_as_glibc_reads_them() {
        let text = b"# nameserver 10.9.9.9\n\
            ;nameserver 10.9.9.8\n\
            nameservers 10.9.9.7\n\
            \x20nameserver 10.9.9.6\n\
            nameserver\t10.0.0.1 trailing words\n\
            nameserver 300.0.0.1\n\
            nameserver 10.0.0.2\r\n\
            nameserver fe80::1%7\n\
            nameserver fe80::2%eth0\n\
            nameserver 10.0.0.4\n";
        let idx = |n: &str| (n == "eth0").then_some(2);
        let c = Config::parse(text, None, idx);
        let s = |a: &str, scope| Server { addr: a.parse().unwrap(), scope };
        assert_eq!(c.servers(), [s("10.0.0.1", 0), s("fe80::1", 7), s("fe80::2", 2)]);
        let c = Config::parse(b"nameserver ::1%nosuch\nnameserver ::2%\n", None, idx);
        assert_eq!(c.servers(), [s("::1", 0), s("::2", 0)]);
    }

    #[test]
    fn resolv_conf_options_clamped_as_glibc() {
        let c = |text: &[u8], env: Option<&[u8]>| {
            let c = Config::parse(text, env, none);
            (c.timeout, c.attempts)
        };
        assert_eq!(c(b"options timeout:1 attempts:1\n", None), (1, 1));
        assert_eq!(c(b"options ndots:2 timeout:99 attempts:9 rotate\n", None), (30, 5));
        assert_eq!(c(b"options timeout:0 attempts:0\n", None), (1, 0));
        assert_eq!(c(b"options timeout:-4 attempts:-1\n", None), (1, 0));
        assert_eq!(c(b"options timeout:x attempts:3z\n", None), (1, 3));
        assert_eq!(c(b"options timeout: 7\n", None), (7, 2), "atoi skips white space");
        assert_eq!(c(b"options\ttimeout:3\noptions attempts:4\n", None), (3, 4));
        assert_eq!(c(b"options timeout:99999999999999999999\n", None), (30, 2));
        assert_eq!(c(b"option timeout:3\n#options attempts:1\n", None), (5, 2));
        assert_eq!(c(b"options timeout:3\n", Some(b"attempts:1 timeout:2")), (2, 1));
    }

    /// A host-name label: letters, digits, `-`, `_`.
    fn label() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9_][a-zA-Z0-9_-]{0,20}"
    }

    fn host_name() -> impl Strategy<Value = String> {
        proptest::collection::vec(label(), 1..5).prop_map(|l| l.join("."))
    }

    fn address() -> impl Strategy<Value = IpAddr> {
        prop_oneof![
            any::<[u8; 4]>().prop_map(IpAddr::from),
            any::<[u8; 16]>().prop_map(IpAddr::from),
        ]
    }

    proptest! {
        /// A reply built from a CNAME chain, records that do not count and the PTR
        /// gives the PTR's name back.
        #[test]
        fn built_replies_round_trip(
            addr in address(),
            id in any::<u16>(),
            chain in proptest::collection::vec(host_name(), 0..4),
            noise in proptest::collection::vec((host_name(), 0u16..3), 0..4),
            target in host_name(),
            compress in any::<bool>(),
        ) {
            let q = query_for(&addr.to_string(), id);
            let mut records = Vec::new();
            let mut owner = if compress { QNAME.to_vec() } else { q[12..q.len() - 4].to_vec() };
            for name in &chain {
                records.push(record(&owner, CNAME, IN, &wire(name)));
                owner = wire(name);
            }
            for (name, kind) in &noise {
                records.push(match kind {
                    0 => record(&owner, PTR, 3, &wire(name)),
                    1 => record(&owner, 16, IN, name.as_bytes()),
                    _ => record(&wire(&format!("x.{name}")), PTR, IN, &wire(name)),
                });
            }
            records.push(record(&owner, PTR, IN, &wire(&target)));
            let got = name_of(judge(&q, &reply(&q, 0, 0, &records)));
            let valid = !target.starts_with('-');
            prop_assert_eq!(got, valid.then_some(target));
        }

        /// Labels of any bytes: the name is refused exactly when a byte is outside
        /// `res_hnok`'s alphabet or the first label starts with `-` (glibc then fails the
        /// lookup, and `ip -r` prints the address); an accepted name comes out byte for
        /// byte, labels joined by dots.
        #[test]
        fn accepted_names_come_out_byte_for_byte(
            labels in proptest::collection::vec(
                proptest::collection::vec(
                    prop_oneof![
                        3 => proptest::sample::select(&b"aZ09-_"[..]),
                        1 => any::<u8>(),
                    ],
                    1..12,
                ),
                1..5,
            ),
            id in any::<u16>(),
        ) {
            let q = query_for("10.0.0.1", id);
            let mut target = Vec::new();
            for l in &labels {
                target.push(l.len() as u8);
                target.extend_from_slice(l);
            }
            target.push(0);
            let r = reply(&q, 0, 0, &[record(QNAME, PTR, IN, &target)]);
            let alphabet = |b: &u8| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_';
            let ok = labels[0][0] != b'-' && labels.iter().all(|l| l.iter().all(alphabet));
            let Verdict::Done(got) = judge(&q, &r) else {
                return Err(TestCaseError::fail("not an answer"));
            };
            prop_assert_eq!(got.map(|n| n.bytes()), ok.then(|| labels.join(&b'.')));
        }

        /// The query names the address's reverse zone, spelled from its text.
        #[test]
        fn queries_spell_the_reverse_name(addr in address(), id in any::<u16>()) {
            let v4 = match addr {
                IpAddr::V6(a) => a.to_ipv4_mapped(),
                IpAddr::V4(a) => Some(a),
            };
            let name = match v4.map_or(addr, IpAddr::V4) {
                IpAddr::V4(a) => {
                    let [a, b, c, d] = a.octets();
                    format!("{d}.{c}.{b}.{a}.in-addr.arpa")
                }
                IpAddr::V6(a) => {
                    let hex: String = a.octets().iter().map(|o| format!("{o:02x}")).collect();
                    let nibbles: Vec<String> = hex.chars().rev().map(String::from).collect();
                    format!("{}.ip6.arpa", nibbles.join("."))
                }
            };
            let q = query_for(&addr.to_string(), id);
            prop_assert_eq!(&q[..2], &id.to_be_bytes()[..]);
            prop_assert_eq!(&q[12..q.len() - 4], &wire(&name)[..]);
            prop_assert_eq!(&q[q.len() - 4..], &[0, 12, 0, 1][..]);
        }

        /// Any bytes: no panic, and a name found is a host name.
        #[test]
        fn arbitrary_replies_are_judged_safely(
            addr in address(),
            body in proptest::collection::vec(any::<u8>(), 0..600),
            keep_header in any::<bool>(),
        ) {
            let q = query_for(&addr.to_string(), 1);
            let mut r = body.clone();
            if keep_header {
                // Our header and question in front, so the answer parser is reached.
                r = reply(&q, 0, 0, &[]);
                r[7] = body.first().copied().unwrap_or(0);
                r.extend_from_slice(&body);
            }
            if let Verdict::Done(Some(n)) = judge(&q, &r) {
                prop_assert!(n.is_host_name());
                prop_assert!(n.bytes().len() <= 253);
            }
        }

        /// A scope is a number as `str::parse::<u32>` reads it, else an interface name.
        #[test]
        fn scopes_read_as_str_parse(scope in "[+0-9a-z%-]{0,12}|[0-9]{9,11}|\\PC{0,4}") {
            let idx = |n: &str| (n == "eth0").then_some(2);
            let word = format!("fe80::1%{scope}");
            let want = match scope.parse::<u32>() {
                Ok(n) => n,
                Err(_) if scope.is_empty() => 0,
                Err(_) => idx(&scope).unwrap_or(0),
            };
            let got = server(word.as_bytes(), &idx).map(|s| s.scope);
            prop_assert_eq!(got, Some(want));
            let mut bytes = word.into_bytes();
            bytes.push(0xff);
            prop_assert_eq!(server(&bytes, &idx), None, "a word that is not UTF-8");
        }

        /// Any resolv.conf: no panic, every value within its bounds.
        #[test]
        fn arbitrary_resolv_conf(text in proptest::collection::vec(any::<u8>(), 0..400)) {
            let c = Config::parse(&text, Some(&text), none);
            prop_assert!((1..=MAX_SERVERS).contains(&c.servers().len()));
            prop_assert!((1..=30).contains(&c.timeout) && c.attempts <= 5);
        }
    }
}
