//! Request bytes against iproute2's observed requests (reference §3.10), and parse-back.

use core::net::{Ipv4Addr, Ipv6Addr};

use super::*;
use crate::{EndpointAddr, EndpointFlags};

const FAMILY: u16 = 0x1c;
const SEQ: u32 = 0x0102_0304;

/// Expected bytes, written field by field in host order (so the tests hold on any
/// endianness) into a fixed buffer.
struct W {
    buf: [u8; 256],
    len: usize,
}

impl W {
    fn new() -> Self {
        W { buf: [0; 256], len: 0 }
    }
    fn raw(mut self, b: &[u8]) -> Self {
        self.buf[self.len..self.len + b.len()].copy_from_slice(b);
        self.len += b.len();
        self
    }
    fn u16(self, v: u16) -> Self {
        self.raw(&v.to_ne_bytes())
    }
    fn u32(self, v: u32) -> Self {
        self.raw(&v.to_ne_bytes())
    }
    /// nlmsghdr (pid 0) and genlmsghdr (version 1).
    fn head(self, len: u32, flags: u16, seq: u32, cmd: u8) -> Self {
        self.u32(len).u16(FAMILY).u16(flags).u32(seq).u32(0).raw(&[cmd, 1, 0, 0])
    }
    /// An attribute header.
    fn attr(self, len: u16, kind: u16) -> Self {
        self.u16(len).u16(kind)
    }
    fn bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

fn emit<'b>(r: &Request, buf: &'b mut [u8], seq: u32) -> &'b [u8] {
    r.emit(buf, FAMILY, seq).unwrap()
}

fn check(r: Request, seq: u32, want: W) {
    let mut buf = [0xa5u8; MAX_REQUEST_LEN];
    let got = emit(&r, &mut buf, seq);
    assert_eq!(got, want.bytes(), "{r:?}");
    let m = nlwire::Message::parse(got).unwrap().genl().unwrap();
    assert_eq!(Request::parse(&m), Ok(r));
}

#[test]
fn add_with_everything() {
    // ip mptcp endpoint add 10.0.0.9 id 9 dev lo port 4000 signal backup
    let r = Request::AddAddr(Endpoint {
        addr: Some(EndpointAddr::V4(Ipv4Addr::new(10, 0, 0, 9))),
        id: Some(9),
        port: 4000,
        flags: EndpointFlags::SIGNAL | EndpointFlags::BACKUP,
        ifindex: 1,
    });
    let want = W::new()
        .head(72, 5, SEQ, 1)
        .attr(0x34, 0x8001)
        .attr(5, 2)
        .raw(&[9, 0, 0, 0])
        .attr(8, 6)
        .u32(5)
        .attr(8, 7)
        .u32(1)
        .attr(6, 5)
        .u16(4000)
        .u16(0)
        .attr(6, 1)
        .u16(2)
        .u16(0)
        .attr(8, 3)
        .raw(&[10, 0, 0, 9]);
    check(r, SEQ, want);
}

#[test]
fn delete_id0_with_address() {
    let mut ep = Endpoint::with_addr(Ipv4Addr::new(10, 0, 0, 77));
    ep.id = Some(0);
    let want = W::new()
        .head(48, 5, SEQ, 2)
        .attr(0x1c, 0x8001)
        .attr(5, 2)
        .raw(&[0, 0, 0, 0])
        .attr(6, 1)
        .u16(2)
        .u16(0)
        .attr(8, 3)
        .raw(&[10, 0, 0, 77]);
    check(Request::DelAddr(ep), SEQ, want);
}

#[test]
fn show_dump_and_show_id() {
    check(Request::DumpAddrs, 0, W::new().head(20, 0x301, 0, 3));
    let want = W::new().head(32, 1, SEQ, 3).attr(0x0c, 0x8001).attr(5, 2).raw(&[5, 0, 0, 0]);
    check(Request::GetAddr(Endpoint::with_id(5)), SEQ, want);
}

#[test]
fn change_v6_port_fullmesh() {
    let v6 = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 5);
    let mut ep = Endpoint::with_addr(v6);
    ep.port = 7;
    ep.flags = EndpointFlags::FULLMESH;
    let want = W::new()
        .head(68, 5, SEQ, 7)
        .attr(0x30, 0x8001)
        .attr(8, 6)
        .u32(8)
        .attr(6, 5)
        .u16(7)
        .u16(0)
        .attr(6, 1)
        .u16(10)
        .u16(0)
        .attr(20, 4)
        .raw(&v6.octets());
    check(Request::SetFlags(ep), SEQ, want);
}

#[test]
fn change_id_nobackup_sends_no_flags() {
    let want = W::new().head(32, 5, SEQ, 7).attr(0x0c, 0x8001).attr(5, 2).raw(&[5, 0, 0, 0]);
    check(Request::SetFlags(Endpoint::with_id(5)), SEQ, want);
}

