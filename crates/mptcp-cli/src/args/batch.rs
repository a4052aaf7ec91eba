//! Batch input as iproute2 reads it: `getcmdline` (comments, continuations, line
//! numbers) and `makeargs` (words and quotes).
//!
//! Lines are bytes, as in C: a line that is not UTF-8 is read and its words kept as
//! they are (never converted), and a NUL byte ends a physical line's text as it ends a
//! C string.

use alloc::vec::Vec;

use crate::os::io::{self, BufRead};
use crate::os::sys::Fd;

use crate::print::fail::{Exit, say};

/// iproute2's `largv[100]`: at most 99 words per command.
pub const MAX_WORDS: usize = 99;

/// Words of a line that [`Words::with_words`] lends from its short array.
const SHORT_LINE: usize = 16;

/// The words of one command line in one allocation: each word's bytes, NUL between
/// words. No word holds a NUL: a NUL ends a line's text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Words {
    text: Vec<u8>,
    count: usize,
}

impl Words {
    /// Whether the line has no words (blank, or only a comment).
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The words, in order.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        self.text.split(|&b| b == 0).take(self.count)
    }

    /// Calls `f` with the words as a slice of byte strings, borrowed into a stack array
    /// no longer than the line needs (most lines fit the short one): no allocation.
    pub fn with_words<T>(&self, f: impl FnOnce(&[&[u8]]) -> T) -> T {
        if self.count <= SHORT_LINE {
            let mut slots: [&[u8]; SHORT_LINE] = [&[]; SHORT_LINE];
            let n = self.fill(&mut slots);
            f(slots.get(..n).unwrap_or_default())
        } else {
            let mut slots: [&[u8]; MAX_WORDS] = [&[]; MAX_WORDS];
            let n = self.fill(&mut slots);
            f(slots.get(..n).unwrap_or_default())
        }
    }

    /// Puts the words into `slots`; returns how many.
    fn fill<'w>(&'w self, slots: &mut [&'w [u8]]) -> usize {
        let mut n = 0;
        for (slot, word) in slots.iter_mut().zip(self.iter()) {
            *slot = word;
            n += 1;
        }
        n
    }

    fn push(&mut self, word: &[u8]) {
        if self.count > 0 {
            self.text.push(0);
        }
        self.text.extend_from_slice(word);
        self.count += 1;
    }
}

/// Reads commands from a batch file.
pub struct Reader<R> {
    input: R,
    line_no: usize,
    line: Vec<u8>,
    next: Vec<u8>,
}

impl<R: BufRead> Reader<R> {
    /// Reads from `input`.
    pub fn new(input: R) -> Self {
        Reader { input, line_no: 0, line: Vec::new(), next: Vec::new() }
    }

    /// One physical line into `buf` (`getline`), cut at a NUL and at the first `#`.
    /// `false` at the end of input or on a read error, as `getline` returns -1.
    fn physical_line(input: &mut R, line_no: &mut usize, buf: &mut Vec<u8>) -> bool {
        buf.clear();
        match input.read_until(b'\n', buf) {
            Ok(0) | Err(_) => false,
            Ok(_) => {
                *line_no += 1;
                if let Some(end) = buf.iter().position(|&b| b == 0 || b == b'#') {
                    buf.truncate(end);
                }
                true
            }
        }
    }

    /// The next command: the number of its **last** physical line (what iproute2's
    /// `Command failed FILE:LINE` shows) and its words, empty for a blank or comment
    /// line. `Ok(None)` at the end, and when a continuation line is missing (after
    /// printing `Missing continuation line`, as iproute2 ends the batch there).
    /// `makeargs`'s fatal errors (too many words, an open quote) print their message
    /// and give `Err(Exit(1))`, which must end the process once stdout is flushed.
    pub fn read_command(&mut self) -> Result<Option<(usize, Words)>, Exit> {
        if !Self::physical_line(&mut self.input, &mut self.line_no, &mut self.line) {
            return Ok(None);
        }
        while let Some(at) = find_continuation(&self.line) {
            if !Self::physical_line(&mut self.input, &mut self.line_no, &mut self.next) {
                say(format_args!("Missing continuation line\n"));
                return Ok(None);
            }
            self.line.truncate(at);
            self.line.extend_from_slice(&self.next);
        }
        let words = makeargs(&self.line)?;
        Ok(Some((self.line_no, words)))
    }
}

