//! A connection as `connection show` prints it: token, addresses, ports, subflows, side.

use core::net::SocketAddr;

use mptcp_diag::{Connection, TCP_LISTEN};

use crate::os::io::Write;
use crate::print::addr::Display;
use crate::print::color::Color;
use crate::print::out::Out;

/// One connection, copied out of the receive buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    /// The MPTCP token, when the kernel sent `mptcp_info`.
    pub token: Option<u32>,
    /// Local address and port.
    pub local: SocketAddr,
    /// Remote address and port.
    pub remote: SocketAddr,
    /// Subflows, when the kernel sent `mptcp_info`.
    pub subflows: Option<u8>,
    /// A listener (used only to tell the server side, not printed).
    pub listening: bool,
}

impl Row {
    /// The row of one diag reply.
    pub fn of(c: &Connection<'_>) -> Row {
        Row {
            token: c.info().and_then(|i| i.token()),
            local: c.local(),
            remote: c.remote(),
            subflows: c.info().and_then(|i| i.subflow_count()),
            listening: c.state() == TCP_LISTEN,
        }
    }
}

/// Prints one connection: `token T local A lport P remote A rport P [subflows N ]
/// [server_side ]`, or its JSON object.
pub fn print<W: Write>(out: &mut Out<W>, r: &Row, server: bool) {
    if let Some(j) = &mut out.json {
        let w = &mut out.w;
        j.start_object(w);
        if let Some(t) = r.token {
            j.string_fmt(w, "token", format_args!("{t:08x}"));
        }
        j.string_fmt(w, "local", format_args!("{}", Display(r.local.ip())));
        j.uint(w, "lport", r.local.port().into());
        j.string_fmt(w, "remote", format_args!("{}", Display(r.remote.ip())));
        j.uint(w, "rport", r.remote.port().into());
        if let Some(n) = r.subflows {
            j.uint(w, "subflows", n.into());
        }
        j.bool(w, "server_side", server);
        j.end_object(w);
        return;
    }
    if let Some(t) = r.token {
        let _ = write!(out.w, "token {t:08x} ");
    }
    let c = |a: core::net::IpAddr| if a.is_ipv4() { Color::Inet } else { Color::Inet6 };
    let _ = write!(out.w, "local ");
    out.colored(c(r.local.ip()), format_args!("{} ", Display(r.local.ip())));
    let _ = write!(out.w, "lport {} remote ", r.local.port());
    out.colored(c(r.remote.ip()), format_args!("{} ", Display(r.remote.ip())));
    let _ = write!(out.w, "rport {} ", r.remote.port());
    if let Some(n) = r.subflows {
        let _ = write!(out.w, "subflows {n} ");
    }
    if server {
        let _ = write!(out.w, "server_side ");
    }
    let _ = out.w.write_all(out.line_end.as_bytes());
}
