//! Project automation in plain Rust: `cargo xtask ci`, `demo`, `dist`, `cross` and `bench`.

mod bench;
mod ci;
mod cross;
mod demo;
mod dist;
mod firmware;
mod fuzz;
mod netns;
mod setup;
mod syscalls;
mod util;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <task> [args]

tasks:
  ci [--quick] [--step NAME]...
                               every check, in a fresh clone as CI runs it (steps below);
                               --quick skips the slow ones, --step runs only those named
  demo                         MPTCP endpoints, limits and a live connection in throw-away
                               namespaces (as root)
  dist [--release-only] [--no-test]
                               static musl binaries for x86_64, aarch64, armv7 and mipsel,
                               sizes, budgets and hardening
  fuzz [--execs N] [--target NAME]
                               every fuzz target to N executions (default 10,000,000), seeded
                               from the repository; corpus minimised; execs/s and coverage
  cross [--arch ARCH]... [--serial] [--keep]
                               aarch64, big-endian s390x, armv7 and mipsel kernels under
                               qemu-system, amd64 6.1 as the reference
  bench [--quick] [--only LIST] [--follow-only] [--runs N] [--storm-seconds S]
        [--storm-runs N] [--out FILE]
                               side-by-side benchmarks against /usr/sbin/ip, mptcpd and the
                               peer libraries; writes BENCHMARKS.md (LIST: oneshot, batch,
                               storm, follow, micro, peers)
  help                         this text (`cargo xtask <task> --help` for a task's options)

ci steps, in order:
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = args.get(1..).unwrap_or_default();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci::main(rest),
        Some("demo") => demo::main(rest),
        Some("dist") => dist::run(&util::root(), rest),
        Some("cross") => cross::main(rest),
        Some("bench") => bench::run(&util::root(), rest),
        Some("fuzz") => fuzz::main(rest),
        None | Some("help" | "-h" | "--help") => {
            print!("{USAGE}{}", ci::steps());
            Ok(())
        }
        Some(other) => Err(format!("unknown task `{other}`\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}