/// Where a backslash-newline starts (C `strstr(line, "\\\n")`).
fn find_continuation(line: &[u8]) -> Option<usize> {
    line.windows(2).position(|w| w == b"\\\n")
}

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// iproute2 `makeargs`: words split on space, TAB, CR and LF; a word that starts with
/// a quote runs to the next same quote, and the text right after the closing quote
/// starts the next word (`'a b'c` is `a b`, `c`). At most 99 words.
fn makeargs(line: &[u8]) -> Result<Words, Exit> {
    // One allocation per line: the words and their separators fit in the line's length.
    let mut words = Words { text: Vec::with_capacity(line.len()), count: 0 };
    let mut rest = line;
    loop {
        let skip = rest.iter().take_while(|&&b| is_blank(b)).count();
        rest = rest.get(skip..).unwrap_or_default();
        let Some(&first) = rest.first() else { break };
        if words.count >= MAX_WORDS {
            say(format_args!("Too many arguments to command\n"));
            return Err(Exit(1));
        }
        let word;
        if first == b'\'' || first == b'"' {
            let body = rest.get(1..).unwrap_or_default();
            let Some(end) = body.iter().position(|&b| b == first) else {
                say(format_args!("Unterminated quoted string\n"));
                return Err(Exit(1));
            };
            word = body.get(..end).unwrap_or_default();
            rest = body.get(end + 1..).unwrap_or_default();
        } else {
            let end = rest.iter().position(|&b| is_blank(b)).unwrap_or(rest.len());
            word = rest.get(..end).unwrap_or_default();
            rest = rest.get(end + 1..).unwrap_or(&[]);
        }
        words.push(word);
    }
    Ok(words)
}

/// A file descriptor read through a buffer.
pub struct FdReader {
    fd: Fd,
    buf: Vec<u8>,
    at: usize,
    len: usize,
}

impl FdReader {
    /// Reads `fd` through a 64 KiB buffer.
    pub fn new(fd: Fd) -> Self {
        FdReader { fd, buf: alloc::vec![0; 64 * 1024], at: 0, len: 0 }
    }

    /// The descriptor.
    pub fn fd(&self) -> &Fd {
        &self.fd
    }
}

