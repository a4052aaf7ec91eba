//! What the benchmarks run: the static release `mptcp`, the floor, the load generator,
//! `/usr/sbin/ip`, and `strace` (installed when missing).

use std::path::{Path, PathBuf};

use crate::util::{Cmd, on_path};

/// The static target everything is built for.
const TRIPLE: &str = "x86_64-unknown-linux-musl";

/// The programs under test and the helpers.
#[derive(Debug, Clone)]
pub struct Bins {
    /// The static release `mptcp`.
    pub mptcp: PathBuf,
    /// The static do-nothing floor.
    pub floor: PathBuf,
    /// `mptcp-storm`: load generator, event counter, multi-request experiment, driver.
    pub storm: PathBuf,
    /// iproute2's `ip`.
    pub ip: PathBuf,
}

/// Cargo's target directory for builds run in `root`.
fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        Some(d) if Path::new(&d).is_absolute() => PathBuf::from(d),
        Some(d) => root.join(d),
        None => root.join("target"),
    }
}

/// Builds the three static programs and makes sure `strace` and `/usr/sbin/ip` exist.
pub fn prepare(root: &Path) -> Result<Bins, String> {
    Cmd::cargo()
        .args(["build", "--release", "--target", TRIPLE])
        .args(["-p", "mptcp-cli", "-p", "mptcp-stack"])
        .args(["--bin", "mptcp", "--bin", "bench-floor", "--bin", "mptcp-storm"])
        .dir(root)
        .run()?;
    let dir = target_dir(root).join(TRIPLE).join("release");
    let bins = Bins {
        mptcp: dir.join("mptcp"),
        floor: dir.join("bench-floor"),
        storm: dir.join("mptcp-storm"),
        ip: PathBuf::from("/usr/sbin/ip"),
    };
    for p in [&bins.mptcp, &bins.floor, &bins.storm, &bins.ip] {
        if !p.is_file() {
            return Err(format!("{} is missing", p.display()));
        }
    }
    if !on_path("strace") {
        let install = || Cmd::new("apt-get").args(["install", "-y", "strace"]).run();
        if install().is_err() {
            Cmd::new("apt-get").arg("update").run()?;
            install()?;
        }
    }
    Ok(bins)
}

/// A fresh private directory for spec files, batch files and captured output: on
/// tmpfs (`/dev/shm`) when there is one, so that writing monitor output costs no disk.
pub fn scratch_dir() -> Result<PathBuf, String> {
    let base = if Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let dir = base.join(format!("mptcp-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

/// Path as a `String` for argument lists.
pub fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}
