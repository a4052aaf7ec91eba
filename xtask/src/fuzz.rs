//! `cargo xtask fuzz`: every fuzz target (library and CLI) to a number of executions,
//! seeded from what the repository keeps (captured kernel fixtures, the conformance
//! scenarios' command lines, and the inputs of past findings in `fuzz/regressions/`),
//! the corpus minimised afterwards, and a table of executions, executions per second and
//! coverage per target. CI's `fuzz` step runs the same targets for a few seconds each.
//!
//! The targets are built without a sanitizer: the library crates they reach forbid
//! `unsafe` (the CLI's is in `os/sys.rs`, which no target reaches), so AddressSanitizer would
//! find nothing and makes the runs about five times slower. Debug assertions and
//! overflow checks stay on (cargo-fuzz's default build).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use crate::dist::group;
use crate::util::{Cmd, Result, fmt_duration, root, target_dir};

#[path = "../../tests/support/json.rs"]
#[allow(dead_code)]
mod json;

/// The executions each target gets by default.
const DEFAULT_EXECS: u64 = 10_000_000;

const USAGE: &str = "\
usage: cargo xtask fuzz [--execs N] [--target NAME]...

  --execs N      executions per target (default 10,000,000)
  --target NAME  only this target (may be repeated; default: every target)
";

/// How long a target runs.
#[derive(Debug, Clone, Copy)]
pub enum Limit {
    /// This many executions.
    Execs(u64),
    /// This many seconds.
    Seconds(u32),
}

/// What one run measured.
#[derive(Debug, Default)]
struct Report {
    target: String,
    execs: u64,
    per_sec: u64,
    cov: u64,
    features: u64,
    counters: u64,
    corpus: usize,
    corpus_bytes: u64,
    secs: f64,
    failed: bool,
}

/// Parses the `fuzz` arguments and runs.
pub fn main(args: &[String]) -> Result {
    let mut execs = DEFAULT_EXECS;
    let mut only: Vec<String> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--execs" => {
                let n = it.next().ok_or("--execs needs a number")?;
                execs = n.replace(['_', ','], "").parse().map_err(|_| format!("--execs {n}?"))?;
            }
            "--target" => only.push(it.next().ok_or("--target needs a name")?.clone()),
            "-h" | "--help" => {
                print!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    crate::setup::fuzz_tools()?;
    let targets = select(&only)?;
    let plan: Vec<(String, Limit)> =
        targets.into_iter().map(|t| (t, Limit::Execs(execs))).collect();
    run(&plan, true)
}

/// The targets `cargo fuzz list` knows, or those of `only` (each must exist).
pub fn select(only: &[String]) -> Result<Vec<String>> {
    let list = Cmd::cargo().args(["+nightly", "fuzz", "list"]).dir(fuzz_dir()).read()?;
    let all: Vec<String> = list.split_whitespace().map(str::to_owned).collect();
    if all.is_empty() {
        return Err("`cargo fuzz list` found no targets".into());
    }
    if let Some(missing) = only.iter().find(|t| !all.contains(t)) {
        return Err(format!("no fuzz target `{missing}`; there are: {}", all.join(", ")));
    }
    Ok(if only.is_empty() { all } else { only.to_vec() })
}

fn fuzz_dir() -> PathBuf {
    root().join("fuzz")
}

/// Builds every target, then runs each target of `plan` to its limit, one after the
/// other (never two at once); with `minimise`, shrinks each corpus afterwards. Fails if
/// any target found something, after all ran.
pub fn run(plan: &[(String, Limit)], minimise: bool) -> Result {
    Cmd::cargo().args(["+nightly", "fuzz", "build", "-s", "none"]).dir(fuzz_dir()).run()?;
    // libFuzzer runs a target on one thread: as many targets at once as there are cores,
    // each for its whole limit, so the step takes a fraction of the sum of the limits.
    let lanes = std::thread::available_parallelism().map_or(1, |n| n.get()).min(plan.len());
    println!("fuzzing {} targets, {lanes} at a time", plan.len());
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<(usize, Result<Report>)>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..lanes {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((t, limit)) = plan.get(i) else { return };
                    let r = fuzz_one(t, *limit, minimise);
                    done.lock().unwrap_or_else(|p| p.into_inner()).push((i, r));
                }
            });
        }
    });
    let mut done = done.into_inner().unwrap_or_else(|p| p.into_inner());
    done.sort_by_key(|(i, _)| *i);
    let mut reports = Vec::new();
    for (_, r) in done {
        reports.push(r?);
    }
    print_table(&reports);
    let failed: Vec<&str> =
        reports.iter().filter(|r| r.failed).map(|r| r.target.as_str()).collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("fuzz findings in {} (inputs under fuzz/artifacts/)", failed.join(", ")))
    }
}

