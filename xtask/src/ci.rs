//! `cargo xtask ci`: every check in order, stopping at the first failure.

use std::time::{Duration, Instant};

use crate::setup::{self, MIRI_TARGET, NO_STD_TARGET};
use crate::util::{Cmd, Result, fmt_duration, in_ci, root, target_dir};

/// The pure crates: `no_std`, no heap, no I/O. Each is built for a bare-metal target and
/// run under Miri on a big-endian target.
pub const PURE_CRATES: &[&str] = &["nlwire", "genl", "mptcp-pm", "mptcp-diag"];

/// How long each fuzz target runs in the smoke step.
const FUZZ_SECONDS: u32 = 20;

const USAGE: &str = "\
usage: cargo xtask ci [--quick] [--step NAME]...

  --quick       skip the slow steps (cross, miri, fuzz) and their installs
  --step NAME   run only this step (may be repeated); steps in order:
";

struct Step {
    name: &'static str,
    about: &'static str,
    slow: bool,
    run: fn(&Opts) -> Result,
}

const STEPS: &[Step] = &[
    Step { name: "setup", about: "install toolchains, targets and tools", slow: false, run: setup },
    Step { name: "fmt", about: "cargo fmt --check", slow: false, run: fmt },
    Step {
        name: "clippy",
        about: "clippy on every target, warnings denied",
        slow: false,
        run: clippy,
    },
    Step { name: "test", about: "build the mptcp binary, run every test", slow: false, run: test },
    Step {
        name: "nostd",
        about: "build the pure crates for a bare-metal target",
        slow: false,
        run: nostd,
    },
    Step {
        name: "firmware",
        about: "the no-heap firmware demo: build, lint, flash and RAM budget",
        slow: false,
        run: firmware,
    },
    Step {
        name: "static",
        about: "the static x86_64 musl release binary: size, conformance, system calls",
        slow: false,
        run: static_binary,
    },
    Step {
        name: "cross",
        about: "aarch64 and big-endian s390x kernels under qemu-system: every scenario",
        slow: true,
        run: cross,
    },
    Step {
        name: "miri",
        about: "the pure crates' tests under Miri, big-endian",
        slow: true,
        run: miri,
    },
    Step { name: "fuzz", about: "every fuzz target for a short while", slow: true, run: fuzz },
];

struct Opts {
    quick: bool,
}

/// Parses the `ci` arguments and runs the chosen steps.
pub fn main(args: &[String]) -> Result {
    let mut quick = false;
    let mut only: Vec<&str> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--quick" => quick = true,
            "--step" => {
                let name = it.next().ok_or("--step needs a step name")?;
                if !STEPS.iter().any(|s| s.name == name) {
                    return Err(format!("no step `{name}`\n{}", usage()));
                }
                only.push(name);
            }
            "-h" | "--help" => {
                print!("{}", usage());
                return Ok(());
            }
            other => return Err(format!("unknown argument `{other}`\n{}", usage())),
        }
    }
    let chosen: Vec<&Step> = STEPS
        .iter()
        .filter(|s| if only.is_empty() { !(quick && s.slow) } else { only.contains(&s.name) })
        .collect();
    // A single slow step asked for by name needs its tools even with --quick.
    let opts = Opts { quick: quick && !chosen.iter().any(|s| s.slow) };
    run_steps(&chosen, &opts)
}

fn usage() -> String {
    let mut u = USAGE.to_string();
    for s in STEPS {
        u += &format!("                  {:<8} {}\n", s.name, s.about);
    }
    u
}

fn run_steps(steps: &[&Step], opts: &Opts) -> Result {
    let start = Instant::now();
    let mut done: Vec<(&str, Duration)> = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        println!("\n==> [{}/{}] {}: {}", i + 1, steps.len(), step.name, step.about);
        let t = Instant::now();
        let result = (step.run)(opts);
        let took = t.elapsed();
        if let Err(e) = result {
            println!("\n<== FAILED: {} after {}", step.name, fmt_duration(took));
            summary(&done, start.elapsed());
            println!("steps: {} passed, 1 failed", done.len());
            return Err(format!("step `{}` failed: {e}", step.name));
        }
        println!("<== {}: ok in {}", step.name, fmt_duration(took));
        done.push((step.name, took));
    }
    summary(&done, start.elapsed());
    println!("steps: {} passed, 0 failed", done.len());
    Ok(())
}

fn summary(done: &[(&str, Duration)], total: Duration) {
    println!("\n--- timings{} ---", if in_ci() { " (CI)" } else { "" });
    for (name, took) in done {
        println!("  {name:<8} {}", fmt_duration(*took));
    }
    println!("  total   {}", fmt_duration(total));
}

fn setup(opts: &Opts) -> Result {
    setup::run(!opts.quick)
}

