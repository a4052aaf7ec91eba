//! Fuzz the batch reader (`-batch FILE`, `-batch -`): arbitrary bytes into commands,
//! with continuations, comments, quotes, NULs, invalid UTF-8 and long lines.
//!
//! Checked: line numbers rise; no command has more than 99 words; no word holds a NUL,
//! a newline or a `#`; every word is bytes of the input, never converted (no U+FFFD
//! unless the input held one); the only fatal status is 1, and every message is one of
//! the reader's three; and a line written back with each word quoted reads as the same
//! words.
#![no_main]

use mptcp_cli::args::batch::{MAX_WORDS, Reader, Words};
use mptcp_cli::print::fail::{self, Exit};
use mptcp_stack_fuzz::assert_no_replacement;

const MESSAGES: [&str; 3] = [
    "Too many arguments to command\n",
    "Unterminated quoted string\n",
    "Missing continuation line\n",
];

/// The words of `w` quoted so that the reader must give them back: in single quotes,
/// or double quotes if the word holds a single one. `None` if it holds both.
fn requote(w: &Words) -> Option<Vec<u8>> {
    let mut line = Vec::new();
    for word in w.iter() {
        let q = if !word.contains(&b'\'') {
            b'\''
        } else if !word.contains(&b'"') {
            b'"'
        } else {
            return None;
        };
        line.push(q);
        line.extend_from_slice(word);
        line.push(q);
        line.push(b' ');
    }
    line.push(b'\n');
    Some(line)
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let physical = data.split(|&b| b == b'\n').count();
    let (end, said) = fail::captured_bytes(|| {
        let mut r = Reader::new(data);
        let mut last = 0;
        loop {
            let (n, words) = match r.read_command() {
                Ok(Some(c)) => c,
                Ok(None) => return Ok(()),
                Err(e) => return Err(e),
            };
            assert!(n > last && n <= physical, "line {n} after {last} of {physical}");
            last = n;
            let count = words.iter().count();
            assert!(count <= MAX_WORDS);
            assert_eq!(words.is_empty(), count == 0);
            words.with_words(|ws| {
                assert_eq!(ws.len(), count);
                for (a, b) in ws.iter().zip(words.iter()) {
                    assert_eq!(*a, b);
                    assert!(!a.iter().any(|c| b"\0\n#".contains(c)), "word {a:?}");
                    assert_no_replacement(data, a);
                }
            });
            if let Some(line) = requote(&words) {
                let (_, again) =
                    Reader::new(&line[..]).read_command().expect("re-read").expect("a line");
                assert_eq!(again, words, "quoted again as {:?}", String::from_utf8_lossy(&line));
            }
        }
    });
    if let Err(Exit(status)) = end {
        assert_eq!(status, 1);
    }
    let mut rest = &said[..];
    while !rest.is_empty() {
        let m = MESSAGES.iter().find(|m| rest.starts_with(m.as_bytes()));
        let m = m.unwrap_or_else(|| panic!("unknown message {:?}", String::from_utf8_lossy(&said)));
        rest = &rest[m.len()..];
    }
});
