//! Fuzz the generic netlink family-reply parser and its group walk.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(genl) = nlwire::Message::parse(data).and_then(|m| m.genl())
        && let Ok(family) = genl::Family::parse(&genl)
    {
        for group in family.groups() {
            let _ = group;
        }
        let _ = family.group("mptcp_pm_events");
    }
});
