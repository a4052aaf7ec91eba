//! [`Event`]: a view over one message of the `mptcp_pm_events` group, and
//! [`EventAttrs`], its attributes as plain data.
//!
//! [`Event::parse`] walks the attributes once: the first occurrence of each known type
//! wins (as in iproute2), unknown types are skipped but stay readable through
//! [`Event::attrs`], and a first occurrence with a payload of the wrong size is
//! [`Error::BadAttr`] (a walk error is [`Error::Wire`]). After a successful parse every
//! accessor is infallible: `None` means absent.
//!
//! Byte order differs per attribute and the accessors convert: TOKEN, FAMILY, FLAGS,
//! TIMEOUT, IF_IDX, RESET_* are host order; SPORT/DPORT are **network** order (unlike the
//! endpoint PORT); addresses are network order.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use core::fmt;

use nlwire::{Attrs, GenlMessage, Message, MessageBuilder};

use crate::consts::{VERSION, event_attr as ea};
use crate::{Error, EventFlags, EventKind};

/// Every event attribute, as plain data. `None` = absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct EventAttrs {
    /// TOKEN (`u32`, host order).
    pub token: Option<u32>,
    /// FAMILY (`u16`, host order).
    pub family: Option<u16>,
    /// LOC_ID.
    pub loc_id: Option<u8>,
    /// REM_ID.
    pub rem_id: Option<u8>,
    /// SADDR4.
    pub saddr4: Option<Ipv4Addr>,
    /// SADDR6.
    pub saddr6: Option<Ipv6Addr>,
    /// DADDR4.
    pub daddr4: Option<Ipv4Addr>,
    /// DADDR6.
    pub daddr6: Option<Ipv6Addr>,
    /// SPORT, decoded from network order.
    pub sport: Option<u16>,
    /// DPORT, decoded from network order.
    pub dport: Option<u16>,
    /// BACKUP (0 or 1).
    pub backup: Option<u8>,
    /// ERROR: the subflow's `sk_err`.
    pub error: Option<u8>,
    /// FLAGS (`u16`, host order); unknown bits kept.
    pub flags: Option<EventFlags>,
    /// TIMEOUT (`u32`).
    pub timeout: Option<u32>,
    /// IF_IDX. The spec declares `u32`, but the kernel writes an `s32` and iproute2
    /// prints it signed, so it is read as `i32` (same four bytes).
    pub if_idx: Option<i32>,
    /// RESET_REASON (`u32`).
    pub reset_reason: Option<u32>,
    /// RESET_FLAGS (`u32`).
    pub reset_flags: Option<u32>,
    /// SERVER_SIDE (`u8`; deprecated in 6.18, sent only when true).
    pub server_side: Option<u8>,
}

impl EventAttrs {
    /// Reads event attributes (see the module doc for the rules).
    pub fn parse(attrs: Attrs<'_>) -> Result<Self, Error> {
        let mut e = EventAttrs::default();
        let mut seen = 0u32;
        for a in attrs {
            let a = a?;
            let kind = a.kind();
            if kind == 0 || kind > ea::MAX || seen & (1 << kind) != 0 {
                continue;
            }
            seen |= 1 << kind;
            let bad = |_| Error::BadAttr(kind);
            match kind {
                ea::TOKEN => e.token = Some(a.u32().map_err(bad)?),
                ea::FAMILY => e.family = Some(a.u16().map_err(bad)?),
                ea::LOC_ID => e.loc_id = Some(a.u8().map_err(bad)?),
                ea::REM_ID => e.rem_id = Some(a.u8().map_err(bad)?),
                ea::SADDR4 => e.saddr4 = Some(a.ipv4().map_err(bad)?),
                ea::SADDR6 => e.saddr6 = Some(a.ipv6().map_err(bad)?),
                ea::DADDR4 => e.daddr4 = Some(a.ipv4().map_err(bad)?),
                ea::DADDR6 => e.daddr6 = Some(a.ipv6().map_err(bad)?),
                ea::SPORT => e.sport = Some(a.u16_be().map_err(bad)?),
                ea::DPORT => e.dport = Some(a.u16_be().map_err(bad)?),
                ea::BACKUP => e.backup = Some(a.u8().map_err(bad)?),
                ea::ERROR => e.error = Some(a.u8().map_err(bad)?),
                ea::FLAGS => e.flags = Some(EventFlags::from_bits_retain(a.u16().map_err(bad)?)),
                ea::TIMEOUT => e.timeout = Some(a.u32().map_err(bad)?),
                ea::IF_IDX => e.if_idx = Some(a.i32().map_err(bad)?),
                ea::RESET_REASON => e.reset_reason = Some(a.u32().map_err(bad)?),
                ea::RESET_FLAGS => e.reset_flags = Some(a.u32().map_err(bad)?),
                ea::SERVER_SIDE => e.server_side = Some(a.u8().map_err(bad)?),
                _ => {}
            }
        }
        Ok(e)
    }

