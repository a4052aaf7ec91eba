//! `-batch FILE`: runs one command per line, reporting `Command failed FILE:LINE`.
//!
//! With `-force` every line runs whatever the lines before it did, so the requests of
//! up to `AHEAD` consecutive lines that each make one request (endpoint add, delete,
//! change, flush, show by id; limits set and show) go to the kernel in one datagram.
//! The kernel runs them in order and answers each on its own, and each line still
//! prints its own output and errors when its turn comes. Without `-force` a failed
//! line ends the batch, so a later line must not have run: each line goes alone. Lines
//! are read ahead only from a regular file, never from a pipe or a terminal.
//!
//! Output goes out as `ip`'s does: by lines on a terminal, by blocks elsewhere, and
//! with `-j` at the end of each line's JSON document.

use alloc::vec::Vec;
use core::mem::ManuallyDrop;

use crate::args::batch::FdReader;
use crate::os::io::BufRead;
use crate::os::sys;

use crate::args::batch::{Reader, Words};
use crate::command::pm::{self, Request};
use crate::exec::run::Runner;
use crate::print::fail::{self, Exit, say_bytes};

/// The most requests sent in one datagram. Their answers wait in the socket's receive
/// queue until their lines run, and 32 fit the default queue many times over; the gain
/// levels off before this (BENCHMARKS.md, "Several requests per datagram").
const AHEAD: usize = 32;

/// Runs every command of `name` (`-` is stdin). The status is 1 if any command failed;
/// a fatal error inside a command ends the batch at once with its own status.
pub fn run(runner: &mut Runner, name: &[u8]) -> Result<u8, Exit> {
    // Lines are read ahead only from a regular file: from a pipe or a terminal, reading
    // ahead would wait for lines a writer may send only after it saw earlier output.
    let file = if name == b"-" {
        // A closed stdin reads as empty, as `getline` on it fails at once.
        let Some(fd) = sys::stdin() else { return Ok(0) };
        fd
    } else {
        match sys::open_read_at(name) {
            Ok(fd) => fd,
            Err(e) => {
                fail::say_around(
                    b"Cannot open file \"",
                    name,
                    format_args!("\" for reading: {e}\n"),
                );
                return Ok(1);
            }
        }
    };
    let from_file = file.is_regular_file();
    // A batch waits for input between its answers: stdout is buffered from the start as
    // glibc buffers `ip`'s, by lines on a terminal, in blocks elsewhere.
    runner.out.w.learn();
    let input = FdReader::new(file);
    let mut status = 0;
    // The reader, the lines read ahead and the scratch buffers are never dropped: the
    // process ends after the batch, and the kernel closes the file and frees the memory
    // (as `run_main` leaves the runner, and as C's `exit` leaves `ip`'s).
    let mut lines = ManuallyDrop::new(Lines { reader: Reader::new(input), ahead: Vec::new() });
    let mut scratch = ManuallyDrop::new(Scratch::default());
    while let Some((line_no, line)) = lines.next()? {
        if line.is_empty() {
            continue;
        }
        let failed = line.with_words(|words| {
            if runner.opts.force && from_file {
                send_ahead(runner, &mut lines, &mut scratch, line_no, words);
            }
            if let Some(s) = runner.session() {
                s.set_line(Some(line_no));
            }
            let status = runner.run_line(words);
            // iproute2 flushes stdout at the end of each JSON document
            // (`jsonw_destroy`), so a program waiting for an answer gets it, and the
            // answers before a failed line come before its message. Not every `-j` line
            // prints one: `limits` prints text, and that waits in the buffer as in `ip`.
            if runner.out.json.is_some() && runner.out.w.holds_document_end() {
                runner.out.flush();
            }
            status.map(|status| status != 0)
        })?;
        if failed {
            fail::say_around(b"Command failed ", name, format_args!(":{line_no}\n"));
            status = 1;
            if !runner.opts.force {
                break;
            }
        }
    }
    Ok(status)
}

/// A line read before its turn, or how the input ended (what the reader said then,
/// kept until that point of the batch).
enum Ahead {
    Line(usize, Words),
    End(Vec<u8>, Result<(), Exit>),
}

