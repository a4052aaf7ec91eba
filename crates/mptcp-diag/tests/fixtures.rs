//! The views read the kernel's own bytes: dumps captured on a 6.18 kernel of a two-path
//! connection with a backup subflow, an IPv6 and an IPv4-mapped connection, and the
//! server's listeners (see `tests/fixtures/README.md`). The captures are little-endian
//! host order, so these tests run on little-endian hosts; the `cross` scenarios prove
//! the big-endian reads against an s390x kernel.
#![cfg(target_endian = "little")]

use std::net::SocketAddr;

use mptcp_diag::{Connection, Subflow, TCP_LISTEN, subflow_flag};
use nlwire::{Message, Messages, consts::NLMSG_DONE};

const CLIENT_MPTCP_V4: &[u8] = include_bytes!("fixtures/client-mptcp-v4.bin");
const CLIENT_MPTCP_V6: &[u8] = include_bytes!("fixtures/client-mptcp-v6.bin");
const CLIENT_TCP_V4: &[u8] = include_bytes!("fixtures/client-tcp-v4.bin");
const CLIENT_TCP_V6: &[u8] = include_bytes!("fixtures/client-tcp-v6.bin");
const SERVER_MPTCP_V4: &[u8] = include_bytes!("fixtures/server-mptcp-v4.bin");
const SERVER_MPTCP_V6: &[u8] = include_bytes!("fixtures/server-mptcp-v6.bin");
const SERVER_TCP_V4: &[u8] = include_bytes!("fixtures/server-tcp-v4.bin");
const SERVER_TCP_V6: &[u8] = include_bytes!("fixtures/server-tcp-v6.bin");

/// Every data message of a captured dump; the dump ends with `NLMSG_DONE`.
fn messages(dump: &[u8]) -> Vec<Message<'_>> {
    let all: Vec<Message<'_>> = Messages::new(dump).map(|m| m.expect("a whole message")).collect();
    assert_eq!(all.last().map(|m| m.kind()), Some(NLMSG_DONE));
    all.into_iter().filter(|m| m.kind() == mptcp_diag::SOCK_DIAG_BY_FAMILY).collect()
}

fn connections(dump: &[u8]) -> Vec<Connection<'_>> {
    messages(dump).iter().map(|m| Connection::parse(m).unwrap()).collect()
}

fn subflows<'a>(dumps: &[&'a [u8]], token: u32) -> Vec<Subflow<'a>> {
    let mut out = Vec::new();
    for d in dumps {
        for m in messages(d) {
            let s = Subflow::parse(&m).unwrap();
            if s.token() == Some(token) {
                out.push(s);
            }
        }
    }
    out
}

