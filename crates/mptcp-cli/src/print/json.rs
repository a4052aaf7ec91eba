//! iproute2's JSON writer (`lib/json_writer.c`), reproduced byte for byte, compact and pretty.

use crate::os::io::Write;

/// A streaming JSON writer with iproute2's separators, indentation and escaping.
#[derive(Debug)]
pub struct JsonWriter {
    pretty: bool,
    depth: usize,
    /// The separator owed before the next value (`,` after a value, none after an open).
    sep: bool,
}

impl JsonWriter {
    /// A writer at depth 0.
    pub fn new(pretty: bool) -> Self {
        JsonWriter { pretty, depth: 0, sep: false }
    }

    fn eor(&mut self, w: &mut dyn Write) {
        if self.sep {
            let _ = w.write_all(b",");
        }
        self.sep = true;
    }

    fn eol(&self, w: &mut dyn Write) {
        if self.pretty {
            let _ = w.write_all(b"\n");
            for _ in 0..self.depth {
                let _ = w.write_all(b"    ");
            }
        }
    }

    fn begin(&mut self, w: &mut dyn Write, c: u8) {
        self.eor(w);
        let _ = w.write_all(&[c]);
        self.depth += 1;
        self.sep = false;
    }

    fn end(&mut self, w: &mut dyn Write, c: u8) {
        self.depth = self.depth.saturating_sub(1);
        if self.sep {
            self.eol(w);
        }
        let _ = w.write_all(&[c]);
        self.sep = true;
    }

    /// `[`, plus a space when pretty.
    pub fn start_array(&mut self, w: &mut impl Write) {
        self.begin(w, b'[');
        if self.pretty {
            let _ = w.write_all(b" ");
        }
    }

    /// `]` (a space first when pretty and not empty), then the final newline at depth 0.
    pub fn end_array(&mut self, w: &mut impl Write) {
        if self.pretty && self.sep {
            let _ = w.write_all(b" ");
        }
        self.sep = false;
        self.end(w, b']');
        if self.depth == 0 {
            let _ = w.write_all(b"\n");
            self.sep = false;
        }
    }

    /// What [`JsonWriter::end_array`] would write now for the outermost array; the
    /// monitor's signal handler writes it when the process is stopped.
    pub fn closing_bytes(&self) -> &'static [u8] {
        if self.pretty && self.sep { b" ]\n" } else { b"]\n" }
    }

    /// `{`.
    pub fn start_object(&mut self, w: &mut impl Write) {
        self.begin(w, b'{');
    }

    /// `}`.
    pub fn end_object(&mut self, w: &mut impl Write) {
        self.end(w, b'}');
    }

    fn name(&mut self, w: &mut dyn Write, key: &str) {
        self.eor(w);
        self.eol(w);
        self.sep = false;
        put_str(w, key.as_bytes());
        let _ = w.write_all(if self.pretty { b": " } else { b":" });
    }

    /// `"key": ` before a value (the separator then owed after it).
    #[inline(never)]
    fn field(&mut self, w: &mut dyn Write, key: &str) {
        self.name(w, key);
        self.sep = true;
    }

    /// `"key": ` alone, before a nested [`JsonWriter::start_array`] or
    /// [`JsonWriter::start_object`] (iproute2's `open_json_array(PRINT_JSON, key)`).
    pub fn key(&mut self, w: &mut impl Write, key: &str) {
        self.name(w, key);
    }

    /// `"key": "value"`.
    pub fn string(&mut self, w: &mut impl Write, key: &str, value: &str) {
        self.string_bytes(w, key, value.as_bytes());
    }

    /// `"key": "value"` for a value of any bytes (an interface name), escaped as
    /// iproute2's `jsonw_puts` escapes: bytes from 0x80 up go out as they are, so a name
    /// that is not UTF-8 is carried raw, as iproute2 writes it.
    pub fn string_bytes(&mut self, w: &mut impl Write, key: &str, value: &[u8]) {
        self.field(w, key);
        put_str(w, value);
    }

    /// `"key": "value"` with the value formatted in place (no `String`), escaped as
    /// [`JsonWriter::string`] escapes.
    pub fn string_fmt(&mut self, w: &mut impl Write, key: &str, value: core::fmt::Arguments<'_>) {
        self.field(w, key);
        put_fmt(w, value);
    }

    /// `"key": 42`.
    pub fn uint(&mut self, w: &mut impl Write, key: &str, value: u64) {
        self.field(w, key);
        let _ = write!(w, "{value}");
    }

    /// `"key": -42`.
    pub fn int(&mut self, w: &mut impl Write, key: &str, value: i64) {
        self.field(w, key);
        let _ = write!(w, "{value}");
    }

    /// `"key": true`.
    pub fn bool(&mut self, w: &mut impl Write, key: &str, value: bool) {
        self.field(w, key);
        let _ = w.write_all(if value { b"true" } else { b"false" });
    }
}

/// A quoted string with iproute2 7.1's escapes (control characters as `\u00XX`).
#[inline(never)]
fn put_str(w: &mut dyn Write, s: &[u8]) {
    let _ = w.write_all(b"\"");
    put_escaped(w, s);
    let _ = w.write_all(b"\"");
}

/// `value` formatted as a quoted string with [`put_str`]'s escapes.
#[inline(never)]
fn put_fmt(w: &mut dyn Write, value: core::fmt::Arguments<'_>) {
    let _ = w.write_all(b"\"");
    let _ = core::fmt::Write::write_fmt(&mut Escaped(&mut *w), value);
    let _ = w.write_all(b"\"");
}

