//! [`resolve`]: one GETFAMILY exchange over a [`Transport`], giving a [`Family`].

use core::fmt;

use nlwire::consts::NLM_F_REQUEST;
use nlwire::{Error, Message, MessageBuilder};

use crate::Family;
use crate::ctrl::*;

/// A request/reply channel to the kernel: sockets implement it, tests fake it.
pub trait Transport {
    /// The transport's error.
    type Error;

    /// Sends `request` (the transport sets its sequence number) and returns the one
    /// data message answering it, read into `reply`.
    fn request<'r>(
        &mut self,
        request: &mut [u8],
        reply: &'r mut [u8],
    ) -> Result<Message<'r>, Self::Error>;

    /// Whether `err` is the kernel answering `ENOENT` (no such family).
    fn is_not_found(err: &Self::Error) -> bool;
}

/// Why a family could not be resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResolveError<E> {
    /// The kernel has no family of that name. For `mptcp_pm` this means the kernel has
    /// no MPTCP path manager: MPTCP is not built in or not enabled.
    NotFound,
    /// The name does not fit a GETFAMILY request (`GENL_NAMSIZ`).
    BadName,
    /// The reply was malformed or was not a family description.
    Malformed(Error),
    /// The transport failed.
    Transport(E),
}

impl<E: fmt::Display> fmt::Display for ResolveError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolveError::NotFound => f.write_str("generic netlink family not found"),
            ResolveError::BadName => f.write_str("family name too long"),
            ResolveError::Malformed(e) => write!(f, "malformed controller reply: {e}"),
            ResolveError::Transport(e) => e.fmt(f),
        }
    }
}

impl<E: core::error::Error + 'static> core::error::Error for ResolveError<E> {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            ResolveError::Malformed(e) => Some(e),
            ResolveError::Transport(e) => Some(e),
            _ => None,
        }
    }
}

/// A reply buffer that holds any family's GETFAMILY reply: the kernel builds it in one
/// page (`NLMSG_GOODSIZE`, under 8 KiB even with 64 KiB pages). `mptcp_pm`'s reply is
/// 360 bytes on Linux 6.18, `nlctrl`'s about 600.
pub const REPLY_BUF: usize = 8 * 1024;

/// Bytes [`build_getfamily`] needs: headers (20) and the name attribute (4 + at most
/// [`GENL_NAMSIZ`] bytes, padded).
pub const GETFAMILY_LEN: usize = 20 + 4 + GENL_NAMSIZ;

/// Builds `CTRL_CMD_GETFAMILY` for `name` into `buf` (sequence number 0; the
/// transport sets it).
pub fn build_getfamily<'b>(buf: &'b mut [u8], name: &str) -> Result<&'b mut [u8], Error> {
    let mut b = MessageBuilder::genl(buf, GENL_ID_CTRL, NLM_F_REQUEST, 0, CMD_GETFAMILY, VERSION)?;
    b.put_str(ATTR_FAMILY_NAME, name)?;
    let len = b.finish()?.len();
    Ok(&mut buf[..len])
}

/// Resolves `name` with one GETFAMILY request, built on the stack
/// ([`GETFAMILY_LEN`] bytes). The answer is read into `reply` and the returned
/// [`Family`] borrows from it: `reply` must hold the kernel's whole reply, which
/// [`REPLY_BUF`] always does (512 bytes are enough for `mptcp_pm`); a shorter buffer
/// fails with the transport's truncation error.
pub fn resolve<'r, T: Transport>(
    transport: &mut T,
    name: &str,
    reply: &'r mut [u8],
) -> Result<Family<'r>, ResolveError<T::Error>> {
    if name.is_empty() || name.len() >= GENL_NAMSIZ {
        return Err(ResolveError::BadName);
    }
    let mut scratch = [0u8; GETFAMILY_LEN];
    let request = build_getfamily(&mut scratch, name).map_err(ResolveError::Malformed)?;
    let msg = transport.request(request, reply).map_err(|e| {
        if T::is_not_found(&e) { ResolveError::NotFound } else { ResolveError::Transport(e) }
    })?;
    let genl = msg.genl().map_err(ResolveError::Malformed)?;
    Family::parse(&genl).map_err(ResolveError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nlwire::Attrs;

    /// Answers GETFAMILY from a table; `ENOENT` for anything else.
    struct Fake {
        seen_seq: u32,
    }

    #[derive(Debug, PartialEq)]
    struct FakeErr(i32);

    impl Transport for Fake {
        type Error = FakeErr;
        fn request<'r>(
            &mut self,
            request: &mut [u8],
            reply: &'r mut [u8],
        ) -> Result<Message<'r>, FakeErr> {
            request[8..12].copy_from_slice(&7u32.to_ne_bytes());
            let req = Message::parse(request).unwrap().genl().unwrap();
            self.seen_seq = req.message().seq();
            assert_eq!(req.cmd(), CMD_GETFAMILY);
            let name = Attrs::new(req.attr_bytes()).find(ATTR_FAMILY_NAME).unwrap().unwrap();
            if name.str() != Ok("mptcp_pm") {
                return Err(FakeErr(2));
            }
            let mut b = MessageBuilder::genl(reply, GENL_ID_CTRL, 0, 7, CMD_NEWFAMILY, 2).unwrap();
            b.put_u16(ATTR_FAMILY_ID, 0x1c).unwrap();
            b.put_str(ATTR_FAMILY_NAME, "mptcp_pm").unwrap();
            let len = b.finish().unwrap().len();
            Ok(Message::parse(&reply[..len]).unwrap())
        }
        fn is_not_found(err: &FakeErr) -> bool {
            err.0 == 2
        }
    }

    #[test]
    fn resolves_through_the_transport() {
        let mut t = Fake { seen_seq: 0 };
        let mut reply = [0u8; 128];
        let f = resolve(&mut t, "mptcp_pm", &mut reply).unwrap();
        assert_eq!((f.id, f.name), (0x1c, "mptcp_pm"));
        assert_eq!(t.seen_seq, 7);
    }

    #[test]
    fn unknown_family_is_not_found() {
        let mut t = Fake { seen_seq: 0 };
        let mut reply = [0u8; 128];
        assert_eq!(resolve(&mut t, "nope", &mut reply).unwrap_err(), ResolveError::NotFound);
    }

    #[test]
    fn overlong_name_is_refused_before_sending() {
        let mut t = Fake { seen_seq: 0 };
        let mut reply = [0u8; 128];
        let r = resolve(&mut t, "0123456789abcdef", &mut reply);
        assert_eq!(r.unwrap_err(), ResolveError::BadName);
        assert_eq!(t.seen_seq, 0);
    }
}
