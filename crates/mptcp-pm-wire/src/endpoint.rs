//! [`Endpoint`]: one address nest (`MPTCP_PM_ATTR_ADDR` / `ADDR_REMOTE`), built and parsed.
//!
//! Building writes iproute2's order: ID, FLAGS, IF_IDX, PORT, then FAMILY and the
//! address, each only when set, so requests are byte-identical to `ip mptcp`'s. Parsing
//! is tolerant: absent attributes read as unset, unknown ones are skipped (they stay
//! readable through the raw [`Attr`]), and the first occurrence of a type wins. The
//! first occurrence of a known attribute with a payload of the wrong size is
//! [`Error::BadAttr`].

use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use nlwire::{Attr, Attrs, GenlMessage, MessageBuilder};

use crate::consts::{AF_INET, AF_INET6, AF_UNSPEC, addr_attr, attr};
use crate::{EndpointFlags, Error};

/// The address part of a nest: FAMILY plus ADDR4 or ADDR6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EndpointAddr {
    /// `AF_INET` and a 4-byte ADDR4.
    V4(Ipv4Addr),
    /// `AF_INET6` and a 16-byte ADDR6.
    V6(Ipv6Addr),
    /// `AF_UNSPEC` and an empty ADDR6: what iproute2 sends for `default`, `any` and
    /// `all`. The kernel refuses it ("binary attribute size out of range").
    Unspec,
}

impl EndpointAddr {
    /// The family number written to FAMILY.
    pub const fn family(&self) -> u16 {
        match self {
            EndpointAddr::V4(_) => AF_INET,
            EndpointAddr::V6(_) => AF_INET6,
            EndpointAddr::Unspec => AF_UNSPEC,
        }
    }

    /// The IP address, unless [`EndpointAddr::Unspec`].
    pub const fn ip(&self) -> Option<IpAddr> {
        match *self {
            EndpointAddr::V4(a) => Some(IpAddr::V4(a)),
            EndpointAddr::V6(a) => Some(IpAddr::V6(a)),
            EndpointAddr::Unspec => None,
        }
    }
}

/// The address as text (`10.0.2.1`, `2001:db8::1`); [`EndpointAddr::Unspec`] prints
/// as `unspec`.
impl fmt::Display for EndpointAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EndpointAddr::V4(a) => a.fmt(f),
            EndpointAddr::V6(a) => a.fmt(f),
            EndpointAddr::Unspec => f.write_str("unspec"),
        }
    }
}

impl From<IpAddr> for EndpointAddr {
    fn from(a: IpAddr) -> Self {
        match a {
            IpAddr::V4(a) => EndpointAddr::V4(a),
            IpAddr::V6(a) => EndpointAddr::V6(a),
        }
    }
}

impl From<Ipv4Addr> for EndpointAddr {
    fn from(a: Ipv4Addr) -> Self {
        EndpointAddr::V4(a)
    }
}

impl From<Ipv6Addr> for EndpointAddr {
    fn from(a: Ipv6Addr) -> Self {
        EndpointAddr::V6(a)
    }
}

/// One address nest as plain data. Zero / empty / `None` means "attribute not sent"
/// (and, when parsing, "absent"); the kernel itself always sends PORT (0 when unset),
/// ID and FLAGS, and IF_IDX only when non-zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Endpoint {
    /// FAMILY with ADDR4/ADDR6. When parsing, `None` unless FAMILY and the matching
    /// address attribute agree (as iproute2 prints nothing otherwise).
    pub addr: Option<EndpointAddr>,
    /// ID (`u8`); `Some(0)` is sent as is (delete of the id-0 address).
    pub id: Option<u8>,
    /// PORT in host order; 0 = none.
    pub port: u16,
    /// FLAGS; empty = none. Unknown bits are kept.
    pub flags: EndpointFlags,
    /// IF_IDX (`s32`); 0 = none.
    pub ifindex: i32,
}

/// Most bytes [`Endpoint::emit`] writes: nest header, ID, FLAGS, IF_IDX, PORT, FAMILY
/// (8 each) and a 16-byte ADDR6 (20).
pub const MAX_NEST_LEN: usize = 4 + 5 * 8 + 20;

impl Endpoint {
    /// A nest with nothing set.
    pub const fn new() -> Self {
        Endpoint { addr: None, id: None, port: 0, flags: EndpointFlags::empty(), ifindex: 0 }
    }

