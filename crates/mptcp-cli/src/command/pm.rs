//! The CLI's bridge to the `mptcp_pm` message layer: turns parsed arguments into
//! [`Request`]s and writes them into a buffer ready for `nlsock`.

use core::net::IpAddr;

pub use mptcp_pm_wire::{Endpoint, Limits, Request};
use mptcp_pm_wire::{EndpointAddr, EndpointFlags};

use crate::args::addr::Addr;
use crate::command::options::{EndpointArgs, LimitArgs};

/// Room for the longest request of the family.
pub const REQ_BUF: usize = mptcp_pm_wire::MAX_REQUEST_LEN;

/// The endpoint an `ip mptcp endpoint …` command line describes (out of line: five
/// callers).
#[inline(never)]
pub fn endpoint(a: &EndpointArgs) -> Endpoint {
    Endpoint {
        addr: a.addr.map(|addr| match addr {
            Addr::Ip(ip) => EndpointAddr::from(ip),
            Addr::Unspec => EndpointAddr::Unspec,
        }),
        id: a.id,
        port: a.port,
        flags: EndpointFlags::from_bits_retain(a.flags),
        ifindex: a.ifindex as i32,
    }
}

/// An endpoint with just an address and optional parts (userspace-PM nests).
pub fn nest(addr: IpAddr, id: Option<u8>, port: u16, ifindex: u32, flags: u32) -> Endpoint {
    Endpoint {
        addr: Some(EndpointAddr::from(addr)),
        id,
        port,
        flags: EndpointFlags::from_bits_retain(flags),
        ifindex: ifindex as i32,
    }
}

/// The limits a command line gave.
pub fn limits(l: &LimitArgs) -> Limits {
    Limits { rcv_add_addrs: l.add_addr_accepted, subflows: l.subflows }
}

/// Writes `req` for `family` into `buf` (sequence number stamped later by `nlsock`). Out
/// of line: five callers.
#[inline(never)]
pub fn emit<'b>(req: &Request, buf: &'b mut [u8], family: u16) -> Option<&'b mut [u8]> {
    req.emit(buf, family, 0).ok()
}