/// Seeds, runs and (when asked) minimises one target; reports its corpus after.
fn fuzz_one(t: &str, limit: Limit, minimise: bool) -> Result<Report> {
    let seeds = write_seeds(t)?;
    let mut r = run_one(t, &seeds, limit)?;
    if minimise && !r.failed {
        minimise_corpus(t)?;
    }
    (r.corpus, r.corpus_bytes) = dir_size(&corpus_dir(t));
    Ok(r)
}

/// Where a target's corpus grows (not kept in git; seeds are regenerated each run).
fn corpus_dir(target: &str) -> PathBuf {
    fuzz_dir().join("corpus").join(target)
}

/// libFuzzer options per target: the batch reader gets room for very long lines.
fn options(target: &str) -> &'static [&'static str] {
    match target {
        "cli_batch" => &["-max_len=65536"],
        "cli_hosts" => &["-max_len=16384"],
        "cli_dns" => &["-max_len=4096"],
        _ => &[],
    }
}

fn run_one(target: &str, seeds: &Path, limit: Limit) -> Result<Report> {
    let corpus = corpus_dir(target);
    std::fs::create_dir_all(&corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
    let regressions = fuzz_dir().join("regressions").join(target);
    let mut cmd = Cmd::cargo()
        .args(["+nightly", "fuzz", "run", "-s", "none", target])
        .arg(&corpus)
        .arg(seeds);
    if regressions.is_dir() {
        cmd = cmd.arg(&regressions);
    }
    let stop = match limit {
        Limit::Execs(n) => format!("-runs={n}"),
        Limit::Seconds(s) => format!("-max_total_time={s}"),
    };
    cmd = cmd.args(["--", &stop, "-print_final_stats=1"]).args(options(target));
    let start = Instant::now();
    let mut child = cmd.dir(fuzz_dir()).spawn_piped_stderr()?;
    let mut r = Report { target: target.to_owned(), ..Report::default() };
    if let Some(err) = child.stderr.take() {
        for line in BufReader::new(err).lines().map_while(|l| l.ok()) {
            read_line(&line, &mut r);
            // Progress lines and messages; not every new input, nor the dictionary.
            let progress = line.contains("\tpulse ") || line.contains("\tDONE ");
            if progress || !line.starts_with(['#', '"']) {
                println!("{target}: {line}");
            }
        }
    }
    let status = child.wait().map_err(|e| format!("{target}: {e}"))?;
    r.secs = start.elapsed().as_secs_f64();
    r.failed = !status.success();
    Ok(r)
}

/// Takes what a libFuzzer output line says about the run.
fn read_line(line: &str, r: &mut Report) {
    let num = |s: &str| s.trim().trim_end_matches(|c: char| !c.is_ascii_digit()).parse().ok();
    if let Some(rest) = line.strip_prefix("INFO: Loaded 1 modules") {
        // `INFO: Loaded 1 modules   (12345 inline 8-bit counters): ...`
        let n = rest.trim_start().trim_start_matches('(').split(' ').next().unwrap_or("");
        r.counters = num(n).unwrap_or(r.counters);
    } else if line.starts_with('#') {
        let mut words = line.split_whitespace();
        while let Some(w) = words.next() {
            match w {
                "cov:" => r.cov = words.next().and_then(num).unwrap_or(r.cov),
                "ft:" => r.features = words.next().and_then(num).unwrap_or(r.features),
                _ => {}
            }
        }
    } else if let Some(v) = line.strip_prefix("stat::number_of_executed_units:") {
        r.execs = num(v).unwrap_or(0);
    } else if let Some(v) = line.strip_prefix("stat::average_exec_per_sec:") {
        r.per_sec = num(v).unwrap_or(0);
    }
}

/// `-merge=1` through `cargo fuzz cmin`: keeps the fewest inputs that reach the same
/// coverage.
fn minimise_corpus(target: &str) -> Result {
    let before = dir_size(&corpus_dir(target));
    Cmd::cargo()
        .args(["+nightly", "fuzz", "cmin", "-s", "none", target])
        .dir(fuzz_dir())
        .run_quiet()?;
    let after = dir_size(&corpus_dir(target));
    println!(
        "{target}: corpus minimised from {} inputs ({} bytes) to {} ({} bytes)",
        before.0, before.1, after.0, after.1
    );
    Ok(())
}

/// Files and bytes in `dir`.
fn dir_size(dir: &Path) -> (usize, u64) {
    let Ok(entries) = std::fs::read_dir(dir) else { return (0, 0) };
    entries
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .fold((0, 0), |(n, b), m| (n + 1, b + m.len()))
}

fn print_table(reports: &[Report]) {
    println!(
        "\n{:<18} {:>12} {:>10} {:>14} {:>8} {:>14} {:>9}  result",
        "target", "execs", "execs/s", "cov (edges)", "ft", "corpus", "time"
    );
    for r in reports {
        let share =
            if r.counters > 0 { format!("{}/{}", r.cov, r.counters) } else { r.cov.to_string() };
        println!(
            "{:<18} {:>12} {:>10} {:>14} {:>8} {:>14} {:>9}  {}",
            r.target,
            group(r.execs),
            group(r.per_sec),
            share,
            r.features,
            format!("{} / {} KB", r.corpus, r.corpus_bytes.div_ceil(1024)),
            fmt_duration(std::time::Duration::from_secs_f64(r.secs)),
            if r.failed { "FINDING" } else { "ok" }
        );
    }
}

// ---- seeds ----

/// Writes the seeds of `target` (regenerated every run from the repository) into a
/// directory under the target directory; returns it.
fn write_seeds(target: &str) -> Result<PathBuf> {
    let dir = target_dir().join("fuzz-seeds").join(target);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let seeds = seeds(target)?;
    for (i, s) in seeds.iter().enumerate() {
        let path = dir.join(format!("seed-{i:04}"));
        std::fs::write(&path, s).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(dir)
}

/// The captured kernel datagrams of every crate (`crates/*/tests/fixtures/*.bin`).
fn fixtures() -> Result<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    let crates = std::fs::read_dir(root().join("crates")).map_err(|e| e.to_string())?;
    let mut dirs: Vec<PathBuf> =
        crates.flatten().map(|e| e.path().join("tests/fixtures")).collect();
    dirs.sort();
    for dir in dirs.iter().filter(|d| d.is_dir()) {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| e.to_string())?
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        for f in files.iter().filter(|f| f.extension().is_some_and(|x| x == "bin")) {
            out.push(std::fs::read(f).map_err(|e| format!("{}: {e}", f.display()))?);
        }
    }
    Ok(out)
}

