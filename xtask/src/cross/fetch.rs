//! What the guests are made of, from Debian: the emulators and the cross linkers on the
//! host, and per architecture the kernel package (the current dependency of
//! `linux-image-FLAVOUR`), `busybox-static` and `bash-static`, downloaded once into `target/cross/debs/`
//! (checked by SHA-256 whenever used, see [`Apt::download`]) and unpacked (only the
//! kernel, the [`MODULES`], busybox and bash) into `target/cross/ARCH/`.

use std::collections::BTreeMap;
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
    /// `bash-static`'s bash: the scenarios are bash scripts (brace ranges, `$'…'`), as
    /// on the host.
    pub bash: PathBuf,
    /// Bytes of the three `.deb` files.
    pub download: u64,
}

/// The modules the guest loads, in an order that satisfies their dependencies (Debian's
/// packages ship no `modules.dep`): veth for the scenarios' links, and the socket
/// diagnostics that `mptcp connection show` reads: `mptcp_diag` for the connections,
/// `tcp_diag` for their subflows (both need `inet_diag`).
pub const MODULES: [&str; 4] = [
    "drivers/net/veth.ko",
    "net/ipv4/inet_diag.ko",
    "net/ipv4/tcp_diag.ko",
    "net/mptcp/mptcp_diag.ko",
];

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
    let kernels = kernel_packages(&mut apt, archs, &debs)?;
    let mut wanted = Vec::new();
    for (a, k) in archs.iter().zip(&kernels) {
        wanted.push(apt.qualified(k, a.debian()));
        wanted.push(apt.qualified("busybox-static", a.debian()));
        wanted.push(apt.qualified("bash-static", a.debian()));
    }
    apt.learn(&wanted);
    archs
        .iter()
        .zip(kernels)
        .map(|(&a, kernel_pkg)| {
            let kernel_deb = apt.download(&kernel_pkg, a.debian(), &debs)?;
            let busybox_deb = apt.download("busybox-static", a.debian(), &debs)?;
            let bash_deb = apt.download("bash-static", a.debian(), &debs)?;
            let dir = cache.join(a.name()).join("debian");
            let release = kernel_pkg.trim_start_matches("linux-image-").to_string();
            let kernel = dir.join(format!("boot/vmlinuz-{release}"));
            let modules: Vec<PathBuf> = MODULES
                .iter()
                .map(|m| dir.join(format!("lib/modules/{release}/kernel/{m}")))
                .collect();
            let busybox = dir.join("bin/busybox");
            let bash = dir.join("bin/bash-static");
            // Unpacked afresh from the checked packages every run (a second at most):
            // a file left by an interrupted run is never booted.
            let _ = std::fs::remove_dir_all(&dir);
            let mut members = vec![format!("./boot/vmlinuz-{release}")];
            members.extend(MODULES.iter().map(|m| format!("./lib/modules/{release}/kernel/{m}")));
            let members: Vec<&str> = members.iter().map(String::as_str).collect();
            unpack(&kernel_deb, &dir, &members)?;
            unpack(&busybox_deb, &dir, &["./bin/busybox"])?;
            unpack(&bash_deb, &dir, &["./bin/bash-static"])?;
            for p in modules.iter().chain([&kernel, &busybox, &bash]) {
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
                bash,
                download: size(&kernel_deb)? + size(&busybox_deb)? + size(&bash_deb)?,
            })
        })
        .collect()
}

/// The kernel package each architecture's metapackage (`linux-image-armmp`, …) depends
/// on now, as apt's index says (refreshed once if it does not know one), else the one a
/// previous run downloaded (`KERNEL-ARCH`, written beside the packages): a warm run needs
/// no index.
fn kernel_packages(apt: &mut Apt, archs: &[Arch], debs: &Path) -> Result<Vec<String>> {
    let metas: Vec<String> = archs
        .iter()
        .map(|a| apt.qualified(&format!("linux-image-{}", a.kernel_flavour()), a.debian()))
        .collect();
    let records: Vec<PathBuf> =
        archs.iter().map(|a| debs.join(format!("KERNEL-{}", a.debian()))).collect();
    let recorded: Vec<Option<String>> = records
        .iter()
        .map(|r| std::fs::read_to_string(r).ok().map(|s| s.trim().to_string()))
        .collect();
    let pick = |deps: &BTreeMap<String, Vec<String>>, meta: &String| {
        deps.get(meta)?.iter().find(|d| d.starts_with("linux-image-6")).cloned()
    };
    let mut deps = apt.depends(&metas);
    let unknown = metas.iter().zip(&recorded).any(|(m, r)| pick(&deps, m).is_none() && r.is_none());
    if unknown {
        // No answer and no previous run's kernel: refresh the indexes, once.
        apt.update_once()?;
        deps = apt.depends(&metas);
    }
    let mut out = Vec::new();
    for ((meta, record), recorded) in metas.iter().zip(&records).zip(recorded) {
        match (pick(&deps, meta), recorded) {
            (Some(p), _) => {
                std::fs::write(record, format!("{p}\n"))
                    .map_err(|e| format!("{}: {e}", record.display()))?;
                out.push(p);
            }
            (None, Some(p)) => {
                println!("warning: apt does not know {meta}; using the cached {p}");
                out.push(p);
            }
            (None, None) => return Err(format!("{meta} depends on no kernel package apt knows")),
        }
    }
    Ok(out)
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
