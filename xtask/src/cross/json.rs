//! Just enough JSON for the scenario files (strings with escapes, numbers, lists,
//! objects, `true`/`false`/`null`): the xtask has no dependencies, and the test
//! library's reader lives in the root package.

use crate::util::Result;

pub enum Value {
    Null,
    Bool(#[allow(dead_code)] bool),
    Num(f64),
    Str(String),
    List(Vec<Value>),
    Obj(Vec<(String, Value)>),
}

impl Value {
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Obj(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

pub struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Parser<'a> {
    pub fn new(text: &'a str) -> Self {
        Parser { s: text.as_bytes(), i: 0 }
    }

    fn ws(&mut self) {
        while self.s.get(self.i).is_some_and(|c| c.is_ascii_whitespace()) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Result {
        self.ws();
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            Ok(())
        } else {
            Err(format!("expected `{}` at byte {}", c as char, self.i))
        }
    }

    pub fn value(&mut self) -> Result<Value> {
        self.ws();
        match self.s.get(self.i) {
            Some(b'[') => {
                self.i += 1;
                let mut v = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Ok(Value::List(v));
                }
                loop {
                    v.push(self.value()?);
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Value::List(v));
                        }
                        _ => return Err(format!("bad list at byte {}", self.i)),
                    }
                }
            }
            Some(b'{') => {
                self.i += 1;
                let mut m = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Ok(Value::Obj(m));
                }
                loop {
                    self.ws();
                    let k = self.string()?;
                    self.eat(b':')?;
                    m.push((k, self.value()?));
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Value::Obj(m));
                        }
                        _ => return Err(format!("bad object at byte {}", self.i)),
                    }
                }
            }
            Some(b'"') => Ok(Value::Str(self.string()?)),
            Some(b't') => self.word("true", Value::Bool(true)),
            Some(b'f') => self.word("false", Value::Bool(false)),
            Some(b'n') => self.word("null", Value::Null),
            _ => {
                let start = self.i;
                while self.s.get(self.i).is_some_and(|c| b"+-.eE0123456789".contains(c)) {
                    self.i += 1;
                }
                let t = std::str::from_utf8(&self.s[start..self.i]).unwrap_or_default();
                t.parse().map(Value::Num).map_err(|_| format!("bad value at byte {start}"))
            }
        }
    }

    fn word(&mut self, w: &str, v: Value) -> Result<Value> {
        if self.s[self.i..].starts_with(w.as_bytes()) {
            self.i += w.len();
            Ok(v)
        } else {
            Err(format!("bad value at byte {}", self.i))
        }
    }

    fn string(&mut self) -> Result<String> {
        self.eat(b'"')?;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let c = *self.s.get(self.i).ok_or("unterminated string")?;
            self.i += 1;
            match c {
                b'"' => return String::from_utf8(out).map_err(|_| "bad UTF-8".to_string()),
                b'\\' => {
                    let e = *self.s.get(self.i).ok_or("unterminated escape")?;
                    self.i += 1;
                    let ch = match e {
                        b'n' => '\n',
                        b't' => '\t',
                        b'r' => '\r',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'u' => {
                            let hex = self.s.get(self.i..self.i + 4).ok_or("short \\u")?;
                            self.i += 4;
                            let hex = std::str::from_utf8(hex).map_err(|_| "bad \\u")?;
                            let n = u32::from_str_radix(hex, 16).map_err(|_| "bad \\u")?;
                            char::from_u32(n).unwrap_or('\u{fffd}')
                        }
                        other => other as char,
                    };
                    let mut b = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut b).as_bytes());
                }
                _ => out.push(c),
            }
        }
    }
}

/// (id, stdout, stderr, rc) of every scenario in a recorded file. The xtask has no
/// JSON library: this reads exactly the shape of our scenario files (a list of flat
/// objects whose `expect` is an object of two strings and a number).
pub fn scenario_expectations(text: &str) -> Result<Vec<(String, String, String, i32)>> {
    let mut p = Parser::new(text);
    let list = p.value()?;
    let Value::List(items) = list else { return Err("not a list".into()) };
    items
        .iter()
        .enumerate()
        .map(|(n, s)| {
            let str_of = |v: Option<&Value>, k: &str| match v {
                Some(Value::Str(s)) => Ok(s.clone()),
                _ => Err(format!("#{n}: no string `{k}`")),
            };
            let expect = s.get("expect").ok_or_else(|| format!("#{n}: no `expect`"))?;
            let rc = match expect.get("rc") {
                Some(Value::Num(r)) => *r as i32,
                _ => return Err(format!("#{n}: no `rc`")),
            };
            Ok((
                str_of(s.get("id"), "id")?,
                str_of(expect.get("stdout"), "stdout")?,
                str_of(expect.get("stderr"), "stderr")?,
                rc,
            ))
        })
        .collect()
}
