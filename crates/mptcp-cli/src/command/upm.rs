//! The words of the userspace path-manager commands of plain `mptcp` (never of the `ip`
//! personality): `endpoint announce|remove`, `endpoint show token`, `subflow
//! add|delete|change`, and the request each sends.

use core::net::IpAddr;

use crate::args::addr::{self, Addr};
use crate::args::ifname;
use crate::args::ifname::Interfaces;
use crate::args::num;
use crate::args::words::{Args, matches};
use crate::command::keyword::{invarg, missarg, which};
use crate::command::pm::{self, Endpoint, Request};
use crate::print::endpoint::flag;
use crate::print::fail::{self, Exit};

/// One userspace-PM command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upm {
    /// `endpoint announce`: ANNOUNCE of a local address on one connection.
    Announce { token: u32, local: Endpoint },
    /// `endpoint remove`: REMOVE of an announced address id.
    Remove { token: u32, id: u8 },
    /// `endpoint show token`: the addresses the userspace PM has for a connection.
    Show { token: u32 },
    /// `subflow add`: SUBFLOW_CREATE.
    SubflowAdd { token: u32, local: Endpoint, remote: Endpoint },
    /// `subflow delete`: SUBFLOW_DESTROY.
    SubflowDelete { token: u32, local: Endpoint, remote: Endpoint },
    /// `subflow change`: SET_FLAGS with a token.
    SubflowChange { token: u32, local: Endpoint, remote: Endpoint },
}

/// What the words said, before each command checks what it needs.
#[derive(Default)]
struct Fields {
    token: Option<u32>,
    addr: Option<IpAddr>,
    id: Option<u8>,
    port: u16,
    ifindex: u32,
    raddr: Option<IpAddr>,
    rport: u16,
    backup: Option<bool>,
}

/// A token as printed by `monitor` and `connection show`: hexadecimal, `0x` optional.
pub fn parse_token(s: &[u8]) -> Option<u32> {
    let hex = s.strip_prefix(b"0x").or_else(|| s.strip_prefix(b"0X")).unwrap_or(s);
    // Hex digits only (no sign), at most eight.
    if hex.is_empty() || hex.len() > 8 {
        return None;
    }
    hex.iter().try_fold(0u32, |v, &b| Some(v << 4 | char::from(b).to_digit(16)?))
}

fn ip(word: &[u8]) -> Result<IpAddr, Exit> {
    match addr::get_addr(word) {
        Some(Addr::Ip(a)) => Ok(a),
        _ => Err(fail::bad_address(word)),
    }
}

fn fields(mut w: Args<'_>, ifs: &mut dyn Interfaces) -> Result<Fields, Exit> {
    let mut f = Fields::default();
    while let Some(word) = w.next() {
        if word == b"backup" || word == b"nobackup" {
            f.backup = Some(word == b"backup");
            continue;
        }
        const KEYS: &str = "token id dev port raddr rport";
        match which(word, KEYS) {
            Some(0) => {
                let v = w.value()?;
                f.token = Some(parse_token(v).ok_or_else(|| {
                    invarg("invalid token (hexadecimal, as monitor prints it)", v)
                })?);
            }
            Some(1) => {
                let v = w.value()?;
                f.id = Some(num::get_u8(v).ok_or_else(|| invarg("invalid ID", v))?);
            }
            Some(2) => {
                let v = w.value()?;
                f.ifindex =
                    ifname::device(v, ifs, "invalid interface name", "device does not exist")?;
            }
            Some(3) => {
                let v = w.value()?;
                f.port = num::get_u16(v).ok_or_else(|| invarg("expected port", v))?;
            }
            Some(4) => f.raddr = Some(ip(w.value()?)?),
            Some(_) => {
                let v = w.value()?;
                f.rport = num::get_u16(v).ok_or_else(|| invarg("expected port", v))?;
            }
            None => f.addr = Some(ip(word)?),
        }
    }
    Ok(f)
}

