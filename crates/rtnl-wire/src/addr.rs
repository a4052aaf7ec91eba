//! Addresses: [`Addr`] (plain data, and its builder), [`AddrMsg`] (the view of an
//! `RTM_NEWADDR` / `RTM_DELADDR` message) and [`CacheInfo`] (lifetimes).
//!
//! On the wire: `struct ifaddrmsg` (8 bytes: family, prefix length, `u8` flags,
//! scope, `u32` interface index, all host order), then `IFA_*` attributes. Addresses
//! are network order; `IFA_FLAGS` and `IFA_CACHEINFO` host order.

use core::net::IpAddr;

use nlwire::{Attrs, Message, MessageBuilder};

use crate::consts::{AF_INET6, ifa};
use crate::wire::{self, Seen};
use crate::{Error, Object, Op};

/// `struct ifa_cacheinfo`: an address's lifetimes (seconds, counting down) and
/// timestamps (hundredths of a second since boot).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CacheInfo {
    /// Preferred lifetime left (`ifa_prefered`); [`CacheInfo::FOREVER`] = forever, 0 =
    /// deprecated.
    pub preferred: u32,
    /// Valid lifetime left (`ifa_valid`); [`CacheInfo::FOREVER`] = forever.
    pub valid: u32,
    /// When the address was created (`cstamp`).
    pub created: u32,
    /// When it was last updated (`tstamp`).
    pub updated: u32,
}

impl CacheInfo {
    /// The lifetime that never runs out (`INFINITY_LIFE_TIME`, `0xFFFFFFFF`).
    pub const FOREVER: u32 = u32::MAX;
    /// Size on the wire.
    pub const LEN: usize = 16;

    /// Whether the preferred lifetime is infinite.
    pub const fn preferred_forever(&self) -> bool {
        self.preferred == Self::FOREVER
    }

    /// Whether the valid lifetime is infinite.
    pub const fn valid_forever(&self) -> bool {
        self.valid == Self::FOREVER
    }

    fn from_bytes(p: &[u8]) -> Option<Self> {
        let p: &[u8; Self::LEN] = p.try_into().ok()?;
        Some(CacheInfo {
            preferred: u32::from_ne_bytes(wire::ne4(p, 0)),
            valid: u32::from_ne_bytes(wire::ne4(p, 4)),
            created: u32::from_ne_bytes(wire::ne4(p, 8)),
            updated: u32::from_ne_bytes(wire::ne4(p, 12)),
        })
    }

    fn to_bytes(self) -> [u8; Self::LEN] {
        let mut b = [0u8; Self::LEN];
        for (i, v) in [self.preferred, self.valid, self.created, self.updated].iter().enumerate() {
            b[i * 4..i * 4 + 4].copy_from_slice(&v.to_ne_bytes());
        }
        b
    }
}

/// An address message as plain data: what [`Addr::emit`] writes and
/// [`AddrMsg::fields`] reads back. `None` = attribute absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Addr<'a> {
    /// `ifa_family`: [`AF_INET`](crate::consts::AF_INET) or
    /// [`AF_INET6`](crate::consts::AF_INET6).
    pub family: u8,
    /// `ifa_prefixlen`.
    pub prefix_len: u8,
    /// The flags ([`ifa_f`](crate::consts::ifa_f)): `IFA_FLAGS` when present, else the
    /// header's `u8`. Unknown bits are kept.
    pub flags: u32,
    /// `ifa_scope` ([`rt_scope`](crate::consts::rt_scope)).
    pub scope: u8,
    /// `ifa_index`: the interface (unsigned here, unlike a link's index).
    pub ifindex: u32,
    /// `IFA_ADDRESS`: the address, or the **peer** of a point-to-point address.
    pub address: Option<IpAddr>,
    /// `IFA_LOCAL`: the local address (IPv4 always sends it; IPv6 only with a peer).
    pub local: Option<IpAddr>,
    /// `IFA_LABEL` (IPv4), without its NUL; may not be UTF-8.
    pub label: Option<&'a [u8]>,
    /// `IFA_CACHEINFO`. In an `RTM_NEWADDR` request the kernel takes the lifetimes
    /// from it (a valid lifetime of 0, or a preferred one above the valid one, is
    /// refused); leave it `None` for "forever".
    pub cacheinfo: Option<CacheInfo>,
}

/// Most bytes [`Addr::emit`] writes: headers (16 + 8), two 16-byte addresses (20
/// each), a 15-byte label (20), `IFA_FLAGS` (8), `IFA_CACHEINFO` (20).
pub const MAX_ADDR_LEN: usize = 16 + 8 + 2 * 20 + 20 + 8 + 20;

impl<'a> Addr<'a> {
    /// The address of this host: `IFA_LOCAL` when present, else `IFA_ADDRESS` (they
    /// differ only on a point-to-point address, where `IFA_ADDRESS` is the peer).
    pub fn ip(&self) -> Option<IpAddr> {
        self.local.or(self.address)
    }

