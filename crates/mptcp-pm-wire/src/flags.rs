//! Flag words: [`EndpointFlags`] (address nests) and [`EventFlags`] (events).
//!
//! Both keep bits this crate does not know (`from_bits_retain`), so a newer kernel's
//! flags survive a round trip and can be shown raw (iproute2 prints them as `rawflags`).

bitflags::bitflags! {
    /// `MPTCP_PM_ADDR_FLAG_*`: what an endpoint is used for (`u32`, host order).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub struct EndpointFlags: u32 {
        /// Announce the address to peers (ADD_ADDR).
        const SIGNAL = 0x01;
        /// Open subflows from the address.
        const SUBFLOW = 0x02;
        /// Subflows over it are backups.
        const BACKUP = 0x04;
        /// Open subflows to every announced peer address.
        const FULLMESH = 0x08;
        /// Created by the kernel for a local address a subflow used; never added by hand.
        const IMPLICIT = 0x10;
        /// Use the address for subflows to announced addresses (kernel 6.18).
        const LAMINAR = 0x20;
    }
}

impl EndpointFlags {
    /// The bits that have no name here (iproute2's `rawflags`).
    pub const fn unknown_bits(self) -> u32 {
        self.bits() & !Self::all().bits()
    }
}

impl Default for EndpointFlags {
    fn default() -> Self {
        Self::empty()
    }
}

bitflags::bitflags! {
    /// `MPTCP_PM_EV_FLAG_*`: the `FLAGS` attribute of an event (`u16`, host order).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub struct EventFlags: u16 {
        /// The peer refuses joins to its initial address (id 0).
        const DENY_JOIN_ID0 = 0x1;
        /// This side accepted the connection (kernel 6.18; replaces the `SERVER_SIDE`
        /// attribute).
        const SERVER_SIDE = 0x2;
    }
}

impl EventFlags {
    /// The bits that have no name here.
    pub const fn unknown_bits(self) -> u16 {
        self.bits() & !Self::all().bits()
    }
}

impl Default for EventFlags {
    fn default() -> Self {
        Self::empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_bits_are_kept() {
        let f = EndpointFlags::from_bits_retain(0x142);
        assert!(f.contains(EndpointFlags::SUBFLOW));
        assert!(f.contains(EndpointFlags::from_bits_retain(0x40)));
        assert_eq!(f.bits(), 0x142);
        assert_eq!(f.unknown_bits(), 0x140);
        assert_eq!(EndpointFlags::all().unknown_bits(), 0);
    }

    #[test]
    fn event_flags() {
        let f = EventFlags::from_bits_retain(0x7);
        assert!(f.contains(EventFlags::SERVER_SIDE | EventFlags::DENY_JOIN_ID0));
        assert_eq!(f.unknown_bits(), 0x4);
        assert_eq!(EventFlags::default(), EventFlags::empty());
    }
}
