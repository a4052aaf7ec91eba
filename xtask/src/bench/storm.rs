//! Section 3: `mptcp monitor` and `ip mptcp monitor` side by side under an event storm,
//! against an independent count of what the kernel sent.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::Duration;

use super::build::{Bins, s};
use super::stats::{fmt_count, fmt_ratio, median, quantile};
use super::topo::StormNs;
use super::{Section, Target};
use crate::util::stop;

/// Receive buffer of the independent counter: 64 MiB (the kernel doubles it).
const COUNTER_RCVBUF: &str = "67108864";

/// One storm phase.
struct Phase {
    name: &'static str,
    client_threads: usize,
    server_threads: usize,
    /// `-rcvbuf` given to both monitors, when set.
    rcvbuf: Option<u32>,
}

const PHASES: [Phase; 3] = [
    Phase { name: "steady", client_threads: 4, server_threads: 4, rcvbuf: None },
    Phase { name: "overload", client_threads: 16, server_threads: 16, rcvbuf: None },
    Phase {
        name: "overload, both with -rcvbuf 32 MiB",
        client_threads: 16,
        server_threads: 16,
        rcvbuf: Some(32 << 20),
    },
];

/// Event names by type, as `mptcp` prints them (`ip` 6.1 prints `UNKNOWN N` for some).
const KINDS: [(u8, &str); 10] = [
    (1, "CREATED"),
    (2, "ESTABLISHED"),
    (3, "CLOSED"),
    (6, "ANNOUNCED"),
    (7, "REMOVED"),
    (10, "SF_ESTABLISHED"),
    (11, "SF_CLOSED"),
    (13, "SF_PRIO"),
    (15, "LISTENER_CREATED"),
    (16, "LISTENER_CLOSED"),
];

fn kind_name(k: u8) -> String {
    KINDS.iter().find(|(n, _)| *n == k).map_or_else(|| format!("type {k}"), |(_, s)| s.to_string())
}

/// What one monitor did in one phase.
#[derive(Default)]
struct Seen {
    events: u64,
    by_kind: BTreeMap<u8, u64>,
    warnings: u64,
    cpu_ns: u64,
    user_ms: u64,
    sys_ms: u64,
    peak_kb: u64,
}

/// What the counter and the load generator reported in one phase.
#[derive(Default)]
struct Kernel {
    events: u64,
    by_kind: BTreeMap<u8, u64>,
    counter_lost: u64,
    counter_rcvbuf: u64,
    connections: u64,
    rate: f64,
    seconds: f64,
}

/// Reads a monitor's text output: one line per event, `[NAME]` or `[UNKNOWN N]` first.
fn read_monitor(out: &Path, err: &Path) -> Seen {
    let text = std::fs::read_to_string(out).unwrap_or_default();
    let mut seen = Seen::default();
    for line in text.lines() {
        let Some(tag) = line.strip_prefix('[').and_then(|l| l.split(']').next()) else {
            continue;
        };
        let tag = tag.trim();
        let kind = match tag.strip_prefix("UNKNOWN ") {
            Some(n) => n.trim().parse().unwrap_or(0),
            None => KINDS.iter().find(|(_, s)| *s == tag).map_or(0, |(k, _)| *k),
        };
        seen.events += 1;
        *seen.by_kind.entry(kind).or_insert(0) += 1;
    }
    let err = std::fs::read_to_string(err).unwrap_or_default();
    seen.warnings = err
        .lines()
        .filter(|l| l.contains("No buffer space") || l.contains("dropped MPTCP events"))
        .count() as u64;
    seen
}

/// Reads CPU time and peak RSS of a running process from /proc.
fn read_proc(pid: u32, seen: &mut Seen, tick_ms: u64) {
    let read = |f: &str| std::fs::read_to_string(format!("/proc/{pid}/{f}")).unwrap_or_default();
    seen.cpu_ns =
        read("schedstat").split_whitespace().next().and_then(|v| v.parse().ok()).unwrap_or(0);
    let stat = read("stat");
    // Fields after the `(comm)`: state is 3rd, utime 14th, stime 15th of the full line.
    if let Some((_, rest)) = stat.rsplit_once(')') {
        let f: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        seen.user_ms = ticks(11) * tick_ms;
        seen.sys_ms = ticks(12) * tick_ms;
    }
    seen.peak_kb = read("status")
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
}

