//! `spawn`: the one-shot driver. Runs whole processes in interleaved rounds and reports,
//! per run, the wall time, the peak RSS and the CPU time the kernel accounted to the
//! child (`wait4`'s `rusage`).

use std::process::{Command, Stdio};
use std::time::Instant;

/// One measured program: a name and the commands one run of it executes in order.
struct Prog {
    name: String,
    cmds: Vec<Vec<String>>,
}

/// What the kernel reports for one finished child.
struct Usage {
    status: i32,
    maxrss_kb: i64,
    cpu_us: i64,
    minflt: i64,
}

/// Parses the spec: `runs N`, `warmup N`, then `prog NAME` lines each followed by
/// `cmd PATH ARGS...` lines.
fn parse(spec: &str) -> Result<(usize, usize, Vec<Prog>), String> {
    let (mut runs, mut warmup, mut progs) = (0, 0, Vec::<Prog>::new());
    for line in spec.lines().filter(|l| !l.trim().is_empty()) {
        let mut words = line.split_whitespace().map(str::to_owned);
        match words.next().as_deref() {
            Some("runs") => runs = words.next().and_then(|w| w.parse().ok()).ok_or("bad runs")?,
            Some("warmup") => {
                warmup = words.next().and_then(|w| w.parse().ok()).ok_or("bad warmup")?
            }
            Some("prog") => progs.push(Prog { name: words.collect(), cmds: Vec::new() }),
            Some("cmd") => progs.last_mut().ok_or("cmd before prog")?.cmds.push(words.collect()),
            _ => return Err(format!("bad spec line: {line}")),
        }
    }
    Ok((runs, warmup, progs))
}

/// Runs `cmd` with all stdio on /dev/null and reaps it with `wait4`.
fn run_one(cmd: &[String]) -> Result<Usage, String> {
    let child = Command::new(&cmd[0])
        .args(&cmd[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("{}: {e}", cmd[0]))?;
    let mut status = 0;
    // SAFETY: all-zero is a valid `rusage`.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `child` is our unreaped child; `status` and `ru` are live locals.
    let r = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut ru) };
    if r < 0 {
        return Err(format!("wait4: {}", std::io::Error::last_os_error()));
    }
    let tv_us = |t: libc::timeval| t.tv_sec * 1_000_000 + t.tv_usec;
    Ok(Usage {
        status,
        maxrss_kb: ru.ru_maxrss,
        cpu_us: tv_us(ru.ru_utime) + tv_us(ru.ru_stime),
        minflt: ru.ru_minflt,
    })
}

/// `spawn SPEC_FILE`: WARMUP unrecorded rounds, then RUNS rounds of every program, each
/// round starting one program further (A B C, B C A, C A B, ...): a run is slower right
/// after a heavy program (`ip` leaves the caches cold), so that place goes to each in
/// turn. Prints one line per measured run, in round order:
/// `NAME WALL_NS MAXRSS_KB CPU_US STATUS MINOR_FAULTS`.
pub fn spawn(spec_file: &str) -> Result<(), String> {
    let spec = std::fs::read_to_string(spec_file).map_err(|e| format!("{spec_file}: {e}"))?;
    let (runs, warmup, progs) = parse(&spec)?;
    let mut out = String::with_capacity(runs * progs.len() * 40);
    for round in 0..warmup + runs {
        let n = progs.len().max(1);
        for p in progs.iter().cycle().skip(round % n).take(n) {
            let start = Instant::now();
            let (mut rss, mut cpu, mut status, mut faults) = (0, 0, 0, 0);
            for cmd in &p.cmds {
                let u = run_one(cmd)?;
                rss = rss.max(u.maxrss_kb);
                cpu += u.cpu_us;
                faults += u.minflt;
                status = if status != 0 { status } else { u.status };
            }
            let ns = start.elapsed().as_nanos();
            if round >= warmup {
                out.push_str(&format!("{} {ns} {rss} {cpu} {status} {faults}\n", p.name));
            }
        }
    }
    print!("{out}");
    Ok(())
}
