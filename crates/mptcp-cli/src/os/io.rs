//! Byte output and line input without std: [`Write`], [`BufRead`] and their [`Error`].
//!
//! The CLI is `#![no_std]`; these are the few parts of `std::io` it used. `write!` works
//! on any [`Write`] (it calls [`Write::write_fmt`]).

use alloc::vec::Vec;
use core::fmt;

/// An OS error number from a failed read or write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Error(pub i32);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        nlsock::Errno(self.0).fmt(f)
    }
}

/// The result of an I/O call.
pub type Result<T> = core::result::Result<T, Error>;

/// A byte sink.
pub trait Write {
    /// Writes all of `data`.
    fn write_all(&mut self, data: &[u8]) -> Result<()>;

    /// Pushes buffered bytes out.
    fn flush(&mut self) -> Result<()> {
        Ok(())
    }

    /// Writes formatted text (what `write!` calls). Every writer goes through one
    /// non-generic [`write_fmt_dyn`]: one copy of the formatting adapter in the binary
    /// instead of one per writer type.
    fn write_fmt(&mut self, args: fmt::Arguments<'_>) -> Result<()> {
        write_fmt_dyn(self.as_dyn(), args)
    }

    /// This writer as a `dyn Write` (every implementation is `{ self }`), for
    /// [`write_fmt_dyn`].
    fn as_dyn(&mut self) -> &mut dyn Write;
}

/// Formats `args` into `w`; the first write error is the result.
#[inline(never)]
pub fn write_fmt_dyn(w: &mut dyn Write, args: fmt::Arguments<'_>) -> Result<()> {
    struct Adapter<'w> {
        inner: &'w mut dyn Write,
        error: Option<Error>,
    }
    impl fmt::Write for Adapter<'_> {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            self.inner.write_all(s.as_bytes()).map_err(|e| {
                self.error = Some(e);
                fmt::Error
            })
        }

        fn write_char(&mut self, c: char) -> fmt::Result {
            write_char_dyn(self, c)
        }
    }
    let mut a = Adapter { inner: w, error: None };
    match fmt::write(&mut a, args) {
        Ok(()) => Ok(()),
        Err(_) => Err(a.error.unwrap_or(Error(0))),
    }
}

/// `fmt::Write::write_char` as the library writes it, out of line: one copy of the UTF-8
/// encoding for the formatting adapters instead of one per adapter.
#[inline(never)]
pub fn write_char_dyn(w: &mut dyn fmt::Write, c: char) -> fmt::Result {
    w.write_str(c.encode_utf8(&mut [0; 4]))
}

impl Write for Vec<u8> {
    fn write_all(&mut self, data: &[u8]) -> Result<()> {
        self.extend_from_slice(data);
        Ok(())
    }

    fn as_dyn(&mut self) -> &mut dyn Write {
        self
    }
}

impl<W: Write + ?Sized> Write for &mut W {
    fn write_all(&mut self, data: &[u8]) -> Result<()> {
        (**self).write_all(data)
    }

    fn flush(&mut self) -> Result<()> {
        (**self).flush()
    }

    fn as_dyn(&mut self) -> &mut dyn Write {
        (**self).as_dyn()
    }
}

/// A byte source read line by line.
pub trait BufRead {
    /// Appends bytes to `buf` up to and including `delim` or the end; the count read,
    /// 0 at the end.
    fn read_until(&mut self, delim: u8, buf: &mut Vec<u8>) -> Result<usize>;
}

impl BufRead for &[u8] {
    fn read_until(&mut self, delim: u8, buf: &mut Vec<u8>) -> Result<usize> {
        let n = self.iter().position(|&b| b == delim).map_or(self.len(), |i| i + 1);
        buf.extend_from_slice(&self[..n]);
        *self = &self[n..];
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_from_a_slice_and_formatting_into_a_vec() {
        let mut input: &[u8] = b"a b\nc";
        let mut line = Vec::new();
        assert_eq!(input.read_until(b'\n', &mut line), Ok(4));
        assert_eq!(input.read_until(b'\n', &mut line), Ok(1));
        assert_eq!(input.read_until(b'\n', &mut line), Ok(0));
        assert_eq!(line, b"a b\nc");
        let mut out = Vec::new();
        let word = "x";
        write!(out, "{} {word}", 1).unwrap();
        assert_eq!(out, b"1 x");
    }
}