    /// A nest holding only an id.
    pub const fn with_id(id: u8) -> Self {
        let mut e = Self::new();
        e.id = Some(id);
        e
    }

    /// A nest holding only an address.
    pub fn with_addr(addr: impl Into<EndpointAddr>) -> Self {
        let mut e = Self::new();
        e.addr = Some(addr.into());
        e
    }

    /// The IP address, if any.
    pub fn ip(&self) -> Option<IpAddr> {
        self.addr.and_then(|a| a.ip())
    }

    /// Writes the nest as attribute `kind` ([`attr::ADDR`] or [`attr::ADDR_REMOTE`]),
    /// in iproute2's order.
    pub fn emit(&self, b: &mut MessageBuilder<'_>, kind: u16) -> Result<(), Error> {
        let nest = b.begin_nested(kind)?;
        if let Some(id) = self.id {
            b.put_u8(addr_attr::ID, id)?;
        }
        if !self.flags.is_empty() {
            b.put_u32(addr_attr::FLAGS, self.flags.bits())?;
        }
        if self.ifindex != 0 {
            b.put_i32(addr_attr::IF_IDX, self.ifindex)?;
        }
        if self.port != 0 {
            b.put_u16(addr_attr::PORT, self.port)?;
        }
        if let Some(addr) = self.addr {
            b.put_u16(addr_attr::FAMILY, addr.family())?;
            match addr {
                EndpointAddr::V4(a) => b.put_ipv4(addr_attr::ADDR4, a)?,
                EndpointAddr::V6(a) => b.put_ipv6(addr_attr::ADDR6, a)?,
                EndpointAddr::Unspec => b.put(addr_attr::ADDR6, &[])?,
            }
        }
        b.end_nested(nest)?;
        Ok(())
    }

    /// Parses a nest attribute (its type is not checked).
    pub fn parse(nest: &Attr<'_>) -> Result<Self, Error> {
        Self::parse_attrs(nest.nested())
    }

    /// Parses the attributes inside a nest.
    pub fn parse_attrs(attrs: Attrs<'_>) -> Result<Self, Error> {
        let mut e = Endpoint::new();
        let mut seen = 0u16;
        let mut family = None;
        let mut addr4 = None;
        let mut addr6: Option<Option<Ipv6Addr>> = None;
        for a in attrs {
            let a = a?;
            let kind = a.kind();
            if kind > addr_attr::MAX || seen & (1 << kind) != 0 {
                continue;
            }
            seen |= 1 << kind;
            // Every read's failure is the same error: one exit for all of them.
            let mut read = || -> Result<(), nlwire::Error> {
                match kind {
                    addr_attr::FAMILY => family = Some(a.u16()?),
                    addr_attr::ID => e.id = Some(a.u8()?),
                    addr_attr::ADDR4 => addr4 = Some(a.ipv4()?),
                    addr_attr::ADDR6 if a.payload().is_empty() => addr6 = Some(None),
                    addr_attr::ADDR6 => addr6 = Some(Some(a.ipv6()?)),
                    addr_attr::PORT => e.port = a.u16()?,
                    addr_attr::FLAGS => e.flags = EndpointFlags::from_bits_retain(a.u32()?),
                    addr_attr::IF_IDX => e.ifindex = a.i32()?,
                    _ => {}
                }
                Ok(())
            };
            read().map_err(|_| Error::BadAttr(kind))?;
        }
        e.addr = match (family, addr4, addr6) {
            (Some(AF_INET), Some(a), _) => Some(EndpointAddr::V4(a)),
            (Some(AF_INET6), _, Some(Some(a))) => Some(EndpointAddr::V6(a)),
            (Some(AF_UNSPEC), _, Some(None)) => Some(EndpointAddr::Unspec),
            _ => None,
        };
        Ok(e)
    }

    /// Reads the endpoint of a GET_ADDR reply or of one endpoint-dump message: the
    /// first ADDR attribute (`NLA_F_NESTED` masked, as iproute2 does). `Ok(None)` when
    /// the message has no ADDR nest.
    pub fn from_message(msg: &GenlMessage<'_>) -> Result<Option<Self>, Error> {
        match addr_nest(msg)? {
            Some(nest) => Self::parse(&nest).map(Some),
            None => Ok(None),
        }
    }
}

/// The first ADDR nest of a message, raw, for callers who want the unknown attributes.
pub fn addr_nest<'a>(msg: &GenlMessage<'a>) -> Result<Option<Attr<'a>>, Error> {
    Ok(msg.attrs().find(attr::ADDR)?)
}

