//! The recorded `ip mptcp` scenarios (`tests/conformance/*.json`) and the words that
//! stand for programs in their commands: read by the host's conformance suite and by
//! the guest runner of `cargo xtask cross`, so that both run exactly the same scripts.
//!
//! An expected output is bytes. JSON strings are Unicode text, so an output that is not
//! UTF-8 (iproute2 echoes a word or prints an interface name as its raw bytes) is given
//! as `stdout_bytes` or `stderr_bytes` instead of `stdout` or `stderr`: text in which
//! `\xNN` (two hex digits, either case) stands for the byte 0xNN and `\\` for one
//! backslash, every other character for its UTF-8 bytes (see [`decode_bytes`]). In the
//! JSON file those backslashes are doubled: `"stderr_bytes": "Error: argument
//! \"\\xff\" is wrong: unknown limit\n"`.

use std::path::Path;

use crate::json::{self, Json};

/// What a scenario must print and return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expect {
    /// stdout, byte for byte.
    pub stdout: Vec<u8>,
    /// stderr, byte for byte.
    pub stderr: Vec<u8>,
    /// The exit status.
    pub rc: i32,
}

/// One case: commands that set a namespace up, the command under test and, for a
/// recorded scenario, what it printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    /// A short unique id (`B14`).
    pub id: String,
    /// What it shows.
    pub title: String,
    /// Shell commands run first; their output is not compared.
    pub setup: Vec<String>,
    /// The shell command whose output is compared.
    pub cmd: String,
    /// The recording; `None` in a file of flows that are compared between machines only.
    pub expect: Option<Expect>,
}

/// Reads a scenario file. Every field is required, `expect` too unless `recorded` is
/// false (a typo must not pass silently).
pub fn load(path: &Path, recorded: bool) -> Result<Vec<Scenario>, String> {
    let file = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{file}: {e}"))?;
    let doc = json::parse(&text).map_err(|e| format!("{file}: {e}"))?;
    let list = doc.as_array().ok_or_else(|| format!("{file}: not a list of scenarios"))?;
    list.iter()
        .enumerate()
        .map(|(n, s)| {
            let get = |v: &Json, k: &str| -> Result<String, String> {
                let f = v.get(k).and_then(Json::as_str);
                f.map(str::to_owned).ok_or_else(|| format!("{file}: #{n}: no string `{k}`"))
            };
            let setup = s.get("setup").and_then(Json::as_array);
            let setup = setup.ok_or_else(|| format!("{file}: #{n}: no `setup` list"))?;
            let setup = setup
                .iter()
                .map(|c| c.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| format!("{file}: #{n}: a setup command is not a string"))?;
            // `KEY` as text, or `KEY_bytes` with `\xNN` escapes: exactly one of them.
            let output = |e: &Json, k: &str| -> Result<Vec<u8>, String> {
                let escaped = format!("{k}_bytes");
                match (e.get(k), e.get(&escaped)) {
                    (Some(_), None) => get(e, k).map(String::into_bytes),
                    (None, Some(_)) => decode_bytes(&get(e, &escaped)?)
                        .map_err(|why| format!("{file}: #{n}: `{escaped}`: {why}")),
                    (Some(_), Some(_)) => Err(format!("{file}: #{n}: both `{k}` and `{escaped}`")),
                    (None, None) => Err(format!("{file}: #{n}: no string `{k}`")),
                }
            };
            let expect = match (s.get("expect"), recorded) {
                (Some(e), _) => {
                    let rc = e.get("rc").and_then(Json::as_i64);
                    let rc = rc.ok_or_else(|| format!("{file}: #{n}: no integer `rc`"))?;
                    Some(Expect {
                        stdout: output(e, "stdout")?,
                        stderr: output(e, "stderr")?,
                        rc: rc as i32,
                    })
                }
                (None, true) => return Err(format!("{file}: #{n}: no `expect`")),
                (None, false) => None,
            };
            Ok(Scenario {
                id: get(s, "id")?,
                title: get(s, "title")?,
                setup,
                cmd: get(s, "cmd")?,
                expect,
            })
        })
        .collect()
}

