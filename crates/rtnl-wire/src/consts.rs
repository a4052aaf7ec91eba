//! Numbers of route netlink: message types, multicast groups, attribute types, flags.
//!
//! Values come from the kernel's uapi headers `linux/rtnetlink.h`, `linux/if_addr.h`,
//! `linux/if_link.h`, `linux/if.h` and `linux/if_arp.h`. Only what links, addresses and
//! routes need is here.

pub use nlwire::consts::NETLINK_ROUTE;

/// `AF_UNSPEC`: in a dump request, every family.
pub const AF_UNSPEC: u8 = 0;
/// `AF_INET`.
pub const AF_INET: u8 = 2;
/// `AF_INET6`.
pub const AF_INET6: u8 = 10;

/// A link was created or changed (`RTM_NEWLINK`); also every message of a link dump.
pub const RTM_NEWLINK: u16 = 16;
/// A link was deleted.
pub const RTM_DELLINK: u16 = 17;
/// Get one link, or dump them all.
pub const RTM_GETLINK: u16 = 18;
/// An address was added or changed; also every message of an address dump.
pub const RTM_NEWADDR: u16 = 20;
/// An address was deleted.
pub const RTM_DELADDR: u16 = 21;
/// Dump the addresses.
pub const RTM_GETADDR: u16 = 22;
/// A route was added or changed; also every message of a route dump.
pub const RTM_NEWROUTE: u16 = 24;
/// A route was deleted.
pub const RTM_DELROUTE: u16 = 25;
/// Look up one route, or dump them all.
pub const RTM_GETROUTE: u16 = 26;

/// Multicast groups (`RTNLGRP_*`): the numbers `NETLINK_ADD_MEMBERSHIP` takes. Joining
/// needs no privilege.
pub mod group {
    /// No group.
    pub const NONE: u32 = 0;
    /// Links: `RTM_NEWLINK` / `RTM_DELLINK`.
    pub const LINK: u32 = 1;
    /// Notifications from user space.
    pub const NOTIFY: u32 = 2;
    /// Neighbours.
    pub const NEIGH: u32 = 3;
    /// Traffic control.
    pub const TC: u32 = 4;
    /// IPv4 addresses: `RTM_NEWADDR` / `RTM_DELADDR`.
    pub const IPV4_IFADDR: u32 = 5;
    /// IPv4 multicast routes.
    pub const IPV4_MROUTE: u32 = 6;
    /// IPv4 routes: `RTM_NEWROUTE` / `RTM_DELROUTE`.
    pub const IPV4_ROUTE: u32 = 7;
    /// IPv4 policy rules.
    pub const IPV4_RULE: u32 = 8;
    /// IPv6 addresses: `RTM_NEWADDR` / `RTM_DELADDR`.
    pub const IPV6_IFADDR: u32 = 9;
    /// IPv6 multicast routes.
    pub const IPV6_MROUTE: u32 = 10;
    /// IPv6 routes: `RTM_NEWROUTE` / `RTM_DELROUTE`.
    pub const IPV6_ROUTE: u32 = 11;
    /// IPv6 per-interface information.
    pub const IPV6_IFINFO: u32 = 12;
    /// IPv6 prefixes (router advertisements).
    pub const IPV6_PREFIX: u32 = 18;
    /// IPv6 policy rules.
    pub const IPV6_RULE: u32 = 19;
    /// Next-hop objects.
    pub const NEXTHOP: u32 = 32;
}

/// Attributes of an address message (`IFA_*`).
pub mod ifa {
    /// The prefix address; the **peer** on a point-to-point address (4 or 16 bytes).
    pub const ADDRESS: u16 = 1;
    /// The local address (4 or 16 bytes); sent when it differs from the peer, and by
    /// IPv4 always.
    pub const LOCAL: u16 = 2;
    /// NUL-terminated label (IPv4 only), at most 15 bytes.
    pub const LABEL: u16 = 3;
    /// Broadcast address (IPv4).
    pub const BROADCAST: u16 = 4;
    /// Anycast address.
    pub const ANYCAST: u16 = 5;
    /// `struct ifa_cacheinfo` (16 bytes): lifetimes and timestamps.
    pub const CACHEINFO: u16 = 6;
    /// Multicast address.
    pub const MULTICAST: u16 = 7;
    /// `u32` flags; when present, they replace the `u8` `ifa_flags` of the header.
    pub const FLAGS: u16 = 8;
    /// `u32` metric of the prefix route.
    pub const RT_PRIORITY: u16 = 9;
    /// Target namespace id.
    pub const TARGET_NETNSID: u16 = 10;
    /// `u8` address protocol (who added it).
    pub const PROTO: u16 = 11;
}

