//! Section 1: one-shot commands as whole processes, `mptcp` against `ip` and the floor,
//! interleaved; wall time, CPU, peak RSS and system calls.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use super::build::{Bins, s};
use super::stats::{fmt_ns, fmt_ratio, median, quantile};
use super::topo::BenchNs;
use super::{Section, Target};
use crate::util::Cmd;

/// One measured run: wall time (ns), peak RSS (KiB), CPU (µs), exit status, minor
/// page faults.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    pub wall_ns: f64,
    pub rss_kb: f64,
    pub cpu_us: f64,
    pub status: i64,
    pub faults: f64,
}

/// Runs a spec through `mptcp-storm spawn` and returns the runs of each program.
pub fn drive(
    bins: &Bins,
    work: &Path,
    tag: &str,
    spec: &str,
) -> Result<BTreeMap<String, Vec<Run>>, String> {
    let file = work.join(format!("{tag}.spec"));
    std::fs::write(&file, spec).map_err(|e| format!("{}: {e}", file.display()))?;
    let out = Cmd::new(&bins.storm).arg("spawn").arg(&file).read()?;
    let mut runs: BTreeMap<String, Vec<Run>> = BTreeMap::new();
    for line in out.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        let num = |i: usize| w.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        if let Some(name) = w.first() {
            runs.entry(name.to_string()).or_default().push(Run {
                wall_ns: num(1),
                rss_kb: num(2),
                cpu_us: num(3),
                status: num(4) as i64,
                faults: num(5),
            });
        }
    }
    for (name, rs) in &runs {
        let failed = rs.iter().filter(|r| r.status != 0).count();
        if failed > 0 {
            return Err(format!("{tag}: {name} failed {failed} of {} runs", rs.len()));
        }
    }
    Ok(runs)
}

/// One case: the commands of one run of each program.
struct Case {
    name: &'static str,
    ours: Vec<Vec<String>>,
    ip: Vec<Vec<String>>,
}

fn words(prefix: &[String], rest: &str) -> Vec<String> {
    prefix.iter().cloned().chain(rest.split_whitespace().map(str::to_owned)).collect()
}

fn cases(bins: &Bins, ns: &str) -> Vec<Case> {
    let ours = [s(&bins.mptcp), "-n".into(), ns.to_owned()];
    let ip = [s(&bins.ip), "-n".into(), ns.to_owned(), "mptcp".into()];
    let add = format!("endpoint add 10.200.9.1 id 50 dev {} subflow", BenchNs::DEV);
    let del = "endpoint delete id 50";
    vec![
        Case {
            name: "endpoint show",
            ours: vec![words(&ours, "endpoint show")],
            ip: vec![words(&ip, "endpoint show")],
        },
        Case {
            name: "limits show",
            ours: vec![words(&ours, "limits show")],
            ip: vec![words(&ip, "limits show")],
        },
        Case {
            name: "endpoint add + delete",
            ours: vec![words(&ours, &add), words(&ours, del)],
            ip: vec![words(&ip, &add), words(&ip, del)],
        },
    ]
}

/// The spec of one case: `ours`, `ip`, `floor` and `startup` (`mptcp -V`: the
/// program's start-up and exit without any work) interleaved.
fn spec(case: &Case, floor: &str, mptcp: &str, runs: usize) -> String {
    let mut out = format!("runs {runs}\nwarmup {}\n", (runs / 20).max(5));
    for (name, cmds) in [("ours", &case.ours), ("ip", &case.ip)] {
        let _ = writeln!(out, "prog {name}");
        for c in cmds {
            let _ = writeln!(out, "cmd {}", c.join(" "));
        }
    }
    let _ = writeln!(out, "prog floor");
    for _ in &case.ours {
        let _ = writeln!(out, "cmd {floor}");
    }
    let _ = writeln!(out, "prog startup");
    for _ in &case.ours {
        let _ = writeln!(out, "cmd {mptcp} -V");
    }
    out
}

