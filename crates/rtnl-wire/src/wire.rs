//! Helpers shared by the three views and builders: the fixed header, addresses by
//! length, names, first-occurrence tracking.

use core::net::IpAddr;
#[cfg(test)]
use core::net::{Ipv4Addr, Ipv6Addr};

use nlwire::{Attr, Message, MessageBuilder};

use crate::consts::MAX_NAME_LEN;
use crate::{Error, Object, Op};

/// Checks that `m` is of `object`, and splits its payload into the fixed header of
/// `N` bytes and the attribute bytes.
pub(crate) fn split<'a, const N: usize>(
    m: &Message<'a>,
    object: Object,
) -> Result<(Op, &'a [u8; N], &'a [u8]), Error> {
    let op = match Object::from_type(m.kind()) {
        Some((o, op)) if o == object => op,
        _ => return Err(Error::WrongType(m.kind())),
    };
    let (head, attrs) = m.payload().split_at_checked(N).ok_or(nlwire::Error::Truncated)?;
    let head: &[u8; N] = head.try_into().map_err(|_| nlwire::Error::Truncated)?;
    Ok((op, head, attrs))
}

/// Four host-order bytes of a fixed header at `at` (callers pass constant offsets
/// within `N`).
pub(crate) fn ne4<const N: usize>(h: &[u8; N], at: usize) -> [u8; 4] {
    let mut b = [0u8; 4];
    if let Some(src) = h.get(at..at + 4) {
        b.copy_from_slice(src);
    }
    b
}

/// An address attribute: 4 bytes are IPv4, 16 IPv6, other sizes are wrong.
pub(crate) fn ip(a: &Attr<'_>) -> Result<IpAddr, Error> {
    match a.payload().len() {
        4 => a.ipv4().map(IpAddr::V4),
        _ => a.ipv6().map(IpAddr::V6),
    }
    .map_err(|_| Error::BadAttr(a.kind()))
}

/// Writes an address attribute: 4 bytes for IPv4, 16 for IPv6 (network order).
pub(crate) fn put_ip(b: &mut MessageBuilder<'_>, kind: u16, ip: IpAddr) -> Result<(), Error> {
    match ip {
        IpAddr::V4(a) => b.put_ipv4(kind, a)?,
        IpAddr::V6(a) => b.put_ipv6(kind, a)?,
    }
    Ok(())
}

/// Writes a name (interface name or label) with its NUL, after checking it fits
/// `IFNAMSIZ` and holds no NUL of its own.
pub(crate) fn put_name(b: &mut MessageBuilder<'_>, kind: u16, name: &[u8]) -> Result<(), Error> {
    if name.len() > MAX_NAME_LEN || name.contains(&0) {
        return Err(Error::BadName);
    }
    let mut with_nul = [0u8; MAX_NAME_LEN + 1];
    with_nul[..name.len()].copy_from_slice(name);
    b.put(kind, &with_nul[..=name.len()])?;
    Ok(())
}

/// A name attribute: the bytes before the first NUL, which must be there.
pub(crate) fn name<'a>(a: &Attr<'a>) -> Result<&'a [u8], Error> {
    a.c_bytes().map_err(|_| Error::BadAttr(a.kind()))
}

/// Which attribute types were met already: the first occurrence wins, as in iproute2's
/// `parse_rtattr` and the rest of this stack (the kernel's `nla_parse` keeps the last;
/// the kernel never sends a type twice).
#[derive(Default)]
pub(crate) struct Seen(u64);

impl Seen {
    /// Whether `kind` is met for the first time (types of 64 and above never are
    /// tracked: this crate reads none of them).
    pub(crate) fn first(&mut self, kind: u16) -> bool {
        if kind >= 64 {
            return false;
        }
        let bit = 1u64 << kind;
        let first = self.0 & bit == 0;
        self.0 |= bit;
        first
    }
}

/// An IPv4 address (for the views' tests).
#[cfg(test)]
pub(crate) const fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(a, b, c, d))
}

/// An IPv6 address from eight groups (for the views' tests).
#[cfg(test)]
pub(crate) const fn v6(g: [u16; 8]) -> IpAddr {
    IpAddr::V6(Ipv6Addr::new(g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7]))
}
