//! Where output goes: buffered stdout, the JSON writer, colours and the line end.

use crate::os::io::{self, Write};

use crate::print::color::{Color, Palette};
use crate::print::json::JsonWriter;

/// Output settings and the buffered stdout every printer writes to (any writer, for
/// the fuzz targets and tests).
pub struct Out<W = Stdout> {
    /// Buffered stdout (no heap); flushed at exit and after each monitor event.
    pub w: W,
    /// JSON output (`-j`), pretty with `-p`.
    pub json: Option<JsonWriter>,
    /// Colours, when enabled (never with JSON).
    pub palette: Option<Palette>,
    /// `\n`, or `\` with `-o` (iproute2's `_SL_`).
    pub line_end: &'static str,
}

impl Out {
    /// Output to stdout with the given modes.
    pub fn new(json: bool, pretty: bool, palette: Option<Palette>, oneline: bool) -> Self {
        Out::with_writer(Stdout::new(), json, pretty, palette, oneline)
    }
}

impl<W: Write> Out<W> {
    /// Output to `w` with the given modes.
    pub fn with_writer(
        w: W,
        json: bool,
        pretty: bool,
        palette: Option<Palette>,
        oneline: bool,
    ) -> Self {
        Out {
            w,
            json: json.then(|| JsonWriter::new(pretty)),
            palette: if json { None } else { palette },
            line_end: if oneline { "\\" } else { "\n" },
        }
    }

    /// With `-j`, opens the JSON array a command's whole output is; nothing without.
    pub fn open_array(&mut self) {
        if let Some(j) = &mut self.json {
            j.start_array(&mut self.w);
        }
    }

    /// Closes what [`Out::open_array`] opened.
    pub fn close_array(&mut self) {
        if let Some(j) = &mut self.json {
            j.end_array(&mut self.w);
        }
    }

    /// Writes `text` wrapped in colour `c` when colours are on.
    pub fn colored(&mut self, c: Color, text: core::fmt::Arguments<'_>) {
        match self.palette {
            Some(p) => {
                let _ = write!(self.w, "{}{}{}", p.start(c), text, p.end());
            }
            None => {
                let _ = self.w.write_fmt(text);
            }
        }
    }

    /// Writes `pieces` (an interface name: bytes, as they are) wrapped in colour `c` when
    /// colours are on.
    pub fn colored_bytes(&mut self, c: Color, pieces: &[&[u8]]) {
        let palette = self.palette;
        if let Some(p) = palette {
            let _ = self.w.write_all(p.start(c).as_bytes());
        }
        for piece in pieces {
            let _ = self.w.write_all(piece);
        }
        if let Some(p) = palette {
            let _ = self.w.write_all(p.end().as_bytes());
        }
    }

    /// Flushes stdout, ignoring a closed pipe as C stdio does.
    pub fn flush(&mut self) {
        let _ = self.w.flush();
    }
}

/// Standard output, buffered as glibc's stdio buffers `ip`'s: no allocation, and C
/// stdio's behaviour for a closed pipe (the error is ignored).
///
/// glibc asks `fstat` about stdout at its first write and picks line buffering for a
/// terminal, full buffering otherwise, in blocks of `st_blksize` (at most `BUFSIZ`,
/// 8 KiB; 4 KiB on a pipe and most files). A full buffer is written whole when a write
/// does not fit it, longer writes go out directly in whole blocks, and only the rest is
/// kept; a line buffer is also written through the last newline of each write.
/// [`Stdout`] does the same, with one saving: it asks only when the answer can show.
/// Until then ([`Buffering::Unknown`]) it holds up to [`UNKNOWN_ROOM`] bytes, less than
/// any block glibc picks for a terminal (1 KiB) or a pipe, so a one-shot command whose
/// output fits makes one `write` at exit and no `fstat`, which is what glibc's buffer
/// would have given for anything but a terminal, where its lines reach the screen a few
/// microseconds apart instead. A batch, the monitor and `-r` ask at once
/// ([`Stdout::learn`]): they wait on input, events or name servers between lines,
/// where a terminal shows each line as it comes. The order of stdout and stderr, which
/// are separate, is what glibc's is: stderr is never buffered, and a message does not
/// push out what stdout holds.
///
/// The buffer is a static in zeroed memory, like the session's receive buffer: inside
/// the struct it made `main`'s stack frame 19 KiB (the struct was built, then moved into
/// the runner), which cost a one-shot command four page faults and an 8 KiB `memset`
/// before it did anything; in static memory only the page that output reaches is ever
/// touched. A second `Stdout` while the first lives (only tests make one) gets its
/// buffer from the heap.
pub struct Stdout {
    buf: Buf,
    len: usize,
    error: Option<io::Error>,
    mode: Buffering,
}