fn fmt(_: &Opts) -> Result {
    Cmd::cargo().args(["fmt", "--all", "--check"]).run()?;
    // The fuzz crate is its own workspace; check its targets too.
    Cmd::cargo().args(["fmt", "--check", "--manifest-path", "fuzz/Cargo.toml"]).run()
}

fn clippy(_: &Opts) -> Result {
    Cmd::cargo().args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]).run()?;
    // The tiny build's feature set (`-r` without the C library's resolver).
    Cmd::cargo()
        .args(["clippy", "-p", "mptcp-cli", "--no-default-features", "--all-targets"])
        .args(["--", "-D", "warnings"])
        .run()
}

fn test(_: &Opts) -> Result {
    Cmd::cargo().args(["build", "-p", "mptcp-cli"]).run()?;
    let bin = target_dir().join("debug").join("mptcp");
    if !bin.is_file() {
        return Err(format!("{} was not built", bin.display()));
    }
    Cmd::cargo().args(["test", "--workspace"]).env("MPTCP_BIN", &bin).run()
}

fn nostd(_: &Opts) -> Result {
    for krate in PURE_CRATES {
        Cmd::cargo().args(["build", "--target", NO_STD_TARGET, "-p", krate]).run()?;
    }
    Ok(())
}

/// Flash budget of the firmware demo (it measures 7.7 KB); RAM must stay 0: the demo
/// has no statics, so its start-up code copies and zeroes nothing.
const FIRMWARE_FLASH_BUDGET: u64 = 16 * 1024;

fn firmware(_: &Opts) -> Result {
    let manifest = root().join("crates/firmware-demo/Cargo.toml");
    Cmd::cargo().args(["fmt", "--check", "--manifest-path"]).arg(&manifest).run()?;
    let (flash, ram) = crate::firmware::build_and_size(&root())?;
    println!("firmware-demo (thumbv7em-none-eabihf): flash {flash} bytes, RAM {ram} bytes");
    if flash > FIRMWARE_FLASH_BUDGET || ram != 0 {
        return Err(format!(
            "firmware demo over budget: flash {flash} > {FIRMWARE_FLASH_BUDGET} or RAM {ram} > 0"
        ));
    }
    Ok(())
}

/// The shipped binary, not only the debug build, must be within its size budget,
/// byte-exact, and within its system-call budget.
fn static_binary(_: &Opts) -> Result {
    let exe = crate::dist::budget_check_x86_64(&root())?;
    crate::dist::conformance(&root(), &exe)?;
    crate::syscalls::check(&exe, &target_dir().join("ci"))
}

/// `cargo xtask cross` for every architecture (it installs what it needs).
fn cross(_: &Opts) -> Result {
    crate::cross::main(&[])
}

/// Miri's isolation stays on (deterministic runs), but an isolated call such as proptest's
/// `getcwd` for its failure file returns an error with a warning instead of aborting.
const MIRIFLAGS: &str = "-Zmiri-isolation-error=warn-nobacktrace";

fn miri(_: &Opts) -> Result {
    let flags = std::env::var("MIRIFLAGS").unwrap_or_else(|_| MIRIFLAGS.to_string());
    for krate in PURE_CRATES {
        Cmd::cargo()
            .args(["+nightly", "miri", "test", "--target", MIRI_TARGET, "-p", krate])
            .env("MIRIFLAGS", &flags)
            .run()?;
    }
    Ok(())
}

fn fuzz(_: &Opts) -> Result {
    let dir = root().join("fuzz");
    let list = Cmd::cargo().args(["+nightly", "fuzz", "list"]).dir(&dir).read()?;
    let targets: Vec<&str> = list.split_whitespace().collect();
    if targets.is_empty() {
        return Err("`cargo fuzz list` found no targets".into());
    }
    Cmd::cargo().args(["+nightly", "fuzz", "build"]).dir(&dir).run()?;
    let limit = format!("-max_total_time={FUZZ_SECONDS}");
    for t in &targets {
        println!("-- fuzz {t} for {FUZZ_SECONDS} s");
        Cmd::cargo().args(["+nightly", "fuzz", "run", t, "--", &limit]).dir(&dir).run()?;
    }
    println!("fuzzed {} targets: {}", targets.len(), targets.join(", "));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_names_are_unique_and_listed() {
        for (i, s) in STEPS.iter().enumerate() {
            assert!(STEPS[i + 1..].iter().all(|o| o.name != s.name), "{}", s.name);
            assert!(usage().contains(s.name));
        }
    }

    #[test]
    fn pure_crates_exist() {
        for krate in PURE_CRATES {
            assert!(root().join("crates").join(krate).join("Cargo.toml").is_file(), "{krate}");
        }
    }
}
