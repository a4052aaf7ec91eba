//! `-r`'s hosts file: the name it gives an address, read as musl's `getnameinfo` reads
//! it: `#` starts a comment, the first field is the address, the second the name; the
//! first line whose address equals the one asked for wins, IPv4 and IPv4-mapped IPv6
//! being equal. Pure (the file is read by [`etc`](crate::names::etc)).

use core::net::{IpAddr, Ipv6Addr};

use crate::print::addr::inet_pton;

/// The name `hosts` (the text of a hosts file) gives `addr`.
pub fn name_in(hosts: &[u8], addr: IpAddr) -> Option<&[u8]> {
    let wanted = mapped(addr);
    hosts.split(|&b| b == b'\n').find_map(|line| {
        let line = line.split(|&b| b == b'#').next().unwrap_or_default();
        let mut fields = line.split(|b| b.is_ascii_whitespace()).filter(|f| !f.is_empty());
        let address = inet_pton(fields.next()?)?;
        let name = fields.next()?;
        (mapped(address) == wanted && name.len() < 256).then_some(name)
    })
}

/// IPv4 as IPv4-mapped IPv6, so that both spellings compare equal.
fn mapped(addr: IpAddr) -> Ipv6Addr {
    match addr {
        IpAddr::V4(a) => a.to_ipv6_mapped(),
        IpAddr::V6(a) => a,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTS: &[u8] = b"# comment 10.0.0.9 nine\n\
        127.0.0.1\tlocalhost loopback\n\
        ::1 ip6-localhost ip6-loopback\n\
        10.0.0.1 first # 10.0.0.2 hidden\n\
        10.0.0.1 second\n\
        not-an-address 10.0.0.3\n\
        10.0.0.4\n\
        ::ffff:10.0.0.5 mapped\n\
        \t 10.0.0.6   spaced\r\n";

    fn name(addr: &str) -> Option<&'static str> {
        name_in(HOSTS, addr.parse().unwrap()).map(|n| core::str::from_utf8(n).unwrap())
    }

    #[test]
    fn first_matching_line_and_first_name() {
        assert_eq!(name("127.0.0.1"), Some("localhost"));
        assert_eq!(name("::1"), Some("ip6-localhost"));
        assert_eq!(name("10.0.0.1"), Some("first"));
        assert_eq!(name("10.0.0.6"), Some("spaced"));
    }

    #[test]
    fn comments_and_bad_lines_are_skipped() {
        assert_eq!(name("10.0.0.9"), None);
        assert_eq!(name("10.0.0.2"), None);
        assert_eq!(name("10.0.0.3"), None);
        assert_eq!(name("10.0.0.4"), None);
    }

    #[test]
    fn ipv4_matches_its_mapped_form() {
        assert_eq!(name("10.0.0.5"), Some("mapped"));
        assert_eq!(name("::ffff:127.0.0.1"), Some("localhost"));
    }

    #[test]
    fn names_are_their_bytes() {
        // glibc's files backend takes the name as it is: `ip -r` prints these bytes.
        let hosts = b"10.0.0.8 ho\xffst alias\n10.0.0.9 caf\xc3\xa9\n10.0.0.10 \x1b[31m\"q\n";
        let name = |a: &str| name_in(hosts, a.parse().unwrap());
        assert_eq!(name("10.0.0.8"), Some(&b"ho\xffst"[..]));
        assert_eq!(name("10.0.0.9"), Some("café".as_bytes()));
        assert_eq!(name("10.0.0.10"), Some(&b"\x1b[31m\"q"[..]));
    }

    #[test]
    fn long_names_are_skipped() {
        let long = format!("10.0.0.7 {}\n10.0.0.7 short\n", "x".repeat(256));
        let got = name_in(long.as_bytes(), "10.0.0.7".parse().unwrap());
        assert_eq!(got, Some(&b"short"[..]));
    }
}
