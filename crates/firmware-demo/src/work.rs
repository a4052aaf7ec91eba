//! The firmware's message work: build two requests, read a family reply, a dump and an event.
//!
//! Everything here is safe code over stack buffers and flash-resident fixtures. Inputs
//! pass through [`black_box`] so the optimiser cannot fold the parsing away at compile
//! time: the size report measures the real parsers and builders.
#![forbid(unsafe_code)]

use core::hint::black_box;
use core::net::Ipv4Addr;

use genl::Family;
use mptcp_pm_wire::{Endpoint, EndpointAddr, EndpointFlags, Event, MAX_REQUEST_LEN, Request};
use nlwire::{Message, Messages};

/// `CTRL_CMD_NEWFAMILY` reply for `mptcp_pm` (Linux 6.18, little-endian like this target).
static GETFAMILY: &[u8] =
    include_bytes!("../../mptcp-pm-wire/tests/fixtures/getfamily_mptcp_pm.bin");
/// One endpoint-dump datagram: eight `GET_ADDR` replies.
static DUMP: &[u8] = include_bytes!("../../mptcp-pm-wire/tests/fixtures/endpoint_dump.bin");
/// One `SUB_ESTABLISHED` event with IF_IDX.
static EVENT: &[u8] =
    include_bytes!("../../mptcp-pm-wire/tests/fixtures/event_sub_established_ifidx.bin");

/// What one run computed. Each digest folds every field that was read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Length of the `CTRL_CMD_GETFAMILY` request built for `mptcp_pm`.
    pub getfamily_len: usize,
    /// The family id read from the captured controller reply.
    pub family_id: u16,
    /// The `mptcp_pm_events` group id from the same reply.
    pub events_group: u32,
    /// Length of the `ADD_ADDR` request built.
    pub add_addr_len: usize,
    /// Digest of the two requests' bytes.
    pub request_digest: u32,
    /// Endpoints read from the dump.
    pub endpoints: u32,
    /// Digest of every endpoint field.
    pub endpoint_digest: u32,
    /// The event type's code.
    pub event_kind: u8,
    /// Digest of every event field.
    pub event_digest: u32,
    /// Steps that failed (0 on a good run).
    pub errors: u32,
}

/// One FNV-1a step over a 32-bit word.
fn mix(hash: u32, word: u32) -> u32 {
    (hash ^ word).wrapping_mul(0x0100_0193)
}

/// FNV-1a over bytes.
fn mix_bytes(hash: u32, bytes: &[u8]) -> u32 {
    bytes.iter().fold(hash, |h, &b| mix(h, u32::from(b)))
}

/// Folds an IP address (or its absence) into `hash`.
fn mix_addr(hash: u32, addr: Option<core::net::IpAddr>) -> u32 {
    match addr {
        Some(core::net::IpAddr::V4(a)) => mix(hash, u32::from(a)),
        Some(core::net::IpAddr::V6(a)) => mix_bytes(hash, &a.octets()),
        None => mix(hash, 0),
    }
}

/// Folds the optional small integers of an event; `None` and `Some(0)` differ.
fn mix_opt(hash: u32, v: Option<u32>) -> u32 {
    match v {
        Some(v) => mix(mix(hash, 1), v),
        None => mix(hash, 0),
    }
}

/// Does the whole job once.
pub fn run() -> Summary {
    let mut s = Summary { request_digest: 0x811c_9dc5, ..Summary::default() };
    let mut tx = [0u8; MAX_REQUEST_LEN];

    // 1. The family request a firmware would send first.
    match genl::build_getfamily(&mut tx, black_box(mptcp_pm_wire::FAMILY_NAME)) {
        Ok(req) => {
            s.getfamily_len = req.len();
            s.request_digest = mix_bytes(s.request_digest, req);
        }
        Err(_) => s.errors += 1,
    }

    // 2. Its answer, as captured from the kernel.
    let family =
        Message::parse(black_box(GETFAMILY)).and_then(|m| m.genl()).and_then(|g| Family::parse(&g));
    match family {
        Ok(f) => {
            s.family_id = f.id;
            match f.group(mptcp_pm_wire::EVENTS_GROUP) {
                Ok(Some(g)) => s.events_group = g,
                _ => s.errors += 1,
            }
        }
        Err(_) => s.errors += 1,
    }

    // 3. ADD_ADDR `10.0.1.1 signal` for that family.
    let mut endpoint = Endpoint::with_addr(Ipv4Addr::new(10, 0, 1, 1));
    endpoint.flags = EndpointFlags::SIGNAL;
    let request = black_box(Request::AddAddr(endpoint));
    match request.emit(&mut tx, s.family_id, 1) {
        Ok(req) => {
            s.add_addr_len = req.len();
            s.request_digest = mix_bytes(s.request_digest, req);
        }
        Err(_) => s.errors += 1,
    }

    // 4. Every endpoint of a dump datagram.
    s.endpoint_digest = 0x811c_9dc5;
    for msg in Messages::new(black_box(DUMP)) {
        let parsed = msg.and_then(|m| m.genl()).map_err(mptcp_pm_wire::Error::from);
        match parsed.and_then(|g| Endpoint::from_message(&g)) {
            Ok(Some(e)) => {
                s.endpoints += 1;
                let mut h = s.endpoint_digest;
                h = mix_opt(h, e.id.map(u32::from));
                h = mix(h, e.flags.bits());
                h = mix(h, u32::from(e.port));
                h = mix(h, e.ifindex as u32);
                h = mix(h, u32::from(e.addr.map_or(0, |a| a.family())));
                h = mix_addr(h, e.addr.and_then(|a: EndpointAddr| a.ip()));
                s.endpoint_digest = h;
            }
            Ok(None) | Err(_) => s.errors += 1,
        }
    }

    // 5. One event.
    let event = Message::parse(black_box(EVENT))
        .and_then(|m| m.genl())
        .map_err(mptcp_pm_wire::Error::from)
        .and_then(|g| Event::parse(&g));
    match event {
        Ok(ev) => {
            s.event_kind = ev.kind().code();
            let mut h = 0x811c_9dc5;
            h = mix_opt(h, ev.token());
            h = mix_opt(h, ev.family().map(u32::from));
            h = mix_addr(h, ev.saddr());
            h = mix_addr(h, ev.daddr());
            h = mix_opt(h, ev.sport().map(u32::from));
            h = mix_opt(h, ev.dport().map(u32::from));
            h = mix_opt(h, ev.loc_id().map(u32::from));
            h = mix_opt(h, ev.rem_id().map(u32::from));
            h = mix_opt(h, ev.backup().map(u32::from));
            h = mix_opt(h, ev.if_idx().map(|i| i as u32));
            h = mix_opt(h, ev.flags().map(|f| u32::from(f.bits())));
            h = mix(h, u32::from(ev.is_server_side()));
            s.event_digest = h;
        }
        Err(_) => s.errors += 1,
    }
    s
}
