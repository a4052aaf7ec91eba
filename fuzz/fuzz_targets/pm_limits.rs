//! Fuzz the GET_LIMITS reply parser.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(genl) = nlwire::Message::parse(data).and_then(|m| m.genl()) {
        let _ = mptcp_pm_wire::Limits::from_message(&genl);
    }
    let _ = mptcp_pm_wire::Limits::parse_attrs(nlwire::Attrs::new(data));
});
