//! Fixed-size headers (`nlmsghdr`, `genlmsghdr`, `nlattr`) as zerocopy views in host order.

use zerocopy::byteorder::native_endian::{U16, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

/// `struct nlmsghdr`: 16 bytes, host byte order.
#[derive(
    FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Debug, Clone, Copy, PartialEq, Eq,
)]
#[repr(C)]
pub struct NlMsgHdr {
    /// Total length including this header (`nlmsg_len`).
    pub len: U32,
    /// Message type: a control type, or a family id for generic netlink.
    pub kind: U16,
    /// `NLM_F_*` flags.
    pub flags: U16,
    /// Sequence number.
    pub seq: U32,
    /// Sender port id (0 is the kernel).
    pub pid: U32,
}

impl NlMsgHdr {
    /// Size on the wire (`NLMSG_HDRLEN`).
    pub const LEN: usize = 16;
}

/// `struct genlmsghdr`: 4 bytes following the netlink header of a generic netlink message.
#[derive(
    FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Debug, Clone, Copy, PartialEq, Eq,
)]
#[repr(C)]
pub struct GenlMsgHdr {
    /// Family-specific command.
    pub cmd: u8,
    /// Family interface version.
    pub version: u8,
    /// Reserved, zero.
    pub reserved: U16,
}

impl GenlMsgHdr {
    /// Size on the wire (`GENL_HDRLEN`).
    pub const LEN: usize = 4;
}

/// `struct nlattr`: 4 bytes, host byte order; the length is unpadded.
#[derive(
    FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Debug, Clone, Copy, PartialEq, Eq,
)]
#[repr(C)]
pub struct NlAttrHdr {
    /// Header plus payload, without padding (`nla_len`).
    pub len: U16,
    /// Type with the `NLA_F_NESTED` and `NLA_F_NET_BYTEORDER` bits (`nla_type`).
    pub kind: U16,
}

impl NlAttrHdr {
    /// Size on the wire (`NLA_HDRLEN`).
    pub const LEN: usize = 4;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_match_the_kernel() {
        assert_eq!(core::mem::size_of::<NlMsgHdr>(), NlMsgHdr::LEN);
        assert_eq!(core::mem::size_of::<GenlMsgHdr>(), GenlMsgHdr::LEN);
        assert_eq!(core::mem::size_of::<NlAttrHdr>(), NlAttrHdr::LEN);
    }

    #[test]
    fn header_fields_are_host_order() {
        let h = NlMsgHdr {
            len: U32::new(0x24),
            kind: U16::new(0x1c),
            flags: U16::new(5),
            seq: U32::new(7),
            pid: U32::new(0),
        };
        let b = h.as_bytes();
        assert_eq!(&b[..4], &0x24u32.to_ne_bytes());
        assert_eq!(&b[4..6], &0x1cu16.to_ne_bytes());
    }
}
