//! Userspace path-manager commands of plain `mptcp` (never of the `ip` personality):
//! `endpoint announce|remove`, `endpoint show token`, `subflow add|delete|change`.

use std::net::IpAddr;

use crate::addr::{self, Addr};
use crate::command::{Interfaces, flag};
use crate::fail::{self, Exit, invarg, missarg, say};
use crate::ifname;
use crate::kerr::{self, KERNEL};
use crate::num;
use crate::out::Out;
use crate::pm::{self, Nest, UpmRequest, cmd, upm_cmd};
use crate::session::Session;
use crate::words::{Words, matches};

/// One userspace-PM command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upm {
    /// `endpoint announce`: ANNOUNCE of a local address on one connection.
    Announce { token: u32, local: Nest },
    /// `endpoint remove`: REMOVE of an announced address id.
    Remove { token: u32, id: u8 },
    /// `endpoint show token`: the addresses the userspace PM has for a connection.
    Show { token: u32 },
    /// `subflow add`: SUBFLOW_CREATE.
    SubflowAdd { token: u32, local: Nest, remote: Nest },
    /// `subflow delete`: SUBFLOW_DESTROY.
    SubflowDelete { token: u32, local: Nest, remote: Nest },
    /// `subflow change`: SET_FLAGS with a token.
    SubflowChange { token: u32, local: Nest, remote: Nest },
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
pub fn parse_token(s: &str) -> Option<u32> {
    let hex = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")).unwrap_or(s);
    if hex.is_empty() || hex.len() > 8 {
        return None;
    }
    u32::from_str_radix(hex, 16).ok()
}

fn ip(word: &str) -> Result<IpAddr, Exit> {
    match addr::get_addr(word) {
        Some(Addr::Ip(a)) => Ok(a),
        _ => Err(fail::bad_address(word)),
    }
}

fn fields(mut w: Words<'_>, ifs: &mut dyn Interfaces) -> Result<Fields, Exit> {
    let mut f = Fields::default();
    while let Some(word) = w.next() {
        if word == "backup" || word == "nobackup" {
            f.backup = Some(word == "backup");
        } else if matches(word, "token") {
            let v = w.value()?;
            f.token =
                Some(parse_token(v).ok_or_else(|| {
                    invarg("invalid token (hexadecimal, as monitor prints it)", v)
                })?);
        } else if matches(word, "id") {
            let v = w.value()?;
            f.id = Some(num::get_u8(v).ok_or_else(|| invarg("invalid ID", v))?);
        } else if matches(word, "dev") {
            let v = w.value()?;
            if !ifname::is_valid(v) {
                return Err(invarg("invalid interface name", v));
            }
            f.ifindex = ifs.index_of(v);
            if f.ifindex == 0 {
                return Err(invarg("device does not exist", v));
            }
        } else if matches(word, "port") {
            let v = w.value()?;
            f.port = num::get_u16(v).ok_or_else(|| invarg("expected port", v))?;
        } else if matches(word, "raddr") {
            f.raddr = Some(ip(w.value()?)?);
        } else if matches(word, "rport") {
            let v = w.value()?;
            f.rport = num::get_u16(v).ok_or_else(|| invarg("expected port", v))?;
        } else {
            f.addr = Some(ip(word)?);
        }
    }
    Ok(f)
}

fn need<T>(v: Option<T>, key: &str) -> Result<T, Exit> {
    v.ok_or_else(|| missarg(key))
}

fn need_port(p: u16, key: &str) -> Result<u16, Exit> {
    if p == 0 { Err(missarg(key)) } else { Ok(p) }
}

/// `endpoint announce|remove|show token …` (the endpoint verb is `verb`).
pub fn parse_endpoint(verb: &str, w: Words<'_>, ifs: &mut dyn Interfaces) -> Result<Upm, Exit> {
    let f = fields(w, ifs)?;
    let token = need(f.token, "TOKEN")?;
    if matches(verb, "announce") {
        let local = Nest {
            addr: Some(need(f.addr, "ADDRESS")?),
            id: Some(need(f.id, "ID")?),
            port: f.port,
            ifindex: f.ifindex,
            flags: Some(flag::SIGNAL),
        };
        return Ok(Upm::Announce { token, local });
    }
    if matches(verb, "remove") {
        return Ok(Upm::Remove { token, id: need(f.id, "ID")? });
    }
    Ok(Upm::Show { token })
}