    /// The peer of a point-to-point address: `IFA_ADDRESS` when `IFA_LOCAL` is present
    /// and differs from it.
    pub fn peer(&self) -> Option<IpAddr> {
        match (self.local, self.address) {
            (Some(l), Some(a)) if l != a => Some(a),
            _ => None,
        }
    }

    /// Writes the message `op` ([`Op::New`]: `RTM_NEWADDR`, …) with netlink `flags`
    /// and `seq` into `buf`, as the kernel writes it: the header's `u8` flags are the
    /// low byte of [`Addr::flags`], and `IFA_FLAGS` is always sent. Attribute order is
    /// the kernel's: IPv6 `LOCAL, ADDRESS, LABEL, CACHEINFO, FLAGS`; other families
    /// `ADDRESS, LOCAL, LABEL, FLAGS, CACHEINFO`. A label longer than 15 bytes or
    /// holding a NUL is [`Error::BadName`].
    pub fn emit<'b>(
        &self,
        buf: &'b mut [u8],
        op: Op,
        flags: u16,
        seq: u32,
    ) -> Result<&'b [u8], Error> {
        let mut b = MessageBuilder::new(buf, Object::Addr.msg_type(op), flags, seq)?;
        let mut h = [0u8; 8];
        h[0] = self.family;
        h[1] = self.prefix_len;
        h[2] = self.flags as u8;
        h[3] = self.scope;
        h[4..8].copy_from_slice(&self.ifindex.to_ne_bytes());
        b.append(&h)?;
        let cacheinfo = |b: &mut MessageBuilder<'_>| match self.cacheinfo {
            Some(c) => b.put(ifa::CACHEINFO, &c.to_bytes()),
            None => Ok(()),
        };
        let label = |b: &mut MessageBuilder<'_>| match self.label {
            Some(l) => wire::put_name(b, ifa::LABEL, l),
            None => Ok(()),
        };
        let (first, second) = if self.family == AF_INET6 {
            ((ifa::LOCAL, self.local), (ifa::ADDRESS, self.address))
        } else {
            ((ifa::ADDRESS, self.address), (ifa::LOCAL, self.local))
        };
        for (kind, ip) in [first, second] {
            if let Some(ip) = ip {
                wire::put_ip(&mut b, kind, ip)?;
            }
        }
        label(&mut b)?;
        if self.family == AF_INET6 {
            cacheinfo(&mut b)?;
            b.put_u32(ifa::FLAGS, self.flags)?;
        } else {
            b.put_u32(ifa::FLAGS, self.flags)?;
            cacheinfo(&mut b)?;
        }
        Ok(b.finish()?)
    }
}

/// A received address message, read in place.
///
/// [`AddrMsg::parse`] walks the attributes once: the first occurrence of each known
/// type wins, unknown types are skipped (they stay readable through
/// [`AddrMsg::attrs`]), and a first occurrence of the wrong size is
/// [`Error::BadAttr`]. After that every accessor is infallible.
#[derive(Debug, Clone, Copy)]
pub struct AddrMsg<'a> {
    op: Op,
    header_flags: u8,
    fields: Addr<'a>,
    attrs: &'a [u8],
}

impl<'a> AddrMsg<'a> {
    /// Reads an `RTM_NEWADDR`, `RTM_DELADDR` or `RTM_GETADDR` message; another type is
    /// [`Error::WrongType`], a payload shorter than `struct ifaddrmsg` is
    /// [`Error::Wire`]`(Truncated)`.
    pub fn parse(m: &Message<'a>) -> Result<Self, Error> {
        let (op, h, attrs) = wire::split::<8>(m, Object::Addr)?;
        let mut f = Addr {
            family: h[0],
            prefix_len: h[1],
            flags: u32::from(h[2]),
            scope: h[3],
            ifindex: u32::from_ne_bytes(wire::ne4(h, 4)),
            ..Addr::default()
        };
        let mut seen = Seen::default();
        for a in Attrs::new(attrs) {
            let a = a?;
            if !seen.first(a.kind()) {
                continue;
            }
            let bad = |_| Error::BadAttr(a.kind());
            match a.kind() {
                ifa::ADDRESS => f.address = Some(wire::ip(&a)?),
                ifa::LOCAL => f.local = Some(wire::ip(&a)?),
                ifa::LABEL => f.label = Some(wire::name(&a)?),
                ifa::FLAGS => f.flags = a.u32().map_err(bad)?,
                ifa::CACHEINFO => {
                    f.cacheinfo =
                        Some(CacheInfo::from_bytes(a.payload()).ok_or(Error::BadAttr(a.kind()))?)
                }
                _ => {}
            }
        }
        Ok(AddrMsg { op, header_flags: h[2], fields: f, attrs })
    }