/// How [`Stdout`] buffers: glibc's choice, once learned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Buffering {
    /// Not asked yet: up to [`UNKNOWN_ROOM`] bytes are held.
    Unknown,
    /// A terminal: written through the last newline of each write, or when this many
    /// bytes fill the buffer.
    Line(usize),
    /// Anything else: written in whole blocks of this many bytes.
    Full(usize),
}

impl Buffering {
    /// What glibc picks for a stream that is (or is not) a `terminal` with this
    /// `st_blksize` (0: unknown): a block of `st_blksize` bytes when that is below
    /// `BUFSIZ`, else `BUFSIZ`.
    pub fn of(terminal: bool, st_blksize: usize) -> Self {
        let block = if st_blksize > 0 && st_blksize < STDOUT_BUF { st_blksize } else { STDOUT_BUF };
        if terminal { Buffering::Line(block) } else { Buffering::Full(block) }
    }
}

/// Bytes [`Stdout`] buffers at most: glibc's `BUFSIZ`.
const STDOUT_BUF: usize = 8192;

/// Bytes [`Stdout`] holds before it learns how stdout is to be buffered: a terminal's
/// `st_blksize`, the smallest block glibc picks in practice.
pub const UNKNOWN_ROOM: usize = 1024;

/// glibc writes whole blocks directly only when they are at least this long.
const MIN_BLOCK: usize = 128;

/// The buffer of the one [`Stdout`] a process has.
static BUF: crate::os::sys::Lock<[u8; STDOUT_BUF]> = crate::os::sys::Lock::new([0; STDOUT_BUF]);

/// Where a [`Stdout`]'s bytes wait.
enum Buf {
    Static(crate::os::sys::LockGuard<'static, [u8; STDOUT_BUF]>),
    Heap(alloc::vec::Vec<u8>),
}

impl Buf {
    fn bytes(&mut self) -> &mut [u8] {
        match self {
            Buf::Static(b) => &mut b[..],
            Buf::Heap(v) => v,
        }
    }
}

impl Stdout {
    /// An empty buffer, not yet knowing what stdout is.
    pub fn new() -> Self {
        let buf = match BUF.try_lock() {
            Some(b) => Buf::Static(b),
            None => Buf::Heap(alloc::vec![0; STDOUT_BUF]),
        };
        Stdout { buf, len: 0, error: None, mode: Buffering::Unknown }
    }

    /// The first write error (`ENOSPC`, `EIO`, …), if a write failed: output after it
    /// is dropped. (`EPIPE` never shows: SIGPIPE ends the process first, as for `ip`.)
    pub fn error(&self) -> Option<io::Error> {
        self.error
    }

    /// How stdout is buffered now.
    pub fn buffering(&self) -> Buffering {
        self.mode
    }

    /// Asks what stdout is (one `fstat`, see [`crate::os::sys::stdout_kind`]) and
    /// buffers from now on as glibc does for it; what is held already goes out as
    /// glibc's buffer would have let it. Nothing when already known.
    pub fn learn(&mut self) {
        if self.mode == Buffering::Unknown {
            let (terminal, block) = crate::os::sys::stdout_kind();
            self.set_buffering(Buffering::of(terminal, block));
        }
    }

    /// Buffers as `mode` says from now on (tests and [`Stdout::learn`]), writing out
    /// what `mode` would not have held.
    pub fn set_buffering(&mut self, mode: Buffering) {
        self.mode = mode;
        let len = self.len;
        let keep = match mode {
            Buffering::Unknown => return,
            // Written through its last newline, and in whole buffers before that.
            Buffering::Line(block) => {
                let held = self.buf.bytes().get(..len).unwrap_or_default();
                let tail = held.iter().rposition(|&b| b == b'\n');
                let tail = tail.map_or(len, |i| len - i - 1);
                if tail > block { tail.checked_rem(block).unwrap_or(tail) } else { tail }
            }
            // Written in whole blocks; an exactly full one is held.
            Buffering::Full(block) if len > block => len.checked_rem(block).unwrap_or(len),
            Buffering::Full(_) => len,
        };
        if keep < len {
            let out = len - keep;
            let _ = self.write_held(out);
            self.buf.bytes().copy_within(out..len, 0);
            self.len = keep;
        }
    }

