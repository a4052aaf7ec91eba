//! Adapter between the CLI and the `mptcp_pm` message layer: builds requests from parsed
//! arguments and reads endpoints, limits and events out of replies.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use nlwire::consts::*;
use nlwire::{Attrs, GenlMessage, MessageBuilder};

use crate::addr::Addr;
use crate::command::{EndpointArgs, LimitArgs};

/// `MPTCP_PM_CMD_*`.
pub mod cmd {
    pub const ADD_ADDR: u8 = 1;
    pub const DEL_ADDR: u8 = 2;
    pub const GET_ADDR: u8 = 3;
    pub const FLUSH_ADDRS: u8 = 4;
    pub const SET_LIMITS: u8 = 5;
    pub const GET_LIMITS: u8 = 6;
    pub const SET_FLAGS: u8 = 7;
}

const VERSION: u8 = 1;
const ATTR_ADDR: u16 = 1;
const ATTR_RCV_ADD_ADDRS: u16 = 2;
const ATTR_SUBFLOWS: u16 = 3;
const ADDR_FAMILY: u16 = 1;
const ADDR_ID: u16 = 2;
const ADDR_ADDR4: u16 = 3;
const ADDR_ADDR6: u16 = 4;
const ADDR_PORT: u16 = 5;
const ADDR_FLAGS: u16 = 6;
const ADDR_IF_IDX: u16 = 7;
const AF_INET: u16 = 2;
const AF_INET6: u16 = 10;

/// Builds an endpoint command (add, delete, change, get) with iproute2's nest layout.
pub fn endpoint_request<'b>(
    buf: &'b mut [u8],
    family: u16,
    command: u8,
    flags: u16,
    a: &EndpointArgs,
) -> Result<&'b mut [u8], nlwire::Error> {
    let mut b = MessageBuilder::genl(buf, family, flags, 0, command, VERSION)?;
    let nest = b.begin_nested(ATTR_ADDR)?;
    if let Some(id) = a.id {
        b.put_u8(ADDR_ID, id)?;
    }
    if a.flags != 0 {
        b.put_u32(ADDR_FLAGS, a.flags)?;
    }
    if a.ifindex != 0 {
        b.put_u32(ADDR_IF_IDX, a.ifindex)?;
    }
    if a.port != 0 {
        b.put_u16(ADDR_PORT, a.port)?;
    }
    match a.addr {
        Some(Addr::Ip(IpAddr::V4(v4))) => {
            b.put_u16(ADDR_FAMILY, AF_INET)?;
            b.put_ipv4(ADDR_ADDR4, v4)?;
        }
        Some(Addr::Ip(IpAddr::V6(v6))) => {
            b.put_u16(ADDR_FAMILY, AF_INET6)?;
            b.put_ipv6(ADDR_ADDR6, v6)?;
        }
        Some(Addr::Unspec) => {
            b.put_u16(ADDR_FAMILY, 0)?;
            b.put(ADDR_ADDR6, &[])?;
        }
        None => {}
    }
    b.end_nested(nest)?;
    let len = b.finish()?.len();
    Ok(&mut buf[..len])
}

/// Builds a command without attributes (dump, flush, limits get without values).
pub fn bare_request(
    buf: &mut [u8],
    family: u16,
    command: u8,
    flags: u16,
) -> Result<&mut [u8], nlwire::Error> {
    let len = MessageBuilder::genl(buf, family, flags, 0, command, VERSION)?.finish()?.len();
    Ok(&mut buf[..len])
}

/// Builds SET_LIMITS or GET_LIMITS: `add_addr_accepted` first, then `subflows`.
pub fn limits_request<'b>(
    buf: &'b mut [u8],
    family: u16,
    command: u8,
    flags: u16,
    l: &LimitArgs,
) -> Result<&'b mut [u8], nlwire::Error> {
    let mut b = MessageBuilder::genl(buf, family, flags, 0, command, VERSION)?;
    if let Some(v) = l.add_addr_accepted {
        b.put_u32(ATTR_RCV_ADD_ADDRS, v)?;
    }
    if let Some(v) = l.subflows {
        b.put_u32(ATTR_SUBFLOWS, v)?;
    }
    let len = b.finish()?.len();
    Ok(&mut buf[..len])
}

