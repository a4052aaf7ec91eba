//! Debian packages from a mirror that may be mid-sync: `apt-get update` that warns
//! instead of failing when an index does not download, installs and downloads retried,
//! downloaded `.deb` files cached and verified by SHA-256.
//!
//! Foreign architectures' indexes are asked for with `-o APT::Architectures::=ARCH` on
//! each call, never with `dpkg --add-architecture`: dpkg's configuration stays as it was
//! (a later plain `apt-get update` drops those indexes again; the next call that needs
//! them fetches them once more).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{Cmd, Result};

/// Tries of an install or a download, and the pause before each retry.
const RETRIES: [Duration; 2] = [Duration::from_secs(5), Duration::from_secs(20)];

/// One apt session: the architectures whose indexes it needs, and whether it refreshed
/// them already.
pub struct Apt {
    native: String,
    foreign: Vec<String>,
    updated: bool,
    /// What the last `apt-get update` reported as failed (kept for error messages).
    warnings: Vec<String>,
    /// Candidates already asked for: (version, SHA-256), `None` when apt knows none.
    /// Asked in batches ([`Apt::learn`]): with foreign architectures each `apt-cache` call
    /// rebuilds apt's cache in memory (4 s here), whatever it asks.
    known: BTreeMap<String, Option<(String, String)>>,
}

impl Apt {
    /// A session needing the indexes of `foreign` besides the native architecture.
    pub fn new(foreign: &[&str]) -> Result<Apt> {
        let native = Cmd::new("dpkg").arg("--print-architecture").read()?.trim().to_string();
        let foreign = foreign.iter().filter(|a| **a != native).map(|a| a.to_string()).collect();
        Ok(Apt { native, foreign, updated: false, warnings: Vec::new(), known: BTreeMap::new() })
    }

    /// `-o APT::Architectures::=…` for the native and every foreign architecture.
    fn arch_options(&self) -> Vec<String> {
        if self.foreign.is_empty() {
            return Vec::new();
        }
        let mut o = Vec::new();
        for a in std::iter::once(&self.native).chain(&self.foreign) {
            o.push("-o".to_string());
            o.push(format!("APT::Architectures::={a}"));
        }
        o
    }

    fn apt(&self, prog: &str) -> Cmd {
        Cmd::new(prog).args(self.arch_options()).env("DEBIAN_FRONTEND", "noninteractive")
    }

    /// `pkg` for the native architecture, `pkg:arch` for a foreign one.
    pub fn qualified(&self, name: &str, arch: &str) -> String {
        if arch == self.native { name.to_string() } else { format!("{name}:{arch}") }
    }

    /// `apt-get update`. An index that fails to download (a mirror mid-sync: "File has
    /// unexpected size … Mirror sync in progress?", or one unreachable) is a warning: the
    /// packages asked for next may well still install, and if not, that step fails and
    /// names this warning.
    pub fn update(&mut self) -> Result {
        self.updated = true;
        self.known.clear();
        let out = self.apt("apt-get").arg("update").output()?;
        print!("{}", out.stdout);
        if out.ok {
            self.warnings.clear();
            return Ok(());
        }
        self.warnings = failed_indexes(&format!("{}\n{}", out.stdout, out.stderr));
        println!(
            "warning: `apt-get update` failed ({}); going on with the indexes it has:\n  {}",
            out.status,
            self.warnings.join("\n  ")
        );
        Ok(())
    }

    /// `apt-get update` unless this session did one already.
    pub fn update_once(&mut self) -> Result {
        if self.updated { Ok(()) } else { self.update() }
    }

    /// Installs `packages`, refreshing the indexes first and retrying twice (after 5 and
    /// 20 s, with another refresh) before it fails.
    pub fn install(&mut self, packages: &[&str]) -> Result {
        self.update_once()?;
        let mut tries = RETRIES.iter();
        loop {
            let r = self
                .apt("apt-get")
                .args(["install", "-y", "--no-install-recommends"])
                .args(packages)
                .run();
            match (r, tries.next()) {
                (Ok(()), _) => return Ok(()),
                (Err(e), Some(pause)) => {
                    println!("warning: {e}; retrying in {} s", pause.as_secs());
                    std::thread::sleep(*pause);
                    self.update()?;
                }
                (Err(e), None) => return Err(self.explain(e)),
            }
        }
    }

    fn explain(&self, e: String) -> String {
        if self.warnings.is_empty() {
            e
        } else {
            format!("{e}\n(apt-get update had failed for: {})", self.warnings.join("; "))
        }
    }

