//! The `setup` step of `cargo xtask ci`: install the toolchains, targets and tools it needs.

use crate::util::apt::Apt;
use crate::util::{Cmd, Result, on_path};

/// The target the no_std crates are built for (a Cortex-M4F, no OS, no heap).
pub const NO_STD_TARGET: &str = "thumbv7em-none-eabihf";

/// A big-endian target for Miri, so byte-order mistakes show up.
pub const MIRI_TARGET: &str = "s390x-unknown-linux-gnu";

/// Debian packages the tests and tools need, as (command that proves it, package).
const DEBIAN: &[(&str, &str)] =
    &[("ip", "iproute2"), ("ss", "iproute2"), ("strace", "strace"), ("cc", "gcc"), ("c++", "g++")];

/// Installs what is missing; `full` adds what Miri and fuzzing need (nightly, miri,
/// rust-src, cargo-fuzz). Fails loudly when an install fails.
pub fn run(full: bool) -> Result {
    debian()?;
    stable()?;
    if full {
        nightly()?;
        cargo_fuzz()?;
    }
    Ok(())
}

/// What `cargo xtask fuzz` needs: nightly and cargo-fuzz.
pub fn fuzz_tools() -> Result {
    nightly()?;
    cargo_fuzz()
}

fn have(what: &str) {
    println!("ok: {what}");
}

fn debian() -> Result {
    apt_install(DEBIAN)
}

/// Installs the Debian packages whose command is missing, given as (command that proves
/// it, package), through [`Apt`]: `apt-get update` first (an index that fails to
/// download is a warning), the install retried. Fails when a command is still missing
/// afterwards.
pub fn apt_install(wanted: &[(&str, &str)]) -> Result {
    let mut missing: Vec<&str> = Vec::new();
    for &(cmd, pkg) in wanted {
        if on_path(cmd) {
            have(&format!("`{cmd}` ({pkg})"));
        } else if !missing.contains(&pkg) {
            missing.push(pkg);
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    println!("installing Debian packages: {}", missing.join(" "));
    Apt::new(&[])?.install(&missing)?;
    match wanted.iter().find(|(cmd, _)| !on_path(cmd)) {
        Some((cmd, pkg)) => Err(format!("`{cmd}` still missing after installing {pkg}")),
        None => Ok(()),
    }
}

/// Installs the Debian packages among `wanted` (package, a file it installs) whose file
/// is missing, like [`apt_install`] (for libraries, which put no command on `PATH`).
pub fn apt_install_files(wanted: &[(&str, &str)]) -> Result {
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|(_, file)| !std::path::Path::new(file).exists())
        .map(|(pkg, _)| *pkg)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    println!("installing Debian packages: {}", missing.join(" "));
    Apt::new(&[])?.install(&missing)?;
    match wanted.iter().find(|(_, file)| !std::path::Path::new(file).exists()) {
        Some((pkg, file)) => Err(format!("{file} still missing after installing {pkg}")),
        None => Ok(()),
    }
}

/// rustfmt, clippy and the no_std target for the toolchain that runs the build.
fn stable() -> Result {
    for (probe, component) in [("fmt", "rustfmt"), ("clippy", "clippy")] {
        if Cmd::cargo().args([probe, "--version"]).succeeds() {
            have(component);
        } else {
            Cmd::new("rustup").args(["component", "add", component]).run()?;
        }
    }
    // llvm-size for the firmware demo's flash and RAM figures.
    let components = Cmd::new("rustup").args(["component", "list", "--installed"]).read()?;
    if components.lines().any(|l| l.starts_with("llvm-tools")) {
        have("llvm-tools");
    } else {
        Cmd::new("rustup").args(["component", "add", "llvm-tools"]).run()?;
    }
    let installed = Cmd::new("rustup").args(["target", "list", "--installed"]).read()?;
    if installed.lines().any(|l| l.trim() == NO_STD_TARGET) {
        have(&format!("target {NO_STD_TARGET}"));
    } else {
        Cmd::new("rustup").args(["target", "add", NO_STD_TARGET]).run()?;
    }
    Ok(())
}

fn nightly() -> Result {
    let toolchains = Cmd::new("rustup").args(["toolchain", "list"]).read()?;
    if toolchains.lines().any(|l| l.starts_with("nightly-")) {
        have("nightly toolchain");
    } else {
        Cmd::new("rustup")
            .args(["toolchain", "install", "nightly", "--profile", "minimal"])
            .run()?;
    }
    let components =
        Cmd::new("rustup").args(["+nightly", "component", "list", "--installed"]).read()?;
    let has = |name: &str| components.lines().any(|l| l.trim().starts_with(name));
    if has("miri") && has("rust-src") {
        have("nightly miri and rust-src");
    } else {
        Cmd::new("rustup").args(["+nightly", "component", "add", "miri", "rust-src"]).run()?;
    }
    Ok(())
}

fn cargo_fuzz() -> Result {
    if Cmd::cargo().args(["fuzz", "--version"]).succeeds() {
        have("cargo-fuzz");
        return Ok(());
    }
    Cmd::cargo().args(["install", "--locked", "cargo-fuzz"]).run()?;
    if Cmd::cargo().args(["fuzz", "--version"]).succeeds() {
        Ok(())
    } else {
        Err("cargo-fuzz installed but `cargo fuzz --version` still fails".into())
    }
}
