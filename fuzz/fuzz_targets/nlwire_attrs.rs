//! Fuzz the attribute walk: recurse into every payload (bounded depth), read every type.
#![no_main]

fn walk(buf: &[u8], depth: u32) {
    let mut steps = 0;
    for a in nlwire::Attrs::new(buf).flatten() {
        steps += 1;
        assert!(steps <= buf.len() / 4 + 1, "attribute walk did not end");
        let _ = (a.u8(), a.u16(), a.u32(), a.u64(), a.i32(), a.u16_be(), a.u32_be());
        let _ = (a.ipv4(), a.ipv6(), a.str(), a.is_nested(), a.is_net_byteorder());
        if depth > 0 {
            walk(a.payload(), depth - 1);
        }
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| walk(data, 16));
