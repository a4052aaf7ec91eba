//! `cargo xtask cross`: our static binaries against real aarch64, big-endian s390x and
//! the 32-bit routers' armv7 and mipsel kernels, booted under full-system emulation, with
//! an amd64 guest on the same kernel version as the reference.
//!
//! qemu-user cannot test the netlink path (it refuses `NETLINK_GENERIC`), and Miri runs
//! only the pure crates; here the whole binary talks to a foreign kernel. Per
//! architecture: Debian's kernel package and busybox-static (`fetch`), our static
//! builds and the guest runner (`build`), an initramfs (`initramfs`, `cpio`), one boot
//! (`qemu`), and the results read back from the console (`transcript`). Then:
//! - every case of the aarch64 and s390x guests must equal the amd64 guest's, byte for
//!   byte (stdout, stderr, exit status): recorded scenarios, flows and extra programs;
//! - every recorded scenario must equal its recording (iproute2 7.1 on Linux 6.18),
//!   except those listed in `tests/cross/kernel-6.1.txt`, which must differ (a stale
//!   entry fails too);
//! - every flow must exit 0 on the reference;
//! - on armv7 and mipsel, the kernel's count of unaligned accesses it fixed up
//!   (`/proc/cpu/alignment`, `/sys/kernel/debug/mips/unaligned_instructions`) must not
//!   grow during the runs.

mod build;
mod cpio;
mod fetch;
mod initramfs;
mod json;
mod qemu;
mod transcript;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::dist::Profile;
use crate::util::{Result, fmt_duration, in_ci, root, target_dir};
use transcript::{Outcome, Run, show};

const USAGE: &str = "\
usage: cargo xtask cross [--arch aarch64|s390x|armv7|mipsel|amd64]... [--serial] [--keep]
                         [--kvm] [--timeout SECS] [--threads N]

