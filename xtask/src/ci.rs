//! `cargo xtask ci`: every check in order, stopping at the first failure.

use std::time::{Duration, Instant};

use crate::setup::{self, MIRI_TARGET, NO_STD_TARGET};
use crate::util::{Cmd, Result, fmt_duration, in_ci, root, target_dir};

/// The pure crates: `no_std`, no heap, no I/O. Each is built for a bare-metal target and
/// run under Miri on a big-endian target.
pub const PURE_CRATES: &[&str] =
    &["nlwire", "genl", "mptcp-pm-wire", "mptcp-diag", "rtnl-wire", "mptcp-follow"];

/// `cargo package` verifies each crate against the others as packaged, through a local
/// registry whose sources it extracts under `$CARGO_HOME/registry/src/-HASH/NAME-VERSION`
/// once per version: a later run with the same version number would build against the
/// stale copy. Removes those copies of our crates first.
fn forget_packaged_sources() -> Result {
    let home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".cargo")))
        .ok_or("neither CARGO_HOME nor HOME is set")?;
    let Ok(registries) = std::fs::read_dir(home.join("registry").join("src")) else {
        return Ok(());
    };
    for registry in registries.flatten() {
        // Local overlays have no registry name: their folder is `-HASH`.
        if !registry.file_name().to_string_lossy().starts_with('-') {
            continue;
        }
        for krate in PUBLISHED_CRATES {
            let dir = registry.path().join(format!("{krate}-{}", env!("CARGO_PKG_VERSION")));
            if dir.exists() {
                std::fs::remove_dir_all(&dir)
                    .map_err(|e| format!("cannot remove {}: {e}", dir.display()))?;
            }
        }
    }
    Ok(())
}

/// The crates meant for the public crate registry, in dependency order.
pub const PUBLISHED_CRATES: &[&str] = &[
    "nlwire",
    "genl",
    "nlsock",
    "mptcp-pm-wire",
    "mptcp-diag",
    "rtnl-wire",
    "mptcp-netlink",
    "mptcp-follow",
];

/// The crates whose `examples/` `tests/examples.rs` runs (besides `tokio-events` and
/// `tokio-pm`, packages of their own so that tokio stays those examples' dependency).
const EXAMPLE_CRATES: &[&str] = &["mptcp-netlink", "mptcp-pm-wire"];

/// How long each library fuzz target runs in the smoke step (about 4 million
/// executions without a sanitizer).
const FUZZ_SECONDS: u32 = 20;

