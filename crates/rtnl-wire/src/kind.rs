//! Message types as an [`Object`] and an [`Op`], the dump requests, and [`RtMessage`],
//! which sorts a received message into its view.

use nlwire::consts::{NLM_F_ACK, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_REQUEST};
use nlwire::{Message, MessageBuilder};

use crate::consts::{RTM_NEWADDR, RTM_NEWLINK, RTM_NEWROUTE};
use crate::{AddrMsg, Error, LinkMsg, RouteMsg};

/// What a message is about: its fixed header and attribute set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Object {
    /// A link (`struct ifinfomsg`, `IFLA_*`).
    Link,
    /// An address (`struct ifaddrmsg`, `IFA_*`).
    Addr,
    /// A route (`struct rtmsg`, `RTA_*`).
    Route,
}

/// What a message does: the three types of each object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// `RTM_NEW*`: created or changed (also each message of a dump).
    New,
    /// `RTM_DEL*`: deleted.
    Del,
    /// `RTM_GET*`: a request.
    Get,
}

impl Object {
    /// The `RTM_NEW*` type of this object; `DEL` and `GET` follow it.
    const fn base(self) -> u16 {
        match self {
            Object::Link => RTM_NEWLINK,
            Object::Addr => RTM_NEWADDR,
            Object::Route => RTM_NEWROUTE,
        }
    }

    /// Size of the fixed header after the netlink header.
    pub const fn header_len(self) -> usize {
        match self {
            Object::Link => 16,
            Object::Addr => 8,
            Object::Route => 12,
        }
    }

    /// The `nlmsg_type` of `op` on this object (e.g. `RTM_DELADDR` = 21).
    pub const fn msg_type(self, op: Op) -> u16 {
        self.base()
            + match op {
                Op::New => 0,
                Op::Del => 1,
                Op::Get => 2,
            }
    }

    /// The object and operation of a `nlmsg_type`, if it is one of the nine this crate
    /// knows.
    pub const fn from_type(kind: u16) -> Option<(Object, Op)> {
        let object = match kind {
            16..=18 => Object::Link,
            20..=22 => Object::Addr,
            24..=26 => Object::Route,
            _ => return None,
        };
        let op = match kind - object.base() {
            0 => Op::New,
            1 => Op::Del,
            _ => Op::Get,
        };
        Some((object, op))
    }
}

/// Flags of a dump request: `NLM_F_REQUEST | NLM_F_DUMP`.
pub const FLAGS_DUMP: u16 = NLM_F_REQUEST | NLM_F_DUMP;
/// Flags of a request that creates and wants an ack, failing if the object exists
/// (`ip addr add`, `ip route add`): `REQUEST | ACK | CREATE | EXCL`.
pub const FLAGS_CREATE: u16 = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
/// Flags of a request that wants an ack (delete, change): `REQUEST | ACK`.
pub const FLAGS_ACK: u16 = NLM_F_REQUEST | NLM_F_ACK;

/// Buffer size that fits every dump request (the link one, the largest, is 32 bytes;
/// addresses 24, routes 28).
pub const DUMP_REQUEST_LEN: usize = 32;

/// Writes a dump request (`RTM_GETLINK`, `RTM_GETADDR` or `RTM_GETROUTE` with
/// [`FLAGS_DUMP`]) for `family` ([`AF_UNSPEC`](crate::consts::AF_UNSPEC) for all) into
/// `buf`: the netlink header, then the object's fixed header, zero but for its family.
/// The kernel answers with `RTM_NEW*` messages flagged `NLM_F_MULTI`, then
/// `NLMSG_DONE`.
pub fn dump_request(buf: &mut [u8], object: Object, family: u8, seq: u32) -> Result<&[u8], Error> {
    let mut b = MessageBuilder::new(buf, object.msg_type(Op::Get), FLAGS_DUMP, seq)?;
    let mut header = [0u8; 16];
    header[0] = family;
    b.append(&header[..object.header_len()])?;
    Ok(b.finish()?)
}

