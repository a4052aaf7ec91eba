//! What the guests are made of, from Debian: the emulators and the s390x cross linker
//! on the host, and per architecture the kernel package (`linux-image-ARCH`'s current
//! dependency) and `busybox-static`, downloaded once into `target/cross/debs/` and
//! unpacked (only the kernel, the [`MODULES`] and busybox) into `target/cross/ARCH/`.

use std::path::{Path, PathBuf};

use super::Arch;
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

/// Installs the host packages the guests need: each emulator, and for s390x Debian's
/// cross gcc and C library (the static glibc build links with them).
pub fn host_tools(archs: &[Arch]) -> Result {
    let mut wanted: Vec<(&str, &str)> = Vec::new();
    for a in archs {
        wanted.push((a.qemu(), a.qemu_package()));
        if *a == Arch::S390x {
            wanted.push(("s390x-linux-gnu-gcc", "gcc-s390x-linux-gnu"));
        }
    }
    wanted.push(("dpkg-deb", "dpkg"));
    crate::setup::apt_install(&wanted)?;
    if archs.contains(&Arch::S390x) && !Path::new(S390X_LIBC).is_file() {
        apt_get(&["install", "-y", "--no-install-recommends", "libc6-dev-s390x-cross"])?;
        if !Path::new(S390X_LIBC).is_file() {
            return Err(format!(
                "{S390X_LIBC} still missing after installing libc6-dev-s390x-cross"
            ));
        }
    }
    Ok(())
}

/// The static C library the s390x build links against.
const S390X_LIBC: &str = "/usr/s390x-linux-gnu/lib/libc.a";

fn apt_get(args: &[&str]) -> Result {
    Cmd::new("apt-get").args(args).env("DEBIAN_FRONTEND", "noninteractive").run()
}

/// Makes sure dpkg knows every foreign architecture in `archs`, then fetches and
/// unpacks each guest's parts under `cache` (`target/cross`).
pub fn guests(archs: &[Arch], cache: &Path) -> Result<Vec<Parts>> {
    let native = Cmd::new("dpkg").arg("--print-architecture").read()?.trim().to_string();
    let foreign = Cmd::new("dpkg").arg("--print-foreign-architectures").read()?;
    let mut added = false;
    for a in archs {
        if a.debian() != native && !foreign.lines().any(|l| l.trim() == a.debian()) {
            Cmd::new("dpkg").args(["--add-architecture", a.debian()]).run()?;
            added = true;
        }
    }
    if added {
        apt_get(&["update"])?;
    }
    let debs = cache.join("debs");
    std::fs::create_dir_all(&debs).map_err(|e| format!("{}: {e}", debs.display()))?;
    let mut updated = added;
    archs
        .iter()
        .map(|&a| {
            let qualified = |pkg: &str| {
                if a.debian() == native { pkg.to_string() } else { format!("{pkg}:{}", a.debian()) }
            };
            let meta = qualified(&format!("linux-image-{}", a.debian()));
            let kernel_pkg = match kernel_package(&meta)? {
                Some(p) => p,
                None if !updated => {
                    // The package lists may be old or missing: once, refresh them.
                    apt_get(&["update"])?;
                    updated = true;
                    kernel_package(&meta)?.ok_or_else(|| format!("{meta} depends on no kernel"))?
                }
                None => return Err(format!("{meta} depends on no kernel package")),
            };
            let kernel_deb = download(&debs, &kernel_pkg, a.debian(), &qualified(&kernel_pkg))?;
            let busybox_deb =
                download(&debs, "busybox-static", a.debian(), &qualified("busybox-static"))?;
            let dir = cache.join(a.name()).join("debian");
            let release = kernel_pkg.trim_start_matches("linux-image-").to_string();
            let kernel = dir.join(format!("boot/vmlinuz-{release}"));
            let modules: Vec<PathBuf> = MODULES
                .iter()
                .map(|m| dir.join(format!("lib/modules/{release}/kernel/{m}")))
                .collect();
            let busybox = dir.join("bin/busybox");
            if !(kernel.is_file() && modules.iter().all(|m| m.is_file())) {
                let mut members = vec![format!("./boot/vmlinuz-{release}")];
                members
                    .extend(MODULES.iter().map(|m| format!("./lib/modules/{release}/kernel/{m}")));
                let members: Vec<&str> = members.iter().map(String::as_str).collect();
                unpack(&kernel_deb, &dir, &members)?;
            }
            if !busybox.is_file() {
                unpack(&busybox_deb, &dir, &["./bin/busybox"])?;
            }
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

/// The kernel package the metapackage `meta` depends on now, if apt knows it.
fn kernel_package(meta: &str) -> Result<Option<String>> {
    let Ok(out) = Cmd::new("apt-cache").args(["depends", meta]).read() else { return Ok(None) };
    Ok(out.lines().find_map(|l| {
        let dep = l.trim().strip_prefix("Depends: ")?;
        let name = dep.split(':').next()?.trim();
        name.starts_with("linux-image-6").then(|| name.to_string())
    }))
}

/// The cached `.deb` of `pkg` for `arch`, downloaded by `apt-get download` if absent.
fn download(debs: &Path, pkg: &str, arch: &str, qualified: &str) -> Result<PathBuf> {
    let find = || -> Option<PathBuf> {
        let entries = std::fs::read_dir(debs).ok()?;
        entries.flatten().map(|e| e.path()).find(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            name.starts_with(&format!("{pkg}_")) && name.ends_with(&format!("_{arch}.deb"))
        })
    };
    if let Some(p) = find() {
        println!("cached: {}", p.display());
        return Ok(p);
    }
    Cmd::new("apt-get").args(["download", qualified]).dir(debs).run()?;
    find().ok_or_else(|| format!("apt-get download {qualified} left no .deb in {}", debs.display()))
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
