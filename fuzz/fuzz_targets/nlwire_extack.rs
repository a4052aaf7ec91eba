//! Fuzz the control messages: NLMSG_ERROR, NLMSG_DONE and their extended-ack TLVs.
#![no_main]

use nlwire::control::{Control, Done, ErrorMsg, ExtAck};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = ExtAck::parse(data);
    for m in nlwire::Messages::new(data).flatten() {
        let _ = ErrorMsg::parse(&m).map(|e| (e.errno(), e.ext_ack.msg, e.request_payload));
        let _ = Done::parse(&m).map(|d| (d.code, d.ext_ack.is_empty()));
        let _ = Control::classify(m);
    }
});
