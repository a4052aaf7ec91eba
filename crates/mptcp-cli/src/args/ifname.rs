//! Interface names on the command line: iproute2 7.1's check (`check_ifname`) and its
//! `if<N>` reading of a name no link has (`ll_idx_a2n`).

use crate::print::fail::{Exit, invarg};

/// Looks up interface names while parsing, as iproute2 does (errors come in order).
pub trait Interfaces {
    /// The index of `name` (bytes, as the kernel keeps names), or 0 when there is no
    /// such interface.
    fn index_of(&mut self, name: &[u8]) -> u32;
}

/// The index of the interface `dev NAME` names: `NAME` must pass [`is_valid`] and name a
/// link. `invalid` and `missing` are what is said about it when it does not:
/// iproute2's carry its trailing newline, plain `mptcp`'s own verbs' do not. Out of line:
/// the endpoint and userspace-PM parsers share it.
#[inline(never)]
pub fn device(
    name: &[u8],
    ifs: &mut dyn Interfaces,
    invalid: &str,
    missing: &str,
) -> Result<u32, Exit> {
    if !is_valid(name) {
        return Err(invarg(invalid, name));
    }
    match ifs.index_of(name) {
        0 => Err(invarg(missing, name)),
        index => Ok(index),
    }
}

/// `IFNAMSIZ`: names are shorter than this.
const IFNAMSIZ: usize = 16;

/// `check_ifname` of iproute2 7.0 and later, the kernel's `dev_valid_name` less its `:`
/// rule: non-empty, shorter than 16 bytes, neither `.` nor `..`, no `/` and no white
/// space (C's `isspace`). Up to 6.x `.` and `..` passed it.
pub fn is_valid(name: &[u8]) -> bool {
    !name.is_empty()
        && name.len() < IFNAMSIZ
        && name != b"."
        && name != b".."
        && !name
            .iter()
            .any(|&b| b == b'/' || matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
}

/// The index iproute2 reads from a name no link has: `sscanf(name, "if%u")`. After the
/// literal `if`, an optional sign and at least one decimal digit (what follows the digits
/// is ignored); the value is C's `strtoul` of them (negated modulo the width of `unsigned
/// long` for `-`, that width's maximum on overflow), cut to 32 bits. So `if-1` is
/// 4294967295 and, where `unsigned long` has 64 bits, `if4294967298` is 2. `None` when
/// the name does not match; `Some(0)` names no interface either.
pub fn if_number(name: &[u8]) -> Option<u32> {
    let rest = name.strip_prefix(b"if")?;
    let (negative, digits) = match rest {
        [b'-', tail @ ..] => (true, tail),
        [b'+', tail @ ..] => (false, tail),
        _ => (false, rest),
    };
    let end = digits.iter().position(|b| !b.is_ascii_digit()).unwrap_or(digits.len());
    if end == 0 {
        return None;
    }
    // `unsigned long` is 32 bits on 32-bit targets, where this cast widens.
    #[allow(clippy::unnecessary_cast)]
    let max = core::ffi::c_ulong::MAX as u64;
    let mut value: u64 = 0;
    for &d in &digits[..end] {
        match value.checked_mul(10).and_then(|v| v.checked_add(u64::from(d - b'0'))) {
            Some(v) if v <= max => value = v,
            // strtoul's overflow: ULONG_MAX, whatever the sign.
            _ => return Some(max as u32),
        }
    }
    if negative {
        value = value.wrapping_neg() & max;
    }
    Some(value as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_valid(b"lo"));
        assert!(is_valid(b"012345678901234"));
        assert!(!is_valid(b"0123456789abcdef"));
        assert!(!is_valid(b""));
        assert!(!is_valid(b"."));
        assert!(!is_valid(b".."));
        assert!(is_valid(b"..."));
        assert!(is_valid(b".a"));
        assert!(is_valid(b"a:b"));
        assert!(!is_valid(b"a/b"));
        assert!(!is_valid(b"a b"));
        assert!(!is_valid(b"a\x0bb"));
        assert!(is_valid(b"w\xff"));
    }

    #[test]
    fn if_numbers_read_as_sscanf_reads_them() {
        assert_eq!(if_number(b"if99"), Some(99));
        assert_eq!(if_number(b"if007"), Some(7));
        assert_eq!(if_number(b"if7x"), Some(7));
        assert_eq!(if_number(b"if+2"), Some(2));
        assert_eq!(if_number(b"if-1"), Some(u32::MAX));
        assert_eq!(if_number(b"if-0"), Some(0));
        assert_eq!(if_number(b"if0x10"), Some(0));
        assert_eq!(if_number(b"if4294967295"), Some(u32::MAX));
        for no in ["ifx", "if", "if-", "if+", "if+-1", "eth0", "IF1", " if1"] {
            assert_eq!(if_number(no.as_bytes()), None, "{no:?}");
        }
    }

    #[cfg(target_pointer_width = "64")]
    #[test]
    fn if_numbers_wrap_as_a_64_bit_unsigned_long() {
        assert_eq!(if_number(b"if4294967298"), Some(2));
        assert_eq!(if_number(b"if-4294967297"), Some(u32::MAX));
        assert_eq!(if_number(b"if18446744073709551615"), Some(u32::MAX));
        assert_eq!(if_number(b"if18446744073709551617"), Some(u32::MAX));
        assert_eq!(if_number(b"if-18446744073709551615"), Some(1));
        assert_eq!(if_number(b"if-99999999999999999999"), Some(u32::MAX));
    }
}
