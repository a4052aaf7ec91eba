//! nlwire on bytes captured from the kernel (Linux 6.18, x86_64): a controller reply for
//! `mptcp_pm`, an endpoint dump, and an error with an extended ack. The captures are in
//! little-endian host order, so these tests run only on little-endian targets; the
//! byte-order-neutral tests live beside the code and run under Miri on s390x too.
#![cfg(target_endian = "little")]

use nlwire::consts::*;
use nlwire::control::{Control, ErrorMsg};
use nlwire::{Attrs, Message, Messages};

const GETFAMILY: &[u8] = include_bytes!("fixtures/getfamily_mptcp_pm.bin");
const DUMP: &[u8] = include_bytes!("fixtures/endpoint_dump.bin");
const ERROR: &[u8] = include_bytes!("fixtures/error_extack.bin");

#[test]
fn controller_reply_names_the_family_and_its_groups() {
    let m = Message::parse(GETFAMILY).unwrap();
    assert_eq!((m.kind(), m.payload().len() + 16), (GENL_ID_CTRL, GETFAMILY.len()));
    let g = m.genl().unwrap();
    assert_eq!(g.cmd(), 1, "CTRL_CMD_NEWFAMILY");
    let name = g.attrs().find(2).unwrap().unwrap();
    assert_eq!(name.str(), Ok("mptcp_pm"));
    let id = g.attrs().find(1).unwrap().unwrap();
    assert_eq!(id.u16(), Ok(0x1c));
    let groups = g.attrs().find(7).unwrap().unwrap();
    // The controller opens its nests without NLA_F_NESTED (nla_nest_start_noflag):
    // the flag is informative only, and `nested()` reads the payload either way.
    assert!(!groups.is_nested());
    let names: Vec<&str> = groups
        .nested()
        .map(|grp| grp.unwrap().nested().find(1).unwrap().unwrap().str().unwrap())
        .collect();
    assert_eq!(names, ["mptcp_pm_cmds", "mptcp_pm_events"]);
    // Every attribute of the whole reply walks without error.
    assert!(g.attrs().all(|a| a.is_ok()));
}

#[test]
fn endpoint_dump_walks_every_message_and_nest() {
    let mut endpoints = 0;
    let mut attrs = 0;
    for m in Messages::new(DUMP) {
        let m = m.unwrap();
        assert_eq!(m.flags() & NLM_F_MULTI, NLM_F_MULTI);
        let g = m.genl().unwrap();
        let nest = g.attrs().find(1).unwrap().unwrap();
        assert_eq!(nest.raw_kind(), 0x8001, "ADDR with NLA_F_NESTED");
        for a in nest.nested() {
            a.unwrap();
            attrs += 1;
        }
        endpoints += 1;
    }
    assert_eq!(endpoints, 8);
    assert!(attrs >= 8 * 5);
}

#[test]
fn error_carries_the_echoed_request_and_the_ext_ack() {
    let m = Message::parse(ERROR).unwrap();
    let Control::Error(e) = Control::classify(m).unwrap() else { panic!("not an error") };
    assert_eq!(e.code, -34);
    assert_eq!(e.request.kind.get(), 0x1c);
    assert_eq!(e.request_payload.len(), e.request.len.get() as usize - 16);
    assert_eq!(e.ext_ack.msg, Some("binary attribute size out of range"));
    assert_eq!(e.ext_ack.offset, Some(40));
    let policy = e.ext_ack.policy.expect("policy nest");
    assert!(Attrs::new(policy).all(|a| a.is_ok()));
    let direct = ErrorMsg::parse(&m).unwrap();
    assert_eq!(direct.errno(), 34);
}
