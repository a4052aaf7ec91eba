//! Text from bytes without core's heavier generic code: lossy UTF-8 and splits on one ASCII byte.
//!
//! `String::from_utf8_lossy` brings `Utf8Chunks` and `Cow` into the binary, and
//! `str::split(char)` a char searcher; these do the same on top of `str::from_utf8`
//! and byte searches, which the binary has anyway.

use alloc::string::String;

/// Appends `bytes` to `out` as `String::from_utf8_lossy` reads them: each maximal
/// invalid sequence becomes one U+FFFD (the rule `Utf8Error::error_len` states).
pub fn push_lossy(out: &mut String, mut bytes: &[u8]) {
    loop {
        match core::str::from_utf8(bytes) {
            Ok(text) => return out.push_str(text),
            Err(e) => {
                let (good, rest) = bytes.split_at(e.valid_up_to());
                out.push_str(core::str::from_utf8(good).unwrap_or_default());
                out.push(char::REPLACEMENT_CHARACTER);
                match e.error_len() {
                    Some(n) => bytes = rest.get(n..).unwrap_or_default(),
                    // A sequence cut short by the end of the input.
                    None => return,
                }
            }
        }
    }
}

/// `bytes` as an owned `String`, lossily (see [`push_lossy`]).
pub fn lossy(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    push_lossy(&mut out, bytes);
    out
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
    fn lossy_as_std() {
        let cases: [&[u8]; 8] = [
            b"",
            b"plain",
            b"a\xffb",
            b"\xf0\x9f\x98",
            b"\xf0\x9f\x98x",
            b"\xed\xa0\x80z",
            "é\u{1F600}".as_bytes(),
            b"\xc3\x28\xe2\x82",
        ];
        for c in cases {
            assert_eq!(lossy(c), String::from_utf8_lossy(c), "{c:?}");
        }
    }

    #[test]
    fn splits_as_std() {
        for (text, sep) in [("", b'.'), ("a.b", b'.'), ("..", b'.'), ("a\0é\0", 0), ("x", b'.')] {
            let ours: Vec<&str> = split_ascii(text, sep).collect();
            let std: Vec<&str> = text.split(char::from(sep)).collect();
            assert_eq!(ours, std, "{text:?}");
        }
    }

    proptest! {
        #[test]
        fn lossy_agrees_with_std(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(lossy(&bytes), String::from_utf8_lossy(&bytes));
        }

        #[test]
        fn split_agrees_with_std(text in "[a.\\x00é]{0,16}", dot in any::<bool>()) {
            let sep = if dot { b'.' } else { 0 };
            let ours: Vec<&str> = split_ascii(&text, sep).collect();
            let std: Vec<&str> = text.split(char::from(sep)).collect();
            prop_assert_eq!(ours, std);
        }
    }
}