/// One endpoint as a reply describes it; absent attributes are `None`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EndpointInfo {
    /// The address, when the family and its address attribute are both present.
    pub addr: Option<IpAddr>,
    /// Port (0 = none).
    pub port: Option<u16>,
    /// Id.
    pub id: Option<u8>,
    /// Flag bits, unknown bits kept.
    pub flags: Option<u32>,
    /// Interface index.
    pub ifindex: Option<i32>,
}

/// Reads the ADDR nest of a GET_ADDR reply or dump message; `None` without the nest.
pub fn endpoint_info(msg: &GenlMessage<'_>) -> Option<EndpointInfo> {
    let nest = msg.attrs().find(ATTR_ADDR).ok().flatten()?;
    let mut e = EndpointInfo::default();
    let (mut family, mut v4, mut v6) = (None, None, None);
    for a in nest.nested() {
        let Ok(a) = a else { break };
        match a.kind() {
            ADDR_FAMILY => {
                family = family.or(a.u16().ok().or(a.payload().first().map(|&b| u16::from(b))))
            }
            ADDR_ID => e.id = e.id.or(a.u8().ok()),
            ADDR_ADDR4 => v4 = v4.or(a.ipv4().ok()),
            ADDR_ADDR6 => v6 = v6.or(a.ipv6().ok()),
            ADDR_PORT => e.port = e.port.or(a.u16().ok()),
            ADDR_FLAGS => e.flags = e.flags.or(a.u32().ok()),
            ADDR_IF_IDX => e.ifindex = e.ifindex.or(a.i32().ok()),
            _ => {}
        }
    }
    e.addr = match family {
        Some(AF_INET) => v4.map(IpAddr::V4),
        Some(AF_INET6) => v6.map(IpAddr::V6),
        _ => None,
    };
    Some(e)
}

/// Reads a GET_LIMITS reply.
pub fn limits_info(msg: &GenlMessage<'_>) -> LimitArgs {
    let mut l = LimitArgs::default();
    for a in msg.attrs() {
        let Ok(a) = a else { break };
        match a.kind() {
            ATTR_RCV_ADD_ADDRS => l.add_addr_accepted = l.add_addr_accepted.or(a.u32().ok()),
            ATTR_SUBFLOWS => l.subflows = l.subflows.or(a.u32().ok()),
            _ => {}
        }
    }
    l
}

/// An event view: typed accessors in the right byte order (first occurrence wins).
pub struct Event<'a> {
    msg: GenlMessage<'a>,
}

impl<'a> Event<'a> {
    /// Wraps a message from the events group.
    pub fn new(msg: GenlMessage<'a>) -> Self {
        Event { msg }
    }

    fn attr(&self, kind: u16) -> Option<nlwire::Attr<'a>> {
        Attrs::new(self.msg.attr_bytes()).find(kind).ok().flatten()
    }

    /// The event type (genl command).
    pub fn kind_raw(&self) -> u8 {
        self.msg.cmd()
    }
    pub fn token(&self) -> Option<u32> {
        self.attr(1)?.u32().ok()
    }
    pub fn loc_id(&self) -> Option<u8> {
        self.attr(3)?.u8().ok()
    }
    pub fn rem_id(&self) -> Option<u8> {
        self.attr(4)?.u8().ok()
    }
    pub fn saddr4(&self) -> Option<Ipv4Addr> {
        self.attr(5)?.ipv4().ok()
    }
    pub fn saddr6(&self) -> Option<Ipv6Addr> {
        self.attr(6)?.ipv6().ok()
    }
    pub fn daddr4(&self) -> Option<Ipv4Addr> {
        self.attr(7)?.ipv4().ok()
    }
    pub fn daddr6(&self) -> Option<Ipv6Addr> {
        self.attr(8)?.ipv6().ok()
    }
    pub fn sport(&self) -> Option<u16> {
        self.attr(9)?.u16_be().ok()
    }
    pub fn dport(&self) -> Option<u16> {
        self.attr(10)?.u16_be().ok()
    }
    pub fn backup(&self) -> Option<u8> {
        self.attr(11)?.u8().ok()
    }
    pub fn error(&self) -> Option<u8> {
        self.attr(12)?.u8().ok()
    }
    pub fn flags(&self) -> Option<u16> {
        self.attr(13)?.u16().ok()
    }
    pub fn timeout(&self) -> Option<u32> {
        self.attr(14)?.u32().ok()
    }
    pub fn if_idx(&self) -> Option<i32> {
        self.attr(15)?.i32().ok()
    }
    pub fn reset_reason(&self) -> Option<u32> {
        self.attr(16)?.u32().ok()
    }
    pub fn reset_flags(&self) -> Option<u32> {
        self.attr(17)?.u32().ok()
    }
    pub fn server_side(&self) -> Option<u8> {
        self.attr(18)?.u8().ok()
    }
}

