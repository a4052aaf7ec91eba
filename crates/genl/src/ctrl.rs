//! Constants of the generic netlink controller (`nlctrl`), from `genetlink.h`.

pub use nlwire::consts::GENL_ID_CTRL;

/// `CTRL_CMD_NEWFAMILY`: the controller's reply to GETFAMILY.
pub const CMD_NEWFAMILY: u8 = 1;
/// `CTRL_CMD_GETFAMILY`.
pub const CMD_GETFAMILY: u8 = 3;
/// Controller version sent in requests.
pub const VERSION: u8 = 2;

/// `CTRL_ATTR_FAMILY_ID` (u16).
pub const ATTR_FAMILY_ID: u16 = 1;
/// `CTRL_ATTR_FAMILY_NAME` (string).
pub const ATTR_FAMILY_NAME: u16 = 2;
/// `CTRL_ATTR_VERSION` (u32).
pub const ATTR_VERSION: u16 = 3;
/// `CTRL_ATTR_HDRSIZE` (u32).
pub const ATTR_HDRSIZE: u16 = 4;
/// `CTRL_ATTR_MAXATTR` (u32).
pub const ATTR_MAXATTR: u16 = 5;
/// `CTRL_ATTR_OPS` (nest of nests).
pub const ATTR_OPS: u16 = 6;
/// `CTRL_ATTR_MCAST_GROUPS` (nest of nests).
pub const ATTR_MCAST_GROUPS: u16 = 7;

/// `CTRL_ATTR_MCAST_GRP_NAME` (string).
pub const ATTR_MCAST_GRP_NAME: u16 = 1;
/// `CTRL_ATTR_MCAST_GRP_ID` (u32).
pub const ATTR_MCAST_GRP_ID: u16 = 2;

/// `GENL_NAMSIZ`: family and group names are shorter than this.
pub const GENL_NAMSIZ: usize = 16;