/// System calls of `cmds` run one after the other under `strace -f -c`: the total and
/// the per-call counts.
pub fn syscalls(work: &Path, cmds: &[Vec<String>]) -> Result<(u64, BTreeMap<String, u64>), String> {
    let (mut total, mut by_name) = (0, BTreeMap::new());
    for cmd in cmds {
        let file = work.join("strace.txt");
        let _ = Cmd::new("strace").args(["-f", "-c", "-o"]).arg(&file).args(cmd).read()?;
        let text = std::fs::read_to_string(&file).map_err(|e| format!("strace output: {e}"))?;
        let (calls, names) = crate::syscalls::parse_strace_c(&text);
        total += calls;
        for (name, n) in names {
            *by_name.entry(name).or_insert(0) += n;
        }
    }
    Ok((total, by_name))
}

/// Medians of one program's runs.
struct Summary {
    wall: f64,
    p90: f64,
    cpu: f64,
    faults: f64,
    peak_kb: f64,
}

fn summarize(runs: &[Run]) -> Summary {
    let pick = |f: fn(&Run) -> f64| runs.iter().map(f).collect::<Vec<f64>>();
    Summary {
        wall: median(&pick(|r| r.wall_ns)),
        p90: quantile(&pick(|r| r.wall_ns), 0.9),
        cpu: median(&pick(|r| r.cpu_us)),
        faults: median(&pick(|r| r.faults)),
        peak_kb: quantile(&pick(|r| r.rss_kb), 1.0),
    }
}

