//! Test support shared by the kernel-in-the-loop and conformance tests: throw-away
//! network namespaces, the binary under test, running commands with their output
//! captured, a line diff, and a small JSON reader for the recorded scenarios (no serde:
//! we are small on purpose).

pub mod diff;
pub mod example;
pub mod follow_host;
pub mod json;
pub mod lines;
pub mod mptcp_sock;
pub mod netns;
pub mod run;
pub mod scenario;

pub use netns::Netns;
pub use run::{Captured, bash, capture};

use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The workspace root (this package's manifest directory).
pub fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The `mptcp` binary under test: `MPTCP_BIN` (a path, e.g. of a static musl build,
/// made absolute), else the workspace's debug build (`$CARGO_TARGET_DIR` or `target/`), which
/// must be newer than the sources it is built from. Panics when it is missing or stale.
pub fn mptcp_bin() -> PathBuf {
    if let Some(b) = std::env::var_os("MPTCP_BIN") {
        let bin = PathBuf::from(b);
        assert!(bin.is_file(), "MPTCP_BIN={} does not exist", bin.display());
        // Absolute, so that a symlink to it works from any directory.
        return bin.canonicalize().unwrap_or(bin);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target"));
    let bin = target.join("debug").join("mptcp");
    let build = "run `cargo build -p mptcp-cli` first, or set MPTCP_BIN";
    let built = std::fs::metadata(&bin)
        .and_then(|m| m.modified())
        .unwrap_or_else(|_| panic!("{} is missing: {build}", bin.display()));
    if let Some(newer) = newer_source(built) {
        panic!("{} is older than {}: {build}", bin.display(), newer.display());
    }
    bin
}

/// A source file of the `mptcp` binary (its crate and the crates it is built from)
/// modified after `built`, if any.
fn newer_source(built: SystemTime) -> Option<PathBuf> {
    let crates = [
        "mptcp-cli",
        "mptcp-pm-wire",
        "mptcp-diag",
        "mptcp-netlink",
        "mptcp-follow",
        "rtnl-wire",
        "nlsock",
        "genl",
        "nlwire",
    ];
    crates.iter().find_map(|c| {
        let dir = workspace().join("crates").join(c);
        newer_in(&dir.join("src"), built).or_else(|| newer_in(&dir.join("Cargo.toml"), built))
    })
}

/// The first file at or under `path` modified after `built`.
fn newer_in(path: &Path, built: SystemTime) -> Option<PathBuf> {
    let meta = std::fs::metadata(path).ok()?;
    if meta.is_dir() {
        let entries = std::fs::read_dir(path).ok()?;
        entries.flatten().find_map(|e| newer_in(&e.path(), built))
    } else {
        meta.modified().ok().filter(|m| *m > built).map(|_| path.to_owned())
    }
}
