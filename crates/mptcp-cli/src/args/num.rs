//! Numbers as iproute2 reads them: `strtoul` with base 0, then a range check.

/// Parses like glibc `strtoul(s, &end, 0)` with iproute2's checks: leading blanks and a
/// sign are allowed, `0x` means hex and a leading `0` octal, there must be at least one
/// digit and nothing after the digits, and overflow fails. A minus sign negates modulo
/// 2^64, as C does, so `-1` fails every range check below while `-0` is 0.
pub fn strtoul(b: &[u8]) -> Option<u64> {
    let mut i =
        b.iter().take_while(|c| matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')).count();
    let negative = match b.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let (radix, start) = match (b.get(i), b.get(i + 1), b.get(i + 2)) {
        (Some(b'0'), Some(b'x' | b'X'), Some(c)) if c.is_ascii_hexdigit() => (16, i + 2),
        (Some(b'0'), _, _) => (8, i),
        _ => (10, i),
    };
    let tail = b.get(start..).unwrap_or_default();
    let digits = tail.iter().take_while(|c| (**c as char).is_digit(radix)).count();
    if digits == 0 || start + digits != b.len() {
        return None;
    }
    let mut v: u64 = 0;
    for &c in tail {
        let d = (c as char).to_digit(radix)? as u64;
        v = v.checked_mul(radix as u64)?.checked_add(d)?;
    }
    Some(if negative { v.wrapping_neg() } else { v })
}

/// iproute2 `get_u8`.
pub fn get_u8(s: &[u8]) -> Option<u8> {
    strtoul(s).and_then(|v| u8::try_from(v).ok())
}

/// iproute2 `get_u16`.
pub fn get_u16(s: &[u8]) -> Option<u16> {
    strtoul(s).and_then(|v| u16::try_from(v).ok())
}

/// iproute2 `get_u32` (and `get_unsigned`).
pub fn get_u32(s: &[u8]) -> Option<u32> {
    strtoul(s).and_then(|v| u32::try_from(v).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bases() {
        assert_eq!(get_u8(b"035"), Some(29));
        assert_eq!(get_u8(b"0x10"), Some(16));
        assert_eq!(get_u8(b"0X1f"), Some(31));
        assert_eq!(get_u32(b"010"), Some(8));
        assert_eq!(get_u8(b"0"), Some(0));
        assert_eq!(get_u8(b" +7"), Some(7));
        assert_eq!(get_u8(b"-0"), Some(0));
    }

    #[test]
    fn rejects() {
        for bad in
            ["", "abc", "256", "-1", "1x", "0x", "08", "99999999999999999999999", " ", "+", "5 "]
        {
            assert_eq!(get_u8(bad.as_bytes()), None, "{bad:?}");
        }
        assert_eq!(get_u32(b"4294967296"), None);
        assert_eq!(get_u32(b"4294967295"), Some(u32::MAX));
        assert_eq!(get_u16(b"70000"), None);
    }

    /// C negates modulo 2^64 after reading the digits, so this is 1 for glibc too.
    #[test]
    fn minus_wraps_like_c() {
        assert_eq!(get_u8(b"-18446744073709551615"), Some(1));
        assert_eq!(get_u8(b"-18446744073709551616"), None);
        assert_eq!(get_u32(b" \t\n\x0b\x0c\r-0"), Some(0));
        // No C23 `0b` prefix: glibc 2.36's strtoul reads `0` and stops at `b`.
        assert_eq!(get_u8(b"0b1"), None);
    }
}