/// Address flags (`IFA_F_*`), in `ifa_flags` (low 8 bits) and [`ifa::FLAGS`].
pub mod ifa_f {
    /// IPv4: a secondary address (same prefix as another).
    pub const SECONDARY: u32 = 0x01;
    /// IPv6: a temporary (privacy) address; the same bit as [`SECONDARY`].
    pub const TEMPORARY: u32 = SECONDARY;
    /// No duplicate address detection.
    pub const NODAD: u32 = 0x02;
    /// Optimistic DAD: usable while DAD runs.
    pub const OPTIMISTIC: u32 = 0x04;
    /// DAD found a duplicate.
    pub const DADFAILED: u32 = 0x08;
    /// Mobile IPv6 home address.
    pub const HOMEADDRESS: u32 = 0x10;
    /// The preferred lifetime has run out: not chosen as a source for new connections.
    pub const DEPRECATED: u32 = 0x20;
    /// DAD is still running: not usable yet.
    pub const TENTATIVE: u32 = 0x40;
    /// Configured, not from autoconfiguration.
    pub const PERMANENT: u32 = 0x80;
    /// The kernel makes temporary addresses from this one's prefix.
    pub const MANAGETEMPADDR: u32 = 0x100;
    /// No prefix route was added for this address.
    pub const NOPREFIXROUTE: u32 = 0x200;
    /// Join the multicast group automatically.
    pub const MCAUTOJOIN: u32 = 0x400;
    /// Stable-privacy (RFC 7217) address.
    pub const STABLE_PRIVACY: u32 = 0x800;
}

/// Attributes of a link message (`IFLA_*`); only the ones this crate reads.
pub mod ifla {
    /// Link-layer address.
    pub const ADDRESS: u16 = 1;
    /// Link-layer broadcast address.
    pub const BROADCAST: u16 = 2;
    /// NUL-terminated interface name, at most 15 bytes.
    pub const IFNAME: u16 = 3;
    /// `u32` MTU.
    pub const MTU: u16 = 4;
    /// `u8` RFC 2863 operational state ([`if_oper`](super::if_oper)).
    pub const OPERSTATE: u16 = 16;
    /// `u8` link mode.
    pub const LINKMODE: u16 = 17;
    /// `u8` carrier: 1 up, 0 down.
    pub const CARRIER: u16 = 33;
}

/// Link flags (`IFF_*`), `ifi_flags` of a link message.
pub mod iff {
    /// Administratively up.
    pub const UP: u32 = 0x1;
    /// Broadcast address valid.
    pub const BROADCAST: u32 = 0x2;
    /// Debugging.
    pub const DEBUG: u32 = 0x4;
    /// A loopback interface.
    pub const LOOPBACK: u32 = 0x8;
    /// A point-to-point link.
    pub const POINTOPOINT: u32 = 0x10;
    /// Avoid trailers.
    pub const NOTRAILERS: u32 = 0x20;
    /// Operationally up (RFC 2863 `up`).
    pub const RUNNING: u32 = 0x40;
    /// No ARP.
    pub const NOARP: u32 = 0x80;
    /// Receives every packet.
    pub const PROMISC: u32 = 0x100;
    /// Receives every multicast packet.
    pub const ALLMULTI: u32 = 0x200;
    /// Master of a load balancer.
    pub const MASTER: u32 = 0x400;
    /// Slave of a load balancer.
    pub const SLAVE: u32 = 0x800;
    /// Supports multicast.
    pub const MULTICAST: u32 = 0x1000;
    /// Can set media type.
    pub const PORTSEL: u32 = 0x2000;
    /// Auto media select.
    pub const AUTOMEDIA: u32 = 0x4000;
    /// Dialup device with changing addresses.
    pub const DYNAMIC: u32 = 0x8000;
    /// The driver signals carrier (layer 1 up).
    pub const LOWER_UP: u32 = 0x1_0000;
    /// The driver signals dormant.
    pub const DORMANT: u32 = 0x2_0000;
    /// Echoes sent packets.
    pub const ECHO: u32 = 0x4_0000;
}

