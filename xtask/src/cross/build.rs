//! The static programs each guest runs: `mptcp` in every profile tested on that
//! architecture, and the guest runner and fixture (`mptcp-guest`, `mptcp-fixture`,
//! root-package binaries) in `release`.
//!
//! aarch64 and x86_64 are musl builds exactly as `cargo xtask dist` makes them. rustup
//! has no musl std for s390x, so s390x is a static glibc build
//! (`-C target-feature=+crt-static`) linked by Debian's `s390x-linux-gnu-gcc`.

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
            Arch::S390x => cargo_release(arch, &["-p", "mptcp-cli"])?.join("mptcp"),
            _ => dist::build_static(root, target, profile)?,
        };
        mptcp.push((profile, exe));
    }
    let helpers = ["-p", "mptcp-stack", "--bin", "mptcp-guest", "--bin", "mptcp-fixture"];
    let dir = cargo_release(arch, &helpers)?;
    let mut extra = Vec::new();
    for (package, example) in EXTRA_PROGRAMS {
        let dir = cargo_release(arch, &["-p", package, "--example", example])?;
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

/// `cargo +stable build --release --target TARGET ARGS` with `arch`'s static linking;
/// returns the output directory.
fn cargo_release(arch: Arch, args: &[&str]) -> Result<PathBuf> {
    let target = arch.rust_target();
    let mut cmd =
        Cmd::cargo().args(["+stable", "build", "--release", "--target", target]).args(args);
    match arch {
        Arch::S390x => {
            let installed = Cmd::new("rustup")
                .args(["target", "list", "--installed", "--toolchain", "stable"])
                .read()?;
            if !installed.lines().any(|l| l.trim() == target) {
                Cmd::new("rustup")
                    .args(["target", "add", "--toolchain", "stable", target])
                    .run()?;
            }
            cmd =
                cmd.env("CARGO_TARGET_S390X_UNKNOWN_LINUX_GNU_LINKER", "s390x-linux-gnu-gcc").env(
                    "CARGO_TARGET_S390X_UNKNOWN_LINUX_GNU_RUSTFLAGS",
                    "-C target-feature=+crt-static",
                );
        }
        Arch::Aarch64 => {
            let linker = dist::aarch64_linker_program()?;
            cmd = cmd.env("CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER", linker);
        }
        Arch::Amd64 => {}
    }
    cmd.run()?;
    Ok(target_dir().join(target).join("release"))
}