#[test]
fn bare_commands() {
    check(Request::FlushAddrs, SEQ, W::new().head(20, 5, SEQ, 4));
    check(Request::SetLimits(Limits::default()), SEQ, W::new().head(20, 5, SEQ, 5));
    check(Request::GetLimits(Limits::default()), SEQ, W::new().head(20, 1, SEQ, 6));
}

#[test]
fn limits_set_both() {
    // ip mptcp limits set subflows 3 add_addr_accepted 4
    let l = Limits { rcv_add_addrs: Some(4), subflows: Some(3) };
    let want = W::new().head(36, 5, SEQ, 5).attr(8, 2).u32(4).attr(8, 3).u32(3);
    check(Request::SetLimits(l), SEQ, want);
}

#[test]
fn add_default_signal() {
    let mut ep = Endpoint::with_addr(EndpointAddr::Unspec);
    ep.flags = EndpointFlags::SIGNAL;
    let want = W::new()
        .head(44, 5, SEQ, 1)
        .attr(0x18, 0x8001)
        .attr(8, 6)
        .u32(1)
        .attr(6, 1)
        .u16(0)
        .u16(0)
        .attr(4, 4);
    check(Request::AddAddr(ep), SEQ, want);
}

/// Decodes a hex string (spaces and dots ignored) into `out`.
fn hex(s: &str, out: &mut [u8]) -> usize {
    let mut n = 0;
    let mut hi = None;
    for c in s.chars().filter(char::is_ascii_hexdigit) {
        let d = c.to_digit(16).unwrap() as u8;
        match hi.take() {
            None => hi = Some(d),
            Some(h) => {
                out[n] = h << 4 | d;
                n += 1;
            }
        }
    }
    n
}

/// The literal bytes of reference §3.10, as captured on a little-endian machine
/// (seq written as 04030201).
#[cfg(target_endian = "little")]
#[test]
fn observed_bytes_verbatim() {
    let v6 = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 5);
    let mut change = Endpoint::with_addr(v6);
    change.port = 7;
    change.flags = EndpointFlags::FULLMESH;
    let mut del0 = Endpoint::with_addr(Ipv4Addr::new(10, 0, 0, 77));
    del0.id = Some(0);
    let mut default = Endpoint::with_addr(EndpointAddr::Unspec);
    default.flags = EndpointFlags::SIGNAL;
    let add = Endpoint {
        addr: Some(EndpointAddr::V4(Ipv4Addr::new(10, 0, 0, 9))),
        id: Some(9),
        port: 4000,
        flags: EndpointFlags::SIGNAL | EndpointFlags::BACKUP,
        ifindex: 1,
    };
    let rows: [(Request, &str); 11] = [
        (
            Request::AddAddr(add),
            "48000000 1c00 0500 04030201 00000000 01 01 0000 3400 0180 0500 0200 09 000000
             0800 0600 05000000 0800 0700 01000000 0600 0500 a00f 0000 0600 0100 0200 0000
             0800 0300 0a000009",
        ),
        (
            Request::DelAddr(del0),
            "30000000 1c00 0500 04030201 00000000 02 01 0000 1c00 0180 0500 0200 00 000000
             0600 0100 0200 0000 0800 0300 0a00004d",
        ),
        (Request::DumpAddrs, "14000000 1c00 0103 04030201 00000000 03 01 0000"),
        (
            Request::GetAddr(Endpoint::with_id(5)),
            "20000000 1c00 0100 04030201 00000000 03 01 0000 0c00 0180 0500 0200 05 000000",
        ),
        (
            Request::SetFlags(change),
            "44000000 1c00 0500 04030201 00000000 07 01 0000 3000 0180 0800 0600 08000000
             0600 0500 0700 0000 0600 0100 0a00 0000 1400 0400 20010db8 00000000 00000000
             00000005",
        ),
        (
            Request::SetFlags(Endpoint::with_id(5)),
            "20000000 1c00 0500 04030201 00000000 07 01 0000 0c00 0180 0500 0200 05 000000",
        ),
        (Request::FlushAddrs, "14000000 1c00 0500 04030201 00000000 04 01 0000"),
        (Request::SetLimits(Limits::default()), "14000000 1c00 0500 04030201 00000000 05 01 0000"),
        (Request::GetLimits(Limits::default()), "14000000 1c00 0100 04030201 00000000 06 01 0000"),
        (
            Request::AddAddr(default),
            "2c000000 1c00 0500 04030201 00000000 01 01 0000 1800 0180 0800 0600 01000000
             0600 0100 0000 0000 0400 0400",
        ),
        (
            Request::SetLimits(Limits { rcv_add_addrs: Some(4), subflows: Some(3) }),
            "24000000 1c00 0500 04030201 00000000 05010000 0800 0200 04000000 0800 0300 03000000",
        ),
    ];
    for (r, text) in rows {
        let mut want = [0u8; 128];
        let n = hex(text, &mut want);
        let mut buf = [0u8; MAX_REQUEST_LEN];
        assert_eq!(emit(&r, &mut buf, SEQ), &want[..n], "{r:?}");
    }
}