    /// Writes the first `n` held bytes out (their removal is the caller's).
    fn write_held(&mut self, n: usize) -> io::Result<()> {
        if let Some(e) = self.error {
            return Err(e);
        }
        // Written from the buffer in place: a copy of the whole 8 KiB array first (what
        // `self.put` on a copy needed) was most of a flush's user time.
        let r = write_out(self.buf.bytes().get(..n).unwrap_or_default());
        r.inspect_err(|e| self.error = Some(*e))
    }

    /// Whether what is held ends a JSON document (`]` and the newline at depth 0): with
    /// `-j`, every other output is `limits`' text, whose lines end with a space and a
    /// newline. (A document that ended exactly at a block's end left nothing held.)
    pub fn holds_document_end(&mut self) -> bool {
        let len = self.len;
        len.checked_sub(2).and_then(|at| self.buf.bytes().get(at..len)) == Some(b"]\n")
    }

    fn put(&mut self, data: &[u8]) -> io::Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        if let Some(e) = self.error {
            return Err(e);
        }
        write_out(data).inspect_err(|e| self.error = Some(*e))
    }

    /// Appends `data`, which fits.
    fn hold(&mut self, data: &[u8]) {
        let at = self.len;
        if let Some(to) = self.buf.bytes().get_mut(at..at + data.len()) {
            copy(to, data);
            self.len += data.len();
        }
    }

    /// glibc's `_IO_new_file_xsputn` past a buffer that does not hold `data`: the
    /// buffer filled and written, whole blocks of the rest written directly, the last
    /// piece held (a line buffer taking it byte by byte, written at each newline).
    fn spill(&mut self, data: &[u8], block: usize, line: bool) -> io::Result<()> {
        let room = block.saturating_sub(self.len).min(data.len());
        self.hold(&data[..room]);
        self.flush()?;
        let rest = &data[room..];
        let direct = rest.len() - if block >= MIN_BLOCK { rest.len() % block } else { 0 };
        self.put(&rest[..direct])?;
        let mut rest = &rest[direct..];
        while !rest.is_empty() {
            let room = block - self.len;
            let end = match line.then(|| rest.iter().position(|&b| b == b'\n')).flatten() {
                Some(nl) if nl < room => nl + 1,
                _ => room.min(rest.len()),
            };
            self.hold(&rest[..end]);
            rest = &rest[end..];
            let last = self.len.checked_sub(1).and_then(|i| self.buf.bytes().get(i).copied());
            if self.len == block || (line && last == Some(b'\n')) {
                self.flush()?;
            }
        }
        Ok(())
    }
}

/// Where [`Stdout`] writes: file descriptor 1.
#[cfg(not(test))]
fn write_out(data: &[u8]) -> io::Result<()> {
    crate::os::sys::write_stdout(data)
}

/// Where [`Stdout`] writes in unit tests: a list of the writes, one per system call.
#[cfg(test)]
fn write_out(data: &[u8]) -> io::Result<()> {
    WRITES.with_borrow_mut(|w| w.push(data.to_vec()));
    Ok(())
}

#[cfg(test)]
std::thread_local!(static WRITES: core::cell::RefCell<alloc::vec::Vec<alloc::vec::Vec<u8>>> = const { core::cell::RefCell::new(alloc::vec::Vec::new()) });

#[cfg(test)]
impl Stdout {
    /// What is buffered (tests).
    pub fn contents(&mut self) -> &[u8] {
        let len = self.len;
        &self.buf.bytes()[..len]
    }
}

impl Default for Stdout {
    fn default() -> Self {
        Self::new()
    }
}

