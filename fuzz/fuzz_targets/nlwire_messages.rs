//! Fuzz the datagram walk: every message and its header fields, genl header included.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut steps = 0;
    for m in nlwire::Messages::new(data) {
        steps += 1;
        assert!(steps <= data.len() / 4 + 1, "message walk did not end");
        if let Ok(m) = m {
            let _ = (m.kind(), m.flags(), m.seq(), m.pid(), m.payload());
            let _ = m.genl().map(|g| (g.cmd(), g.version(), g.attrs().count()));
        }
    }
});
