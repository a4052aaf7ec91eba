//! Fuzz the endpoint reply parser and the request parser over one datagram.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    for msg in nlwire::Messages::new(data).flatten() {
        if let Ok(genl) = msg.genl() {
            let _ = mptcp_pm_wire::Endpoint::from_message(&genl);
            let _ = mptcp_pm_wire::Request::parse(&genl);
        }
    }
    let _ = mptcp_pm_wire::Endpoint::parse_attrs(nlwire::Attrs::new(data));
});