/// Flag names in iproute2 7.1's order.
const FLAG_NAMES: [(EndpointFlags, &str); 6] = [
    (EndpointFlags::SIGNAL, "signal"),
    (EndpointFlags::SUBFLOW, "subflow"),
    (EndpointFlags::BACKUP, "backup"),
    (EndpointFlags::FULLMESH, "fullmesh"),
    (EndpointFlags::IMPLICIT, "implicit"),
    (EndpointFlags::LAMINAR, "laminar"),
];

/// iproute2 7.1's `endpoint show` line without its trailing space: the address, then
/// `port P` (when non-zero), `id I`, each flag's name, `rawflags X` (unknown bits in
/// hex), and `dev ifN` (when there is an interface index). The library does not ask
/// for interface names: `ifN` is iproute2's own text for an index without a name. An
/// endpoint without an address starts at its first other field.
///
/// ```
/// use mptcp_pm_wire::{Endpoint, EndpointFlags};
/// let e = Endpoint {
///     id: Some(3),
///     flags: EndpointFlags::SIGNAL | EndpointFlags::BACKUP,
///     ifindex: 2,
///     ..Endpoint::with_addr(core::net::Ipv4Addr::new(10, 0, 2, 1))
/// };
/// assert_eq!(format!("{e}"), "10.0.2.1 id 3 signal backup dev if2");
/// ```
impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        let mut field = |f: &mut fmt::Formatter<'_>, args: fmt::Arguments<'_>| {
            let r = write!(f, "{sep}{args}");
            sep = " ";
            r
        };
        if let Some(a) = self.addr {
            field(f, format_args!("{a}"))?;
        }
        if self.port != 0 {
            field(f, format_args!("port {}", self.port))?;
        }
        if let Some(id) = self.id {
            field(f, format_args!("id {id}"))?;
        }
        for (flag, name) in FLAG_NAMES {
            if self.flags.contains(flag) {
                field(f, format_args!("{name}"))?;
            }
        }
        if self.flags.unknown_bits() != 0 {
            field(f, format_args!("rawflags {:02x}", self.flags.unknown_bits()))?;
        }
        if self.ifindex != 0 {
            field(f, format_args!("dev if{}", self.ifindex))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build<'b>(buf: &'b mut [u8], e: &Endpoint) -> &'b [u8] {
        let mut b = MessageBuilder::genl(buf, 0x1c, 5, 1, 1, 1).unwrap();
        e.emit(&mut b, attr::ADDR).unwrap();
        b.finish().unwrap()
    }

    fn parse_back(bytes: &[u8]) -> Endpoint {
        let m = nlwire::Message::parse(bytes).unwrap().genl().unwrap();
        Endpoint::from_message(&m).unwrap().unwrap()
    }

    #[test]
    fn full_nest_round_trips() {
        let e = Endpoint {
            addr: Some(EndpointAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 5))),
            id: Some(200),
            port: 65535,
            flags: EndpointFlags::from_bits_retain(0x8000_0003),
            ifindex: -7,
        };
        let mut buf = [0u8; 128];
        let bytes = build(&mut buf, &e);
        assert_eq!(bytes.len(), 20 + MAX_NEST_LEN);
        assert_eq!(parse_back(bytes), e);
    }

    /// An attribute header in host order.
    fn hdr(len: u16, kind: u16) -> [u8; 4] {
        let mut h = [0u8; 4];
        h[..2].copy_from_slice(&len.to_ne_bytes());
        h[2..].copy_from_slice(&kind.to_ne_bytes());
        h
    }

    #[test]
    fn empty_nest_is_still_written() {
        let mut buf = [0u8; 64];
        let bytes = build(&mut buf, &Endpoint::new());
        assert_eq!(&bytes[20..], &hdr(4, 0x8001));
        assert_eq!(parse_back(bytes), Endpoint::new());
    }

    #[test]
    fn unspec_address_round_trips() {
        let mut buf = [0u8; 64];
        let bytes = build(&mut buf, &Endpoint::with_addr(EndpointAddr::Unspec));
        // FAMILY 0, then an ADDR6 header with no payload.
        assert_eq!(&bytes[20..24], &hdr(16, 0x8001));
        assert_eq!(&bytes[24..28], &hdr(6, addr_attr::FAMILY));
        assert_eq!(&bytes[28..32], &[0, 0, 0, 0]);
        assert_eq!(&bytes[32..36], &hdr(4, addr_attr::ADDR6));
        assert_eq!(parse_back(bytes).addr, Some(EndpointAddr::Unspec));
    }

    fn nest_of(attrs: &[(u16, &[u8])], out: &mut [u8; 96]) -> usize {
        let mut at = 0;
        for (kind, payload) in attrs {
            let len = 4 + payload.len();
            out[at..at + 2].copy_from_slice(&(len as u16).to_ne_bytes());
            out[at + 2..at + 4].copy_from_slice(&kind.to_ne_bytes());
            out[at + 4..at + len].copy_from_slice(payload);
            at += nlwire::align(len);
        }
        at
    }

    #[test]
    fn first_occurrence_wins_and_unknown_is_skipped() {
        let mut raw = [0u8; 96];
        let n = nest_of(
            &[
                (99, &[1, 2, 3]),
                (addr_attr::ID, &[7]),
                (addr_attr::ID, &[8, 9]),
                (addr_attr::FAMILY, &AF_INET.to_ne_bytes()),
                (addr_attr::ADDR4, &[10, 0, 0, 1]),
                (addr_attr::ADDR4, &[10, 0, 0, 2]),
            ],
            &mut raw,
        );
        let e = Endpoint::parse_attrs(Attrs::new(&raw[..n])).unwrap();
        assert_eq!(e.id, Some(7));
        assert_eq!(e.addr, Some(EndpointAddr::V4(Ipv4Addr::new(10, 0, 0, 1))));
    }

    #[test]
    fn wrong_sizes_are_errors() {
        for (kind, payload) in [
            (addr_attr::FAMILY, &[2u8][..]),
            (addr_attr::ID, &[1, 2][..]),
            (addr_attr::ADDR4, &[1, 2, 3][..]),
            (addr_attr::ADDR6, &[0; 4][..]),
            (addr_attr::PORT, &[0; 4][..]),
            (addr_attr::FLAGS, &[0; 2][..]),
            (addr_attr::IF_IDX, &[0; 8][..]),
        ] {
            let mut raw = [0u8; 96];
            let n = nest_of(&[(kind, payload)], &mut raw);
            assert_eq!(Endpoint::parse_attrs(Attrs::new(&raw[..n])), Err(Error::BadAttr(kind)));
        }
    }

    #[test]
    fn family_and_address_must_agree() {
        let mut raw = [0u8; 96];
        let n = nest_of(
            &[(addr_attr::FAMILY, &AF_INET6.to_ne_bytes()), (addr_attr::ADDR4, &[1, 2, 3, 4])],
            &mut raw,
        );
        assert_eq!(Endpoint::parse_attrs(Attrs::new(&raw[..n])).unwrap().addr, None);
        let n = nest_of(&[(addr_attr::ADDR4, &[1, 2, 3, 4])], &mut raw);
        assert_eq!(Endpoint::parse_attrs(Attrs::new(&raw[..n])).unwrap().addr, None);
    }

    #[test]
    fn missing_nest_is_none() {
        let mut buf = [0u8; 32];
        let bytes = MessageBuilder::genl(&mut buf, 0x1c, 0, 0, 3, 1).unwrap().finish().unwrap();
        let m = nlwire::Message::parse(bytes).unwrap().genl().unwrap();
        assert_eq!(Endpoint::from_message(&m), Ok(None));
    }

    #[test]
    fn no_room_is_reported() {
        let mut buf = [0u8; 30];
        let mut b = MessageBuilder::genl(&mut buf, 0x1c, 5, 1, 1, 1).unwrap();
        let e = Endpoint::with_addr(Ipv4Addr::LOCALHOST);
        assert_eq!(e.emit(&mut b, attr::ADDR), Err(Error::Wire(nlwire::Error::NoRoom)));
    }

    #[test]
    fn displays_as_iproute2_prints_it() {
        let e = Endpoint {
            id: Some(7),
            port: 8080,
            flags: EndpointFlags::from_bits_retain(0x141),
            ifindex: 0,
            ..Endpoint::with_addr(Ipv6Addr::LOCALHOST)
        };
        assert_eq!(std::format!("{e}"), "::1 port 8080 id 7 signal rawflags 140");
        assert_eq!(std::format!("{}", Endpoint::with_id(1)), "id 1");
        assert_eq!(std::format!("{}", Endpoint::new()), "");
        assert_eq!(std::format!("{}", EndpointAddr::Unspec), "unspec");
    }
}
