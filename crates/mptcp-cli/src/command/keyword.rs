//! The option parsers' shared pieces, out of line: keywords matched as iproute2's
//! `matches` matches them, and the two messages most of their checks end with.

use crate::print::fail::{self, Exit};

/// [`fail::invarg`], out of line: the option parsers call it from a score of places,
/// and inlined, each call built its message's pieces in place (about 90 bytes a call).
#[inline(never)]
pub fn invarg(msg: &str, arg: &[u8]) -> Exit {
    fail::invarg(msg, arg)
}

/// Which of `words` (separated by spaces) `word` abbreviates: the index of the first that
/// iproute2's `matches` takes, trying them in order. Out of line: one loop instead of a
/// comparison inlined for every keyword of every parser; and one string, not a table of
/// them (each of whose pointers a position-independent binary keeps in `.data.rel.ro`).
#[inline(never)]
pub fn which(word: &[u8], words: &str) -> Option<usize> {
    // `matches(word, w)` for each, on bytes (a piece split off a `str` would need its
    // boundaries checked).
    words.as_bytes().split(|&b| b == b' ').position(|w| !word.is_empty() && w.starts_with(word))
}

/// [`fail::missarg`], out of line, as [`invarg`].
#[inline(never)]
pub fn missarg(key: &str) -> Exit {
    fail::missarg(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::words::matches;

    #[test]
    fn which_is_the_first_match_in_order() {
        let words = "add change delete show flush follow";
        assert_eq!(which(b"a", words), Some(0));
        assert_eq!(which(b"f", words), Some(4), "flush before follow");
        assert_eq!(which(b"fo", words), Some(5));
        assert_eq!(which(b"show", words), Some(3));
        assert_eq!(which(b"shows", words), None);
        assert_eq!(which(b"", words), None, "an empty word matches nothing");
        assert_eq!(which(b"x", words), None);
        // As iproute2's `matches`, word by word.
        for w in [&b"c"[..], b"de", b"del", b"sh", b"\xff", b"add "] {
            let want = words.split(' ').position(|k| matches(w, k));
            assert_eq!(which(w, words), want, "{w:?}");
        }
    }
}
