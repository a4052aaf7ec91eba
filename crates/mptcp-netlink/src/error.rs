//! [`Error`] and [`KernelError`]: everything a call of this crate can end in, in 72 bytes.

use core::fmt;

use nlsock::{Errno, NetnsError};

/// Longest extended-ack message kept: the kernel's MPTCP messages are at most 54 bytes
/// ("flags must have signal and not subflow when using port"); a longer one is cut at a
/// character boundary. It keeps [`Error`] at 72 bytes, under clippy's
/// `result_large_err` threshold (128), so functions returning it lint clean.
const MSG_CAP: usize = 54;

/// The kernel refused a request: its errno, its extended-ack message (kept, not just
/// the number), the offending attribute's offset and a missing attribute's type.
/// `Copy`, no lifetimes: the message is copied out of the receive buffer.
///
/// ```no_run
/// use mptcp_netlink::{Error, PathManager, RECV_BUF};
/// # fn main() -> Result<(), Error> {
/// let mut pm = PathManager::open([0u8; RECV_BUF])?;
/// match pm.delete_endpoint(200) {
///     Err(Error::Kernel(k)) => assert_eq!(k.message(), Some("address not found")),
///     other => println!("{other:?}"),
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Copy)]
pub struct KernelError {
    /// Positive errno (`libc::ENOENT`, …).
    pub errno: i32,
    offset: u32,
    miss_type: u32,
    /// Bit 0: `offset` is set; bit 1: `miss_type` is set; bit 2: the error ended a dump.
    bits: u8,
    msg_len: u8,
    msg: [u8; MSG_CAP],
}

const HAS_OFFSET: u8 = 1;
const HAS_MISS_TYPE: u8 = 2;
const IN_DONE: u8 = 4;

impl KernelError {
    /// The error with `errno`, without extended ack.
    pub const fn new(errno: i32) -> Self {
        KernelError { errno, offset: 0, miss_type: 0, bits: 0, msg_len: 0, msg: [0; MSG_CAP] }
    }

    /// The extended-ack message, if the kernel sent a non-empty one.
    pub fn message(&self) -> Option<&str> {
        let m = core::str::from_utf8(self.msg.get(..self.msg_len as usize)?).ok()?;
        (!m.is_empty()).then_some(m)
    }

    /// The errno as an [`Errno`] (its `Display` is glibc's text).
    pub fn errno(&self) -> Errno {
        Errno(self.errno)
    }

    /// `NLMSGERR_ATTR_OFFS`: the offset of the offending attribute in the request.
    pub fn offset(&self) -> Option<u32> {
        (self.bits & HAS_OFFSET != 0).then_some(self.offset)
    }

    /// `NLMSGERR_ATTR_MISS_TYPE`: the type of a required attribute that was missing.
    pub fn miss_type(&self) -> Option<u32> {
        (self.bits & HAS_MISS_TYPE != 0).then_some(self.miss_type)
    }

    /// Whether the error ended a dump (`NLMSG_DONE`) rather than an `NLMSG_ERROR`.
    pub fn in_done(&self) -> bool {
        self.bits & IN_DONE != 0
    }
}

impl From<nlsock::KernelError> for KernelError {
    fn from(k: nlsock::KernelError) -> Self {
        let mut e = KernelError::new(k.errno);
        if let Some(o) = k.offset {
            (e.offset, e.bits) = (o, e.bits | HAS_OFFSET);
        }
        if let Some(t) = k.miss_type {
            (e.miss_type, e.bits) = (t, e.bits | HAS_MISS_TYPE);
        }
        if k.in_done {
            e.bits |= IN_DONE;
        }
        if let Some(m) = k.message() {
            let mut end = m.len().min(MSG_CAP);
            while !m.is_char_boundary(end) {
                end -= 1;
            }
            e.msg[..end].copy_from_slice(&m.as_bytes()[..end]);
            e.msg_len = end as u8;
        }
        e
    }
}

impl fmt::Debug for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KernelError")
            .field("errno", &self.errno)
            .field("message", &self.message())
            .field("offset", &self.offset())
            .field("miss_type", &self.miss_type())
            .field("in_done", &self.in_done())
            .finish()
    }
}

impl PartialEq for KernelError {
    fn eq(&self, o: &Self) -> bool {
        (self.errno, self.offset(), self.miss_type(), self.in_done(), self.message())
            == (o.errno, o.offset(), o.miss_type(), o.in_done(), o.message())
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
        if let Some(t) = self.miss_type() {
            write!(f, ", missing attribute type {t}")?;
        }
        if let Some(o) = self.offset() {
            write!(f, ", offending attribute at byte {o} of the request")?;
        }
        Ok(())
    }
}