    /// What `apt-cache depends` lists as `Depends:` of each of `packages` (qualified
    /// names as given, `pkg:arch` for a foreign one), in one call; a package apt does not
    /// know has no entry.
    pub fn depends(&self, packages: &[String]) -> BTreeMap<String, Vec<String>> {
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let Ok(o) = self.apt("apt-cache").arg("depends").args(packages).output_quiet() else {
            return out;
        };
        let mut current = None;
        for l in o.stdout.lines() {
            if !l.starts_with(' ') {
                current = Some(l.trim().to_string());
            } else if let (Some(c), Some(dep)) = (&current, l.trim().strip_prefix("Depends: ")) {
                let dep = dep.split(':').next().unwrap_or_default().trim().to_string();
                out.entry(c.clone()).or_default().push(dep);
            }
        }
        out
    }

    /// Asks apt, in one call, for the candidate version and SHA-256 of each of
    /// `packages` (qualified) not asked for yet.
    pub fn learn(&mut self, packages: &[String]) {
        let new: Vec<&String> = packages.iter().filter(|p| !self.known.contains_key(*p)).collect();
        if new.is_empty() {
            return;
        }
        let out = self
            .apt("apt-cache")
            .args(["show", "--no-all-versions"])
            .args(&new)
            .output_quiet()
            .map(|o| o.stdout)
            .unwrap_or_default();
        for p in &new {
            self.known.insert(p.to_string(), None);
        }
        for stanza in out.split("\n\n") {
            let field = |name: &str| {
                stanza.lines().find_map(|l| l.strip_prefix(name)).map(|v| v.trim().to_string())
            };
            let (Some(name), Some(arch), Some(version), Some(sha)) =
                (field("Package:"), field("Architecture:"), field("Version:"), field("SHA256:"))
            else {
                continue;
            };
            let q = self.qualified(&name, &arch);
            if let Some(slot) = self.known.get_mut(&q) {
                slot.get_or_insert((version, sha));
            }
        }
    }

    /// The candidate version and SHA-256 apt's index gives `package` (qualified).
    fn candidate(&mut self, package: &str) -> Option<(String, String)> {
        self.learn(&[package.to_string()]);
        self.known.get(package).cloned().flatten()
    }

    /// The `.deb` of `name` for `arch` in `dir`: the cached file when its SHA-256 is
    /// right, else downloaded (retried like installs) and checked. "Right" is the
    /// index's SHA-256 of the candidate version when apt knows the package, else the
    /// one recorded beside the file (`NAME.deb.sha256`) when it was downloaded: a warm
    /// run needs no index, so a mirror mid-sync cannot stop it.
    pub fn download(&mut self, name: &str, arch: &str, dir: &Path) -> Result<PathBuf> {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let qualified = self.qualified(name, arch);
        let mut known = self.candidate(&qualified);
        if let Some(p) = cached(dir, name, arch, known.as_ref()) {
            println!("cached (SHA-256 checked): {}", p.display());
            return Ok(p);
        }
        if known.is_none() && !self.updated {
            self.update()?;
            known = self.candidate(&qualified);
        }
        let Some((version, sha)) = known else {
            return Err(self.explain(format!("apt knows no {qualified} and none is cached")));
        };
        let file = dir.join(deb_name(name, &version, arch));
        let mut tries = RETRIES.iter();
        loop {
            let _ = std::fs::remove_file(&file);
            let r =
                self.apt("apt-get").args(["download", &qualified]).dir(dir).run().and_then(|()| {
                    match sha256(&file)? {
                        got if got == sha => Ok(()),
                        got => {
                            Err(format!("{}: SHA-256 {got}, the index says {sha}", file.display()))
                        }
                    }
                });
            match (r, tries.next()) {
                (Ok(()), _) => break,
                (Err(e), Some(pause)) => {
                    println!("warning: {e}; retrying in {} s", pause.as_secs());
                    std::thread::sleep(*pause);
                }
                (Err(e), None) => return Err(self.explain(e)),
            }
        }
        let mark = sidecar(&file);
        std::fs::write(&mark, format!("{sha}\n"))
            .map_err(|e| format!("{}: {e}", mark.display()))?;
        Ok(file)
    }
}

/// `NAME_VERSION_ARCH.deb` as `apt-get download` names it (an epoch's `:` as `%3a`).
fn deb_name(name: &str, version: &str, arch: &str) -> String {
    format!("{name}_{}_{arch}.deb", version.replace(':', "%3a"))
}

fn sidecar(deb: &Path) -> PathBuf {
    let mut s = deb.as_os_str().to_owned();
    s.push(".sha256");
    PathBuf::from(s)
}

