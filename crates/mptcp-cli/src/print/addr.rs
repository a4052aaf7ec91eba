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
        let mut text = Text { buf: [0; 48], len: 0 };
        match self.0 {
            IpAddr::V4(a) => text.v4(a.octets()),
            IpAddr::V6(a) => text.v6(&a),
        }
        f.write_str(text.as_str())
    }
}

/// An address's text, built in place (core's address and integer formatting, with its
/// padding machinery, stays out of the binary). The longest form is 45 bytes.
struct Text {
    buf: [u8; 48],
    len: usize,
}

impl Text {
    fn push(&mut self, b: u8) {
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = b;
            self.len += 1;
        }
    }

    fn as_str(&self) -> &str {
        // Only ASCII is ever pushed.
        core::str::from_utf8(self.buf.get(..self.len).unwrap_or_default()).unwrap_or_default()
    }

    /// `a.b.c.d`.
    fn v4(&mut self, o: [u8; 4]) {
        for (i, n) in o.into_iter().enumerate() {
            if i != 0 {
                self.push(b'.');
            }
            if n >= 100 {
                self.push(b'0' + n / 100);
            }
            if n >= 10 {
                self.push(b'0' + n / 10 % 10);
            }
            self.push(b'0' + n % 10);
        }
    }

    /// A 16-bit word in lower-case hex without leading zeros.
    fn hex(&mut self, w: u16) {
        let mut started = false;
        for shift in [12, 8, 4, 0] {
            let d = (w >> shift) & 0xf;
            if d != 0 || started || shift == 0 {
                started = true;
                self.push(b"0123456789abcdef"[usize::from(d)]);
            }
        }
    }

    /// glibc `inet_ntop6`: the longest run (at least two) of zero words becomes `::`,
    /// the first of equal runs wins; `::a.b.c.d` and `::ffff:a.b.c.d` keep the IPv4
    /// form.
    fn v6(&mut self, a: &Ipv6Addr) {
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
                self.push(b':');
                i += best_len;
                if i == 8 {
                    self.push(b':');
                }
                continue;
            }
            if i != 0 {
                self.push(b':');
            }
            if i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff)) {
                let o = a.octets();
                self.v4([o[12], o[13], o[14], o[15]]);
                return;
            }
            self.hex(w[i]);
            i += 1;
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_print_as_glibc_inet_ntop() {
        for (text, want) in [
            ("0.0.0.0", "0.0.0.0"),
            ("10.0.200.255", "10.0.200.255"),
            ("::", "::"),
            ("::1", "::1"),
            ("1::", "1::"),
            ("2001:db8::1", "2001:db8::1"),
            ("2001:db8:0:1:0:0:0:1", "2001:db8:0:1::1"),
            ("2001:0:0:1:0:0:1:1", "2001::1:0:0:1:1"),
            ("1:0:1:1:1:1:1:1", "1:0:1:1:1:1:1:1"),
            ("ffff:abcd:f0:f00:ffff:ffff:ffff:ffff", "ffff:abcd:f0:f00:ffff:ffff:ffff:ffff"),
            ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
            ("::c000:201", "::192.0.2.1"),
            ("::1:c000:201", "::1:c000:201"),
        ] {
            let a: IpAddr = text.parse().unwrap();
            assert_eq!(Display(a).to_string(), want, "{text}");
        }
    }
}
