//! Text without core's heavier generic code: splits on one ASCII byte, and formats into a
//! `String`.
//!
//! `str::split(char)` brings a char searcher into the binary; this does the same with a
//! byte search, which the binary has anyway. alloc's `format!` brings `String`'s
//! `fmt::Write` and an `expect` (about 970 bytes of code); [`format`] writes through
//! the CLI's own writer instead (the prelude's `format!` calls it).

use alloc::string::String;
use alloc::vec::Vec;

/// Whether `bytes` holds `byte`, by a plain loop: `<[u8]>::contains` is core's `memchr`
/// (its word-at-a-time search and its callers' set-up were 391 bytes of code in the
/// static binary), for the few short strings (paths, words) searched here.
#[allow(clippy::manual_contains, reason = "the point: not core's memchr")]
pub fn has_byte(bytes: &[u8], byte: u8) -> bool {
    bytes.iter().any(|&b| b == byte)
}

/// `args` formatted into a new `String`, as alloc's `format!` makes it, through
/// [`crate::os::io::write_fmt_dyn`] into bytes. What a `Display` writes is `str`, so the
/// bytes are UTF-8; a `Display` that fails leaves what it wrote before (alloc's panics).
pub fn format(args: core::fmt::Arguments<'_>) -> String {
    let mut bytes = Vec::new();
    let _ = crate::os::io::write_fmt_dyn(&mut bytes, args);
    String::from_utf8(bytes).unwrap_or_default()
}

/// The pieces of `text` between the bytes `sep` (an ASCII byte), as `text.split(sep as
/// char)` yields them: an empty `text` is one empty piece.
pub fn split_ascii(text: &str, sep: u8) -> SplitAscii<'_> {
    SplitAscii { rest: Some(text), sep }
}

/// The iterator of [`split_ascii`].
#[derive(Debug, Clone)]
pub struct SplitAscii<'a> {
    rest: Option<&'a str>,
    sep: u8,
}

impl<'a> Iterator for SplitAscii<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        match rest.bytes().position(|b| b == self.sep) {
            // An ASCII byte is a char boundary on both sides, so `get` always succeeds.
            Some(i) => {
                self.rest = rest.get(i + 1..);
                rest.get(..i)
            }
            None => self.rest.take(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn splits_as_std() {
        for (text, sep) in [("", b'.'), ("a.b", b'.'), ("..", b'.'), ("a\0é\0", 0), ("x", b'.')] {
            let ours: Vec<&str> = split_ascii(text, sep).collect();
            let std: Vec<&str> = text.split(char::from(sep)).collect();
            assert_eq!(ours, std, "{text:?}");
        }
    }

    /// [`format`] (the binary's `format!`) makes what alloc's `format!` makes.
    #[test]
    fn formats_as_alloc() {
        let (n, word) = (-42i64, "wan\"0");
        let ours = format(format_args!("{word}: {n:>6} {:#x} {}", 255u8, 'é'));
        assert_eq!(ours, alloc::format!("{word}: {n:>6} {:#x} {}", 255u8, 'é'));
        assert_eq!(format(format_args!("plain")), "plain");
    }

    proptest! {
        #[test]
        fn split_agrees_with_std(text in "[a.\\x00é]{0,16}", dot in any::<bool>()) {
            let sep = if dot { b'.' } else { 0 };
            let ours: Vec<&str> = split_ascii(&text, sep).collect();
            let std: Vec<&str> = text.split(char::from(sep)).collect();
            prop_assert_eq!(ours, std);
        }
    }
}
