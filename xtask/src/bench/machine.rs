//! The machine the figures come from: cores, CPU model, memory, kernel, tool versions.

use std::process::Command;

use super::build::Bins;

/// A description of the host, one `(label, value)` per report line.
pub struct Host {
    /// Lines in report order.
    pub facts: Vec<(&'static str, String)>,
}

/// The first line of `prog args`' standard output (or standard error), trimmed.
fn first_line(prog: &str, args: &[&str]) -> String {
    match Command::new(prog).args(args).output() {
        Ok(o) => {
            let text = if o.stdout.is_empty() { o.stderr } else { o.stdout };
            String::from_utf8_lossy(&text).lines().next().unwrap_or("").trim().to_owned()
        }
        Err(e) => format!("unavailable ({e})"),
    }
}

/// The value of the first `key` line of a `key : value` file such as /proc/cpuinfo.
fn proc_field(file: &str, key: &str) -> String {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    text.lines()
        .find(|l| l.split(':').next().is_some_and(|k| k.trim() == key))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_else(|| "unknown".into())
}

/// `MemTotal` as GiB.
fn memory() -> String {
    let kb = proc_field("/proc/meminfo", "MemTotal");
    let n: f64 = kb.split_whitespace().next().and_then(|v| v.parse().ok()).unwrap_or(0.0);
    format!("{:.1} GiB ({kb})", n / 1024.0 / 1024.0)
}

/// The load average (1, 5 and 15 minutes) and the runnable/total task counts, as
/// `/proc/loadavg` gives them: `1.52 0.98 1.01 (3/113 tasks)`.
pub fn load() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let w: Vec<&str> = text.split_whitespace().collect();
    match w.as_slice() {
        [a, b, c, tasks, ..] => format!("{a} {b} {c} ({tasks} tasks runnable)"),
        _ => "unknown".into(),
    }
}

/// Collects the facts; the tool versions come from the binaries under test.
pub fn describe(bins: &Bins) -> Result<Host, String> {
    let nproc = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_owned())
        .map_err(|e| format!("/proc/sys/kernel/osrelease: {e}"))?;
    let size = |p: &std::path::Path| p.metadata().map(|m| m.len()).unwrap_or(0);
    Ok(Host {
        facts: vec![
            ("CPUs (nproc)", nproc.to_string()),
            ("CPU model", proc_field("/proc/cpuinfo", "model name")),
            ("Memory", memory()),
            ("Kernel (uname -r)", kernel),
            ("ip -V", first_line(&bins.ip.to_string_lossy(), &["-V"])),
            ("mptcp -V", first_line(&bins.mptcp.to_string_lossy(), &["-V"])),
            (
                "mptcp binary",
                format!("static x86_64 musl, release profile, {} bytes", size(&bins.mptcp)),
            ),
            (
                "floor binary",
                format!("static x86_64 musl, `main` returns 0, {} bytes", size(&bins.floor)),
            ),
            ("rustc", first_line("rustc", &["-V"])),
            ("Date (UTC)", first_line("date", &["-u", "+%Y-%m-%d %H:%M"])),
            ("Load average at start", load()),
        ],
    })
}
