//! Fuzz the subflow views of `mptcp-diag`: `Subflow` (a TCP diag reply), its
//! `SubflowInfo` (`INET_DIAG_ULP_INFO`) and `TcpInfo`, and the whole `MptcpInfo`.
//! Checked besides the absence of panics: what a view reads, the builder writes back
//! the same, and every attribute walk ends within its bound.
#![no_main]

use mptcp_diag::{MptcpInfo, SOCK_DIAG_BY_FAMILY, Subflow, SubflowInfo, SubflowRepr, TcpInfo};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    for m in nlwire::Messages::new(data).flatten() {
        let Ok(s) = Subflow::parse(&m) else { continue };
        let _ = (s.local(), s.remote(), s.state(), s.ifindex(), s.token());
        if let Some(t) = s.tcp_info() {
            let _ = (t.rtt(), t.rttvar(), t.snd_cwnd(), t.bytes_acked(), t.bytes_received());
            let _ = (t.total_retrans(), t.last_data_sent(), t.last_data_recv(), t.bytes_sent());
        }
        if let Some(f) = s.mptcp() {
            assert!(f.attrs().count() <= data.len() / 4 + 1);
            let repr = SubflowRepr::parse(&f);
            let mut buf = [0u8; 256];
            let mut b = nlwire::MessageBuilder::new(&mut buf, SOCK_DIAG_BY_FAMILY, 0, 0).unwrap();
            repr.emit(&mut b).unwrap();
            let bytes = b.finish().unwrap();
            let ulp = nlwire::Attrs::new(&bytes[16..]).next().unwrap().unwrap();
            let again = SubflowInfo::from_ulp(ulp.payload()).expect("the rebuilt nest");
            assert_eq!(SubflowRepr::parse(&again), repr);
        }
    }
    let _ = SubflowRepr::parse(&SubflowInfo::new(data));
    let t = TcpInfo::new(data);
    let _ = (t.state(), t.bytes_retrans(), t.min_rtt(), t.rto(), t.pmtu());
    if let Some(i) = MptcpInfo::new(data) {
        let _ = (i.token(), i.subflow_count(), i.bytes_acked(), i.last_ack_recv());
        let _ = (i.fallback(), i.csum_enabled(), i.retransmits(), i.local_addr_used());
        assert_eq!(i.subflows_total().is_some(), data.len() >= 88);
    }
});
