//! `mptcp-guest run`: every scenario of the given files, each in a fresh namespace,
//! several at a time, and one line per result on stdout.
//!
//! The lines, each starting with [`TAG`] and separated by single spaces (the xtask's
//! `cross/transcript.rs` reads them back from the console):
//!
//! ```text
//! @@mptcp-guest begin LABEL RELEASE MACHINE
//! @@mptcp-guest case LABEL ID STATUS MILLISECONDS STDOUT STDERR
//! @@mptcp-guest retry LABEL ID
//! @@mptcp-guest end LABEL COUNT MILLISECONDS
//! ```
//!
//! STDOUT and STDERR are the bytes in lower-case hex, `-` when empty, so that a console
//! (which turns `\n` into `\r\n`) cannot change them; STATUS is the exit status, 128 + N
//! after signal N, -1 after the 60 s deadline, -2 when the namespace could not be made
//! (STDERR says why). Lines come in the order scenarios end. A `retry` line says the
//! next `case` line of that id is a second run: a timed case that missed its recording
//! the first time runs once more, alone, after all the others.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use mptcp_stack::capture;
use mptcp_stack::scenario::{self, Scenario, replace_word, substitute};

use crate::iproute::{netns_add, netns_del};

/// The prefix of every line the xtask reads.
pub const TAG: &str = "@@mptcp-guest";

pub const USAGE: &str = "\
mptcp-guest run --label LABEL --bin DIR --fixture PATH [--threads N]
                [--flows FILE]... [--programs DIR] SCENARIO-FILE...

  --label LABEL    names this run in every line (e.g. aarch64-release)

Lower-case `ip` and `timeout` in a command are this program's directory's `ip` and
`timeout` links (the stand-ins for iproute2 and coreutils).

  --bin DIR        holds `ip` and `mptcp`, links to the binary under test: IP and
                   NEWIP in a command are DIR/ip, MPTCP is DIR/mptcp
  --fixture PATH   the mptcp-fixture program (MPTCP_LISTEN, MPTCP_CONN, ...)
  --threads N      scenarios at once (default 4)
  --time-scale K   every wait K times longer (a whole number, default 1): `sleep`s in
                   the scripts, `timeout` deadlines and the fixture's pauses and holds
                   (MPTCP_TIME_SCALE), for a machine whose processor is slower than its
                   clock
  --flows FILE     scenarios without a recording (compared between machines only)
  --differ FILE    ids of recorded scenarios this kernel prints otherwise on purpose,
                   one a line (`#` starts a comment): never run again for missing
                   their recording
  --programs DIR   extra static programs: each one runs once, in a namespace of its
                   own, as case `program:NAME` (the hook for the library examples)
";

/// Longest a scenario's script may run.
const DEADLINE: Duration = Duration::from_secs(60);

struct Opts {
    label: String,
    bin: PathBuf,
    fixture: String,
    threads: usize,
    time_scale: u32,
    recorded: Vec<PathBuf>,
    flows: Vec<PathBuf>,
    /// Ids of recorded scenarios expected to differ from their recording here.
    differ: Vec<String>,
    programs: Option<PathBuf>,
    /// The directory of this program, which holds its `ip` and `timeout` links.
    shims: PathBuf,
}

