//! Addresses as text: as iproute2 prints them (`inet_ntop`'s form, or a host name with
//! `-r`), and `inet_pton`'s strict forms, which the command line and the files `-r` reads
//! (hosts, resolv.conf) use.

use core::fmt;
use core::net::{IpAddr, Ipv6Addr};

use crate::prelude::*;

/// Formats an address exactly as glibc's `inet_ntop`.
#[derive(Debug, Clone, Copy)]
pub struct Display(pub IpAddr);

impl fmt::Display for Display {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Text::of(self.0).as_str())
    }
}

/// An address as `endpoint show` prints it: a host name `-r` found (`crate::names`
/// looks it up), else the address in `inet_ntop`'s form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// A host name: its bytes as the hosts file or DNS gave them, printed as they are in
    /// text and JSON alike (they need not be UTF-8).
    Name(Vec<u8>),
    /// No name: the address.
    Addr(IpAddr),
}

impl Host {
    /// The bytes `ip` prints for this host: the name as it is, or the address's text,
    /// built in `text`.
    pub fn bytes<'a>(&'a self, text: &'a mut Text) -> &'a [u8] {
        match self {
            Host::Name(n) => n,
            Host::Addr(a) => {
                *text = Text::of(*a);
                text.as_bytes()
            }
        }
    }
}

/// An address's text, built in place (core's address and integer formatting, with its
/// padding machinery, stays out of the binary). The longest form is 45 bytes.
pub struct Text {
    buf: [u8; 48],
    len: usize,
}

impl Default for Text {
    /// No text yet.
    fn default() -> Self {
        Text { buf: [0; 48], len: 0 }
    }
}

/// `n` in decimal without leading zeros: its digits, the first `len` of them valid
/// (an IPv4 address's octet, an endpoint id).
pub fn decimal(n: u8) -> ([u8; 3], usize) {
    match n {
        100.. => ([b'0' + n / 100, b'0' + n / 10 % 10, b'0' + n % 10], 3),
        10.. => ([b'0' + n / 10, b'0' + n % 10, 0], 2),
        _ => ([b'0' + n, 0, 0], 1),
    }
}

impl Text {
    /// `a` as glibc's `inet_ntop` writes it.
    pub fn of(a: IpAddr) -> Text {
        let mut text = Text::default();
        match a {
            IpAddr::V4(a) => text.v4(a.octets()),
            IpAddr::V6(a) => text.v6(&a),
        }
        text
    }

    fn push(&mut self, b: u8) {
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = b;
            self.len += 1;
        }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever pushed.
        core::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }

    /// The text's bytes (ASCII).
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }

    /// `a.b.c.d`.
    fn v4(&mut self, o: [u8; 4]) {
        for (i, n) in o.into_iter().enumerate() {
            if i != 0 {
                self.push(b'.');
            }
            let (digits, len) = decimal(n);
            digits.iter().take(len).for_each(|&d| self.push(d));
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

/// An IPv4 or IPv6 address in `inet_pton`'s strict form (as core's parser reads them,
/// without its code in the binary).
pub fn inet_pton(s: &[u8]) -> Option<IpAddr> {
    match inet_pton4(s) {
        Some(a) => Some(IpAddr::from(a)),
        None => inet_pton6(s).map(IpAddr::from),
    }
}

/// glibc `inet_pton6` (core's address parser is larger and differs at the edges): hex
/// groups of at most four digits, one `::`, and an optional dotted IPv4 tail in
/// `inet_pton4`'s strict form (four decimal parts, no leading zeros).
pub fn inet_pton6(s: &[u8]) -> Option<[u8; 16]> {
    let mut out = [0u8; 16];
    let mut tp = 0;
    let mut gap = None;
    let mut rest = s;
    if let Some(after) = rest.strip_prefix(b":") {
        if !after.starts_with(b":") {
            return None;
        }
        rest = after;
    }
    let (mut digits, mut val) = (0, 0u16);
    let mut token = rest;
    while let Some((&c, after)) = rest.split_first() {
        if let Some(d) = char::from(c).to_digit(16) {
            if digits == 4 {
                return None;
            }
            val = val << 4 | d as u16;
            digits += 1;
        } else if c == b':' {
            token = after;
            if digits == 0 {
                if gap.is_some() {
                    return None;
                }
                gap = Some(tp);
            } else {
                if after.is_empty() || tp + 2 > 16 {
                    return None;
                }
                out.get_mut(tp..tp + 2)?.copy_from_slice(&val.to_be_bytes());
                tp += 2;
                (digits, val) = (0, 0);
            }
        } else if c == b'.' && tp + 4 <= 16 {
            out.get_mut(tp..tp + 4)?.copy_from_slice(&inet_pton4(token)?);
            tp += 4;
            digits = 0;
            break;
        } else {
            return None;
        }
        rest = after;
    }
    if digits > 0 {
        if tp + 2 > 16 {
            return None;
        }
        out.get_mut(tp..tp + 2)?.copy_from_slice(&val.to_be_bytes());
        tp += 2;
    }
    if let Some(at) = gap {
        if tp == 16 {
            return None;
        }
        // The groups after `::` move to the end; zeros fill the gap.
        let n = tp - at;
        out.copy_within(at..tp, 16 - n);
        out.get_mut(at..16 - n)?.fill(0);
        tp = 16;
    }
    (tp == 16).then_some(out)
}

/// glibc `inet_pton4`: exactly four decimal parts of at most 255, no leading zeros.
pub fn inet_pton4(s: &[u8]) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let (mut part, mut seen) = (0, false);
    for &c in s {
        if c.is_ascii_digit() {
            let slot = out.get_mut(part)?;
            if seen && *slot == 0 {
                return None;
            }
            let new = u16::from(*slot) * 10 + u16::from(c - b'0');
            if new > 255 {
                return None;
            }
            *slot = new as u8;
            seen = true;
        } else if c == b'.' && seen && part < 3 {
            part += 1;
            seen = false;
        } else {
            return None;
        }
    }
    (part == 3 && seen).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`decimal`] writes every byte value as `{}` does.
    #[test]
    fn every_byte_in_decimal() {
        for n in 0..=u8::MAX {
            let (digits, len) = decimal(n);
            assert_eq!(&digits[..len], std::format!("{n}").as_bytes());
        }
    }

    #[test]
    fn hosts_print_their_bytes() {
        let name = Host::Name(b"ho\xffst".to_vec());
        assert_eq!(name.bytes(&mut Text::default()), b"ho\xffst");
        let addr = Host::Addr("2001:db8::1".parse().unwrap());
        assert_eq!(addr.bytes(&mut Text::default()), b"2001:db8::1");
    }

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
