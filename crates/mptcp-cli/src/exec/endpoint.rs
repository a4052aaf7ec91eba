//! `endpoint add|delete|change|show|flush`: requests, and the endpoint line and JSON.

use crate::os::io::Write;
use core::net::IpAddr;

use nlsock::Socket;

use crate::args::addr;
use crate::command::pm::{self, Endpoint, Request};
use crate::command::{EndpointArgs, FLAG_WORDS};
use crate::exec::session::{IfNames, Session};
use crate::prelude::*;
use crate::print::color::Color;
use crate::print::fail::say;
use crate::print::hosts;
use crate::print::kerr::{self, KERNEL};
use crate::print::out::Out;

/// Sends a request that expects an ACK; prints the kernel's error if it fails.
pub fn modify(s: &mut Session, request: &Request) -> u8 {
    let mut buf = [0u8; pm::REQ_BUF];
    let Some(req) = pm::emit(request, &mut buf, s.family) else { return 1 };
    match s.ack(req) {
        Ok(()) => 0,
        Err(e) => {
            kerr::print_request_error(&e);
            KERNEL
        }
    }
}

/// `endpoint add`.
pub fn add(s: &mut Session, a: &EndpointArgs) -> u8 {
    modify(s, &Request::AddAddr(pm::endpoint(a)))
}

/// `endpoint delete`.
pub fn delete(s: &mut Session, a: &EndpointArgs) -> u8 {
    modify(s, &Request::DelAddr(pm::endpoint(a)))
}

/// `endpoint change` (SET_FLAGS).
pub fn change(s: &mut Session, a: &EndpointArgs) -> u8 {
    modify(s, &Request::SetFlags(pm::endpoint(a)))
}

/// `endpoint flush`.
pub fn flush(s: &mut Session) -> u8 {
    modify(s, &Request::FlushAddrs)
}

/// `endpoint show ARGS`: one GET_ADDR; the JSON array opens only once the reply is in.
pub fn get(s: &mut Session, out: &mut Out, a: &EndpointArgs, resolve: bool) -> u8 {
    let mut buf = [0u8; pm::REQ_BUF];
    let Some(req) = pm::emit(&Request::GetAddr(pm::endpoint(a)), &mut buf, s.family) else {
        return 1;
    };
    let info = match s.request(req) {
        Ok(msg) => msg.genl().ok().and_then(|g| Endpoint::from_message(&g).ok().flatten()),
        Err(e) => {
            kerr::print_request_error(&e);
            return KERNEL;
        }
    };
    let Some(info) = info else { return 1 };
    if let Some(j) = &mut out.json {
        j.start_array(&mut out.w);
    }
    print_named(s.conn.link(), out, &info, resolve, &mut IfNames::default());
    if let Some(j) = &mut out.json {
        j.end_array(&mut out.w);
    }
    0
}

/// `endpoint show`: the dump, printed entry by entry.
pub fn dump(s: &mut Session, out: &mut Out, resolve: bool) -> u8 {
    dump_request(s, out, resolve, &Request::DumpAddrs)
}

/// Runs a GET_ADDR dump request and prints its endpoints.
pub fn dump_request(s: &mut Session, out: &mut Out, resolve: bool, request: &Request) -> u8 {
    let mut buf = [0u8; pm::REQ_BUF];
    let Some(req) = pm::emit(request, &mut buf, s.family) else { return 1 };
    if let Some(j) = &mut out.json {
        j.start_array(&mut out.w);
    }
    let family = s.family;
    let mut names = IfNames::default();
    let result = s.conn.dump_with_link(req, &mut s.rx[..], |socket, m| {
        if m.kind() != family {
            return;
        }
        if let Some(e) = m.genl().ok().and_then(|g| Endpoint::from_message(&g).ok().flatten()) {
            print_named(socket, out, &e, resolve, &mut names);
        }
    });
    let status = match result {
        Ok(interrupted) => {
            if interrupted {
                out.flush();
                say(format_args!("Dump was interrupted and may be inconsistent.\n"));
            }
            0
        }
        Err(e) => {
            out.flush();
            kerr::print_dump_error(&e);
            say(format_args!("Dump terminated\n"));
            KERNEL
        }
    };
    if let Some(j) = &mut out.json {
        j.end_array(&mut out.w);
    }
    status
}

