//! Control messages: `NLMSG_ERROR` (errors and ACKs), `NLMSG_DONE`, and extended-ack TLVs.

use zerocopy::FromBytes;

use crate::consts::*;
use crate::{Attrs, Error, Message, NlMsgHdr, align};

/// The extended-ack TLVs (`NLMSGERR_ATTR_*`) of an error, ACK or `NLMSG_DONE`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExtAck<'a> {
    /// `NLMSGERR_ATTR_MSG`: the human-readable message, without its NUL.
    pub msg: Option<&'a str>,
    /// `NLMSGERR_ATTR_OFFS`: offset of the offending attribute in the echoed request.
    pub offset: Option<u32>,
    /// `NLMSGERR_ATTR_COOKIE`.
    pub cookie: Option<&'a [u8]>,
    /// `NLMSGERR_ATTR_POLICY`: the policy of the offending attribute, as nested attributes.
    pub policy: Option<&'a [u8]>,
    /// `NLMSGERR_ATTR_MISS_TYPE`: the type of a missing required attribute.
    pub miss_type: Option<u32>,
    /// `NLMSGERR_ATTR_MISS_NEST`: offset of the nest that lacks it.
    pub miss_nest: Option<u32>,
}

impl<'a> ExtAck<'a> {
    /// Parses a run of extended-ack TLVs. Unknown types are skipped.
    pub fn parse(tlvs: &'a [u8]) -> Result<Self, Error> {
        let mut ack = ExtAck::default();
        for attr in Attrs::new(tlvs) {
            let attr = attr?;
            match attr.kind() {
                NLMSGERR_ATTR_MSG => ack.msg = Some(attr.str()?),
                NLMSGERR_ATTR_OFFS => ack.offset = Some(attr.u32()?),
                NLMSGERR_ATTR_COOKIE => ack.cookie = Some(attr.payload()),
                NLMSGERR_ATTR_POLICY => ack.policy = Some(attr.payload()),
                NLMSGERR_ATTR_MISS_TYPE => ack.miss_type = Some(attr.u32()?),
                NLMSGERR_ATTR_MISS_NEST => ack.miss_nest = Some(attr.u32()?),
                _ => {}
            }
        }
        Ok(ack)
    }

    /// Whether no TLV was present.
    pub fn is_empty(&self) -> bool {
        self.msg.is_none()
            && self.offset.is_none()
            && self.cookie.is_none()
            && self.policy.is_none()
            && self.miss_type.is_none()
            && self.miss_nest.is_none()
    }
}

/// An `NLMSG_ERROR` message: an error (code < 0) or an acknowledgement (code 0).
#[derive(Debug, Clone, Copy)]
pub struct ErrorMsg<'a> {
    /// 0 for an ACK, else a negated errno.
    pub code: i32,
    /// The header of the request this answers.
    pub request: &'a NlMsgHdr,
    /// The echoed request after its header (empty when `NLM_F_CAPPED`).
    pub request_payload: &'a [u8],
    /// The extended-ack TLVs (empty without `NLM_F_ACK_TLVS`).
    pub ext_ack: ExtAck<'a>,
}

impl<'a> ErrorMsg<'a> {
    /// Parses an `NLMSG_ERROR` message.
    pub fn parse(msg: &Message<'a>) -> Result<Self, Error> {
        if msg.kind() != NLMSG_ERROR {
            return Err(Error::WrongType);
        }
        let p = msg.payload();
        let (code, rest) = i32_prefix(p)?;
        let (request, _) = NlMsgHdr::ref_from_prefix(rest).map_err(|_| Error::Truncated)?;
        let echoed = if msg.flags() & NLM_F_CAPPED != 0 {
            NlMsgHdr::LEN
        } else {
            request.len.get() as usize
        };
        if echoed < NlMsgHdr::LEN || echoed > rest.len() {
            return Err(Error::BadLength);
        }
        let request_payload = rest.get(NlMsgHdr::LEN..echoed).unwrap_or_default();
        // Without `NLM_F_ACK_TLVS` there are none: no TLVs parse as the empty ExtAck.
        let tlvs = if msg.flags() & NLM_F_ACK_TLVS != 0 { rest.get(align(echoed)..) } else { None };
        let ext_ack = ExtAck::parse(tlvs.unwrap_or_default())?;
        Ok(ErrorMsg { code, request, request_payload, ext_ack })
    }

    /// Whether this is a plain acknowledgement (code 0).
    pub fn is_ack(&self) -> bool {
        self.code == 0
    }

    /// The positive errno, or 0 for an ACK.
    pub fn errno(&self) -> i32 {
        self.code.saturating_neg()
    }
}

/// An `NLMSG_DONE` message: the end of a dump, which may carry the dump's error.
#[derive(Debug, Clone, Copy)]
pub struct Done<'a> {
    /// 0 when the dump succeeded, else a negated errno.
    pub code: i32,
    /// The extended-ack TLVs that explain a failed dump.
    pub ext_ack: ExtAck<'a>,
}

impl<'a> Done<'a> {
    /// Parses an `NLMSG_DONE` message. A payload without the status word (as some old
    /// senders emit) reads as success.
    pub fn parse(msg: &Message<'a>) -> Result<Self, Error> {
        if msg.kind() != NLMSG_DONE {
            return Err(Error::WrongType);
        }
        let p = msg.payload();
        let (code, rest) = if p.is_empty() { (0, p) } else { i32_prefix(p)? };
        // Without `NLM_F_ACK_TLVS` there are none: no TLVs parse as the empty ExtAck.
        let tlvs = if msg.flags() & NLM_F_ACK_TLVS != 0 { rest } else { &[] };
        Ok(Done { code, ext_ack: ExtAck::parse(tlvs)? })
    }
}

/// A message sorted by what it means to a request/response exchange.
#[derive(Debug, Clone, Copy)]
pub enum Control<'a> {
    /// `NLMSG_ERROR` with code 0.
    Ack(ErrorMsg<'a>),
    /// `NLMSG_ERROR` with a negative code.
    Error(ErrorMsg<'a>),
    /// `NLMSG_DONE`.
    Done(Done<'a>),
    /// `NLMSG_NOOP` or `NLMSG_OVERRUN`, or another reserved type below `NLMSG_MIN_TYPE`.
    Other(u16),
    /// A data message (type at least `NLMSG_MIN_TYPE`).
    Data(Message<'a>),
}

impl<'a> Control<'a> {
    /// Classifies `msg`, parsing it when it is an error or a done message.
    pub fn classify(msg: Message<'a>) -> Result<Self, Error> {
        Ok(match msg.kind() {
            NLMSG_ERROR => {
                let e = ErrorMsg::parse(&msg)?;
                if e.is_ack() { Control::Ack(e) } else { Control::Error(e) }
            }
            NLMSG_DONE => Control::Done(Done::parse(&msg)?),
            k if k < NLMSG_MIN_TYPE => Control::Other(k),
            _ => Control::Data(msg),
        })
    }
}

fn i32_prefix(p: &[u8]) -> Result<(i32, &[u8]), Error> {
    let (head, rest) = p.split_at_checked(4).ok_or(Error::Truncated)?;
    let bytes: [u8; 4] = head.try_into().map_err(|_| Error::Truncated)?;
    Ok((i32::from_ne_bytes(bytes), rest))
}
