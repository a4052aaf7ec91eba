//! The `inet_diag_req_v2` requests: dumps of MPTCP connections (all, or by state), of
//! TCP sockets (the subflows), and the MPTCP connection of one token.

use nlwire::consts::{NLM_F_DUMP, NLM_F_REQUEST};
use nlwire::{Error, MessageBuilder};

use crate::{INET_DIAG_INFO, INET_DIAG_REQ_PROTOCOL, IPPROTO_MPTCP, SOCK_DIAG_BY_FAMILY};

/// Size of `struct inet_diag_req_v2`.
const REQ_LEN: usize = 56;
/// `IPPROTO_TCP`.
const IPPROTO_TCP: u8 = 6;
/// Bytes every request here needs: header, `inet_diag_req_v2`, and for MPTCP the
/// protocol attribute. A buffer of this size always suffices.
pub const REQUEST_LEN: usize = 16 + REQ_LEN + 8;

/// `idiag_states` bit of one TCP state (`TCP_ESTABLISHED` 1 … `TCP_NEW_SYN_RECV` 12).
pub const fn state_bit(state: u8) -> u32 {
    1 << state
}

/// Every state.
pub const ALL_STATES: u32 = u32::MAX;
/// Every state but listening: the MPTCP connections.
pub const CONNECTION_STATES: u32 = ALL_STATES & !state_bit(crate::TCP_LISTEN);
/// Listening only.
pub const LISTEN_STATES: u32 = state_bit(crate::TCP_LISTEN);
/// The TCP states a subflow with an MPTCP context can be in: every state but
/// listening, `TIME_WAIT` and the two request states (mini sockets without a ULP).
pub const SUBFLOW_STATES: u32 =
    ALL_STATES & !(state_bit(crate::TCP_LISTEN) | state_bit(6) | state_bit(3) | state_bit(12));

fn request(
    buf: &mut [u8],
    family: u8,
    protocol: u32,
    states: u32,
    flags: u16,
    seq: u32,
    cookie: [u32; 2],
) -> Result<&mut [u8], Error> {
    let mut req = [0u8; REQ_LEN];
    req[0] = family;
    req[1] = if protocol == IPPROTO_MPTCP { 0 } else { protocol as u8 };
    req[2] = 1 << (INET_DIAG_INFO - 1);
    req[4..8].copy_from_slice(&states.to_ne_bytes());
    // inet_diag_sockid starts at 8: ports 8..12, addresses 12..44, interface 44..48,
    // cookie 48..56.
    req[48..52].copy_from_slice(&cookie[0].to_ne_bytes());
    req[52..56].copy_from_slice(&cookie[1].to_ne_bytes());
    let mut b = MessageBuilder::new(buf, SOCK_DIAG_BY_FAMILY, flags, seq)?;
    b.append(&req)?;
    if protocol == IPPROTO_MPTCP {
        b.put_u32(INET_DIAG_REQ_PROTOCOL, IPPROTO_MPTCP)?;
    }
    let len = b.finish()?.len();
    // The builder wrote `len` bytes of `buf`: the slice is there (no panic site).
    buf.get_mut(..len).ok_or(Error::NoRoom)
}

/// Builds a dump of every MPTCP socket of `family` (`AF_INET` or `AF_INET6`) in all
/// states, asking for `INET_DIAG_INFO` (the `struct mptcp_info`). The protocol number
/// does not fit the request's byte, so it travels in `INET_DIAG_REQ_PROTOCOL`.
pub fn build_dump(buf: &mut [u8], family: u8, seq: u32) -> Result<&mut [u8], Error> {
    build_dump_states(buf, family, ALL_STATES, seq)
}

/// [`build_dump`] for the MPTCP sockets in `states` only (`CONNECTION_STATES`,
/// `LISTEN_STATES`, or any mask of [`state_bit`]s).
pub fn build_dump_states(
    buf: &mut [u8],
    family: u8,
    states: u32,
    seq: u32,
) -> Result<&mut [u8], Error> {
    request(buf, family, IPPROTO_MPTCP, states, NLM_F_REQUEST | NLM_F_DUMP, seq, [0; 2])
}

/// Builds a dump of the TCP sockets of `family` in [`SUBFLOW_STATES`], asking for
/// `INET_DIAG_INFO` (`struct tcp_info`); the kernel adds `INET_DIAG_ULP_INFO` to each
/// MPTCP subflow. The kernel cannot filter by ULP: plain TCP sockets come too, and
/// [`crate::Subflow::mptcp`] tells them apart. IPv4 subflows of an IPv6 connection
/// (v4-mapped) are in the `AF_INET6` dump.
pub fn build_subflow_dump(buf: &mut [u8], family: u8, seq: u32) -> Result<&mut [u8], Error> {
    request(
        buf,
        family,
        u32::from(IPPROTO_TCP),
        SUBFLOW_STATES,
        NLM_F_REQUEST | NLM_F_DUMP,
        seq,
        [0; 2],
    )
}

/// Builds the request for the one MPTCP connection whose local token is `token`: the
/// kernel's MPTCP diag looks the token up (it travels in `idiag_cookie[0]`) and answers
/// with one message, or `ENOENT`.
pub fn build_get_by_token(
    buf: &mut [u8],
    family: u8,
    token: u32,
    seq: u32,
) -> Result<&mut [u8], Error> {
    request(buf, family, IPPROTO_MPTCP, ALL_STATES, NLM_F_REQUEST, seq, [token, 0])
}

#[cfg(test)]
mod tests {
    use super::*;
    use nlwire::{Attrs, Message};

    #[test]
    fn request_layout() {
        let mut buf = [0u8; REQUEST_LEN];
        let req = build_dump(&mut buf, 2, 7).unwrap();
        assert_eq!(req.len(), REQUEST_LEN);
        let m = Message::parse(req).unwrap();
        assert_eq!((m.kind(), m.flags(), m.seq()), (20, 0x301, 7));
        let p = m.payload();
        assert_eq!(&p[..4], &[2, 0, 2, 0]);
        assert_eq!(&p[4..8], &[0xff; 4]);
        let a = Attrs::new(&p[56..]).next().unwrap().unwrap();
        assert_eq!((a.kind(), a.u32()), (3, Ok(262)));
    }

    #[test]
    fn subflow_dump_is_tcp_without_listeners() {
        let mut buf = [0u8; REQUEST_LEN];
        let req = build_subflow_dump(&mut buf, 10, 1).unwrap();
        assert_eq!(req.len(), 16 + 56);
        let p = Message::parse(req).unwrap().payload();
        assert_eq!(&p[..4], &[10, 6, 2, 0]);
        let states = u32::from_ne_bytes(p[4..8].try_into().unwrap());
        assert_eq!(states & (1 << 10 | 1 << 6), 0);
        assert_ne!(states & (1 << 1), 0);
    }

    #[test]
    fn get_by_token_carries_the_token_in_the_cookie() {
        let mut buf = [0u8; REQUEST_LEN];
        let req = build_get_by_token(&mut buf, 2, 0xdead_beef, 3).unwrap();
        let m = Message::parse(req).unwrap();
        assert_eq!(m.flags(), 0x1);
        assert_eq!(&m.payload()[48..52], &0xdead_beefu32.to_ne_bytes());
    }
}
