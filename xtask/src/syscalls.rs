//! The system-call budget of one-shot commands, checked with `strace -f -c` on the static
//! binary in a throw-away namespace: a regression (a new allocation, a lost name cache,
//! an extra round trip) fails CI instead of waiting for the next `cargo xtask bench`.

use std::collections::BTreeMap;
use std::path::Path;

use crate::bench::topo::BenchNs;
use crate::util::{Cmd, Result};

/// One checked command: its arguments after `-n NS`, the most system calls it may make
/// (every call `strace -c` counts, `execve` included), and why that many.
struct Budget {
    args: &'static [&'static str],
    most: u64,
    why: &'static str,
}

const BUDGETS: &[Budget] = &[
    Budget {
        args: &["endpoint", "show"],
        most: 20,
        why: "start-up 3, netns 3, socket 3, family 2, dump 3, one SIOCGIFNAME per interface \
              (4), one write; no heap",
    },
    Budget {
        args: &["limits", "show"],
        most: 15,
        why: "start-up 3, netns 3, socket 3, family 2, request 2, one write; no heap",
    },
    Budget {
        args: &["connection", "show"],
        most: 20,
        why: "start-up 3, netns 3, two sock_diag sockets 2 (closed 2), the listener and \
              connection dumps of both families 8 (no TCP dump without a connection); no heap",
    },
    Budget {
        args: &["stat"],
        most: 12,
        why: "start-up 3, netns 3, /proc/net/netstat open, read 2, close; no heap",
    },
];

/// Calls that only the heap makes: a one-shot command has none.
const HEAP_CALLS: &[&str] = &["brk", "mmap", "munmap", "mremap"];

/// Checks every budget against `exe` in the benchmark's namespace: 8 endpoints with
/// `dev` on 4 interfaces.
pub fn check(exe: &Path, work: &Path) -> Result {
    std::fs::create_dir_all(work).map_err(|e| format!("{}: {e}", work.display()))?;
    let bench_ns = BenchNs::create(work)?;
    let ns = bench_ns.name.as_str();

    let mut failures = Vec::new();
    for b in BUDGETS {
        let trace = work.join("syscalls.strace");
        Cmd::new("strace")
            .args(["-f", "-c", "-o"])
            .arg(&trace)
            .arg(exe)
            .args(["-n", ns])
            .args(b.args)
            .read()?;
        let text = std::fs::read_to_string(&trace).map_err(|e| format!("strace output: {e}"))?;
        let (total, calls) = parse_strace_c(&text);
        let heap: Vec<String> =
            HEAP_CALLS.iter().filter_map(|c| calls.get(*c).map(|n| format!("{c} {n}"))).collect();
        let what = b.args.join(" ");
        println!("mptcp -n NS {what}: {total} system calls (budget {}: {})", b.most, b.why);
        if total > b.most {
            failures
                .push(format!("`{what}` made {total} system calls, budget {}: {calls:?}", b.most));
        }
        if !heap.is_empty() {
            failures.push(format!("`{what}` used the heap: {}", heap.join(", ")));
        }
    }
    if failures.is_empty() { Ok(()) } else { Err(failures.join("\n")) }
}

/// The total and the per-call counts of a `strace -c` table.
pub fn parse_strace_c(text: &str) -> (u64, BTreeMap<String, u64>) {
    let (mut total, mut calls) = (0, BTreeMap::new());
    for line in text.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        // Rows: % time, seconds, usecs/call, calls, [errors,] syscall.
        if w.len() < 5 || w[0].starts_with('%') || w[0].starts_with('-') {
            continue;
        }
        let n: u64 = w[3].parse().unwrap_or(0);
        match w[w.len() - 1] {
            "total" => total = n,
            name => *calls.entry(name.to_owned()).or_insert(0) += n,
        }
    }
    (total, calls)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_strace_table() {
        let text = "\
% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 45.81    0.000071          35         2           sendto
  0.00    0.000000           0         1         1 openat
------ ----------- ----------- --------- --------- ----------------
100.00    0.000155           9         3         1 total
";
        let (total, calls) = parse_strace_c(text);
        assert_eq!(total, 3);
        assert_eq!(calls.get("sendto"), Some(&2));
        assert_eq!(calls.get("openat"), Some(&1));
        assert_eq!(calls.len(), 2);
    }
}
