//! The one error type of the crate.

use core::fmt;

/// What went wrong while building or reading an `mptcp_pm` message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// The wire layer failed: a malformed attribute run, or (when building) a buffer
    /// that is too small ([`nlwire::Error::NoRoom`]).
    Wire(nlwire::Error),
    /// The first occurrence of a known attribute has a payload of the wrong size. Holds
    /// its type number, within its own attribute set.
    BadAttr(u16),
    /// A request lacks an attribute its command needs (only [`Request::parse`]).
    ///
    /// [`Request::parse`]: crate::Request::parse
    MissingAttr(u16),
    /// A request carries a command this family does not have (only
    /// [`Request::parse`](crate::Request::parse)).
    UnknownCommand(u8),
    /// The message is of another netlink family than the one asked for (its type is
    /// not the `mptcp_pm` family id): [`Event::from_message`](crate::Event::from_message).
    WrongFamily {
        /// The family id asked for.
        expected: u16,
        /// The message's type.
        got: u16,
    },
}

impl From<nlwire::Error> for Error {
    fn from(e: nlwire::Error) -> Self {
        Error::Wire(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Wire(e) => e.fmt(f),
            Error::BadAttr(k) => write!(f, "attribute {k} has a payload of the wrong size"),
            Error::MissingAttr(k) => write!(f, "attribute {k} is missing"),
            Error::UnknownCommand(c) => write!(f, "unknown mptcp_pm command {c}"),
            Error::WrongFamily { expected, got } => {
                write!(f, "message of type {got}, not of the mptcp_pm family ({expected})")
            }
        }
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Error::Wire(e) => Some(e),
            _ => None,
        }
    }
}
