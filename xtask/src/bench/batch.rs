//! Section 2: 10 000 commands through `-batch`, `mptcp` against `ip`, and the
//! several-requests-per-datagram experiment.

use std::fmt::Write as _;
use std::path::Path;

use super::build::{Bins, s};
use super::oneshot::{Run, drive, syscalls};
use super::stats::{fmt_count, fmt_ratio, median, quantile};
use super::topo::BenchNs;
use super::{Section, Target};
use crate::util::Cmd;

/// Commands per batch file.
const COMMANDS: usize = 10_000;
/// Commands in the file run under strace to count system calls per command.
const STRACED: usize = 1_000;
/// Requests per datagram tried in the experiment.
const KS: [usize; 5] = [1, 2, 8, 32, 64];

/// One batch workload.
#[derive(Clone)]
struct Workload {
    title: &'static str,
    /// The experiment's name for it (`mptcp-storm multi NS NAME …`).
    name: &'static str,
    /// The two lines that alternate in the batch file.
    lines: [String; 2],
    /// Measured runs of the batch file per program (after one warm-up when > 1).
    runs: usize,
    /// Commands per experiment run, the K values tried, and runs per K.
    multi: (usize, &'static [usize], usize),
    /// Also run with `-force`, where `mptcp` sends up to 32 requests per datagram.
    forced: bool,
}

/// The two workloads. An endpoint delete waits for an RCU grace period in the kernel
/// (`synchronize_rcu()` in DEL_ADDR, milliseconds), so that workload runs once per
/// program and the experiment tries it on fewer commands.
fn workloads() -> [Workload; 2] {
    [
        Workload {
            title: "endpoint add/delete cycles",
            name: "addr",
            lines: [
                format!("mptcp endpoint add 10.200.9.1 id 50 dev {} subflow", BenchNs::DEV),
                "mptcp endpoint delete id 50".into(),
            ],
            runs: 1,
            multi: (1_000, &[1, 64], 1),
            forced: false,
        },
        Workload {
            title: "limits set/show",
            name: "limits",
            lines: [
                "mptcp limits set subflows 2 add_addr_accepted 2".into(),
                "mptcp limits show".into(),
            ],
            // A run takes 20-60 ms, and a few of them land on a busy moment of the
            // machine: 31 rounds keep the median steady.
            runs: 31,
            multi: (COMMANDS, &KS, 3),
            forced: true,
        },
    ]
}

/// One line of `mptcp-storm multi`: microseconds per command and the error count.
fn multi(bins: &Bins, ns: &str, workload: &str, n: usize, k: usize) -> Result<(f64, u64), String> {
    let out = Cmd::new(&bins.storm)
        .args(["multi", ns, workload, &n.to_string(), &k.to_string()])
        .read()?;
    let w: Vec<&str> = out.split_whitespace().collect();
    let field = |key: &str| {
        w.iter().position(|x| *x == key).and_then(|i| w.get(i + 1)).map(|v| v.to_string())
    };
    let us = field("us_per_cmd").and_then(|v| v.parse().ok()).ok_or("bad multi output")?;
    let errors = field("errors").and_then(|v| v.parse().ok()).unwrap_or(0);
    Ok((us, errors))
}

/// Runs both workloads through both programs and the experiment.
pub fn run(bins: &Bins, ns: &BenchNs, work: &Path) -> Result<Section, String> {
    let mut md = String::from("## 2. Batch\n\n");
    let _ = writeln!(
        md,
        "{COMMANDS} commands per file, `mptcp -n NS -batch FILE` against \
         `ip -n NS -batch FILE` (the same file: `mptcp` accepts the leading `mptcp` word), \
         stdout on /dev/null. A workload's programs run in rounds, back to back (mptcp, \
         mptcp `-force`, ip, ip `-force`; each round starts one program further, so that \
         none always follows `ip`), so that load from elsewhere on the machine falls on \
         each alike; median shown, with the 10th and 90th percentiles. \
         Per command = whole-process wall time / {COMMANDS} (process start-up included: \
         under 0.1 µs per command); CPU is user + system time from `wait4`, which leaves \
         out the time a run waited for a CPU. \
         The namespace holds 7 endpoints; the add makes the 8th.\n\n\
         System calls per command come from `strace -f -c` over a {STRACED}-command file. \
         With `-force` (both programs) every line runs whatever the lines before it did, \
         so `mptcp` sends the requests of up to 32 consecutive one-request lines in one \
         datagram and collects the answers line by line; without it each line goes \
         alone, as a failed line must stop the batch before the next one runs. The \
         endpoint cycle is bound by the kernel (below) and runs without `-force` only.\n\n\
         | workload | runs | mptcp µs/cmd (p10–p90) | mptcp CPU µs/cmd | ip µs/cmd (p10–p90) | mptcp / ip | syscalls/cmd mptcp / ip | peak RSS mptcp / ip |\n\
         |---|---|---|---|---|---|---|---|"
    );
    let mut targets = Vec::new();
    let mut pairs_md = String::new();
    for w in workloads() {
        let file = work.join("batch.txt");
        let text = w.lines.join("\n") + "\n";
        std::fs::write(&file, text.repeat(COMMANDS / 2)).map_err(|e| format!("batch file: {e}"))?;
        // Every program of the workload in one spec, so that each round runs them back
        // to back (mptcp, mptcp -force, ip, ip -force; the next round starts one further):
        // load from elsewhere on the machine falls on all of them alike, and `-force` is
        // compared with plain round by round. Measured apart, minutes apart, they
        // differed by a third either way.
        let modes: &[bool] = if w.forced { &[false, true] } else { &[false] };
        let mut spec = format!("runs {}\nwarmup {}\n", w.runs, usize::from(w.runs > 1));
        for (prog, tag) in [(&bins.mptcp, "ours"), (&bins.ip, "ip")] {
            for &force in modes {
                let flag = if force { " -force" } else { "" };
                let _ = write!(
                    spec,
                    "prog {tag}{}\ncmd {} -n {}{flag} -batch {}\n",
                    if force { "-force" } else { "" },
                    s(prog),
                    ns.name,
                    s(&file)
                );
            }
        }
        println!("bench: batch `{}`, {} interleaved run(s) each", w.title, w.runs);
        let r = drive(bins, work, "batch", &spec)?;
        let per_cmd = |n: &str, f: fn(&Run) -> f64| -> Vec<f64> {
            r[n].iter().map(|x| f(x) / COMMANDS as f64).collect()
        };
        let wall = |n: &str| per_cmd(n, |x| x.wall_ns / 1e3);
        let cpu = |n: &str| per_cmd(n, |x| x.cpu_us);
        let rss = |n: &str| quantile(&r[n].iter().map(|x| x.rss_kb).collect::<Vec<_>>(), 1.0);
        std::fs::write(&file, text.repeat(STRACED / 2)).map_err(|e| format!("batch file: {e}"))?;
        for &force in modes {
            let title = format!("{}{}", w.title, if force { ", `-force`" } else { "" });
            let (ours, ip) = if force { ("ours-force", "ip-force") } else { ("ours", "ip") };
            let (o, i) = (median(&wall(ours)), median(&wall(ip)));
            let spread = |v: &[f64]| match v.len() {
                0 | 1 => "one run".to_string(),
                _ => format!("{:.2}–{:.2}", quantile(v, 0.1), quantile(v, 0.9)),
            };
            let batch = |prog: &Path| {
                let mut argv = vec![s(prog), "-n".into(), ns.name.clone()];
                argv.extend(force.then(|| "-force".to_string()));
                argv.extend(["-batch".into(), s(&file)]);
                argv
            };
            let calls = |prog: &Path| -> Result<f64, String> {
                Ok(syscalls(work, &[batch(prog)])?.0 as f64 / STRACED as f64)
            };
            let (so, si) = (calls(&bins.mptcp)?, calls(&bins.ip)?);
            let _ = writeln!(
                md,
                "| {title} | {} | **{o:.2}** ({}) | {:.2} | {i:.2} ({}) | {} | {so:.2} / {si:.2} | {:.0} / {:.0} KiB |",
                w.runs,
                spread(&wall(ours)),
                median(&cpu(ours)),
                spread(&wall(ip)),
                fmt_ratio(o / i),
                rss(ours),
                rss(ip)
            );
            let why = if w.name == "addr" {
                format!(
                    "{:.0}× over: the kernel's DEL_ADDR waits for an RCU grace period \
                     (`synchronize_rcu()`), milliseconds per delete, so the cycle costs what \
                     the kernel makes it cost whatever the client does (ip is as slow); no \
                     client-side change can reach 2 µs",
                    o / 2.0
                )
            } else if force {
                format!(
                    "{:.0}% over: {so:.2} system calls per command with up to 32 requests \
                     per datagram; what is left is the kernel's own work per request (the \
                     requests alone at K=32 below: {{K32}} µs) and the CLI's reading, \
                     parsing and printing",
                    (o / 2.0 - 1.0) * 100.0
                )
            } else {
                format!(
                    "{:.0}% over: each command is its own kernel round trip ({so:.1} \
                     system calls per command: sendto and recvmsg per request, plus the \
                     output write); the same round trips without any CLI (K=1 below) \
                     already cost {{K1}} µs per command, so one request per datagram cannot \
                     reach 2 µs here; with `-force` the requests share datagrams (next row)",
                    (o / 2.0 - 1.0) * 100.0
                )
            };
            targets.push(Target {
                what: format!("batch, {title}"),
                goal: "≤ 2 µs per command".into(),
                got: format!("{o:.2} µs"),
                met: o <= 2.0,
                why,
            });
        }
        if w.forced {
            // Round by round: each `-force` run against the plain run of the same round.
            let ratios = |a: Vec<f64>, b: Vec<f64>| -> Vec<f64> {
                a.iter().zip(&b).map(|(f, p)| f / p).collect()
            };
            let by_wall = ratios(wall("ours-force"), wall("ours"));
            let by_cpu = ratios(cpu("ours-force"), cpu("ours"));
            let faster = by_wall.iter().filter(|r| **r < 1.0).count();
            let faster_cpu = by_cpu.iter().filter(|r| **r < 1.0).count();
            let range = |v: &[f64]| {
                format!(
                    "{} ({}–{})",
                    fmt_ratio(median(v)),
                    fmt_ratio(quantile(v, 0.0)),
                    fmt_ratio(quantile(v, 1.0))
                )
            };
            let _ = write!(
                pairs_md,
                "\n`-force` against plain `-batch`, {}, round by round (each `-force` run \
                 over the plain run of the same round): wall time {}, CPU time (user + \
                 system) {}; `-force` was faster in {faster} of {} rounds by wall time, in {faster_cpu} by CPU time. \
                 A single round's wall time can flip when the scheduler leaves one run off \
                 the CPU, or when another process holds the kernel's generic-netlink lock \
                 (the `mptcp_pm` family has no parallel ops, and a DEL_ADDR in any namespace \
                 holds that lock through an RCU grace period: one `sendto` of a one-shot \
                 `endpoint show` was seen to take 6 and 25 ms while another namespace ran \
                 add/delete cycles); CPU time leaves both out.\n",
                w.title,
                range(&by_wall),
                range(&by_cpu),
                by_wall.len()
            );
            targets.push(Target {
                what: format!("batch, {}: `-force` against plain, same run", w.title),
                goal: "faster: median wall time, and CPU time in every round".into(),
                got: format!(
                    "{} of plain's wall time, {} of its CPU (medians); faster in {faster} \
                     of {n} rounds by wall time, {faster_cpu} of {n} by CPU time",
                    fmt_ratio(median(&by_wall)),
                    fmt_ratio(median(&by_cpu)),
                    n = by_wall.len()
                ),
                met: median(&by_wall) < 1.0 && faster_cpu == by_cpu.len(),
                why: format!(
                    "slower by CPU time in {} of {} rounds, median wall-time ratio {}",
                    by_cpu.len() - faster_cpu,
                    by_cpu.len(),
                    fmt_ratio(median(&by_wall))
                ),
            });
        }
    }
    md.push_str(&pairs_md);

    md.push_str(
        "\n### Several requests per datagram\n\n\
         `mptcp-storm multi` (the requests alone, without the CLI) writes K requests back to \
         back into one buffer and sends them with one `sendto`, as the kernel's YNL \
         `--multi` does, then collects the K answers. Same two workloads (the add carries \
         no `dev` here), µs per command, median of the runs shown:\n\n",
    );
    let mut header = String::from("| workload | commands × runs |");
    let mut rule = String::from("|---|---|");
    for k in KS {
        let _ = write!(header, " K={k} |");
        rule.push_str("---|");
    }
    let _ = writeln!(md, "{header} time, K=1 → largest K |\n{rule}---|");
    let (mut k1, mut k32) = (0.0, 0.0);
    for w in workloads() {
        let (n, ks, reps) = w.multi;
        println!("bench: several requests per datagram, `{}`", w.title);
        let mut row = format!("| {} | {} × {reps} |", w.title, fmt_count(n as u64));
        let (mut first, mut last) = (0.0, 0.0);
        for k in KS {
            if !ks.contains(&k) {
                row.push_str(" – |");
                continue;
            }
            let mut v = Vec::new();
            for _ in 0..reps {
                let (us, errors) = multi(bins, &ns.name, w.name, n, k)?;
                if errors != 0 {
                    return Err(format!("multi {} K={k}: {errors} requests failed", w.name));
                }
                v.push(us);
            }
            let us = median(&v);
            if k == 1 {
                first = us;
            }
            if k == 32 && w.name == "limits" {
                k32 = us;
            }
            last = us;
            let _ = write!(row, " {us:.2} |");
        }
        if w.name == "limits" {
            k1 = first;
        }
        let change = (last / first - 1.0) * 100.0;
        let change = if change.abs() < 0.5 { "±0%".to_string() } else { format!("{change:+.0}%") };
        let _ = writeln!(md, "{row} {change} |");
    }
    for t in &mut targets {
        t.why = t.why.replace("{K1}", &format!("{k1:.2}")).replace("{K32}", &format!("{k32:.2}"));
    }
    let answers = Cmd::new(&bins.storm).args(["multi-errors", &ns.name]).read()?;
    let _ = writeln!(
        md,
        "\nErrors stay per request: every request keeps its own sequence number and the \
         kernel answers each one separately (an ACK, an error with its extended ack, or \
         a reply), going on with the next request after a failure. One datagram of \
         `add id 201`, `delete id 202` (no such id), `delete id 201` gives:\n\n```\n{}```\n\n\
         So the CLI sends a batch's commands several per datagram and still prints \
         `Command failed FILE:LINE` for the right line with the kernel's own message. \
         The one thing that changes is *when* later commands run: without `-force`, \
         `-batch` stops at the first failure, so commands already sent after it would \
         have run; `mptcp` groups only under `-force`, and stops a group before any line \
         that is not a single request (a dump, the monitor, a line that does not parse), \
         so that line still sees every change before it.",
        answers
    );
    Ok(Section { md, targets })
}
