//! Interface names on the command line: iproute2's check (`check_ifname`, which mimics
//! the kernel's `dev_valid_name` only in part: `.` and `..` pass it) and their lookup.

/// Looks up interface names while parsing, as iproute2 does (errors come in order).
pub trait Interfaces {
    /// The index of `name`, or 0 when there is no such interface.
    fn index_of(&mut self, name: &str) -> u32;
}

/// `IFNAMSIZ`: names are shorter than this.
const IFNAMSIZ: usize = 16;

/// Non-empty, shorter than 16 bytes, no `/` and no white space.
pub fn is_valid(name: &str) -> bool {
    !name.is_empty()
        && name.len() < IFNAMSIZ
        && !name
            .bytes()
            .any(|b| b == b'/' || matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
}

#[cfg(test)]
mod tests {
    use super::is_valid;

    #[test]
    fn names() {
        assert!(is_valid("lo"));
        assert!(is_valid("012345678901234"));
        assert!(!is_valid("0123456789abcdef"));
        assert!(!is_valid(""));
        assert!(is_valid(".."));
        assert!(!is_valid("a/b"));
        assert!(!is_valid("a b"));
    }
}
