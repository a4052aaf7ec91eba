//! [`Request`]: every `mptcp_pm` command as plain data, written into a caller's buffer.
//!
//! [`Request::emit`] writes the whole message (netlink header, genl header with
//! [`VERSION`], attributes) with iproute2's flags and attribute order, so that the bytes
//! equal `ip mptcp`'s. [`Request::parse`] reads such a message back (for tests and fake
//! kernels); the two are symmetric.
//!
//! Userspace-PM commands (ANNOUNCE .. SUBFLOW_DESTROY and the TOKEN forms of GET_ADDR and
//! SET_FLAGS) act on one connection of a namespace whose `net.mptcp.pm_type` is 1; the
//! kernel answers "invalid token" for an unknown token and "userspace PM not selected"
//! when the connection uses the in-kernel PM.

use nlwire::consts::{NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST};
use nlwire::{Attr, GenlMessage, MessageBuilder};

use crate::consts::{VERSION, attr, cmd};
use crate::endpoint::MAX_NEST_LEN;
use crate::{Endpoint, Error, Limits};

/// Flags of a command that changes state: `NLM_F_REQUEST | NLM_F_ACK` (0x005).
pub const FLAGS_ACK: u16 = NLM_F_REQUEST | NLM_F_ACK;
/// Flags of a GET expecting one reply: `NLM_F_REQUEST` (0x001).
pub const FLAGS_GET: u16 = NLM_F_REQUEST;
/// Flags of a dump: `NLM_F_REQUEST | NLM_F_DUMP` (0x301).
pub const FLAGS_DUMP: u16 = NLM_F_REQUEST | NLM_F_DUMP;

/// Most bytes any request takes: headers, TOKEN, and two full address nests.
pub const MAX_REQUEST_LEN: usize = 16 + 4 + 8 + 2 * MAX_NEST_LEN;

/// One request of the `mptcp_pm` family. New commands of newer kernels will become
/// new variants, hence `#[non_exhaustive]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Request {
    /// ADD_ADDR: add an endpoint (`ip mptcp endpoint add`). The kernel needs FAMILY and
    /// the address; a PORT needs exactly SIGNAL without SUBFLOW and a local address; no
    /// ID (or ID 0) lets the kernel pick one.
    AddAddr(Endpoint),
    /// DEL_ADDR: delete by ID, or the id-0 (initial) address with ID 0 plus the address
    /// (`ip mptcp endpoint delete`).
    DelAddr(Endpoint),
    /// GET_ADDR (do): one endpoint, looked up by ID only (`ip mptcp endpoint show id`).
    GetAddr(Endpoint),
    /// GET_ADDR (dump): every endpoint, ascending id (`ip mptcp endpoint show`).
    DumpAddrs,
    /// FLUSH_ADDRS: delete every endpoint.
    FlushAddrs,
    /// SET_LIMITS: each value at most [`MAX_LIMIT`](crate::consts::MAX_LIMIT); unset
    /// ones are kept.
    SetLimits(Limits),
    /// GET_LIMITS; iproute2 attaches any limits given on the command line, which the
    /// kernel ignores.
    GetLimits(Limits),
    /// SET_FLAGS, in-kernel PM (`ip mptcp endpoint change`): by ID when the nest has no
    /// FAMILY, else by address. BACKUP and FULLMESH become exactly the bits sent.
    SetFlags(Endpoint),
    /// Userspace PM, ANNOUNCE: TOKEN and an ADDR nest that needs a non-zero ID, SIGNAL
    /// in FLAGS, FAMILY and the address (PORT and IF_IDX optional).
    Announce {
        /// The connection.
        token: u32,
        /// The local address to announce.
        addr: Endpoint,
    },
    /// Userspace PM, REMOVE: TOKEN and LOC_ID; id 0 removes the initial subflow's
    /// address.
    Remove {
        /// The connection.
        token: u32,
        /// The local address id to withdraw.
        loc_id: u8,
    },
    /// Userspace PM, SUBFLOW_CREATE: TOKEN, the local ADDR (FAMILY and address needed;
    /// ID, IF_IDX, BACKUP optional; SIGNAL refused, SUBFLOW implied) and ADDR_REMOTE
    /// (FAMILY, address, PORT). The families must match.
    SubflowCreate {
        /// The connection.
        token: u32,
        /// Local end.
        local: Endpoint,
        /// Remote end.
        remote: Endpoint,
    },
    /// Userspace PM, SUBFLOW_DESTROY: TOKEN, ADDR and ADDR_REMOTE, each with FAMILY,
    /// address and a non-zero PORT ("missing local port" / "missing remote port"
    /// otherwise); the subflow is found by both address/port pairs.
    SubflowDestroy {
        /// The connection.
        token: u32,
        /// Local end.
        local: Endpoint,
        /// Remote end.
        remote: Endpoint,
    },
    /// Userspace PM, SET_FLAGS with a token: changes a subflow's priority. TOKEN, ADDR
    /// (FAMILY and address required; BACKUP in FLAGS is the new state) and ADDR_REMOTE
    /// (FAMILY and address required; PORT narrows the match).
    SetFlagsToken {
        /// The connection.
        token: u32,
        /// Local end.
        local: Endpoint,
        /// Remote end.
        remote: Endpoint,
    },
    /// Userspace PM, GET_ADDR (do) with a token: one address of the connection's list,
    /// by the ID in the ADDR nest.
    GetAddrToken {
        /// The connection.
        token: u32,
        /// The nest holding the id.
        addr: Endpoint,
    },
    /// Userspace PM, GET_ADDR (dump) with a token: the connection's address list.
    DumpAddrsToken {
        /// The connection.
        token: u32,
    },
}

