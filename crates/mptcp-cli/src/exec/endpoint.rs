//! `endpoint add|delete|change|show|flush`: requests, and the endpoint line and JSON.

use nlsock::Socket;

use crate::command::EndpointArgs;
use crate::command::pm::{self, Endpoint, Request};
use crate::exec::session::{IfLabel, IfNames, Session};
use crate::names::etc::Etc;
use crate::print::addr::Text;
use crate::print::endpoint::print_bytes;
use crate::print::fail::say;
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
/// `resolve` is `-r`'s: the files that name addresses.
pub fn get(s: &mut Session, out: &mut Out, a: &EndpointArgs, resolve: Option<&Etc>) -> u8 {
    let mut buf = [0u8; pm::REQ_BUF];
    let Some(req) = pm::emit(&Request::GetAddr(pm::endpoint(a)), &mut buf, s.family) else {
        return 1;
    };
    let info = match s.request(req) {
        Ok(msg) => endpoint_of(&msg),
        Err(e) => {
            kerr::print_request_error(&e);
            return KERNEL;
        }
    };
    let Some(info) = info else { return 1 };
    out.open_array();
    print_named(s.conn.link(), out, &info, resolve, &mut IfNames::default());
    out.close_array();
    0
}

/// `endpoint show`: the dump, printed entry by entry.
pub fn dump(s: &mut Session, out: &mut Out, resolve: Option<&Etc>) -> u8 {
    dump_request(s, out, resolve, &Request::DumpAddrs)
}

/// Runs a GET_ADDR dump request and prints its endpoints.
pub fn dump_request(
    s: &mut Session,
    out: &mut Out,
    resolve: Option<&Etc>,
    request: &Request,
) -> u8 {
    let mut buf = [0u8; pm::REQ_BUF];
    let Some(req) = pm::emit(request, &mut buf, s.family) else { return 1 };
    out.open_array();
    let family = s.family;
    let mut names = IfNames::default();
    // Read message by message (the loop `Dump::next_message` already is, rather than a
    // second copy of it in `dump_with_link`); each endpoint is copied out of the
    // message, then printed with the dump's socket naming its interface.
    let result = s.conn.start_dump(req, &mut s.rx[..]).and_then(|mut dump| {
        loop {
            let e = match dump.next_message() {
                None => break Ok(dump.is_interrupted()),
                Some(Err(e)) => break Err(e),
                Some(Ok(m)) if m.kind() != family => continue,
                Some(Ok(m)) => endpoint_of(&m),
            };
            if let Some(e) = e {
                print_named(dump.link(), out, &e, resolve, &mut names);
            }
        }
    });
    // What was printed goes out before a message about the dump.
    if !matches!(result, Ok(false)) {
        out.flush();
    }
    let status = match result {
        Ok(interrupted) => {
            if interrupted {
                say(format_args!("Dump was interrupted and may be inconsistent.\n"));
            }
            0
        }
        Err(e) => {
            kerr::print_dump_error(&e);
            say(format_args!("Dump terminated\n"));
            KERNEL
        }
    };
    out.close_array();
    status
}

/// The endpoint a GET_ADDR reply or dump message carries, if it parses.
#[inline(never)]
fn endpoint_of(m: &nlwire::Message<'_>) -> Option<Endpoint> {
    m.genl().ok().and_then(|g| Endpoint::from_message(&g).ok().flatten())
}

/// Prints one endpoint with its address resolved (`-r`: `resolve` names the files) and
/// its interface named by `socket`.
fn print_named(
    socket: &Socket,
    out: &mut Out,
    e: &Endpoint,
    resolve: Option<&Etc>,
    names: &mut IfNames,
) {
    let ip = e.ip();
    let found = ip.zip(resolve).and_then(|(a, etc)| crate::names::reverse_lookup(a, etc));
    let text;
    let address = match (&found, ip) {
        (Some(name), _) => Some(&name[..]),
        (None, Some(a)) => {
            text = Text::of(a);
            Some(text.as_bytes())
        }
        (None, None) => None,
    };
    let ifindex = e.ifindex;
    let label = (ifindex != 0).then(|| names.get(socket, ifindex as u32));
    print_bytes(out, e, address, label.as_ref().map(IfLabel::as_bytes));
}