/// Operational states (`IF_OPER_*`, RFC 2863), the value of [`ifla::OPERSTATE`].
pub mod if_oper {
    /// Unknown (e.g. loopback, which never reports a state).
    pub const UNKNOWN: u8 = 0;
    /// Not present.
    pub const NOTPRESENT: u8 = 1;
    /// Down.
    pub const DOWN: u8 = 2;
    /// Down because a lower layer is down (e.g. no carrier, or the veth peer down).
    pub const LOWERLAYERDOWN: u8 = 3;
    /// Testing.
    pub const TESTING: u8 = 4;
    /// Dormant.
    pub const DORMANT: u8 = 5;
    /// Up: can pass packets.
    pub const UP: u8 = 6;
}

/// Link types (`ARPHRD_*`), `ifi_type` of a link message; a few common ones.
pub mod arphrd {
    /// Ethernet (also veth, bridges, bonds).
    pub const ETHER: u16 = 1;
    /// PPP.
    pub const PPP: u16 = 512;
    /// IPIP tunnel.
    pub const TUNNEL: u16 = 768;
    /// IP6IP6 tunnel.
    pub const TUNNEL6: u16 = 769;
    /// Loopback.
    pub const LOOPBACK: u16 = 772;
    /// SIT (IPv6 in IPv4).
    pub const SIT: u16 = 776;
    /// GRE over IP.
    pub const IPGRE: u16 = 778;
    /// No link-layer header (e.g. WireGuard, tun).
    pub const NONE: u16 = 0xfffe;
    /// Nothing known.
    pub const VOID: u16 = 0xffff;
}

/// Attributes of a route message (`RTA_*`); only the ones this crate reads, and a few
/// that appear in the kernel's messages.
pub mod rta {
    /// Destination prefix (4 or 16 bytes); absent for a default route.
    pub const DST: u16 = 1;
    /// Source prefix (policy routing).
    pub const SRC: u16 = 2;
    /// `u32` input interface.
    pub const IIF: u16 = 3;
    /// `u32` output interface index.
    pub const OIF: u16 = 4;
    /// Gateway (4 or 16 bytes).
    pub const GATEWAY: u16 = 5;
    /// `u32` metric.
    pub const PRIORITY: u16 = 6;
    /// Preferred source address (4 or 16 bytes).
    pub const PREFSRC: u16 = 7;
    /// Nested metrics.
    pub const METRICS: u16 = 8;
    /// Multipath next hops (`struct rtnexthop` list); not decoded here.
    pub const MULTIPATH: u16 = 9;
    /// `struct rta_cacheinfo` (IPv6 routes).
    pub const CACHEINFO: u16 = 12;
    /// `u32` table id; when present it replaces the `u8` `rtm_table` of the header.
    pub const TABLE: u16 = 15;
    /// `u32` firewall mark.
    pub const MARK: u16 = 16;
    /// Gateway of another family (`struct rtvia`); not decoded here.
    pub const VIA: u16 = 18;
    /// `u8` IPv6 router preference.
    pub const PREF: u16 = 20;
    /// `u32` next-hop object id.
    pub const NH_ID: u16 = 30;
}

/// Route scopes (`RT_SCOPE_*`), also the scope of an address.
pub mod rt_scope {
    /// Global.
    pub const UNIVERSE: u8 = 0;
    /// Site (IPv6).
    pub const SITE: u8 = 200;
    /// On this link.
    pub const LINK: u8 = 253;
    /// On this host.
    pub const HOST: u8 = 254;
    /// Nowhere.
    pub const NOWHERE: u8 = 255;
}

