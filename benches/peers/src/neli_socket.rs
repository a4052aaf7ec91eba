//! `neli`: its synchronous `NlRouter` (as its documentation shows), the `mptcp_pm` family
//! resolved through it, the commands and attributes declared and the answers parsed by
//! hand, as a user of neli writes them (neli has no MPTCP types).

use std::net::Ipv4Addr;

use neli::attr::Attribute;
use neli::consts::genl::{Cmd, NlAttrType};
use neli::consts::nl::NlmF;
use neli::consts::socket::NlFamily;
use neli::genl::{AttrTypeBuilder, Genlmsghdr, GenlmsghdrBuilder, Nlattr, NlattrBuilder};
use neli::neli_enum;
use neli::nl::NlPayload;
use neli::router::synchronous::{NlRouter, NlRouterReceiverHandle};
use neli::types::{Buffer, GenlBuffer};
use neli::utils::Groups;

use crate::{ENDPOINTS, Lib};

/// The family's version (`MPTCP_PM_VER`).
const VERSION: u8 = 1;

/// `MPTCP_PM_CMD_*`, the ones used here.
#[neli_enum(serialized_type = "u8")]
pub enum PmCmd {
    AddAddr = 1,
    DelAddr = 2,
    GetAddr = 3,
    SetLimits = 5,
    GetLimits = 6,
}
impl Cmd for PmCmd {}

/// `MPTCP_PM_ATTR_*`, the ones used here.
#[neli_enum(serialized_type = "u16")]
pub enum PmAttr {
    Addr = 1,
    RcvAddAddrs = 2,
    Subflows = 3,
}
impl NlAttrType for PmAttr {}

/// `MPTCP_PM_ADDR_ATTR_*`.
#[neli_enum(serialized_type = "u16")]
pub enum AddrAttr {
    Family = 1,
    Id = 2,
    Addr4 = 3,
    Addr6 = 4,
    Port = 5,
    Flags = 6,
    IfIdx = 7,
}
impl NlAttrType for AddrAttr {}

/// `MPTCP_PM_ADDR_FLAG_SIGNAL`.
const FLAG_SIGNAL: u32 = 1;
/// `AF_INET` as the family attribute's u16.
const AF_INET: u16 = libc::AF_INET as u16;

/// One message of the family, as sent and received.
type PmMessage = Genlmsghdr<PmCmd, PmAttr>;

/// What the dump reads of each endpoint.
#[derive(Debug, Default)]
pub struct Entry {
    /// `ID`.
    pub id: u8,
    /// `ADDR4` (network order on the wire).
    pub addr: Option<Ipv4Addr>,
    /// `FLAGS`.
    pub flags: u32,
    /// `PORT`.
    pub port: u16,
}

fn err(e: impl std::fmt::Display) -> String {
    format!("neli: {e}")
}

fn attr<T: NlAttrType, P>(kind: T, payload: P) -> Result<Nlattr<T, Buffer>, String>
where
    P: neli::Size + neli::ToBytes,
{
    NlattrBuilder::default()
        .nla_type(AttrTypeBuilder::default().nla_type(kind).build().map_err(err)?)
        .nla_payload(payload)
        .build()
        .map_err(err)
}

/// The `ADDR` nest for endpoint `id`, with its address and flags when `full`.
fn addr_nest(id: u8, full: bool) -> Result<Nlattr<PmAttr, Buffer>, String> {
    let mut nest = attr(PmAttr::Addr, Vec::<u8>::new())?;
    nest = nest.nest(&attr(AddrAttr::Id, id)?).map_err(err)?;
    if full {
        let ip = Ipv4Addr::new(10, 66, 0, id);
        nest = nest.nest(&attr(AddrAttr::Family, AF_INET)?).map_err(err)?;
        nest = nest.nest(&attr(AddrAttr::Addr4, ip.octets())?).map_err(err)?;
        nest = nest.nest(&attr(AddrAttr::Flags, FLAG_SIGNAL)?).map_err(err)?;
    }
    Ok(nest)
}

/// A router and the family's id.
pub struct Neli {
    router: NlRouter,
    family: u16,
}

