//! [`MessageBuilder`]: writes one whole netlink message into a buffer the caller owns.

use core::net::{Ipv4Addr, Ipv6Addr};

use zerocopy::IntoBytes;
use zerocopy::byteorder::native_endian::{U16, U32};

use crate::consts::NLA_F_NESTED;
use crate::{Error, GenlMsgHdr, NlAttrHdr, NlMsgHdr, align};

/// Writes a netlink message (header, optional genl header, attributes) into `buf`.
///
/// Every `put_*` either appends the whole attribute with zeroed padding or fails with
/// [`Error::NoRoom`] and leaves the builder poisoned: [`MessageBuilder::finish`] then
/// fails too, so a partial message is never handed out.
#[derive(Debug)]
pub struct MessageBuilder<'b> {
    buf: &'b mut [u8],
    len: usize,
    failed: bool,
}

/// An open nested attribute; close it with [`MessageBuilder::end_nested`].
#[derive(Debug)]
#[must_use = "a nest must be closed with end_nested"]
pub struct Nest {
    start: usize,
}

impl<'b> MessageBuilder<'b> {
    /// Starts a message of type `kind` with `flags` and sequence number `seq` (port id 0).
    pub fn new(buf: &'b mut [u8], kind: u16, flags: u16, seq: u32) -> Result<Self, Error> {
        let mut b = MessageBuilder { buf, len: 0, failed: false };
        let hdr = NlMsgHdr {
            len: U32::new(NlMsgHdr::LEN as u32),
            kind: U16::new(kind),
            flags: U16::new(flags),
            seq: U32::new(seq),
            pid: U32::new(0),
        };
        b.append(hdr.as_bytes())?;
        Ok(b)
    }

    /// Starts a generic netlink message: netlink header then genl header.
    pub fn genl(
        buf: &'b mut [u8],
        family: u16,
        flags: u16,
        seq: u32,
        cmd: u8,
        version: u8,
    ) -> Result<Self, Error> {
        let mut b = Self::new(buf, family, flags, seq)?;
        let g = GenlMsgHdr { cmd, version, reserved: U16::new(0) };
        b.append(g.as_bytes())?;
        Ok(b)
    }

    /// Bytes written so far (the message length if finished now).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing has been written (never true after `new`).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends raw bytes followed by zeroed padding to a multiple of four.
    pub fn append(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let out = self.reserve(bytes.len())?;
        write_padded(out, &[bytes]);
        Ok(())
    }

    /// Appends an attribute with an arbitrary payload.
    pub fn put(&mut self, kind: u16, payload: &[u8]) -> Result<(), Error> {
        self.put_parts(kind, payload, &[])
    }

    /// Appends one attribute whose payload is `head` then `tail`, with zeroed padding,
    /// after checking once that all of it fits.
    fn put_parts(&mut self, kind: u16, head: &[u8], tail: &[u8]) -> Result<(), Error> {
        let total = NlAttrHdr::LEN + head.len() + tail.len();
        let Ok(len) = u16::try_from(total) else {
            self.failed = true;
            return Err(Error::NoRoom);
        };
        let hdr = NlAttrHdr { len: U16::new(len), kind: U16::new(kind) };
        let hdr_bytes: [u8; NlAttrHdr::LEN] = zerocopy::transmute!(hdr);
        let out = self.reserve(total)?;
        write_padded(out, &[&hdr_bytes, head, tail]);
        Ok(())
    }

    /// The next `len` bytes and their padding to a multiple of four, now counted as
    /// written; [`Error::NoRoom`] (for good) when they do not fit.
    fn reserve(&mut self, len: usize) -> Result<&mut [u8], Error> {
        let start = self.len;
        let end = start.checked_add(align(len));
        let out = end.filter(|_| !self.failed).and_then(|end| self.buf.get_mut(start..end));
        let Some(out) = out else {
            self.failed = true;
            return Err(Error::NoRoom);
        };
        self.len = start + out.len();
        Ok(out)
    }

    /// Appends a `u8` attribute.
    pub fn put_u8(&mut self, kind: u16, v: u8) -> Result<(), Error> {
        self.put(kind, &[v])
    }

    /// Appends a `u16` attribute in host order.
    pub fn put_u16(&mut self, kind: u16, v: u16) -> Result<(), Error> {
        self.put(kind, &v.to_ne_bytes())
    }

    /// Appends a `u32` attribute in host order.
    pub fn put_u32(&mut self, kind: u16, v: u32) -> Result<(), Error> {
        self.put(kind, &v.to_ne_bytes())
    }

    /// Appends a `u64` attribute in host order.
    pub fn put_u64(&mut self, kind: u16, v: u64) -> Result<(), Error> {
        self.put(kind, &v.to_ne_bytes())
    }

    /// Appends an `i32` attribute in host order.
    pub fn put_i32(&mut self, kind: u16, v: i32) -> Result<(), Error> {
        self.put(kind, &v.to_ne_bytes())
    }

    /// Appends a `u16` attribute in network order.
    pub fn put_u16_be(&mut self, kind: u16, v: u16) -> Result<(), Error> {
        self.put(kind, &v.to_be_bytes())
    }

    /// Appends a `u32` attribute in network order.
    pub fn put_u32_be(&mut self, kind: u16, v: u32) -> Result<(), Error> {
        self.put(kind, &v.to_be_bytes())
    }

    /// Appends an IPv4 address (network order).
    pub fn put_ipv4(&mut self, kind: u16, v: Ipv4Addr) -> Result<(), Error> {
        self.put(kind, &v.octets())
    }

    /// Appends an IPv6 address (network order).
    pub fn put_ipv6(&mut self, kind: u16, v: Ipv6Addr) -> Result<(), Error> {
        self.put(kind, &v.octets())
    }