    /// Writes the attributes that are set, in the order the kernel uses for CREATED and
    /// the subflow events: TOKEN, SERVER_SIDE, FLAGS, FAMILY, SADDR4, SADDR6, DADDR4,
    /// DADDR6, SPORT, DPORT, LOC_ID, REM_ID, BACKUP, IF_IDX, ERROR, RESET_REASON,
    /// RESET_FLAGS, TIMEOUT.
    pub fn emit(&self, b: &mut MessageBuilder<'_>) -> Result<(), Error> {
        fn opt<T: Copy>(
            b: &mut MessageBuilder<'_>,
            v: Option<T>,
            put: impl FnOnce(&mut MessageBuilder<'_>, T) -> Result<(), nlwire::Error>,
        ) -> Result<(), Error> {
            match v {
                Some(v) => Ok(put(b, v)?),
                None => Ok(()),
            }
        }
        opt(b, self.token, |b, v| b.put_u32(ea::TOKEN, v))?;
        opt(b, self.server_side, |b, v| b.put_u8(ea::SERVER_SIDE, v))?;
        opt(b, self.flags, |b, v| b.put_u16(ea::FLAGS, v.bits()))?;
        opt(b, self.family, |b, v| b.put_u16(ea::FAMILY, v))?;
        opt(b, self.saddr4, |b, v| b.put_ipv4(ea::SADDR4, v))?;
        opt(b, self.saddr6, |b, v| b.put_ipv6(ea::SADDR6, v))?;
        opt(b, self.daddr4, |b, v| b.put_ipv4(ea::DADDR4, v))?;
        opt(b, self.daddr6, |b, v| b.put_ipv6(ea::DADDR6, v))?;
        opt(b, self.sport, |b, v| b.put_u16_be(ea::SPORT, v))?;
        opt(b, self.dport, |b, v| b.put_u16_be(ea::DPORT, v))?;
        opt(b, self.loc_id, |b, v| b.put_u8(ea::LOC_ID, v))?;
        opt(b, self.rem_id, |b, v| b.put_u8(ea::REM_ID, v))?;
        opt(b, self.backup, |b, v| b.put_u8(ea::BACKUP, v))?;
        opt(b, self.if_idx, |b, v| b.put_i32(ea::IF_IDX, v))?;
        opt(b, self.error, |b, v| b.put_u8(ea::ERROR, v))?;
        opt(b, self.reset_reason, |b, v| b.put_u32(ea::RESET_REASON, v))?;
        opt(b, self.reset_flags, |b, v| b.put_u32(ea::RESET_FLAGS, v))?;
        opt(b, self.timeout, |b, v| b.put_u32(ea::TIMEOUT, v))?;
        Ok(())
    }
}

/// Most bytes [`build_event`] writes: headers (20), sixteen 8-byte attributes and two
/// 20-byte IPv6 addresses.
pub const MAX_EVENT_LEN: usize = 20 + 16 * 8 + 2 * 20;

/// Writes an event message as the kernel multicasts it (flags 0, seq 0, version 1):
/// for tests and fake kernels.
pub fn build_event<'b>(
    buf: &'b mut [u8],
    family: u16,
    kind: EventKind,
    attrs: &EventAttrs,
) -> Result<&'b [u8], Error> {
    let mut b = MessageBuilder::genl(buf, family, 0, 0, kind.code(), VERSION)?;
    attrs.emit(&mut b)?;
    Ok(b.finish()?)
}

/// One event, borrowed from the receive buffer.
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    kind: EventKind,
    version: u8,
    raw: &'a [u8],
    fields: EventAttrs,
}

impl<'a> Event<'a> {
    /// Reads an event out of one netlink message of family id `family` (the `mptcp_pm`
    /// id the kernel gave, see [`FAMILY_NAME`](crate::FAMILY_NAME)): a message of
    /// another type is [`Error::WrongFamily`], one whose generic netlink header is
    /// cut short is [`Error::Wire`].
    ///
    /// ```
    /// use mptcp_pm_wire::{Error, Event, EventAttrs, EventKind, Message, build_event};
    /// let mut buf = [0u8; mptcp_pm_wire::MAX_EVENT_LEN];
    /// let fields = EventAttrs { token: Some(7), ..Default::default() };
    /// let bytes = build_event(&mut buf, 0x1c, EventKind::Closed, &fields)?;
    /// let msg = Message::parse(bytes)?;
    /// assert_eq!(Event::from_message(&msg, 0x1c)?.to_string(), "[          CLOSED] token=00000007");
    /// assert_eq!(Event::from_message(&msg, 0x1d).unwrap_err(), Error::WrongFamily { expected: 0x1d, got: 0x1c });
    /// # Ok::<(), Error>(())
    /// ```
    pub fn from_message(msg: &Message<'a>, family: u16) -> Result<Self, Error> {
        if msg.kind() != family {
            return Err(Error::WrongFamily { expected: family, got: msg.kind() });
        }
        Self::parse(&msg.genl()?)
    }

