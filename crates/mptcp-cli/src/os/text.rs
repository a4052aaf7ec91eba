//! Text without core's heavier generic code: splits on one ASCII byte.
//!
//! `str::split(char)` brings a char searcher into the binary; this does the same with a
//! byte search, which the binary has anyway.

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