impl Write for Stdout {
    fn as_dyn(&mut self) -> &mut dyn Write {
        self
    }

    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        let fits = |block: usize, len: usize| len + data.len() <= block;
        match self.mode {
            Buffering::Unknown if fits(UNKNOWN_ROOM, self.len) => self.hold(data),
            Buffering::Unknown => {
                self.learn();
                return self.write_all(data);
            }
            Buffering::Full(block) if fits(block, self.len) => self.hold(data),
            Buffering::Full(block) => return self.spill(data, block, false),
            Buffering::Line(block) if fits(block, self.len) => {
                match data.iter().rposition(|&b| b == b'\n') {
                    Some(nl) => {
                        self.hold(&data[..=nl]);
                        self.flush()?;
                        self.hold(&data[nl + 1..]);
                    }
                    None => self.hold(data),
                }
            }
            Buffering::Line(block) => return self.spill(data, block, true),
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        let pending = core::mem::take(&mut self.len);
        if pending == 0 {
            return Ok(());
        }
        self.write_held(pending)
    }
}

/// Standard error through a 512-byte buffer, so that a message goes out in one `write`
/// (a longer one in several); flush it at the end of the message.
pub struct Stderr {
    buf: [u8; 512],
    len: usize,
}

impl Default for Stderr {
    fn default() -> Self {
        Stderr { buf: [0; 512], len: 0 }
    }
}

impl Write for Stderr {
    fn as_dyn(&mut self) -> &mut dyn Write {
        self
    }

    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        if self.len + data.len() > self.buf.len() {
            self.flush()?;
        }
        if data.len() > self.buf.len() {
            return crate::os::sys::write_stderr(data);
        }
        if let Some(to) = self.buf.get_mut(self.len..self.len + data.len()) {
            to.copy_from_slice(data);
            self.len += data.len();
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        let pending = self.len;
        self.len = 0;
        crate::os::sys::write_stderr(self.buf.get(..pending).unwrap_or_default())
    }
}

