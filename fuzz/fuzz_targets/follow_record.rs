//! Fuzz `endpoint follow`'s ownership record and rules: arbitrary bytes never panic;
//! a record that parses writes back to text that parses to the same record; the
//! input's words as a rule line never panic and errors point inside.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mptcp_follow::{Owned, Rules};

fuzz_target!(|data: &[u8]| {
    if let Ok(own) = Owned::parse(data) {
        let mut text = [0u8; Owned::MAX_TEXT];
        let n = own.write(&mut text);
        assert_eq!(Owned::parse(&text[..n]), Ok(own));
    }
    let words: Vec<&[u8]> =
        data.split(|b| b.is_ascii_whitespace()).filter(|w| !w.is_empty()).collect();
    if let Err(e) = Rules::parse_words(&words) {
        assert!(e.word().is_none_or(|at| at <= words.len()));
    }
});
