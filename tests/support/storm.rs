//! `mptcp-storm`: the load generator and the measuring helpers of `cargo xtask bench`:
//! an MPTCP connection storm (server and client), the independent event counter, the
//! several-requests-per-datagram experiment, the one-shot process driver, and the change
//! maker and observer of the `endpoint follow` benchmark.

#[path = "storm/count.rs"]
mod count;
#[path = "storm/follow.rs"]
mod follow;
#[path = "storm/load.rs"]
mod load;
#[path = "storm/multi.rs"]
mod multi;
#[path = "storm/sock.rs"]
mod sock;
#[path = "storm/spawn.rs"]
mod spawn;
#[path = "storm/stop.rs"]
mod stop;

use std::net::SocketAddrV4;
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "\
usage: mptcp-storm server ADDR:PORT THREADS SECONDS
       mptcp-storm client ADDR:PORT THREADS SECONDS MAX WAVE HOLD_US
       mptcp-storm count NS RCVBUF SECONDS
       mptcp-storm multi NS addr|limits N K
       mptcp-storm multi-errors NS
       mptcp-storm spawn SPEC_FILE
       mptcp-storm follow-latency NS DEV 4|6 N GAP_MS
       mptcp-storm follow-busy NS DEV 4|6 N GAP_MS
       mptcp-storm follow-kernel NS N
       mptcp-storm follow-storm NS SEED N QUIET_MS [STOP_PID]
       mptcp-storm follow-expect NS";

fn num<T: std::str::FromStr>(s: &str, what: &str) -> Result<T, String> {
    s.parse().map_err(|_| format!("bad {what}: {s}"))
}

fn run(args: &[String]) -> Result<(), String> {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    stop::install();
    match words.as_slice() {
        ["server", addr, threads, secs] => load::server(
            num::<SocketAddrV4>(addr, "address")?,
            num(threads, "thread count")?,
            num(secs, "seconds")?,
        ),
        ["client", addr, threads, secs, max, wave, hold] => load::client(
            num::<SocketAddrV4>(addr, "address")?,
            num(threads, "thread count")?,
            num(secs, "seconds")?,
            num(max, "connection count")?,
            load::Pace {
                wave: num(wave, "wave size")?,
                hold: Duration::from_micros(num(hold, "hold time")?),
            },
        ),
        ["count", ns, rcvbuf, secs] => {
            count::count(ns, num(rcvbuf, "buffer size")?, num(secs, "seconds")?)
        }
        ["multi", ns, workload, n, k] => {
            multi::multi(ns, workload, num(n, "command count")?, num(k, "batch size")?)
        }
        ["multi-errors", ns] => multi::multi_errors(ns),
        ["spawn", spec] => spawn::spawn(spec),
        ["follow-latency", ns, dev, family, n, gap] => {
            follow::latency(ns, dev, family, num(n, "count")?, num(gap, "gap")?)
        }
        ["follow-busy", ns, dev, family, n, gap] => {
            follow::busy(ns, dev, family, num(n, "count")?, num(gap, "gap")?)
        }
        ["follow-kernel", ns, n] => follow::kernel(ns, num(n, "count")?),
        ["follow-storm", ns, seed, n, quiet, rest @ ..] if rest.len() <= 1 => follow::storm(
            ns,
            num(seed, "seed")?,
            num(n, "count")?,
            num(quiet, "quiet time")?,
            rest.first().map_or(Ok(0), |p| num(p, "process id"))?,
        ),
        ["follow-expect", ns] => follow::expect(ns),
        _ => Err(USAGE.into()),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mptcp-storm: {e}");
            ExitCode::FAILURE
        }
    }
}
