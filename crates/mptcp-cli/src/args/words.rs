//! The argument cursor and iproute2's `matches` prefix rule.

use crate::print::fail::{Exit, incomplete};

/// iproute2's `matches(arg, word)`: `arg` is a non-empty prefix of `word`. Arguments
/// are bytes, as C's `argv` holds them.
pub fn matches(arg: &[u8], word: &str) -> bool {
    !arg.is_empty() && word.as_bytes().starts_with(arg)
}

/// A cursor over the words of one command line: bytes ([`Args`]), or text for
/// `endpoint follow`'s words.
#[derive(Debug)]
pub struct Words<'a, W: ?Sized = str> {
    words: &'a [&'a W],
    pos: usize,
}

impl<W: ?Sized> Clone for Words<'_, W> {
    fn clone(&self) -> Self {
        Words { words: self.words, pos: self.pos }
    }
}

/// The cursor over a command line's words as the user typed them: bytes, never
/// converted (a word that is not UTF-8 is echoed and looked up as it is).
pub type Args<'a> = Words<'a, [u8]>;

impl<'a, W: ?Sized> Words<'a, W> {
    /// Walks `words` from the first.
    pub fn new(words: &'a [&'a W]) -> Self {
        Words { words, pos: 0 }
    }

    /// The current word, if any.
    pub fn peek(&self) -> Option<&'a W> {
        self.words.get(self.pos).copied()
    }

    /// Takes the current word. (Not `Iterator::next`: the parsers interleave it with
    /// `peek` and `value`, and an iterator's adapters would hide where the cursor is.)
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Option<&'a W> {
        let w = self.peek();
        if w.is_some() {
            self.pos += 1;
        }
        w
    }

    /// Takes the value after a keyword, or fails as iproute2's `NEXT_ARG` does.
    pub fn value(&mut self) -> Result<&'a W, Exit> {
        self.next().ok_or_else(incomplete)
    }

    /// Whether no word is left.
    pub fn is_empty(&self) -> bool {
        self.pos >= self.words.len()
    }

    /// The words not taken yet.
    pub fn rest(&self) -> &'a [&'a W] {
        self.words.get(self.pos..).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_rule() {
        assert!(matches(b"e", "endpoint"));
        assert!(matches(b"endpoint", "endpoint"));
        assert!(!matches(b"", "endpoint"));
        assert!(!matches(b"endpoints", "endpoint"));
        assert!(!matches(b"Limits", "limits"));
        assert!(!matches(b"e\xff", "endpoint"));
    }

    #[test]
    fn the_cursor_walks_bytes() {
        let words: [&[u8]; 3] = [b"dev", b"w\xff", b"x"];
        let mut w = Args::new(&words);
        assert_eq!(w.next(), Some(&b"dev"[..]));
        assert_eq!(w.value(), Ok(&b"w\xff"[..]));
        assert_eq!(w.rest(), [&b"x"[..]]);
        assert_eq!(w.next(), Some(&b"x"[..]));
        assert!(w.is_empty() && w.rest().is_empty());
    }
}
