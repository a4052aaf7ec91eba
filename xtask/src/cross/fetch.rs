//! What the guests are made of, from Debian: the emulators and the cross linkers on the
//! host, and per architecture the kernel package (the current dependency of
//! `linux-image-FLAVOUR`) and `busybox-static`, downloaded once into `target/cross/debs/`
//! (checked by SHA-256 whenever used, see [`Apt::download`]) and unpacked (only the
//! kernel, the [`MODULES`] and busybox) into `target/cross/ARCH/`.

use std::path::{Path, PathBuf};

use super::Arch;
use crate::util::apt::Apt;
use crate::util::{Cmd, Result};

/// The pieces of one guest taken from Debian packages.
pub struct Parts {
    /// The kernel package, e.g. `linux-image-6.1.0-57-arm64`, and its version.
    pub kernel_pkg: String,
    pub kernel_version: String,
    pub kernel: PathBuf,
    /// [`MODULES`], in that order.
    pub modules: Vec<PathBuf>,
    pub busybox: PathBuf,
    /// Bytes of the two `.deb` files.
    pub download: u64,
}

/// The modules the guest loads, in an order that satisfies their dependencies (Debian's
/// packages ship no `modules.dep`): veth for the scenarios' links, and the socket
/// diagnostics that `mptcp connection show` reads (`mptcp_diag` needs `inet_diag`).
pub const MODULES: [&str; 3] =
    ["drivers/net/veth.ko", "net/ipv4/inet_diag.ko", "net/mptcp/mptcp_diag.ko"];

/// Installs the host packages the guests need: each emulator, and the cross gcc and C
/// library the guest programs of s390x, armv7 and mipsel link with (static glibc).
pub fn host_tools(archs: &[Arch]) -> Result {
    let mut wanted: Vec<(&str, &str)> = Vec::new();
    for a in archs {
        wanted.push((a.qemu(), a.qemu_package()));
        if let Some((gcc, package, _)) = a.cross_gcc() {
            wanted.push((gcc, package));
        }
    }
    wanted.push(("dpkg-deb", "dpkg"));
    wanted.push(("sha256sum", "coreutils"));
    crate::setup::apt_install(&wanted)?;
    let libcs: Vec<(&str, &str)> =
        archs.iter().filter_map(|a| a.cross_gcc()).map(|(_, _, libc)| libc).collect();
    crate::setup::apt_install_files(&libcs)
}

/// Fetches and unpacks each guest's parts under `cache` (`target/cross`). Foreign
/// architectures' indexes come through [`Apt`] (dpkg's configuration is not changed).
pub fn guests(archs: &[Arch], cache: &Path) -> Result<Vec<Parts>> {
    let foreign: Vec<&str> = archs.iter().map(|a| a.debian()).collect();
    let mut apt = Apt::new(&foreign)?;
    let debs = cache.join("debs");
    std::fs::create_dir_all(&debs).map_err(|e| format!("{}: {e}", debs.display()))?;
    archs
        .iter()
        .map(|&a| {
            let kernel_pkg = kernel_package(&mut apt, a, &debs)?;
            let kernel_deb = apt.download(&kernel_pkg, a.debian(), &debs)?;
            let busybox_deb = apt.download("busybox-static", a.debian(), &debs)?;
            let dir = cache.join(a.name()).join("debian");
            let release = kernel_pkg.trim_start_matches("linux-image-").to_string();
            let kernel = dir.join(format!("boot/vmlinuz-{release}"));
            let modules: Vec<PathBuf> = MODULES
                .iter()
                .map(|m| dir.join(format!("lib/modules/{release}/kernel/{m}")))
                .collect();
            let busybox = dir.join("bin/busybox");
            // Unpacked afresh from the checked packages every run (a second at most):
            // a file left by an interrupted run is never booted.
            let _ = std::fs::remove_dir_all(&dir);
            let mut members = vec![format!("./boot/vmlinuz-{release}")];
            members.extend(MODULES.iter().map(|m| format!("./lib/modules/{release}/kernel/{m}")));
            let members: Vec<&str> = members.iter().map(String::as_str).collect();
            unpack(&kernel_deb, &dir, &members)?;
            unpack(&busybox_deb, &dir, &["./bin/busybox"])?;
            for p in modules.iter().chain([&kernel, &busybox]) {
                if !p.is_file() {
                    return Err(format!("{} is not in the unpacked packages", p.display()));
                }
            }
            let kernel_version = Cmd::new("dpkg-deb")
                .args(["-f"])
                .arg(&kernel_deb)
                .arg("Version")
                .read()?
                .trim()
                .to_string();
            Ok(Parts {
                kernel_pkg,
                kernel_version,
                kernel,
                modules,
                busybox,
                download: size(&kernel_deb)? + size(&busybox_deb)?,
            })
        })
        .collect()
}

/// The kernel package `arch`'s metapackage (`linux-image-armmp`, …) depends on now, as
/// apt's index says (refreshed once if it says nothing), else the one a previous run
/// downloaded (`KERNEL-ARCH`, written beside the packages): a warm run needs no index.
fn kernel_package(apt: &mut Apt, arch: Arch, debs: &Path) -> Result<String> {
    let meta = format!("linux-image-{}:{}", arch.kernel_flavour(), arch.debian());
    let meta = if arch.debian() == apt.native() {
        format!("linux-image-{}", arch.kernel_flavour())
    } else {
        meta
    };
    let pick = |deps: Vec<String>| deps.into_iter().find(|d| d.starts_with("linux-image-6"));
    let record = debs.join(format!("KERNEL-{}", arch.debian()));
    let recorded = std::fs::read_to_string(&record).ok().map(|s| s.trim().to_string());
    let found = match pick(apt.depends(&meta)) {
        Some(p) => Some(p),
        // No answer: refresh the indexes, unless a previous run's kernel is at hand.
        None if recorded.is_none() => {
            apt.update_once()?;
            pick(apt.depends(&meta))
        }
        None => None,
    };
    match (found, recorded) {
        (Some(p), _) => {
            std::fs::write(&record, format!("{p}\n"))
                .map_err(|e| format!("{}: {e}", record.display()))?;
            Ok(p)
        }
        (None, Some(p)) => {
            println!("warning: apt does not know {meta}; using the cached {p}");
            Ok(p)
        }
        (None, None) => Err(format!("{meta} depends on no kernel package apt knows")),
    }
}

/// Unpacks the members matching `patterns` of a `.deb` into `dir`.
fn unpack(deb: &Path, dir: &Path, patterns: &[&str]) -> Result {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let quoted: Vec<String> = patterns.iter().map(|p| format!("'{p}'")).collect();
    let script = format!(
        "set -o pipefail; dpkg-deb --fsys-tarfile '{}' | tar -x -C '{}' --wildcards {}",
        deb.display(),
        dir.display(),
        quoted.join(" ")
    );
    Cmd::new("bash").args(["-c", &script]).run()
}

fn size(p: &Path) -> Result<u64> {
    std::fs::metadata(p).map(|m| m.len()).map_err(|e| format!("{}: {e}", p.display()))
}
