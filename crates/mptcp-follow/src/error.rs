//! [`Error`]: a full table, or a rule that does not parse (with the word at fault).

use core::fmt;

/// What went wrong. Rule errors carry the index of the offending word, so the caller can
/// name it (and the line, for a config file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A fixed table is full: links ([`crate::MAX_LINKS`]), addresses
    /// ([`crate::MAX_ADDRESSES`]), default routes ([`crate::MAX_ROUTES`]) or rules
    /// ([`crate::MAX_RULES`]).
    TableFull(&'static str),
    /// Word `at` should have been `dev`.
    ExpectedDev {
        /// Index of the word.
        at: usize,
    },
    /// The rule ended where a word was needed (after `dev`, `port` or `allow`).
    MissingWord {
        /// Index one past the last word.
        at: usize,
        /// What was needed.
        what: &'static str,
    },
    /// Word `at` is not a valid interface pattern (1 to 15 bytes, no `/`, no space).
    BadPattern {
        /// Index of the word.
        at: usize,
    },
    /// After the pattern, neither a flag nor `ignore` (word `at`).
    NoFlags {
        /// Index of the word (or one past the end).
        at: usize,
    },
    /// Word `at` is not a valid port (1 to 65535).
    BadPort {
        /// Index of the word.
        at: usize,
    },
    /// Word `at` is not something `allow` takes.
    BadAllow {
        /// Index of the word.
        at: usize,
    },
    /// The flags of the rule ending at word `at` are refused by the kernel: `signal`
    /// with `fullmesh`, or a `port` without `signal` (or with `subflow`).
    BadCombination {
        /// Index of the last word of the rule.
        at: usize,
        /// Why.
        why: &'static str,
    },
}

impl Error {
    /// The index of the word the error is about, for a rule error.
    pub fn word(&self) -> Option<usize> {
        match *self {
            Error::TableFull(_) => None,
            Error::ExpectedDev { at }
            | Error::MissingWord { at, .. }
            | Error::BadPattern { at }
            | Error::NoFlags { at }
            | Error::BadPort { at }
            | Error::BadAllow { at }
            | Error::BadCombination { at, .. } => Some(at),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::TableFull(what) => write!(f, "too many {what} to track"),
            Error::ExpectedDev { .. } => f.write_str("a rule starts with \"dev\""),
            Error::MissingWord { what, .. } => write!(f, "{what} is missing"),
            Error::BadPattern { .. } => {
                f.write_str("an interface name or glob of 1 to 15 bytes is expected")
            }
            Error::NoFlags { .. } => {
                f.write_str("signal, subflow, backup, fullmesh, laminar or ignore is expected")
            }
            Error::BadPort { .. } => f.write_str("a port from 1 to 65535 is expected"),
            Error::BadAllow { .. } => f.write_str(
                "allow takes loopback, linklocal, ula, temporary, deprecated, nocarrier or noroute",
            ),
            Error::BadCombination { why, .. } => f.write_str(why),
        }
    }
}

impl core::error::Error for Error {}
