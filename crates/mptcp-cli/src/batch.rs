//! Batch input as iproute2 reads it: `getcmdline` (comments, continuations, line
//! numbers) and `makeargs` (words and quotes).

use std::io::BufRead;

use crate::fail::say;

/// Reads commands from a batch file.
pub struct Reader<R> {
    input: R,
    line_no: usize,
    line: String,
}

impl<R: BufRead> Reader<R> {
    /// Reads from `input`.
    pub fn new(input: R) -> Self {
        Reader { input, line_no: 0, line: String::new() }
    }

    fn read_line(&mut self, buf: &mut String) -> Option<()> {
        buf.clear();
        match self.input.read_line(buf) {
            Ok(0) | Err(_) => None,
            Ok(_) => {
                self.line_no += 1;
                if let Some(hash) = buf.find('#') {
                    buf.truncate(hash);
                }
                Some(())
            }
        }
    }

    /// The next command: the number of its last physical line and its words (empty for
    /// a blank line). `None` at the end, or when a continuation line is missing.
    /// A fatal `makeargs` error (too many words, an open quote) exits with status 1.
    pub fn next_command(&mut self) -> Option<(usize, Vec<String>)> {
        let mut line = std::mem::take(&mut self.line);
        self.read_line(&mut line)?;
        while let Some(at) = line.find("\\\n") {
            line.truncate(at);
            let mut next = String::new();
            if self.read_line(&mut next).is_none() {
                say(format_args!("Missing continuation line\n"));
                return None;
            }
            line.push_str(&next);
        }
        let words = makeargs(&line);
        self.line = line;
        Some((self.line_no, words))
    }
}

/// iproute2 `makeargs`: words split on space, TAB, CR and LF; a word that starts with a
/// quote runs to the same quote. At most 99 words.
fn makeargs(line: &str) -> Vec<String> {
    const WS: &[char] = &[' ', '\t', '\r', '\n'];
    let mut words = Vec::new();
    let mut rest = line;
    loop {
        rest = rest.trim_start_matches(WS);
        if rest.is_empty() {
            break;
        }
        if words.len() >= 99 {
            say(format_args!("Too many arguments to command\n"));
            std::process::exit(1);
        }
        let quote = rest.chars().next().filter(|c| *c == '\'' || *c == '"');
        if let Some(q) = quote {
            let body = &rest[1..];
            let Some(end) = body.find(q) else {
                say(format_args!("Unterminated quoted string\n"));
                std::process::exit(1);
            };
            words.push(body[..end].to_owned());
            rest = &body[end + 1..];
        } else {
            let end = rest.find(WS).unwrap_or(rest.len());
            words.push(rest[..end].to_owned());
            rest = rest.get(end + 1..).unwrap_or("");
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Vec<(usize, Vec<String>)> {
        let mut r = Reader::new(text.as_bytes());
        std::iter::from_fn(|| r.next_command()).collect()
    }

    #[test]
    fn comments_blanks_and_continuations() {
        let got =
            all("mptcp endpoint add 10.0.0.1 # c\n\n  \nmptcp limits \\\nshow\nx 'a b'c \"d\"\n");
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
    fn last_line_without_newline() {
        assert_eq!(all("mptcp limits").len(), 1);
    }
}
