//! Boots one guest under QEMU with its console on a pipe, copies the console to a log
//! file with the time each line arrived, and kills QEMU when the time limit passes.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::Arch;
use super::transcript::TAG;
use crate::util::Result;

/// What one boot produced.
pub struct Boot {
    /// The whole console, `\r` removed.
    pub console: String,
    /// Seconds from start to the init script's first line, and to power-off.
    pub boot_secs: f64,
    pub total_secs: f64,
    /// Per label, seconds from its `begin` to its `end` line.
    pub runs: Vec<(String, f64)>,
}

/// The QEMU command line for `arch`.
pub fn command(arch: Arch, kernel: &Path, initrd: &Path, kvm: bool) -> Command {
    let mut c = Command::new(arch.qemu());
    match arch {
        // pauth-impdef: the default pointer-authentication algorithm costs 3x the boot.
        Arch::Aarch64 => c.args(["-M", "virt", "-cpu", "max,pauth-impdef=on"]),
        Arch::S390x => c.args(["-M", "s390-ccw-virtio"]),
        // Debian's armmp kernel has no LPAE: the virt board's RAM must stay below 4 GiB.
        Arch::Armv7 => c.args(["-M", "virt,highmem=off", "-cpu", "cortex-a15"]),
        // Debian's 4kc-malta kernel: one CPU (no SMP on a 4Kc) and at most 256 MiB of
        // low memory, which it sees without highmem.
        Arch::Mipsel => c.args(["-M", "malta"]),
        // `-cpu host` because `max` asks KVM for MSRs a nested hypervisor may refuse.
        Arch::Amd64 if kvm => c.args(["-M", "q35", "-enable-kvm", "-cpu", "host"]),
        Arch::Amd64 => c.args(["-M", "q35", "-cpu", "max"]),
    };
    let mem = if arch == Arch::Mipsel { "256" } else { "1024" };
    c.args(["-smp", &arch.cpus().to_string(), "-m", mem])
        .args(["-nodefaults", "-display", "none", "-no-reboot"])
        .args(["-serial", "stdio"])
        .arg("-kernel")
        .arg(kernel)
        .arg("-initrd")
        .arg(initrd)
        .arg("-append")
        .arg(format!("console={} loglevel=1 panic=-1", arch.console()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// Boots and waits for power-off; fails on a hang (after `limit`), a QEMU error, or a
/// guest that stopped before its last line.
pub fn boot(arch: Arch, mut cmd: Command, log: &Path, limit: Duration) -> Result<Boot> {
    let shown = format!("{cmd:?}");
    println!("$ {shown}");
    let start = Instant::now();
    let mut child = cmd.spawn().map_err(|e| format!("{}: cannot start: {e}", arch.qemu()))?;
    let stdout = child.stdout.take().ok_or("no stdout pipe")?;
    let mut stderr = child.stderr.take().ok_or("no stderr pipe")?;
    let (tx, rx) = mpsc::channel::<(Instant, String)>();
    let reader = std::thread::spawn(move || {
        let mut r = BufReader::new(stdout);
        let mut buf = Vec::new();
        while r.read_until(b'\n', &mut buf).is_ok_and(|n| n > 0) {
            let line = String::from_utf8_lossy(&buf).replace('\r', "");
            let _ = tx.send((Instant::now(), line));
            buf.clear();
        }
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let mut lines: Vec<(Instant, String)> = Vec::new();
    let status = loop {
        while let Ok(l) = rx.try_recv() {
            lines.push(l);
        }
        if let Ok(Some(st)) = child.try_wait() {
            break Some(st);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = reader.join();
    lines.extend(rx.try_iter());
    let qemu_err = err_reader.join().unwrap_or_default();
    let console: String = lines.iter().map(|(_, l)| l.as_str()).collect();
    std::fs::write(log, &console).map_err(|e| format!("{}: {e}", log.display()))?;
    let tail = || {
        let all: Vec<&str> = console.lines().collect();
        all[all.len().saturating_sub(25)..].join("\n")
    };
    let Some(status) = status else {
        return Err(format!(
            "the {} guest did not power off within {} s (killed); console in {}, last lines:\n{}",
            arch.name(),
            limit.as_secs(),
            log.display(),
            tail()
        ));
    };
    if !status.success() {
        return Err(format!(
            "{} exited with {status}: {}\n{}",
            arch.qemu(),
            qemu_err.trim(),
            tail()
        ));
    }
    if !console.contains(&format!("{TAG} done")) {
        return Err(format!(
            "the {} guest powered off before its last line; console in {}, last lines:\n{}",
            arch.name(),
            log.display(),
            tail()
        ));
    }
    let secs = |t: Instant| t.duration_since(start).as_secs_f64();
    let at = |word: &str| {
        lines.iter().find(|(_, l)| l.contains(&format!("{TAG} {word}"))).map(|(t, _)| *t)
    };
    let boot_secs = at("boot").map(secs).unwrap_or_default();
    let mut runs = Vec::new();
    for (t, l) in &lines {
        if let Some(rest) = l.split_once(&format!("{TAG} begin ")).map(|(_, r)| r) {
            let label = rest.split_whitespace().next().unwrap_or_default().to_string();
            let end = lines
                .iter()
                .find(|(_, e)| e.contains(&format!("{TAG} end {label} ")))
                .map(|(e, _)| e.duration_since(*t).as_secs_f64())
                .unwrap_or_default();
            runs.push((label, end));
        }
    }
    Ok(Boot { console, boot_secs, total_secs: start.elapsed().as_secs_f64(), runs })
}
