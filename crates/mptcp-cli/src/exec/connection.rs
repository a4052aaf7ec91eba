//! `connection show` (plain `mptcp` only): every MPTCP connection in the namespace,
//! with its token, from the kernel's socket diagnostics.

use crate::os::io::Write;
use core::net::SocketAddr;

use mptcp_diag::{Connection, TCP_LISTEN};
use nlsock::{Conn, Socket};

use crate::args::addr::Display;
use crate::prelude::*;
use crate::print::color::Color;
use crate::print::fail::say;
use crate::print::kerr;
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

/// Lists the connections (listeners are used only to tell the server side).
pub fn show(out: &mut Out) -> u8 {
    let socket = match Socket::open(nlwire::consts::NETLINK_SOCK_DIAG) {
        Ok(s) => s,
        Err(e) => {
            say(format_args!("Cannot open sock_diag netlink socket: {e}\n"));
            return 1;
        }
    };
    let mut conn = Conn::new(socket, 0);
    let mut rx = vec![0u8; nlsock::RECV_BUF];
    let mut rows = Vec::new();
    for family in [libc::AF_INET as u8, libc::AF_INET6 as u8] {
        let mut buf = [0u8; 128];
        let Ok(req) = mptcp_diag::build_dump(&mut buf, family, 0) else { return 1 };
        let r = conn.dump(req, &mut rx, |m| {
            if let Ok(c) = Connection::parse(&m) {
                rows.push(Row::of(&c));
            }
        });
        if let Err(e) = r {
            kerr::print_dump_error(&e);
            return kerr::KERNEL;
        }
    }
    let listeners: Vec<SocketAddr> = rows.iter().filter(|r| r.listening).map(|r| r.local).collect();
    let server_side = |r: &Row| {
        listeners.iter().any(|l| {
            l.port() == r.local.port() && (l.ip().is_unspecified() || l.ip() == r.local.ip())
        })
    };
    if let Some(j) = &mut out.json {
        j.start_array(&mut out.w);
    }
    for r in rows.iter().filter(|r| !r.listening) {
        print(out, r, server_side(r));
    }
    if let Some(j) = &mut out.json {
        j.end_array(&mut out.w);
    }
    0
}

/// Prints one connection: `token T local A lport P remote A rport P [subflows N ]
/// [server_side ]`, or its JSON object.
pub fn print<W: Write>(out: &mut Out<W>, r: &Row, server: bool) {
    if let Some(j) = &mut out.json {
        let w = &mut out.w;
        j.start_object(w);
        if let Some(t) = r.token {
            j.string(w, "token", &format!("{t:08x}"));
        }
        j.string(w, "local", &Display(r.local.ip()).to_string());
        j.uint(w, "lport", r.local.port().into());
        j.string(w, "remote", &Display(r.remote.ip()).to_string());
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