/// Routing tables (`RT_TABLE_*`).
pub mod rt_table {
    /// No table (a request that names the table in [`rta::TABLE`](super::rta::TABLE)).
    pub const UNSPEC: u32 = 0;
    /// What the header says for a table id above 255 (the real id is in
    /// [`rta::TABLE`](super::rta::TABLE)).
    pub const COMPAT: u32 = 252;
    /// The `default` table.
    pub const DEFAULT: u32 = 253;
    /// The `main` table.
    pub const MAIN: u32 = 254;
    /// The `local` table (local and broadcast addresses).
    pub const LOCAL: u32 = 255;
}

/// Route types (`RTN_*`), `rtm_type` of a route message.
pub mod rtn {
    /// Unknown.
    pub const UNSPEC: u8 = 0;
    /// A gateway or direct route.
    pub const UNICAST: u8 = 1;
    /// Accept locally.
    pub const LOCAL: u8 = 2;
    /// Accept locally as broadcast, send as broadcast.
    pub const BROADCAST: u8 = 3;
    /// Accept locally as broadcast, send as unicast.
    pub const ANYCAST: u8 = 4;
    /// Multicast route.
    pub const MULTICAST: u8 = 5;
    /// Drop.
    pub const BLACKHOLE: u8 = 6;
    /// Destination is unreachable.
    pub const UNREACHABLE: u8 = 7;
    /// Administratively prohibited.
    pub const PROHIBIT: u8 = 8;
    /// Not in this table.
    pub const THROW: u8 = 9;
    /// Translate this address.
    pub const NAT: u8 = 10;
    /// Use an external resolver.
    pub const XRESOLVE: u8 = 11;
}

/// Route origins (`RTPROT_*`), `rtm_protocol` of a route message.
pub mod rtprot {
    /// Unknown.
    pub const UNSPEC: u8 = 0;
    /// ICMP redirect.
    pub const REDIRECT: u8 = 1;
    /// The kernel (prefix and local routes).
    pub const KERNEL: u8 = 2;
    /// At boot; what `ip route add` uses without `proto`.
    pub const BOOT: u8 = 3;
    /// By the administrator.
    pub const STATIC: u8 = 4;
    /// Router advertisements.
    pub const RA: u8 = 9;
    /// Zebra.
    pub const ZEBRA: u8 = 11;
    /// BIRD.
    pub const BIRD: u8 = 12;
    /// A DHCP client.
    pub const DHCP: u8 = 16;
    /// keepalived.
    pub const KEEPALIVED: u8 = 18;
    /// Babel.
    pub const BABEL: u8 = 42;
    /// BGP.
    pub const BGP: u8 = 186;
    /// IS-IS.
    pub const ISIS: u8 = 187;
    /// OSPF.
    pub const OSPF: u8 = 188;
    /// RIP.
    pub const RIP: u8 = 189;
}

/// Route flags (`RTM_F_*` and the `RTNH_F_*` next-hop flags), `rtm_flags` of a route
/// message.
pub mod rtm_f {
    /// Next hop is dead.
    pub const DEAD: u32 = 1;
    /// Recursive gateway lookup.
    pub const PERVASIVE: u32 = 2;
    /// Gateway is forced on link.
    pub const ONLINK: u32 = 4;
    /// Next hop is offloaded.
    pub const NH_OFFLOAD: u32 = 8;
    /// The next hop's carrier is down.
    pub const LINKDOWN: u32 = 16;
    /// Notify user of route change.
    pub const NOTIFY: u32 = 0x100;
    /// A cloned (cache) route.
    pub const CLONED: u32 = 0x200;
    /// Multipath equalizer.
    pub const EQUALIZE: u32 = 0x400;
    /// Prefix addresses.
    pub const PREFIX: u32 = 0x800;
    /// Set `rtm_table` to the lookup result.
    pub const LOOKUP_TABLE: u32 = 0x1000;
    /// Return the full FIB match.
    pub const FIB_MATCH: u32 = 0x2000;
    /// Route is offloaded.
    pub const OFFLOAD: u32 = 0x4000;
    /// Route is trapping packets.
    pub const TRAP: u32 = 0x8000;
    /// Route offload failed.
    pub const OFFLOAD_FAILED: u32 = 0x2000_0000;
}

/// Most bytes of an interface name or address label, without its NUL (`IFNAMSIZ` - 1).
pub const MAX_NAME_LEN: usize = 15;
