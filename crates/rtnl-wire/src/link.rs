//! Links: [`Link`] (plain data, and its builder) and [`LinkMsg`] (the view of an
//! `RTM_NEWLINK` / `RTM_DELLINK` message).
//!
//! On the wire: `struct ifinfomsg` (16 bytes: family, pad, `u16` type, `s32` index,
//! `u32` flags, `u32` change mask, all host order), then `IFLA_*` attributes. The kernel
//! sends 38 of them per link on 6.18 (about 1.5 KB); this crate reads the name, the
//! operational state and the carrier, and leaves the rest to [`LinkMsg::attrs`].

use nlwire::{Attrs, Message, MessageBuilder};

use crate::consts::{iff, ifla};
use crate::wire::{self, Seen};
use crate::{Error, Object, Op};

/// A link message as plain data: what [`Link::emit`] writes and [`LinkMsg::fields`]
/// reads back. `None` = attribute absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Link<'a> {
    /// `ifi_family` (`AF_UNSPEC` from the kernel).
    pub family: u8,
    /// `ifi_type`: the link type ([`arphrd`](crate::consts::arphrd)).
    pub link_type: u16,
    /// `ifi_index`: the interface index (signed, as in `struct ifinfomsg`).
    pub index: i32,
    /// `ifi_flags` ([`iff`](crate::consts::iff)); unknown bits kept.
    pub flags: u32,
    /// `ifi_change`: which flags changed (in requests: which flags to change).
    pub change: u32,
    /// `IFLA_IFNAME` without its NUL; may not be UTF-8.
    pub name: Option<&'a [u8]>,
    /// `IFLA_OPERSTATE` ([`if_oper`](crate::consts::if_oper)).
    pub operstate: Option<u8>,
    /// `IFLA_CARRIER`: 1 carrier, 0 none.
    pub carrier: Option<u8>,
}

/// Most bytes [`Link::emit`] writes: headers (16 + 16), a 15-byte name (20),
/// `IFLA_OPERSTATE` and `IFLA_CARRIER` (8 each).
pub const MAX_LINK_LEN: usize = 16 + 16 + 20 + 8 + 8;

impl Link<'_> {
    /// Writes the message `op` ([`Op::New`]: `RTM_NEWLINK`, …) with netlink `flags` and
    /// `seq` into `buf`, attributes in the kernel's order (`IFNAME`, `OPERSTATE`,
    /// `CARRIER`), each only when set. A name longer than 15 bytes or holding a NUL is
    /// [`Error::BadName`].
    pub fn emit<'b>(
        &self,
        buf: &'b mut [u8],
        op: Op,
        flags: u16,
        seq: u32,
    ) -> Result<&'b [u8], Error> {
        let mut b = MessageBuilder::new(buf, Object::Link.msg_type(op), flags, seq)?;
        let mut h = [0u8; 16];
        h[0] = self.family;
        h[2..4].copy_from_slice(&self.link_type.to_ne_bytes());
        h[4..8].copy_from_slice(&self.index.to_ne_bytes());
        h[8..12].copy_from_slice(&self.flags.to_ne_bytes());
        h[12..16].copy_from_slice(&self.change.to_ne_bytes());
        b.append(&h)?;
        if let Some(name) = self.name {
            wire::put_name(&mut b, ifla::IFNAME, name)?;
        }
        if let Some(v) = self.operstate {
            b.put_u8(ifla::OPERSTATE, v)?;
        }
        if let Some(v) = self.carrier {
            b.put_u8(ifla::CARRIER, v)?;
        }
        Ok(b.finish()?)
    }
}

/// A received link message, read in place (same parsing rules as
/// [`AddrMsg`](crate::AddrMsg): first occurrence wins, unknown attributes skipped,
/// wrong sizes are [`Error::BadAttr`]).
#[derive(Debug, Clone, Copy)]
pub struct LinkMsg<'a> {
    op: Op,
    fields: Link<'a>,
    attrs: &'a [u8],
}

