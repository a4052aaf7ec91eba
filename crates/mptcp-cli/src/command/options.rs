//! The endpoint and limits options: iproute2's option parsers with their post-checks.

use crate::args::addr::{self, Addr};
use crate::args::ifname::{self, Interfaces};
use crate::args::num;
use crate::args::words::Args;
use crate::command::keyword::{invarg, missarg, which};
use crate::print::endpoint::{FLAG_WORDS, flag};
use crate::print::fail::{self, Exit};

/// What the endpoint option parser is parsing for; each has its own checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// `endpoint add`.
    Add,
    /// `endpoint delete`.
    Delete,
    /// `endpoint change`.
    Change,
    /// `endpoint show` with arguments.
    Show,
}

/// The endpoint fields a command line gave.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EndpointArgs {
    /// The address, if one was given (the last one wins).
    pub addr: Option<Addr>,
    /// The id, if `id` was given (the last one wins).
    pub id: Option<u8>,
    /// OR of the flag words.
    pub flags: u32,
    /// Interface index from `dev` (0 = none).
    pub ifindex: u32,
    /// Port (0 = none).
    pub port: u16,
}

/// `limits` values; iproute2 sends `add_addr_accepted` first whatever the order typed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LimitArgs {
    /// `add_addr_accepted`.
    pub add_addr_accepted: Option<u32>,
    /// `subflows`.
    pub subflows: Option<u32>,
}

/// iproute2's endpoint option parser, with its post-checks in iproute2's order.
pub fn endpoint(
    mut w: Args<'_>,
    verb: Verb,
    ifs: &mut dyn Interfaces,
) -> Result<EndpointArgs, Exit> {
    let mut a = EndpointArgs::default();
    while let Some(word) = w.next() {
        if let Some(&(_, bits)) = FLAG_WORDS.iter().find(|(name, _)| name.as_bytes() == word) {
            a.flags |= bits;
            check_flags(verb, a.flags, word)?;
            continue;
        }
        match which(word, "id dev port") {
            Some(0) => {
                let v = w.value()?;
                a.id = Some(num::get_u8(v).ok_or_else(|| invarg("invalid ID\n", v))?);
            }
            Some(1) => {
                // iproute2's messages, with their trailing newline.
                let (invalid, missing) = ("invalid interface name\n", "device does not exist\n");
                a.ifindex = ifname::device(w.value()?, ifs, invalid, missing)?;
            }
            Some(_) => {
                let v = w.value()?;
                a.port = num::get_u16(v).ok_or_else(|| invarg("expected port", v))?;
            }
            None => a.addr = Some(addr::get_addr(word).ok_or_else(|| fail::bad_address(word))?),
        }
    }
    if verb == Verb::Add && a.addr.is_none() {
        return Err(missarg("ADDRESS"));
    }
    if verb == Verb::Delete {
        match a.id {
            None => return Err(missarg("ID")),
            Some(id) if id != 0 && a.addr.is_some() => {
                return Err(invarg("invalid for non-zero id address\n", b"ADDRESS"));
            }
            Some(0) if a.addr.is_none() => {
                return Err(invarg("address is needed for deleting id 0 address\n", b"ID"));
            }
            _ => {}
        }
    }
    if verb != Verb::Delete && a.id == Some(0) {
        return Err(invarg("cannot be 0\n", b"ID"));
    }
    if verb == Verb::Add && a.port != 0 && a.flags & flag::SIGNAL == 0 {
        return Err(invarg("flags must have signal when using port", b"port"));
    }
    if verb == Verb::Change && a.id.is_some() && a.port != 0 {
        return Err(invarg("port can't be used with id", b"port"));
    }
    Ok(a)
}

fn check_flags(verb: Verb, flags: u32, word: &[u8]) -> Result<(), Exit> {
    match verb {
        Verb::Add if flags & flag::SIGNAL != 0 && flags & flag::FULLMESH != 0 => {
            Err(invarg("flags mustn't have both signal and fullmesh", word))
        }
        Verb::Change if flags & !(flag::BACKUP | flag::FULLMESH) != 0 => {
            Err(invarg("invalid flags, backup and fullmesh only", word))
        }
        _ => Ok(()),
    }
}

/// iproute2's limits parser (used by both `set` and `show`).
pub fn limits(mut w: Args<'_>) -> Result<LimitArgs, Exit> {
    let mut l = LimitArgs::default();
    while let Some(word) = w.next() {
        match which(word, "subflows add_addr_accepted") {
            Some(0) => {
                let v = w.value()?;
                l.subflows = Some(num::get_u32(v).ok_or_else(|| invarg("invalid subflows\n", v))?);
            }
            Some(_) => {
                let v = w.value()?;
                l.add_addr_accepted =
                    Some(num::get_u32(v).ok_or_else(|| invarg("invalid add_addr_accepted\n", v))?);
            }
            None => return Err(invarg("unknown limit", word)),
        }
    }
    Ok(l)
}
