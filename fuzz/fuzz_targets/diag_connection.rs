//! Fuzz the MPTCP socket-diag reply view.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    for m in nlwire::Messages::new(data).flatten() {
        if let Ok(c) = mptcp_diag::Connection::parse(&m) {
            let _ = (c.local(), c.remote(), c.state());
            if let Some(i) = c.info() {
                let _ = (i.token(), i.subflow_count(), i.flags());
            }
        }
    }
});