fn parse(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts {
        label: String::new(),
        bin: PathBuf::new(),
        fixture: String::new(),
        threads: 4,
        time_scale: 1,
        recorded: Vec::new(),
        flows: Vec::new(),
        differ: Vec::new(),
        programs: None,
        shims: std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .ok_or("cannot find my own directory")?,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().cloned().ok_or_else(|| format!("{a} needs a value\n{USAGE}"));
        match a.as_str() {
            "--label" => o.label = value()?,
            "--bin" => o.bin = value()?.into(),
            "--fixture" => o.fixture = value()?,
            "--threads" => {
                o.threads = value()?.parse().map_err(|_| format!("--threads: a number\n{USAGE}"))?
            }
            "--flows" => o.flows.push(value()?.into()),
            "--time-scale" => {
                o.time_scale =
                    value()?.parse().map_err(|_| format!("--time-scale: a number\n{USAGE}"))?
            }
            "--differ" => {
                let file = value()?;
                let text = std::fs::read_to_string(&file).map_err(|e| format!("{file}: {e}"))?;
                o.differ.extend(
                    text.lines()
                        .filter(|l| !l.starts_with('#'))
                        .filter_map(|l| l.split_whitespace().next().map(String::from)),
                );
            }
            "--programs" => o.programs = Some(value()?.into()),
            s if s.starts_with("--") => return Err(format!("unknown option {s}\n{USAGE}")),
            file => o.recorded.push(file.into()),
        }
    }
    if o.label.is_empty()
        || o.label.contains(' ')
        || o.bin.as_os_str().is_empty()
        || o.fixture.is_empty()
    {
        return Err(format!("--label (one word), --bin and --fixture are required\n{USAGE}"));
    }
    Ok(o)
}

/// Runs everything; the status is 0 even when scenarios fail (the host compares).
pub fn main(args: &[String]) -> Result<u8, String> {
    let o = parse(args)?;
    let mut all: Vec<Scenario> = Vec::new();
    for f in &o.recorded {
        all.extend(scenario::load(f, true)?);
    }
    for f in &o.flows {
        all.extend(scenario::load(f, false)?);
    }
    if let Some(dir) = &o.programs {
        all.extend(programs(dir)?);
    }
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let machine = std::env::consts::ARCH;
    emit(&format!("{TAG} begin {} {} {machine}", o.label, release.trim()));
    let start = Instant::now();
    let next = AtomicUsize::new(0);
    let serial = AtomicUsize::new(0);
    let out = Mutex::new(());
    let again: Mutex<Vec<&Scenario>> = Mutex::new(Vec::new());
    let report = |s: &Scenario, t: Instant, (status, stdout, stderr): (i32, Vec<u8>, Vec<u8>)| {
        let line = format!(
            "{TAG} case {} {} {status} {} {} {}",
            o.label,
            s.id,
            t.elapsed().as_millis(),
            hex(&stdout),
            hex(&stderr)
        );
        let _guard = out.lock();
        emit(&line);
    };
    std::thread::scope(|scope| {
        for _ in 0..o.threads.max(1) {
            scope.spawn(|| {
                while let Some(s) = all.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let n = serial.fetch_add(1, Ordering::Relaxed);
                    let t = Instant::now();
                    let got = run(&o, s, n);
                    if timed(s) && !o.differ.contains(&s.id) && !as_recorded(s, &got) {
                        again.lock().unwrap_or_else(|p| p.into_inner()).push(s);
                    } else {
                        report(s, t, got);
                    }
                }
            });
        }
    });
    // A case that waits on the clock (a monitor's `timeout`, a `sleep` before the next
    // step) and did not print its recording runs once more, alone: an emulated machine
    // sharing two host cores with four others can stall past a scenario's time budget.
    // The host sees the retry (and its second result only).
    for s in again.into_inner().unwrap_or_else(|p| p.into_inner()) {
        emit(&format!("{TAG} retry {} {}", o.label, s.id));
        let t = Instant::now();
        let got = run(&o, s, serial.fetch_add(1, Ordering::Relaxed));
        report(s, t, got);
    }
    emit(&format!("{TAG} end {} {} {}", o.label, all.len(), start.elapsed().as_millis()));
    Ok(0)
}

/// Whether a case's outcome depends on time: its command sleeps or has a deadline.
fn timed(s: &Scenario) -> bool {
    s.cmd.contains("sleep ") || s.cmd.contains("timeout ")
}

/// Whether `got` is the case's recording, byte for byte (a flow has none).
fn as_recorded(s: &Scenario, got: &(i32, Vec<u8>, Vec<u8>)) -> bool {
    s.expect.as_ref().is_none_or(|e| e.rc == got.0 && e.stdout == got.1 && e.stderr == got.2)
}

