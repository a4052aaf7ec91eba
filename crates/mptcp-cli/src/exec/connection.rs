//! `connection show` (plain `mptcp` only): every MPTCP connection in the namespace,
//! with its token, from the kernel's socket diagnostics.

use core::net::SocketAddr;

use mptcp_diag::Connection;
use nlsock::{Conn, Socket};

use crate::prelude::*;
use crate::print::connection::{Row, print};
use crate::print::fail::say;
use crate::print::kerr;
use crate::print::out::Out;

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