impl BufRead for FdReader {
    fn read_until(&mut self, delim: u8, out: &mut Vec<u8>) -> io::Result<usize> {
        let mut total = 0;
        loop {
            if self.at == self.len {
                self.len = self.fd.read(&mut self.buf)?;
                self.at = 0;
                if self.len == 0 {
                    return Ok(total);
                }
            }
            let avail = self.buf.get(self.at..self.len).unwrap_or_default();
            let (n, done) = match avail.iter().position(|&b| b == delim) {
                Some(i) => (i + 1, true),
                None => (avail.len(), false),
            };
            out.extend_from_slice(avail.get(..n).unwrap_or_default());
            self.at += n;
            total += n;
            if done {
                return Ok(total);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The commands, each word as text (the tests' words are UTF-8 unless they say so).
    fn all(text: &[u8]) -> Vec<(usize, Vec<String>)> {
        let mut r = Reader::new(text);
        core::iter::from_fn(|| r.read_command().unwrap())
            .map(|(n, w)| (n, w.iter().map(|w| String::from_utf8(w.to_vec()).unwrap()).collect()))
            .collect()
    }

    #[test]
    fn words_borrow_without_allocating() {
        let (_, w) = Reader::new(&b"a '' b\xffc\n"[..]).read_command().unwrap().unwrap();
        w.with_words(|words| assert_eq!(words, [&b"a"[..], b"", b"b\xffc"]));
        let long: String = (0..40).map(|i| format!("w{i} ")).collect();
        let (_, w) = Reader::new(long.as_bytes()).read_command().unwrap().unwrap();
        let want: Vec<&[u8]> = long.split_whitespace().map(str::as_bytes).collect();
        w.with_words(|words| assert_eq!(words, want));
        let (_, blank) = Reader::new(&b"  # only a comment\n"[..]).read_command().unwrap().unwrap();
        assert!(blank.is_empty());
        assert_eq!(blank.iter().count(), 0);
    }

    fn words(text: &[u8]) -> Vec<Vec<String>> {
        all(text).into_iter().map(|(_, w)| w).collect()
    }

    #[test]
    fn comments_blanks_and_continuations() {
        let got =
            all(b"mptcp endpoint add 10.0.0.1 # c\n\n  \nmptcp limits \\\nshow\nx 'a b'c \"d\"\n");
        let words: Vec<Vec<&str>> =
            got.iter().map(|(_, w)| w.iter().map(String::as_str).collect()).collect();
        assert_eq!(
            words,
            vec![
                vec!["mptcp", "endpoint", "add", "10.0.0.1"],
                vec![],
                vec![],
                vec!["mptcp", "limits", "show"],
                vec!["x", "a b", "c", "d"],
            ]
        );
        let lines: Vec<usize> = got.iter().map(|(n, _)| *n).collect();
        assert_eq!(lines, vec![1, 2, 3, 5, 6]);
    }

    #[test]
    fn continuation_reports_the_last_line() {
        let got = all(b"a \\\nb \\\nc\nd\n");
        assert_eq!(got[0], (3, vec!["a".into(), "b".into(), "c".into()]));
        assert_eq!(got[1], (4, vec!["d".into()]));
    }

    #[test]
    fn comment_hides_a_backslash() {
        // The `#` is cut first, so the backslash-newline is gone: no continuation.
        assert_eq!(words(b"a # x \\\nb\n"), vec![vec!["a"], vec!["b"]]);
        // A continued line loses its own comment too.
        assert_eq!(words(b"a \\\nb # c\n"), vec![vec!["a", "b"]]);
    }

    #[test]
    fn backslash_without_newline_is_a_word() {
        assert_eq!(words(b"a \\"), vec![vec!["a", "\\"]]);
        assert_eq!(words(b"a \\ b\n"), vec![vec!["a", "\\", "b"]]);
    }

    #[test]
    fn missing_continuation_ends_the_batch() {
        let mut r = Reader::new(&b"a\nb \\\n"[..]);
        let (n, w) = r.read_command().unwrap().unwrap();
        assert_eq!((n, w.iter().collect::<Vec<_>>()), (1, vec![&b"a"[..]]));
        assert_eq!(r.read_command().unwrap(), None);
    }

    #[test]
    fn last_line_without_newline() {
        assert_eq!(all(b"mptcp limits"), vec![(1, vec!["mptcp".into(), "limits".into()])]);
    }

    #[test]
    fn quotes() {
        assert_eq!(words(b"'' \"\" x\n"), vec![vec!["", "", "x"]]);
        assert_eq!(words(b"\"it's\" 'say \"hi\"'\n"), vec![vec!["it's", "say \"hi\""]]);
        // A quote inside a word is an ordinary character.
        assert_eq!(words(b"a'b c'd\n"), vec![vec!["a'b", "c'd"]]);
        // The quoted text may hold tabs and CRs, and runs across a continuation.
        assert_eq!(words(b"'a\tb' 'c \\\nd'\n"), vec![vec!["a\tb", "c d"]]);
    }

    #[test]
    fn fatal_word_errors() {
        let mut r = Reader::new(&b"ok\n'open\n"[..]);
        assert!(r.read_command().unwrap().is_some());
        assert_eq!(r.read_command(), Err(Exit(1)));
        let line = "w ".repeat(99);
        assert_eq!(all(line.as_bytes())[0].1.len(), 99);
        let line = "w ".repeat(100);
        assert_eq!(Reader::new(line.as_bytes()).read_command(), Err(Exit(1)));
    }

    #[test]
    fn bytes_not_utf8() {
        // A Latin-1 comment does not stop the batch; other bytes are kept as they are.
        let mut r = Reader::new(&b"a # caf\xe9\nb \xff 'sh\xe9w'\n"[..]);
        let (_, a) = r.read_command().unwrap().unwrap();
        let (_, b) = r.read_command().unwrap().unwrap();
        assert_eq!(a.iter().collect::<Vec<_>>(), [b"a"]);
        assert_eq!(b.iter().collect::<Vec<_>>(), [&b"b"[..], b"\xff", b"sh\xe9w"]);
        // A NUL ends the line's text, as it ends a C string.
        assert_eq!(words(b"a\0b \\\nc\n"), vec![vec!["a"], vec!["c"]]);
    }

    #[test]
    fn crlf_lines() {
        assert_eq!(words(b"a b\r\nc\r\n"), vec![vec!["a", "b"], vec!["c"]]);
        // CR before the newline: `\\\r\n` is no continuation.
        assert_eq!(words(b"a \\\r\nb\n"), vec![vec!["a", "\\"], vec!["b"]]);
    }
}