/// The batch's lines, with those read ahead of their turn.
struct Lines<R> {
    reader: Reader<R>,
    /// At most [`AHEAD`], oldest first. A vector (the oldest taken out with `remove(0)`,
    /// which moves at most 31 entries), not a `VecDeque`: the ring's growth code is
    /// larger than that move.
    ahead: Vec<Ahead>,
}

impl<R: BufRead> Lines<R> {
    /// The next line, as [`Reader::read_command`] gives it.
    fn next(&mut self) -> Result<Option<(usize, Words)>, Exit> {
        let oldest = if self.ahead.is_empty() { None } else { Some(self.ahead.remove(0)) };
        match oldest {
            Some(Ahead::Line(n, words)) => Ok(Some((n, words))),
            Some(Ahead::End(said, result)) => {
                if !said.is_empty() {
                    say_bytes(&[&said]);
                }
                result.map(|()| None)
            }
            None => self.reader.read_command(),
        }
    }

    /// Reads until `count` lines wait (or the input ends), saying nothing yet.
    fn read_ahead(&mut self, count: usize) {
        while self.ahead.len() < count && !matches!(self.ahead.last(), Some(Ahead::End(..))) {
            let (read, said) = fail::captured_bytes(|| self.reader.read_command());
            self.ahead.push(match read {
                Ok(Some((n, words))) => Ahead::Line(n, words),
                Ok(None) => Ahead::End(said, Ok(())),
                Err(e) => Ahead::End(said, Err(e)),
            });
        }
    }

    /// The lines read ahead, in order, up to the end of input.
    fn waiting(&self) -> impl Iterator<Item = (usize, &Words)> {
        self.ahead.iter().map_while(|a| match a {
            Ahead::Line(n, words) => Some((*n, words)),
            Ahead::End(..) => None,
        })
    }
}

/// The buffers of [`send_ahead`], kept for the whole batch: allocating them anew for
/// each group costs more than the system calls it saves (musl returns emptied groups
/// of memory to the kernel at once).
#[derive(Default)]
struct Scratch {
    requests: Vec<Request>,
    lines: Vec<usize>,
    datagram: Vec<u8>,
}

/// Under `-force`: when the line about to run and the lines after it each make one
/// request, sends all those requests now in one datagram (at most [`AHEAD`]); each line
/// then only collects its answer. Stops at the first line that does anything else
/// (a dump, the monitor, a line that fails to parse), so that line and everything after
/// it runs after every request before it was answered, as it would have one by one.
fn send_ahead<R: BufRead>(
    runner: &mut Runner,
    lines: &mut Lines<R>,
    scratch: &mut Scratch,
    line: usize,
    words: &[&[u8]],
) {
    if runner.session().is_none_or(|s| s.has_sent_ahead()) {
        return;
    }
    let Some(first) = runner.request_ahead(words) else { return };
    lines.read_ahead(AHEAD - 1);
    let Scratch { requests, lines: line_nos, datagram } = scratch;
    requests.clear();
    line_nos.clear();
    requests.push(first);
    line_nos.push(line);
    for (n, line) in lines.waiting() {
        if line.is_empty() {
            continue;
        }
        match line.with_words(|words| runner.request_ahead(words)) {
            Some(r) if requests.len() < AHEAD => {
                requests.push(r);
                line_nos.push(n);
            }
            _ => break,
        }
    }
    if requests.len() < 2 {
        return;
    }
    let Some(s) = runner.session() else { return };
    datagram.clear();
    let mut buf = [0u8; pm::REQ_BUF];
    for r in requests.iter() {
        let Some(bytes) = pm::emit(r, &mut buf, s.family) else { return };
        datagram.extend_from_slice(bytes);
        // Padded to the netlink alignment (0 to 3 bytes; not `resize`, whose code the
        // binary then needs for this alone).
        let pad = nlwire::align(datagram.len()) - datagram.len();
        datagram.extend_from_slice([0; 3].get(..pad).unwrap_or_default());
    }
    // One sequence number per request (at most `AHEAD`).
    let mut seqs = [0u32; AHEAD];
    let Some(seqs) = seqs.get_mut(..requests.len()) else { return };
    // If the send fails nothing was sent, and each line sends its own request.
    let _ = s.send_ahead(line_nos, datagram, seqs);
}
