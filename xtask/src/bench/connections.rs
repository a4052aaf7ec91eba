//! Section 7: `mptcp connection show` against `ss -tiM` on the same 1,000 MPTCP
//! connections of 2 subflows each, measured by `connections.sh` (beside this file), which
//! also runs alone: wall time, system calls, heap calls and peak memory.

use std::path::Path;

use crate::bench::{Section, Target, build::Bins};
use crate::util::Cmd;

/// One row of the script's table: (command, wall ms, system calls, heap calls, peak KiB).
struct Row {
    name: String,
    ms: f64,
    calls: u64,
    heap: u64,
    rss_kib: u64,
}

fn parse(table: &str) -> Vec<Row> {
    table
        .lines()
        .filter(|l| l.starts_with("| `"))
        .filter_map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            let num = |s: &str| s.split_whitespace().next().and_then(|n| n.parse::<f64>().ok());
            Some(Row {
                name: cells.first()?.trim_matches('`').to_owned(),
                ms: num(cells.get(1)?)?,
                calls: num(cells.get(2)?)? as u64,
                heap: num(cells.get(3)?)? as u64,
                rss_kib: num(cells.get(4)?)? as u64,
            })
        })
        .collect()
}

/// Runs the script with the static release `mptcp` and judges it against `ss -tiM`.
pub fn run(root: &Path, bins: &Bins, runs: usize) -> Result<Section, String> {
    let script = root.join("xtask/src/bench/connections.sh");
    let out = Cmd::new(&script).arg(&bins.mptcp).arg(runs.to_string()).read()?;
    let rows = parse(&out);
    let find = |n: &str| rows.iter().find(|r| r.name == n);
    let (Some(ours), Some(ss)) = (find("mptcp connection show"), find("ss -tiM")) else {
        return Err(format!("connections.sh: no table in its output:\n{out}"));
    };
    let targets = vec![
        Target {
            what: "connection show, 1,000 connections × 2 subflows: wall time".into(),
            goal: "no slower than `ss -tiM`".into(),
            got: format!("{:.2} ms (ss -tiM {:.2} ms)", ours.ms, ss.ms),
            met: ours.ms <= ss.ms,
            why: format!("{:.2} ms slower", ours.ms - ss.ms),
        },
        Target {
            what: "connection show, 1,000 connections × 2 subflows: heap".into(),
            goal: "no heap (one-shot command)".into(),
            got: format!("{} heap system calls, peak RSS {} KiB", ours.heap, ours.rss_kib),
            met: ours.heap == 0,
            why: "the command mapped memory".into(),
        },
        Target {
            what: "connection show, 1,000 connections × 2 subflows: system calls".into(),
            goal: "fewer than `ss -tiM`".into(),
            got: format!("{} (ss -tiM {})", ours.calls, ss.calls),
            met: ours.calls < ss.calls,
            why: format!("{} more", ours.calls.saturating_sub(ss.calls)),
        },
    ];
    let md = format!(
        "## 7. `mptcp connection show` against `ss -tiM`\n\n\
         1,000 MPTCP connections between two throw-away namespaces joined by two veth \
         pairs, each with 2 subflows (the client's endpoint `10.0.2.2 dev e2 subflow`), \
         held open by Python sockets; both tools list them in the client namespace, \
         entering it themselves (`mptcp -n NS`, `ss -N NS`), output to `/dev/null`. Wall \
         time is the median of {runs} runs from the shell (fork and exec included); \
         system calls and heap calls (`brk`, `mmap`, `munmap`, `mremap`) from \
         `strace -f -c` of one run, `execve` included; peak RSS from GNU time. `ss -tiM` \
         prints the subflows' `tcp-ulp-mptcp` lines and every `tcp_info` field, so its \
         output is longer; `mptcp` joins the subflows to their connections by token (two \
         MPTCP dumps, two TCP dumps, static tables) and prints the tree. Script: \
         `xtask/src/bench/connections.sh` (runs alone too).\n\n{out}",
    );
    Ok(Section { md, targets })
}