/// Starts `argv` with stdout and stderr in files.
fn start(argv: &[String], out: &Path, err: &Path) -> Result<Child, String> {
    let file = |p: &Path| File::create(p).map_err(|e| format!("{}: {e}", p.display()));
    println!("$ {} > {} &", argv.join(" "), out.display());
    Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(file(out)?)
        .stderr(file(err)?)
        .spawn()
        .map_err(|e| format!("{}: {e}", argv[0]))
}

fn field<T: std::str::FromStr>(text: &str, key: &str) -> Option<T> {
    let w: Vec<&str> = text.split_whitespace().collect();
    w.iter().position(|x| *x == key).and_then(|i| w.get(i + 1)).and_then(|v| v.parse().ok())
}

/// Each monitor's label and what it saw, `ip` first.
type Monitors = Vec<(&'static str, Seen)>;

/// Runs one phase and returns the kernel's side and each monitor's.
fn run_phase(
    bins: &Bins,
    ns: &StormNs,
    work: &Path,
    phase: &Phase,
    length: Duration,
) -> Result<(Kernel, Monitors), String> {
    println!("bench: storm phase `{}` for {:.0} s", phase.name, length.as_secs_f64());
    let p = |name: &str| -> PathBuf { work.join(name) };
    let storm = s(&bins.storm);
    let mut counter = start(
        &[storm.clone(), "count".into(), ns.srv.clone(), COUNTER_RCVBUF.into(), "3600".into()],
        &p("count.out"),
        &p("count.err"),
    )?;
    let rcv: Vec<String> =
        phase.rcvbuf.map(|b| vec!["-rcvbuf".into(), b.to_string()]).unwrap_or_default();
    let mut argv_ip = vec![s(&bins.ip)];
    argv_ip.extend(rcv.iter().cloned());
    argv_ip.extend(["-n".into(), ns.srv.clone(), "mptcp".into(), "monitor".into()]);
    let mut argv_ours = vec![s(&bins.mptcp)];
    argv_ours.extend(rcv.iter().cloned());
    argv_ours.extend(["-n".into(), ns.srv.clone(), "monitor".into()]);
    let mut monitors = Vec::new();
    for (label, argv) in [("ip", argv_ip), ("mptcp", argv_ours)] {
        let child = start(&argv, &p(&format!("{label}.out")), &p(&format!("{label}.err")))?;
        monitors.push((label, child));
    }
    sleep(Duration::from_millis(500));
    let netns_exec = |ns: &str| ["ip", "netns", "exec", ns].map(String::from).to_vec();
    let mut argv_srv = netns_exec(&ns.srv);
    argv_srv.extend([storm.clone(), "server".into(), StormNs::SERVER.into()]);
    argv_srv.extend([phase.server_threads.to_string(), "3600".into()]);
    let mut server = start(&argv_srv, &p("server.out"), &p("server.err"))?;
    sleep(Duration::from_millis(300));
    let mut argv_cli = netns_exec(&ns.cli);
    argv_cli.extend([storm, "client".into(), StormNs::SERVER.into()]);
    argv_cli.extend([phase.client_threads.to_string(), format!("{}", length.as_secs_f64())]);
    argv_cli.extend(["1000000000".into(), "1".into(), "0".into()]);
    println!("$ {}", argv_cli.join(" "));
    let client = Command::new(&argv_cli[0])
        .args(&argv_cli[1..])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("client: {e}"))?;
    let client_out = String::from_utf8_lossy(&client.stdout).into_owned();
    sleep(Duration::from_millis(500));
    stop(&mut server, "TERM", Duration::from_secs(10));
    // Let the last events (the closes, LISTENER_CLOSED) reach every listener.
    sleep(Duration::from_millis(1500));
    let tick_ms = 1000 / clock_ticks().max(1);
    let mut seen = Vec::new();
    for (label, child) in &mut monitors {
        let mut s = Seen::default();
        read_proc(child.id(), &mut s, tick_ms);
        stop(child, "TERM", Duration::from_secs(5));
        let r = read_monitor(&p(&format!("{label}.out")), &p(&format!("{label}.err")));
        s.events = r.events;
        s.by_kind = r.by_kind;
        s.warnings = r.warnings;
        seen.push((*label, s));
    }
    stop(&mut counter, "TERM", Duration::from_secs(5));
    let count = std::fs::read_to_string(p("count.out")).unwrap_or_default();
    if !client.status.success() || !count.starts_with("events") {
        let err = std::fs::read_to_string(p("count.err")).unwrap_or_default();
        return Err(format!(
            "storm phase `{}` failed: client {} {}; counter: {count}{err}",
            phase.name,
            client.status,
            String::from_utf8_lossy(&client.stderr)
        ));
    }
    let mut k = Kernel {
        events: field(&count, "events").unwrap_or(0),
        counter_lost: field(&count, "lost").unwrap_or(0),
        counter_rcvbuf: field(&count, "rcvbuf").unwrap_or(0),
        connections: field(&client_out, "connections").unwrap_or(0),
        rate: field(&client_out, "rate").unwrap_or(0.0),
        seconds: field(&client_out, "seconds").unwrap_or(0.0),
        ..Kernel::default()
    };
    for line in count.lines().filter_map(|l| l.strip_prefix("kind ")) {
        let mut w = line.split_whitespace().map(|v| v.parse::<u64>().unwrap_or(0));
        if let (Some(kind), Some(n)) = (w.next(), w.next()) {
            k.by_kind.insert(kind as u8, n);
        }
    }
    Ok((k, seen))
}

