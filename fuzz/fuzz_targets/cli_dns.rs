//! Fuzz the DNS part of `-r` (`names::dns`): the judgement of a reply to our PTR query,
//! and the resolv.conf reader. Input: one byte of settings (bit 0: resolv.conf instead of
//! a reply; bit 1: put our header and question in front of the rest, so that the answer
//! section is reached), an address, a query ID, then the reply (or the file).
//!
//! Checked for replies: a reply counts only with our ID, QR set, opcode 0 and our
//! question (any case); a name found is a host name as glibc's `__res_binary_hnok` wants
//! it (labels of letters, digits, `-` and `_`, the first not starting with `-`; or the
//! root, written `.`), at most 253 bytes, and the JSON of an endpoint named by it is
//! strict and holds the name byte for byte. For resolv.conf: one to
//! three servers, timeout 1 to 30, attempts 0 to 5.
#![no_main]

use mptcp_cli::names::dns::{self, Config, Verdict};
use mptcp_stack_fuzz::{Cursor, named_endpoint_address};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut c = Cursor::new(data);
    let settings = c.u8();
    if settings & 1 != 0 {
        let text = c.rest();
        let conf = Config::parse(text, Some(text), |n| Some(n.len() as u32));
        assert!((1..=dns::MAX_SERVERS).contains(&conf.servers().len()));
        assert!((1..=30).contains(&conf.timeout) && conf.attempts <= 5, "{conf:?}");
        return;
    }
    let addr = c.ip();
    let id = c.u16();
    let mut buf = [0u8; dns::MAX_QUERY];
    let len = dns::query(addr, id, &mut buf);
    let query = &buf[..len];
    let mut reply = Vec::new();
    if settings & 2 != 0 {
        reply.extend_from_slice(query);
        reply[2] = 0x81;
        reply[3] = 0x80;
        reply[7] = c.u8();
    }
    reply.extend_from_slice(c.rest());

    let verdict = dns::judge(query, &reply);
    if !matches!(verdict, Verdict::NotOurs) {
        assert_eq!(reply[..2], id.to_be_bytes());
        assert_eq!(reply[2] & 0xf8, 0x80);
        assert_eq!(reply[4..6], [0, 1]);
        assert!(reply[12..query.len()].eq_ignore_ascii_case(&query[12..]));
    }
    let Verdict::Done(Some(name)) = verdict else { return };
    assert!(name.is_host_name());
    let bytes = name.bytes();
    assert!(!bytes.is_empty() && bytes.len() <= 253, "{name:?}");
    if bytes != b"." {
        assert!(!bytes.starts_with(b"-"), "{name:?}");
        for label in bytes.split(|&b| b == b'.') {
            let ok = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_');
            assert!((1..64).contains(&label.len()) && label.iter().all(ok), "{name:?}");
        }
    }

    assert_eq!(named_endpoint_address(addr, &bytes), bytes);
});
