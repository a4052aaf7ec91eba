//! [`Error`] and [`KernelError`]: what an exchange with the kernel can end in.

use core::fmt;

use nlwire::control::ExtAck;

use crate::Errno;

/// Longest extended-ack message kept (the kernel's MPTCP messages are under 60 bytes);
/// longer ones are cut at a character boundary. Keeps [`Error`] under 128 bytes.
const MSG_CAP: usize = 96;

/// An error the kernel answered with, and its extended ack. `Copy`, no lifetimes:
/// the message is copied out of the receive buffer.
#[derive(Clone, Copy)]
pub struct KernelError {
    /// Positive errno.
    pub errno: i32,
    /// `NLMSGERR_ATTR_OFFS`: offset of the offending attribute in the request.
    pub offset: Option<u32>,
    /// `NLMSGERR_ATTR_MISS_TYPE`: a required attribute that was missing.
    pub miss_type: Option<u32>,
    /// Whether the error ended a dump (`NLMSG_DONE`) rather than an `NLMSG_ERROR`.
    pub in_done: bool,
    msg: [u8; MSG_CAP],
    msg_len: u8,
}

impl KernelError {
    /// Builds the error from a negated errno and its extended ack.
    pub fn new(code: i32, ack: &ExtAck<'_>, in_done: bool) -> Self {
        let mut e = KernelError {
            errno: code.saturating_neg(),
            offset: ack.offset,
            miss_type: ack.miss_type,
            in_done,
            msg: [0; MSG_CAP],
            msg_len: 0,
        };
        if let Some(m) = ack.msg {
            let mut end = m.len().min(MSG_CAP);
            while !m.is_char_boundary(end) {
                end -= 1;
            }
            for (to, from) in e.msg.iter_mut().zip(m.as_bytes().iter().take(end)) {
                *to = *from;
            }
            e.msg_len = end as u8;
        }
        e
    }

    /// The extended-ack message, if the kernel sent a non-empty one.
    pub fn message(&self) -> Option<&str> {
        let m = self.msg.get(..usize::from(self.msg_len)).unwrap_or_default();
        let m = core::str::from_utf8(m).ok()?;
        (!m.is_empty()).then_some(m)
    }

    /// The errno as an [`Errno`].
    pub fn errno(&self) -> Errno {
        Errno(self.errno)
    }
}

impl fmt::Debug for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KernelError")
            .field("errno", &self.errno)
            .field("message", &self.message())
            .field("offset", &self.offset)
            .field("miss_type", &self.miss_type)
            .field("in_done", &self.in_done)
            .finish()
    }
}

impl PartialEq for KernelError {
    fn eq(&self, other: &Self) -> bool {
        (self.errno, self.offset, self.miss_type, self.in_done, self.message())
            == (other.errno, other.offset, other.miss_type, other.in_done, other.message())
    }
}

/// The extended-ack message when there is one, then the errno's text, then the
/// offending or missing attribute: `limit greater than maximum (8) (Invalid argument)`.
impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.message() {
            Some(m) => write!(f, "{m} ({})", self.errno())?,
            None => self.errno().fmt(f)?,
        }
        // Numbers as `u64`: the one unsigned formatter a binary printing `u64` already holds.
        if let Some(t) = self.miss_type {
            write!(f, ", missing attribute type {}", u64::from(t))?;
        }
        if let Some(o) = self.offset {
            write!(f, ", offending attribute at byte {} of the request", u64::from(o))?;
        }
        Ok(())
    }
}

impl core::error::Error for KernelError {}

/// How an exchange failed.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// A system call failed.
    Os(Errno),
    /// The kernel answered with an error.
    Kernel(KernelError),
    /// A datagram did not fit the receive buffer (`MSG_TRUNC`).
    Truncated,
    /// The socket's queue overflowed (`ENOBUFS`): events were lost. The socket
    /// keeps working.
    EventsLost,
    /// The socket is in non-blocking mode and nothing is queued (`EAGAIN`): wait until
    /// it is readable and receive again.
    WouldBlock,
    /// The kernel acknowledged a request that should have had a reply.
    NoReply,
    /// The socket returned end of file.
    Eof,
    /// A datagram could not be parsed.
    Malformed(nlwire::Error),
}

impl From<Errno> for Error {
    fn from(e: Errno) -> Self {
        match e.0 {
            libc::ENOBUFS => Error::EventsLost,
            libc::EAGAIN => Error::WouldBlock,
            _ => Error::Os(e),
        }
    }
}

impl From<nlwire::Error> for Error {
    fn from(e: nlwire::Error) -> Self {
        Error::Malformed(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The fixed texts through one write: a table, not a call per arm.
        let text = match self {
            Error::Os(e) => return e.fmt(f),
            Error::Kernel(k) => return k.fmt(f),
            Error::Malformed(e) => return write!(f, "malformed netlink message: {e}"),
            Error::Truncated => "netlink datagram truncated",
            Error::EventsLost => "events were lost (receive queue overflow)",
            Error::WouldBlock => "nothing to receive yet (non-blocking socket)",
            Error::NoReply => "the kernel sent no reply",
            Error::Eof => "EOF on netlink",
        };
        f.write_str(text)
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Error::Os(e) => Some(e),
            Error::Kernel(k) => Some(k),
            Error::Malformed(e) => Some(e),
            _ => None,
        }
    }
}