/// `getconf CLK_TCK`, 100 when unknown.
fn clock_ticks() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100)
}

/// `net.core.rmem_max` in KiB (0 when unreadable).
fn rmem_max_kb() -> u64 {
    std::fs::read_to_string("/proc/sys/net/core/rmem_max")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(0, |b| b >> 10)
}

/// Lost-event outcome of the phases that share one buffer setting.
#[derive(Default)]
struct Losses {
    /// Some phase had ip lose events.
    exercised: bool,
    /// In every such phase mptcp lost none.
    held: bool,
    notes: Vec<String>,
}

impl Losses {
    fn add(&mut self, phase: &str, k: &Kernel, ip: &Seen, ours: &Seen) {
        if self.notes.is_empty() {
            self.held = true;
        }
        let ip_missed = k.events.saturating_sub(ip.events);
        let ours_missed = k.events.saturating_sub(ours.events);
        if ip_missed > 0 || ip.warnings > 0 {
            self.exercised = true;
            self.held &= ours_missed == 0 && ours.warnings == 0;
        }
        self.notes.push(format!(
            "{phase}: ip missed {}, mptcp missed {}",
            fmt_count(ip_missed),
            fmt_count(ours_missed)
        ));
    }

    fn target(&self, what: &str, why_missed: &str) -> Target {
        Target {
            what: what.into(),
            goal: "none lost at storm rates where ip loses some".into(),
            got: self.notes.join("; "),
            met: self.exercised && self.held,
            why: if self.exercised {
                why_missed.into()
            } else {
                "not exercised this run: ip lost no event in these phases".into()
            },
        }
    }
}

/// CPU per event seen, in µs.
fn per_event(s: &Seen) -> f64 {
    s.cpu_ns as f64 / 1e3 / s.events.max(1) as f64
}

