//! `cargo xtask bench`: one-shot, batch, monitor-storm and micro benchmarks of `mptcp`
//! against iproute2's `ip`, `endpoint follow` against mptcpd, and the libraries side by
//! side with a floor (`benches/peers`), written to `BENCHMARKS.md` with the machine they
//! ran on.

mod batch;
mod build;
mod connections;
mod follow;
mod machine;
mod micro;
mod oneshot;
mod peers;
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
    /// `--only LIST`: only these sections, each replaced in place in the existing
    /// report (`--follow-only` is `--only follow`); empty for a full run.
    pub only: Vec<Part>,
    /// `--storm-runs N`: runs of the steady storm phase.
    pub steady_runs: usize,
}

/// A section of the report that `--only` can run alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Section 1.
    Oneshot,
    /// Section 2.
    Batch,
    /// Section 3.
    Storm,
    /// Section 4.
    Follow,
    /// Section 5.
    Micro,
    /// Section 6: the libraries side by side (`benches/peers`).
    Peers,
    /// Section 7: `connection show` against `ss -tiM` (`bench/connections.sh`).
    Connections,
}

impl Part {
    const ALL: [(&'static str, Part); 7] = [
        ("oneshot", Part::Oneshot),
        ("batch", Part::Batch),
        ("storm", Part::Storm),
        ("follow", Part::Follow),
        ("micro", Part::Micro),
        ("peers", Part::Peers),
        ("connections", Part::Connections),
    ];

    fn parse(list: &str) -> Result<Vec<Part>, String> {
        list.split(',')
            .map(|w| {
                Part::ALL
                    .iter()
                    .find(|(n, _)| *n == w.trim())
                    .map(|(_, p)| *p)
                    .ok_or_else(|| format!("unknown section `{w}`\n{USAGE}"))
            })
            .collect()
    }
}

const USAGE: &str = "\
usage: cargo xtask bench [--quick] [--only LIST] [--follow-only] [--runs N] [--storm-seconds S]
                         [--storm-runs N] [--out FILE]

  --quick            50 one-shot runs, 3 s storms, short criterion runs, 40 follow
                     changes per family and 2 follow storm runs (a smoke test)
  --only LIST        only these sections (comma-separated: oneshot, batch, storm, follow,
                     micro, peers, connections): their sections and target rows are replaced in the
                     existing report, the rest is left as it is
  --follow-only      the same as `--only follow` (`endpoint follow` against mptcpd)
  --runs N           interleaved runs per program and one-shot case (default 500)
  --storm-seconds S  length of each monitor-storm phase (default 15)
  --storm-runs N     runs of the steady storm phase, for the spread (default 3)
  --out FILE         report path, relative to the repository root (default BENCHMARKS.md)";

impl Opts {
    /// The options, or `None` when `--help` was asked for (the usage is printed).
    fn parse(args: &[String]) -> Result<Option<Self>, String> {
        let mut o = Opts {
            runs: 500,
            storm: Duration::from_secs(15),
            measure: Duration::from_secs(3),
            out: "BENCHMARKS.md".into(),
            quick: false,
            only: Vec::new(),
            steady_runs: 3,
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let mut value = || it.next().ok_or_else(|| format!("{a} needs a value\n{USAGE}"));
            match a.as_str() {
                "--follow-only" => o.only.push(Part::Follow),
                "--only" => o.only.extend(Part::parse(value()?)?),
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
                "--storm-runs" => {
                    o.steady_runs = value()?.parse().map_err(|_| "bad --storm-runs")?;
                    o.steady_runs = o.steady_runs.max(1);
                }
                "--out" => o.out = value()?.clone(),
                "-h" | "--help" => {
                    println!("{USAGE}");
                    return Ok(None);
                }
                other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
            }
        }
        o.runs = o.runs.max(5);
        Ok(Some(o))
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
    let Some(opts) = Opts::parse(args)? else { return Ok(()) };
    let start = Instant::now();
    let bins = build::prepare(root)?;
    if !opts.only.is_empty() {
        return only(root, &bins, &opts, start);
    }
    let host = machine::describe(&bins)?;
    let work = build::scratch_dir()?;
    let result = (|| {
        let mut sections = Vec::new();
        for part in Part::ALL.map(|(_, p)| p) {
            sections.push(section(part, root, &bins, &work, &opts)?);
        }
        report::write(&root.join(&opts.out), &host, &opts, &sections, start.elapsed())
    })();
    let _ = std::fs::remove_dir_all(&work);
    result?;
    println!("bench: wrote {} in {}", opts.out, crate::util::fmt_duration(start.elapsed()));
    Ok(())
}

/// Runs one section, with the machine's load average before and after it at its end:
/// the machine may be shared, and wall times depend on what else runs.
fn section(
    part: Part,
    root: &Path,
    bins: &build::Bins,
    work: &Path,
    opts: &Opts,
) -> Result<Section, String> {
    let before = machine::load();
    let mut s = match part {
        Part::Oneshot | Part::Batch => {
            let ns = topo::BenchNs::create(work)?;
            if part == Part::Oneshot {
                oneshot::run(bins, &ns, work, opts.runs)?
            } else {
                // The batch's add makes the 8th endpoint, as in the one-shot add case.
                ns.make_room()?;
                batch::run(bins, &ns, work)?
            }
        }
        Part::Storm => storm::run(bins, work, opts.storm, opts.steady_runs)?,
        Part::Follow => follow::run(bins, work, opts.quick)?,
        Part::Micro => micro::run(root, opts.measure)?,
        Part::Peers => peers::run(root, if opts.quick { 300 } else { 3000 })?,
        Part::Connections => connections::run(root, bins, opts.runs)?,
    };
    let md = s.md.trim_end();
    s.md = format!(
        "{md}\n\nLoad average (1, 5, 15 min) when this section started: {before}; when it \
         ended: {}.\n",
        machine::load()
    );
    Ok(s)
}

/// `--only`: runs the sections asked for and puts each, and its target rows, in place of
/// the old ones in the existing report (appended when there were none).
fn only(root: &Path, bins: &build::Bins, opts: &Opts, start: Instant) -> Result<(), String> {
    let work = build::scratch_dir()?;
    let path = root.join(&opts.out);
    let result = (|| {
        for part in &opts.only {
            let section = section(*part, root, bins, &work, opts)?;
            let old = std::fs::read_to_string(&path).unwrap_or_default();
            let new = report::splice(&old, &section);
            std::fs::write(&path, new).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        Ok::<(), String>(())
    })();
    let _ = std::fs::remove_dir_all(&work);
    result?;
    println!(
        "bench: replaced {} section(s) of {} in {}",
        opts.only.len(),
        opts.out,
        crate::util::fmt_duration(start.elapsed())
    );
    Ok(())
}
