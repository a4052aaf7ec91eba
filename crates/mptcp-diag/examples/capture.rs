//! Captures the kernel's socket-diag replies for MPTCP connections and TCP subflows
//! into files (the fixtures of `tests/fixtures/`), and prints what the views read.
//!
//! `capture DIR [PREFIX]` inside the namespace (`ip netns exec NS …`) writes
//! `DIR/PREFIXmptcp-v4.bin` and the like; see `tests/fixtures/README.md`.

use mptcp_diag::{Connection, Subflow, build_dump, build_subflow_dump};
use nlsock::{Conn, Socket};
use nlwire::Messages;
use nlwire::consts::{NETLINK_SOCK_DIAG, NLMSG_DONE};

/// Sends `req` and returns every datagram of the answer, concatenated.
fn exchange(conn: &mut Conn<Socket>, req: &mut [u8]) -> Vec<u8> {
    conn.send(req).expect("send the dump request");
    let mut all = Vec::new();
    let mut rx = vec![0u8; nlsock::RECV_BUF];
    loop {
        let n = conn.recv_datagram(&mut rx).expect("receive");
        all.extend_from_slice(&rx[..n]);
        if Messages::new(&rx[..n]).flatten().any(|m| m.kind() == NLMSG_DONE) {
            return all;
        }
    }
}

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    let prefix = std::env::args().nth(2).unwrap_or_default();
    let mut conn = Conn::new(Socket::open(NETLINK_SOCK_DIAG).expect("sock_diag socket"), 0);
    for (family, tag) in [(libc::AF_INET as u8, "v4"), (libc::AF_INET6 as u8, "v6")] {
        let mut buf = [0u8; mptcp_diag::REQUEST_LEN];
        let bytes = exchange(&mut conn, build_dump(&mut buf, family, 0).unwrap());
        for m in Messages::new(&bytes).flatten() {
            if let Ok(c) = Connection::parse(&m) {
                let i = c.info();
                println!(
                    "mptcp {} -> {} state {} token {:08x?} info {} bytes",
                    c.local(),
                    c.remote(),
                    c.state(),
                    i.and_then(|i| i.token()),
                    i.map_or(0, |i| i.as_bytes().len())
                );
            }
        }
        std::fs::write(format!("{dir}/{prefix}mptcp-{tag}.bin"), &bytes).unwrap();
        let bytes = exchange(&mut conn, build_subflow_dump(&mut buf, family, 0).unwrap());
        for m in Messages::new(&bytes).flatten() {
            if let Ok(s) = Subflow::parse(&m) {
                let Some(sf) = s.mptcp() else { continue };
                println!(
                    "subflow {} -> {} token {:08x?} ids {:?}/{:?} flags {:#x?} rtt {:?}",
                    s.local(),
                    s.remote(),
                    sf.token_loc(),
                    sf.id_loc(),
                    sf.id_rem(),
                    sf.flags(),
                    s.tcp_info().and_then(|t| t.rtt())
                );
            }
        }
        std::fs::write(format!("{dir}/{prefix}tcp-{tag}.bin"), &bytes).unwrap();
    }
}
