//! A small, strict JSON reader (RFC 8259) and the two layouts of iproute2's JSON writer.
//!
//! Strict: one value per document with only space, tab, LF and CR around it; no trailing
//! commas; strings are valid UTF-8 with no raw control bytes and only the escapes of the
//! RFC, surrogates in pairs; numbers follow the grammar (`-0.5e3`, not `+1`, `01`, `1.`,
//! `.5`); duplicate keys in an object are refused (a consumer could keep either). Objects
//! keep their key order, and numbers their text, so that a document can be written back
//! byte for byte.
//!
//! Used by the conformance suite (the recorded scenarios, every `-j` output) and, through
//! a `#[path]` module, by the fuzz targets' printer checks.

/// A JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number, as written.
    Num(String),
    /// A string.
    Str(String),
    /// An array.
    Arr(Vec<Json>),
    /// An object, keys in document order.
    Obj(Vec<(String, Json)>),
}

impl Json {
    /// Member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The elements, if this is an array.
    pub fn as_array(&self) -> Option<&[Json]> {
        match self {
            Json::Arr(a) => Some(a),
            _ => None,
        }
    }

    /// The members in order, if this is an object.
    pub fn as_object(&self) -> Option<&[(String, Json)]> {
        match self {
            Json::Obj(m) => Some(m),
            _ => None,
        }
    }

    /// The number as an integer, if it is one that fits.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Json::Num(n) => n.parse().ok(),
            _ => None,
        }
    }

    /// The number as an unsigned integer, if it is one that fits.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Json::Num(n) => n.parse().ok(),
            _ => None,
        }
    }
}

/// The deepest nesting [`parse`] accepts (our documents are two deep).
const MAX_DEPTH: usize = 64;

/// Parses a whole document.
pub fn parse(text: &str) -> Result<Json, String> {
    let mut p = Parser { s: text.as_bytes(), i: 0, depth: 0 };
    let v = p.value()?;
    p.ws();
    if p.i != p.s.len() {
        return Err(format!("trailing data at byte {}", p.i));
    }
    Ok(v)
}

/// Parses a document given as bytes: they must be UTF-8 first.
pub fn parse_bytes(bytes: &[u8]) -> Result<Json, String> {
    parse(std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?)
}