/// The `ip` command lines of the conformance scenarios, as word lists: the words after
/// each `IP`/`NEWIP` placeholder up to the end of that shell command.
fn scenario_lines() -> Result<Vec<Vec<String>>> {
    let mut lines: Vec<Vec<String>> = Vec::new();
    for file in ["scenarios.json", "extra.json"] {
        let path = root().join("tests/conformance").join(file);
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let doc = json::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        for s in doc.as_array().unwrap_or_default() {
            let setup = s.get("setup").and_then(json::Json::as_array).unwrap_or_default();
            let cmds = setup.iter().chain(s.get("cmd")).filter_map(json::Json::as_str);
            for cmd in cmds {
                for line in ip_lines(cmd) {
                    if !lines.contains(&line) {
                        lines.push(line);
                    }
                }
            }
        }
    }
    Ok(lines)
}

/// The word lists that follow `IP` or `NEWIP` in a shell command.
fn ip_lines(cmd: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut current: Option<Vec<String>> = None;
    for word in cmd.split_whitespace() {
        let (word, last) = match word.strip_suffix(';') {
            Some(w) => (w, true),
            None => (word, false),
        };
        let shell = word.starts_with(['>', '<', '|', '&', '$', '`', ')']);
        if let Some(words) = &mut current {
            if !shell {
                words.push(word.trim_matches('\'').to_owned());
            }
            if shell || last {
                out.extend(current.take());
            }
        }
        if word == "IP" || word == "NEWIP" {
            current = Some(Vec::new());
        }
    }
    out.extend(current);
    out.retain(|l| !l.is_empty());
    out
}

/// Hand-written inputs for what the repository has no recording of.
const BATCH_SEEDS: &[&[u8]] = &[
    b"mptcp endpoint add 10.0.0.1 id 1 signal # comment\n\n  \nmptcp limits \\\nshow\n",
    b"x 'a b'c \"d\" '' \"\"\n'open\n",
    b"a\0b \\\r\nc\xff\xfe\n# only\n\\",
];

const HOSTS_SEED: &[u8] = b"# comment 10.0.0.9 nine\n127.0.0.1\tlocalhost loopback\n\
    ::1 ip6-localhost ip6-loopback\n10.0.0.1 first # hidden\n::ffff:10.0.0.5 mapped\n";

