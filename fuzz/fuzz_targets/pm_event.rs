//! Fuzz the event view: parse, every accessor, and the raw attribute walk.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    for msg in nlwire::Messages::new(data).flatten() {
        let Ok(genl) = msg.genl() else { continue };
        if let Ok(ev) = mptcp_pm_wire::Event::parse(&genl) {
            let _ = (ev.kind(), ev.saddr(), ev.daddr(), ev.is_server_side(), ev.fields());
            for attr in ev.attrs() {
                let _ = attr;
            }
        }
    }
});
