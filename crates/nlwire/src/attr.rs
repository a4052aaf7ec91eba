//! Attributes: the [`Attrs`] iterator, the [`Attr`] view and its typed payload readers.

use core::net::{Ipv4Addr, Ipv6Addr};

use zerocopy::FromBytes;

use crate::consts::{NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_TYPE_MASK};
use crate::{Error, NlAttrHdr, align};

/// One attribute whose length has been checked against its enclosing buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attr<'a> {
    raw_kind: u16,
    payload: &'a [u8],
}

impl<'a> Attr<'a> {
    /// The type with `NLA_F_NESTED` and `NLA_F_NET_BYTEORDER` masked off.
    pub fn kind(&self) -> u16 {
        self.raw_kind & NLA_TYPE_MASK
    }

    /// The type field exactly as on the wire.
    pub fn raw_kind(&self) -> u16 {
        self.raw_kind
    }

    /// Whether the sender set `NLA_F_NESTED`.
    pub fn is_nested(&self) -> bool {
        self.raw_kind & NLA_F_NESTED != 0
    }

    /// Whether the sender set `NLA_F_NET_BYTEORDER`.
    pub fn is_net_byteorder(&self) -> bool {
        self.raw_kind & NLA_F_NET_BYTEORDER != 0
    }

    /// The payload, without header or padding.
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }

    /// The payload read as nested attributes (whether or not `NLA_F_NESTED` is set).
    pub fn nested(&self) -> Attrs<'a> {
        Attrs::new(self.payload)
    }

    fn array<const N: usize>(&self) -> Result<[u8; N], Error> {
        self.payload.try_into().map_err(|_| Error::BadPayload)
    }

    /// A `u8`.
    pub fn u8(&self) -> Result<u8, Error> {
        Ok(self.array::<1>()?[0])
    }

    /// A `u16` in host order.
    pub fn u16(&self) -> Result<u16, Error> {
        self.array().map(u16::from_ne_bytes)
    }

    /// A `u32` in host order.
    pub fn u32(&self) -> Result<u32, Error> {
        self.array().map(u32::from_ne_bytes)
    }

    /// A `u64` in host order.
    pub fn u64(&self) -> Result<u64, Error> {
        self.array().map(u64::from_ne_bytes)
    }

    /// An `i32` in host order.
    pub fn i32(&self) -> Result<i32, Error> {
        self.array().map(i32::from_ne_bytes)
    }

    /// A `u16` in network (big-endian) order.
    pub fn u16_be(&self) -> Result<u16, Error> {
        self.array().map(u16::from_be_bytes)
    }

    /// A `u32` in network (big-endian) order.
    pub fn u32_be(&self) -> Result<u32, Error> {
        self.array().map(u32::from_be_bytes)
    }

    /// An IPv4 address (4 bytes, network order).
    pub fn ipv4(&self) -> Result<Ipv4Addr, Error> {
        self.array::<4>().map(Ipv4Addr::from)
    }

    /// An IPv6 address (16 bytes, network order).
    pub fn ipv6(&self) -> Result<Ipv6Addr, Error> {
        self.array::<16>().map(Ipv6Addr::from)
    }

    /// A NUL-terminated string: the bytes before the first NUL.
    pub fn c_bytes(&self) -> Result<&'a [u8], Error> {
        let end = self.payload.iter().position(|&b| b == 0).ok_or(Error::NotTerminated)?;
        Ok(&self.payload[..end])
    }

    /// A NUL-terminated UTF-8 string.
    pub fn str(&self) -> Result<&'a str, Error> {
        core::str::from_utf8(self.c_bytes()?).map_err(|_| Error::NotUtf8)
    }
}

/// Iterator over a run of attributes, nested or top level.
///
/// A length under four or past the end yields one [`Error::BadLength`] and ends the walk;
/// fewer than four trailing bytes yield [`Error::Truncated`]. The padding after the very
/// last attribute may be missing, as the kernel's own `nla_ok` walk allows.
#[derive(Debug, Clone)]
pub struct Attrs<'a> {
    rest: &'a [u8],
}

impl<'a> Attrs<'a> {
    /// Walks the attributes in `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Attrs { rest: buf }
    }

    /// The first attribute of type `kind` (flags masked), skipping others; iproute2 and
    /// the kernel both let the first occurrence win. An error met on the way is returned.
    pub fn find(self, kind: u16) -> Result<Option<Attr<'a>>, Error> {
        for attr in self {
            let attr = attr?;
            if attr.kind() == kind {
                return Ok(Some(attr));
            }
        }
        Ok(None)
    }
}