/// Runs every phase (the steady one `steady_runs` times) and reports them.
pub fn run(
    bins: &Bins,
    work: &Path,
    length: Duration,
    steady_runs: usize,
) -> Result<Section, String> {
    let ns = StormNs::create(work)?;
    let mut md = String::from("## 3. Monitor under an event storm\n\n");
    let _ = writeln!(
        md,
        "Two namespaces joined by two veth paths. `mptcp-storm client` (in the client \
         namespace) opens MPTCP connections to `mptcp-storm server` (in the server \
         namespace) as fast as it can from several threads: connect, one byte each way, \
         close. The server announces its second address (`signal`), the client announces \
         its own and opens a subflow from it (`signal subflow`), limits 4/4, so ANNOUNCED \
         and SF_* events fire besides CREATED/ESTABLISHED/CLOSED. In the server namespace \
         `ip -n NS mptcp monitor` and `mptcp -n NS monitor` run side by side, and \
         `mptcp-storm count`, a listener with a {} MiB receive buffer (`SO_RCVBUFFORCE`), \
         counts what the kernel multicast. Each storm lasts {:.0} s. Monitor output goes \
         to files on tmpfs instead of /dev/null, so that the events each one printed can \
         be counted (one line per event); CPU time is the process's `schedstat` run time \
         (user + system), peak RSS is `VmHWM`, both read just before the monitor is \
         stopped. A lost-event warning is one `ENOBUFS` report on stderr \
         (`netlink receive error No buffer space available (105)` from ip; \
         `Warning: the kernel dropped MPTCP events …` from mptcp).\n\n\
         Receive buffers: by default ip asks for 1 MiB with `SO_RCVBUF` (capped by \
         `net.core.rmem_max`, {} KiB here) and mptcp for 8 MiB with `SO_RCVBUFFORCE`; \
         the kernel grants twice the request. The buffer is a limit, not an allocation: \
         only queued events are charged to it. With `-rcvbuf 33554432` mptcp gets 64 MiB, ip \
         at most twice rmem_max. Whether a monitor loses events under overload depends \
         on how long the scheduler leaves it off the CPU, so the overload phases differ \
         from run to run; after an overflow the kernel drops every event until the \
         queue has been read empty (`NETLINK_S_CONGESTED`), so one stall can cost \
         thousands of events.\n",
        COUNTER_RCVBUF.parse::<u64>().unwrap_or(0) >> 20,
        length.as_secs_f64(),
        rmem_max_kb()
    );
    let mut targets = Vec::new();
    let (mut default_buf, mut big_buf) = (Losses::default(), Losses::default());
    let mut steady_ratios = Vec::new();
    let mut summary = String::from(
        "### CPU per event, every run\n\n\
         The steady phase runs several times, for the spread (the first run's details \
         are above); each row is one storm, both monitors side by side in it.\n\n\
         | phase | run | kernel's events | missed ip / mptcp | CPU per event ip | CPU per event mptcp | mptcp / ip | load average before |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    let runs = PHASES.iter().flat_map(|p| {
        let n = if p.name == "steady" { steady_runs } else { 1 };
        (1..=n).map(move |i| (p, i, n))
    });
    for (phase, run, of) in runs {
        let load = super::machine::load();
        let (k, seen) = run_phase(bins, &ns, work, phase, length)?;
        let (ip, ours) = (&seen[0].1, &seen[1].1);
        let ratio = per_event(ours) / per_event(ip).max(1e-9);
        let _ = writeln!(
            summary,
            "| {} | {run} of {of} | {} | {} / {} | {:.2} µs | {:.2} µs | **{}** | {} |",
            phase.name,
            fmt_count(k.events),
            fmt_count(k.events.saturating_sub(ip.events)),
            fmt_count(k.events.saturating_sub(ours.events)),
            per_event(ip),
            per_event(ours),
            fmt_ratio(ratio),
            load.split(" (").next().unwrap_or("")
        );
        if phase.name == "steady" {
            steady_ratios.push(ratio);
        }
        let losses = if phase.rcvbuf.is_some() { &mut big_buf } else { &mut default_buf };
        losses.add(phase.name, &k, ip, ours);
        if run > 1 {
            continue;
        }
        let _ = writeln!(
            md,
            "### Phase `{}`: {} client threads, {} server threads{}\n\n\
             {} connections in {:.1} s ({:.0}/s); the kernel sent {} events ({:.0}/s); the \
             counter (receive buffer {} MiB granted) missed {} (overflows: {}).\n\n\
             | monitor | events seen | of kernel's | missed | lost-event warnings | CPU total | \
             user / sys | CPU per event | peak RSS |\n|---|---|---|---|---|---|---|---|---|",
            phase.name,
            phase.client_threads,
            phase.server_threads,
            phase.rcvbuf.map_or(String::new(), |b| format!(", `-rcvbuf {b}` for both monitors")),
            fmt_count(k.connections),
            k.seconds,
            k.rate,
            fmt_count(k.events),
            k.events as f64 / k.seconds.max(1e-9),
            k.counter_rcvbuf >> 20,
            if k.counter_lost == 0 { "nothing" } else { "some" },
            k.counter_lost,
        );
        for (label, s) in &seen {
            let _ = writeln!(
                md,
                "| {label} | {} | {:.2}% | {} | {} | {:.0} ms | {} / {} ms | {:.2} µs | {} KiB |",
                fmt_count(s.events),
                s.events as f64 * 100.0 / k.events.max(1) as f64,
                fmt_count(k.events.saturating_sub(s.events)),
                s.warnings,
                s.cpu_ns as f64 / 1e6,
                s.user_ms,
                s.sys_ms,
                per_event(s),
                s.peak_kb
            );
        }
        let _ = writeln!(md, "\nCPU per event, mptcp / ip: **{}**.\n", fmt_ratio(ratio));
        md.push_str("| event | kernel | ip | mptcp |\n|---|---|---|---|\n");
        let kinds: std::collections::BTreeSet<u8> =
            k.by_kind.keys().chain(ip.by_kind.keys()).chain(ours.by_kind.keys()).copied().collect();
        for kind in kinds {
            let n = |m: &BTreeMap<u8, u64>| fmt_count(m.get(&kind).copied().unwrap_or(0));
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} |",
                kind_name(kind),
                n(&k.by_kind),
                n(&ip.by_kind),
                n(&ours.by_kind)
            );
        }
        md.push('\n');
    }
    md.push_str(&summary);
    targets.push(default_buf.target(
        "monitor, lost events (default buffers)",
        "mptcp lost events too where ip did, even with its default 16 MiB receive \
         buffer (ip's is 2 MiB): a monitor kept off the CPU for longer than the buffer \
         lasts loses events whatever it does once it runs. A larger buffer (`-rcvbuf`, \
         granted above rmem_max to root through SO_RCVBUFFORCE) is the remedy; see the \
         `-rcvbuf` phase",
    ));
    targets.push(big_buf.target(
        "monitor, lost events (`-rcvbuf 32 MiB` for both)",
        "mptcp lost events too where ip did, even with a 64 MiB buffer: the monitor was \
         kept off the CPU for longer than the buffer lasts",
    ));
    if !steady_ratios.is_empty() {
        let worst = quantile(&steady_ratios, 1.0);
        targets.push(Target {
            what: "monitor CPU per event (steady phase)".into(),
            goal: "≤ 0.3× ip, in every run".into(),
            got: format!(
                "{} median, {}–{} over {} runs",
                fmt_ratio(median(&steady_ratios)),
                fmt_ratio(quantile(&steady_ratios, 0.0)),
                fmt_ratio(worst),
                steady_ratios.len()
            ),
            met: worst <= 0.3,
            why: format!(
                "{:.0}% over in the worst run: mptcp takes every queued event with one \
                 recvmmsg, writes once the queue is empty, and under a storm wakes at \
                 most once per 4 ms (events less than 4 ms apart are coalesced); what is \
                 left is the kernel's work to hand each event over (a datagram per event), \
                 and ip's own cost per event moves with how often it sleeps",
                (worst / 0.3 - 1.0) * 100.0
            ),
        });
    }
    Ok(Section { md, targets })
}
