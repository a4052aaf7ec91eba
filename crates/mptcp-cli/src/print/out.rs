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

    /// Flushes stdout, ignoring a closed pipe as C stdio does.
    pub fn flush(&mut self) {
        let _ = self.w.flush();
    }
}

/// Standard output through an 8 KiB buffer: no allocation, one `write` per flush, and C
/// stdio's behaviour for a closed pipe (the error is ignored). The buffer is a static in
/// zeroed memory, like the session's receive buffer: inside the struct it made `main`'s
/// stack frame 19 KiB (the struct was built, then moved into the runner), which cost a
/// one-shot command four page faults and an 8 KiB `memset` before it did anything; in
/// static memory only the page that output reaches is ever touched. A second `Stdout`
/// while the first lives (only tests make one) gets its buffer from the heap.
pub struct Stdout {
    buf: Buf,
    len: usize,
    error: Option<io::Error>,
}

/// Bytes [`Stdout`] buffers.
const STDOUT_BUF: usize = 8192;

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
    /// An empty buffer.
    pub fn new() -> Self {
        let buf = match BUF.try_lock() {
            Some(b) => Buf::Static(b),
            None => Buf::Heap(alloc::vec![0; STDOUT_BUF]),
        };
        Stdout { buf, len: 0, error: None }
    }

    /// The first write error (`ENOSPC`, `EIO`, …), if a write failed: output after it
    /// is dropped. (`EPIPE` never shows: SIGPIPE ends the process first, as for `ip`.)
    pub fn error(&self) -> Option<io::Error> {
        self.error
    }

    fn put(&mut self, data: &[u8]) -> io::Result<()> {
        if let Some(e) = self.error {
            return Err(e);
        }
        crate::os::sys::write_stdout(data).inspect_err(|e| self.error = Some(*e))
    }
}

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
    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        if self.len + data.len() > STDOUT_BUF {
            self.flush()?;
        }
        if data.len() > STDOUT_BUF {
            return self.put(data);
        }
        let at = self.len;
        copy(&mut self.buf.bytes()[at..at + data.len()], data);
        self.len += data.len();
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        let pending = core::mem::take(&mut self.len);
        if pending == 0 {
            return Ok(());
        }
        if let Some(e) = self.error {
            return Err(e);
        }
        // Written from the buffer in place: a copy of the whole 8 KiB array first (what
        // `self.put` on a copy needed) was most of a flush's user time.
        let r = crate::os::sys::write_stdout(&self.buf.bytes()[..pending]);
        r.inspect_err(|e| self.error = Some(*e))
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
    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        if self.len + data.len() > self.buf.len() {
            self.flush()?;
        }
        if data.len() > self.buf.len() {
            return crate::os::sys::write_stderr(data);
        }
        self.buf[self.len..self.len + data.len()].copy_from_slice(data);
        self.len += data.len();
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        let pending = self.len;
        self.len = 0;
        crate::os::sys::write_stderr(&self.buf[..pending])
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
    use super::copy;

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
}
