//! Routes: [`Route`] (plain data, and its builder) and [`RouteMsg`] (the view of an
//! `RTM_NEWROUTE` / `RTM_DELROUTE` message).
//!
//! On the wire: `struct rtmsg` (12 bytes: family, destination and source prefix
//! lengths, TOS, `u8` table, protocol, scope, type, `u32` flags, host order), then
//! `RTA_*` attributes. Addresses are network order; `RTA_TABLE`, `RTA_OIF` and
//! `RTA_PRIORITY` are host-order `u32`.

use core::net::IpAddr;

use nlwire::{Attrs, Message, MessageBuilder};

use crate::consts::{rt_table, rta};
use crate::wire::{self, Seen};
use crate::{Error, Object, Op};

/// A route message as plain data: what [`Route::emit`] writes and
/// [`RouteMsg::fields`] reads back. `None` = attribute absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Route {
    /// `rtm_family`.
    pub family: u8,
    /// `rtm_dst_len`: destination prefix length (0 = default route).
    pub dst_len: u8,
    /// `rtm_src_len`.
    pub src_len: u8,
    /// `rtm_tos`.
    pub tos: u8,
    /// The table ([`rt_table`](crate::consts::rt_table)): `RTA_TABLE` when present,
    /// else the header's `u8`.
    pub table: u32,
    /// `rtm_protocol` ([`rtprot`](crate::consts::rtprot)).
    pub protocol: u8,
    /// `rtm_scope` ([`rt_scope`](crate::consts::rt_scope)).
    pub scope: u8,
    /// `rtm_type` ([`rtn`](crate::consts::rtn)).
    pub route_type: u8,
    /// `rtm_flags` ([`rtm_f`](crate::consts::rtm_f)); unknown bits kept.
    pub flags: u32,
    /// `RTA_DST`: the destination prefix.
    pub dst: Option<IpAddr>,
    /// `RTA_GATEWAY`.
    pub gateway: Option<IpAddr>,
    /// `RTA_PREFSRC`: the preferred source address.
    pub prefsrc: Option<IpAddr>,
    /// `RTA_OIF`: the output interface (unsigned, as the kernel writes it).
    pub oif: Option<u32>,
    /// `RTA_PRIORITY`: the metric.
    pub priority: Option<u32>,
}

/// Most bytes [`Route::emit`] writes: headers (16 + 12), `RTA_TABLE` (8), three
/// 16-byte addresses (20 each), `RTA_PRIORITY` and `RTA_OIF` (8 each).
pub const MAX_ROUTE_LEN: usize = 16 + 12 + 8 + 3 * 20 + 2 * 8;

impl Route {
    /// Whether this is a default route (`dst_len` 0).
    pub const fn is_default(&self) -> bool {
        self.dst_len == 0
    }

    /// Writes the message `op` ([`Op::New`]: `RTM_NEWROUTE`, …) with netlink `flags`
    /// and `seq` into `buf`, as the kernel writes it: the header's table byte is the
    /// table when below 256, else `RT_TABLE_COMPAT`, and `RTA_TABLE` is always sent.
    /// Then, each when set and in the kernel's order: `DST`, `PRIORITY`, `PREFSRC`,
    /// `GATEWAY`, `OIF`.
    pub fn emit<'b>(
        &self,
        buf: &'b mut [u8],
        op: Op,
        flags: u16,
        seq: u32,
    ) -> Result<&'b [u8], Error> {
        let mut b = MessageBuilder::new(buf, Object::Route.msg_type(op), flags, seq)?;
        let table = u8::try_from(self.table).unwrap_or(rt_table::COMPAT as u8);
        let mut h = [0u8; 12];
        h[..8].copy_from_slice(&[
            self.family,
            self.dst_len,
            self.src_len,
            self.tos,
            table,
            self.protocol,
            self.scope,
            self.route_type,
        ]);
        h[8..12].copy_from_slice(&self.flags.to_ne_bytes());
        b.append(&h)?;
        b.put_u32(rta::TABLE, self.table)?;
        if let Some(ip) = self.dst {
            wire::put_ip(&mut b, rta::DST, ip)?;
        }
        if let Some(v) = self.priority {
            b.put_u32(rta::PRIORITY, v)?;
        }
        if let Some(ip) = self.prefsrc {
            wire::put_ip(&mut b, rta::PREFSRC, ip)?;
        }
        if let Some(ip) = self.gateway {
            wire::put_ip(&mut b, rta::GATEWAY, ip)?;
        }
        if let Some(v) = self.oif {
            b.put_u32(rta::OIF, v)?;
        }
        Ok(b.finish()?)
    }
}

