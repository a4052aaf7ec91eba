//! Addresses as iproute2 prints them: `inet_ntop`'s form, or a host name with `-r`.

use core::fmt;
use core::net::{IpAddr, Ipv6Addr};

use crate::prelude::*;
use crate::print::hosts;

/// Formats an address exactly as glibc's `inet_ntop`.
#[derive(Debug, Clone, Copy)]
pub struct Display(pub IpAddr);

impl fmt::Display for Display {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            IpAddr::V4(a) => a.fmt(f),
            IpAddr::V6(a) => fmt_v6(&a, f),
        }
    }
}

/// glibc `inet_ntop6`: the longest run (at least two) of zero words becomes `::`, the
/// first of equal runs wins; `::a.b.c.d` and `::ffff:a.b.c.d` keep the IPv4 form.
fn fmt_v6(a: &Ipv6Addr, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let w = a.segments();
    let (mut best, mut best_len) = (usize::MAX, 0);
    let mut i = 0;
    while i < 8 {
        if w[i] == 0 {
            let start = i;
            while i < 8 && w[i] == 0 {
                i += 1;
            }
            if i - start > best_len {
                (best, best_len) = (start, i - start);
            }
        } else {
            i += 1;
        }
    }
    if best_len < 2 {
        best = usize::MAX;
    }
    let mut i = 0;
    while i < 8 {
        if i == best {
            f.write_str(":")?;
            i += best_len;
            if i == 8 {
                f.write_str(":")?;
            }
            continue;
        }
        if i != 0 {
            f.write_str(":")?;
        }
        if i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff)) {
            let o = a.octets();
            return write!(f, "{}.{}.{}.{}", o[12], o[13], o[14], o[15]);
        }
        write!(f, "{:x}", w[i])?;
        i += 1;
    }
    Ok(())
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
        match resolve.then(|| hosts::reverse_lookup(a)).flatten() {
            Some(name) => Host::Name(name),
            None => Host::Addr(a),
        }
    }
}

impl core::fmt::Display for Host {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Host::Name(n) => f.write_str(n),
            Host::Addr(a) => Display(*a).fmt(f),
        }
    }
}