/// Parses a stream of documents separated by white space (a batch prints one per
/// command); an empty stream is no documents.
pub fn parse_stream(text: &str) -> Result<Vec<Json>, String> {
    let mut p = Parser { s: text.as_bytes(), i: 0, depth: 0 };
    let mut docs = Vec::new();
    loop {
        p.ws();
        if p.i == p.s.len() {
            return Ok(docs);
        }
        docs.push(p.value()?);
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    depth: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while matches!(self.s.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> Result<(), String> {
        self.ws();
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(format!("expected '{}' at byte {}", c as char, self.i))
        }
    }

    fn value(&mut self) -> Result<Json, String> {
        self.ws();
        match self.peek() {
            Some(b'{') => self.nested(Self::object),
            Some(b'[') => self.nested(Self::array),
            Some(b'"') => self.string().map(Json::Str),
            Some(b't') => self.word("true", Json::Bool(true)),
            Some(b'f') => self.word("false", Json::Bool(false)),
            Some(b'n') => self.word("null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(c) => Err(format!("unexpected byte {c:#04x} at byte {}", self.i)),
            None => Err("unexpected end".into()),
        }
    }

    fn nested(&mut self, f: fn(&mut Self) -> Result<Json, String>) -> Result<Json, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!("nested deeper than {MAX_DEPTH} at byte {}", self.i));
        }
        let v = f(self);
        self.depth -= 1;
        v
    }

    fn word(&mut self, w: &str, v: Json) -> Result<Json, String> {
        if self.s[self.i..].starts_with(w.as_bytes()) {
            self.i += w.len();
            Ok(v)
        } else {
            Err(format!("bad literal at byte {}", self.i))
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i - start
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    fn number(&mut self) -> Result<Json, String> {
        let start = self.i;
        let bad = |at: usize| format!("bad number at byte {at}");
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.i += 1;
                if matches!(self.peek(), Some(b'0'..=b'9')) {
                    return Err(bad(start));
                }
            }
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(bad(start)),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(bad(start));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(bad(start));
            }
        }
        // Only ASCII was consumed.
        Ok(Json::Num(String::from_utf8_lossy(&self.s[start..self.i]).into_owned()))
    }

    fn object(&mut self) -> Result<Json, String> {
        self.eat(b'{')?;
        let mut m: Vec<(String, Json)> = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(Json::Obj(m));
        }
        loop {
            self.ws();
            let at = self.i;
            let k = self.string()?;
            if m.iter().any(|(seen, _)| *seen == k) {
                return Err(format!("duplicate key {k:?} at byte {at}"));
            }
            self.eat(b':')?;
            let v = self.value()?;
            m.push((k, v));
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Json::Obj(m));
                }
                _ => return Err(format!("expected ',' or '}}' at byte {}", self.i)),
            }
        }
    }

    fn array(&mut self) -> Result<Json, String> {
        self.eat(b'[')?;
        let mut a = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(Json::Arr(a));
        }
        loop {
            a.push(self.value()?);
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Json::Arr(a));
                }
                _ => return Err(format!("expected ',' or ']' at byte {}", self.i)),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let h = self.s.get(self.i..self.i + 4).ok_or("short \\u escape")?;
        if !h.iter().all(u8::is_ascii_hexdigit) {
            return Err(format!("bad \\u escape at byte {}", self.i));
        }
        self.i += 4;
        let h = std::str::from_utf8(h).map_err(|e| e.to_string())?;
        u32::from_str_radix(h, 16).map_err(|e| e.to_string())
    }

    fn string(&mut self) -> Result<String, String> {
        if self.peek() != Some(b'"') {
            return Err(format!("expected a string at byte {}", self.i));
        }
        self.i += 1;
        let mut out = Vec::new();
        loop {
            let at = self.i;
            let c = self.peek().ok_or("unterminated string")?;
            self.i += 1;
            match c {
                b'"' => {
                    return String::from_utf8(out).map_err(|e| format!("string not UTF-8: {e}"));
                }
                0..=0x1f => return Err(format!("raw control byte {c:#04x} at byte {at}")),
                b'\\' => {
                    let e = self.peek().ok_or("unterminated escape")?;
                    self.i += 1;
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return Err(format!("bad escape at byte {at}")),
                    };
                    let mut b = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut b).as_bytes());
                }
                _ => out.push(c),
            }
        }
    }

    /// After `\u`: one code point, a surrogate pair counting as one.
    fn unicode_escape(&mut self) -> Result<char, String> {
        let at = self.i;
        let cp = self.hex4()?;
        let cp = match cp {
            0xd800..=0xdbff => {
                if !self.s[self.i..].starts_with(b"\\u") {
                    return Err(format!("lone high surrogate at byte {at}"));
                }
                self.i += 2;
                let lo = self.hex4()?;
                if !(0xdc00..=0xdfff).contains(&lo) {
                    return Err(format!("bad low surrogate at byte {at}"));
                }
                0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00)
            }
            0xdc00..=0xdfff => return Err(format!("lone low surrogate at byte {at}")),
            cp => cp,
        };
        char::from_u32(cp).ok_or_else(|| format!("bad code point at byte {at}"))
    }
}

/// A string body as iproute2's writer escapes it: `\t \n \r \f \b \\ \"`, other control
/// bytes and DEL as `\u00xx`, everything else as is.
fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\u{c}' => out.push_str("\\f"),
            '\u{8}' => out.push_str("\\b"),
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
}

fn quoted(s: &str, out: &mut String) {
    out.push('"');
    escape(s, out);
    out.push('"');
}

/// `v` as iproute2 writes it without `-p`: no white space, and a newline after a
/// top-level array or object.
pub fn compact(v: &Json) -> String {
    let mut out = String::new();
    write_compact(v, &mut out);
    if matches!(v, Json::Arr(_) | Json::Obj(_)) {
        out.push('\n');
    }
    out
}

fn write_compact(v: &Json, out: &mut String) {
    match v {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Num(n) => out.push_str(n),
        Json::Str(s) => quoted(s, out),
        Json::Arr(a) => {
            out.push('[');
            for (i, e) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_compact(e, out);
            }
            out.push(']');
        }
        Json::Obj(m) => {
            out.push('{');
            for (i, (k, e)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                quoted(k, out);
                out.push(':');
                write_compact(e, out);
            }
            out.push('}');
        }
    }
}

/// `v` as iproute2 writes it with `-p` (`lib/json_writer.c`): an array opens with `[ `
/// and closes with ` ]` (`[ ]` when empty), its elements follow each other with a bare
/// `,`; each object member starts a new line indented four spaces per open container;
/// a non-empty object closes on a line of its own. A top-level array or object ends with
/// a newline.
pub fn pretty(v: &Json) -> String {
    let mut out = String::new();
    write_pretty(v, 0, &mut out);
    if matches!(v, Json::Arr(_) | Json::Obj(_)) {
        out.push('\n');
    }
    out
}

fn newline(depth: usize, out: &mut String) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("    ");
    }
}