impl Neli {
    /// Connects and resolves `mptcp_pm` (before any clock).
    pub fn open() -> Result<Self, String> {
        let (router, _multicast) =
            NlRouter::connect(NlFamily::Generic, Some(0), Groups::empty()).map_err(err)?;
        let family = router.resolve_genl_family("mptcp_pm").map_err(err)?;
        Ok(Neli { router, family })
    }

    /// Sends `cmd` with `attrs`; the handle yields the answers.
    fn send(
        &self,
        cmd: PmCmd,
        flags: NlmF,
        attrs: GenlBuffer<PmAttr, Buffer>,
    ) -> Result<NlRouterReceiverHandle<u16, PmMessage>, String> {
        let msg = GenlmsghdrBuilder::default()
            .cmd(cmd)
            .version(VERSION)
            .attrs(attrs)
            .build()
            .map_err(err)?;
        self.router.send(self.family, flags, NlPayload::Payload(msg)).map_err(err)
    }

    /// Sends `cmd` asking for an acknowledgement and waits for it.
    fn acked(&self, cmd: PmCmd, attrs: GenlBuffer<PmAttr, Buffer>) -> Result<(), String> {
        for answer in self.send(cmd, NlmF::ACK, attrs)? {
            answer.map_err(err)?;
        }
        Ok(())
    }

    /// One endpoint out of a dump message's `ADDR` nest.
    fn entry(msg: &PmMessage) -> Result<Entry, String> {
        let attrs = msg.attrs().get_attr_handle();
        let nest = attrs.get_nested_attributes::<AddrAttr>(PmAttr::Addr).map_err(err)?;
        let mut entry = Entry::default();
        for a in nest.iter() {
            let bytes: &[u8] = a.nla_payload().as_ref();
            match a.nla_type().nla_type() {
                AddrAttr::Id => entry.id = a.get_payload_as::<u8>().map_err(err)?,
                AddrAttr::Flags => entry.flags = a.get_payload_as::<u32>().map_err(err)?,
                AddrAttr::Port => entry.port = a.get_payload_as::<u16>().map_err(err)?,
                AddrAttr::Addr4 => {
                    let octets: [u8; 4] = bytes.try_into().map_err(err)?;
                    entry.addr = Some(Ipv4Addr::from(octets));
                }
                _ => {}
            }
        }
        Ok(entry)
    }
}

impl Lib for Neli {
    fn name(&self) -> &'static str {
        "neli"
    }
    fn get_limits(&mut self) -> Result<(), String> {
        let (mut subflows, mut accepted) = (None, None);
        for answer in self.send(PmCmd::GetLimits, NlmF::empty(), GenlBuffer::new())? {
            let answer = answer.map_err(err)?;
            if let Some(msg) = answer.get_payload() {
                let attrs = msg.attrs().get_attr_handle();
                subflows = attrs.get_attr_payload_as::<u32>(PmAttr::Subflows).ok();
                accepted = attrs.get_attr_payload_as::<u32>(PmAttr::RcvAddAddrs).ok();
            }
        }
        match (subflows, accepted) {
            (Some(_), Some(_)) => Ok(()),
            _ => Err("neli: GET_LIMITS answered without both limits".into()),
        }
    }
    fn set_limits(&mut self) -> Result<(), String> {
        let attrs: GenlBuffer<PmAttr, Buffer> =
            [attr(PmAttr::Subflows, 2u32)?, attr(PmAttr::RcvAddAddrs, 2u32)?].into_iter().collect();
        self.acked(PmCmd::SetLimits, attrs)
    }
    fn dump(&mut self) -> Result<usize, String> {
        let mut n = 0;
        for answer in self.send(PmCmd::GetAddr, NlmF::DUMP, GenlBuffer::new())? {
            let answer = answer.map_err(err)?;
            if let Some(msg) = answer.get_payload() {
                let entry = Self::entry(msg)?;
                if entry.id == 0 || entry.addr.is_none() {
                    return Err(format!("neli: an endpoint without id or address: {entry:?}"));
                }
                n += 1;
            }
        }
        Ok(n)
    }
    fn delete_add(&mut self) -> Result<(), String> {
        let one = |full| -> Result<GenlBuffer<PmAttr, Buffer>, String> {
            Ok(std::iter::once(addr_nest(ENDPOINTS, full)?).collect())
        };
        self.acked(PmCmd::DelAddr, one(false)?)?;
        self.acked(PmCmd::AddAddr, one(true)?)
    }
}
