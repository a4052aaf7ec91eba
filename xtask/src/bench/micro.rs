//! Section 5: the criterion micro-benches on captured bytes (`benches/`), run and read.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use super::Section;
use crate::util::Cmd;

/// One criterion result: the bench id, the median time and the median throughput.
#[derive(Debug, PartialEq)]
struct Figure {
    name: String,
    time: String,
    thrpt: String,
}

/// The middle of criterion's `[low mid high]` triple: `149.64 ns`.
fn middle(bracketed: &str) -> String {
    let inner = bracketed.trim().trim_start_matches('[').trim_end_matches(']');
    let w: Vec<&str> = inner.split_whitespace().collect();
    if w.len() == 6 { format!("{} {}", w[2], w[3]) } else { inner.to_owned() }
}

/// Reads criterion's report: `name time: [..]` (the name may sit on the line before),
/// then `thrpt: [..]`; and every `allocations per …` line the benches print.
fn parse(out: &str) -> (Vec<Figure>, Vec<String>) {
    let (mut figures, mut allocs) = (Vec::<Figure>::new(), Vec::new());
    let mut previous = "";
    // After `change:` come the differences from the last run, not figures.
    let mut in_change = false;
    for line in out.lines() {
        let t = line.trim();
        if t.starts_with("allocations per") {
            allocs.push(t.to_owned());
        } else if let Some((head, rest)) = t.split_once("time:") {
            let name = if head.trim().is_empty() { previous } else { head.trim() };
            in_change = name == "change:";
            if !in_change {
                figures.push(Figure {
                    name: name.to_owned(),
                    time: middle(rest),
                    thrpt: String::new(),
                });
            }
        } else if let (Some(rest), Some(f), false) =
            (t.strip_prefix("thrpt:"), figures.last_mut(), in_change)
        {
            f.thrpt = middle(rest);
        }
        if !t.is_empty() {
            previous = t;
        }
    }
    (figures, allocs)
}

/// Runs both benches with shorter-than-default times and reports them.
pub fn run(root: &Path, measure: Duration) -> Result<Section, String> {
    println!("bench: criterion micro-benches (building the bench profile first)");
    let warm = (measure.as_secs_f64() / 3.0).max(0.5);
    let out = Cmd::cargo()
        .args(["bench", "-p", "mptcp-stack", "--bench", "attr_walk", "--bench", "pm_decode", "--"])
        .args(["--warm-up-time", &format!("{warm}")])
        .args(["--measurement-time", &format!("{}", measure.as_secs_f64())])
        .dir(root)
        .read()?;
    let (figures, allocs) = parse(&out);
    if figures.is_empty() {
        return Err("criterion printed no results".into());
    }
    let mut md = String::from("## 5. Micro-benches (criterion, captured kernel bytes)\n\n");
    let _ = writeln!(
        md,
        "`cargo bench --bench attr_walk --bench pm_decode` with {warm:.1} s warm-up and \
         {:.0} s measurement per bench; median time per iteration and median throughput \
         (bytes, or items for `pm_decode_items`).\n\n| bench | time / op | throughput |\n|---|---|---|",
        measure.as_secs_f64()
    );
    for f in &figures {
        let _ = writeln!(md, "| `{}` | {} | {} |", f.name, f.time, f.thrpt);
    }
    md.push_str(
        "\nAllocations, counted by a global allocator around 10 000 rounds of each workload:\n\n",
    );
    for a in &allocs {
        let _ = writeln!(md, "- {a}");
    }
    Ok(Section { md, targets: Vec::new() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_criterion_output() {
        let out = "attr_walk/endpoint_dump_8_msgs_56_attrs\n\
                   \x20                       time:   [121.03 ns 121.40 ns 121.80 ns]\n\
                   \x20                       thrpt:  [4.4041 GiB/s 4.4187 GiB/s 4.4322 GiB/s]\n\
                   allocations per decoded event: 0 (0 over 170000 events)\n\
                   \x20                       change:\n\
                   \x20                       time:   [+4.0736% +4.5910% +5.1376%] (p = 0.00 < 0.05)\n\
                   \x20                       thrpt:  [-4.8866% -4.3894% -3.9142%]\n\
                   pm_build/get_limits     time:   [33.050 ns 33.099 ns 33.151 ns]\n";
        let (f, a) = parse(out);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].name, "attr_walk/endpoint_dump_8_msgs_56_attrs");
        assert_eq!(f[0].time, "121.40 ns");
        assert_eq!(f[0].thrpt, "4.4187 GiB/s");
        assert_eq!(f[1].name, "pm_build/get_limits");
        assert_eq!(f[1].thrpt, "");
        assert_eq!(a, ["allocations per decoded event: 0 (0 over 170000 events)"]);
    }
}