    /// New (added or changed, or a dump entry), deleted, or a request.
    pub fn op(&self) -> Op {
        self.op
    }

    /// Every field as plain data.
    pub fn fields(&self) -> &Addr<'a> {
        &self.fields
    }

    /// `ifa_family`.
    pub fn family(&self) -> u8 {
        self.fields.family
    }

    /// `ifa_prefixlen`.
    pub fn prefix_len(&self) -> u8 {
        self.fields.prefix_len
    }

    /// The flags: `IFA_FLAGS` when present, else the header's byte.
    pub fn flags(&self) -> u32 {
        self.fields.flags
    }

    /// The header's `u8` `ifa_flags` alone (the low bits of [`AddrMsg::flags`]).
    pub fn header_flags(&self) -> u8 {
        self.header_flags
    }

    /// Whether every bit of `flag` ([`ifa_f`](crate::consts::ifa_f)) is set.
    pub fn has(&self, flag: u32) -> bool {
        self.fields.flags & flag == flag
    }

    /// `ifa_scope`.
    pub fn scope(&self) -> u8 {
        self.fields.scope
    }

    /// `ifa_index` (unsigned).
    pub fn ifindex(&self) -> u32 {
        self.fields.ifindex
    }

    /// The address of this host: `IFA_LOCAL` when present, else `IFA_ADDRESS`.
    pub fn address(&self) -> Option<IpAddr> {
        self.fields.ip()
    }

    /// The peer of a point-to-point address (see [`Addr::peer`]).
    pub fn peer(&self) -> Option<IpAddr> {
        self.fields.peer()
    }

    /// `IFA_ADDRESS` as sent.
    pub fn ifa_address(&self) -> Option<IpAddr> {
        self.fields.address
    }

    /// `IFA_LOCAL` as sent.
    pub fn ifa_local(&self) -> Option<IpAddr> {
        self.fields.local
    }

    /// `IFA_LABEL` as text; `None` when absent or not UTF-8.
    pub fn label(&self) -> Option<&'a str> {
        self.fields.label.and_then(|l| core::str::from_utf8(l).ok())
    }

    /// `IFA_LABEL` as bytes, without its NUL.
    pub fn label_bytes(&self) -> Option<&'a [u8]> {
        self.fields.label
    }

    /// `IFA_CACHEINFO`.
    pub fn cacheinfo(&self) -> Option<CacheInfo> {
        self.fields.cacheinfo
    }

    /// Every attribute, raw, unknown ones included.
    pub fn attrs(&self) -> Attrs<'a> {
        Attrs::new(self.attrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consts::{AF_INET, RTM_DELADDR, RTM_NEWLINK, ifa_f, rt_scope};
    use crate::wire::{v4, v6};

    fn sample() -> Addr<'static> {
        Addr {
            family: AF_INET,
            prefix_len: 32,
            flags: ifa_f::PERMANENT | ifa_f::NOPREFIXROUTE,
            scope: rt_scope::UNIVERSE,
            ifindex: 7,
            address: Some(v4(10, 0, 9, 2)),
            local: Some(v4(10, 0, 9, 1)),
            label: Some(b"veth0:mptcp"),
            cacheinfo: Some(CacheInfo { preferred: 0, valid: 60, created: 5, updated: 6 }),
        }
    }

    #[test]
    fn round_trip_and_merged_flags() {
        let mut buf = [0u8; MAX_ADDR_LEN];
        let bytes = sample().emit(&mut buf, Op::Del, 0, 3).unwrap();
        let m = Message::parse(bytes).unwrap();
        assert_eq!(m.kind(), RTM_DELADDR);
        let a = AddrMsg::parse(&m).unwrap();
        assert_eq!(*a.fields(), sample());
        assert_eq!(a.op(), Op::Del);
        assert_eq!(a.header_flags(), 0x80);
        assert_eq!(a.flags(), 0x280);
        assert!(a.has(ifa_f::NOPREFIXROUTE) && !a.has(ifa_f::TENTATIVE));
        assert_eq!(a.address(), Some(v4(10, 0, 9, 1)));
        assert_eq!(a.peer(), Some(v4(10, 0, 9, 2)));
        assert_eq!(a.label(), Some("veth0:mptcp"));
        let kinds = a.attrs().map(|x| x.unwrap().kind());
        assert!(kinds.eq([ifa::ADDRESS, ifa::LOCAL, ifa::LABEL, ifa::FLAGS, ifa::CACHEINFO]));
    }

    #[test]
    fn largest_message_fits_the_constant() {
        let a = Addr {
            family: AF_INET6,
            address: Some(v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 2])),
            local: Some(v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1])),
            label: Some(b"fifteen-bytes-x"),
            ..sample()
        };
        let mut buf = [0u8; MAX_ADDR_LEN];
        assert_eq!(a.emit(&mut buf, Op::New, 0, 0).unwrap().len(), MAX_ADDR_LEN);
        let mut short = [0u8; MAX_ADDR_LEN - 1];
        assert_eq!(a.emit(&mut short, Op::New, 0, 0), Err(Error::Wire(nlwire::Error::NoRoom)));
        let kinds =
            AddrMsg::parse(&Message::parse(a.emit(&mut buf, Op::New, 0, 0).unwrap()).unwrap())
                .unwrap()
                .attrs()
                .map(|x| x.unwrap().kind());
        assert!(kinds.eq([ifa::LOCAL, ifa::ADDRESS, ifa::LABEL, ifa::CACHEINFO, ifa::FLAGS]));
    }

    #[test]
    fn header_flags_without_ifa_flags() {
        let mut buf = [0u8; 64];
        let mut b = MessageBuilder::new(&mut buf, RTM_DELADDR, 0, 0).unwrap();
        b.append(&[AF_INET, 24, 0x81, 0, 2, 0, 0, 0]).unwrap();
        b.put(ifa::ADDRESS, &[10, 0, 0, 1]).unwrap();
        let bytes = b.finish().unwrap();
        let a = AddrMsg::parse(&Message::parse(bytes).unwrap()).unwrap();
        assert_eq!(a.flags(), 0x81);
        assert_eq!(a.ifindex(), u32::from_ne_bytes([2, 0, 0, 0]));
        assert_eq!(
            (a.address(), a.peer(), a.label(), a.cacheinfo()),
            (Some(v4(10, 0, 0, 1)), None, None, None)
        );
    }

    #[test]
    fn bad_names_are_refused() {
        let mut buf = [0u8; MAX_ADDR_LEN];
        for label in [&b"sixteen-bytes-xx"[..], b"a\0b"] {
            let a = Addr { label: Some(label), ..sample() };
            assert_eq!(a.emit(&mut buf, Op::New, 0, 0), Err(Error::BadName));
        }
    }

    #[test]
    fn wrong_sizes_type_and_truncation() {
        for kind in [ifa::ADDRESS, ifa::LOCAL, ifa::FLAGS, ifa::CACHEINFO] {
            let mut buf = [0u8; 64];
            let mut b = MessageBuilder::new(&mut buf, RTM_DELADDR, 0, 0).unwrap();
            b.append(&[0; 8]).unwrap();
            b.put(kind, &[1, 2, 3]).unwrap();
            let m = Message::parse(b.finish().unwrap()).unwrap();
            assert_eq!(AddrMsg::parse(&m).unwrap_err(), Error::BadAttr(kind));
        }
        let mut buf = [0u8; 64];
        let mut b = MessageBuilder::new(&mut buf, RTM_DELADDR, 0, 0).unwrap();
        b.append(&[0; 8]).unwrap();
        b.put(ifa::LABEL, b"eth0").unwrap();
        let m = Message::parse(b.finish().unwrap()).unwrap();
        assert_eq!(AddrMsg::parse(&m).unwrap_err(), Error::BadAttr(ifa::LABEL));

        let mut buf = [0u8; 64];
        let mut b = MessageBuilder::new(&mut buf, RTM_NEWLINK, 0, 0).unwrap();
        b.append(&[0; 16]).unwrap();
        let m = Message::parse(b.finish().unwrap()).unwrap();
        assert_eq!(AddrMsg::parse(&m).unwrap_err(), Error::WrongType(RTM_NEWLINK));

        let mut buf = [0u8; 64];
        let mut b = MessageBuilder::new(&mut buf, RTM_DELADDR, 0, 0).unwrap();
        b.append(&[0; 4]).unwrap();
        let m = Message::parse(b.finish().unwrap()).unwrap();
        assert_eq!(AddrMsg::parse(&m).unwrap_err(), Error::Wire(nlwire::Error::Truncated));
    }

    #[test]
    fn first_occurrence_wins_and_unknown_is_kept() {
        let mut buf = [0u8; 96];
        let mut b = MessageBuilder::new(&mut buf, RTM_DELADDR, 0, 0).unwrap();
        b.append(&[AF_INET, 8, 0, 0, 1, 0, 0, 0]).unwrap();
        b.put_u8(ifa::PROTO, 3).unwrap();
        b.put(ifa::ADDRESS, &[127, 0, 0, 1]).unwrap();
        b.put(ifa::ADDRESS, &[1, 2]).unwrap();
        let m = Message::parse(b.finish().unwrap()).unwrap();
        let a = AddrMsg::parse(&m).unwrap();
        assert_eq!(a.address(), Some(v4(127, 0, 0, 1)));
        assert_eq!(a.attrs().next().unwrap().unwrap().u8(), Ok(3));
    }
}
