//! Messages of one datagram: the [`Messages`] iterator and the [`Message`] view.

use zerocopy::FromBytes;

use crate::{Attrs, Error, GenlMsgHdr, NlMsgHdr, align};

/// One netlink message whose length has been checked against its datagram.
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    header: &'a NlMsgHdr,
    payload: &'a [u8],
}

impl<'a> Message<'a> {
    /// Reads the first message of `buf`. Its length must be at least 16 and within `buf`.
    pub fn parse(buf: &'a [u8]) -> Result<Self, Error> {
        let (header, _) = NlMsgHdr::ref_from_prefix(buf).map_err(|_| Error::Truncated)?;
        let len = header.len.get() as usize;
        if len < NlMsgHdr::LEN || len > buf.len() {
            return Err(Error::BadLength);
        }
        Ok(Message { header, payload: &buf[NlMsgHdr::LEN..len] })
    }

    /// The header.
    pub fn header(&self) -> &'a NlMsgHdr {
        self.header
    }

    /// `nlmsg_type`.
    pub fn kind(&self) -> u16 {
        self.header.kind.get()
    }

    /// `nlmsg_flags`.
    pub fn flags(&self) -> u16 {
        self.header.flags.get()
    }

    /// `nlmsg_seq`.
    pub fn seq(&self) -> u32 {
        self.header.seq.get()
    }

    /// `nlmsg_pid`.
    pub fn pid(&self) -> u32 {
        self.header.pid.get()
    }

    /// The bytes after the header, up to `nlmsg_len`.
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }

    /// The message as a generic netlink message: the genl header, then attributes.
    pub fn genl(&self) -> Result<GenlMessage<'a>, Error> {
        let (genl, attrs) =
            GenlMsgHdr::ref_from_prefix(self.payload).map_err(|_| Error::Truncated)?;
        Ok(GenlMessage { message: *self, genl, attrs })
    }
}

/// A generic netlink message: netlink header, genl header, attributes.
#[derive(Debug, Clone, Copy)]
pub struct GenlMessage<'a> {
    message: Message<'a>,
    genl: &'a GenlMsgHdr,
    attrs: &'a [u8],
}

impl<'a> GenlMessage<'a> {
    /// The enclosing netlink message.
    pub fn message(&self) -> Message<'a> {
        self.message
    }

    /// The family-specific command.
    pub fn cmd(&self) -> u8 {
        self.genl.cmd
    }

    /// The family interface version.
    pub fn version(&self) -> u8 {
        self.genl.version
    }

    /// The raw attribute bytes.
    pub fn attr_bytes(&self) -> &'a [u8] {
        self.attrs
    }

    /// An iterator over the top-level attributes.
    pub fn attrs(&self) -> Attrs<'a> {
        Attrs::new(self.attrs)
    }
}

/// Iterator over the messages of one received datagram.
///
/// The final message may have a length that is not a multiple of four. A length below
/// 16 or past the end yields one [`Error::BadLength`] and ends the walk; so do trailing
/// bytes too short for a header ([`Error::Truncated`]).
#[derive(Debug, Clone)]
pub struct Messages<'a> {
    rest: &'a [u8],
}

impl<'a> Messages<'a> {
    /// Walks the messages of `datagram`.
    pub fn new(datagram: &'a [u8]) -> Self {
        Messages { rest: datagram }
    }
}

impl<'a> Iterator for Messages<'a> {
    type Item = Result<Message<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        match Message::parse(self.rest) {
            Ok(m) => {
                let step = align(m.header.len.get() as usize).min(self.rest.len());
                self.rest = &self.rest[step..];
                Some(Ok(m))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(len: u32, kind: u16, pad_to: usize) -> [u8; 64] {
        let mut b = [0u8; 64];
        b[..4].copy_from_slice(&len.to_ne_bytes());
        b[4..6].copy_from_slice(&kind.to_ne_bytes());
        let _ = pad_to;
        b
    }

    #[test]
    fn walks_two_messages() {
        let mut buf = [0u8; 40];
        buf[..20].copy_from_slice(&msg(20, 3, 0)[..20]);
        buf[20..40].copy_from_slice(&msg(20, 2, 0)[..20]);
        let kinds: [u16; 2] = {
            let mut it = Messages::new(&buf);
            [it.next().unwrap().unwrap().kind(), it.next().unwrap().unwrap().kind()]
        };
        assert_eq!(kinds, [3, 2]);
    }

    #[test]
    fn final_message_may_be_unaligned() {
        let buf = &msg(18, 0x1c, 0)[..18];
        let mut it = Messages::new(buf);
        let m = it.next().unwrap().unwrap();
        assert_eq!(m.payload().len(), 2);
        assert!(it.next().is_none());
    }

    #[test]
    fn length_below_header_is_an_error_and_stops() {
        let buf = msg(8, 1, 0);
        let mut it = Messages::new(&buf);
        assert_eq!(it.next().unwrap().unwrap_err(), Error::BadLength);
        assert!(it.next().is_none());
    }

    #[test]
    fn length_past_the_end_is_an_error() {
        let buf = &msg(60, 1, 0)[..32];
        let mut it = Messages::new(buf);
        assert_eq!(it.next().unwrap().unwrap_err(), Error::BadLength);
        assert!(it.next().is_none());
    }

    #[test]
    fn short_tail_is_truncated() {
        let mut buf = [0u8; 26];
        buf[..20].copy_from_slice(&msg(20, 3, 0)[..20]);
        let mut it = Messages::new(&buf);
        assert!(it.next().unwrap().is_ok());
        assert_eq!(it.next().unwrap().unwrap_err(), Error::Truncated);
        assert!(it.next().is_none());
    }
}
