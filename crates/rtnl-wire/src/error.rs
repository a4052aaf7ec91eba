//! The one error type of the crate.

use core::fmt;

/// What went wrong while building or reading a route netlink message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// The wire layer failed: a fixed header cut short ([`nlwire::Error::Truncated`]), a
    /// malformed attribute run, or (when building) a buffer that is too small
    /// ([`nlwire::Error::NoRoom`]).
    Wire(nlwire::Error),
    /// The message is not of the kind asked for: holds its `nlmsg_type`.
    WrongType(u16),
    /// The first occurrence of a known attribute has a payload of the wrong size (or a
    /// name without its NUL). Holds its type number.
    BadAttr(u16),
    /// A builder was given an interface name or label longer than
    /// [`MAX_NAME_LEN`](crate::consts::MAX_NAME_LEN) bytes, or one holding a NUL.
    BadName,
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
            Error::WrongType(t) => write!(f, "unexpected route netlink message type {t}"),
            Error::BadAttr(k) => write!(f, "attribute {k} has a payload of the wrong size"),
            Error::BadName => f.write_str("name longer than 15 bytes or holding a NUL"),
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

#[cfg(test)]
mod tests {
    extern crate std;
    use std::string::ToString;

    use super::*;
    use core::error::Error as _;

    #[test]
    fn display_and_source() {
        let e = Error::from(nlwire::Error::NoRoom);
        assert_eq!(e.to_string(), nlwire::Error::NoRoom.to_string());
        assert!(e.source().is_some());
        assert_eq!(Error::WrongType(3).to_string(), "unexpected route netlink message type 3");
        assert_eq!(Error::BadAttr(4).to_string(), "attribute 4 has a payload of the wrong size");
        assert!(Error::BadName.source().is_none());
        assert!(!Error::BadName.to_string().is_empty());
    }
}
