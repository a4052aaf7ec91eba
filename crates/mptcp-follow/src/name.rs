//! [`IfName`]: an interface name kept inline, and the glob match of rule patterns.

use core::fmt;

/// An interface name or pattern: at most 15 bytes (`IFNAMSIZ` - 1), kept inline.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct IfName {
    bytes: [u8; 15],
    len: u8,
}

impl IfName {
    /// The longest name the kernel allows.
    pub const MAX_LEN: usize = 15;

    /// No name (a link whose name was not valid).
    pub const EMPTY: IfName = IfName { bytes: [0; 15], len: 0 };

    /// `name` when it is 1 to 15 bytes without NUL, `/` or white space.
    pub fn new(name: &str) -> Option<Self> {
        Self::from_bytes(name.as_bytes())
    }

    /// `name` as raw bytes (Linux allows names that are not UTF-8) when it is 1 to 15
    /// bytes without NUL, `/` or white space.
    pub fn from_bytes(b: &[u8]) -> Option<Self> {
        let bad = |c: &u8| *c == 0 || *c == b'/' || c.is_ascii_whitespace();
        if b.is_empty() || b.len() > Self::MAX_LEN || b.iter().any(bad) {
            return None;
        }
        let mut n = IfName { bytes: [0; 15], len: b.len() as u8 };
        n.bytes[..b.len()].copy_from_slice(b);
        Some(n)
    }

    pub(crate) const fn from_raw(bytes: [u8; 15], len: u8) -> IfName {
        IfName { bytes, len }
    }

    /// The name's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or_default()
    }

    /// The name as text when it is UTF-8 (`None` otherwise; [`IfName::escaped`] shows
    /// any name).
    pub fn as_str(&self) -> Option<&str> {
        core::str::from_utf8(self.as_bytes()).ok()
    }

    /// The name for a log line: printable ASCII as is, `\\` for a backslash and `\xNN`
    /// for every other byte (control bytes, bytes of non-ASCII names), so a name can
    /// neither end a line nor forge one.
    pub fn escaped(&self) -> Escaped<'_> {
        Escaped(self.as_bytes())
    }

    /// Whether this pattern matches interface `name`: `*` matches any run of bytes
    /// (empty included), `?` any one byte, `[abc]`/`[a-z]` one byte of a set; every
    /// other byte matches itself.
    pub fn matches(&self, name: &IfName) -> bool {
        glob(self.as_bytes(), name.as_bytes())
    }
}

impl fmt::Debug for IfName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", self.escaped())
    }
}

impl fmt::Display for IfName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.escaped().fmt(f)
    }
}

/// Bytes shown with everything but printable ASCII escaped ([`IfName::escaped`]).
#[derive(Debug, Clone, Copy)]
pub struct Escaped<'a>(pub &'a [u8]);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while !rest.is_empty() {
            let plain =
                rest.iter().take_while(|&&c| (0x20..0x7f).contains(&c) && c != b'\\').count();
            // Printable ASCII is UTF-8.
            f.write_str(core::str::from_utf8(rest.get(..plain).unwrap_or_default()).unwrap_or(""))?;
            let Some(&c) = rest.get(plain) else { break };
            if c == b'\\' {
                f.write_str("\\\\")?;
            } else {
                // `\xHH` by hand: a binary then needs none of core's hex formatters.
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let esc = [b'\\', b'x', HEX[usize::from(c >> 4)], HEX[usize::from(c & 15)]];
                f.write_str(core::str::from_utf8(&esc).unwrap_or(""))?;
            }
            rest = rest.get(plain + 1..).unwrap_or_default();
        }
        Ok(())
    }
}

/// Glob match without recursion: on a mismatch, go back to the last `*` and let it
/// take one more byte. At most `pattern.len() * text.len()` steps.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    // The last `*` seen and the text position it last matched up to.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if pattern.get(p) == Some(&b'*') {
            star = Some((p, t));
            p += 1;
            continue;
        }
        let item = pattern.get(p..).unwrap_or_default();
        if let Some(used) = text.get(t).and_then(|&c| one(item, c)) {
            p += used;
            t += 1;
            continue;
        }
        // Mismatch: the last `*` takes one more byte, or there is no match.
        let Some((sp, st)) = star else { return false };
        p = sp + 1;
        t = st + 1;
        star = Some((sp, st + 1));
    }
    pattern.get(p..).unwrap_or_default().iter().all(|&c| c == b'*')
}

/// Matches one pattern item (a byte, `?` or a `[...]` set) against `c`: the number of
/// pattern bytes it used, or `None`. An unclosed `[` is a plain byte.
fn one(pattern: &[u8], c: u8) -> Option<usize> {
    match *pattern.first()? {
        b'?' => Some(1),
        b'[' => {
            let Some(close) = pattern.iter().skip(2).position(|&b| b == b']').map(|i| i + 2) else {
                return (c == b'[').then_some(1);
            };
            let set = pattern.get(1..close).unwrap_or_default();
            let (negate, set) = match set.first() {
                Some(b'!' | b'^') => (true, &set[1..]),
                _ => (false, set),
            };
            let mut hit = false;
            let mut i = 0;
            while let Some(&first) = set.get(i) {
                match (set.get(i + 1), set.get(i + 2)) {
                    (Some(b'-'), Some(&last)) => {
                        hit |= (first..=last).contains(&c);
                        i += 3;
                    }
                    _ => {
                        hit |= first == c;
                        i += 1;
                    }
                }
            }
            (hit != negate).then_some(close + 1)
        }
        b => (b == c).then_some(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, n: &str) -> bool {
        IfName::new(p).unwrap().matches(&IfName::new(n).unwrap())
    }

    #[test]
    fn globs() {
        assert!(m("wan*", "wan0") && m("wan*", "wan") && !m("wan*", "lan0"));
        assert!(m("*", "eth0") && m("e?h0", "eth0") && !m("e?h0", "eh0"));
        assert!(m("eth[0-2]", "eth1") && !m("eth[0-2]", "eth3") && m("eth[!0-2]", "eth3"));
        assert!(m("*.10", "eth0.10") && !m("*.10", "eth0.100") && m("*0*", "wan0x"));
        assert!(m("a*b*c", "axxbyyc") && !m("a*b*c", "axxbyy") && m("[x", "[x"));
    }

    #[test]
    fn names_are_checked() {
        assert!(IfName::new("").is_none() && IfName::new("a/b").is_none());
        assert!(IfName::new("0123456789abcdef").is_none() && IfName::new("a b").is_none());
        assert_eq!(IfName::new("0123456789abcde").unwrap().as_str(), Some("0123456789abcde"));
    }

    #[test]
    fn raw_names_match_and_print_escaped() {
        let raw = IfName::from_bytes(b"lan\xff\x1b").unwrap();
        assert!(IfName::new("lan*").unwrap().matches(&raw) && raw.as_str().is_none());
        assert_eq!(std::format!("{raw}"), "lan\\xff\\x1b");
        let back = IfName::from_bytes(b"a\\b").unwrap();
        assert_eq!(std::format!("{back}"), "a\\\\b");
    }
}
