//! `-r`: an address's host name, from `/etc/hosts`, then (the `dns` feature) from DNS.
//!
//! The hosts-file lookup reads the file as musl's `getnameinfo` does: `#` starts a
//! comment, the first field is the address, the second the name; the first line whose
//! address equals the one asked for wins, IPv4 and IPv4-mapped IPv6 being equal.
//!
//! DNS is our own (`print::dns` builds the query and judges replies; the socket calls
//! are in `os::sys`), instead of the C library's `getnameinfo`, whose resolver, stdio and
//! printf were 24 KiB of the static binary. One PTR query over UDP goes to each
//! `nameserver` of `/etc/resolv.conf` in turn (at most 3; 127.0.0.1 when it names none),
//! for `options attempts:N` rounds (default 2), each server waited for `timeout:N`
//! seconds (default 5), as glibc does; so a lookup blocks at most
//! timeout × attempts × servers. A reply counts only from the server asked (a connected
//! socket), with our random ID and our question; SERVFAIL, REFUSED, NOTIMP and an
//! unreachable port move on to the next server; a truncated reply means no name (no TCP
//! retry). Without `dns`, a name that only DNS knows prints as the address.

use crate::prelude::*;
use core::net::{IpAddr, Ipv6Addr};

/// The largest hosts file or resolv.conf read.
const MAX_FILE: usize = 16 << 20;

/// The host name of `addr`, if it has one. Never inlined: its buffers (a DNS query and
/// reply, the files it reads) are on the stack only when `-r` asks for a name, not in
/// every printer's frame, so that a one-shot command touches fewer stack pages.
#[inline(never)]
pub fn reverse_lookup(addr: IpAddr) -> Option<String> {
    let text = crate::os::sys::read_file("/etc/hosts", MAX_FILE).unwrap_or_default();
    if let Some(n) = name_in(&text, addr) {
        return Some(String::from_utf8_lossy(n).into_owned());
    }
    #[cfg(feature = "dns")]
    {
        dns_lookup(addr)
    }
    #[cfg(not(feature = "dns"))]
    {
        None
    }
}

/// The PTR name of `addr` from the name servers of `/etc/resolv.conf`.
#[cfg(feature = "dns")]
fn dns_lookup(addr: IpAddr) -> Option<String> {
    use crate::os::sys;
    use crate::print::dns::{self, Verdict};

    let conf = sys::read_file("/etc/resolv.conf", MAX_FILE).unwrap_or_default();
    let conf = dns::Config::parse(&conf, sys::getenv(c"RES_OPTIONS"), sys::if_index);
    let mut buf = [0u8; dns::MAX_QUERY];
    let len = dns::query(addr, sys::random_u16(), &mut buf);
    let query = &buf[..len];
    let wait = core::time::Duration::from_secs(conf.timeout.into());
    let mut sockets: [Option<sys::Fd>; dns::MAX_SERVERS] = Default::default();
    let mut reply = [0u8; 1024];
    for _ in 0..conf.attempts {
        for (server, socket) in conf.servers().iter().zip(&mut sockets) {
            if socket.is_none() {
                *socket = sys::udp_connect(server.addr, server.scope).ok();
            }
            let Some(fd) = socket else { continue };
            if fd.write_all(query).is_err() {
                continue;
            }
            let start = sys::Instant::now();
            // Until this server's time is up, or it answered.
            'wait: while let Some(left) = wait.checked_sub(start.elapsed()) {
                let ms = left.as_millis().clamp(1, i32::MAX as u128) as i32;
                match sys::poll_readable([fd.raw()], ms) {
                    Ok([true]) => {}
                    Ok([false]) => continue,
                    Err(_) => break 'wait,
                }
                let n = match fd.read(&mut reply) {
                    Ok(n) => n,
                    Err(crate::os::io::Error(libc::EAGAIN)) => continue,
                    Err(_) => break 'wait,
                };
                match dns::judge(query, &reply[..n]) {
                    Verdict::NotOurs => {}
                    Verdict::NextServer => break 'wait,
                    Verdict::Done(name) => return name.map(|n| n.text()),
                }
            }
        }
    }
    None
}

/// The name `hosts` (the text of a hosts file) gives `addr`.
pub fn name_in(hosts: &[u8], addr: IpAddr) -> Option<&[u8]> {
    let wanted = mapped(addr);
    hosts.split(|&b| b == b'\n').find_map(|line| {
        let line = line.split(|&b| b == b'#').next().unwrap_or_default();
        let mut fields = line.split(|b| b.is_ascii_whitespace()).filter(|f| !f.is_empty());
        let address = crate::print::addr::inet_pton(fields.next()?)?;
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

/// The address as text: a reverse-resolved name with `-r`, else `inet_ntop`'s form.
pub enum Host {
    /// A host name.
    Name(String),
    /// No name: the address.
    Addr(IpAddr),
}

impl Host {
    /// `a` as `-r` (when `resolve`) or plain output shows it.
    pub fn of(a: IpAddr, resolve: bool) -> Host {
        match resolve.then(|| reverse_lookup(a)).flatten() {
            Some(name) => Host::Name(name),
            None => Host::Addr(a),
        }
    }
}

impl core::fmt::Display for Host {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Host::Name(n) => f.write_str(n),
            Host::Addr(a) => crate::print::addr::Display(*a).fmt(f),
        }
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
    fn long_names_are_skipped() {
        let long = format!("10.0.0.7 {}\n10.0.0.7 short\n", "x".repeat(256));
        let got = name_in(long.as_bytes(), "10.0.0.7".parse().unwrap());
        assert_eq!(got, Some(&b"short"[..]));
    }
}