/// A cached `.deb` of `name` for `arch` whose content has the right SHA-256: the index's
/// for its candidate when `known`, else the recorded one. Wrong files are removed.
fn cached(dir: &Path, name: &str, arch: &str, known: Option<&(String, String)>) -> Option<PathBuf> {
    let candidates: Vec<PathBuf> = match known {
        Some((version, _)) => vec![dir.join(deb_name(name, version, arch))],
        None => {
            let mut all: Vec<PathBuf> = std::fs::read_dir(dir)
                .ok()?
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    let n = p.file_name().map(|n| n.to_string_lossy().into_owned());
                    n.is_some_and(|n| {
                        n.starts_with(&format!("{name}_")) && n.ends_with(&format!("_{arch}.deb"))
                    })
                })
                .collect();
            all.sort();
            all.reverse();
            all
        }
    };
    for p in candidates.into_iter().filter(|p| p.is_file()) {
        let want = match known {
            Some((_, sha)) => Some(sha.clone()),
            None => std::fs::read_to_string(sidecar(&p)).ok().map(|s| s.trim().to_string()),
        };
        match (want, sha256(&p)) {
            (Some(w), Ok(got)) if w == got => return Some(p),
            (w, got) => {
                println!(
                    "warning: {} fails its check (want {}, got {}); removing it",
                    p.display(),
                    w.as_deref().unwrap_or("a recorded SHA-256"),
                    got.unwrap_or_else(|e| e)
                );
                let _ = std::fs::remove_file(&p);
                let _ = std::fs::remove_file(sidecar(&p));
            }
        }
    }
    None
}

/// The SHA-256 of a file, in hex (coreutils' `sha256sum`).
pub fn sha256(path: &Path) -> Result<String> {
    let out = Cmd::new("sha256sum").arg(path).read()?;
    out.split_whitespace()
        .next()
        .filter(|h| h.len() == 64)
        .map(str::to_string)
        .ok_or_else(|| format!("sha256sum {}: no hash in {out:?}", path.display()))
}

/// The lines of `apt-get update`'s output that say which index failed and why.
fn failed_indexes(output: &str) -> Vec<String> {
    let lines: Vec<String> = output
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("E:") || l.starts_with("Err:") || l.starts_with("W: Failed"))
        .map(str::to_string)
        .collect();
    if lines.is_empty() { vec!["(no error line; see its output above)".into()] } else { lines }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mirror_mid_sync_is_named() {
        let out = "Hit:1 http://deb.debian.org/debian bookworm InRelease\n\
            Err:5 http://deb.debian.org/debian-security bookworm-security/main armhf Packages\n\
              File has unexpected size (356624 != 356976). Mirror sync in progress? [IP: 203.0.113.80 80]\n\
            E: Failed to fetch http://deb.debian.org/debian-security/dists/bookworm-security/main/binary-armhf/Packages.xz  File has unexpected size (356624 != 356976). Mirror sync in progress?\n\
            E: Some index files failed to download. They have been ignored, or old ones used instead.\n";
        let w = failed_indexes(out);
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(w[0].starts_with("Err:5") && w[1].contains("Mirror sync in progress?"));
    }

    #[test]
    fn deb_names_follow_apt_get_download() {
        assert_eq!(
            deb_name("busybox-static", "1:1.35.0-4+deb12u1+b1", "armhf"),
            "busybox-static_1%3a1.35.0-4+deb12u1+b1_armhf.deb"
        );
        assert_eq!(sidecar(Path::new("/x/a.deb")), PathBuf::from("/x/a.deb.sha256"));
    }

    #[test]
    fn a_cached_file_is_used_only_with_the_right_hash() {
        let dir = std::env::temp_dir().join(format!("xtask-apt-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let deb = dir.join("p_1.0_armhf.deb");
        std::fs::write(&deb, b"hello\n").unwrap();
        let sha = sha256(&deb).unwrap();
        assert_eq!(sha, "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
        // Known to the index: its hash decides.
        let known = ("1.0".to_string(), sha.clone());
        assert_eq!(cached(&dir, "p", "armhf", Some(&known)), Some(deb.clone()));
        // Unknown to the index: the recorded hash decides; none recorded, none used.
        assert_eq!(cached(&dir, "p", "armhf", None), None);
        assert!(!deb.exists(), "an unverifiable file is removed");
        std::fs::write(&deb, b"hello\n").unwrap();
        std::fs::write(sidecar(&deb), format!("{sha}\n")).unwrap();
        assert_eq!(cached(&dir, "p", "armhf", None), Some(deb.clone()));
        // A file cut short fails and goes.
        std::fs::write(&deb, b"hel").unwrap();
        assert_eq!(cached(&dir, "p", "armhf", None), None);
        assert!(!deb.exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
