//! The 32-bit router builds (armv7 and mipsel): static-pie musl binaries made on nightly
//! with `-Z build-std=core,alloc` (the CLI is `no_std`) against Debian's musl.
//!
//! rustup has no musl std for armv7 here and none for mipsel (tier 3), and neither target
//! ships musl's start files, so:
//! - musl comes from Debian's `musl-dev:armhf` / `musl-dev:mipsel` (musl 1.2.3),
//!   downloaded into `target/cross/debs/` (checked by SHA-256) and unpacked into
//!   `target/dist/musl/ARCH/`, never installed: dpkg's configuration stays as it was;
//! - Debian's cross gcc drives the link (`arm-linux-gnueabihf-gcc`,
//!   `mipsel-linux-gnu-gcc`) with musl's `rcrt1.o` and `libc.a` instead of its own
//!   start files and C library (`-nostartfiles`, [`link_flags`]);
//! - the target is rustc's own with two changes, written to `target/dist/specs/` as a
//!   JSON target spec of the same name: static-pie allowed (rustc's spec says no for
//!   these two, which would give a fixed-address executable, unlike the 64-bit release
//!   builds) and, for mipsel, hard float (`+fpxx,+nooddspreg`, the FP ABI of Debian's
//!   musl and of OpenWrt's MT7621 builds) instead of the spec's soft float, which does
//!   not link against a hard-float `libc.a`.
//!
//! Rust's `libc` crate declares musl's 32-bit `time_t` functions (`clock_gettime`,
//! `localtime_r`, `fstat`, `nanosleep`); musl 1.2 keeps them as its time32
//! compatibility symbols, so structures and calls agree (dates end in 2038, as for every
//! binary built against the `libc` crate's default 32-bit musl ABI).

use std::path::{Path, PathBuf};

use crate::util::apt::Apt;
use crate::util::{Cmd, Result};

/// What one 32-bit target needs.
pub struct Target {
    pub triple: &'static str,
    /// Debian's architecture and musl's directory inside `musl-dev`.
    debian: &'static str,
    multiarch: &'static str,
    /// The cross gcc that links, and its package.
    pub gcc: &'static str,
    pub gcc_package: &'static str,
    /// Target features replacing the spec's, if any.
    features: Option<&'static str>,
}

/// armv7 (hard float, Thumb-2): OpenWrt's ipq40xx and most 32-bit ARM routers.
pub const ARMV7: Target = Target {
    triple: "armv7-unknown-linux-musleabihf",
    debian: "armhf",
    multiarch: "arm-linux-musleabihf",
    gcc: "arm-linux-gnueabihf-gcc",
    gcc_package: "gcc-arm-linux-gnueabihf",
    features: None,
};

/// mipsel (MIPS32r2, little-endian, hard float): OpenWrt's ramips (MT7621).
pub const MIPSEL: Target = Target {
    triple: "mipsel-unknown-linux-musl",
    debian: "mipsel",
    multiarch: "mipsel-linux-musl",
    gcc: "mipsel-linux-gnu-gcc",
    gcc_package: "gcc-mipsel-linux-gnu",
    features: Some("+mips32r2,+fpxx,+nooddspreg"),
};

/// The two, by triple.
pub fn find(triple: &str) -> Option<&'static Target> {
    [&ARMV7, &MIPSEL].into_iter().find(|t| t.triple == triple)
}

/// A prepared target: its spec file and musl's library directory.
pub struct Prepared {
    pub spec: PathBuf,
    pub musl: PathBuf,
}

/// Installs the cross gcc, fetches and unpacks Debian's musl, writes the target spec.
pub fn prepare(t: &Target, target_dir: &Path) -> Result<Prepared> {
    crate::setup::apt_install(&[(t.gcc, t.gcc_package), ("sha256sum", "coreutils")])?;
    let mut apt = Apt::new(&[t.debian])?;
    let deb = apt.download("musl-dev", t.debian, &target_dir.join("cross").join("debs"))?;
    let root = target_dir.join("dist").join("musl").join(t.debian);
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).map_err(|e| format!("{}: {e}", root.display()))?;
    Cmd::new("dpkg-deb").arg("-x").arg(&deb).arg(&root).run()?;
    let musl = root.join("usr/lib").join(t.multiarch);
    for f in ["rcrt1.o", "libc.a"] {
        if !musl.join(f).is_file() {
            return Err(format!("{}: no {f} in {}", musl.display(), deb.display()));
        }
    }
    if musl.to_string_lossy().contains(char::is_whitespace) {
        return Err(format!("cannot pass {} in RUSTFLAGS: it has a space", musl.display()));
    }
    let specs = target_dir.join("dist").join("specs");
    std::fs::create_dir_all(&specs).map_err(|e| format!("{}: {e}", specs.display()))?;
    let spec = specs.join(format!("{}.json", t.triple));
    let json = Cmd::new("rustc")
        .args(["+nightly", "-Zunstable-options", "--print", "target-spec-json", "--target"])
        .arg(t.triple)
        .read()?;
    let json = edit_spec(&json, t.features)?;
    if std::fs::read_to_string(&spec).ok().as_deref() != Some(json.as_str()) {
        std::fs::write(&spec, json).map_err(|e| format!("{}: {e}", spec.display()))?;
    }
    Ok(Prepared { spec, musl })
}