/// Writes formatted text through [`put_escaped`], with no intermediate `String`.
struct Escaped<'w>(&'w mut dyn Write);

impl core::fmt::Write for Escaped<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        put_escaped(self.0, s.as_bytes());
        Ok(())
    }

    fn write_char(&mut self, c: char) -> core::fmt::Result {
        crate::os::io::write_char_dyn(self, c)
    }
}

/// The body of a JSON string: `bytes` with iproute2 7.1's escapes, no quotes: `\t \n
/// \r \f \b \\ \"` by name, the other control characters (below 0x20, and 0x7f) as
/// `\u00XX` (since 7.0); every other byte, 0x80 and up included, as it is.
fn put_escaped(w: &mut dyn Write, bytes: &[u8]) {
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: Option<&[u8]> = match b {
            b'\t' => Some(b"\\t"),
            b'\n' => Some(b"\\n"),
            b'\r' => Some(b"\\r"),
            0x0c => Some(b"\\f"),
            0x08 => Some(b"\\b"),
            b'\\' => Some(b"\\\\"),
            b'"' => Some(b"\\\""),
            _ => None,
        };
        let control = b < 0x20 || b == 0x7f;
        if esc.is_some() || control {
            let _ = w.write_all(bytes.get(start..i).unwrap_or_default());
            match esc {
                Some(e) => {
                    let _ = w.write_all(e);
                }
                None => {
                    // `\u00XX`: a control character is below 0x80.
                    let hex = |d: u8| b"0123456789abcdef"[usize::from(d & 0xf)];
                    let _ = w.write_all(&[b'\\', b'u', b'0', b'0', hex(b >> 4), hex(b)]);
                }
            }
            start = i + 1;
        }
    }
    let _ = w.write_all(bytes.get(start..).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoints(pretty: bool, n: usize) -> String {
        let mut out = Vec::new();
        let mut j = JsonWriter::new(pretty);
        j.start_array(&mut out);
        for i in 0..n {
            j.start_object(&mut out);
            j.string(&mut out, "address", "10.0.0.1");
            j.uint(&mut out, "id", 5 + i as u64);
            j.bool(&mut out, "signal", true);
            j.end_object(&mut out);
        }
        j.end_array(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn compact() {
        assert_eq!(endpoints(false, 0), "[]\n");
        assert_eq!(
            endpoints(false, 2),
            "[{\"address\":\"10.0.0.1\",\"id\":5,\"signal\":true},{\"address\":\"10.0.0.1\",\"id\":6,\"signal\":true}]\n"
        );
    }

    #[test]
    fn pretty_matches_iproute2() {
        assert_eq!(endpoints(true, 0), "[ ]\n");
        assert_eq!(
            endpoints(true, 2),
            "[ {\n        \"address\": \"10.0.0.1\",\n        \"id\": 5,\n        \"signal\": true\n    },{\n        \"address\": \"10.0.0.1\",\n        \"id\": 6,\n        \"signal\": true\n    } ]\n"
        );
    }

    #[test]
    fn closing_bytes_follow_the_state() {
        let mut out = Vec::new();
        let mut j = JsonWriter::new(true);
        j.start_array(&mut out);
        assert_eq!(j.closing_bytes(), b"]\n");
        j.start_object(&mut out);
        j.end_object(&mut out);
        assert_eq!(j.closing_bytes(), b" ]\n");
    }

    #[test]
    fn keys_are_escaped_and_numbers_plain() {
        let mut out = Vec::new();
        let mut j = JsonWriter::new(false);
        j.start_array(&mut out);
        j.start_object(&mut out);
        j.int(&mut out, "a\"b", -42);
        j.uint(&mut out, "max", u64::MAX);
        j.bool(&mut out, "no", false);
        j.string(&mut out, "dev", "x\u{1b}y");
        j.end_object(&mut out);
        j.end_array(&mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "[{\"a\\\"b\":-42,\"max\":18446744073709551615,\"no\":false,\"dev\":\"x\\u001by\"}]\n"
        );
    }

    #[test]
    fn formatted_strings_match_plain_ones() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let (mut ja, mut jb) = (JsonWriter::new(true), JsonWriter::new(true));
        for (j, w) in [(&mut ja, &mut a), (&mut jb, &mut b)] {
            j.start_array(w);
            j.start_object(w);
        }
        ja.string(&mut a, "k", "a\"b\tc 0x1f");
        jb.string_fmt(&mut b, "k", format_args!("a{}b\tc {:#x}", '"', 31));
        for (j, w) in [(&mut ja, &mut a), (&mut jb, &mut b)] {
            j.end_object(w);
            j.end_array(w);
        }
        assert_eq!(String::from_utf8(b).unwrap(), String::from_utf8(a).unwrap());
    }

    #[test]
    fn escapes() {
        let mut out = Vec::new();
        put_str(&mut out, b"a\"b\\c\td\x01\x7f/");
        assert_eq!(String::from_utf8(out).unwrap(), "\"a\\\"b\\\\c\\td\\u0001\\u007f/\"");
    }

    /// Bytes that are not UTF-8 are carried raw, as iproute2's writer carries them.
    #[test]
    fn bytes_pass_through() {
        let mut out = Vec::new();
        let mut j = JsonWriter::new(false);
        j.start_object(&mut out);
        j.string_bytes(&mut out, "dev", b"w\xff\xe9\"\n");
        j.end_object(&mut out);
        assert_eq!(out, b"{\"dev\":\"w\xff\xe9\\\"\\n\"}");
    }
}
