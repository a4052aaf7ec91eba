//! [`EventLine`]: an event as `ip mptcp monitor` (and `mptcp monitor`) prints it.

use core::fmt;

use crate::{EventAttrs, EventFlags, EventKind};

/// An event's line in the monitor's text: `[  SF_ESTABLISHED] token=5b3d0d3d remid=0
/// locid=2 saddr4=10.0.2.1 daddr4=10.0.1.2 sport=41937 dport=5000 backup=0 ifindex=3`,
/// without the newline. The kind is right-aligned in 16 columns; then each field the
/// kernel sent, in the monitor's order (token, remid, locid, saddr4, daddr4, saddr6,
/// daddr6, sport, dport, backup, error, timeout, ifindex, reset_reason, reset_flags),
/// then the words `server_side` and `deny_join_id0` and any other flag bits. The
/// monitor's ` dev=NAME` after `ifindex` is left out: the library does not look up
/// names. An unknown event type prints as `[UNKNOWN n]` alone, as the monitor does.
///
/// Made by [`EventAttrs::line`]; [`Event`](crate::Event)'s `Display` prints the same.
///
/// ```
/// use mptcp_pm_wire::{EventAttrs, EventKind};
/// let fields = EventAttrs { token: Some(0x1a2b), sport: Some(5000), ..Default::default() };
/// let line = fields.line(EventKind::Created).to_string();
/// assert_eq!(line, "[         CREATED] token=00001a2b sport=5000");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct EventLine<'a> {
    kind: EventKind,
    fields: &'a EventAttrs,
}

impl EventAttrs {
    /// These attributes as the line the monitor prints for an event of type `kind`.
    pub fn line(&self, kind: EventKind) -> EventLine<'_> {
        EventLine { kind, fields: self }
    }
}

/// `%#x` as C prints it: `0` for zero, else `0x…`.
fn hash_hex(f: &mut fmt::Formatter<'_>, key: &str, v: u32) -> fmt::Result {
    if v == 0 { write!(f, " {key}=0") } else { write!(f, " {key}={v:#x}") }
}

impl fmt::Display for EventLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (e, kind) = (self.fields, self.kind);
        let Some(name) = kind.name() else {
            return write!(f, "[UNKNOWN {}]", kind.code());
        };
        write!(f, "[{name:>16}]")?;
        if let Some(t) = e.token {
            write!(f, " token={t:08x}")?;
        }
        fn num(f: &mut fmt::Formatter<'_>, key: &str, v: Option<impl fmt::Display>) -> fmt::Result {
            match v {
                Some(v) => write!(f, " {key}={v}"),
                None => Ok(()),
            }
        }
        num(f, "remid", e.rem_id)?;
        num(f, "locid", e.loc_id)?;
        num(f, "saddr4", e.saddr4)?;
        num(f, "daddr4", e.daddr4)?;
        num(f, "saddr6", e.saddr6)?;
        num(f, "daddr6", e.daddr6)?;
        num(f, "sport", e.sport)?;
        num(f, "dport", e.dport)?;
        num(f, "backup", e.backup)?;
        num(f, "error", e.error)?;
        num(f, "timeout", e.timeout)?;
        num(f, "ifindex", e.if_idx)?;
        num(f, "reset_reason", e.reset_reason)?;
        if let Some(v) = e.reset_flags {
            hash_hex(f, "reset_flags", v)?;
        }
        let flags = e.flags.unwrap_or(EventFlags::empty());
        if flags.contains(EventFlags::SERVER_SIDE) || e.server_side.is_some_and(|v| v != 0) {
            f.write_str(" server_side")?;
        }
        if flags.contains(EventFlags::DENY_JOIN_ID0) {
            f.write_str(" deny_join_id0")?;
        }
        let rest = flags.bits() & !(EventFlags::SERVER_SIDE | EventFlags::DENY_JOIN_ID0).bits();
        if rest != 0 {
            hash_hex(f, "flags", rest.into())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::{Ipv4Addr, Ipv6Addr};
    use std::string::ToString;

    #[test]
    fn lines_are_the_monitors() {
        let e = EventAttrs {
            token: Some(0x5b3d_0d3d),
            rem_id: Some(0),
            loc_id: Some(2),
            saddr4: Some(Ipv4Addr::new(10, 0, 2, 1)),
            daddr4: Some(Ipv4Addr::new(10, 0, 1, 2)),
            sport: Some(41937),
            dport: Some(5000),
            backup: Some(0),
            if_idx: Some(3),
            flags: Some(EventFlags::from_bits_retain(0x8003)),
            ..Default::default()
        };
        assert_eq!(
            e.line(EventKind::SubEstablished).to_string(),
            "[  SF_ESTABLISHED] token=5b3d0d3d remid=0 locid=2 saddr4=10.0.2.1 \
             daddr4=10.0.1.2 sport=41937 dport=5000 backup=0 ifindex=3 server_side \
             deny_join_id0 flags=0x8000"
        );
        let v6 = EventAttrs {
            saddr6: Some(Ipv6Addr::LOCALHOST),
            sport: Some(7200),
            reset_flags: Some(0),
            error: Some(104),
            ..Default::default()
        };
        assert_eq!(
            v6.line(EventKind::ListenerCreated).to_string(),
            "[LISTENER_CREATED] saddr6=::1 sport=7200 error=104 reset_flags=0"
        );
        assert_eq!(v6.line(EventKind::Unknown(4)).to_string(), "[UNKNOWN 4]");
    }
}