impl Request {
    /// The genl command byte.
    pub const fn cmd(&self) -> u8 {
        match self {
            Request::AddAddr(_) => cmd::ADD_ADDR,
            Request::DelAddr(_) => cmd::DEL_ADDR,
            Request::GetAddr(_)
            | Request::DumpAddrs
            | Request::GetAddrToken { .. }
            | Request::DumpAddrsToken { .. } => cmd::GET_ADDR,
            Request::FlushAddrs => cmd::FLUSH_ADDRS,
            Request::SetLimits(_) => cmd::SET_LIMITS,
            Request::GetLimits(_) => cmd::GET_LIMITS,
            Request::SetFlags(_) | Request::SetFlagsToken { .. } => cmd::SET_FLAGS,
            Request::Announce { .. } => cmd::ANNOUNCE,
            Request::Remove { .. } => cmd::REMOVE,
            Request::SubflowCreate { .. } => cmd::SUBFLOW_CREATE,
            Request::SubflowDestroy { .. } => cmd::SUBFLOW_DESTROY,
        }
    }

    /// The netlink flags iproute2 uses: [`FLAGS_DUMP`] for dumps, [`FLAGS_GET`] for
    /// GET_ADDR/GET_LIMITS, [`FLAGS_ACK`] for everything else.
    pub const fn nl_flags(&self) -> u16 {
        match self {
            Request::DumpAddrs | Request::DumpAddrsToken { .. } => FLAGS_DUMP,
            Request::GetAddr(_) | Request::GetAddrToken { .. } | Request::GetLimits(_) => FLAGS_GET,
            _ => FLAGS_ACK,
        }
    }

    /// Whether the kernel answers with a multipart dump ended by `NLMSG_DONE`.
    pub const fn is_dump(&self) -> bool {
        self.nl_flags() == FLAGS_DUMP
    }