impl core::error::Error for KernelError {}

/// What went wrong. It implements [`core::error::Error`], so `?` turns it into
/// `Box<dyn Error>` or `anyhow::Error`, and [`source`](core::error::Error::source)
/// leads to the lower layer's error where there is one. It is 72 bytes, so clippy's
/// `result_large_err` stays quiet on your functions that return it.
///
/// The variant a daemon most often matches is [`Error::Kernel`]: the kernel refused a
/// request, with its errno and extended-ack message. `Debug` (what `main` prints when
/// it returns an error) names the variant and gives the text:
///
/// ```
/// use mptcp_netlink::{Error, nlsock::Errno};
/// let e = Error::from(Errno(19));
/// assert_eq!(e.to_string(), "No such device");
/// assert_eq!(format!("{e:?}"), "Os(19): No such device");
/// let boxed: Box<dyn core::error::Error> = Box::new(e);
/// assert!(boxed.source().is_some());
/// assert!(size_of::<Error>() < 128);
/// ```
#[derive(Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// The kernel refused the request (see [`KernelError`]).
    Kernel(KernelError),
    /// A system call failed: its errno.
    Os(Errno),
    /// The kernel has no `mptcp_pm` generic netlink family: MPTCP is not built in or
    /// not enabled.
    NoPathManager,
    /// The `mptcp_pm` family has no events multicast group (a kernel too old for
    /// events).
    NoEventsGroup,
    /// A buffer given to this crate is smaller than it must be.
    BufferTooSmall {
        /// The smallest size that works.
        needed: usize,
        /// The size given.
        got: usize,
    },
    /// A datagram from the kernel did not fit the buffer (`MSG_TRUNC`).
    Truncated,
    /// The kernel acknowledged a request that should have had a reply.
    NoReply,
    /// The socket returned end of file.
    Eof,
    /// A message could not be built or read: a reply or event that does not follow the
    /// netlink or `mptcp_pm` layout.
    Message(mptcp_pm_wire::Error),
    /// Entering a network namespace failed.
    Netns(NetnsError),
}

impl Error {
    /// `Ok` when `buf` holds at least `needed` bytes, else [`Error::BufferTooSmall`].
    pub(crate) fn check_len(buf: &mut impl AsMut<[u8]>, needed: usize) -> Result<(), Error> {
        let got = buf.as_mut().len();
        if got < needed { Err(Error::BufferTooSmall { needed, got }) } else { Ok(()) }
    }

    /// The kernel's refusal, if that is what this is.
    pub fn kernel(&self) -> Option<&KernelError> {
        match self {
            Error::Kernel(k) => Some(k),
            _ => None,
        }
    }

    /// The errno behind this error, if there is one: the kernel's or a system call's.
    pub fn errno(&self) -> Option<Errno> {
        match self {
            Error::Kernel(k) => Some(k.errno()),
            Error::Os(e) => Some(*e),
            Error::Netns(n) => Some(n.errno()),
            _ => None,
        }
    }

    /// The variant's name, with the errno where there is one: what `Debug` starts with.
    fn name(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Error::Kernel(_) => "Kernel",
            Error::Os(_) => "Os",
            Error::NoPathManager => "NoPathManager",
            Error::NoEventsGroup => "NoEventsGroup",
            Error::BufferTooSmall { .. } => "BufferTooSmall",
            Error::Truncated => "Truncated",
            Error::NoReply => "NoReply",
            Error::Eof => "Eof",
            Error::Message(_) => "Message",
            Error::Netns(_) => "Netns",
        };
        match self.errno() {
            Some(e) => write!(f, "{name}({})", e.0),
            None => f.write_str(name),
        }
    }
}

impl From<KernelError> for Error {
    fn from(k: KernelError) -> Self {
        Error::Kernel(k)
    }
}

impl From<nlsock::Error> for Error {
    fn from(e: nlsock::Error) -> Self {
        match e {
            nlsock::Error::Kernel(k) => Error::Kernel(k.into()),
            nlsock::Error::Os(e) => Error::Os(e),
            nlsock::Error::Truncated => Error::Truncated,
            nlsock::Error::NoReply => Error::NoReply,
            nlsock::Error::Eof => Error::Eof,
            nlsock::Error::Malformed(m) => Error::from(m),
            // A request socket joins no group, so ENOBUFS is the system call's error;
            // EAGAIN likewise (the non-blocking calls handle it before it gets here).
            nlsock::Error::EventsLost => Error::Os(Errno(libc::ENOBUFS)),
            nlsock::Error::WouldBlock => Error::Os(Errno(libc::EAGAIN)),
            _ => Error::Message(mptcp_pm_wire::Error::Wire(nlwire::Error::WrongType)),
        }
    }
}

