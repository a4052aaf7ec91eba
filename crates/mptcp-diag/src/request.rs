//! The `inet_diag_req_v2` dump request for MPTCP sockets of one address family.

use nlwire::consts::{NLM_F_DUMP, NLM_F_REQUEST};
use nlwire::{Error, MessageBuilder};

use crate::{INET_DIAG_INFO, INET_DIAG_REQ_PROTOCOL, IPPROTO_MPTCP, SOCK_DIAG_BY_FAMILY};

/// Size of `struct inet_diag_req_v2`.
const REQ_LEN: usize = 56;

/// Builds a dump of every MPTCP socket of `family` (`AF_INET` or `AF_INET6`) in all
/// states, asking for `INET_DIAG_INFO` (the `struct mptcp_info`). The protocol number
/// does not fit the request's byte, so it travels in `INET_DIAG_REQ_PROTOCOL`.
pub fn build_dump(buf: &mut [u8], family: u8, seq: u32) -> Result<&mut [u8], Error> {
    let mut req = [0u8; REQ_LEN];
    req[0] = family;
    req[2] = 1 << (INET_DIAG_INFO - 1);
    req[4..8].copy_from_slice(&u32::MAX.to_ne_bytes());
    let mut b = MessageBuilder::new(buf, SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, seq)?;
    b.append(&req)?;
    b.put_u32(INET_DIAG_REQ_PROTOCOL, IPPROTO_MPTCP)?;
    let len = b.finish()?.len();
    Ok(&mut buf[..len])
}

#[cfg(test)]
mod tests {
    use super::*;
    use nlwire::{Attrs, Message};

    #[test]
    fn request_layout() {
        let mut buf = [0u8; 128];
        let req = build_dump(&mut buf, 2, 7).unwrap();
        assert_eq!(req.len(), 16 + 56 + 8);
        let m = Message::parse(req).unwrap();
        assert_eq!((m.kind(), m.flags(), m.seq()), (20, 0x301, 7));
        let p = m.payload();
        assert_eq!(&p[..4], &[2, 0, 2, 0]);
        assert_eq!(&p[4..8], &[0xff; 4]);
        let a = Attrs::new(&p[56..]).next().unwrap().unwrap();
        assert_eq!((a.kind(), a.u32()), (3, Ok(262)));
    }
}
