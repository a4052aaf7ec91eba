//! Fuzz the `/etc/hosts` reader of `-r` without DNS, then print its name the way
//! `endpoint show -r -j` does. Input: an address (one byte for the family, then its
//! bytes), then the hosts file.
//!
//! Checked: a name is a piece of the file, on a line whose first field is the address
//! (IPv4 equal to its mapped IPv6), before any `#`, shorter than 256 bytes, without white
//! space; no earlier line gives the address a name; and the JSON of an endpoint named
//! by it is strict and holds the name byte for byte (glibc's files backend takes the
//! name's bytes as they are, and `ip -r` prints them so: no byte replaced).
#![no_main]

use std::net::IpAddr;

use mptcp_cli::names::hosts;
use mptcp_stack_fuzz::{Cursor, named_endpoint_address};

fn mapped(a: IpAddr) -> std::net::Ipv6Addr {
    match a {
        IpAddr::V4(a) => a.to_ipv6_mapped(),
        IpAddr::V6(a) => a,
    }
}

/// The address a hosts line gives a name to, and the name (any length), if any.
fn line_entry(line: &[u8]) -> Option<(IpAddr, &[u8])> {
    let text = line.split(|&b| b == b'#').next()?;
    let mut fields = text.split(u8::is_ascii_whitespace).filter(|f| !f.is_empty());
    let addr = std::str::from_utf8(fields.next()?).ok()?.parse().ok()?;
    Some((addr, fields.next()?))
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut c = Cursor::new(data);
    let addr = c.ip();
    let file = c.rest();
    let Some(name) = hosts::name_in(file, addr) else {
        for line in file.split(|&b| b == b'\n') {
            if let Some((a, n)) = line_entry(line) {
                assert!(mapped(a) != mapped(addr) || n.len() >= 256, "missed {line:?}");
            }
        }
        return;
    };
    let start = name.as_ptr() as usize - file.as_ptr() as usize;
    assert!(start + name.len() <= file.len());
    assert!(!name.is_empty() && name.len() < 256);
    assert!(!name.iter().any(|b| b.is_ascii_whitespace() || *b == b'#'), "{name:?}");
    let line_start = file[..start].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    for line in file[..line_start].split(|&b| b == b'\n') {
        if let Some((a, n)) = line_entry(line) {
            assert!(mapped(a) != mapped(addr) || n.len() >= 256, "an earlier line: {line:?}");
        }
    }
    let line_end = file[start..].iter().position(|&b| b == b'\n').map_or(file.len(), |i| start + i);
    let (a, n) = line_entry(&file[line_start..line_end]).expect("the name's line");
    assert_eq!((mapped(a), n), (mapped(addr), name));

    assert_eq!(named_endpoint_address(addr, name), name);
});