/// A received route netlink message, sorted into its view.
#[derive(Debug, Clone, Copy)]
pub enum RtMessage<'a> {
    /// `RTM_NEWLINK`, `RTM_DELLINK` or `RTM_GETLINK`.
    Link(LinkMsg<'a>),
    /// `RTM_NEWADDR`, `RTM_DELADDR` or `RTM_GETADDR`.
    Addr(AddrMsg<'a>),
    /// `RTM_NEWROUTE`, `RTM_DELROUTE` or `RTM_GETROUTE`.
    Route(RouteMsg<'a>),
}

impl<'a> RtMessage<'a> {
    /// Parses `m` with the view its type calls for; another type is
    /// [`Error::WrongType`] (classify control messages first, with
    /// [`nlwire::control::Control::classify`]).
    pub fn parse(m: &Message<'a>) -> Result<Self, Error> {
        match Object::from_type(m.kind()) {
            Some((Object::Link, _)) => LinkMsg::parse(m).map(RtMessage::Link),
            Some((Object::Addr, _)) => AddrMsg::parse(m).map(RtMessage::Addr),
            Some((Object::Route, _)) => RouteMsg::parse(m).map(RtMessage::Route),
            None => Err(Error::WrongType(m.kind())),
        }
    }

    /// The operation.
    pub fn op(&self) -> Op {
        match self {
            RtMessage::Link(l) => l.op(),
            RtMessage::Addr(a) => a.op(),
            RtMessage::Route(r) => r.op(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consts::*;

    #[test]
    fn types_map_both_ways() {
        let all = [
            (RTM_NEWLINK, Object::Link, Op::New),
            (RTM_DELLINK, Object::Link, Op::Del),
            (RTM_GETLINK, Object::Link, Op::Get),
            (RTM_NEWADDR, Object::Addr, Op::New),
            (RTM_DELADDR, Object::Addr, Op::Del),
            (RTM_GETADDR, Object::Addr, Op::Get),
            (RTM_NEWROUTE, Object::Route, Op::New),
            (RTM_DELROUTE, Object::Route, Op::Del),
            (RTM_GETROUTE, Object::Route, Op::Get),
        ];
        for (t, o, op) in all {
            assert_eq!(o.msg_type(op), t);
            assert_eq!(Object::from_type(t), Some((o, op)));
        }
        for t in [0, 2, 3, 15, 19, 23, 27, 28, 0x1c, u16::MAX] {
            assert_eq!(Object::from_type(t), None);
        }
    }

    #[test]
    fn dump_requests_have_the_kernel_sizes() {
        for (object, len) in [(Object::Link, 32), (Object::Addr, 24), (Object::Route, 28)] {
            let mut buf = [0xaa; DUMP_REQUEST_LEN];
            let bytes = dump_request(&mut buf, object, AF_INET6, 7).unwrap();
            assert_eq!(bytes.len(), len);
            let m = Message::parse(bytes).unwrap();
            assert_eq!((m.kind(), m.flags(), m.seq()), (object.msg_type(Op::Get), 0x301, 7));
            assert_eq!(m.payload()[0], AF_INET6);
            assert!(m.payload()[1..].iter().all(|&b| b == 0));
        }
        let mut small = [0u8; 31];
        assert_eq!(
            dump_request(&mut small, Object::Link, 0, 1),
            Err(Error::Wire(nlwire::Error::NoRoom))
        );
    }

    #[test]
    fn other_types_are_wrong() {
        let mut buf = [0u8; 32];
        let b = MessageBuilder::new(&mut buf, 0x1c, 0, 0).unwrap();
        let bytes = b.finish().unwrap();
        let m = Message::parse(bytes).unwrap();
        assert_eq!(RtMessage::parse(&m).unwrap_err(), Error::WrongType(0x1c));
    }
}
