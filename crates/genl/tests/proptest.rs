//! Properties of the family-reply parser: round trip with the builder, and no panic
//! or endless walk on arbitrary bytes.

use genl::ctrl::*;
use genl::{Family, build_getfamily};
use nlwire::{Message, MessageBuilder};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: if cfg!(miri) { 8 } else { 256 },
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn name() -> impl Strategy<Value = String> {
    "[a-z_]{1,15}"
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn family_reply_round_trips(
        id in any::<u16>(),
        fname in name(),
        version in any::<u32>(),
        hdr in any::<u32>(),
        max in any::<u32>(),
        groups in proptest::collection::vec((name(), any::<u32>()), 0..6),
    ) {
        let mut buf = [0u8; 1024];
        let mut b = MessageBuilder::genl(&mut buf, GENL_ID_CTRL, 0, 1, CMD_NEWFAMILY, 2).unwrap();
        b.put_str(ATTR_FAMILY_NAME, &fname).unwrap();
        b.put_u16(ATTR_FAMILY_ID, id).unwrap();
        b.put_u32(ATTR_VERSION, version).unwrap();
        b.put_u32(ATTR_HDRSIZE, hdr).unwrap();
        b.put_u32(ATTR_MAXATTR, max).unwrap();
        let nest = b.begin_nested(ATTR_MCAST_GROUPS).unwrap();
        for (i, (g, gid)) in groups.iter().enumerate() {
            let n = b.begin_nested(i as u16 + 1).unwrap();
            b.put_str(ATTR_MCAST_GRP_NAME, g).unwrap();
            b.put_u32(ATTR_MCAST_GRP_ID, *gid).unwrap();
            b.end_nested(n).unwrap();
        }
        b.end_nested(nest).unwrap();
        let bytes = b.finish().unwrap();
        let f = Family::parse(&Message::parse(bytes).unwrap().genl().unwrap()).unwrap();
        prop_assert_eq!((f.id, f.name, f.version, f.hdr_size, f.max_attr), (id, fname.as_str(), version, hdr, max));
        let parsed: Vec<(String, u32)> = f.groups().map(|g| {
            let g = g.unwrap();
            (g.name.to_string(), g.id)
        }).collect();
        prop_assert_eq!(parsed, groups);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(m) = Message::parse(&bytes)
            && let Ok(g) = m.genl()
                && let Ok(f) = Family::parse(&g) {
                    let steps = f.groups().take(bytes.len() / 4 + 2).count();
                    prop_assert!(steps <= bytes.len() / 4 + 1);
                    let _ = f.group("mptcp_pm_events");
                }
    }

    #[test]
    fn getfamily_request_names_the_family(fname in name()) {
        let mut buf = [0u8; 64];
        let req = build_getfamily(&mut buf, &fname).unwrap();
        let m = Message::parse(req).unwrap().genl().unwrap();
        prop_assert_eq!(m.message().kind(), GENL_ID_CTRL);
        prop_assert_eq!(m.cmd(), CMD_GETFAMILY);
        let a = m.attrs().find(ATTR_FAMILY_NAME).unwrap().unwrap();
        prop_assert_eq!(a.str().unwrap(), fname.as_str());
    }
}