impl<'a> LinkMsg<'a> {
    /// Reads an `RTM_NEWLINK`, `RTM_DELLINK` or `RTM_GETLINK` message; another type is
    /// [`Error::WrongType`], a payload shorter than `struct ifinfomsg` is
    /// [`Error::Wire`]`(Truncated)`.
    pub fn parse(m: &Message<'a>) -> Result<Self, Error> {
        let (op, h, attrs) = wire::split::<16>(m, Object::Link)?;
        let mut f = Link {
            family: h[0],
            link_type: u16::from_ne_bytes([h[2], h[3]]),
            index: i32::from_ne_bytes(wire::ne4(h, 4)),
            flags: u32::from_ne_bytes(wire::ne4(h, 8)),
            change: u32::from_ne_bytes(wire::ne4(h, 12)),
            ..Link::default()
        };
        let mut seen = Seen::default();
        for a in Attrs::new(attrs) {
            let a = a?;
            if !seen.first(a.kind()) {
                continue;
            }
            let bad = |_| Error::BadAttr(a.kind());
            match a.kind() {
                ifla::IFNAME => f.name = Some(wire::name(&a)?),
                ifla::OPERSTATE => f.operstate = Some(a.u8().map_err(bad)?),
                ifla::CARRIER => f.carrier = Some(a.u8().map_err(bad)?),
                _ => {}
            }
        }
        Ok(LinkMsg { op, fields: f, attrs })
    }

    /// New (created or changed, or a dump entry), deleted, or a request.
    pub fn op(&self) -> Op {
        self.op
    }