/// rustc's spec with static-pie allowed and `features` (when given) instead of its own.
fn edit_spec(json: &str, features: Option<&str>) -> Result<String> {
    let mut out = String::new();
    // Replaced where rustc wrote it, else added before `arch` (one key a line).
    let has_pie = json.contains("\"static-position-independent-executables\"");
    let mut pie = false;
    let mut feat = false;
    for line in json.lines() {
        let key = line.trim_start().split(':').next().unwrap_or_default().trim();
        match key {
            "\"static-position-independent-executables\"" => {
                pie = true;
                out += "  \"static-position-independent-executables\": true,\n";
            }
            "\"features\"" if features.is_some() => {
                feat = true;
                out += &format!("  \"features\": \"{}\",\n", features.unwrap_or_default());
            }
            "\"arch\"" if !has_pie => {
                pie = true;
                out += "  \"static-position-independent-executables\": true,\n";
                out += line;
                out.push('\n');
            }
            _ => {
                out += line;
                out.push('\n');
            }
        }
    }
    if !pie || (features.is_some() && !feat) {
        return Err(format!("unexpected target spec from rustc:\n{json}"));
    }
    Ok(out)
}

/// RUSTFLAGS of the link: Debian's musl instead of the cross gcc's glibc start files,
/// and a static-pie without an interpreter (`--no-dynamic-linker`: the cross gcc's
/// specs do not turn rustc's `-static-pie` into one). mipsel's pages are 4 KiB on the
/// routers and in Debian's kernel: `max-page-size=4096` instead of GNU ld's 64 KiB for
/// MIPS saves 24,576 bytes of padding (263,868 -> 239,292).
pub fn link_flags(t: &Target, p: &Prepared) -> Vec<String> {
    let musl = p.musl.display();
    let mut f = vec![
        "-Clink-self-contained=no".to_string(),
        format!("-Lnative={musl}"),
        "-Clink-arg=-nostartfiles".to_string(),
        format!("-Clink-arg={musl}/rcrt1.o"),
        "-Clink-arg=-lc".to_string(),
        "-Clink-arg=-Wl,--no-dynamic-linker".to_string(),
        "-Clink-arg=-Wl,-z,text".to_string(),
        // No unwind tables for the Rust code: the binary aborts on panic (static.ld drops
        // what is left), and armv7's `core` otherwise wants unwinding symbols.
        "-Cforce-unwind-tables=no".to_string(),
    ];
    if t.triple == MIPSEL.triple {
        f.push("-Clink-arg=-Wl,-z,max-page-size=4096".to_string());
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_gets_static_pie_and_features() {
        let json = "{\n  \"arch\": \"mips\",\n  \"features\": \"+mips32r2,+soft-float\",\n  \"os\": \"linux\"\n}\n";
        let out = edit_spec(json, MIPSEL.features).unwrap();
        assert!(out.contains("\"static-position-independent-executables\": true,"));
        assert!(out.contains("\"features\": \"+mips32r2,+fpxx,+nooddspreg\","));
        assert!(!out.contains("soft-float"));
        let arm = "{\n  \"arch\": \"arm\",\n  \"static-position-independent-executables\": false,\n  \"os\": \"linux\"\n}\n";
        let out = edit_spec(arm, None).unwrap();
        assert_eq!(out.matches("static-position-independent-executables").count(), 1);
        assert!(out.contains("executables\": true,"));
        assert!(edit_spec("{}", None).is_err());
    }

    #[test]
    fn both_targets_are_found_by_triple() {
        assert_eq!(find("armv7-unknown-linux-musleabihf").map(|t| t.debian), Some("armhf"));
        assert_eq!(find("mipsel-unknown-linux-musl").map(|t| t.debian), Some("mipsel"));
        assert!(find("x86_64-unknown-linux-musl").is_none());
    }
}