/// The value of an `Option` that the command needs, or `missarg` for its key: in
/// place, not a generic function (one copy per type).
macro_rules! need {
    ($v:expr, $key:expr) => {
        match $v {
            Some(v) => v,
            None => return Err(missarg($key)),
        }
    };
}

/// `endpoint announce|remove|show token …` (the endpoint verb is `verb`).
pub fn parse_endpoint(verb: &[u8], w: Args<'_>, ifs: &mut dyn Interfaces) -> Result<Upm, Exit> {
    let f = fields(w, ifs)?;
    let token = need!(f.token, "TOKEN");
    if matches(verb, "announce") {
        let addr = need!(f.addr, "ADDRESS");
        let local = pm::nest(addr, Some(need!(f.id, "ID")), f.port, f.ifindex, flag::SIGNAL);
        return Ok(Upm::Announce { token, local });
    }
    if matches(verb, "remove") {
        return Ok(Upm::Remove { token, id: need!(f.id, "ID") });
    }
    Ok(Upm::Show { token })
}

/// `subflow add|delete|change …`.
pub fn parse_subflow(w: &mut Args<'_>, ifs: &mut dyn Interfaces) -> Result<Upm, Exit> {
    // No verb: nothing to name, so not `Command "" is unknown` (found by `cli_args`).
    let Some(verb) = w.next() else { return Err(fail::incomplete()) };
    let Some(kind) = which(verb, "add delete change") else {
        return Err(fail::unknown_command(verb));
    };
    let f = fields(w.clone(), ifs)?;
    let token = need!(f.token, "TOKEN");
    let addr = need!(f.addr, "ADDRESS");
    let remote = pm::nest(
        need!(f.raddr, "RADDR"),
        None,
        need!(Some(f.rport).filter(|&p| p != 0), "RPORT"),
        0,
        0,
    );
    let backup = |b: bool| if b { flag::BACKUP } else { 0 };
    // The local end's port and flags as each verb wants them (in its order of checks),
    // then one nest for all three.
    let (port, flags) = match kind {
        0 => (f.port, backup(f.backup == Some(true))),
        1 => (need!(Some(f.port).filter(|&p| p != 0), "PORT"), 0),
        _ => {
            let port = need!(Some(f.port).filter(|&p| p != 0), "PORT");
            (port, backup(need!(f.backup, "backup|nobackup")))
        }
    };
    let local = pm::nest(addr, f.id, port, f.ifindex, flags);
    Ok(match kind {
        0 => Upm::SubflowAdd { token, local, remote },
        1 => Upm::SubflowDelete { token, local, remote },
        _ => Upm::SubflowChange { token, local, remote },
    })
}

impl Upm {
    /// The request this command sends.
    pub fn request(&self) -> Request {
        match *self {
            Upm::Announce { token, local } => Request::Announce { token, addr: local },
            Upm::Remove { token, id } => Request::Remove { token, loc_id: id },
            Upm::Show { token } => Request::DumpAddrsToken { token },
            Upm::SubflowAdd { token, local, remote } => {
                Request::SubflowCreate { token, local, remote }
            }
            Upm::SubflowDelete { token, local, remote } => {
                Request::SubflowDestroy { token, local, remote }
            }
            Upm::SubflowChange { token, local, remote } => {
                Request::SetFlagsToken { token, local, remote }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_token;

    #[test]
    fn tokens_are_hex() {
        assert_eq!(parse_token(b"a9079844"), Some(0xa907_9844));
        assert_eq!(parse_token(b"0xA9079844"), Some(0xa907_9844));
        assert_eq!(parse_token(b"123456789"), None);
        assert_eq!(parse_token(b"xyz"), None);
        assert_eq!(parse_token(b""), None);
        assert_eq!((parse_token(b"+a"), parse_token(b"0x+a")), (None, None), "a sign is no digit");
    }
}