impl From<Errno> for Error {
    fn from(e: Errno) -> Self {
        Error::from(nlsock::Error::from(e))
    }
}

impl From<mptcp_pm_wire::Error> for Error {
    fn from(e: mptcp_pm_wire::Error) -> Self {
        Error::Message(e)
    }
}

impl From<nlwire::Error> for Error {
    fn from(e: nlwire::Error) -> Self {
        Error::Message(mptcp_pm_wire::Error::Wire(e))
    }
}

impl From<NetnsError> for Error {
    fn from(e: NetnsError) -> Self {
        Error::Netns(e)
    }
}

impl From<genl::ResolveError<nlsock::Error>> for Error {
    fn from(e: genl::ResolveError<nlsock::Error>) -> Self {
        match e {
            genl::ResolveError::NotFound => Error::NoPathManager,
            genl::ResolveError::Transport(t) => Error::from(t),
            genl::ResolveError::Malformed(m) => Error::from(m),
            // BadName cannot happen for the constant family name; anything newer is
            // reported as a malformed exchange.
            _ => Error::Message(mptcp_pm_wire::Error::Wire(nlwire::Error::WrongType)),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Kernel(k) => write!(f, "the kernel refused the request: {k}"),
            Error::Os(e) => e.fmt(f),
            Error::NoPathManager => f.write_str(
                "the kernel has no MPTCP path manager (no mptcp_pm family): \
                 MPTCP is not built in or not enabled",
            ),
            Error::NoEventsGroup => f.write_str("the mptcp_pm family has no events group"),
            Error::BufferTooSmall { needed, got } => {
                write!(f, "buffer of {got} bytes is too small: {needed} needed")
            }
            Error::Truncated => f.write_str("netlink datagram truncated"),
            Error::NoReply => f.write_str("the kernel sent no reply"),
            Error::Eof => f.write_str("EOF on netlink"),
            Error::Message(e) => write!(f, "mptcp_pm message: {e}"),
            Error::Netns(e) => e.fmt(f),
        }
    }
}

/// The variant's name (and errno), then the text: `Kernel(2): the kernel refused the
/// request: address not found (No such file or directory)`. This is what a `main`
/// that returns the error prints after `Error: `.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.name(f)?;
        write!(f, ": {self}")
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Error::Kernel(k) => Some(k),
            Error::Os(e) => Some(e),
            Error::Message(e) => Some(e),
            Error::Netns(e) => Some(e),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;
    use std::string::ToString;

    #[test]
    fn kernel_errors_are_lifted_and_keep_their_errno() {
        let e = Error::from(nlsock::Error::Os(Errno(13)));
        assert_eq!(e.errno(), Some(Errno(13)));
        assert!(e.kernel().is_none());
        let resolve = genl::ResolveError::<nlsock::Error>::NotFound;
        assert_eq!(Error::from(resolve), Error::NoPathManager);
        assert!(Error::NoPathManager.to_string().contains("not enabled"));
    }

    #[test]
    fn the_error_is_small_and_keeps_the_kernels_longest_message() {
        assert!(size_of::<Error>() <= 72, "{} bytes", size_of::<Error>());
        let longest = "flags must have signal and not subflow when using port";
        let ack = nlwire::control::ExtAck { msg: Some(longest), ..Default::default() };
        let k = KernelError::from(nlsock::KernelError::new(-22, &ack, false));
        assert_eq!((k.errno, k.message(), k.in_done()), (22, Some(longest), false));
        let cut = "é".repeat(40);
        let ack = nlwire::control::ExtAck { msg: Some(&cut), offset: Some(24), ..ack };
        let k = KernelError::from(nlsock::KernelError::new(-22, &ack, true));
        assert_eq!(k.message(), Some(&cut[..MSG_CAP]));
        assert_eq!((k.offset(), k.miss_type(), k.in_done()), (Some(24), None, true));
    }

    #[test]
    fn debug_names_the_variant_and_gives_the_text() {
        let e = Error::from(NetnsError::Open(Errno(2)));
        let text = "cannot open the network namespace: No such file or directory";
        assert_eq!(format!("{e:?}"), format!("Netns(2): {text}"));
        assert_eq!(format!("{:?}", Error::NoReply), "NoReply: the kernel sent no reply");
    }
}