/// How long each CLI fuzz target (`cli_*`) runs in the smoke step (1 to 2 million
/// executions); `cargo xtask fuzz` runs them deep.
const CLI_FUZZ_SECONDS: u32 = 10;

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
    Step {
        name: "test",
        about: "build the mptcp binary and the examples, run every test (doc tests too)",
        slow: false,
        run: test,
    },
    Step {
        name: "msrv",
        about: "cargo check with the rust-version of Cargo.toml (installed by rustup)",
        slow: false,
        run: msrv,
    },
    Step {
        name: "docs",
        about: "library docs with every public item documented, the CLI's private docs; warnings denied",
        slow: false,
        run: docs,
    },
    Step {
        name: "package",
        about: "cargo package (and its verify build) for every published crate",
        slow: false,
        run: package,
    },
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
        about: "aarch64, s390x, armv7, mipsel and amd64 kernels under qemu-system: every scenario",
        slow: true,
        run: cross,
    },
    Step {
        name: "tsan",
        about: "the CLI's lock and heap under threads, with ThreadSanitizer",
        slow: true,
        run: tsan,
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

/// Every step's name and what it does, in order, with `(slow)` on those `--quick` skips:
/// for `cargo xtask help`.
pub fn steps() -> String {
    let mut u = String::new();
    for s in STEPS {
        let slow = if s.slow { " (slow)" } else { "" };
        u += &format!("  {:<10} {}{slow}\n", s.name, s.about);
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
        .run()?;
    // The fuzz targets, on stable and in seconds: a change to the CLI's library that
    // breaks them shows here, not only in the slow fuzz step.
    Cmd::cargo()
        .args(["clippy", "--manifest-path", "fuzz/Cargo.toml", "--all-targets"])
        .args(["--", "-D", "warnings"])
        .run()
}

fn test(_: &Opts) -> Result {
    Cmd::cargo().args(["build", "-p", "mptcp-cli"]).run()?;
    let bin = target_dir().join("debug").join("mptcp");
    if !bin.is_file() {
        return Err(format!("{} was not built", bin.display()));
    }
    // `tests/examples.rs` runs the library examples against the kernel.
    let packages = EXAMPLE_CRATES.iter().flat_map(|k| ["-p", k]);
    Cmd::cargo().args(["build", "--examples"]).args(packages).run()?;
    // Workspaces of their own (see the root Cargo.toml), built into the same target folder:
    // `tests/examples.rs` runs `tokio-events` and `tokio-pm` (the executor's lateness
    // during 100 endpoint deletes, blocking calls against `Worker`).
    for example in ["tokio-events", "tokio-pm"] {
        let manifest = format!("examples/{example}/Cargo.toml");
        Cmd::cargo()
            .args(["build", "--locked", "--manifest-path", &manifest, "--target-dir"])
            .arg(target_dir())
            .run()?;
    }
    Cmd::cargo().args(["test", "--workspace"]).env("MPTCP_BIN", &bin).run()?;
    // Every library crate opens with a runnable example: each must have run.
    for krate in PUBLISHED_CRATES {
        let out = Cmd::cargo().args(["test", "--doc", "-p", krate]).read()?;
        let ran = doc_tests_passed(&out);
        if ran == 0 {
            return Err(format!("{krate}: no doc test ran"));
        }
        println!("{krate}: {ran} doc tests passed");
    }
    Ok(())
}

/// The number in the `test result: ok. N passed` line of a doc-test run.
fn doc_tests_passed(output: &str) -> usize {
    output
        .lines()
        .filter_map(|l| l.strip_prefix("test result: ok. "))
        .filter_map(|l| l.split(' ').next()?.parse::<usize>().ok())
        .sum()
}

/// The `rust-version` of the root Cargo.toml's `[workspace.package]`.
fn declared_msrv() -> Result<String> {
    let path = root().join("Cargo.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.lines()
        .find_map(|l| l.trim().strip_prefix("rust-version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .map(str::to_string)
        .ok_or_else(|| format!("{}: no rust-version", path.display()))
}

/// Every crate of the workspace, with its tests, examples, benches and xtask, checked
/// with the declared minimum Rust (rustup installs that toolchain, minimal profile),
/// against the committed Cargo.lock (`--locked`: CI never rewrites it), in a target
/// folder of its own.
fn msrv(_: &Opts) -> Result {
    let version = declared_msrv()?;
    let toolchains = Cmd::new("rustup").args(["toolchain", "list"]).read()?;
    if toolchains.lines().any(|l| l.starts_with(&format!("{version}-"))) {
        println!("ok: toolchain {version}");
    } else {
        Cmd::new("rustup")
            .args(["toolchain", "install", &version, "--profile", "minimal"])
            .run()?;
    }
    Cmd::cargo()
        .arg(format!("+{version}"))
        .args(["check", "--workspace", "--all-targets", "--locked"])
        .env("CARGO_TARGET_DIR", target_dir().join("msrv"))
        .run()
}

/// `cargo doc` with `missing_docs` denied: a stranger with only docs.rs must find every
/// public item explained. Broken intra-doc links are warnings, denied too.
fn docs(_: &Opts) -> Result {
    Cmd::cargo()
        .args(["doc", "--no-deps", "--all-features"])
        .args(PUBLISHED_CRATES.iter().flat_map(|k| ["-p", k]))
        .env("RUSTDOCFLAGS", "-D warnings -D missing_docs")
        .run()?;
    // The CLI is a program, not a library: its module docs are for the next engineer,
    // private items included, and their links must resolve too.
    Cmd::cargo()
        .args(["doc", "--no-deps", "-p", "mptcp-cli", "--document-private-items"])
        .env("RUSTDOCFLAGS", "-D warnings")
        .run()
}

/// `cargo package` builds each published crate from its packaged files alone, against
/// the others as packaged (so path dependencies need versions, and nothing may be
/// read from outside a crate's folder).
fn package(_: &Opts) -> Result {
    forget_packaged_sources()?;
    // The verify builds' artifacts of the same versions are stale the same way (cargo
    // never rebuilds a registry crate of a version it has built): they get a target
    // folder of their own, emptied first.
    let verify = target_dir().join("package-verify");
    if verify.exists() {
        std::fs::remove_dir_all(&verify)
            .map_err(|e| format!("cannot remove {}: {e}", verify.display()))?;
    }
    Cmd::cargo()
        .args(["package", "--allow-dirty", "--target-dir"])
        .arg(&verify)
        .args(PUBLISHED_CRATES.iter().flat_map(|k| ["-p", k]))
        .run()
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

/// The tests of the CLI's own synchronisation and allocation (`os::sys`: the lock, a
/// failed `try_lock`, locked increments from four threads, the heap raced by six) built
/// with ThreadSanitizer, which needs nightly and std rebuilt with it. Unwinding, as test
/// harnesses do: the dev profile's `panic = "abort"` would make cargo build `core` twice
/// for build-std. `--cfg tsan` moves big blocks by copy instead of `mremap`, which the
/// sanitizer does not intercept (it then reports false races on reused addresses). A
/// report of a race fails the test binary, and so the step.
fn tsan(_: &Opts) -> Result {
    let host = Cmd::new("rustc").args(["+nightly", "-vV"]).read()?;
    let host = host
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .ok_or("rustc -vV printed no host line")?
        .trim()
        .to_string();
    let out = Cmd::cargo()
        .args(["+nightly", "test", "-Zbuild-std", "--target", &host, "-p", "mptcp-cli"])
        .args(["--lib", "os::sys::tests"])
        .env("RUSTFLAGS", "-Zsanitizer=thread --cfg tsan")
        .env("CARGO_PROFILE_DEV_PANIC", "unwind")
        .env("CARGO_TARGET_DIR", target_dir().join("tsan"))
        .env("TSAN_OPTIONS", "halt_on_error=1")
        .read()?;
    print!("{out}");
    let ran: usize = out
        .lines()
        .filter_map(|l| l.strip_prefix("test result: ok. "))
        .filter_map(|l| l.split(' ').next()?.parse::<usize>().ok())
        .sum();
    if ran < 4 {
        return Err(format!("only {ran} tests ran under ThreadSanitizer, expected at least 4"));
    }
    Ok(())
}

/// Miri's isolation stays on (deterministic runs), but an isolated call such as proptest's
/// `getcwd` for its failure file returns an error with a warning instead of aborting.
const MIRIFLAGS: &str = "-Zmiri-isolation-error=warn-nobacktrace";

/// The pure crates in two lanes of about equal Miri time, run side by side (Miri runs a
/// test binary on one thread, and CI has two cores). Measured alone: nlwire 170 s, genl
/// 52 s, rtnl-wire 47 s; mptcp-follow 96 s, mptcp-diag 87 s, mptcp-pm-wire 54 s.
const MIRI_LANES: [&[&str]; 2] =
    [&["nlwire", "genl", "rtnl-wire"], &["mptcp-follow", "mptcp-diag", "mptcp-pm-wire"]];

fn miri(_: &Opts) -> Result {
    let flags = std::env::var("MIRIFLAGS").unwrap_or_else(|_| MIRIFLAGS.to_string());
    // Each lane has a target folder of its own, so that neither waits on the other's lock.
    let results: Vec<Result<String>> = std::thread::scope(|s| {
        let lanes: Vec<_> = MIRI_LANES
            .iter()
            .enumerate()
            .map(|(i, crates)| {
                let flags = &flags;
                s.spawn(move || miri_lane(crates, flags, &target_dir().join(format!("miri-{i}"))))
            })
            .collect();
        lanes
            .into_iter()
            .map(|l| l.join().unwrap_or_else(|_| Err("a Miri lane panicked".into())))
            .collect()
    });
    let mut failed = Vec::new();
    for r in results {
        match r {
            Ok(log) => print!("{log}"),
            Err(e) => {
                println!("{e}");
                failed.push(e.lines().next().unwrap_or_default().to_string());
            }
        }
    }
    if failed.is_empty() { Ok(()) } else { Err(failed.join("; ")) }
}

/// Runs Miri on `crates` one after the other; returns what they printed, or an error
/// that holds it.
fn miri_lane(crates: &[&str], flags: &str, target: &std::path::Path) -> Result<String> {
    let mut log = String::new();
    for krate in crates {
        let started = Instant::now();
        let out = Cmd::cargo()
            .args(["+nightly", "miri", "test", "--target", MIRI_TARGET, "-p", krate])
            .env("MIRIFLAGS", flags)
            .env("CARGO_TARGET_DIR", target)
            .output_quiet()?;
        log.push_str(&format!(
            "$ cargo +nightly miri test --target {MIRI_TARGET} -p {krate}: {} in {}\n{}{}",
            if out.ok { "ok" } else { "FAILED" },
            fmt_duration(started.elapsed()),
            out.stderr,
            out.stdout
        ));
        if !out.ok {
            return Err(format!("miri on {krate} failed ({})\n{log}", out.status));
        }
    }
    Ok(log)
}

fn fuzz(_: &Opts) -> Result {
    let targets = crate::fuzz::select(&[])?;
    let plan: Vec<(String, crate::fuzz::Limit)> = targets
        .into_iter()
        .map(|t| {
            let secs = if t.starts_with("cli_") { CLI_FUZZ_SECONDS } else { FUZZ_SECONDS };
            (t, crate::fuzz::Limit::Seconds(secs))
        })
        .collect();
    crate::fuzz::run(&plan, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn miri_lanes_hold_each_pure_crate_once() {
        let mut laned: Vec<&str> = MIRI_LANES.concat();
        laned.sort_unstable();
        let mut pure = PURE_CRATES.to_vec();
        pure.sort_unstable();
        assert_eq!(laned, pure);
    }

    #[test]
    fn step_names_are_unique_and_listed() {
        for (i, s) in STEPS.iter().enumerate() {
            assert!(STEPS[i + 1..].iter().all(|o| o.name != s.name), "{}", s.name);
            assert!(usage().contains(s.name));
        }
    }

    #[test]
    fn doc_test_counts_are_read_from_every_result_line() {
        let out = "running 2 tests\ntest result: ok. 2 passed; 0 failed\n\ntest result: ok. 1 passed; 0 failed";
        assert_eq!(doc_tests_passed(out), 3);
        assert_eq!(doc_tests_passed("test result: ok. 0 passed; 0 failed"), 0);
    }

    #[test]
    fn msrv_is_declared() {
        let v = declared_msrv().unwrap();
        let minor: u32 = v.strip_prefix("1.").and_then(|m| m.parse().ok()).unwrap();
        assert!(minor >= 85, "edition 2024 needs 1.85, declared {v}");
    }

    /// The fuzz crate, a workspace of its own, commits its Cargo.lock; the crates it
    /// shares with the workspace at run time must be the same versions there.
    #[test]
    fn fuzz_lock_follows_the_workspace() {
        let versions = |path: &str| -> Vec<(String, String)> {
            let text = std::fs::read_to_string(root().join(path)).unwrap();
            let mut out = Vec::new();
            let mut name = None;
            for l in text.lines() {
                if let Some(n) = l.strip_prefix("name = ") {
                    name = Some(n.trim_matches('"').to_string());
                } else if let (Some(v), Some(n)) = (l.strip_prefix("version = "), name.take()) {
                    out.push((n, v.trim_matches('"').to_string()));
                }
            }
            out
        };
        let ws = versions("Cargo.lock");
        let fuzz = versions("fuzz/Cargo.lock");
        for krate in ["zerocopy", "zerocopy-derive", "libc", "bitflags"] {
            let w: Vec<_> = ws.iter().filter(|(n, _)| n == krate).collect();
            for f in fuzz.iter().filter(|(n, _)| n == krate) {
                assert!(w.contains(&f), "fuzz/Cargo.lock has {f:?}, the workspace {w:?}");
            }
        }
    }

    #[test]
    fn pure_crates_exist() {
        for krate in PURE_CRATES {
            assert!(root().join("crates").join(krate).join("Cargo.toml").is_file(), "{krate}");
        }
    }
}