Boots Debian's Linux 6.1 for aarch64, s390x (big-endian), armv7 and mipsel under
qemu-system (TCG), and for amd64 (TCG too unless --kvm) as the reference, each with a
busybox initramfs holding our static `mptcp` builds (aarch64: release and tiny; the
others: release), the guest runner and the MPTCP fixture. Inside, every conformance
scenario (tests/conformance/*.json) and every flow (tests/cross/flows.json: the
monitor on both sides of a connection over veth, the userspace PM) runs in a fresh
namespace. Fails unless every case of every guest equals the amd64 guest's byte for
byte, and every recorded scenario equals its recording except the kernel-dependent
ones listed in tests/cross/kernel-6.1.txt, and unless the armv7 and mipsel kernels'
unaligned-access counters stayed put. Installs what it needs (Debian packages,
rustup targets; foreign architectures' apt indexes are asked for per call, dpkg's
configuration is not changed); downloads are cached in <target>/cross/debs and checked
by SHA-256. Each guest boots as soon as its build is done. The results table goes to
<target>/cross/results.md; a full run outside CI also rewrites it in README.md.

  --arch ARCH     only this guest (repeatable); amd64, the reference, always boots
  --serial        boot the guests one after another, after every build (default:
                  side by side, each as soon as it is built)
  --keep          keep each guest's initramfs after a passing run (console logs and
                  downloads are always kept, in <target>/cross/ARCH/)
  --kvm           run the amd64 guest with KVM (on a nested hypervisor, such as this
                  project's machines, Debian's 6.1 then hangs in early boot; under
                  TCG it boots and runs everything in about 30 s)
  --timeout SECS  time limit of each boot, after which QEMU is killed (default 300)
  --threads N     scenarios at once inside a guest (default 6; half that on mipsel,
                  whose malta board has one CPU)
";

/// A guest architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Arch {
    Aarch64,
    S390x,
    Armv7,
    Mipsel,
    Amd64,
}

impl Arch {
    const ALL: [Arch; 5] = [Arch::Aarch64, Arch::S390x, Arch::Armv7, Arch::Mipsel, Arch::Amd64];

    fn name(self) -> &'static str {
        match self {
            Arch::Aarch64 => "aarch64",
            Arch::S390x => "s390x",
            Arch::Armv7 => "armv7",
            Arch::Mipsel => "mipsel",
            Arch::Amd64 => "amd64",
        }
    }

    /// Debian's name.
    fn debian(self) -> &'static str {
        match self {
            Arch::Aarch64 => "arm64",
            Arch::S390x => "s390x",
            Arch::Armv7 => "armhf",
            Arch::Mipsel => "mipsel",
            Arch::Amd64 => "amd64",
        }
    }

    /// The kernel flavour: `linux-image-FLAVOUR` depends on the current kernel.
    fn kernel_flavour(self) -> &'static str {
        match self {
            Arch::Armv7 => "armmp",
            Arch::Mipsel => "4kc-malta",
            _ => self.debian(),
        }
    }

    /// The target of the `mptcp` builds: `cargo xtask dist`'s static musl target.
    fn rust_target(self) -> &'static str {
        match self {
            Arch::Aarch64 => crate::dist::AARCH64,
            Arch::S390x => "s390x-unknown-linux-gnu",
            Arch::Armv7 => crate::dist::ARMV7,
            Arch::Mipsel => crate::dist::MIPSEL,
            Arch::Amd64 => crate::dist::X86_64,
        }
    }

    /// The target of the guest runner, the fixture and the extra programs (std
    /// programs): rustup has no musl std for armv7 here and none at all for mipsel (tier
    /// 3), so those two are static glibc builds like s390x's (mipsel's std built by
    /// nightly's build-std).
    fn helper_target(self) -> &'static str {
        match self {
            Arch::Armv7 => "armv7-unknown-linux-gnueabihf",
            Arch::Mipsel => "mipsel-unknown-linux-gnu",
            _ => self.rust_target(),
        }
    }

    /// The Debian cross gcc that links the static glibc programs: (command, package,
    /// (C library package, its static libc.a)).
    fn cross_gcc(self) -> Option<(&'static str, &'static str, (&'static str, &'static str))> {
        match self {
            Arch::S390x => Some((
                "s390x-linux-gnu-gcc",
                "gcc-s390x-linux-gnu",
                ("libc6-dev-s390x-cross", "/usr/s390x-linux-gnu/lib/libc.a"),
            )),
            Arch::Armv7 => Some((
                "arm-linux-gnueabihf-gcc",
                "gcc-arm-linux-gnueabihf",
                ("libc6-dev-armhf-cross", "/usr/arm-linux-gnueabihf/lib/libc.a"),
            )),
            Arch::Mipsel => Some((
                "mipsel-linux-gnu-gcc",
                "gcc-mipsel-linux-gnu",
                ("libc6-dev-mipsel-cross", "/usr/mipsel-linux-gnu/lib/libc.a"),
            )),
            Arch::Aarch64 | Arch::Amd64 => None,
        }
    }

    /// The `mptcp` builds tested: both dist profiles where `cargo xtask dist` ships
    /// them for a foreign architecture.
    fn profiles(self) -> &'static [Profile] {
        match self {
            Arch::Aarch64 => &[Profile::Release, Profile::Tiny],
            _ => &[Profile::Release],
        }
    }

    fn qemu(self) -> &'static str {
        match self {
            Arch::Aarch64 => "qemu-system-aarch64",
            Arch::S390x => "qemu-system-s390x",
            Arch::Armv7 => "qemu-system-arm",
            Arch::Mipsel => "qemu-system-mipsel",
            Arch::Amd64 => "qemu-system-x86_64",
        }
    }

    fn qemu_package(self) -> &'static str {
        match self {
            Arch::Aarch64 | Arch::Armv7 => "qemu-system-arm",
            Arch::S390x => "qemu-system-misc",
            Arch::Mipsel => "qemu-system-mips",
            Arch::Amd64 => "qemu-system-x86",
        }
    }

    fn console(self) -> &'static str {
        match self {
            Arch::Aarch64 | Arch::Armv7 => "ttyAMA0",
            Arch::S390x => "ttysclp0",
            Arch::Mipsel | Arch::Amd64 => "ttyS0",
        }
    }

    /// The kernel's count of unaligned accesses it fixed up, where it keeps one: the
    /// guest prints it before and after the runs, and it must not grow.
    fn alignment_counter(self) -> Option<&'static str> {
        match self {
            Arch::Armv7 => Some("/proc/cpu/alignment"),
            Arch::Mipsel => Some("/sys/kernel/debug/mips/unaligned_instructions"),
            _ => None,
        }
    }

    /// Build order: quick builds and slow guests first, so that boots overlap builds.
    fn build_rank(self) -> u8 {
        match self {
            Arch::Amd64 => 0,
            Arch::Mipsel => 1,
            Arch::Armv7 => 2,
            Arch::S390x => 3,
            Arch::Aarch64 => 4,
        }
    }

    /// The guest's CPUs: Debian's 4kc-malta kernel has no SMP (a 4Kc has one core).
    /// With one CPU, half the scenarios run at once: with six, under a loaded host,
    /// monitors of M05 and M06 started after the events they wait for.
    fn cpus(self) -> u32 {
        if self == Arch::Mipsel { 1 } else { 2 }
    }

    /// 32-bit (`unsigned long` of 32 bits, as iproute2's `strtoul` sees it).
    fn bits32(self) -> bool {
        matches!(self, Arch::Armv7 | Arch::Mipsel)
    }

    fn big_endian(self) -> bool {
        self == Arch::S390x
    }

    fn label(self, p: Profile) -> String {
        format!("{}-{}", self.name(), p.name())
    }
}

/// The run whose transcript every other must equal.
const REFERENCE: Arch = Arch::Amd64;

/// Where the kernel-dependent scenarios are listed, relative to the root.
const KERNEL_LIST: &str = "tests/cross/kernel-6.1.txt";
/// Where the scenarios whose output depends on the width of C's `unsigned long` are
/// listed (same format): on the 32-bit guests each must differ from the amd64 guest and
/// be the same on every 32-bit guest.
const WORD_SIZE_LIST: &str = "tests/cross/word-size.txt";
/// The recorded scenario files and the flows, relative to the root.
const RECORDED: [&str; 2] = ["tests/conformance/scenarios.json", "tests/conformance/extra.json"];
const FLOWS: &str = "tests/cross/flows.json";

struct Opts {
    archs: Vec<Arch>,
    serial: bool,
    keep: bool,
    kvm: bool,
    timeout: Duration,
    threads: usize,
}

fn parse_args(args: &[String]) -> Result<Option<Opts>> {
    let mut o = Opts {
        archs: Vec::new(),
        serial: false,
        keep: false,
        kvm: false,
        timeout: Duration::from_secs(300),
        threads: 6,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{a} needs a value\n{USAGE}"));
        match a.as_str() {
            "--arch" => {
                let v = value()?;
                let arch = Arch::ALL
                    .into_iter()
                    .find(|x| x.name() == v)
                    .ok_or_else(|| format!("no architecture `{v}`\n{USAGE}"))?;
                o.archs.push(arch);
            }
            "--serial" => o.serial = true,
            "--keep" => o.keep = true,
            "--kvm" => o.kvm = true,
            "--timeout" => {
                let v = value()?;
                let secs = v.parse().map_err(|_| format!("--timeout {v}: seconds\n{USAGE}"))?;
                o.timeout = Duration::from_secs(secs);
            }
            "--threads" => {
                let v = value()?;
                o.threads = v.parse().map_err(|_| format!("--threads {v}: a number\n{USAGE}"))?;
            }
            "-h" | "--help" => {
                print!("{USAGE}");
                return Ok(None);
            }
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    if o.archs.is_empty() {
        o.archs = Arch::ALL.to_vec();
    }
    if !o.archs.contains(&REFERENCE) {
        o.archs.push(REFERENCE);
    }
    o.archs.sort();
    o.archs.dedup();
    Ok(Some(o))
}

/// One guest, ready to boot and then booted.
struct Guest {
    arch: Arch,
    parts: fetch::Parts,
    build_secs: f64,
    initrd: PathBuf,
    initrd_bytes: u64,
    labels: Vec<String>,
}

/// `cargo xtask cross [options]`.
pub fn main(args: &[String]) -> Result {
    let Some(o) = parse_args(args)? else { return Ok(()) };
    let start = Instant::now();
    let root = root();
    let cache = target_dir().join("cross");
    let kernel_list = kernel_dependent(&root.join(KERNEL_LIST))?;
    let word_size = kernel_dependent(&root.join(WORD_SIZE_LIST))?;

    section("install and download");
    fetch::host_tools(&o.archs)?;
    let parts = fetch::guests(&o.archs, &cache)?;

    // Each guest boots as soon as its programs are built and packed, beside the next
    // build: a release build ends in a one-threaded LTO link, which leaves a core to
    // the guests. The quick builds and the slow guests go first.
    let mut order: Vec<(Arch, fetch::Parts)> = o.archs.iter().copied().zip(parts).collect();
    order.sort_by_key(|(a, _)| a.build_rank());
    let kvm = o.kvm;
    let boot_one = |g: &Guest| -> Result<qemu::Boot> {
        let cmd = qemu::command(g.arch, &g.parts.kernel, &g.initrd, kvm);
        let log = cache.join(g.arch.name()).join("console.log");
        qemu::boot(g.arch, cmd, &log, o.timeout)
    };
    let mut boot_start: Option<Instant> = None;
    let mut build_error = None;
    let booted_guests: Vec<(Guest, Result<qemu::Boot>)> = std::thread::scope(|s| {
        let mut handles = Vec::new();
        let mut ready = Vec::new();
        for (arch, parts) in order {
            let threads = if arch.cpus() == 1 { o.threads.div_ceil(2) } else { o.threads };
            match build_and_pack(&root, &cache, arch, parts, threads) {
                Ok(g) if o.serial => ready.push(g),
                Ok(g) => {
                    boot_start.get_or_insert_with(Instant::now);
                    println!("booting the {} guest beside the next build", arch.name());
                    handles.push(s.spawn(|| {
                        let b = boot_one(&g);
                        (g, b)
                    }));
                }
                Err(e) => {
                    build_error = Some(format!("{}: {e}", arch.name()));
                    break;
                }
            }
        }
        let mut done: Vec<(Guest, Result<qemu::Boot>)> =
            handles.into_iter().filter_map(|h| h.join().ok()).collect();
        if build_error.is_none() && o.serial {
            section("boot, one after another");
            boot_start = Some(Instant::now());
            done.extend(ready.into_iter().map(|g| {
                let b = boot_one(&g);
                (g, b)
            }));
        }
        done
    });
    if let Some(e) = build_error {
        return Err(e);
    }
    let boot_wall = boot_start.map(|t| t.elapsed().as_secs_f64()).unwrap_or_default();
    let mut booted_guests = booted_guests;
    booted_guests.sort_by_key(|(g, _)| g.arch);
    let guests: Vec<&Guest> = booted_guests.iter().map(|(g, _)| g).collect();

    let mut errors = Vec::new();
    let mut booted = Vec::new();
    let mut alignment = Vec::new();
    for (g, b) in &booted_guests {
        let b = match b {
            Ok(b) => b,
            Err(e) => {
                errors.push(format!("{}: {e}", g.arch.name()));
                continue;
            }
        };
        match transcript::parse(&b.console) {
            Ok(runs) => {
                println!(
                    "{}: kernel {} booted in {:.1} s, powered off after {:.1} s{}",
                    g.arch.name(),
                    g.parts.kernel_pkg,
                    b.boot_secs,
                    b.total_secs,
                    if g.arch == Arch::Amd64 && kvm { " (KVM)" } else { " (TCG)" }
                );
                booted.push((g, b, runs));
            }
            Err(e) => errors.push(format!("{}: {e}", g.arch.name())),
        }
        if let Some(file) = g.arch.alignment_counter() {
            match transcript::alignment(&b.console) {
                Some((before, after)) => {
                    let grown = transcript::grown(&before, &after);
                    let total: u64 = after.values().sum::<u64>()
                        - before.values().sum::<u64>().min(after.values().sum());
                    println!(
                        "{}: unaligned accesses fixed up by the kernel during the runs: {total} ({file}: {})",
                        g.arch.name(),
                        after
                            .iter()
                            .map(|(k, v)| format!("{k} {v}").trim().to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                    alignment.push(format!("{} {total}", g.arch.name()));
                    for e in grown {
                        errors
                            .push(format!("{}: unaligned-access counter grew: {e}", g.arch.name()));
                    }
                }
                None => {
                    errors.push(format!("{}: no alignment counter in the console", g.arch.name()))
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors.join("\n"));
    }

    section("compare");
    let recorded = recordings(&root)?;
    let reference = booted
        .iter()
        .find(|(g, _, _)| g.arch == REFERENCE)
        .and_then(|(_, _, runs)| runs.get(&REFERENCE.label(Profile::Release)))
        .ok_or("no reference run")?;
    let mut rows = Vec::new();
    for (g, b, runs) in &booted {
        for label in &g.labels {
            let Some(run) = runs.get(label) else {
                errors.push(format!("{label}: no transcript"));
                continue;
            };
            let word = g.arch.bits32().then_some(&word_size);
            let (row, mut errs) = compare(label, run, reference, &recorded, &kernel_list, word);
            errors.append(&mut errs);
            let secs = b.runs.iter().find(|(l, _)| l == label).map(|(_, s)| *s).unwrap_or_default();
            rows.push(Row {
                guest: g,
                boot_secs: b.boot_secs,
                test_secs: secs,
                label: label.clone(),
                row,
            });
        }
    }

    // The word-size scenarios: the same on every 32-bit guest.
    let runs32: Vec<(&String, &Run)> = booted
        .iter()
        .filter(|(g, _, _)| g.arch.bits32())
        .flat_map(|(g, _, runs)| g.labels.iter().filter_map(|l| Some((l, runs.get(l)?))))
        .collect();
    if let Some((first, base)) = runs32.first() {
        for (label, run) in &runs32[1..] {
            for id in word_size.keys() {
                if base.cases.get(id).zip(run.cases.get(id)).is_some_and(|(a, b)| !a.same(b)) {
                    errors.push(format!(
                        "{label} {id}: differs from {first} (listed in {WORD_SIZE_LIST})"
                    ));
                }
            }
        }
    }
    for id in word_size.keys().filter(|id| !recorded.contains_key(*id)) {
        errors.push(format!("{WORD_SIZE_LIST}: {id} is no recorded scenario"));
    }

    section("result");
    let table = table(&rows, kvm);
    print!("{table}");
    let downloads: u64 = guests.iter().map(|g| g.parts.download).sum();
    let retried: Vec<String> = booted
        .iter()
        .flat_map(|(_, _, runs)| runs.iter())
        .flat_map(|(label, run)| run.retried.iter().map(move |id| format!("{label} {id}")))
        .collect();
    let summary = format!(
        "Downloads {:.1} MB (cached in target/cross/debs); builds {}; initramfs {}; boots {} ({}); unaligned accesses fixed up: {}; timed cases run again: {}; whole step {}.\n",
        downloads as f64 / 1e6,
        guests
            .iter()
            .map(|g| format!("{} {:.0} s", g.arch.name(), g.build_secs))
            .collect::<Vec<_>>()
            .join(", "),
        guests
            .iter()
            .map(|g| format!("{} {:.1} MB", g.arch.name(), g.initrd_bytes as f64 / 1e6))
            .collect::<Vec<_>>()
            .join(", "),
        fmt_duration(Duration::from_secs_f64(boot_wall)),
        if o.serial { "one after another" } else { "side by side, beside the builds" },
        if alignment.is_empty() { "not counted".to_string() } else { alignment.join(", ") },
        if retried.is_empty() { "none".to_string() } else { retried.join(", ") },
        fmt_duration(start.elapsed()),
    );
    print!("{summary}");
    if !errors.is_empty() {
        for e in &errors {
            println!("{e}");
        }
        return Err(format!("{} differences; console logs in {}", errors.len(), cache.display()));
    }
    let results = cache.join("results.md");
    std::fs::write(&results, format!("{table}\n{summary}"))
        .map_err(|e| format!("{}: {e}", results.display()))?;
    println!("results: {}", results.display());
    // CI never writes to tracked files: README.md's table is rewritten by hand runs only.
    if Arch::ALL.iter().all(|a| o.archs.contains(a)) && !in_ci() {
        update_readme(&root.join("README.md"), &format!("{table}\n{summary}"))?;
    }
    if !o.keep {
        for g in &guests {
            let _ = std::fs::remove_file(&g.initrd);
        }
    }
    let cases: usize = rows.iter().map(|r| r.row.cases).sum();
    println!("cross: {cases} cases on {} runs, all as expected", rows.len());
    Ok(())
}

/// Builds `arch`'s programs and packs its initramfs.
fn build_and_pack(
    root: &Path,
    cache: &Path,
    arch: Arch,
    parts: fetch::Parts,
    threads: usize,
) -> Result<Guest> {
    section(&format!("build and pack: {}", arch.name()));
    let t = Instant::now();
    let programs = build::programs(root, arch)?;
    let build_secs = t.elapsed().as_secs_f64();
    let dir = cache.join(arch.name());
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let builds: Vec<(String, PathBuf)> =
        programs.mptcp.iter().map(|(p, exe)| (arch.label(*p), exe.clone())).collect();
    let labels = builds.iter().map(|(l, _)| l.clone()).collect();
    let contents = initramfs::Contents {
        busybox: &parts.busybox,
        bash: &parts.bash,
        modules: &parts.modules,
        guest: &programs.guest,
        fixture: &programs.fixture,
        builds,
        recorded: RECORDED.iter().map(|f| root.join(f)).collect(),
        flows: vec![root.join(FLOWS)],
        differ: root.join(KERNEL_LIST),
        programs: programs.extra.clone(),
        threads,
        alignment: arch.alignment_counter(),
    };
    let initrd = dir.join("initramfs.cpio");
    let initrd_bytes = initramfs::pack(&contents, &initrd)?;
    println!("{}: {} bytes", initrd.display(), initrd_bytes);
    Ok(Guest { arch, parts, build_secs, initrd, initrd_bytes, labels })
}

/// The recorded scenarios, by id: what iproute2 7.1 printed on Linux 6.18.
fn recordings(root: &Path) -> Result<BTreeMap<String, Outcome>> {
    let mut all = BTreeMap::new();
    for f in RECORDED {
        let text = std::fs::read_to_string(root.join(f)).map_err(|e| format!("{f}: {e}"))?;
        for (id, stdout, stderr, rc) in
            json::scenario_expectations(&text).map_err(|e| format!("{f}: {e}"))?
        {
            let outcome =
                Outcome { status: rc, millis: 0, stdout: stdout.into(), stderr: stderr.into() };
            all.insert(id, outcome);
        }
    }
    Ok(all)
}

/// The `kernel-6.1.txt` list: id and why, one per line, `#` comments.
fn kernel_dependent(path: &Path) -> Result<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (id, why) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
            (id.to_string(), why.trim().to_string())
        })
        .collect())
}

/// How one run compared.
#[derive(Debug, Default, PartialEq, Eq)]
struct Compared {
    cases: usize,
    recorded: usize,
    /// Recorded scenarios equal to their recording.
    as_recorded: usize,
    /// Kernel-dependent scenarios (listed, and different from the recording).
    kernel: usize,
    /// Cases equal to the reference run.
    as_reference: usize,
    /// Word-size scenarios of a 32-bit run (listed, and different from the reference).
    word_size: usize,
    flows: usize,
}

struct Row<'a> {
    guest: &'a Guest,
    label: String,
    boot_secs: f64,
    test_secs: f64,
    row: Compared,
}

/// Compares one run with the recordings and the reference run.
fn compare(
    label: &str,
    run: &Run,
    reference: &Run,
    recorded: &BTreeMap<String, Outcome>,
    kernel_list: &BTreeMap<String, String>,
    word_size: Option<&BTreeMap<String, String>>,
) -> (Compared, Vec<String>) {
    let mut c = Compared { cases: run.cases.len(), ..Compared::default() };
    let mut errors = Vec::new();
    let differ = |id: &str, what: &str, want: &Outcome, got: &Outcome| {
        let mut e = format!("{label} {id}: {what}");
        if want.status != got.status {
            e += &format!("\n    status: want {}, got {}", want.status, got.status);
        }
        for (name, w, g) in
            [("stdout", &want.stdout, &got.stdout), ("stderr", &want.stderr, &got.stderr)]
        {
            if w != g {
                e += &format!("\n    {name}: want {}\n    {name}:  got {}", show(w), show(g));
            }
        }
        e
    };
    for id in reference.cases.keys().filter(|id| !run.cases.contains_key(*id)) {
        errors.push(format!("{label} {id}: missing (the reference ran it)"));
    }
    for (id, got) in &run.cases {
        let word = word_size.is_some_and(|w| w.contains_key(id));
        match reference.cases.get(id) {
            Some(r) if word && r.same(got) => errors.push(format!(
                "{label} {id}: listed in {WORD_SIZE_LIST} but equal to the amd64 guest; remove it from the list"
            )),
            Some(_) if word => c.word_size += 1,
            Some(r) if r.same(got) => c.as_reference += 1,
            Some(r) => errors.push(differ(id, "differs from the amd64 guest", r, got)),
            None => errors.push(format!("{label} {id}: not in the reference run")),
        }
        match (recorded.get(id), kernel_list.get(id)) {
            // Judged against the amd64 guest above and the other 32-bit guests after.
            (Some(_), _) if word => c.recorded += 1,
            (Some(want), None) => {
                c.recorded += 1;
                if want.same(got) {
                    c.as_recorded += 1;
                } else {
                    errors.push(differ(id, "differs from its recording", want, got));
                }
            }
            (Some(want), Some(_)) => {
                c.recorded += 1;
                if want.same(got) {
                    errors.push(format!(
                        "{label} {id}: listed in {KERNEL_LIST} but equal to its recording; remove it from the list"
                    ));
                } else {
                    c.kernel += 1;
                }
            }
            (None, _) => {
                c.flows += 1;
                if got.status != 0 && std::ptr::eq(run, reference) {
                    errors.push(format!("{label} {id}: a flow exited {}", got.status));
                }
            }
        }
    }
    for id in kernel_list.keys().filter(|id| !recorded.contains_key(*id)) {
        errors.push(format!("{KERNEL_LIST}: {id} is no recorded scenario"));
    }
    (c, errors)
}

/// The table of what ran where, for the terminal and README.md.
fn table(rows: &[Row], kvm: bool) -> String {
    let mut t = String::from(
        "| guest | kernel | byte order | `mptcp` build | recorded scenarios: as recorded + kernel-dependent | every case = amd64 6.1 | boot | scenarios and flows |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let g = r.guest;
        let emulation = match g.arch {
            Arch::Amd64 if kvm => "KVM",
            _ => "TCG",
        };
        t += &format!(
            "| {} ({}) | {} ({}) | {} | {} | {} of {}: {} + {}{} | {} of {} ({} flows{}) | {:.1} s | {:.1} s |\n",
            g.arch.name(),
            emulation,
            g.parts.kernel_pkg.trim_start_matches("linux-image-"),
            g.parts.kernel_version,
            if g.arch.big_endian() { "big" } else { "little" },
            r.label.rsplit('-').next().unwrap_or_default(),
            r.row.as_recorded + r.row.kernel + r.row.word_size,
            r.row.recorded,
            r.row.as_recorded,
            r.row.kernel,
            if r.row.word_size > 0 {
                format!(" + {} word-size", r.row.word_size)
            } else {
                String::new()
            },
            r.row.as_reference,
            r.row.cases,
            r.row.flows,
            if r.row.word_size > 0 {
                format!("; {} word-size differs on purpose", r.row.word_size)
            } else {
                String::new()
            },
            r.boot_secs,
            r.test_secs,
        );
    }
    t
}

const README_BEGIN: &str = "<!-- cross:begin (cargo xtask cross rewrites this) -->";
const README_END: &str = "<!-- cross:end -->";

/// Replaces the text between the markers in README.md.
fn update_readme(path: &Path, body: &str) -> Result {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (Some(a), Some(b)) = (text.find(README_BEGIN), text.find(README_END)) else {
        return Err(format!("{}: no {README_BEGIN} … {README_END} markers", path.display()));
    };
    let new = format!("{}{README_BEGIN}\n{body}{}", &text[..a], &text[b..]);
    if new != text {
        std::fs::write(path, new).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("README.md: results table updated");
    }
    Ok(())
}

fn section(title: &str) {
    println!("\n== cross: {title} ==");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(status: i32, out: &str) -> Outcome {
        Outcome { status, millis: 1, stdout: out.into(), stderr: Vec::new() }
    }

    fn run(cases: &[(&str, Outcome)]) -> Run {
        Run {
            release: "6.1".into(),
            machine: "m".into(),
            cases: cases.iter().map(|(id, o)| (id.to_string(), o.clone())).collect(),
            retried: Vec::new(),
            end: Some((cases.len(), 1)),
        }
    }

    #[test]
    fn scenario_files_parse() {
        let root = root();
        let all = recordings(&root).unwrap();
        assert!(all.len() >= 136 + 69, "{}", all.len());
        assert_eq!(all["A01"].status, 255);
        assert!(String::from_utf8_lossy(&all["A01"].stderr).starts_with("Usage:\tip mptcp"));
        for list in [KERNEL_LIST, WORD_SIZE_LIST] {
            for id in kernel_dependent(&root.join(list)).unwrap().keys() {
                assert!(all.contains_key(id), "{list}: {id} is no recorded scenario");
            }
        }
    }

    #[test]
    fn compare_is_strict_both_ways() {
        let recorded: BTreeMap<String, Outcome> =
            [("A".to_string(), outcome(0, "a\n")), ("K".to_string(), outcome(0, "new\n"))].into();
        let kernel: BTreeMap<String, String> = [("K".to_string(), "why".to_string())].into();
        let reference =
            run(&[("A", outcome(0, "a\n")), ("K", outcome(0, "old\n")), ("F", outcome(0, "f"))]);
        let (c, errs) = compare("ref", &reference, &reference, &recorded, &kernel, None);
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(
            c,
            Compared {
                cases: 3,
                recorded: 2,
                as_recorded: 1,
                kernel: 1,
                as_reference: 3,
                word_size: 0,
                flows: 1
            }
        );

        // A byte off the reference fails, and so does a listed scenario that matches.
        let guest =
            run(&[("A", outcome(0, "a\n")), ("K", outcome(0, "new\n")), ("F", outcome(0, "g"))]);
        let (_, errs) = compare("g", &guest, &reference, &recorded, &kernel, None);
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert!(errs.iter().any(|e| e.contains("g F: differs from the amd64 guest")));
        assert!(errs.iter().any(|e| e.contains("g K: listed in")));
    }

    #[test]
    fn word_size_scenarios_must_differ_from_amd64_on_32_bit() {
        let recorded: BTreeMap<String, Outcome> = [("W".to_string(), outcome(0, "if2\n"))].into();
        let listed: BTreeMap<String, String> = [("W".to_string(), "why".to_string())].into();
        let none = BTreeMap::new();
        let reference = run(&[("W", outcome(0, "if2\n"))]);
        let arm = run(&[("W", outcome(0, "if4294967295\n"))]);
        let (c, errs) = compare("armv7", &arm, &reference, &recorded, &none, Some(&listed));
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!((c.word_size, c.as_reference, c.recorded), (1, 0, 1));
        // Not listed: a difference; listed but equal: a stale entry.
        let (_, errs) = compare("armv7", &arm, &reference, &recorded, &none, None);
        assert_eq!(errs.len(), 2, "{errs:?}");
        let (_, errs) = compare("x", &reference, &reference, &recorded, &none, Some(&listed));
        assert!(errs[0].contains("but equal to the amd64 guest"), "{errs:?}");
    }

    /// A case is known by its id in the guest's lines: a flow named like a recorded
    /// scenario would be "reported twice".
    #[test]
    fn flow_ids_are_not_scenario_ids() {
        let root = root();
        let all = recordings(&root).unwrap();
        let text = std::fs::read_to_string(root.join(FLOWS)).unwrap();
        let json::Value::List(flows) = json::Parser::new(&text).value().unwrap() else {
            panic!("{FLOWS}: not a list");
        };
        assert!(!flows.is_empty());
        for f in &flows {
            let Some(json::Value::Str(id)) = f.get("id") else {
                panic!("{FLOWS}: a flow without id")
            };
            assert!(!all.contains_key(id), "{FLOWS}: {id} is also a recorded scenario");
        }
    }

    #[test]
    fn readme_has_the_markers() {
        let text = std::fs::read_to_string(root().join("README.md")).unwrap();
        assert!(text.contains(README_BEGIN) && text.contains(README_END));
    }

    #[test]
    fn every_arch_is_named_and_parsed() {
        for a in Arch::ALL {
            let o = parse_args(&["--arch".into(), a.name().into()]).unwrap().unwrap();
            assert!(o.archs.contains(&a) && o.archs.contains(&REFERENCE));
        }
        assert!(parse_args(&["--arch".into(), "mips".into()]).is_err());
    }
}
