//! [`Error`]: everything a call of this crate can end in, one `Copy` enum.

use core::fmt;

use nlsock::{Errno, KernelError, NetnsError};

/// What went wrong. It implements [`core::error::Error`], so `?` turns it into
/// `Box<dyn Error>` or `anyhow::Error`, and [`source`](core::error::Error::source)
/// leads to the lower layer's error where there is one.
///
/// The variant a daemon most often matches is [`Error::Kernel`]: the kernel refused a
/// request, with its errno, extended-ack message and offending attribute.
///
/// ```
/// use mptcp_netlink::{Error, nlsock::Errno};
/// let e = Error::from(Errno(1));
/// assert_eq!(e.to_string(), "netlink: Operation not permitted");
/// let boxed: Box<dyn core::error::Error> = Box::new(e);
/// assert!(boxed.source().is_some());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// The kernel refused the request: its errno (`k.errno`), its extended-ack message
    /// ([`KernelError::message`]), the offending attribute's offset and a missing
    /// attribute's type.
    Kernel(KernelError),
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
    /// The socket layer failed: a system call, a truncated or malformed datagram.
    /// Never [`nlsock::Error::Kernel`] (that is [`Error::Kernel`]).
    Netlink(nlsock::Error),
    /// A message could not be built or read: a reply or event that does not follow the
    /// `mptcp_pm` layout.
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
            Error::Netlink(nlsock::Error::Os(e)) => Some(*e),
            Error::Netns(n) => Some(n.errno()),
            _ => None,
        }
    }
}

impl From<nlsock::Error> for Error {
    fn from(e: nlsock::Error) -> Self {
        match e {
            nlsock::Error::Kernel(k) => Error::Kernel(k),
            other => Error::Netlink(other),
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
            Error::NoPathManager => f.write_str(
                "the kernel has no MPTCP path manager (no mptcp_pm family): \
                 MPTCP is not built in or not enabled",
            ),
            Error::NoEventsGroup => f.write_str("the mptcp_pm family has no events group"),
            Error::BufferTooSmall { needed, got } => {
                write!(f, "buffer of {got} bytes is too small: {needed} needed")
            }
            Error::Netlink(e) => write!(f, "netlink: {e}"),
            Error::Message(e) => write!(f, "mptcp_pm message: {e}"),
            Error::Netns(e) => e.fmt(f),
        }
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Error::Kernel(k) => Some(k),
            Error::Netlink(e) => Some(e),
            Error::Message(e) => Some(e),
            Error::Netns(e) => Some(e),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
}