/// `subflow add|delete|change …`.
pub fn parse_subflow(w: &mut Words<'_>, ifs: &mut dyn Interfaces) -> Result<Upm, Exit> {
    let Some(verb) = w.next() else { return Err(fail::unknown_command("")) };
    let kind = if matches(verb, "add") {
        0
    } else if matches(verb, "delete") {
        1
    } else if matches(verb, "change") {
        2
    } else {
        return Err(fail::unknown_command(verb));
    };
    let f = fields(w.clone(), ifs)?;
    let token = need(f.token, "TOKEN")?;
    let mut local = Nest {
        addr: Some(need(f.addr, "ADDRESS")?),
        id: f.id,
        port: f.port,
        ifindex: f.ifindex,
        flags: None,
    };
    let remote = Nest {
        addr: Some(need(f.raddr, "RADDR")?),
        port: need_port(f.rport, "RPORT")?,
        ..Nest::default()
    };
    match kind {
        0 => {
            local.flags = f.backup.filter(|b| *b).map(|_| flag::BACKUP);
            Ok(Upm::SubflowAdd { token, local, remote })
        }
        1 => {
            need_port(f.port, "PORT")?;
            Ok(Upm::SubflowDelete { token, local, remote })
        }
        _ => {
            need_port(f.port, "PORT")?;
            let backup = need(f.backup, "backup|nobackup")?;
            local.flags = Some(if backup { flag::BACKUP } else { 0 });
            Ok(Upm::SubflowChange { token, local, remote })
        }
    }
}

impl Upm {
    /// The request this command sends.
    fn request(&self) -> UpmRequest<'_> {
        let base = |command, flags, token| UpmRequest {
            command,
            flags,
            token,
            loc_id: None,
            local: None,
            remote: None,
        };
        match self {
            Upm::Announce { token, local } => {
                UpmRequest { local: Some(local), ..base(upm_cmd::ANNOUNCE, pm::ACK, *token) }
            }
            Upm::Remove { token, id } => {
                UpmRequest { loc_id: Some(*id), ..base(upm_cmd::REMOVE, pm::ACK, *token) }
            }
            Upm::Show { token } => base(cmd::GET_ADDR, pm::DUMP, *token),
            Upm::SubflowAdd { token, local, remote } => UpmRequest {
                local: Some(local),
                remote: Some(remote),
                ..base(upm_cmd::SUBFLOW_CREATE, pm::ACK, *token)
            },
            Upm::SubflowDelete { token, local, remote } => UpmRequest {
                local: Some(local),
                remote: Some(remote),
                ..base(upm_cmd::SUBFLOW_DESTROY, pm::ACK, *token)
            },
            Upm::SubflowChange { token, local, remote } => UpmRequest {
                local: Some(local),
                remote: Some(remote),
                ..base(cmd::SET_FLAGS, pm::ACK, *token)
            },
        }
    }
}

/// Runs a userspace-PM command.
pub fn run(s: &mut Session, out: &mut Out, u: &Upm, resolve: bool) -> u8 {
    let mut buf = [0u8; 256];
    let built = u.request().build(&mut buf, s.family);
    let Ok(req) = built else { return 1 };
    if let Upm::Show { .. } = u {
        let status = crate::endpoint::dump_request(s, out, resolve, req);
        if status != 0 {
            hint_pm_type();
        }
        return status;
    }
    match s.conn.ack(req, &mut s.rx) {
        Ok(()) => 0,
        Err(e) => {
            kerr::print_request_error(&e);
            hint_pm_type();
            KERNEL
        }
    }
}

/// After a failure: if this namespace runs the in-kernel path manager, say which
/// sysctl selects the userspace one.
fn hint_pm_type() {
    let path_manager = std::fs::read_to_string("/proc/sys/net/mptcp/path_manager").ok();
    let pm_type = std::fs::read_to_string("/proc/sys/net/mptcp/pm_type").ok();
    let kernel_pm =
        match (path_manager.as_deref().map(str::trim), pm_type.as_deref().map(str::trim)) {
            (Some(pm), _) => pm != "userspace",
            (None, Some(t)) => t != "1",
            (None, None) => false,
        };
    if kernel_pm {
        say(format_args!(
            "Error: this namespace uses the in-kernel path manager; the userspace path manager \
             is selected with sysctl net.mptcp.pm_type=1 (net.mptcp.path_manager=userspace), \
             before the connection is made.\n"
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::parse_token;

    #[test]
    fn tokens_are_hex() {
        assert_eq!(parse_token("a9079844"), Some(0xa907_9844));
        assert_eq!(parse_token("0xA9079844"), Some(0xa907_9844));
        assert_eq!(parse_token("123456789"), None);
        assert_eq!(parse_token("xyz"), None);
        assert_eq!(parse_token(""), None);
    }
}