/// A received route message, read in place (same parsing rules as
/// [`AddrMsg`](crate::AddrMsg): first occurrence wins, unknown attributes skipped,
/// wrong sizes are [`Error::BadAttr`]). Multipath next hops (`RTA_MULTIPATH`) and
/// gateways of another family (`RTA_VIA`) are not decoded: read them from
/// [`RouteMsg::attrs`].
#[derive(Debug, Clone, Copy)]
pub struct RouteMsg<'a> {
    op: Op,
    header_table: u8,
    fields: Route,
    attrs: &'a [u8],
}

impl<'a> RouteMsg<'a> {
    /// Reads an `RTM_NEWROUTE`, `RTM_DELROUTE` or `RTM_GETROUTE` message; another type
    /// is [`Error::WrongType`], a payload shorter than `struct rtmsg` is
    /// [`Error::Wire`]`(Truncated)`.
    pub fn parse(m: &Message<'a>) -> Result<Self, Error> {
        let (op, h, attrs) = wire::split::<12>(m, Object::Route)?;
        let mut f = Route {
            family: h[0],
            dst_len: h[1],
            src_len: h[2],
            tos: h[3],
            table: u32::from(h[4]),
            protocol: h[5],
            scope: h[6],
            route_type: h[7],
            flags: u32::from_ne_bytes(wire::ne4(h, 8)),
            ..Route::default()
        };
        let mut seen = Seen::default();
        for a in Attrs::new(attrs) {
            let a = a?;
            if !seen.first(a.kind()) {
                continue;
            }
            let bad = |_| Error::BadAttr(a.kind());
            match a.kind() {
                rta::TABLE => f.table = a.u32().map_err(bad)?,
                rta::DST => f.dst = Some(wire::ip(&a)?),
                rta::GATEWAY => f.gateway = Some(wire::ip(&a)?),
                rta::PREFSRC => f.prefsrc = Some(wire::ip(&a)?),
                rta::OIF => f.oif = Some(a.u32().map_err(bad)?),
                rta::PRIORITY => f.priority = Some(a.u32().map_err(bad)?),
                _ => {}
            }
        }
        Ok(RouteMsg { op, header_table: h[4], fields: f, attrs })
    }

    /// New (added or changed, or a dump entry), deleted, or a request.
    pub fn op(&self) -> Op {
        self.op
    }

    /// Every field as plain data.
    pub fn fields(&self) -> &Route {
        &self.fields
    }

    /// `rtm_family`.
    pub fn family(&self) -> u8 {
        self.fields.family
    }

    /// `rtm_dst_len`.
    pub fn dst_len(&self) -> u8 {
        self.fields.dst_len
    }

    /// `rtm_src_len`.
    pub fn src_len(&self) -> u8 {
        self.fields.src_len
    }

    /// `rtm_tos`.
    pub fn tos(&self) -> u8 {
        self.fields.tos
    }

    /// The table: `RTA_TABLE` when present, else the header's byte.
    pub fn table(&self) -> u32 {
        self.fields.table
    }

    /// The header's `rtm_table` alone (`RT_TABLE_COMPAT` for tables above 255).
    pub fn header_table(&self) -> u8 {
        self.header_table
    }

    /// `rtm_protocol`.
    pub fn protocol(&self) -> u8 {
        self.fields.protocol
    }

    /// `rtm_scope`.
    pub fn scope(&self) -> u8 {
        self.fields.scope
    }

    /// `rtm_type`.
    pub fn route_type(&self) -> u8 {
        self.fields.route_type
    }

    /// `rtm_flags`.
    pub fn flags(&self) -> u32 {
        self.fields.flags
    }

    /// `RTA_DST`.
    pub fn dst(&self) -> Option<IpAddr> {
        self.fields.dst
    }

    /// `RTA_GATEWAY`.
    pub fn gateway(&self) -> Option<IpAddr> {
        self.fields.gateway
    }

    /// `RTA_PREFSRC`.
    pub fn prefsrc(&self) -> Option<IpAddr> {
        self.fields.prefsrc
    }

    /// `RTA_OIF`.
    pub fn oif(&self) -> Option<u32> {
        self.fields.oif
    }

    /// `RTA_PRIORITY`.
    pub fn priority(&self) -> Option<u32> {
        self.fields.priority
    }

    /// Whether this is a default route (`dst_len` 0).
    pub fn is_default(&self) -> bool {
        self.fields.is_default()
    }

