//! Section 6: the library benchmark. `benches/peers` (a workspace of its own, so the
//! peers are never dependencies of ours) runs the same path-manager operations through
//! each library in the same rounds, counts their allocations, and puts a floor beside
//! them: the same system calls with pre-built request bytes and no parsing.

use std::fmt::Write as _;
use std::path::Path;

use super::{Section, Target};
use crate::netns::Namespaces;
use crate::util::{Cmd, target_dir};

/// One row of the program's output.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    op: String,
    lib: String,
    median_us: f64,
    p10_us: f64,
    p90_us: f64,
    allocs: f64,
}

/// Builds and runs the benchmark in a throw-away namespace; `rounds` per operation
/// (deletes take a twentieth of them, at least 20).
pub fn run(root: &Path, rounds: usize) -> Result<Section, String> {
    println!("bench: the library benchmark (benches/peers, {rounds} rounds)");
    let manifest = root.join("benches/peers/Cargo.toml");
    Cmd::cargo()
        .args(["build", "--release", "--locked", "--manifest-path"])
        .arg(&manifest)
        .arg("--target-dir")
        .arg(target_dir())
        .run()?;
    let bin = target_dir().join("release").join("peers-bench");
    let ns = format!("mptcp-bench-peers-{}", std::process::id());
    let _ns = Namespaces::create(&[&ns])?;
    Cmd::new("ip").args(["-n", &ns, "link", "set", "lo", "up"]).run()?;
    let out =
        Cmd::new("ip").args(["netns", "exec", &ns]).arg(&bin).arg(rounds.to_string()).read()?;
    let rows = parse(&out)?;
    Ok(section(&rows, rounds))
}

fn parse(out: &str) -> Result<Vec<Row>, String> {
    let rows: Vec<Row> = out
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let num = |i: usize| f.get(i)?.parse::<f64>().ok();
            Some(Row {
                op: f.first()?.to_string(),
                lib: f.get(1)?.to_string(),
                median_us: num(2)?,
                p10_us: num(3)?,
                p90_us: num(4)?,
                allocs: num(5)?,
            })
        })
        .collect();
    if rows.is_empty() {
        return Err(format!("peers-bench printed no rows:\n{out}"));
    }
    Ok(rows)
}

/// The Markdown table (one row per operation and library, with its ratio to the floor
/// of the same operation) and the goal: within 1.1x of the floor.
fn section(rows: &[Row], rounds: usize) -> Section {
    let mut md = String::from("## 6. Libraries side by side (benches/peers)\n\n");
    let _ = writeln!(
        md,
        "`cargo xtask bench --only peers`: each operation through each library in the same \
         rounds ({rounds}, deletes {}; the order rotates every round; 10 warm-up rounds), \
         in a throw-away namespace holding 8 endpoints. The floor makes the same system \
         calls with request bytes built before the clock starts and does not parse the \
         answers. The peers are used as their documentation shows: `mptcp-pm` (read-only: \
         no set or delete) and `nlink` (0.25, the last for rustc 1.95) are async, each \
         call a `block_on` on a current-thread tokio runtime; `neli` (0.7.5) through its \
         synchronous `NlRouter` (a thread of its own reads the socket and hands each \
         message over a channel), the `mptcp_pm` family resolved by it, the commands and \
         attributes declared as `neli_enum`s and the answers parsed by hand with its \
         attribute handles (neli has no MPTCP types). Allocations are counted by a global \
         allocator: the calling thread's during each call, another thread's (neli's \
         router) from a call's start to the next call's.\n\n\
         | operation | library | median µs | p10-p90 µs | × floor | allocations / call |\n\
         |---|---|---|---|---|---|",
        (rounds / 20).max(20)
    );
    let mut targets = Vec::new();
    for row in rows {
        let floor = rows.iter().find(|r| r.op == row.op && r.lib == "floor");
        let ratio = floor.map_or(f64::NAN, |f| row.median_us / f.median_us);
        let _ = writeln!(
            md,
            "| {} | {} | {:.2} | {:.2}-{:.2} | {ratio:.2} | {:.1} |",
            row.op, row.lib, row.median_us, row.p10_us, row.p90_us, row.allocs
        );
        // Deletes wait for an RCU grace period: kernel-bound, no goal of ours.
        if row.lib == "mptcp-netlink" && !row.op.starts_with("delete") {
            targets.push(Target {
                what: format!("mptcp-netlink {} against the floor", row.op),
                goal: "within 1.1x of the floor".into(),
                got: format!("{ratio:.2}x"),
                met: ratio <= 1.1,
                why: if ratio <= 1.1 { String::new() } else { over_floor(row, floor) },
            });
        }
    }
    Section { md, targets }
}

/// Why a row missed the goal, from the run's figures: its time above the floor's, per
/// endpoint for the dump (the floor parses none), and its allocations.
fn over_floor(row: &Row, floor: Option<&Row>) -> String {
    let Some(floor) = floor else {
        return "no floor row to compare with".into();
    };
    let over = row.median_us - floor.median_us;
    let per = if row.op.starts_with("dump") {
        format!(", {:.0} ns for each of the 8 endpoints it parses", over * 1000.0 / 8.0)
    } else {
        String::new()
    };
    format!(
        "{over:.2} µs above the floor's {:.2} µs (medians){per}; {:.1} allocations per call; \
         p10 {:.2}x the floor's p10",
        floor.median_us,
        row.allocs,
        row.p10_us / floor.p10_us
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_and_ratios() {
        let out = "get limits\tfloor\t3.54\t3.52\t3.59\t0.0\n\
                   get limits\tmptcp-netlink\t3.70\t3.66\t3.74\t0.0\n\
                   noise line\n";
        let rows = parse(out).unwrap();
        assert_eq!(rows.len(), 2);
        let s = section(&rows, 2000);
        assert!(s.md.contains("| get limits | mptcp-netlink | 3.70 | 3.66-3.74 | 1.05 | 0.0 |"));
        assert_eq!((s.targets.len(), s.targets[0].met), (1, true));
        assert!(parse("nothing\n").is_err());
    }

    #[test]
    fn a_missed_goal_is_explained_by_the_figures() {
        let out = "dump 8 endpoints\tfloor\t10.00\t9.00\t12.00\t0.0\n\
                   dump 8 endpoints\tmptcp-netlink\t12.00\t10.80\t13.00\t0.0\n";
        let s = section(&parse(out).unwrap(), 2000);
        assert!(!s.targets[0].met);
        assert_eq!(
            s.targets[0].why,
            "2.00 µs above the floor's 10.00 µs (medians), 250 ns for each of the 8 endpoints \
             it parses; 0.0 allocations per call; p10 1.20x the floor's p10"
        );
    }
}
