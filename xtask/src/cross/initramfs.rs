//! Packs one guest's initramfs: busybox, the kernel modules, the programs, the scenario files and
//! an `/init` that runs the guest runner once per `mptcp` build and powers off (printing the
//! kernel's unaligned-access counter before and after, where it keeps one).
//!
//! ```text
//! /init                     the script below
//! /var/run                  a link to /run (where `ip netns add` puts its names)
//! /bin/busybox              and its applets, installed at boot
//! /bin/bash                 Debian's bash-static: the scenario scripts are bash
//! /guest/mptcp-guest        the runner; /guest/ip and /guest/timeout link to it
//! /guest/mptcp-fixture      MPTCP_LISTEN, MPTCP_CONN, MPTCP_SERVER, MPTCP_CLIENT
//! /opt/LABEL/mptcp          one build under test; /opt/LABEL/ip links to it
//! /data/*.json              the recorded scenarios and the flows
//! /programs/                extra static programs, each run once (see EXTRA_PROGRAMS)
//! /lib/NAME.ko              the modules (fetch::MODULES), loaded in that order
//! ```

use std::path::{Path, PathBuf};

use super::cpio::{self, Archive};
use crate::util::Result;

/// Everything that goes into one initramfs.
pub struct Contents<'a> {
    pub busybox: &'a Path,
    /// A static bash for the scenario scripts.
    pub bash: &'a Path,
    pub modules: &'a [PathBuf],
    pub guest: &'a Path,
    pub fixture: &'a Path,
    /// (label, `mptcp` binary).
    pub builds: Vec<(String, PathBuf)>,
    /// The recorded scenario files, then the flow files.
    pub recorded: Vec<PathBuf>,
    pub flows: Vec<PathBuf>,
    /// The recorded scenarios this kernel prints otherwise on purpose (one id a line,
    /// `#` comments): the runner never runs them again for missing their recording.
    pub differ: PathBuf,
    /// Extra programs for /programs.
    pub programs: Vec<PathBuf>,
    /// Scenarios run at once inside the guest.
    pub threads: usize,
    /// The kernel's unaligned-access counter file, printed before and after the runs.
    pub alignment: Option<&'a str>,
}

/// How many times longer every wait of a scenario is in a guest (its `sleep`s, `timeout`
/// deadlines and the fixture's pauses): an emulated processor sharing two loaded host
/// cores with four others runs several times slower than the clock, and a monitor's
/// window or a connection's hold then closed before the scenario's last step (M05, M06,
/// S01, S02, U01 at load 5-8). Outputs do not change: every event comes from the
/// scenario's own steps, in a namespace of its own.
const TIME_SCALE: u32 = 2;

/// The hosts file `-r` reads (the host's suite sees the same two names).
const HOSTS: &str = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";

/// Writes the archive to `out`; returns its size in bytes.
pub fn pack(c: &Contents, out: &Path) -> Result<u64> {
    let read = |p: &Path| std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()));
    let base = |p: &Path| -> Result<String> {
        let n = p.file_name().ok_or_else(|| format!("{}: no file name", p.display()))?;
        Ok(n.to_string_lossy().into_owned())
    };
    let mut a = Archive::default();
    for d in [
        "bin", "dev", "proc", "sys", "run", "tmp", "etc", "lib", "guest", "opt", "data", "programs",
    ] {
        a.dir(d);
    }
    // The kernel opens /dev/console for init before anything is mounted.
    a.char_dev("dev/console", 5, 1);
    // As on every distribution: `ip -n NAME` (ours as iproute2's) opens
    // /var/run/netns/NAME, which `ip netns add` makes under /run.
    a.dir("var");
    a.symlink("var/run", "../run");
    a.file("etc/hosts", cpio::FILE, HOSTS.as_bytes());
    a.file("bin/busybox", cpio::EXEC, &read(c.busybox)?);
    a.file("bin/bash", cpio::EXEC, &read(c.bash)?);
    for m in c.modules {
        a.file(&format!("lib/{}", base(m)?), cpio::FILE, &read(m)?);
    }
    a.file("guest/mptcp-guest", cpio::EXEC, &read(c.guest)?);
    a.symlink("guest/ip", "mptcp-guest");
    a.symlink("guest/timeout", "mptcp-guest");
    a.file("guest/mptcp-fixture", cpio::EXEC, &read(c.fixture)?);
    for (label, bin) in &c.builds {
        a.dir(&format!("opt/{label}"));
        a.file(&format!("opt/{label}/mptcp"), cpio::EXEC, &read(bin)?);
        a.symlink(&format!("opt/{label}/ip"), "mptcp");
    }
    for f in c.recorded.iter().chain(&c.flows).chain([&c.differ]) {
        a.file(&format!("data/{}", base(f)?), cpio::FILE, &read(f)?);
    }
    for p in &c.programs {
        a.file(&format!("programs/{}", base(p)?), cpio::EXEC, &read(p)?);
    }
    a.file("init", cpio::EXEC, init(c)?.as_bytes());
    let bytes = a.finish();
    std::fs::write(out, &bytes).map_err(|e| format!("{}: {e}", out.display()))?;
    Ok(bytes.len() as u64)
}

/// The `/init` script.
fn init(c: &Contents) -> Result<String> {
    let data = |files: &[PathBuf]| -> Result<Vec<String>> {
        files
            .iter()
            .map(|f| {
                let n = f.file_name().ok_or_else(|| format!("{}: no file name", f.display()))?;
                Ok(format!("/data/{}", n.to_string_lossy()))
            })
            .collect()
    };
    let recorded = data(&c.recorded)?.join(" ");
    let flows: String = data(&c.flows)?.iter().map(|f| format!(" --flows {f}")).collect();
    let differ = data(std::slice::from_ref(&c.differ))?.concat();
    let labels: Vec<&str> = c.builds.iter().map(|(l, _)| l.as_str()).collect();
    let mut insmod = String::new();
    for m in c.modules {
        let m = m.file_name().ok_or_else(|| format!("{}: no file name", m.display()))?;
        let m = m.to_string_lossy();
        insmod +=
            &format!("insmod /lib/{m} || echo \"{} fail insmod {m}\"\n", super::transcript::TAG);
    }
    let tag = super::transcript::TAG;
    // Each line of the counter file as `TAG align WHEN WORDS…` (blanks squeezed).
    let align = |when: &str| match c.alignment {
        Some(f) => format!(
            "if [ -r {f} ]; then while read -r l; do echo \"{tag} align {when}\" $l; done < {f}; \
             else echo \"{tag} fail cannot read {f}\"; fi\n"
        ),
        None => String::new(),
    };
    let (before, after) = (align("before"), align("after"));
    Ok(format!(
        "#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/busybox mount -t tmpfs tmpfs /run
/bin/busybox mount -t tmpfs tmpfs /tmp
/bin/busybox mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
/bin/busybox --install -s /bin
export PATH=/guest:/bin LC_ALL=C
echo \"{tag} boot\"
{insmod}{before}for label in {labels}; do
  /guest/mptcp-guest run --label $label --bin /opt/$label --fixture /guest/mptcp-fixture \\
    --threads {threads} --time-scale {TIME_SCALE}{flows} --differ {differ} --programs /programs {recorded} || echo \"{tag} fail runner $label\"
done
{after}echo \"{tag} done\"
sync
poweroff -f
",
        labels = labels.join(" "),
        threads = c.threads,
    ))
}
