//! The static programs each guest runs: `mptcp` in every profile tested on that
//! architecture, and the guest runner and fixture (`mptcp-guest`, `mptcp-fixture`,
//! root-package binaries) and the library examples in the `cross-helpers` profile.
//!
//! Every `mptcp` is a musl build exactly as `cargo xtask dist` makes it (aarch64, armv7,
//! mipsel, x86_64), except s390x's: rustup has no musl std for s390x, so there it is a
//! static glibc build (`-C target-feature=+crt-static`) linked by Debian's
//! `s390x-linux-gnu-gcc`. The helpers are std programs: static glibc builds for s390x,
//! armv7 (rustup's `armv7-unknown-linux-gnueabihf`: it has no armv7 musl std here) and
//! mipsel (tier 3: std built by nightly's `-Z build-std`), linked by Debian's cross gcc.

use std::path::{Path, PathBuf};

use super::Arch;
use crate::dist::{self, Profile};
use crate::util::{Cmd, Result, target_dir};

/// One guest's programs.
pub struct Programs {
    /// (profile, the `mptcp` binary).
    pub mptcp: Vec<(Profile, PathBuf)>,
    pub guest: PathBuf,
    pub fixture: PathBuf,
    /// [`EXTRA_PROGRAMS`], built.
    pub extra: Vec<PathBuf>,
}

/// The library examples that talk to the kernel, as (package, example): each is built
/// for every guest like the helpers, packed into `/programs` and run once in a fresh
/// namespace (case `program:NAME`), its output compared with the amd64 guest's. The
/// README's program sets limits, adds an endpoint and lists the table through the
/// `mptcp-netlink` facade: every request and reply of the library crosses the guest's
/// kernel in its byte order.
pub const EXTRA_PROGRAMS: &[(&str, &str)] = &[("mptcp-netlink", "readme")];

/// Builds everything `arch`'s guest runs.
pub fn programs(root: &Path, arch: Arch) -> Result<Programs> {
    let target = arch.rust_target();
    let mut mptcp = Vec::new();
    for &profile in arch.profiles() {
        let exe = match arch {
            Arch::S390x => build(arch, "release", &["-p", "mptcp-cli"])?.join("mptcp"),
            _ => dist::build_static(root, target, profile)?,
        };
        mptcp.push((profile, exe));
    }
    let helpers = ["-p", "mptcp-stack", "--bin", "mptcp-guest", "--bin", "mptcp-fixture"];
    let dir = build(arch, HELPERS, &helpers)?;
    let mut extra = Vec::new();
    for (package, example) in EXTRA_PROGRAMS {
        let dir = build(arch, HELPERS, &["-p", package, "--example", example])?;
        extra.push(dir.join("examples").join(example));
    }
    let programs = Programs {
        mptcp,
        guest: dir.join("mptcp-guest"),
        fixture: dir.join("mptcp-fixture"),
        extra,
    };
    let all = programs.mptcp.iter().map(|(_, p)| p).chain([&programs.guest, &programs.fixture]);
    for p in all.chain(&programs.extra) {
        if !p.is_file() {
            return Err(format!("{} was not built", p.display()));
        }
    }
    Ok(programs)
}

/// The cargo profile of the helpers (root Cargo.toml: no LTO, quick to build; with
/// `release`, a cold `cross` spent 391 s of its 9 min 14 s in builds).
const HELPERS: &str = "cross-helpers";

/// `cargo build --profile PROFILE --target TARGET ARGS` for `arch`'s helper target,
/// statically linked; returns the output directory.
fn build(arch: Arch, profile: &str, args: &[&str]) -> Result<PathBuf> {
    let target = arch.helper_target();
    let nightly = arch == Arch::Mipsel;
    let mut cmd = Cmd::cargo()
        .arg(if nightly { "+nightly" } else { "+stable" })
        .args(["build", "--profile", profile, "--target", target])
        .args(args);
    if nightly {
        dist::nightly_source()?;
        cmd = cmd.arg("-Zbuild-std=std,panic_abort");
    } else {
        dist::stable_targets(&[target])?;
    }
    let env = target.to_uppercase().replace('-', "_");
    match arch.cross_gcc() {
        Some((gcc, _, _)) => {
            cmd = cmd
                .env(&format!("CARGO_TARGET_{env}_LINKER"), gcc)
                .env(&format!("CARGO_TARGET_{env}_RUSTFLAGS"), "-C target-feature=+crt-static");
        }
        None if arch == Arch::Aarch64 => {
            cmd = cmd.env(&format!("CARGO_TARGET_{env}_LINKER"), dist::aarch64_linker_program()?);
        }
        None => {}
    }
    cmd.run()?;
    Ok(target_dir().join(target).join(profile))
}
