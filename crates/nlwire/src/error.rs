//! The one error type of the wire layer.

use core::fmt;

/// What went wrong while reading or writing netlink bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// Fewer bytes remain than a header needs.
    Truncated,
    /// A length field is below its header size or runs past the end of the buffer.
    BadLength,
    /// A typed reader found a payload of the wrong size.
    BadPayload,
    /// A string attribute has no terminating NUL.
    NotTerminated,
    /// A string attribute is not valid UTF-8.
    NotUtf8,
    /// The message is not of the kind the caller asked for (e.g. not an `NLMSG_ERROR`).
    WrongType,
    /// The builder's buffer is full, or a length would not fit its 16-bit field.
    NoRoom,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Error::Truncated => "truncated header",
            Error::BadLength => "length field out of bounds",
            Error::BadPayload => "attribute payload has the wrong size",
            Error::NotTerminated => "string attribute without NUL",
            Error::NotUtf8 => "string attribute is not UTF-8",
            Error::WrongType => "unexpected message type",
            Error::NoRoom => "buffer too small for the message",
        })
    }
}

impl core::error::Error for Error {}