/// `cli_dns`: each reply captured from dnsmasq (`crates/mptcp-cli/tests/fixtures/dns/`)
/// behind the address and ID it answers, and resolv.conf texts.
fn dns_seeds() -> Result<Vec<Vec<u8>>> {
    let dir = root().join("crates/mptcp-cli/tests/fixtures/dns");
    let cases: [(&str, &[u8], u16); 6] = [
        ("ptr", &[0, 10, 0, 0, 1], 0x5a00),
        ("two-ptrs", &[0, 10, 0, 0, 2], 0x5a01),
        ("cname-rfc2317", &[0, 10, 0, 0, 10], 0x5a02),
        ("ipv6", &[1, 0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 0x5a03),
        ("hostile", &[0, 10, 0, 0, 3], 0x5a04),
        ("nxdomain", &[0, 10, 0, 0, 99], 0x5a05),
    ];
    let mut out = Vec::new();
    for (name, addr, id) in cases {
        let path = dir.join(format!("{name}.bin"));
        let reply = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        out.push([&[0u8][..], addr, &id.to_le_bytes(), &reply].concat());
    }
    out.push(
        b"\x01nameserver 10.0.0.1\nnameserver fe80::1%2\noptions timeout:1 attempts:1\n".to_vec(),
    );
    Ok(out)
}

fn seeds(target: &str) -> Result<Vec<Vec<u8>>> {
    let with = |prefix: &[u8], body: &[u8]| [prefix, body].concat();
    Ok(match target {
        "cli_args" => {
            let mut out = Vec::new();
            for line in scenario_lines()? {
                out.push(with(&[0], line.join("\0").as_bytes()));
                // The plain personality takes the same words without the object.
                let plain: Vec<&str> =
                    line.iter().map(String::as_str).filter(|w| *w != "mptcp").collect();
                out.push(with(&[1], plain.join("\0").as_bytes()));
            }
            out
        }
        "cli_batch" => {
            let mut out: Vec<Vec<u8>> = BATCH_SEEDS.iter().map(|s| s.to_vec()).collect();
            let mut all = Vec::new();
            for line in scenario_lines()? {
                let words: Vec<&str> =
                    line.iter().map(String::as_str).skip_while(|w| w.starts_with('-')).collect();
                all.extend_from_slice(words.join(" ").as_bytes());
                all.push(b'\n');
            }
            out.push(all);
            out
        }
        "cli_hosts" => vec![
            with(&[0, 127, 0, 0, 1], HOSTS_SEED),
            with(&[1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], HOSTS_SEED),
            with(&[0, 10, 0, 0, 5], HOSTS_SEED),
        ],
        "cli_dns" => dns_seeds()?,
        // Raw-bytes modes: settings byte 4 (endpoints) or 12 (limits), text or JSON.
        "cli_endpoints" => {
            fixtures()?.iter().flat_map(|f| [4u8, 6, 12, 14].map(|s| with(&[s], f))).collect()
        }
        "cli_events" => {
            fixtures()?.iter().flat_map(|f| [16u8, 18].map(|s| with(&[s], f))).collect()
        }
        "cli_connections" => {
            fixtures()?.iter().flat_map(|f| [4u8, 6].map(|s| with(&[s, 0], f))).collect()
        }
        _ => fixtures()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_lines_stop_at_shell_syntax() {
        assert_eq!(
            ip_lines("F=$(mktemp); IP -n NS -j mptcp monitor >$F & M=$!; IP mptcp e add 1.2.3.4;"),
            vec![vec!["-n", "NS", "-j", "mptcp", "monitor"], vec!["mptcp", "e", "add", "1.2.3.4"]]
        );
    }

    #[test]
    fn every_target_has_seeds() {
        for t in [
            "cli_args",
            "cli_batch",
            "cli_hosts",
            "cli_dns",
            "cli_endpoints",
            "cli_events",
            "pm_event",
        ] {
            assert!(!seeds(t).unwrap().is_empty(), "{t}");
        }
    }

    #[test]
    fn libfuzzer_lines_are_read() {
        let mut r = Report::default();
        read_line(
            "INFO: Loaded 1 modules   (20931 inline 8-bit counters): 20931 [0x1, 0x2),",
            &mut r,
        );
        read_line(
            "#1048576\tpulse  cov: 1515 ft: 5353 corp: 620/81Kb lim: 4096 exec/s: 52428",
            &mut r,
        );
        read_line("stat::number_of_executed_units: 10000000", &mut r);
        read_line("stat::average_exec_per_sec:     203761", &mut r);
        assert_eq!((r.counters, r.cov, r.features), (20931, 1515, 5353));
        assert_eq!((r.execs, r.per_sec), (10_000_000, 203_761));
        assert_eq!(group(10_000_000), "10,000,000");
    }
}
