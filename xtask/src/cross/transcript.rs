//! Reads back what the guest runner (`tests/support/guest/runner.rs`) wrote to the
//! console: one line per scenario, tagged, with stdout and stderr in hex.
//!
//! The console may add `\r` and the kernel may print between or even inside our lines
//! (it is told to be quiet, but a panic is not), so a line counts from its tag on, and a
//! run counts only when its `end` line names as many cases as were read.

use std::collections::BTreeMap;

/// The tag of every line the runner writes.
pub const TAG: &str = "@@mptcp-guest";

/// One case as the guest saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: i32,
    pub millis: u64,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Outcome {
    /// The same output and status (the time may differ).
    pub fn same(&self, other: &Outcome) -> bool {
        self.status == other.status && self.stdout == other.stdout && self.stderr == other.stderr
    }
}

/// Everything one runner (one label: a binary on a kernel) wrote.
#[derive(Debug, Clone, Default)]
pub struct Run {
    /// `uname -r` and the machine, from the `begin` line.
    pub release: String,
    pub machine: String,
    pub cases: BTreeMap<String, Outcome>,
    /// Timed cases that missed their recording on the first run and ran once more
    /// (`retry` lines); their outcome is the second run's.
    pub retried: Vec<String>,
    /// From the `end` line: cases and how long they took together.
    pub end: Option<(usize, u64)>,
}

/// Every run in a console transcript, by label.
pub fn parse(console: &str) -> Result<BTreeMap<String, Run>, String> {
    let mut runs: BTreeMap<String, Run> = BTreeMap::new();
    for raw in console.lines() {
        let Some(at) = raw.find(TAG) else { continue };
        let line = raw[at + TAG.len()..].trim_end_matches('\r');
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["begin", label, release, machine] => {
                let run = runs.entry(label.to_string()).or_default();
                run.release = release.to_string();
                run.machine = machine.to_string();
            }
            ["case", label, id, status, millis, out, err] => {
                let outcome = Outcome {
                    status: status.parse().map_err(|_| format!("bad status in {raw:?}"))?,
                    millis: millis.parse().map_err(|_| format!("bad time in {raw:?}"))?,
                    stdout: unhex(out).ok_or_else(|| format!("bad stdout hex in {raw:?}"))?,
                    stderr: unhex(err).ok_or_else(|| format!("bad stderr hex in {raw:?}"))?,
                };
                let run = runs.entry(label.to_string()).or_default();
                if run.cases.insert(id.to_string(), outcome).is_some() {
                    return Err(format!("case {id} of {label} reported twice"));
                }
            }
            ["end", label, count, millis] => {
                let count = count.parse().map_err(|_| format!("bad count in {raw:?}"))?;
                let millis = millis.parse().map_err(|_| format!("bad time in {raw:?}"))?;
                runs.entry(label.to_string()).or_default().end = Some((count, millis));
            }
            ["retry", label, id] => {
                runs.entry(label.to_string()).or_default().retried.push(id.to_string());
            }
            ["boot", ..] | ["done", ..] | ["align", ..] => {}
            ["fail", what @ ..] => return Err(format!("the guest failed: {}", what.join(" "))),
            _ => return Err(format!("garbled console line {raw:?}")),
        }
    }
    for (label, run) in &runs {
        match run.end {
            Some((n, _)) if n == run.cases.len() => {}
            Some((n, _)) => {
                return Err(format!(
                    "{label}: the guest ran {n} cases but {} arrived",
                    run.cases.len()
                ));
            }
            None => return Err(format!("{label}: no end line (the guest stopped early)")),
        }
    }
    Ok(runs)
}

/// The kernel's unaligned-access counters as the guest printed them before and after
/// its runs (`align before|after WORDS…`, one line of the counter file each): by name
/// (the words before the first number; none for mipsel's bare number), the number.
/// armv7's `User faults:` line is its fix-up mode, not a count, and is left out.
pub type Counters = BTreeMap<String, u64>;

/// The counters before and after, if the guest printed any.
pub fn alignment(console: &str) -> Option<(Counters, Counters)> {
    let (mut before, mut after) = (Counters::new(), Counters::new());
    for raw in console.lines() {
        let Some(at) = raw.find(TAG) else { continue };
        let words: Vec<&str> = raw[at + TAG.len()..].split_whitespace().collect();
        let (when, rest) = match words.as_slice() {
            ["align", when, rest @ ..] => (*when, rest),
            _ => continue,
        };
        let Some(i) = rest.iter().position(|w| w.parse::<u64>().is_ok()) else { continue };
        let name = rest[..i].join(" ");
        if name == "User faults:" {
            continue;
        }
        let n = rest[i].parse().unwrap_or_default();
        match when {
            "before" => before.insert(name, n),
            _ => after.insert(name, n),
        };
    }
    (!before.is_empty() || !after.is_empty()).then_some((before, after))
}