#[test]
fn userspace_commands_round_trip() {
    let local = Endpoint {
        addr: Some(EndpointAddr::V4(Ipv4Addr::new(10, 0, 2, 2))),
        id: Some(3),
        port: 0,
        flags: EndpointFlags::BACKUP,
        ifindex: 4,
    };
    let mut remote = Endpoint::with_addr(Ipv4Addr::new(10, 0, 2, 1));
    remote.port = 5000;
    let mut ann = Endpoint::with_addr(Ipv6Addr::LOCALHOST);
    ann.id = Some(9);
    ann.flags = EndpointFlags::SIGNAL;
    let token = 0xdead_beef;
    let all = [
        Request::Announce { token, addr: ann },
        Request::Remove { token, loc_id: 9 },
        Request::SubflowCreate { token, local, remote },
        Request::SubflowDestroy { token, local, remote },
        Request::SetFlagsToken { token, local, remote },
        Request::GetAddrToken { token, addr: Endpoint::with_id(1) },
        Request::DumpAddrsToken { token },
    ];
    for r in all {
        let mut buf = [0u8; MAX_REQUEST_LEN];
        let bytes = emit(&r, &mut buf, 7);
        let m = nlwire::Message::parse(bytes).unwrap().genl().unwrap();
        assert_eq!(m.cmd(), r.cmd());
        assert_eq!(m.message().flags(), r.nl_flags());
        // TOKEN comes first, in host order.
        let first = m.attrs().next().unwrap().unwrap();
        assert_eq!((first.kind(), first.u32()), (attr::TOKEN, Ok(token)));
        assert_eq!(Request::parse(&m), Ok(r));
    }
}

#[test]
fn remove_layout() {
    let mut buf = [0u8; MAX_REQUEST_LEN];
    let bytes = emit(&Request::Remove { token: 0x0a0b_0c0d, loc_id: 2 }, &mut buf, SEQ);
    let want =
        W::new().head(36, 5, SEQ, 9).attr(8, 4).u32(0x0a0b_0c0d).attr(5, 5).raw(&[2, 0, 0, 0]);
    assert_eq!(bytes, want.bytes());
}

#[test]
fn largest_request_fits_max_len() {
    let full = Endpoint {
        addr: Some(EndpointAddr::V6(Ipv6Addr::UNSPECIFIED)),
        id: Some(1),
        port: 1,
        flags: EndpointFlags::all(),
        ifindex: 1,
    };
    let r = Request::SubflowCreate { token: 1, local: full, remote: full };
    let mut buf = [0u8; MAX_REQUEST_LEN];
    assert_eq!(r.emit(&mut buf, FAMILY, 0).unwrap().len(), MAX_REQUEST_LEN);
    let mut small = [0u8; MAX_REQUEST_LEN - 1];
    assert_eq!(r.emit(&mut small, FAMILY, 0), Err(Error::Wire(nlwire::Error::NoRoom)));
}

#[test]
fn parse_reports_missing_and_unknown() {
    let mut buf = [0u8; 64];
    let b = MessageBuilder::genl(&mut buf, FAMILY, 5, 0, cmd::ADD_ADDR, 1).unwrap();
    let bytes = b.finish().unwrap();
    let m = nlwire::Message::parse(bytes).unwrap().genl().unwrap();
    assert_eq!(Request::parse(&m), Err(Error::MissingAttr(attr::ADDR)));

    let mut buf = [0u8; 64];
    let bytes = MessageBuilder::genl(&mut buf, FAMILY, 5, 0, 12, 1).unwrap().finish().unwrap();
    let m = nlwire::Message::parse(bytes).unwrap().genl().unwrap();
    assert_eq!(Request::parse(&m), Err(Error::UnknownCommand(12)));

    let mut buf = [0u8; 64];
    let mut b = MessageBuilder::genl(&mut buf, FAMILY, 5, 0, cmd::REMOVE, 1).unwrap();
    b.put_u8(attr::LOC_ID, 1).unwrap();
    let bytes = b.finish().unwrap();
    let m = nlwire::Message::parse(bytes).unwrap().genl().unwrap();
    assert_eq!(Request::parse(&m), Err(Error::MissingAttr(attr::TOKEN)));
}

#[test]
fn nest_flag_kinds() {
    // ADDR_REMOTE is written with NLA_F_NESTED like ADDR.
    let r = Request::SubflowDestroy {
        token: 1,
        local: Endpoint::with_id(1),
        remote: Endpoint::with_id(2),
    };
    let mut buf = [0u8; MAX_REQUEST_LEN];
    let bytes = emit(&r, &mut buf, 0);
    let m = nlwire::Message::parse(bytes).unwrap().genl().unwrap();
    let mut raw = m.attrs().map(|a| a.unwrap().raw_kind());
    assert_eq!(raw.next(), Some(attr::TOKEN));
    assert_eq!(raw.next(), Some(0x8000 | attr::ADDR));
    assert_eq!(raw.next(), Some(0x8000 | attr::ADDR_REMOTE));
}