impl<'a> Iterator for Attrs<'a> {
    type Item = Result<Attr<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let parsed = NlAttrHdr::ref_from_prefix(self.rest).map_err(|_| Error::Truncated).and_then(
            |(hdr, _)| {
                let len = hdr.len.get() as usize;
                if len < NlAttrHdr::LEN || len > self.rest.len() {
                    return Err(Error::BadLength);
                }
                Ok((hdr.kind.get(), len))
            },
        );
        match parsed {
            Ok((raw_kind, len)) => {
                let payload = &self.rest[NlAttrHdr::LEN..len];
                let step = align(len).min(self.rest.len());
                self.rest = &self.rest[step..];
                Some(Ok(Attr { raw_kind, payload }))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes an attribute header (host order, as on the wire) at `at`.
    fn hdr(buf: &mut [u8], at: usize, len: u16, kind: u16) {
        buf[at..at + 2].copy_from_slice(&len.to_ne_bytes());
        buf[at + 2..at + 4].copy_from_slice(&kind.to_ne_bytes());
    }

    #[test]
    fn reads_flags_and_payload() {
        // nested ADDR (0x8001) holding ID 5, as the kernel sends it.
        let mut buf = [0u8; 12];
        hdr(&mut buf, 0, 12, 0x8001);
        hdr(&mut buf, 4, 5, 2);
        buf[8] = 5;
        let a = Attrs::new(&buf).next().unwrap().unwrap();
        assert_eq!(a.kind(), 1);
        assert_eq!(a.raw_kind(), 0x8001);
        assert!(a.is_nested());
        assert!(!a.is_net_byteorder());
        let inner = a.nested().next().unwrap().unwrap();
        assert_eq!((inner.kind(), inner.u8()), (2, Ok(5)));
    }

    #[test]
    fn readers_check_exact_length() {
        let a = Attr { raw_kind: 1, payload: &[1, 2, 3] };
        assert_eq!(a.u8(), Err(Error::BadPayload));
        assert_eq!(a.u16(), Err(Error::BadPayload));
        assert_eq!(a.u32(), Err(Error::BadPayload));
        assert_eq!(a.ipv4(), Err(Error::BadPayload));
        assert_eq!(a.ipv6(), Err(Error::BadPayload));
        assert_eq!(a.c_bytes(), Err(Error::NotTerminated));
    }

    #[test]
    fn byte_orders() {
        let a = Attr { raw_kind: 9, payload: &[0x13, 0x89] };
        assert_eq!(a.u16_be(), Ok(5001));
        assert_eq!(a.u16(), Ok(u16::from_ne_bytes([0x13, 0x89])));
        let a = Attr { raw_kind: 3, payload: &[10, 0, 0, 9] };
        assert_eq!(a.ipv4(), Ok(Ipv4Addr::new(10, 0, 0, 9)));
        assert_eq!(a.u32_be(), Ok(0x0a00_0009));
        let a = Attr { raw_kind: 7, payload: &(-3i32).to_ne_bytes() };
        assert_eq!(a.i32(), Ok(-3));
        let a = Attr { raw_kind: 7, payload: &u64::MAX.to_ne_bytes() };
        assert_eq!(a.u64(), Ok(u64::MAX));
    }

    #[test]
    fn strings_need_a_nul() {
        let a = Attr { raw_kind: 2, payload: b"mptcp_pm\0\0" };
        assert_eq!(a.str(), Ok("mptcp_pm"));
        let a = Attr { raw_kind: 2, payload: &[0xff, 0] };
        assert_eq!(a.str(), Err(Error::NotUtf8));
    }

    #[test]
    fn short_length_errors_once_then_stops() {
        let mut buf = [0u8; 12];
        hdr(&mut buf, 0, 2, 1);
        hdr(&mut buf, 4, 8, 1);
        let mut it = Attrs::new(&buf);
        assert_eq!(it.next(), Some(Err(Error::BadLength)));
        assert_eq!(it.next(), None);
    }

    #[test]
    fn zero_length_does_not_loop() {
        let buf = [0u8; 16];
        assert_eq!(Attrs::new(&buf).count(), 1);
    }

    #[test]
    fn past_the_end_is_an_error() {
        let mut buf = [0u8; 8];
        hdr(&mut buf, 0, 12, 1);
        let mut it = Attrs::new(&buf);
        assert_eq!(it.next(), Some(Err(Error::BadLength)));
        assert_eq!(it.next(), None);
    }

    #[test]
    fn tail_shorter_than_a_header_is_truncated() {
        let mut buf = [0u8; 10];
        hdr(&mut buf, 0, 5, 1);
        buf[4] = 7;
        buf[8..].copy_from_slice(&[1, 2]);
        let mut it = Attrs::new(&buf);
        assert_eq!(it.next().unwrap().unwrap().u8(), Ok(7));
        assert_eq!(it.next(), Some(Err(Error::Truncated)));
        assert_eq!(it.next(), None);
    }

    #[test]
    fn last_attribute_may_lack_padding() {
        let mut buf = [0u8; 5];
        hdr(&mut buf, 0, 5, 1);
        buf[4] = 7;
        let mut it = Attrs::new(&buf);
        assert_eq!(it.next().unwrap().unwrap().u8(), Ok(7));
        assert_eq!(it.next(), None);
    }

    #[test]
    fn find_returns_first_occurrence() {
        let mut buf = [0u8; 16];
        hdr(&mut buf, 0, 5, 1);
        buf[4] = 7;
        hdr(&mut buf, 8, 5, 1);
        buf[12] = 8;
        assert_eq!(Attrs::new(&buf).find(1).unwrap().unwrap().u8(), Ok(7));
        assert_eq!(Attrs::new(&buf).find(2), Ok(None));
    }
}