/// Each executable in `dir` as a case of its own.
fn programs(dir: &Path) -> Result<Vec<Scenario>, String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(Vec::new()) };
    let mut names: Vec<String> =
        entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    Ok(names
        .into_iter()
        .map(|n| Scenario {
            id: format!("program:{n}"),
            title: format!("extra program {n}"),
            setup: Vec::new(),
            cmd: format!("ip netns exec NS {}", dir.join(&n).display()),
            expect: None,
        })
        .collect())
}

/// One scenario in a fresh namespace (deleted afterwards, with its `-peer` twin).
fn run(o: &Opts, s: &Scenario, n: usize) -> (i32, Vec<u8>, Vec<u8>) {
    let ns = format!("g{n}-{}", s.id.replace(':', "-"));
    if let Err(e) = netns_add(&ns, true) {
        return (-2, Vec::new(), format!("mptcp-guest: {e}\n").into_bytes());
    }
    let ip = o.bin.join("ip");
    let plain = o.bin.join("mptcp");
    let script = |c: &str| {
        // busybox's shell runs its own applets before searching PATH, so the stand-ins
        // for iproute2's `ip` and coreutils' `timeout` are named by their paths.
        let mut c = c.to_owned();
        for tool in ["ip", "timeout"] {
            c = replace_word(&c, tool, &o.shims.join(tool).to_string_lossy());
        }
        c = replace_word(&c, "MPTCP", &plain.to_string_lossy());
        substitute(&scaled_sleeps(&c, o.time_scale), &ns, &ip, &o.fixture)
    };
    for step in &s.setup {
        sh(&script(step), o.time_scale);
    }
    let got = sh(&script(&s.cmd), o.time_scale);
    for name in [ns.clone(), format!("{ns}-peer")] {
        if Path::new(crate::iproute::NETNS_DIR).join(&name).exists() {
            let _ = netns_del(&name);
        }
    }
    (got.status, got.stdout, got.stderr)
}

/// The shell of the scripts: bash, as on the host (the scenarios use brace ranges such
/// as `{1..250}`), where the guest has it; busybox's `sh` else.
const BASH: &str = "/bin/bash";

/// `bash -c script` as the host's suite runs it: C locale, stdin from /dev/null; the
/// fixture and the `timeout` stand-in read the time scale from the environment.
fn sh(script: &str, time_scale: u32) -> mptcp_stack::Captured {
    let shell = if Path::new(BASH).is_file() { BASH } else { "/bin/sh" };
    let mut cmd = Command::new(shell);
    cmd.args(["-c", script]).env("LC_ALL", "C").env("MPTCP_TIME_SCALE", time_scale.to_string());
    capture(&mut cmd, DEADLINE)
}

/// `script` with every `sleep SECONDS` made `scale` times longer.
fn scaled_sleeps(script: &str, scale: u32) -> String {
    if scale == 1 {
        return script.to_owned();
    }
    let mut out = String::with_capacity(script.len());
    let mut rest = script;
    while let Some(at) = rest.find("sleep ") {
        let (head, tail) = rest.split_at(at + "sleep ".len());
        out.push_str(head);
        // A whole word only: `nosleep 3` stays.
        let word = !head[..at].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_');
        let end = tail.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(tail.len());
        match tail[..end].parse::<f64>() {
            Ok(secs) if word && end > 0 => out.push_str(&format!("{}", secs * f64::from(scale))),
            _ => out.push_str(&tail[..end]),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

fn hex(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "-".into();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One whole line to stdout in a single write.
fn emit(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(format!("{line}\n").as_bytes());
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::scaled_sleeps;

    #[test]
    fn sleeps_are_scaled_and_nothing_else() {
        assert_eq!(scaled_sleeps("sleep 0.5; x & sleep 2;", 2), "sleep 1; x & sleep 4;");
        assert_eq!(
            scaled_sleeps("nosleep 3; sleep x; (sleep 1)", 3),
            "nosleep 3; sleep x; (sleep 3)"
        );
        assert_eq!(scaled_sleeps("sleep 0.3", 1), "sleep 0.3");
    }
}
