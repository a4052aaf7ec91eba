//! Numbers of the `mptcp_pm` family: commands, attribute sets, event types, limits.
//!
//! Values come from `include/uapi/linux/mptcp_pm.h`, `include/uapi/linux/mptcp.h` and
//! `Documentation/netlink/specs/mptcp_pm.yaml` (family version 1).

/// Generic netlink family name (`MPTCP_PM_NAME`).
pub const FAMILY_NAME: &str = "mptcp_pm";
/// Family interface version sent in every request (`MPTCP_PM_VER`).
pub const VERSION: u8 = 1;
/// Multicast group of path-manager events (`MPTCP_PM_EV_GRP_NAME`); joining needs
/// `CAP_NET_ADMIN`.
pub const EVENTS_GROUP: &str = "mptcp_pm_events";
/// Multicast group reserved for commands (`MPTCP_PM_CMD_GRP_NAME`); nothing is sent to it.
pub const CMDS_GROUP: &str = "mptcp_pm_cmds";

/// `AF_UNSPEC`: what iproute2 sends as the family of `default`, `any` and `all`.
pub const AF_UNSPEC: u16 = 0;
/// `AF_INET`.
pub const AF_INET: u16 = 2;
/// `AF_INET6`.
pub const AF_INET6: u16 = 10;

/// Most endpoints one network namespace holds (`MPTCP_PM_ADDR_MAX`).
pub const MAX_ENDPOINTS: usize = 8;
/// Largest value the kernel accepts for either limit.
pub const MAX_LIMIT: u32 = 8;

/// Commands (`MPTCP_PM_CMD_*`), the genl `cmd` byte of a request.
pub mod cmd {
    /// Unused.
    pub const UNSPEC: u8 = 0;
    /// Add an endpoint.
    pub const ADD_ADDR: u8 = 1;
    /// Delete an endpoint.
    pub const DEL_ADDR: u8 = 2;
    /// Get one endpoint (do) or all of them (dump).
    pub const GET_ADDR: u8 = 3;
    /// Delete every endpoint.
    pub const FLUSH_ADDRS: u8 = 4;
    /// Set the limits.
    pub const SET_LIMITS: u8 = 5;
    /// Get the limits.
    pub const GET_LIMITS: u8 = 6;
    /// Change endpoint flags (in-kernel PM) or a subflow's priority (userspace PM).
    pub const SET_FLAGS: u8 = 7;
    /// Userspace PM: announce an address on one connection.
    pub const ANNOUNCE: u8 = 8;
    /// Userspace PM: withdraw an announced address.
    pub const REMOVE: u8 = 9;
    /// Userspace PM: open a subflow.
    pub const SUBFLOW_CREATE: u8 = 10;
    /// Userspace PM: close a subflow.
    pub const SUBFLOW_DESTROY: u8 = 11;
    /// Highest command.
    pub const MAX: u8 = 11;
}

/// Top-level attributes (`MPTCP_PM_ATTR_*`, the "attr" set).
pub mod attr {
    /// Nested address (`MPTCP_PM_ATTR_ADDR`, also `MPTCP_PM_ENDPOINT_ADDR`).
    pub const ADDR: u16 = 1;
    /// `u32`: limit of accepted ADD_ADDRs (`add_addr_accepted`).
    pub const RCV_ADD_ADDRS: u16 = 2;
    /// `u32`: limit of extra subflows.
    pub const SUBFLOWS: u16 = 3;
    /// `u32` host order: connection token (userspace PM).
    pub const TOKEN: u16 = 4;
    /// `u8`: local address id (userspace PM).
    pub const LOC_ID: u16 = 5;
    /// Nested remote address (userspace PM).
    pub const ADDR_REMOTE: u16 = 6;
    /// Highest attribute.
    pub const MAX: u16 = 6;
}

/// Attributes inside an address nest (`MPTCP_PM_ADDR_ATTR_*`).
pub mod addr_attr {
    /// `u16` host order: address family.
    pub const FAMILY: u16 = 1;
    /// `u8`: endpoint id.
    pub const ID: u16 = 2;
    /// 4 bytes, network order.
    pub const ADDR4: u16 = 3;
    /// 16 bytes, network order.
    pub const ADDR6: u16 = 4;
    /// `u16` **host** order (the kernel converts; the spec said big-endian until 2024).
    pub const PORT: u16 = 5;
    /// `u32` host order: [`EndpointFlags`](crate::EndpointFlags).
    pub const FLAGS: u16 = 6;
    /// `s32` host order: interface index.
    pub const IF_IDX: u16 = 7;
    /// Highest attribute.
    pub const MAX: u16 = 7;
}

/// Event types (`MPTCP_EVENT_*`), the genl `cmd` byte of an event.
pub mod event {
    /// A connection was created.
    pub const CREATED: u8 = 1;
    /// A connection is established.
    pub const ESTABLISHED: u8 = 2;
    /// A connection closed.
    pub const CLOSED: u8 = 3;
    /// The peer announced an address.
    pub const ANNOUNCED: u8 = 6;
    /// The peer removed an address.
    pub const REMOVED: u8 = 7;
    /// A subflow is established.
    pub const SUB_ESTABLISHED: u8 = 10;
    /// A subflow closed.
    pub const SUB_CLOSED: u8 = 11;
    /// A subflow's priority changed.
    pub const SUB_PRIORITY: u8 = 13;
    /// A listener was created.
    pub const LISTENER_CREATED: u8 = 15;
    /// A listener closed.
    pub const LISTENER_CLOSED: u8 = 16;
}

/// Event attributes (`MPTCP_ATTR_*`).
pub mod event_attr {
    /// `u32` host order.
    pub const TOKEN: u16 = 1;
    /// `u16` host order.
    pub const FAMILY: u16 = 2;
    /// `u8`.
    pub const LOC_ID: u16 = 3;
    /// `u8`.
    pub const REM_ID: u16 = 4;
    /// 4 bytes, network order.
    pub const SADDR4: u16 = 5;
    /// 16 bytes, network order.
    pub const SADDR6: u16 = 6;
    /// 4 bytes, network order.
    pub const DADDR4: u16 = 7;
    /// 16 bytes, network order.
    pub const DADDR6: u16 = 8;
    /// `u16` **network** order.
    pub const SPORT: u16 = 9;
    /// `u16` **network** order.
    pub const DPORT: u16 = 10;
    /// `u8`.
    pub const BACKUP: u16 = 11;
    /// `u8`: a copy of the subflow's `sk_err`.
    pub const ERROR: u16 = 12;
    /// `u16` host order: [`EventFlags`](crate::EventFlags).
    pub const FLAGS: u16 = 13;
    /// `u32` host order.
    pub const TIMEOUT: u16 = 14;
    /// `s32` host order (the spec says `u32`; the kernel writes `s32`).
    pub const IF_IDX: u16 = 15;
    /// `u32` host order.
    pub const RESET_REASON: u16 = 16;
    /// `u32` host order.
    pub const RESET_FLAGS: u16 = 17;
    /// `u8` (deprecated in 6.18 for [`EventFlags::SERVER_SIDE`](crate::EventFlags)).
    pub const SERVER_SIDE: u16 = 18;
    /// Highest attribute.
    pub const MAX: u16 = 18;
}