    /// Every field as plain data.
    pub fn fields(&self) -> &Link<'a> {
        &self.fields
    }

    /// `ifi_family`.
    pub fn family(&self) -> u8 {
        self.fields.family
    }

    /// `ifi_type` ([`arphrd`](crate::consts::arphrd)).
    pub fn link_type(&self) -> u16 {
        self.fields.link_type
    }

    /// `ifi_index` (signed).
    pub fn index(&self) -> i32 {
        self.fields.index
    }

    /// `ifi_flags`.
    pub fn flags(&self) -> u32 {
        self.fields.flags
    }

    /// `ifi_change`: the flags that changed (0 in dumps; `0xFFFFFFFF` for a new link).
    pub fn change(&self) -> u32 {
        self.fields.change
    }

    /// Whether every bit of `flag` ([`iff`](crate::consts::iff)) is set.
    pub fn has(&self, flag: u32) -> bool {
        self.fields.flags & flag == flag
    }

    /// Administratively up (`IFF_UP`).
    pub fn is_up(&self) -> bool {
        self.has(iff::UP)
    }

    /// Operationally up (`IFF_RUNNING`): up, with carrier, not dormant.
    pub fn is_running(&self) -> bool {
        self.has(iff::RUNNING)
    }

    /// Carrier present (`IFF_LOWER_UP`).
    pub fn is_lower_up(&self) -> bool {
        self.has(iff::LOWER_UP)
    }

    /// A loopback link (`IFF_LOOPBACK`).
    pub fn is_loopback(&self) -> bool {
        self.has(iff::LOOPBACK)
    }

    /// `IFLA_IFNAME` as text; `None` when absent or not UTF-8.
    pub fn name(&self) -> Option<&'a str> {
        self.fields.name.and_then(|n| core::str::from_utf8(n).ok())
    }

    /// `IFLA_IFNAME` as bytes, without its NUL.
    pub fn name_bytes(&self) -> Option<&'a [u8]> {
        self.fields.name
    }

    /// `IFLA_OPERSTATE` ([`if_oper`](crate::consts::if_oper)).
    pub fn operstate(&self) -> Option<u8> {
        self.fields.operstate
    }

    /// `IFLA_CARRIER`.
    pub fn carrier(&self) -> Option<u8> {
        self.fields.carrier
    }

    /// Every attribute, raw, unknown ones included.
    pub fn attrs(&self) -> Attrs<'a> {
        Attrs::new(self.attrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consts::{RTM_DELLINK, RTM_GETLINK, arphrd, if_oper};

    fn sample() -> Link<'static> {
        Link {
            family: 0,
            link_type: arphrd::ETHER,
            index: -3,
            flags: iff::UP | iff::LOWER_UP | iff::RUNNING | 0x8000_0000,
            change: u32::MAX,
            name: Some(b"wwan0"),
            operstate: Some(if_oper::UP),
            carrier: Some(1),
        }
    }

    #[test]
    fn round_trip() {
        let mut buf = [0u8; MAX_LINK_LEN];
        let bytes = sample().emit(&mut buf, Op::Del, 0, 9).unwrap();
        let m = Message::parse(bytes).unwrap();
        assert_eq!(m.kind(), RTM_DELLINK);
        let l = LinkMsg::parse(&m).unwrap();
        assert_eq!(*l.fields(), sample());
        assert_eq!(
            (l.op(), l.index(), l.name(), l.operstate()),
            (Op::Del, -3, Some("wwan0"), Some(6))
        );
        assert!(l.is_up() && l.is_running() && l.is_lower_up() && !l.is_loopback());
        assert_eq!(l.attrs().count(), 3);
    }

    #[test]
    fn largest_message_fits_the_constant() {
        let l = Link { name: Some(b"fifteen-bytes-x"), ..sample() };
        let mut buf = [0u8; MAX_LINK_LEN];
        assert_eq!(l.emit(&mut buf, Op::New, 0, 0).unwrap().len(), MAX_LINK_LEN);
        let l = Link { name: Some(b"sixteen-bytes-xx"), ..sample() };
        assert_eq!(l.emit(&mut buf, Op::New, 0, 0), Err(Error::BadName));
    }

    #[test]
    fn empty_request_and_errors() {
        let mut buf = [0u8; MAX_LINK_LEN];
        let bytes = Link::default().emit(&mut buf, Op::Get, 1, 0).unwrap();
        assert_eq!(bytes.len(), 32);
        let l = LinkMsg::parse(&Message::parse(bytes).unwrap()).unwrap();
        assert_eq!((l.op(), l.name(), l.carrier()), (Op::Get, None, None));
        assert_eq!(Message::parse(bytes).unwrap().kind(), RTM_GETLINK);

        for kind in [ifla::OPERSTATE, ifla::CARRIER, ifla::IFNAME] {
            let mut buf = [0u8; 64];
            let mut b = MessageBuilder::new(&mut buf, RTM_DELLINK, 0, 0).unwrap();
            b.append(&[0; 16]).unwrap();
            b.put(kind, &[1, 2]).unwrap();
            let m = Message::parse(b.finish().unwrap()).unwrap();
            assert_eq!(LinkMsg::parse(&m).unwrap_err(), Error::BadAttr(kind));
        }
        let mut buf = [0u8; 64];
        let mut b = MessageBuilder::new(&mut buf, RTM_DELLINK, 0, 0).unwrap();
        b.append(&[0; 12]).unwrap();
        let m = Message::parse(b.finish().unwrap()).unwrap();
        assert_eq!(LinkMsg::parse(&m).unwrap_err(), Error::Wire(nlwire::Error::Truncated));
    }

    #[test]
    fn name_that_is_not_utf8_is_kept_as_bytes() {
        let l = Link { name: Some(&[0xff, b'x']), ..sample() };
        let mut buf = [0u8; MAX_LINK_LEN];
        let bytes = l.emit(&mut buf, Op::New, 0, 0).unwrap();
        let l = LinkMsg::parse(&Message::parse(bytes).unwrap()).unwrap();
        assert_eq!((l.name(), l.name_bytes()), (None, Some(&[0xff, b'x'][..])));
    }
}