/// `dst.copy_from_slice(src)` without a call to the C library's `memcpy` for the short
/// pieces output is made of: musl's x86_64 `memcpy` always starts a `rep movsq` and
/// moves the tail a byte at a time, which costs more than the copy for a 1- to 128-byte
/// piece (a monitor event line is about 100). Fixed-size copies compile to plain loads and stores; two of them, overlapping,
/// cover any length in their range.
fn copy(dst: &mut [u8], src: &[u8]) {
    let n = src.len();
    match n {
        0 => {}
        1..=3 => {
            dst[0] = src[0];
            dst[n / 2] = src[n / 2];
            dst[n - 1] = src[n - 1];
        }
        4..=7 => {
            dst[..4].copy_from_slice(&src[..4]);
            dst[n - 4..n].copy_from_slice(&src[n - 4..]);
        }
        8..=16 => {
            dst[..8].copy_from_slice(&src[..8]);
            dst[n - 8..n].copy_from_slice(&src[n - 8..]);
        }
        17..=32 => {
            dst[..16].copy_from_slice(&src[..16]);
            dst[n - 16..n].copy_from_slice(&src[n - 16..]);
        }
        33..=64 => {
            dst[..32].copy_from_slice(&src[..32]);
            dst[n - 32..n].copy_from_slice(&src[n - 32..]);
        }
        65..=128 => {
            dst[..64].copy_from_slice(&src[..64]);
            dst[n - 64..n].copy_from_slice(&src[n - 64..]);
        }
        _ => dst[..n].copy_from_slice(src),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The writes made so far (and forgets them).
    fn writes() -> Vec<Vec<u8>> {
        WRITES.with_borrow_mut(core::mem::take)
    }

    fn out(mode: Buffering) -> Stdout {
        writes();
        let mut o = Stdout::new();
        o.set_buffering(mode);
        o
    }

    #[test]
    fn short_copies_are_exact_for_every_length() {
        let src: Vec<u8> = (1..=160).collect();
        for n in 0..=160 {
            let mut dst = [0u8; 160];
            copy(&mut dst[..n], &src[..n]);
            assert_eq!(&dst[..n], &src[..n], "length {n}");
            assert!(dst[n..].iter().all(|&b| b == 0), "length {n} wrote past its end");
        }
    }

    #[test]
    fn glibc_picks_the_block() {
        assert_eq!(Buffering::of(false, 4096), Buffering::Full(4096));
        assert_eq!(Buffering::of(true, 1024), Buffering::Line(1024));
        assert_eq!(Buffering::of(false, 65536), Buffering::Full(8192));
        assert_eq!(Buffering::of(false, 0), Buffering::Full(8192));
    }

    #[test]
    fn a_full_buffer_goes_out_in_whole_blocks() {
        let mut o = out(Buffering::Full(4096));
        o.write_all(&[b'a'; 3000]).unwrap();
        o.write_all(b"x\n").unwrap();
        assert!(writes().is_empty(), "nothing before a block fills");
        o.write_all(&[b'b'; 2000]).unwrap();
        let w = writes();
        assert_eq!(w.iter().map(Vec::len).collect::<Vec<_>>(), [4096]);
        assert_eq!(o.contents().len(), 3002 + 2000 - 4096);
        // A long write: the buffer filled and written, whole blocks directly, the rest held.
        o.write_all(&[b'c'; 9000]).unwrap();
        assert_eq!(writes().iter().map(Vec::len).collect::<Vec<_>>(), [4096, 4096]);
        assert_eq!(o.contents().len(), 906 + 9000 - 8192);
        o.flush().unwrap();
        assert_eq!(writes().iter().map(Vec::len).collect::<Vec<_>>(), [1714]);
    }

    #[test]
    fn an_exactly_full_buffer_waits_for_the_next_write() {
        let mut o = out(Buffering::Full(4096));
        o.write_all(&[b'a'; 4096]).unwrap();
        assert!(writes().is_empty());
        o.write_all(b"b").unwrap();
        assert_eq!(writes().iter().map(Vec::len).collect::<Vec<_>>(), [4096]);
    }

    #[test]
    fn a_line_buffer_goes_out_through_the_last_newline() {
        let mut o = out(Buffering::Line(1024));
        o.write_all(b"10.0.0.1 id 1").unwrap();
        assert!(writes().is_empty());
        o.write_all(b" \n").unwrap();
        assert_eq!(writes(), [b"10.0.0.1 id 1 \n".to_vec()]);
        o.write_all(b"a\nb\nc").unwrap();
        assert_eq!(writes(), [b"a\nb\n".to_vec()]);
        assert_eq!(o.contents(), b"c");
    }

    #[test]
    fn learning_writes_what_glibc_would_not_have_held() {
        let mut o = out(Buffering::Unknown);
        o.write_all(b"one\ntwo\nthr").unwrap();
        assert!(writes().is_empty(), "held while unknown");
        o.set_buffering(Buffering::Line(1024));
        assert_eq!(writes(), [b"one\ntwo\n".to_vec()]);
        assert_eq!(o.contents(), b"thr");

        let mut o = out(Buffering::Unknown);
        o.write_all(b"one\ntwo\n").unwrap();
        o.set_buffering(Buffering::Full(4096));
        assert!(writes().is_empty(), "a pipe's block is not full");
        assert_eq!(o.contents(), b"one\ntwo\n");
    }

    #[test]
    fn unknown_holds_up_to_its_room() {
        let mut o = out(Buffering::Unknown);
        o.write_all(&[b'a'; UNKNOWN_ROOM]).unwrap();
        assert_eq!(o.buffering(), Buffering::Unknown);
        assert!(writes().is_empty());
    }

    proptest! {
        /// Whatever the pieces, the bytes come out in order and whole; a full buffer
        /// writes whole blocks until flushed, a line buffer never holds a newline.
        #[test]
        fn bytes_come_out_whole_and_in_order(
            pieces in proptest::collection::vec(
                proptest::collection::vec(prop_oneof![Just(b'\n'), Just(b'x')], 0..300), 0..40),
            line in any::<bool>(),
            block in prop_oneof![Just(128usize), Just(1024), Just(4096)],
        ) {
            let mode = if line { Buffering::Line(block) } else { Buffering::Full(block) };
            let mut o = out(mode);
            let mut all = Vec::new();
            for p in &pieces {
                o.write_all(p).unwrap();
                all.extend_from_slice(p);
                let held = o.contents().to_vec();
                prop_assert!(held.len() <= block);
                if line {
                    prop_assert!(!held.contains(&b'\n'), "a line buffer held a newline");
                }
                WRITES.with_borrow(|w| {
                    let written: usize = w.iter().map(Vec::len).sum();
                    prop_assert_eq!(written + held.len(), all.len());
                    if !line {
                        prop_assert!(w.iter().all(|w| w.len() % block == 0));
                    }
                    Ok(())
                })?;
            }
            o.flush().unwrap();
            prop_assert_eq!(writes().concat(), all);
        }
    }
}
