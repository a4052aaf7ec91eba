//! `cargo xtask bench`: one-shot, batch, monitor-storm and micro benchmarks of `mptcp`
//! against iproute2's `ip`, and `endpoint follow` against mptcpd, written to
//! `BENCHMARKS.md` with the machine they ran on.

mod batch;
mod build;
mod follow;
mod machine;
mod micro;
mod oneshot;
mod report;
mod stats;
mod storm;
pub mod topo;

use std::path::Path;
use std::time::{Duration, Instant};

/// What `cargo xtask bench` was asked for.
#[derive(Debug, Clone)]
pub struct Opts {
    /// Interleaved runs of each program per one-shot case.
    pub runs: usize,
    /// Length of each storm phase.
    pub storm: Duration,
    /// Criterion measurement time per bench.
    pub measure: Duration,
    /// Where the report goes, relative to the repository root.
    pub out: String,
    /// `--quick`.
    pub quick: bool,
    /// `--follow-only`: only the `endpoint follow` section, replaced in place.
    pub follow_only: bool,
}

const USAGE: &str = "\
usage: cargo xtask bench [--quick] [--follow-only] [--runs N] [--storm-seconds S] [--out FILE]

  --quick            50 one-shot runs, 3 s storms, short criterion runs, 40 follow
                     changes per family and 2 follow storm runs (a smoke test)
  --follow-only      only `endpoint follow` against mptcpd: its section and target rows
                     are replaced in the existing report, the rest is left as it is
  --runs N           interleaved runs per program and one-shot case (default 500)
  --storm-seconds S  length of each monitor-storm phase (default 15)
  --out FILE         report path, relative to the repository root (default BENCHMARKS.md)";

impl Opts {
    fn parse(args: &[String]) -> Result<Self, String> {
        let mut o = Opts {
            runs: 500,
            storm: Duration::from_secs(15),
            measure: Duration::from_secs(3),
            out: "BENCHMARKS.md".into(),
            quick: false,
            follow_only: false,
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let mut value = || it.next().ok_or_else(|| format!("{a} needs a value\n{USAGE}"));
            match a.as_str() {
                "--follow-only" => o.follow_only = true,
                "--quick" => {
                    o.quick = true;
                    o.runs = 50;
                    o.storm = Duration::from_secs(3);
                    o.measure = Duration::from_secs(1);
                }
                "--runs" => o.runs = value()?.parse().map_err(|_| "bad --runs".to_string())?,
                "--storm-seconds" => {
                    let s: f64 = value()?.parse().map_err(|_| "bad --storm-seconds")?;
                    o.storm = Duration::from_secs_f64(s.max(1.0));
                }
                "--out" => o.out = value()?.clone(),
                "-h" | "--help" => return Err(USAGE.into()),
                other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
            }
        }
        o.runs = o.runs.max(5);
        Ok(o)
    }
}

/// One goal of the issue and how this run fared against it.
#[derive(Debug, Clone)]
pub struct Target {
    /// What is measured.
    pub what: String,
    /// The goal, as the issue states it.
    pub goal: String,
    /// The figure this run measured.
    pub got: String,
    /// Whether the goal was met.
    pub met: bool,
    /// When missed: by how much and why.
    pub why: String,
}

/// One section of the report: its Markdown and the targets it judged.
pub struct Section {
    /// Markdown, starting with a `##` heading.
    pub md: String,
    /// The targets judged in the section.
    pub targets: Vec<Target>,
}

/// Runs every benchmark and writes the report at `root`/`--out`.
pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let opts = Opts::parse(args)?;
    let start = Instant::now();
    let bins = build::prepare(root)?;
    if opts.follow_only {
        return follow_only(root, &bins, &opts, start);
    }
    let host = machine::describe(&bins)?;
    let work = build::scratch_dir()?;
    let result = (|| {
        let mut sections = Vec::new();
        {
            let ns = topo::BenchNs::create(&work)?;
            sections.push(oneshot::run(&bins, &ns, &work, opts.runs)?);
            sections.push(batch::run(&bins, &ns, &work)?);
        }
        sections.push(storm::run(&bins, &work, opts.storm)?);
        sections.push(follow::run(&bins, &work, opts.quick)?);
        sections.push(micro::run(root, opts.measure)?);
        report::write(&root.join(&opts.out), &host, &opts, &sections, start.elapsed())
    })();
    let _ = std::fs::remove_dir_all(&work);
    result?;
    println!("bench: wrote {} in {}", opts.out, crate::util::fmt_duration(start.elapsed()));
    Ok(())
}

/// `--follow-only`: runs the `endpoint follow` section and puts it, and its target rows,
/// in place of the old ones in the existing report (appended when there were none).
fn follow_only(root: &Path, bins: &build::Bins, opts: &Opts, start: Instant) -> Result<(), String> {
    let work = build::scratch_dir()?;
    let section = follow::run(bins, &work, opts.quick);
    let _ = std::fs::remove_dir_all(&work);
    let section = section?;
    let path = root.join(&opts.out);
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let new = report::splice(&old, &section);
    std::fs::write(&path, new).map_err(|e| format!("{}: {e}", path.display()))?;
    println!(
        "bench: replaced the follow section of {} in {}",
        opts.out,
        crate::util::fmt_duration(start.elapsed())
    );
    Ok(())
}
