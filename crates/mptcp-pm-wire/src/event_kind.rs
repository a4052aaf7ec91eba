//! [`EventKind`]: the event type carried in the genl `cmd` byte of an event.

use core::fmt;

use crate::consts::event;

/// An event type (`MPTCP_EVENT_*`). Types this crate does not know are kept as
/// [`EventKind::Unknown`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventKind {
    /// 1: a connection was created (its first subflow's SYN exchange started).
    Created,
    /// 2: the connection is established.
    Established,
    /// 3: the connection closed.
    Closed,
    /// 6: the peer announced an address (ADD_ADDR).
    Announced,
    /// 7: the peer withdrew an address (RM_ADDR).
    Removed,
    /// 10: a subflow is established.
    SubEstablished,
    /// 11: a subflow closed.
    SubClosed,
    /// 13: a subflow's priority (backup) changed.
    SubPriority,
    /// 15: an MPTCP listener was created.
    ListenerCreated,
    /// 16: an MPTCP listener closed.
    ListenerClosed,
    /// Any other type, 0 included.
    Unknown(u8),
}

impl EventKind {
    /// The kind of event type `v`.
    pub const fn from_u8(v: u8) -> Self {
        match v {
            event::CREATED => EventKind::Created,
            event::ESTABLISHED => EventKind::Established,
            event::CLOSED => EventKind::Closed,
            event::ANNOUNCED => EventKind::Announced,
            event::REMOVED => EventKind::Removed,
            event::SUB_ESTABLISHED => EventKind::SubEstablished,
            event::SUB_CLOSED => EventKind::SubClosed,
            event::SUB_PRIORITY => EventKind::SubPriority,
            event::LISTENER_CREATED => EventKind::ListenerCreated,
            event::LISTENER_CLOSED => EventKind::ListenerClosed,
            other => EventKind::Unknown(other),
        }
    }

    /// The name `ip mptcp monitor` prints (`SF_ESTABLISHED`, …), `None` for an
    /// unknown type.
    pub const fn name(self) -> Option<&'static str> {
        Some(match self {
            EventKind::Created => "CREATED",
            EventKind::Established => "ESTABLISHED",
            EventKind::Closed => "CLOSED",
            EventKind::Announced => "ANNOUNCED",
            EventKind::Removed => "REMOVED",
            EventKind::SubEstablished => "SF_ESTABLISHED",
            EventKind::SubClosed => "SF_CLOSED",
            EventKind::SubPriority => "SF_PRIO",
            EventKind::ListenerCreated => "LISTENER_CREATED",
            EventKind::ListenerClosed => "LISTENER_CLOSED",
            EventKind::Unknown(_) => return None,
        })
    }

    /// The type number.
    pub const fn code(self) -> u8 {
        match self {
            EventKind::Created => event::CREATED,
            EventKind::Established => event::ESTABLISHED,
            EventKind::Closed => event::CLOSED,
            EventKind::Announced => event::ANNOUNCED,
            EventKind::Removed => event::REMOVED,
            EventKind::SubEstablished => event::SUB_ESTABLISHED,
            EventKind::SubClosed => event::SUB_CLOSED,
            EventKind::SubPriority => event::SUB_PRIORITY,
            EventKind::ListenerCreated => event::LISTENER_CREATED,
            EventKind::ListenerClosed => event::LISTENER_CLOSED,
            EventKind::Unknown(v) => v,
        }
    }
}

/// The names `ip mptcp monitor` prints: `CREATED`, `SF_ESTABLISHED`, `LISTENER_CLOSED`,
/// …; an unknown type prints as `UNKNOWN(n)`.
impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.pad(name),
            None => write!(f, "UNKNOWN({})", self.code()),
        }
    }
}

impl From<u8> for EventKind {
    fn from(v: u8) -> Self {
        Self::from_u8(v)
    }
}

impl From<EventKind> for u8 {
    fn from(k: EventKind) -> u8 {
        k.code()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips() {
        for v in 0..=u8::MAX {
            assert_eq!(EventKind::from_u8(v).code(), v);
        }
        assert_eq!(EventKind::from_u8(4), EventKind::Unknown(4));
        assert_eq!(EventKind::from_u8(16), EventKind::ListenerClosed);
        assert_eq!(EventKind::from_u8(0), EventKind::Unknown(0));
    }

    #[test]
    fn names_are_those_of_ip_mptcp_monitor() {
        let s = std::format!(
            "{} {} {}",
            EventKind::SubPriority,
            EventKind::Created,
            EventKind::Unknown(4)
        );
        assert_eq!(s, "SF_PRIO CREATED UNKNOWN(4)");
    }
}