/// Runs the three cases and reports them.
pub fn run(bins: &Bins, ns: &BenchNs, work: &Path, runs: usize) -> Result<Section, String> {
    let warmup = (runs / 20).max(5);
    let mut md = String::from("## 1. One-shot commands\n\n");
    let _ = writeln!(
        md,
        "Whole processes, stdout and stderr on /dev/null, in a namespace holding 8 endpoints \
         (4 veth interfaces, each with an IPv4 `subflow` and an IPv6 `signal` endpoint, all \
         with `dev`). `mptcp -n NS …` against `/usr/sbin/ip -n NS mptcp …`, the floor (a \
         static program whose `main` returns 0) and `mptcp -V` (the same binary's start-up \
         and exit with no work), interleaved mptcp, ip, floor, `-V`, then ip, floor, `-V`, mptcp, … (each round \
         starts one program further, so that none always runs right after `ip`, whose \
         runs leave the caches cold): {runs} measured runs each after {warmup} warm-up \
         rounds. A run of the add + delete case \
         is two processes (floor and `-V` run twice too); the add is the namespace's 8th \
         endpoint, as the kernel holds at most 8 (`MPTCP_PM_ADDR_MAX`), so endpoint 8 is \
         deleted before that case. Wall time is measured by the driver around spawn + \
         `wait4`; CPU (user + system), minor page faults and peak RSS come from `wait4`'s \
         `rusage`.\n\n\
         | case | mptcp | ip | floor | `mptcp -V` | **mptcp / ip** | **mptcp / floor** | \
         p90 mptcp / ip | CPU mptcp / ip | page faults mptcp / ip / floor | peak RSS mptcp / ip / floor |\n\
         |---|---|---|---|---|---|---|---|---|---|---|"
    );
    let mut targets = Vec::new();
    let mut sys_md = String::from(
        "\nSystem calls per run (`strace -f -c`, every call including `execve`; strace does \
         not count the final `exit_group`):\n\n| case | mptcp | ip | floor |\n|---|---|---|---|\n",
    );
    let mut detail = String::new();
    for case in cases(bins, &ns.name) {
        let add_delete = case.name.starts_with("endpoint add");
        if add_delete {
            ns.make_room()?;
        }
        println!("bench: one-shot `{}`, {runs} interleaved runs each", case.name);
        let spec = spec(&case, &s(&bins.floor), &s(&bins.mptcp), runs);
        let r = drive(bins, work, "oneshot", &spec)?;
        let sum = |n: &str| summarize(r.get(n).map_or(&[][..], Vec::as_slice));
        let (o, i, f, v) = (sum("ours"), sum("ip"), sum("floor"), sum("startup"));
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | **{}** | **{}** | {} / {} | {:.0} / {:.0} µs | {:.0} / {:.0} / {:.0} | {:.0} / {:.0} / {:.0} KiB |",
            case.name,
            fmt_ns(o.wall),
            fmt_ns(i.wall),
            fmt_ns(f.wall),
            fmt_ns(v.wall),
            fmt_ratio(o.wall / i.wall),
            fmt_ratio(o.wall / f.wall),
            fmt_ns(o.p90),
            fmt_ns(i.p90),
            o.cpu,
            i.cpu,
            o.faults,
            i.faults,
            f.faults,
            o.peak_kb,
            i.peak_kb,
            f.peak_kb,
        );
        let floor_cmds: Vec<Vec<String>> = case.ours.iter().map(|_| vec![s(&bins.floor)]).collect();
        let (so, by_ours) = syscalls(work, &case.ours)?;
        let (si, _) = syscalls(work, &case.ip)?;
        let (sf, _) = syscalls(work, &floor_cmds)?;
        let _ = writeln!(sys_md, "| {} | {so} | {si} | {sf} |", case.name);
        if case.name == "endpoint show" {
            let list: Vec<String> = by_ours.iter().map(|(k, v)| format!("{k} {v}")).collect();
            let _ = writeln!(detail, "\n`mptcp endpoint show` calls by name: {}.", list.join(", "));
            let ioctls = by_ours.get("ioctl").copied().unwrap_or(0);
            targets.push(Target {
                what: "syscalls, `endpoint show`".into(),
                goal: "≤ 20".into(),
                got: so.to_string(),
                met: so <= 20,
                why: format!(
                    "{} over: {ioctls} are `ioctl(SIOCGIFNAME)`, one per interface named by \
                     an endpoint (8 endpoints on 4 interfaces); the other {} are exec and C \
                     start-up, netns entry, socket set-up, family resolve, the dump and one \
                     write",
                    so.saturating_sub(20),
                    so - ioctls,
                ),
            });
        }
        let startup = v.wall - f.wall;
        let ip_why = if add_delete {
            format!(
                "{:.0}% over: the kernel's DEL_ADDR waits for an RCU grace period \
                 (`synchronize_rcu()`), which both tools wait for; it is most of the \
                 {} either takes. CPU time tells the tools apart: {:.0} µs against {:.0} µs \
                 ({})",
                (o.wall / i.wall / 0.25 - 1.0) * 100.0,
                fmt_ns(i.wall),
                o.cpu,
                i.cpu,
                fmt_ratio(o.cpu / i.cpu)
            )
        } else {
            format!(
                "{:.0}% over: process creation, which both pay, is {} (the floor) of ip's {}",
                (o.wall / i.wall / 0.25 - 1.0) * 100.0,
                fmt_ns(f.wall),
                fmt_ns(i.wall)
            )
        };
        targets.push(Target {
            what: format!("wall time, `{}` vs ip", case.name),
            goal: "≤ 0.25× ip".into(),
            got: fmt_ratio(o.wall / i.wall),
            met: o.wall / i.wall <= 0.25,
            why: ip_why,
        });
        let floor_why = if add_delete {
            format!(
                "{:.0}× the floor: the kernel's RCU grace period on DEL_ADDR (see above)",
                o.wall / f.wall
            )
        } else {
            format!(
                "{:.0}% over: of the {} above the floor, {} is start-up and exit of the \
                 {} KB static binary with no work at all (`mptcp -V`: {:.0} page faults \
                 against the floor's {:.0}, each a few µs in this VM: code beyond the \
                 first 64 KiB fault-around window, the data and bss pages, the stack); {} \
                 is the work (netns entry, socket, family resolve, the request, output)",
                (o.wall / f.wall / 1.3 - 1.0) * 100.0,
                fmt_ns(o.wall - f.wall),
                fmt_ns(startup),
                bins.mptcp.metadata().map_or(0, |m| m.len()) / 1000,
                v.faults,
                f.faults,
                fmt_ns(o.wall - v.wall)
            )
        };
        targets.push(Target {
            what: format!("wall time, `{}` vs floor", case.name),
            goal: "≤ 1.3× floor".into(),
            got: fmt_ratio(o.wall / f.wall),
            met: o.wall / f.wall <= 1.3,
            why: floor_why,
        });
    }
    md.push_str(&sys_md);
    md.push_str(&detail);
    Ok(Section { md, targets })
}