    /// Every attribute, raw, unknown ones included.
    pub fn attrs(&self) -> Attrs<'a> {
        Attrs::new(self.attrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consts::{AF_INET6, RTM_DELROUTE, RTM_NEWROUTE, rt_scope, rtn, rtprot};
    use crate::wire::{v4, v6};

    fn sample() -> Route {
        Route {
            family: AF_INET6,
            dst_len: 48,
            src_len: 0,
            tos: 0,
            table: 1000,
            protocol: rtprot::STATIC,
            scope: rt_scope::UNIVERSE,
            route_type: rtn::UNICAST,
            flags: 0x8000_0004,
            dst: Some(v6([0x2001, 0xdb8, 7, 0, 0, 0, 0, 0])),
            gateway: Some(v6([0x2001, 0xdb8, 1, 0, 0, 0, 0, 0xfd])),
            prefsrc: Some(v6([0x2001, 0xdb8, 1, 0, 0, 0, 0, 1])),
            oif: Some(3),
            priority: Some(1024),
        }
    }

    #[test]
    fn largest_round_trip_and_compat_table() {
        let mut buf = [0u8; MAX_ROUTE_LEN];
        let bytes = sample().emit(&mut buf, Op::New, 0x600, 0).unwrap();
        assert_eq!(bytes.len(), MAX_ROUTE_LEN);
        let m = Message::parse(bytes).unwrap();
        assert_eq!(m.kind(), RTM_NEWROUTE);
        let r = RouteMsg::parse(&m).unwrap();
        assert_eq!(*r.fields(), sample());
        assert_eq!((r.table(), r.header_table()), (1000, 252));
        assert!(!r.is_default());
        let kinds = r.attrs().map(|a| a.unwrap().kind());
        assert!(kinds.eq([
            rta::TABLE,
            rta::DST,
            rta::PRIORITY,
            rta::PREFSRC,
            rta::GATEWAY,
            rta::OIF
        ]));
        let mut short = [0u8; MAX_ROUTE_LEN - 1];
        assert_eq!(
            sample().emit(&mut short, Op::New, 0, 0),
            Err(Error::Wire(nlwire::Error::NoRoom))
        );
    }

    #[test]
    fn default_route_v4() {
        let r = Route {
            family: 2,
            table: rt_table::MAIN,
            protocol: rtprot::BOOT,
            route_type: rtn::UNICAST,
            gateway: Some(v4(10, 0, 1, 254)),
            oif: Some(3),
            ..Route::default()
        };
        let mut buf = [0u8; MAX_ROUTE_LEN];
        let bytes = r.emit(&mut buf, Op::Del, 0, 0).unwrap();
        assert_eq!(bytes.len(), 16 + 12 + 8 + 8 + 8);
        let m = RouteMsg::parse(&Message::parse(bytes).unwrap()).unwrap();
        assert_eq!(m.op(), Op::Del);
        assert!(m.is_default());
        assert_eq!(
            (m.table(), m.header_table(), m.gateway(), m.dst()),
            (254, 254, Some(v4(10, 0, 1, 254)), None)
        );
    }

    #[test]
    fn header_table_without_rta_table_and_errors() {
        let mut buf = [0u8; 64];
        let mut b = MessageBuilder::new(&mut buf, RTM_DELROUTE, 0, 0).unwrap();
        b.append(&[2, 0, 0, 0, 253, 0, 0, 1, 0, 0, 0, 0]).unwrap();
        let m = Message::parse(b.finish().unwrap()).unwrap();
        assert_eq!(RouteMsg::parse(&m).unwrap().table(), 253);

        for kind in [rta::TABLE, rta::DST, rta::GATEWAY, rta::PREFSRC, rta::OIF, rta::PRIORITY] {
            let mut buf = [0u8; 64];
            let mut b = MessageBuilder::new(&mut buf, RTM_DELROUTE, 0, 0).unwrap();
            b.append(&[0; 12]).unwrap();
            b.put(kind, &[1, 2, 3, 4, 5]).unwrap();
            let m = Message::parse(b.finish().unwrap()).unwrap();
            assert_eq!(RouteMsg::parse(&m).unwrap_err(), Error::BadAttr(kind));
        }
        let mut buf = [0u8; 64];
        let mut b = MessageBuilder::new(&mut buf, RTM_DELROUTE, 0, 0).unwrap();
        b.append(&[0; 8]).unwrap();
        let m = Message::parse(b.finish().unwrap()).unwrap();
        assert_eq!(RouteMsg::parse(&m).unwrap_err(), Error::Wire(nlwire::Error::Truncated));
    }
}
