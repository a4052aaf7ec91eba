//! Netlink constants from `include/uapi/linux/netlink.h` and `genetlink.h`.

/// `NETLINK_ROUTE` protocol.
pub const NETLINK_ROUTE: i32 = 0;
/// `NETLINK_SOCK_DIAG` protocol.
pub const NETLINK_SOCK_DIAG: i32 = 4;
/// `NETLINK_GENERIC` protocol.
pub const NETLINK_GENERIC: i32 = 16;

/// `NLMSG_NOOP`.
pub const NLMSG_NOOP: u16 = 1;
/// `NLMSG_ERROR`: an error or an acknowledgement.
pub const NLMSG_ERROR: u16 = 2;
/// `NLMSG_DONE`: end of a dump.
pub const NLMSG_DONE: u16 = 3;
/// `NLMSG_OVERRUN`.
pub const NLMSG_OVERRUN: u16 = 4;
/// First type that is not a control message.
pub const NLMSG_MIN_TYPE: u16 = 0x10;

/// Request flag.
pub const NLM_F_REQUEST: u16 = 0x01;
/// Part of a multipart reply.
pub const NLM_F_MULTI: u16 = 0x02;
/// Ask for an acknowledgement.
pub const NLM_F_ACK: u16 = 0x04;
/// Echo this request.
pub const NLM_F_ECHO: u16 = 0x08;
/// The dump was interrupted and may be inconsistent.
pub const NLM_F_DUMP_INTR: u16 = 0x10;
/// The dump was filtered.
pub const NLM_F_DUMP_FILTERED: u16 = 0x20;
/// GET modifier: root.
pub const NLM_F_ROOT: u16 = 0x100;
/// GET modifier: match.
pub const NLM_F_MATCH: u16 = 0x200;
/// GET modifier: dump (`ROOT | MATCH`).
pub const NLM_F_DUMP: u16 = 0x300;
/// NEW modifier: create.
pub const NLM_F_CREATE: u16 = 0x400;
/// Modifier of a NEW request (and of its notification): replace an existing object.
pub const NLM_F_REPLACE: u16 = 0x100;
/// NEW modifier: do not replace.
pub const NLM_F_EXCL: u16 = 0x200;
/// ACK flag: the request was not echoed in full.
pub const NLM_F_CAPPED: u16 = 0x100;
/// ACK flag: extended-ack TLVs follow.
pub const NLM_F_ACK_TLVS: u16 = 0x200;

/// Attribute type flag: the payload is nested attributes.
pub const NLA_F_NESTED: u16 = 0x8000;
/// Attribute type flag: the payload is in network byte order.
pub const NLA_F_NET_BYTEORDER: u16 = 0x4000;
/// Mask of the attribute type proper.
pub const NLA_TYPE_MASK: u16 = !(NLA_F_NESTED | NLA_F_NET_BYTEORDER);

/// Extended-ack attribute: message string.
pub const NLMSGERR_ATTR_MSG: u16 = 1;
/// Extended-ack attribute: offset of the offending attribute.
pub const NLMSGERR_ATTR_OFFS: u16 = 2;
/// Extended-ack attribute: cookie.
pub const NLMSGERR_ATTR_COOKIE: u16 = 3;
/// Extended-ack attribute: policy of the offending attribute (nested).
pub const NLMSGERR_ATTR_POLICY: u16 = 4;
/// Extended-ack attribute: type of a missing attribute.
pub const NLMSGERR_ATTR_MISS_TYPE: u16 = 5;
/// Extended-ack attribute: offset of the nest missing an attribute.
pub const NLMSGERR_ATTR_MISS_NEST: u16 = 6;

/// `SOL_NETLINK` socket option level.
pub const SOL_NETLINK: i32 = 270;
/// Join a multicast group.
pub const NETLINK_ADD_MEMBERSHIP: i32 = 1;
/// Leave a multicast group.
pub const NETLINK_DROP_MEMBERSHIP: i32 = 2;
/// Do not report `ENOBUFS`.
pub const NETLINK_NO_ENOBUFS: i32 = 5;
/// Echo only the header of a request in an acknowledgement.
pub const NETLINK_CAP_ACK: i32 = 10;
/// Ask for extended-ack TLVs.
pub const NETLINK_EXT_ACK: i32 = 11;
/// Strict checking of GET requests.
pub const NETLINK_GET_STRICT_CHK: i32 = 12;

/// Id of the generic netlink controller family (`GENL_ID_CTRL`).
pub const GENL_ID_CTRL: u16 = 0x10;