/// The bytes of a `stdout_bytes`/`stderr_bytes` text: `\xNN` is the byte 0xNN, `\\` one
/// backslash, any other character its UTF-8 bytes; any other backslash is an error.
pub fn decode_bytes(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('\\') {
        out.extend_from_slice(&rest.as_bytes()[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('\\') {
            out.push(b'\\');
            rest = tail;
        } else if let Some(hex) = after.strip_prefix('x').and_then(|h| h.get(..2)) {
            let byte = u8::from_str_radix(hex, 16)
                .ok()
                .filter(|_| hex.bytes().all(|b| b.is_ascii_hexdigit()))
                .ok_or_else(|| format!("`\\x{hex}` is not two hex digits"))?;
            out.push(byte);
            rest = &after[3..];
        } else {
            return Err(format!(
                "a backslash not followed by `x` and two hex digits or `\\`: {rest:?}"
            ));
        }
    }
    out.extend_from_slice(rest.as_bytes());
    Ok(out)
}

/// `bytes` as text for a failure report: UTF-8 as it is, every other byte as `\xNN`
/// (the notation of [`decode_bytes`]).
pub fn escaped_text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// Replaces whole-word `word` (neighbours not alphanumeric or `_`) by `with`.
pub fn replace_word(text: &str, word: &str, with: &str) -> String {
    let is_word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let hit = b[i..].starts_with(word.as_bytes())
            && (i == 0 || !is_word(b[i - 1]))
            && b.get(i + word.len()).is_none_or(|&c| !is_word(c));
        if hit {
            out.push_str(with);
            i += word.len();
        } else {
            let ch = text[i..].chars().next().unwrap_or_default();
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// Fills the placeholders of a command: `IP`/`NEWIP` (the binary under test, through
/// a link named `ip`), `NS` (the scenario's namespace) and the fixture verbs
/// (`MPTCP_LISTEN` and the like, the `mptcp-fixture` program).
pub fn substitute(cmd: &str, ns: &str, ip: &Path, fixture: &str) -> String {
    let mut c = cmd.to_owned();
    for (placeholder, verb) in [
        ("MPTCP_LISTEN", "listen"),
        ("MPTCP_CONN", "conn"),
        ("MPTCP_SERVER", "server"),
        ("MPTCP_CLIENT", "client"),
    ] {
        c = replace_word(&c, placeholder, &format!("{fixture} {verb}"));
    }
    let ip = ip.to_string_lossy();
    c = replace_word(&c, "NEWIP", &ip);
    c = replace_word(&c, "IP", &ip);
    replace_word(&c, "NS", ns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_whole_words() {
        let ip = Path::new("/t/ip");
        assert_eq!(
            substitute("IP -n NS mptcp; ip -n NS-peer link; MPTCP_CONN 1 2", "x", ip, "/f"),
            "/t/ip -n x mptcp; ip -n x-peer link; /f conn 1 2"
        );
        assert_eq!(substitute("NEWIP -n NS IPX NSA", "x", ip, "/f"), "/t/ip -n x IPX NSA");
        assert_eq!(
            substitute("MPTCP_SERVER a 1 & MPTCP_CLIENT a 1 0.5; MPTCP_LISTEN_X", "x", ip, "/f"),
            "/f server a 1 & /f client a 1 0.5; MPTCP_LISTEN_X"
        );
    }

    #[test]
    fn escaped_bytes() {
        assert_eq!(decode_bytes("a\\xffb\\\\x\\xE9").unwrap(), b"a\xffb\\x\xe9");
        assert_eq!(decode_bytes("dev \u{1b}[0m").unwrap(), "dev \u{1b}[0m".as_bytes());
        for bad in ["\\", "\\x", "\\xf", "\\xfg", "\\n", "\\x+1"] {
            assert!(decode_bytes(bad).is_err(), "{bad:?}");
        }
        assert_eq!(escaped_text(b"w\xff \\\n"), "w\\xff \\\n");
        let dir = std::env::temp_dir().join(format!("scenario-bytes-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("s.json");
        let one = r#"[{"id":"Z","title":"t","setup":[],"cmd":"IP","expect":{"stdout":"","#;
        std::fs::write(&f, format!("{one}\"stderr_bytes\":\"\\\\xff\\n\",\"rc\":255}}}}]"))
            .unwrap();
        assert_eq!(load(&f, true).unwrap()[0].expect.as_ref().unwrap().stderr, b"\xff\n");
        std::fs::write(&f, format!("{one}\"stderr\":\"\",\"stderr_bytes\":\"\",\"rc\":0}}}}]"))
            .unwrap();
        assert!(load(&f, true).unwrap_err().contains("both"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn flows_need_no_recording_but_scenarios_do() {
        let dir = std::env::temp_dir().join(format!("scenario-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("s.json");
        std::fs::write(&f, r#"[{"id":"Z","title":"t","setup":["a"],"cmd":"IP"}]"#).unwrap();
        let flows = load(&f, false).unwrap();
        assert_eq!(flows[0].setup, ["a"]);
        assert_eq!(flows[0].expect, None);
        assert!(load(&f, true).unwrap_err().contains("no `expect`"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
