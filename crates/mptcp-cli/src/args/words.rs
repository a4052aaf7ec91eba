//! The argument cursor and iproute2's `matches` prefix rule.

use crate::print::fail::{Exit, incomplete};

/// iproute2's `matches(arg, word)`: `arg` is a non-empty prefix of `word`.
pub fn matches(arg: &str, word: &str) -> bool {
    !arg.is_empty() && word.starts_with(arg)
}

/// A cursor over the words of one command line.
#[derive(Debug, Clone)]
pub struct Words<'a> {
    words: &'a [&'a str],
    pos: usize,
}

impl<'a> Words<'a> {
    /// Walks `words` from the first.
    pub fn new(words: &'a [&'a str]) -> Self {
        Words { words, pos: 0 }
    }

    /// The current word, if any.
    pub fn peek(&self) -> Option<&'a str> {
        self.words.get(self.pos).copied()
    }

    /// Takes the current word. (Not `Iterator::next`: the parsers interleave it with
    /// `peek` and `value`, and an iterator's adapters would hide where the cursor is.)
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Option<&'a str> {
        let w = self.peek();
        if w.is_some() {
            self.pos += 1;
        }
        w
    }

    /// Takes the value after a keyword, or fails as iproute2's `NEXT_ARG` does.
    pub fn value(&mut self) -> Result<&'a str, Exit> {
        self.next().ok_or_else(incomplete)
    }

    /// Whether no word is left.
    pub fn is_empty(&self) -> bool {
        self.pos >= self.words.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_rule() {
        assert!(matches("e", "endpoint"));
        assert!(matches("endpoint", "endpoint"));
        assert!(!matches("", "endpoint"));
        assert!(!matches("endpoints", "endpoint"));
        assert!(!matches("Limits", "limits"));
    }
}