/// The counters that grew (or vanished) from `before` to `after`, as `name a -> b`.
pub fn grown(before: &Counters, after: &Counters) -> Vec<String> {
    let mut out = Vec::new();
    for (name, &b) in before {
        let name = if name.is_empty() { String::new() } else { format!("{name} ") };
        match after.get(name.trim_end()) {
            Some(&a) if a <= b => {}
            Some(&a) => out.push(format!("{name}{b} -> {a}")),
            None => out.push(format!("{name}{b} -> (not printed)")),
        }
    }
    if before.is_empty() {
        out.push("no counter printed before the runs".into());
    }
    out
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s == "-" {
        return Some(Vec::new());
    }
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

/// A byte string as one readable line: printable ASCII as is, the rest escaped.
pub fn show(bytes: &[u8]) -> String {
    let mut s = String::from("\"");
    for &b in bytes {
        match b {
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s.push('"');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lines_through_console_noise() {
        let console = "[    1.2] random: crng init done\r\n\
            @@mptcp-guest begin a64 6.1.0-57-arm64 aarch64\r\n\
            noise @@mptcp-guest case a64 A01 255 12 - 55736167650a\r\n\
            @@mptcp-guest retry a64 B01\r\n\
            @@mptcp-guest case a64 B01 0 8 6f6b0a -\r\n\
            @@mptcp-guest end a64 2 40\r\n";
        let runs = parse(console).unwrap();
        let run = &runs["a64"];
        assert_eq!((run.release.as_str(), run.machine.as_str()), ("6.1.0-57-arm64", "aarch64"));
        assert_eq!(run.cases["A01"].stderr, b"Usage\n");
        assert_eq!(run.cases["A01"].status, 255);
        assert_eq!(run.cases["B01"].stdout, b"ok\n");
        assert_eq!(run.retried, ["B01"]);
        assert_eq!(run.end, Some((2, 40)));
    }

    #[test]
    fn a_run_without_its_end_or_with_cases_missing_fails() {
        let begun = "@@mptcp-guest begin x 6.1 s390x\n@@mptcp-guest case x A 0 1 - -\n";
        assert!(parse(begun).unwrap_err().contains("no end line"));
        let short = format!("{begun}@@mptcp-guest end x 2 5\n");
        assert!(parse(&short).unwrap_err().contains("ran 2 cases but 1 arrived"));
        assert!(parse("@@mptcp-guest case x A 0 1 zz -\n").is_err());
    }

    #[test]
    fn alignment_counters_are_read_and_compared() {
        let arm = "@@mptcp-guest align before User: 0\n\
            @@mptcp-guest align before System: 0 (0x0)\n\
            @@mptcp-guest align before User faults: 2 (fixup)\n\
            @@mptcp-guest begin a 6.1 armv7l\n@@mptcp-guest end a 0 1\n\
            @@mptcp-guest align after User: 0\n\
            @@mptcp-guest align after System: 3 (0xc0123456)\n\
            @@mptcp-guest align after User faults: 2 (fixup)\n";
        let (b, a) = alignment(arm).unwrap();
        assert_eq!(b.len(), 2, "{b:?}");
        assert_eq!(grown(&b, &a), ["System: 0 -> 3"]);
        assert!(parse(arm).is_ok(), "align lines are not cases");
        let mips = "@@mptcp-guest align before 7\n@@mptcp-guest align after 7\n";
        let (b, a) = alignment(mips).unwrap();
        assert_eq!((b[""], a[""]), (7, 7));
        assert!(grown(&b, &a).is_empty());
        assert!(alignment("@@mptcp-guest done\n").is_none());
        let lost = "@@mptcp-guest align before 1\n";
        let (b, a) = alignment(lost).unwrap();
        assert_eq!(grown(&b, &a), ["1 -> (not printed)"]);
    }

    #[test]
    fn shown_bytes_are_escaped() {
        assert_eq!(show(b"a\tb\n\x01\""), "\"a\\tb\\n\\x01\\\"\"");
    }
}