/// `NLM_F_REQUEST | NLM_F_ACK`: modifying commands.
pub const ACK: u16 = NLM_F_REQUEST | NLM_F_ACK;
/// `NLM_F_REQUEST`: a GET expecting one reply.
pub const GET: u16 = NLM_F_REQUEST;
/// `NLM_F_REQUEST | NLM_F_DUMP`.
pub const DUMP: u16 = NLM_F_REQUEST | NLM_F_DUMP;

/// Userspace path-manager command numbers (`MPTCP_PM_CMD_*`).
pub mod upm_cmd {
    pub const ANNOUNCE: u8 = 8;
    pub const REMOVE: u8 = 9;
    pub const SUBFLOW_CREATE: u8 = 10;
    pub const SUBFLOW_DESTROY: u8 = 11;
}

const ATTR_TOKEN: u16 = 4;
const ATTR_LOC_ID: u16 = 5;
const ATTR_ADDR_REMOTE: u16 = 6;

/// An address nest for the userspace PM: family, address, and optional id, port,
/// interface and flags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Nest {
    /// The address.
    pub addr: Option<IpAddr>,
    /// Id (`None` = not sent).
    pub id: Option<u8>,
    /// Port (0 = not sent).
    pub port: u16,
    /// Interface (0 = not sent).
    pub ifindex: u32,
    /// Flags (`None` = not sent).
    pub flags: Option<u32>,
}

fn put_nest(b: &mut MessageBuilder<'_>, kind: u16, n: &Nest) -> Result<(), nlwire::Error> {
    let nest = b.begin_nested(kind)?;
    match n.addr {
        Some(IpAddr::V4(v4)) => {
            b.put_u16(ADDR_FAMILY, AF_INET)?;
            b.put_ipv4(ADDR_ADDR4, v4)?;
        }
        Some(IpAddr::V6(v6)) => {
            b.put_u16(ADDR_FAMILY, AF_INET6)?;
            b.put_ipv6(ADDR_ADDR6, v6)?;
        }
        None => {}
    }
    if let Some(id) = n.id {
        b.put_u8(ADDR_ID, id)?;
    }
    if n.port != 0 {
        b.put_u16(ADDR_PORT, n.port)?;
    }
    if n.ifindex != 0 {
        b.put_i32(ADDR_IF_IDX, n.ifindex as i32)?;
    }
    if let Some(f) = n.flags {
        b.put_u32(ADDR_FLAGS, f)?;
    }
    b.end_nested(nest)
}

/// A userspace-PM request: TOKEN, then LOC_ID, the local nest and the remote nest
/// where given.
#[derive(Debug, Clone, Copy)]
pub struct UpmRequest<'n> {
    /// The command.
    pub command: u8,
    /// Netlink flags.
    pub flags: u16,
    /// The connection's token.
    pub token: u32,
    /// `MPTCP_PM_ATTR_LOC_ID`.
    pub loc_id: Option<u8>,
    /// `MPTCP_PM_ATTR_ADDR`.
    pub local: Option<&'n Nest>,
    /// `MPTCP_PM_ATTR_ADDR_REMOTE`.
    pub remote: Option<&'n Nest>,
}

impl UpmRequest<'_> {
    /// Writes the request for `family` into `buf`.
    pub fn build<'b>(&self, buf: &'b mut [u8], family: u16) -> Result<&'b mut [u8], nlwire::Error> {
        let mut b = MessageBuilder::genl(buf, family, self.flags, 0, self.command, VERSION)?;
        b.put_u32(ATTR_TOKEN, self.token)?;
        if let Some(id) = self.loc_id {
            b.put_u8(ATTR_LOC_ID, id)?;
        }
        if let Some(l) = self.local {
            put_nest(&mut b, ATTR_ADDR, l)?;
        }
        if let Some(r) = self.remote {
            put_nest(&mut b, ATTR_ADDR_REMOTE, r)?;
        }
        let len = b.finish()?.len();
        Ok(&mut buf[..len])
    }
}
