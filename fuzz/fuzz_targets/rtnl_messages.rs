//! Fuzz the route-netlink views: the input as a datagram, then as one message of every
//! type; and a builder-to-view round trip of a link, an address and a route whose
//! fields are read from the input.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use nlwire::{Message, Messages};
use rtnl_wire::{
    Addr, AddrMsg, CacheInfo, Error, Link, LinkMsg, MAX_ADDR_LEN, MAX_LINK_LEN, MAX_ROUTE_LEN, Op,
    Route, RouteMsg, RtMessage,
};

fn views(data: &[u8]) {
    let mut steps = 0;
    for m in Messages::new(data).flatten() {
        steps += 1;
        assert!(steps <= data.len() / 4 + 1, "message walk did not end");
        if let Ok(a) = AddrMsg::parse(&m) {
            let _ = (a.fields(), a.address(), a.peer(), a.label(), a.header_flags());
            assert!(a.attrs().count() <= m.payload().len() / 4 + 1);
        }
        if let Ok(l) = LinkMsg::parse(&m) {
            let _ = (l.fields(), l.name(), l.is_up(), l.is_running(), l.is_lower_up());
            assert!(l.attrs().count() <= m.payload().len() / 4 + 1);
        }
        if let Ok(r) = RouteMsg::parse(&m) {
            let _ = (r.fields(), r.is_default(), r.header_table());
            assert!(r.attrs().count() <= m.payload().len() / 4 + 1);
        }
        let _ = RtMessage::parse(&m).map(|v| v.op());
    }
}

/// Reads field values off the input; zero once it runs out.
struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    fn take(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.0.len());
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        head
    }
    fn u8(&mut self) -> u8 {
        self.take(1).first().copied().unwrap_or(0)
    }
    fn u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        let t = self.take(4);
        b[..t.len()].copy_from_slice(t);
        u32::from_le_bytes(b)
    }
    fn opt_u8(&mut self) -> Option<u8> {
        (self.u8() & 1 == 1).then(|| self.u8())
    }
    fn opt_u32(&mut self) -> Option<u32> {
        (self.u8() & 1 == 1).then(|| self.u32())
    }
    fn ip(&mut self) -> Option<IpAddr> {
        match self.u8() % 3 {
            0 => None,
            1 => Some(IpAddr::V4(Ipv4Addr::from(self.u32()))),
            _ => {
                let mut b = [0u8; 16];
                let t = self.take(16);
                b[..t.len()].copy_from_slice(t);
                Some(IpAddr::V6(Ipv6Addr::from(b)))
            }
        }
    }
    fn name(&mut self) -> Option<&'a [u8]> {
        let len = self.u8();
        (len & 0x80 == 0).then(|| self.take(usize::from(len % 18)))
    }
    fn op(&mut self) -> Op {
        [Op::New, Op::Del, Op::Get][usize::from(self.u8() % 3)]
    }
}

fn name_ok(name: Option<&[u8]>) -> bool {
    name.is_none_or(|n| n.len() <= 15 && !n.contains(&0))
}

fn round_trips(data: &[u8]) {
    let mut i = Input(data);
    let link = Link {
        family: i.u8(),
        link_type: i.u32() as u16,
        index: i.u32() as i32,
        flags: i.u32(),
        change: i.u32(),
        name: i.name(),
        operstate: i.opt_u8(),
        carrier: i.opt_u8(),
    };
    let (op, flags, seq) = (i.op(), i.u32() as u16, i.u32());
    let mut buf = [0u8; MAX_LINK_LEN];
    match link.emit(&mut buf, op, flags, seq) {
        Ok(bytes) => {
            let v = LinkMsg::parse(&Message::parse(bytes).unwrap()).unwrap();
            assert_eq!((*v.fields(), v.op()), (link, op));
        }
        Err(e) => assert!(e == Error::BadName && !name_ok(link.name)),
    }

    let addr = Addr {
        family: i.u8(),
        prefix_len: i.u8(),
        flags: i.u32(),
        scope: i.u8(),
        ifindex: i.u32(),
        address: i.ip(),
        local: i.ip(),
        label: i.name(),
        cacheinfo: (i.u8() & 1 == 1).then(|| CacheInfo {
            preferred: i.u32(),
            valid: i.u32(),
            created: i.u32(),
            updated: i.u32(),
        }),
    };
    let mut buf = [0u8; MAX_ADDR_LEN];
    match addr.emit(&mut buf, op, flags, seq) {
        Ok(bytes) => {
            let v = AddrMsg::parse(&Message::parse(bytes).unwrap()).unwrap();
            assert_eq!((*v.fields(), v.op()), (addr, op));
        }
        Err(e) => assert!(e == Error::BadName && !name_ok(addr.label)),
    }

    let route = Route {
        family: i.u8(),
        dst_len: i.u8(),
        src_len: i.u8(),
        tos: i.u8(),
        table: i.u32(),
        protocol: i.u8(),
        scope: i.u8(),
        route_type: i.u8(),
        flags: i.u32(),
        dst: i.ip(),
        gateway: i.ip(),
        prefsrc: i.ip(),
        oif: i.opt_u32(),
        priority: i.opt_u32(),
    };
    let mut buf = [0u8; MAX_ROUTE_LEN];
    let bytes = route.emit(&mut buf, op, flags, seq).unwrap();
    let v = RouteMsg::parse(&Message::parse(bytes).unwrap()).unwrap();
    assert_eq!((*v.fields(), v.op()), (route, op));
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    views(data);
    // The same bytes as one whole message of each type.
    if data.len() >= 16 {
        let mut copy = data.to_vec();
        let n = copy.len() as u32;
        copy[..4].copy_from_slice(&n.to_ne_bytes());
        for kind in [16u16, 17, 18, 20, 21, 22, 24, 25, 26] {
            copy[4..6].copy_from_slice(&kind.to_ne_bytes());
            views(&copy);
        }
    }
    round_trips(data);
});
