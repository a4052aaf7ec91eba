//! Where output goes: buffered stdout, the JSON writer, colours and the line end.

use std::io::{self, BufWriter, Stdout, Write};

use crate::color::{Color, Palette};
use crate::json::JsonWriter;

/// Output settings and the buffered stdout every printer writes to.
pub struct Out {
    /// Buffered stdout; flushed at exit and after each monitor event.
    pub w: BufWriter<Stdout>,
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
        Out {
            w: BufWriter::with_capacity(16 * 1024, io::stdout()),
            json: json.then(|| JsonWriter::new(pretty)),
            palette: if json { None } else { palette },
            line_end: if oneline { "\\" } else { "\n" },
        }
    }

    /// Writes `text` wrapped in colour `c` when colours are on.
    pub fn colored(&mut self, c: Color, text: std::fmt::Arguments<'_>) {
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
