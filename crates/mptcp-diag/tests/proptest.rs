//! Properties of the diag views: what the builder writes reads back, and arbitrary
//! bytes never panic.

use mptcp_diag::{
    Connection, INET_DIAG_INFO, MptcpInfo, SOCK_DIAG_BY_FAMILY, Subflow, SubflowInfo, SubflowRepr,
    TcpInfo,
};
use nlwire::{Message, MessageBuilder, Messages};
use proptest::prelude::*;

/// A subflow attribute nest: attributes of every kind (unknown ones and repeats
/// included) with payloads of any length, then maybe bytes that are no attribute.
fn nest_bytes() -> impl Strategy<Value = Vec<u8>> {
    let one = (0u16..14, proptest::collection::vec(any::<u8>(), 0..10));
    let tail = proptest::collection::vec(any::<u8>(), 0..6);
    (proptest::collection::vec(one, 0..16), tail).prop_map(|(attrs, tail)| {
        let mut out = Vec::new();
        for (kind, payload) in attrs {
            out.extend_from_slice(&(4 + payload.len() as u16).to_ne_bytes());
            out.extend_from_slice(&kind.to_ne_bytes());
            out.extend_from_slice(&payload);
            out.resize(out.len().next_multiple_of(4), 0);
        }
        out.extend_from_slice(&tail);
        out
    })
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: if cfg!(miri) { 8 } else { 256 },
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn fields_round_trip(
        v6 in any::<bool>(),
        state in any::<u8>(),
        sport in any::<u16>(),
        dport in any::<u16>(),
        src in any::<[u8; 16]>(),
        dst in any::<[u8; 16]>(),
        token in any::<u32>(),
        total in any::<u8>(),
        info_len in 16usize..120,
    ) {
        let mut fixed = [0u8; 72];
        fixed[0] = if v6 { 10 } else { 2 };
        fixed[1] = state;
        fixed[4..6].copy_from_slice(&sport.to_be_bytes());
        fixed[6..8].copy_from_slice(&dport.to_be_bytes());
        fixed[8..24].copy_from_slice(&src);
        fixed[24..40].copy_from_slice(&dst);
        let mut info = [0u8; 120];
        info[12..16].copy_from_slice(&token.to_ne_bytes());
        info[80] = total;
        let mut buf = [0u8; 512];
        let mut b = MessageBuilder::new(&mut buf, SOCK_DIAG_BY_FAMILY, 2, 1).unwrap();
        b.append(&fixed).unwrap();
        b.put(INET_DIAG_INFO, &info[..info_len]).unwrap();
        let bytes = b.finish().unwrap();
        let c = Connection::parse(&Message::parse(bytes).unwrap()).unwrap();
        prop_assert_eq!((c.state(), c.local().port(), c.remote().port()), (state, sport, dport));
        let want_src: std::net::IpAddr = if v6 {
            std::net::Ipv6Addr::from(src).into()
        } else {
            std::net::Ipv4Addr::new(src[0], src[1], src[2], src[3]).into()
        };
        prop_assert_eq!(c.local().ip(), want_src);
        let i = c.info().unwrap();
        prop_assert_eq!(i.token(), Some(token));
        prop_assert_eq!(i.subflows_total(), (info_len >= 88).then_some(total));
    }

    #[test]
    fn every_mptcp_info_field_reads_back_or_is_absent(
        raw in proptest::collection::vec(any::<u8>(), 96),
        len in 16usize..120,
    ) {
        let mut bytes = raw.clone();
        bytes.resize(len, 0xa5);
        let i = MptcpInfo::new(&bytes).unwrap();
        let u32_at = |at: usize| u32::from_ne_bytes(raw[at..at + 4].try_into().unwrap());
        let u64_at = |at: usize| u64::from_ne_bytes(raw[at..at + 8].try_into().unwrap());
        let has = |size: usize| len >= size;
        prop_assert_eq!(i.token(), Some(u32_at(12)));
        prop_assert_eq!(i.flags(), Some(u32_at(8)));
        prop_assert_eq!(i.add_addr_accepted_max(), Some(raw[5]));
        prop_assert_eq!(i.write_seq(), (len >= 24).then(|| u64_at(16)));
        prop_assert_eq!(i.rcv_nxt(), (len >= 40).then(|| u64_at(32)));
        prop_assert_eq!(i.csum_enabled(), (len > 42).then(|| raw[42] != 0));
        prop_assert_eq!(i.retransmits(), has(80).then(|| u32_at(44)));
        prop_assert_eq!(i.bytes_retrans(), has(80).then(|| u64_at(48)));
        prop_assert_eq!(i.bytes_sent(), has(80).then(|| u64_at(56)));
        prop_assert_eq!(i.bytes_received(), has(80).then(|| u64_at(64)));
        prop_assert_eq!(i.bytes_acked(), has(80).then(|| u64_at(72)));
        prop_assert_eq!(i.subflows_total(), has(88).then(|| raw[80]));
        prop_assert_eq!(i.last_data_sent(), has(96).then(|| u32_at(84)));
        prop_assert_eq!(i.last_data_recv(), has(96).then(|| u32_at(88)));
        prop_assert_eq!(i.last_ack_recv(), has(96).then(|| u32_at(92)));
    }

    #[test]
    fn subflow_attributes_round_trip(
        token_rem in any::<Option<u32>>(),
        token_loc in any::<Option<u32>>(),
        relwrite_seq in any::<Option<u32>>(),
        map_seq in any::<Option<u64>>(),
        map_sfseq in any::<Option<u32>>(),
        ssn_offset in any::<Option<u32>>(),
        map_datalen in any::<Option<u16>>(),
        flags in any::<Option<u32>>(),
        id_rem in any::<Option<u8>>(),
        id_loc in any::<Option<u8>>(),
        tcp in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..260)),
    ) {
        let repr = SubflowRepr {
            token_rem, token_loc, relwrite_seq, map_seq, map_sfseq, ssn_offset,
            map_datalen, flags, id_rem, id_loc,
        };
        let mut fixed = [0u8; 72];
        fixed[0] = 2;
        fixed[1] = 1;
        let mut buf = [0u8; 1024];
        let mut b = MessageBuilder::new(&mut buf, SOCK_DIAG_BY_FAMILY, 2, 1).unwrap();
        b.append(&fixed).unwrap();
        if let Some(t) = &tcp {
            b.put(INET_DIAG_INFO, t).unwrap();
        }
        repr.emit(&mut b).unwrap();
        let bytes = b.finish().unwrap();
        let s = Subflow::parse(&Message::parse(bytes).unwrap()).unwrap();
        let m = s.mptcp().unwrap();
        prop_assert_eq!(SubflowRepr::parse(&m), repr);
        prop_assert_eq!(s.token(), token_loc);
        prop_assert_eq!(m.backup_local(), flags.is_some_and(|f| f & (1 << 5) != 0));
        let t = s.tcp_info();
        prop_assert_eq!(t.is_some(), tcp.is_some());
        if let (Some(t), Some(raw)) = (t, &tcp) {
            let want = raw.get(120..128).map(|b| u64::from_ne_bytes(b.try_into().unwrap()));
            prop_assert_eq!(t.bytes_acked(), want);
            prop_assert_eq!(t.rtt(), raw.get(68..72).map(|b| u32::from_ne_bytes(b.try_into().unwrap())));
        }
    }

    #[test]
    fn repr_parse_reads_each_field_as_its_reader(nest in nest_bytes()) {
        let v = SubflowInfo::new(&nest);
        let want = SubflowRepr {
            token_rem: v.token_rem(),
            token_loc: v.token_loc(),
            relwrite_seq: v.relwrite_seq(),
            map_seq: v.map_seq(),
            map_sfseq: v.map_sfseq(),
            ssn_offset: v.ssn_offset(),
            map_datalen: v.map_datalen(),
            flags: v.flags(),
            id_rem: v.id_rem(),
            id_loc: v.id_loc(),
        };
        prop_assert_eq!(SubflowRepr::parse(&v), want);
    }

    #[test]
    fn arbitrary_subflow_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..800)) {
        for m in Messages::new(&bytes).flatten() {
            if let Ok(s) = Subflow::parse(&m) {
                let _ = (s.local(), s.remote(), s.state(), s.ifindex(), s.token());
                if let Some(f) = s.mptcp() {
                    let _ = SubflowRepr::parse(&f);
                    prop_assert!(f.attrs().count() <= bytes.len() / 4 + 1);
                }
                if let Some(t) = s.tcp_info() {
                    let _ = (t.rtt(), t.rttvar(), t.snd_cwnd(), t.bytes_acked(), t.bytes_received(),
                        t.total_retrans(), t.last_data_sent(), t.last_data_recv(), t.bytes_sent());
                }
            }
        }
        let t = TcpInfo::new(&bytes);
        let _ = (t.state(), t.bytes_retrans(), t.min_rtt());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        for m in Messages::new(&bytes).flatten() {
            if let Ok(c) = Connection::parse(&m) {
                let _ = (c.local(), c.remote(), c.state(), c.ifindex(), c.inode());
                if let Some(i) = c.info() {
                    let _ = (i.token(), i.subflow_count(), i.flags(), i.bytes_sent(), i.bytes_received());
                }
                prop_assert!(c.attrs().count() <= bytes.len() / 4 + 1);
            }
        }
    }
}