    /// Writes the request for family id `family` with sequence number `seq` into `buf`
    /// and returns the message bytes, mutable so that they can go straight to
    /// `nlsock::Conn`, which stamps its own sequence number over `seq` (pass 0 then).
    /// [`MAX_REQUEST_LEN`] bytes always suffice; a smaller buffer may give
    /// [`nlwire::Error::NoRoom`].
    pub fn emit<'b>(
        &self,
        buf: &'b mut [u8],
        family: u16,
        seq: u32,
    ) -> Result<&'b mut [u8], Error> {
        let len = self.write(&mut *buf, family, seq)?;
        // The message was written into `buf`: `len` is within it.
        Ok(buf.get_mut(..len).unwrap_or_default())
    }

    fn write(&self, buf: &mut [u8], family: u16, seq: u32) -> Result<usize, Error> {
        let mut b = MessageBuilder::genl(buf, family, self.nl_flags(), seq, self.cmd(), VERSION)?;
        match self {
            Request::AddAddr(e)
            | Request::DelAddr(e)
            | Request::GetAddr(e)
            | Request::SetFlags(e) => e.emit(&mut b, attr::ADDR)?,
            Request::DumpAddrs | Request::FlushAddrs => {}
            Request::SetLimits(l) | Request::GetLimits(l) => l.emit(&mut b)?,
            Request::Announce { token, addr } | Request::GetAddrToken { token, addr } => {
                b.put_u32(attr::TOKEN, *token)?;
                addr.emit(&mut b, attr::ADDR)?;
            }
            Request::Remove { token, loc_id } => {
                b.put_u32(attr::TOKEN, *token)?;
                b.put_u8(attr::LOC_ID, *loc_id)?;
            }
            Request::SubflowCreate { token, local, remote }
            | Request::SubflowDestroy { token, local, remote }
            | Request::SetFlagsToken { token, local, remote } => {
                b.put_u32(attr::TOKEN, *token)?;
                local.emit(&mut b, attr::ADDR)?;
                remote.emit(&mut b, attr::ADDR_REMOTE)?;
            }
            Request::DumpAddrsToken { token } => b.put_u32(attr::TOKEN, *token)?,
        }
        Ok(b.finish()?.len())
    }

    /// Reads a request back. GET_ADDR is a dump when `NLM_F_DUMP` is set; GET_ADDR and
    /// SET_FLAGS are the userspace-PM forms when TOKEN is present. A needed attribute
    /// that is absent is [`Error::MissingAttr`]; extra attributes are ignored.
    pub fn parse(msg: &GenlMessage<'_>) -> Result<Self, Error> {
        let top = Top::read(msg)?;
        let dump = msg.message().flags() & NLM_F_DUMP == NLM_F_DUMP;
        Ok(match msg.cmd() {
            cmd::ADD_ADDR => Request::AddAddr(top.addr()?),
            cmd::DEL_ADDR => Request::DelAddr(top.addr()?),
            cmd::GET_ADDR => match (dump, top.token) {
                (true, None) => Request::DumpAddrs,
                (true, Some(token)) => Request::DumpAddrsToken { token },
                (false, None) => Request::GetAddr(top.addr()?),
                (false, Some(token)) => Request::GetAddrToken { token, addr: top.addr()? },
            },
            cmd::FLUSH_ADDRS => Request::FlushAddrs,
            cmd::SET_LIMITS => Request::SetLimits(Limits::from_message(msg)?),
            cmd::GET_LIMITS => Request::GetLimits(Limits::from_message(msg)?),
            cmd::SET_FLAGS => match top.token {
                None => Request::SetFlags(top.addr()?),
                Some(token) => {
                    Request::SetFlagsToken { token, local: top.addr()?, remote: top.remote()? }
                }
            },
            cmd::ANNOUNCE => Request::Announce { token: top.token()?, addr: top.addr()? },
            cmd::REMOVE => Request::Remove {
                token: top.token()?,
                loc_id: top.loc_id.ok_or(Error::MissingAttr(attr::LOC_ID))?,
            },
            cmd::SUBFLOW_CREATE => Request::SubflowCreate {
                token: top.token()?,
                local: top.addr()?,
                remote: top.remote()?,
            },
            cmd::SUBFLOW_DESTROY => Request::SubflowDestroy {
                token: top.token()?,
                local: top.addr()?,
                remote: top.remote()?,
            },
            other => return Err(Error::UnknownCommand(other)),
        })
    }
}

/// The top-level attributes of a request, first occurrence of each.
struct Top<'a> {
    addr: Option<Attr<'a>>,
    remote: Option<Attr<'a>>,
    token: Option<u32>,
    loc_id: Option<u8>,
}

impl<'a> Top<'a> {
    fn read(msg: &GenlMessage<'a>) -> Result<Self, Error> {
        let mut t = Top { addr: None, remote: None, token: None, loc_id: None };
        for a in msg.attrs() {
            let a = a?;
            let bad = |_| Error::BadAttr(a.kind());
            match a.kind() {
                attr::ADDR if t.addr.is_none() => t.addr = Some(a),
                attr::ADDR_REMOTE if t.remote.is_none() => t.remote = Some(a),
                attr::TOKEN if t.token.is_none() => t.token = Some(a.u32().map_err(bad)?),
                attr::LOC_ID if t.loc_id.is_none() => t.loc_id = Some(a.u8().map_err(bad)?),
                _ => {}
            }
        }
        Ok(t)
    }

    fn addr(&self) -> Result<Endpoint, Error> {
        Endpoint::parse(self.addr.as_ref().ok_or(Error::MissingAttr(attr::ADDR))?)
    }

    fn remote(&self) -> Result<Endpoint, Error> {
        Endpoint::parse(self.remote.as_ref().ok_or(Error::MissingAttr(attr::ADDR_REMOTE))?)
    }

    fn token(&self) -> Result<u32, Error> {
        self.token.ok_or(Error::MissingAttr(attr::TOKEN))
    }
}

#[cfg(test)]
mod tests;