    /// Reads an event out of a generic netlink message whose type the caller has
    /// checked ([`Event::from_message`] checks it).
    pub fn parse(msg: &GenlMessage<'a>) -> Result<Self, Error> {
        Ok(Event {
            kind: EventKind::from_u8(msg.cmd()),
            version: msg.version(),
            raw: msg.attr_bytes(),
            fields: EventAttrs::parse(msg.attrs())?,
        })
    }

    /// The event type.
    pub fn kind(&self) -> EventKind {
        self.kind
    }

    /// The genl version byte (1 from current kernels).
    pub fn version(&self) -> u8 {
        self.version
    }

    /// Every attribute, raw, unknown ones included.
    pub fn attrs(&self) -> Attrs<'a> {
        Attrs::new(self.raw)
    }

    /// All known attributes as plain data.
    pub fn fields(&self) -> &EventAttrs {
        &self.fields
    }

    /// TOKEN.
    pub fn token(&self) -> Option<u32> {
        self.fields.token
    }

    /// FAMILY.
    pub fn family(&self) -> Option<u16> {
        self.fields.family
    }

    /// LOC_ID.
    pub fn loc_id(&self) -> Option<u8> {
        self.fields.loc_id
    }

    /// REM_ID.
    pub fn rem_id(&self) -> Option<u8> {
        self.fields.rem_id
    }

    /// SADDR4.
    pub fn saddr4(&self) -> Option<Ipv4Addr> {
        self.fields.saddr4
    }

    /// SADDR6.
    pub fn saddr6(&self) -> Option<Ipv6Addr> {
        self.fields.saddr6
    }

    /// DADDR4.
    pub fn daddr4(&self) -> Option<Ipv4Addr> {
        self.fields.daddr4
    }

    /// DADDR6.
    pub fn daddr6(&self) -> Option<Ipv6Addr> {
        self.fields.daddr6
    }

    /// The source address, SADDR4 before SADDR6.
    pub fn saddr(&self) -> Option<IpAddr> {
        self.saddr4().map(IpAddr::V4).or(self.saddr6().map(IpAddr::V6))
    }

    /// The destination address, DADDR4 before DADDR6.
    pub fn daddr(&self) -> Option<IpAddr> {
        self.daddr4().map(IpAddr::V4).or(self.daddr6().map(IpAddr::V6))
    }

    /// SPORT (decoded from network order).
    pub fn sport(&self) -> Option<u16> {
        self.fields.sport
    }

    /// DPORT (decoded from network order).
    pub fn dport(&self) -> Option<u16> {
        self.fields.dport
    }

    /// BACKUP.
    pub fn backup(&self) -> Option<u8> {
        self.fields.backup
    }

    /// ERROR.
    pub fn error(&self) -> Option<u8> {
        self.fields.error
    }

    /// FLAGS.
    pub fn flags(&self) -> Option<EventFlags> {
        self.fields.flags
    }

    /// TIMEOUT.
    pub fn timeout(&self) -> Option<u32> {
        self.fields.timeout
    }

    /// IF_IDX (signed, see [`EventAttrs::if_idx`]).
    pub fn if_idx(&self) -> Option<i32> {
        self.fields.if_idx
    }

    /// RESET_REASON.
    pub fn reset_reason(&self) -> Option<u32> {
        self.fields.reset_reason
    }

    /// RESET_FLAGS.
    pub fn reset_flags(&self) -> Option<u32> {
        self.fields.reset_flags
    }

    /// SERVER_SIDE.
    pub fn server_side(&self) -> Option<u8> {
        self.fields.server_side
    }

    /// Whether this side accepted the connection: FLAGS has SERVER_SIDE or the
    /// SERVER_SIDE attribute is non-zero (iproute2 7.1's rule).
    pub fn is_server_side(&self) -> bool {
        self.flags().is_some_and(|f| f.contains(EventFlags::SERVER_SIDE))
            || self.server_side().is_some_and(|v| v != 0)
    }
}

