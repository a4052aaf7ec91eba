//! [`Limits`]: the per-namespace `add_addr_accepted` and `subflows` limits.

use core::fmt;

use nlwire::{Attrs, GenlMessage, MessageBuilder};

use crate::Error;
use crate::consts::attr;

/// The two limits; `None` means "not sent" (SET_LIMITS then keeps the current value) or,
/// in a reply, "absent".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Limits {
    /// `RCV_ADD_ADDRS`: how many ADD_ADDRs a connection accepts (`add_addr_accepted`).
    pub rcv_add_addrs: Option<u32>,
    /// `SUBFLOWS`: how many extra subflows a connection may have.
    pub subflows: Option<u32>,
}

impl Limits {
    /// Writes RCV_ADD_ADDRS then SUBFLOWS (iproute2's order), each only when set.
    pub fn emit(&self, b: &mut MessageBuilder<'_>) -> Result<(), Error> {
        if let Some(v) = self.rcv_add_addrs {
            b.put_u32(attr::RCV_ADD_ADDRS, v)?;
        }
        if let Some(v) = self.subflows {
            b.put_u32(attr::SUBFLOWS, v)?;
        }
        Ok(())
    }

    /// Reads the limits from top-level attributes; the first occurrence wins, other
    /// attributes are skipped, a wrong-sized limit is [`Error::BadAttr`].
    pub fn parse_attrs(attrs: Attrs<'_>) -> Result<Self, Error> {
        let mut l = Limits::default();
        for a in attrs {
            let a = a?;
            let slot = match a.kind() {
                attr::RCV_ADD_ADDRS => &mut l.rcv_add_addrs,
                attr::SUBFLOWS => &mut l.subflows,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(a.u32().map_err(|_| Error::BadAttr(a.kind()))?);
            }
        }
        Ok(l)
    }

    /// Reads a GET_LIMITS reply.
    pub fn from_message(msg: &GenlMessage<'_>) -> Result<Self, Error> {
        Self::parse_attrs(msg.attrs())
    }
}

/// iproute2's `limits show` text without the trailing newline:
/// `add_addr_accepted 2 subflows 2`, each only when present.
impl fmt::Display for Limits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let both = self.rcv_add_addrs.is_some() && self.subflows.is_some();
        if let Some(v) = self.rcv_add_addrs {
            write!(f, "add_addr_accepted {v}")?;
        }
        if both {
            f.write_str(" ")?;
        }
        if let Some(v) = self.subflows {
            write!(f, "subflows {v}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u32_attr(out: &mut [u8], kind: u16, v: u32) {
        out[..2].copy_from_slice(&8u16.to_ne_bytes());
        out[2..4].copy_from_slice(&kind.to_ne_bytes());
        out[4..8].copy_from_slice(&v.to_ne_bytes());
    }

    #[test]
    fn reads_both_first_wins() {
        let mut raw = [0u8; 24];
        u32_attr(&mut raw[0..], attr::SUBFLOWS, 2);
        u32_attr(&mut raw[8..], attr::RCV_ADD_ADDRS, 0);
        u32_attr(&mut raw[16..], attr::SUBFLOWS, 9);
        let l = Limits::parse_attrs(Attrs::new(&raw)).unwrap();
        assert_eq!(l, Limits { rcv_add_addrs: Some(0), subflows: Some(2) });
    }

    #[test]
    fn empty_reply_has_no_limits() {
        assert_eq!(Limits::parse_attrs(Attrs::new(&[])), Ok(Limits::default()));
    }

    #[test]
    fn wrong_size_is_an_error() {
        let mut raw = [0u8; 8];
        raw[..2].copy_from_slice(&6u16.to_ne_bytes());
        raw[2..4].copy_from_slice(&attr::SUBFLOWS.to_ne_bytes());
        assert_eq!(Limits::parse_attrs(Attrs::new(&raw)), Err(Error::BadAttr(attr::SUBFLOWS)));
    }

    #[test]
    fn emits_in_iproute2_order() {
        let mut buf = [0u8; 64];
        let mut b = MessageBuilder::genl(&mut buf, 0x1c, 5, 0, 5, 1).unwrap();
        Limits { rcv_add_addrs: Some(4), subflows: Some(3) }.emit(&mut b).unwrap();
        let bytes = b.finish().unwrap();
        let mut want = [0u8; 16];
        u32_attr(&mut want[0..], attr::RCV_ADD_ADDRS, 4);
        u32_attr(&mut want[8..], attr::SUBFLOWS, 3);
        assert_eq!(&bytes[20..], &want);
    }

    #[test]
    fn displays_as_iproute2_prints_it() {
        let l = Limits { rcv_add_addrs: Some(0), subflows: Some(2) };
        assert_eq!(std::format!("{l}"), "add_addr_accepted 0 subflows 2");
        let l = Limits { rcv_add_addrs: None, subflows: Some(8) };
        assert_eq!(std::format!("{l}"), "subflows 8");
    }
}
