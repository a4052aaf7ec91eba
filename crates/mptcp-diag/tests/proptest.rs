//! Properties of the diag views: what the builder writes reads back, and arbitrary
//! bytes never panic.

use mptcp_diag::{Connection, INET_DIAG_INFO, SOCK_DIAG_BY_FAMILY};
use nlwire::{Message, MessageBuilder, Messages};
use proptest::prelude::*;

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
        prop_assert_eq!(i.subflows_total(), (info_len > 80).then_some(total));
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