/// The line `ip mptcp monitor` prints for it (see [`EventLine`](crate::EventLine)).
impl fmt::Display for Event<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fields.line(self.kind).fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> EventAttrs {
        EventAttrs {
            token: Some(0x85cc_7934),
            family: Some(10),
            loc_id: Some(1),
            rem_id: Some(2),
            saddr4: Some(Ipv4Addr::new(10, 1, 1, 1)),
            saddr6: Some(Ipv6Addr::new(0xfd00, 1, 0, 0, 0, 0, 0, 1)),
            daddr4: Some(Ipv4Addr::new(10, 1, 1, 2)),
            daddr6: Some(Ipv6Addr::new(0xfd00, 1, 0, 0, 0, 0, 0, 2)),
            sport: Some(5001),
            dport: Some(50364),
            backup: Some(1),
            error: Some(104),
            flags: Some(EventFlags::from_bits_retain(0x8002)),
            timeout: Some(30),
            if_idx: Some(-1),
            reset_reason: Some(5),
            reset_flags: Some(0x10),
            server_side: Some(1),
        }
    }

    #[test]
    fn full_event_round_trips() {
        let mut buf = [0u8; MAX_EVENT_LEN];
        let bytes = build_event(&mut buf, 0x1c, EventKind::SubClosed, &full()).unwrap();
        assert_eq!(bytes.len(), MAX_EVENT_LEN);
        let m = nlwire::Message::parse(bytes).unwrap().genl().unwrap();
        let ev = Event::parse(&m).unwrap();
        assert_eq!(ev.kind(), EventKind::SubClosed);
        assert_eq!(ev.version(), 1);
        assert_eq!(*ev.fields(), full());
        assert!(ev.is_server_side());
        assert_eq!(ev.attrs().count(), 18);
    }

    #[test]
    fn ports_are_network_order_token_host_order() {
        let mut buf = [0u8; MAX_EVENT_LEN];
        let attrs =
            EventAttrs { token: Some(0x0102_0304), sport: Some(5000), ..Default::default() };
        let bytes = build_event(&mut buf, 0x1c, EventKind::Created, &attrs).unwrap();
        assert_eq!(&bytes[24..28], &0x0102_0304u32.to_ne_bytes());
        assert_eq!(&bytes[32..34], &[0x13, 0x88]);
    }

    #[test]
    fn unknown_kind_and_attribute_are_kept() {
        let mut buf = [0u8; 64];
        let mut b = MessageBuilder::genl(&mut buf, 0x1c, 0, 0, 42, 1).unwrap();
        b.put(99, &[1, 2, 3]).unwrap();
        b.put_u32(ea::TOKEN, 7).unwrap();
        b.put_u32(ea::TOKEN, 8).unwrap();
        b.put(ea::FAMILY, &[1]).unwrap();
        let bytes = b.finish().unwrap();
        let m = nlwire::Message::parse(bytes).unwrap().genl().unwrap();
        // A wrong-sized first occurrence is an error...
        assert_eq!(Event::parse(&m).unwrap_err(), Error::BadAttr(ea::FAMILY));

        let mut buf = [0u8; 64];
        let mut b = MessageBuilder::genl(&mut buf, 0x1c, 0, 0, 42, 1).unwrap();
        b.put(99, &[1, 2, 3]).unwrap();
        b.put_u32(ea::TOKEN, 7).unwrap();
        // ...a wrong-sized later one is never read.
        b.put(ea::TOKEN, &[1]).unwrap();
        let bytes = b.finish().unwrap();
        let m = nlwire::Message::parse(bytes).unwrap().genl().unwrap();
        let ev = Event::parse(&m).unwrap();
        assert_eq!(ev.kind(), EventKind::Unknown(42));
        assert_eq!(ev.token(), Some(7));
        assert_eq!(ev.attrs().next().unwrap().unwrap().kind(), 99);
        assert!(!ev.is_server_side());
    }

    #[test]
    fn wrong_sizes_are_errors() {
        for kind in 1..=ea::MAX {
            let mut buf = [0u8; 64];
            let mut b = MessageBuilder::genl(&mut buf, 0x1c, 0, 0, 1, 1).unwrap();
            b.put(kind, &[0; 3]).unwrap();
            let bytes = b.finish().unwrap();
            let m = nlwire::Message::parse(bytes).unwrap().genl().unwrap();
            assert_eq!(Event::parse(&m).unwrap_err(), Error::BadAttr(kind));
        }
    }

    #[test]
    fn broken_walk_is_a_wire_error() {
        let mut buf = [0u8; 64];
        let mut b = MessageBuilder::genl(&mut buf, 0x1c, 0, 0, 1, 1).unwrap();
        b.put_u32(ea::TOKEN, 7).unwrap();
        let bytes = b.finish().unwrap();
        let mut copy = [0u8; 28];
        copy.copy_from_slice(bytes);
        copy[20..22].copy_from_slice(&40u16.to_ne_bytes());
        let m = nlwire::Message::parse(&copy).unwrap().genl().unwrap();
        assert_eq!(Event::parse(&m).unwrap_err(), Error::Wire(nlwire::Error::BadLength));
    }
}