/// Prints one endpoint with its address resolved (`-r`) and its interface named by
/// `socket`.
fn print_named(socket: &Socket, out: &mut Out, e: &Endpoint, resolve: bool, names: &mut IfNames) {
    let host = e.ip().map(|a| Host::of(a, resolve));
    let ifindex = e.ifindex;
    let name = (ifindex != 0).then(|| names.get(socket, ifindex as u32));
    print(out, e, host.as_ref(), name);
}

/// Prints one endpoint: `ADDR [port P ]id I FLAGS… [rawflags X ][dev NAME ]`, or its
/// JSON object with the keys in the same order. `address` is the address as text (given
/// when the endpoint has one), `name` the interface (given when its index is not 0).
pub fn print<W: Write>(
    out: &mut Out<W>,
    e: &Endpoint,
    address: Option<&Host>,
    name: Option<impl core::fmt::Display>,
) {
    let ip = e.ip();
    let flags = e.flags.bits();
    let known: u32 = FLAG_WORDS.iter().map(|(_, b)| b).fold(0, |acc, b| acc | b);
    let port = Some(e.port).filter(|&p| p != 0);
    if let Some(j) = &mut out.json {
        let w = &mut out.w;
        j.start_object(w);
        if let Some(a) = &address {
            j.string_fmt(w, "address", format_args!("{a}"));
        }
        if let Some(p) = port {
            j.uint(w, "port", p.into());
        }
        if let Some(id) = e.id {
            j.uint(w, "id", id.into());
        }
        for (word, bit) in FLAG_WORDS.iter().filter(|(_, b)| *b != 0) {
            if flags & bit != 0 {
                j.bool(w, word, true);
            }
        }
        if flags & !known != 0 {
            j.string(w, "rawflags", &format!("{:02x}", flags & !known));
        }
        if let Some(name) = name {
            j.string_fmt(w, "dev", format_args!("{name}"));
        }
        j.end_object(w);
        return;
    }
    if let (Some(a), Some(ip)) = (&address, ip) {
        let c = if ip.is_ipv4() { Color::Inet } else { Color::Inet6 };
        out.colored(c, format_args!("{a} "));
    }
    if let Some(p) = port {
        let _ = write!(out.w, "port {p} ");
    }
    if let Some(id) = e.id {
        let _ = write!(out.w, "id {id} ");
    }
    for (word, bit) in FLAG_WORDS.iter().filter(|(_, b)| *b != 0) {
        if flags & bit != 0 {
            let _ = write!(out.w, "{word} ");
        }
    }
    if flags & !known != 0 {
        let _ = write!(out.w, "rawflags {:02x} ", flags & !known);
    }
    if let Some(name) = name {
        let _ = write!(out.w, "dev ");
        out.colored(Color::Ifname, format_args!("{name} "));
    }
    let _ = out.w.write_all(out.line_end.as_bytes());
}

/// The address as text: a reverse-resolved name with `-r`, else `inet_ntop`'s form.
pub enum Host {
    /// A host name.
    Name(String),
    /// No name: the address.
    Addr(IpAddr),
}

impl Host {
    /// `a` as `-r` (when `resolve`) or plain output shows it.
    pub fn of(a: IpAddr, resolve: bool) -> Host {
        match resolve.then(|| hosts::reverse_lookup(a)).flatten() {
            Some(name) => Host::Name(name),
            None => Host::Addr(a),
        }
    }
}

impl core::fmt::Display for Host {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Host::Name(n) => f.write_str(n),
            Host::Addr(a) => addr::Display(*a).fmt(f),
        }
    }
}