fn write_pretty(v: &Json, depth: usize, out: &mut String) {
    match v {
        Json::Arr(a) => {
            out.push_str("[ ");
            for (i, e) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_pretty(e, depth + 1, out);
            }
            out.push_str(if a.is_empty() { "]" } else { " ]" });
        }
        Json::Obj(m) => {
            out.push('{');
            for (i, (k, e)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(depth + 1, out);
                quoted(k, out);
                out.push_str(": ");
                write_pretty(e, depth + 1, out);
            }
            if !m.is_empty() {
                newline(depth, out);
            }
            out.push('}');
        }
        scalar => write_compact(scalar, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_scenario_shapes() {
        let v = parse(
            r#"[{"id":"A1","setup":[],"expect":{"stdout":"a\tb\n\u001b[0m","rc":255},"x":true}]"#,
        )
        .unwrap();
        let s = &v.as_array().unwrap()[0];
        assert_eq!(s.get("id").unwrap().as_str(), Some("A1"));
        assert_eq!(s.get("expect").unwrap().get("stdout").unwrap().as_str(), Some("a\tb\n\x1b[0m"));
        assert_eq!(s.get("expect").unwrap().get("rc").unwrap().as_i64(), Some(255));
        assert_eq!(s.get("x").unwrap().as_bool(), Some(true));
    }

    #[test]
    fn surrogate_pairs_and_bad_input() {
        assert_eq!(parse(r#""\ud83d\ude00""#).unwrap(), Json::Str("\u{1f600}".into()));
        assert!(parse(r#""\ud83d\u0041""#).is_err());
        assert!(parse(r#""\ud83d""#).is_err());
        assert!(parse(r#""\ude00""#).is_err());
        assert!(parse(r#"["a", ]"#).is_err());
        assert!(parse(r#"{"a": 1,}"#).is_err());
        assert!(parse(r#"{"a": 1} x"#).is_err());
        assert!(parse(r#""abc"#).is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn strict_strings() {
        assert!(parse("\"a\u{1}b\"").is_err());
        assert!(parse("\"a\tb\"").is_err());
        assert!(parse(r#""\x41""#).is_err());
        assert!(parse(r#""\u00g1""#).is_err());
        assert!(parse(r#""\u+041""#).is_err());
        assert!(parse_bytes(b"\"\xff\"").is_err());
        assert_eq!(parse(r#""\u007f\/""#).unwrap(), Json::Str("\u{7f}/".into()));
        assert!(parse(r#"{"a":1,"a":2}"#).is_err());
    }

    #[test]
    fn strict_numbers() {
        for good in ["0", "-0", "12", "-12.5", "1e9", "1E+9", "1.0e-3", "18446744073709551615"] {
            assert_eq!(parse(good), Ok(Json::Num(good.into())), "{good}");
        }
        for bad in ["+1", "01", "1.", ".5", "-", "1e", "1e+", "0x1", "- 1", "1.e3", "Infinity"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert_eq!(parse("18446744073709551615").unwrap().as_u64(), Some(u64::MAX));
    }

    #[test]
    fn white_space_is_the_rfc_four() {
        assert!(parse(" [ 1 ,\t2\r\n] ").is_ok());
        assert!(parse("\u{b}1").is_err());
        assert!(parse("\u{a0}1").is_err());
    }

    #[test]
    fn depth_is_bounded() {
        assert!(parse(&"[".repeat(MAX_DEPTH + 1)).is_err());
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn streams() {
        assert_eq!(parse_stream("").unwrap(), vec![]);
        assert_eq!(parse_stream("[]\n[1]\n").unwrap().len(), 2);
        assert!(parse_stream("[]\n[1,]\n").is_err());
    }

    #[test]
    fn layouts_match_iproute2() {
        let v = parse(r#"[{"address":"10.0.0.1","id":1,"dev":"a\"\u0001\u007f"},{}]"#).unwrap();
        assert_eq!(
            compact(&v),
            "[{\"address\":\"10.0.0.1\",\"id\":1,\"dev\":\"a\\\"\\u0001\\u007f\"},{}]\n"
        );
        assert_eq!(
            pretty(&v),
            "[ {\n        \"address\": \"10.0.0.1\",\n        \"id\": 1,\n        \"dev\": \
             \"a\\\"\\u0001\\u007f\"\n    },{} ]\n"
        );
        assert_eq!(pretty(&parse("[]").unwrap()), "[ ]\n");
        assert_eq!(
            pretty(&parse(r#"{"a":0,"b":2}"#).unwrap()),
            "{\n    \"a\": 0,\n    \"b\": 2\n}\n"
        );
    }
}