    /// Appends a NUL-terminated string attribute.
    pub fn put_str(&mut self, kind: u16, s: &str) -> Result<(), Error> {
        self.put_parts(kind, s.as_bytes(), &[0])
    }

    /// Opens a nested attribute of type `kind`; `NLA_F_NESTED` is set on the wire.
    pub fn begin_nested(&mut self, kind: u16) -> Result<Nest, Error> {
        let start = self.len;
        self.put(kind | NLA_F_NESTED, &[])?;
        Ok(Nest { start })
    }

    /// Closes a nest: its length becomes everything written since it was opened.
    pub fn end_nested(&mut self, nest: Nest) -> Result<(), Error> {
        if self.failed {
            return Err(Error::NoRoom);
        }
        let Ok(len) = u16::try_from(self.len - nest.start) else {
            self.failed = true;
            return Err(Error::NoRoom);
        };
        if let Some(at) = self.buf.get_mut(nest.start..).and_then(|b| b.first_chunk_mut()) {
            *at = len.to_ne_bytes();
        }
        Ok(())
    }

    /// Writes the final length into the header and returns the message bytes.
    pub fn finish(self) -> Result<&'b [u8], Error> {
        if self.failed {
            return Err(Error::NoRoom);
        }
        let len = self.len;
        let buf: &'b mut [u8] = self.buf;
        if let Some(at) = buf.first_chunk_mut() {
            *at = (len as u32).to_ne_bytes();
        }
        Ok(buf.get(..len).unwrap_or_default())
    }
}

/// Writes `parts` one after the other at the start of `out`, and zeros after them to its
/// end (the padding). Their bytes are copied one by one: most are a few bytes, and a call
/// to the C library's memcpy costs more than copying them.
fn write_padded(out: &mut [u8], parts: &[&[u8]]) {
    let mut at = out.iter_mut();
    for part in parts {
        for (src, dst) in part.iter().zip(at.by_ref()) {
            *dst = *src;
        }
    }
    for dst in at {
        *dst = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Attrs, Message};

    #[test]
    fn builds_the_ip_family_request_byte_for_byte() {
        // iproute2's CTRL_CMD_GETFAMILY for "mptcp_pm" (reference §3.10), seq 0.
        let mut buf = [0xaa; 64];
        let mut b = MessageBuilder::genl(&mut buf, 0x10, 1, 0, 3, 0).unwrap();
        b.put_str(2, "mptcp_pm").unwrap();
        let msg = b.finish().unwrap();
        let mut want = [0u8; 36];
        want[0..4].copy_from_slice(&36u32.to_ne_bytes());
        want[4..6].copy_from_slice(&0x10u16.to_ne_bytes());
        want[6..8].copy_from_slice(&1u16.to_ne_bytes());
        want[16] = 3;
        want[20..22].copy_from_slice(&13u16.to_ne_bytes());
        want[22..24].copy_from_slice(&2u16.to_ne_bytes());
        want[24..32].copy_from_slice(b"mptcp_pm");
        assert_eq!(msg, &want[..]);
    }

    #[test]
    fn nest_length_covers_children() {
        let mut buf = [0u8; 64];
        let mut b = MessageBuilder::genl(&mut buf, 0x1c, 5, 1, 2, 1).unwrap();
        let n = b.begin_nested(1).unwrap();
        b.put_u8(2, 0).unwrap();
        b.put_u16(1, 2).unwrap();
        b.put_ipv4(3, Ipv4Addr::new(10, 0, 0, 77)).unwrap();
        b.end_nested(n).unwrap();
        let bytes = b.finish().unwrap();
        assert_eq!(bytes.len(), 48);
        let m = Message::parse(bytes).unwrap().genl().unwrap();
        let nest = m.attrs().next().unwrap().unwrap();
        assert_eq!(nest.raw_kind(), 0x8001);
        assert_eq!(nest.payload().len(), 24);
        let kinds: [u16; 3] = {
            let mut it = nest.nested().map(|a| a.unwrap().kind());
            [it.next().unwrap(), it.next().unwrap(), it.next().unwrap()]
        };
        assert_eq!(kinds, [2, 1, 3]);
    }

    #[test]
    fn no_room_poisons_the_builder() {
        let mut buf = [0u8; 24];
        let mut b = MessageBuilder::genl(&mut buf, 0x1c, 5, 1, 2, 1).unwrap();
        assert_eq!(b.put_u32(1, 7), Err(Error::NoRoom));
        assert_eq!(b.put_u8(1, 7), Err(Error::NoRoom));
        assert_eq!(b.finish().unwrap_err(), Error::NoRoom);
        let mut tiny = [0u8; 8];
        assert_eq!(MessageBuilder::new(&mut tiny, 1, 0, 0).unwrap_err(), Error::NoRoom);
    }

    #[test]
    fn padding_is_zeroed() {
        let mut buf = [0xffu8; 32];
        let mut b = MessageBuilder::new(&mut buf, 0x20, 1, 0).unwrap();
        b.put_u8(1, 9).unwrap();
        let m = b.finish().unwrap();
        assert_eq!(&m[16..18], &5u16.to_ne_bytes());
        assert_eq!(&m[18..20], &1u16.to_ne_bytes());
        assert_eq!(&m[20..], &[9, 0, 0, 0]);
        assert_eq!(Attrs::new(&m[16..]).next().unwrap().unwrap().u8(), Ok(9));
    }

    #[test]
    fn oversized_attribute_is_refused() {
        let mut buf = [0u8; 70_000];
        let big = [0u8; 65_533];
        let mut b = MessageBuilder::new(&mut buf, 0x20, 1, 0).unwrap();
        assert_eq!(b.put(1, &big), Err(Error::NoRoom));
    }
}