fn sa(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

#[test]
fn two_path_connection_with_a_backup_subflow_client_side() {
    let conns = connections(CLIENT_MPTCP_V4);
    assert_eq!(conns.len(), 1);
    let c = conns[0];
    assert_eq!((c.family(), c.state()), (2, 1));
    assert_eq!(c.remote(), sa("10.0.1.1:6000"));
    assert_eq!(c.local().ip().to_string(), "10.0.1.2");
    let i = c.info().expect("mptcp_info");
    assert_eq!(i.as_bytes().len(), 96);
    assert_eq!((i.subflows(), i.subflows_total(), i.subflows_max()), (Some(1), Some(2), Some(2)));
    assert_eq!((i.fallback(), i.csum_enabled()), (Some(false), Some(false)));
    assert_eq!(i.flags().map(|f| f & mptcp_diag::FLAG_REMOTE_KEY_RECEIVED != 0), Some(true));
    // `hello` went out and came back: five bytes each way at the data level.
    assert_eq!((i.bytes_sent(), i.bytes_received(), i.bytes_acked()), (Some(5), Some(5), Some(5)));
    assert!(i.last_data_sent().is_some() && i.last_ack_recv().is_some());

    let token = i.token().unwrap();
    let sf = subflows(&[CLIENT_TCP_V4, CLIENT_TCP_V6], token);
    assert_eq!(sf.len(), 2, "both subflows carry the connection's token");
    let initial = sf.iter().find(|s| s.local() == c.local()).expect("the initial subflow");
    let m = initial.mptcp().unwrap();
    assert_eq!((m.id_loc(), m.id_rem()), (Some(0), Some(0)));
    let f = m.flags().unwrap();
    assert_ne!(f & subflow_flag::MCAP_LOC, 0, "the client asked for MP_CAPABLE");
    assert!(!m.backup_local() && !m.backup_remote() && m.fully_established());
    let t = initial.tcp_info().expect("tcp_info");
    assert_eq!(t.state(), Some(1));
    assert!(t.rtt().unwrap() > 0 && t.snd_cwnd().unwrap() > 0);
    assert_eq!(t.bytes_received(), Some(5));

    let join = sf.iter().find(|s| s.local() != c.local()).expect("the joined subflow");
    assert_eq!(join.local().ip().to_string(), "10.0.2.2");
    assert_eq!(join.remote(), sa("10.0.1.1:6000"));
    assert_ne!(join.ifindex(), 0, "bound to e2 by the endpoint's dev");
    let m = join.mptcp().unwrap();
    assert_eq!((m.id_loc(), m.id_rem()), (Some(2), Some(0)));
    assert!(m.backup_local() && !m.backup_remote() && m.is_join());
    assert_ne!(m.flags().unwrap() & subflow_flag::JOIN_LOC, 0);
}

#[test]
fn the_server_sees_the_peer_backup_flag_and_its_listeners() {
    let conns = connections(SERVER_MPTCP_V4);
    let listeners: Vec<_> = conns.iter().filter(|c| c.state() == TCP_LISTEN).collect();
    assert_eq!(listeners.len(), 1);
    assert_eq!(listeners[0].local(), sa("0.0.0.0:6000"));
    let c = conns.iter().find(|c| c.state() == 1).unwrap();
    let token = c.info().unwrap().token().unwrap();
    let sf = subflows(&[SERVER_TCP_V4, SERVER_TCP_V6], token);
    assert_eq!(sf.len(), 2);
    let join = sf.iter().find(|s| s.remote().ip().to_string() == "10.0.2.2").unwrap();
    let m = join.mptcp().unwrap();
    assert_eq!((m.id_loc(), m.id_rem()), (Some(0), Some(2)));
    assert!(m.backup_remote() && !m.backup_local());
    assert_eq!(m.flags().unwrap() & (subflow_flag::MCAP_LOC | subflow_flag::JOIN_LOC), 0);
    // The client's joined subflow carries the server's token as the remote one.
    let client = connections(CLIENT_MPTCP_V4)[0].info().unwrap().token().unwrap();
    let client_join = subflows(&[CLIENT_TCP_V4], client).into_iter().find(|s| s.ifindex() != 0);
    assert_eq!(client_join.and_then(|s| s.mptcp()).and_then(|m| m.token_rem()), Some(token));
    let v6_listeners =
        connections(SERVER_MPTCP_V6).iter().filter(|c| c.state() == TCP_LISTEN).count();
    assert_eq!(v6_listeners, 2);
}

#[test]
fn ipv6_and_v4_mapped_connections() {
    let conns = connections(CLIENT_MPTCP_V6);
    assert_eq!(conns.len(), 2);
    let v6 = conns.iter().find(|c| c.remote() == sa("[dead:1::1]:6001")).unwrap();
    let t6 = v6.info().unwrap().token().unwrap();
    let sf = subflows(&[CLIENT_TCP_V4, CLIENT_TCP_V6], t6);
    assert_eq!(sf.len(), 1);
    assert_eq!(sf[0].family(), 10);

    let mapped = conns.iter().find(|c| c.remote() == sa("[::ffff:10.0.1.1]:6002")).unwrap();
    let tm = mapped.info().unwrap().token().unwrap();
    let sf = subflows(&[CLIENT_TCP_V4, CLIENT_TCP_V6], tm);
    assert_eq!(sf.len(), 2);
    let initial = sf.iter().find(|s| s.family() == 10).expect("initial subflow, AF_INET6");
    assert_eq!(initial.remote(), sa("[::ffff:10.0.1.1]:6002"));
    let join = sf.iter().find(|s| s.family() == 2).expect("joined subflow, AF_INET");
    assert_eq!(join.local().ip().to_string(), "10.0.2.2");
    assert!(join.mptcp().unwrap().backup_local());
}

#[test]
fn plain_tcp_sockets_have_no_mptcp_attributes_and_every_subflow_has_tcp_info() {
    for dump in [CLIENT_TCP_V4, CLIENT_TCP_V6, SERVER_TCP_V4, SERVER_TCP_V6] {
        for m in messages(dump) {
            let s = Subflow::parse(&m).unwrap();
            assert!(s.tcp_info().is_some_and(|t| t.as_bytes().len() >= 232));
            if let Some(sf) = s.mptcp() {
                assert!(sf.token_loc().is_some() && sf.flags().is_some());
                assert!(sf.id_loc().is_some() && sf.id_rem().is_some());
            }
        }
    }
}

#[test]
fn an_older_kernels_shorter_mptcp_info_reads_as_absent_not_zero() {
    let c = connections(CLIENT_MPTCP_V4)[0];
    let full = c.info().unwrap();
    // 6.1 sends 48 bytes (up to csum_enabled and its padding).
    let old = mptcp_diag::MptcpInfo::new(&full.as_bytes()[..48]).unwrap();
    assert_eq!(old.token(), full.token());
    assert_eq!(old.csum_enabled(), full.csum_enabled());
    assert_eq!((old.bytes_sent(), old.retransmits(), old.subflows_total()), (None, None, None));
    assert_eq!(old.subflow_count(), full.subflows().map(|s| s + 1));
    // 6.7's 88 bytes: subflows_total, but the last_* times were padding then.
    let v67 = mptcp_diag::MptcpInfo::new(&full.as_bytes()[..88]).unwrap();
    assert_eq!((v67.subflows_total(), v67.last_data_sent()), (full.subflows_total(), None));
}
