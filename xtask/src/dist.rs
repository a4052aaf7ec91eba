//! `cargo xtask dist`: static, stripped `mptcp` binaries for x86_64 and aarch64 musl in two profiles, and for the 32-bit routers (armv7, mipsel) in `release`, with size budgets.
//!
//! `release` is built on stable with the workspace's release profile. `tiny` is built on
//! nightly with `-Z build-std` and the immediate-abort panic strategy, which removes std's
//! panic and backtrace machinery; see [`TINY_FLAGS`] for what else it gives up. The
//! armv7 and mipsel `release` builds are made on nightly against Debian's musl
//! ([`musl32`]). All are checked against a budget, the foreign builds run under qemu-user
//! for the commands that need no kernel, the x86_64 builds pass the conformance suite, and an unstripped build
//! shows which crates and functions take the bytes. Each binary's hardening (ELF type,
//! RELRO, BIND_NOW, W^X) is printed, and a release binary that is not a static-pie with
//! full RELRO, no writable code and no executable stack fails the run.

mod breakdown;
mod hardening;
mod musl32;
mod smoke;
mod static_pie;

use std::path::{Path, PathBuf};

use crate::util::Cmd;

/// The host's static target: the binary the conformance suite runs.
pub const X86_64: &str = "x86_64-unknown-linux-musl";
/// The cross target, run under qemu-user.
pub const AARCH64: &str = "aarch64-unknown-linux-musl";
const TARGETS: [&str; 2] = [X86_64, AARCH64];
/// The 32-bit router targets, `release` only (see [`musl32`]).
pub const ARMV7: &str = musl32::ARMV7.triple;
pub const MIPSEL: &str = musl32::MIPSEL.triple;
const TARGETS_32: [&str; 2] = [ARMV7, MIPSEL];

/// The qemu-user program that runs a foreign target's build.
fn qemu_user(target: &str) -> &'static str {
    match target {
        ARMV7 => "qemu-arm-static",
        MIPSEL => "qemu-mipsel-static",
        _ => smoke::QEMU,
    }
}

const KIB: u64 = 1024;

/// Flags of every tiny build, after the panic strategy. Each one measured on the static
/// x86_64 binary (immediate-abort, opt-level "s": 178,360 bytes):
/// - `relocation-model=static`: a plain static executable instead of static-pie, so no
///   run-time relocations (-4,672 bytes); gives up ASLR of the executable (the release
///   builds keep it: static-pie, checked by [`hardening`]).
/// - `force-unwind-tables=no`: no `.eh_frame` for Rust code (-16,384); nothing unwinds
///   once panics abort at once, but debuggers and profilers lose their stack walks.
/// - `fmt-debug=none`: `{:?}` prints nothing; the CLI's output never uses it.
/// - `location-detail=none`: no file/line/column strings for `#[track_caller]`.
///
/// The last two and `optimize_for_size` together save 1,613 bytes of code, opt-level "z"
/// another 4,214 (the `tiny` profile in the root Cargo.toml).
const TINY_FLAGS: &[&str] = &[
    "-Crelocation-model=static",
    "-Cforce-unwind-tables=no",
    "-Zfmt-debug=none",
    "-Zlocation-detail=none",
];

/// Link flags of a tiny build when the linker is a gcc driver (GNU ld): code and
/// read-only data share pages (`-z noseparate-code`, -8,272 bytes of page padding), no
/// build-id note, and no RELRO segment (`-z norelro`: GNU ld pads the file so that the
/// read-only-after-start data ends on a page, -2,936 bytes here, 99,456 -> 96,520; the
/// GOT and the init/fini arrays, 96 bytes, stay writable). lld does the first two by
/// default and pads RELRO in memory only. (gcc reorders a bare `-z norelro` before
/// rustc's own `-z relro`, hence `-Wl,`; the release builds keep RELRO, where it would
/// save about 1.4 KiB.)
const TINY_GCC_LINK_FLAGS: &[&str] = &[
    "-Clink-arg=-Wl,-z,noseparate-code",
    "-Clink-arg=-Wl,--build-id=none",
    "-Clink-arg=-Wl,-z,norelro",
];

/// Rust flags of the x86_64 release build when rust-lld links it: code on pages of its
/// own. lld's default (`-z noseparate-code`) starts code in the file page where read-only
/// data ends and ends it in the page where the RELRO data begins, so the loader maps
/// those bytes executable: 211,352 bytes, against 214,040 with this flag and 219,096
/// with GNU ld (which pads every segment to a page: four gaps instead of two). Joined
/// with `.cargo/config.toml`'s flags (`-z pack-relative-relocs`), which RUSTFLAGS would
/// replace (they also hold the code-generation flags for size: the machine outliner and
/// an inline threshold of 0). [`hardening`] checks the result.
const X86_64_LLD_FLAGS: &str = "-Clink-arg=-zseparate-code";

/// Cargo arguments only the tiny builds get: without the `dns` feature `-r` reads
/// /etc/hosts only. Our own PTR lookup (`names/dns.rs`, which replaced musl's
/// `getnameinfo` and its 28,672 bytes) costs the tiny binary 7,200 bytes on x86_64
/// (103,720) and 5,560 on aarch64 (100,056): over the 96 KiB budget, so tiny leaves it out.
const TINY_CARGO_ARGS: &[&str] = &["--no-default-features"];

const USAGE: &str = "\
usage: cargo xtask dist [--release-only] [--no-test]

Builds static, stripped `mptcp` for x86_64- and aarch64-unknown-linux-musl in the
`release` (stable) and `tiny` (nightly, build-std, immediate-abort) profiles, prints
their sizes against the budgets and against iproute2's `ip`, runs the aarch64 builds
under qemu-user, the conformance suite on the x86_64 builds, and prints which crates
and functions take the bytes. Copies go to <target>/dist/. Fails when a budget is
exceeded or a test fails.

  --release-only   skip the nightly `tiny` profile
  --no-test        skip qemu and the conformance suite
";

/// The two build profiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Stable, the workspace's `[profile.release]`.
    Release,
    /// Nightly, `[profile.tiny]` with build-std and immediate-abort.
    Tiny,
}

impl Profile {
    /// The cargo profile name.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Release => "release",
            Profile::Tiny => "tiny",
        }
    }

    /// The size budget in bytes: each build as measured at `8d04554` (x86_64 release
    /// 178,984, aarch64 171,736, armv7 189,448, mipsel 267,928; tiny 107,848 and 107,424)
    /// with 2 to 3 KiB of room, so that growth fails the build.
    ///
    /// - release, x86_64: 176 KiB, issue 21's ceiling for the hardened build (static-pie,
    ///   full RELRO, BIND_NOW, code apart from read-only data: [`hardening`]). The file
    ///   grows by whole pages (code and read-only data are padded to 4 KiB): at `a71b138`
    ///   the code (144,832 bytes) ends 2,624 bytes under a page boundary (52 at
    ///   `09a1297`; a 4.0 KB size pass paid for `endpoint follow`'s held log lines and
    ///   timerfd), and the next page would make the file 182,488 bytes, over the budget. It was 210,248 at `d329171`, then: no
    ///   threads in `endpoint follow` (-4 KB), its requests through the CLI's own session
    ///   instead of `mptcp-netlink`, size passes on `connection show`, `stat`, `-r`, the
    ///   parsers, the monitor's printer, the endpoint printer and the wire crates (code
    ///   inlined several times moved out of line, generic code made to share one copy,
    ///   panic sites that could never fire taken out: about 16 KB), and two
    ///   code-generation flags for the musl builds (`.cargo/config.toml`: LLVM's machine
    ///   outliner, -2.0 KB of code, and an inline threshold of 0, -3.3 KB).
    /// - release, aarch64: 174 KiB.
    /// - release, armv7: 188 KiB (goal 176 KiB, issue 22's ceiling, then 128 KiB; Thumb-2;
    ///   built on nightly with its own flags, without the two code-generation flags).
    /// - release, mipsel: 264 KiB (goal 256 KiB, issue 22's ceiling, then 192 KiB): MIPS32
    ///   code is about 1.6 times the size of Thumb-2's; a static-pie with full RELRO and
    ///   4 KiB pages (GNU ld's 64 KiB MIPS pages add about 24 KB).
    /// - tiny: 108 KiB on both (goal: 96 KiB, then 64 KiB); built without `dns` and
    ///   without `endpoint follow`, and without the hardening (see [`TINY_FLAGS`]).
    pub fn budget(self, target: &str) -> u64 {
        match (self, target) {
            (Profile::Release, X86_64) => 176 * KIB,
            (Profile::Release, AARCH64) => 174 * KIB,
            (Profile::Release, MIPSEL) => 264 * KIB,
            (Profile::Release, _) => 188 * KIB,
            (Profile::Tiny, _) => 108 * KIB,
        }
    }
}

/// What links an aarch64 binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Linker {
    /// The toolchain's bundled lld with musl's self-contained start files.
    RustLld,
    /// A Debian cross gcc (`gcc-aarch64-linux-gnu`) as the driver, when there is no
    /// rust-lld. Works, but GNU ld pads aarch64 files to 64 KiB pages: release 462,952
    /// bytes instead of 449,120, tiny 198,168 instead of 145,920.
    CrossGcc,
}

impl Linker {
    fn program(self) -> &'static str {
        match self {
            Linker::RustLld => "rust-lld",
            Linker::CrossGcc => "aarch64-linux-gnu-gcc",
        }
    }
}

/// How the installed nightly spells the immediate-abort panic strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ImmediateAbort {
    /// `-Zunstable-options -Cpanic=immediate-abort` (nightlies from late 2025 on).
    PanicFlag,
    /// `-Z build-std-features=panic_immediate_abort` with `panic = "abort"` (older).
    StdFeature,
}

/// Musl's start files and libc.a borrowed from stable, per target (see [`Tools`]).
type BorrowedMusl = Vec<(&'static str, PathBuf)>;

/// The toolchain facts the builds need.
struct Tools {
    aarch64: Linker,
    /// The stable toolchain's rust-lld, which links the x86_64 release build (with
    /// [`X86_64_LLD_FLAGS`]); without it, GNU ld through `cc` (rustc's default).
    x86_64_lld: Option<PathBuf>,
    abort: ImmediateAbort,
    /// Per target, a directory with musl's start files and libc.a for a nightly that has
    /// no `rust-std` for it (build-std builds std but not these).
    nightly_musl: BorrowedMusl,
    /// The 32-bit targets, prepared (their spec and Debian's musl).
    musl32: Vec<(&'static str, musl32::Prepared)>,
}

/// One finished binary.
struct Built {
    target: &'static str,
    profile: Profile,
    path: PathBuf,
    size: u64,
}

impl Built {
    fn over_budget(&self) -> Option<u64> {
        self.size.checked_sub(self.profile.budget(self.target)).filter(|&d| d > 0)
    }
}

/// `cargo xtask dist [--release-only] [--no-test]`.
pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let mut tiny = true;
    let mut test = true;
    for a in args {
        match a.as_str() {
            "--release-only" => tiny = false,
            "--no-test" => test = false,
            "-h" | "--help" => {
                print!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("dist: unknown argument `{other}`\n{USAGE}")),
        }
    }
    let tools = setup(root, tiny, test)?;
    let profiles: &[Profile] =
        if tiny { &[Profile::Release, Profile::Tiny] } else { &[Profile::Release] };

    let mut built = Vec::new();
    let mut plan: Vec<(&'static str, Profile)> = Vec::new();
    for &profile in profiles {
        plan.extend(TARGETS.map(|t| (t, profile)));
    }
    plan.extend(TARGETS_32.map(|t| (t, Profile::Release)));
    for &(target, profile) in &plan {
        let exe = build(root, &tools, target, profile, BuildKind::Dist)?;
        let path = publish(root, &exe, target, profile)?;
        let size = file_size(&path)?;
        built.push(Built { target, profile, path, size });
    }

    section("sizes");
    print_sizes(&built);
    print_ip_comparison();

    section("hardening");
    let mut failures = Vec::new();
    for b in &built {
        match check_hardening(&b.path, b.target, b.profile) {
            Ok(line) => println!("{:<28} {:<8} {line}", b.target, b.profile.name()),
            Err(e) => failures.push(e),
        }
    }

    let mut breakdowns: Vec<(&str, Profile, usize)> =
        profiles.iter().map(|&p| (X86_64, p, 25)).collect();
    breakdowns.extend(TARGETS_32.map(|t| (t, Profile::Release, 12)));
    for (target, profile, top) in breakdowns {
        section(&format!("size breakdown: {target}, {} (unstripped build)", profile.name()));
        let full = build(root, &tools, target, profile, BuildKind::Symbols)?;
        let stripped = find(&built, target, profile)?;
        breakdown::print(&full, &stripped.path, top)?;
    }

    if test {
        for b in built.iter().filter(|b| b.target != X86_64) {
            section(&format!("qemu-user: {}, {}", b.target, b.profile.name()));
            let native = find(&built, X86_64, b.profile)?;
            let dir = target_dir(root).join("dist").join("smoke").join(format!(
                "{}-{}",
                b.target,
                b.profile.name()
            ));
            if let Err(e) = smoke::run(qemu_user(b.target), &b.path, &native.path, &dir) {
                failures.push(e);
            }
        }
        for &profile in profiles {
            section(&format!("conformance: {X86_64}, {}", profile.name()));
            let bin = find(&built, X86_64, profile)?;
            if let Err(e) = conformance(root, &bin.path) {
                failures.push(e);
            }
        }
    }

    for b in &built {
        if let Some(over) = b.over_budget() {
            failures.push(format!(
                "{} {} is {} bytes, {} over its budget of {} KiB",
                b.target,
                b.profile.name(),
                b.size,
                over,
                b.profile.budget(b.target) / KIB
            ));
        }
    }
    section("result");
    println!("binaries in {}", target_dir(root).join("dist").display());
    if failures.is_empty() {
        println!("every size within budget{}", if test { ", every test passed" } else { "" });
        Ok(())
    } else {
        Err(failures.join("\n"))
    }
}

/// Builds the static x86_64 release binary as `cargo xtask dist` does (linked by
/// rust-lld) and checks it against its budget and its hardening; returns its path. Needs
/// only the stable toolchain and a C compiler driver.
pub fn budget_check_x86_64(root: &Path) -> Result<PathBuf, String> {
    stable_targets(&[X86_64])?;
    let tools = Tools {
        aarch64: Linker::RustLld,
        x86_64_lld: x86_64_linker()?,
        abort: ImmediateAbort::PanicFlag,
        nightly_musl: vec![],
        musl32: vec![],
    };
    let exe = build(root, &tools, X86_64, Profile::Release, BuildKind::Dist)?;
    let size = file_size(&exe)?;
    let budget = Profile::Release.budget(X86_64);
    println!(
        "mptcp, {X86_64}, release: {} bytes ({}), budget {} KiB",
        group(size),
        kib(size),
        budget / KIB
    );
    if size > budget {
        return Err(format!(
            "{} is {size} bytes, {} over the budget of {} KiB; `cargo xtask dist` shows where the bytes go",
            exe.display(),
            size - budget,
            budget / KIB
        ));
    }
    println!("hardening: {}", check_hardening(&exe, X86_64, Profile::Release)?);
    Ok(exe)
}

/// The hardening of the binary at `path`, as one line; an error naming what a release
/// binary lost (tiny builds give it up on purpose, and are only described).
///
/// The x86_64 release binary must also keep code on pages of its own (no read-only data
/// mapped executable at 4 KiB pages). The others are only described: the aarch64 build
/// keeps 64 KiB alignment, for kernels with 16 or 64 KiB pages, and lld pads code to
/// that (`-z separate-code`: 270,976 bytes instead of 202,080; 205,440 at 4 KiB
/// alignment, which such kernels cannot load); the 32-bit builds have GNU ld's one
/// `R E` segment (`-z separate-code` there: three more page gaps, over their budgets).
fn check_hardening(path: &Path, target: &str, profile: Profile) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let h = hardening::inspect(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    let gaps = h.release_gaps(target == X86_64);
    if profile == Profile::Release && !gaps.is_empty() {
        return Err(format!("{} lost its hardening: {} ({h})", path.display(), gaps.join(", ")));
    }
    Ok(h.to_string())
}

/// Builds the stripped static `mptcp` for `target` (one of the dist targets) in
/// `profile`, installing what that build needs: `cargo xtask cross` boots it.
pub fn build_static(
    root: &Path,
    target: &'static str,
    profile: Profile,
) -> Result<PathBuf, String> {
    if let Some(t) = musl32::find(target) {
        if profile != Profile::Release {
            return Err(format!("{target} is built in release only"));
        }
        nightly_source()?;
        let prepared = musl32::prepare(t, &target_dir(root))?;
        let tools = Tools {
            aarch64: Linker::RustLld,
            x86_64_lld: None,
            abort: ImmediateAbort::PanicFlag,
            nightly_musl: vec![],
            musl32: vec![(t.triple, prepared)],
        };
        return build(root, &tools, target, profile, BuildKind::Dist);
    }
    stable_targets(&[target])?;
    let aarch64 = if target == AARCH64 { aarch64_linker()? } else { Linker::RustLld };
    let x86_64_lld = if target == X86_64 { x86_64_linker()? } else { None };
    let (abort, nightly_musl) =
        if profile == Profile::Tiny { nightly()? } else { (ImmediateAbort::PanicFlag, vec![]) };
    let tools = Tools { aarch64, x86_64_lld, abort, nightly_musl, musl32: vec![] };
    build(root, &tools, target, profile, BuildKind::Dist)
}

/// The program that links aarch64 musl binaries here (rust-lld, or Debian's cross gcc).
pub fn aarch64_linker_program() -> Result<&'static str, String> {
    Ok(aarch64_linker()?.program())
}

// ---- set-up ----

/// Installs what is missing: Debian packages, the stable targets, and for `tiny` the
/// nightly toolchain with rust-src and its musl targets.
fn setup(root: &Path, tiny: bool, test: bool) -> Result<Tools, String> {
    section("setup");
    let mut debian = vec![("cc", "gcc"), ("nm", "binutils"), ("size", "binutils")];
    if test {
        for t in [AARCH64, ARMV7, MIPSEL] {
            debian.push((qemu_user(t), "qemu-user-static"));
        }
    }
    crate::setup::apt_install(&debian)?;
    stable_targets(&TARGETS)?;
    let aarch64 = aarch64_linker()?;
    let x86_64_lld = x86_64_linker()?;
    let (abort, nightly_musl) = if tiny { nightly()? } else { (ImmediateAbort::PanicFlag, vec![]) };
    nightly_source()?;
    let mut prepared = Vec::new();
    for t in TARGETS_32 {
        let spec = musl32::find(t).ok_or("no 32-bit target")?;
        prepared.push((spec.triple, musl32::prepare(spec, &target_dir(root))?));
    }
    Ok(Tools { aarch64, x86_64_lld, abort, nightly_musl, musl32: prepared })
}

/// `rustup target add` on stable for the targets not installed yet.
pub fn stable_targets(targets: &[&str]) -> Result<(), String> {
    toolchain("stable")?;
    let installed = Cmd::new("rustup")
        .args(["target", "list", "--installed", "--toolchain", "stable"])
        .read()?;
    let missing: Vec<&str> =
        targets.iter().copied().filter(|t| !installed.lines().any(|l| l.trim() == *t)).collect();
    if missing.is_empty() {
        println!("ok: stable targets {}", targets.join(" "));
        return Ok(());
    }
    Cmd::new("rustup").args(["target", "add", "--toolchain", "stable"]).args(&missing).run()
}

/// The stable toolchain's bundled lld, `<sysroot>/lib/rustlib/<host>/bin/rust-lld` (part
/// of the `rustc` component on the hosts we build on), if it is there.
fn rust_lld() -> Result<Option<PathBuf>, String> {
    let sysroot = sysroot("stable")?;
    let host = host_triple()?;
    let lld: PathBuf =
        [sysroot.as_path(), Path::new("lib/rustlib"), Path::new(&host), Path::new("bin/rust-lld")]
            .iter()
            .collect();
    Ok(lld.is_file().then_some(lld))
}

/// rust-lld for the x86_64 release build when the stable toolchain ships it; else `None`:
/// GNU ld through `cc`, as a plain `cargo build --release` links (5,056 bytes more).
fn x86_64_linker() -> Result<Option<PathBuf>, String> {
    let lld = rust_lld()?;
    match &lld {
        Some(path) => println!("ok: x86_64 release links with rust-lld ({})", path.display()),
        None => println!("no rust-lld in the stable toolchain; linking x86_64 with GNU ld"),
    }
    Ok(lld)
}

/// rust-lld when the stable toolchain ships it, else Debian's aarch64 cross gcc.
fn aarch64_linker() -> Result<Linker, String> {
    if let Some(lld) = rust_lld()? {
        println!("ok: aarch64 links with rust-lld ({})", lld.display());
        return Ok(Linker::RustLld);
    }
    println!("no rust-lld in the stable toolchain; linking aarch64 with Debian's cross gcc");
    crate::setup::apt_install(&[(Linker::CrossGcc.program(), "gcc-aarch64-linux-gnu")])?;
    Ok(Linker::CrossGcc)
}

/// The nightly toolchain with rust-src, for `-Z build-std` (the 32-bit builds and
/// `cargo xtask cross`'s mipsel helpers).
pub fn nightly_source() -> Result<(), String> {
    toolchain("nightly")?;
    let components = Cmd::new("rustup")
        .args(["component", "list", "--installed", "--toolchain", "nightly"])
        .read()?;
    if components.lines().any(|l| l.trim() == "rust-src") {
        println!("ok: nightly rust-src");
        return Ok(());
    }
    Cmd::new("rustup").args(["component", "add", "rust-src", "--toolchain", "nightly"]).run()
}

/// The nightly toolchain with rust-src and both musl targets, and how it spells
/// immediate-abort. A nightly without `rust-std` for a musl target (not every nightly
/// has every target) borrows musl's start files and libc.a from stable's copy.
fn nightly() -> Result<(ImmediateAbort, BorrowedMusl), String> {
    nightly_source()?;

    let installed = Cmd::new("rustup")
        .args(["target", "list", "--installed", "--toolchain", "nightly"])
        .read()?;
    let mut borrowed = Vec::new();
    for target in TARGETS {
        if installed.lines().any(|l| l.trim() == target) {
            println!("ok: nightly target {target}");
            continue;
        }
        // Quietly: rustup prints a long trace when this nightly lacks the component.
        println!("$ rustup target add --toolchain nightly {target}");
        if Cmd::new("rustup").args(["target", "add", "--toolchain", "nightly", target]).succeeds() {
            continue;
        }
        let dir = sysroot("stable")?.join("lib/rustlib").join(target).join("lib/self-contained");
        if !dir.join("libc.a").is_file() {
            return Err(format!("nightly has no {target} and stable has no {}", dir.display()));
        }
        if dir.to_string_lossy().contains(char::is_whitespace) {
            return Err(format!("cannot pass {} in RUSTFLAGS: it has a space", dir.display()));
        }
        println!("nightly has no rust-std for {target}: using musl from {}", dir.display());
        borrowed.push((target, dir));
    }

    let flag = Cmd::new("rustc")
        .args(["+nightly", "-Zunstable-options", "-Cpanic=immediate-abort"])
        .args(["--print", "sysroot"])
        .succeeds();
    let abort = if flag { ImmediateAbort::PanicFlag } else { ImmediateAbort::StdFeature };
    println!("ok: nightly immediate-abort as {abort:?}");
    Ok((abort, borrowed))
}

/// Installs the rustup toolchain `name` (minimal profile) unless it is there: the
/// builds name their toolchain (`cargo +stable`), so that `cargo +nightly xtask dist`,
/// which sets RUSTUP_TOOLCHAIN for its children, still builds `release` on stable.
fn toolchain(name: &str) -> Result<(), String> {
    let list = Cmd::new("rustup").args(["toolchain", "list"]).read()?;
    if list.lines().any(|l| l.starts_with(&format!("{name}-"))) {
        println!("ok: {name} toolchain");
        return Ok(());
    }
    Cmd::new("rustup").args(["toolchain", "install", name, "--profile", "minimal"]).run()
}

fn sysroot(toolchain: &str) -> Result<PathBuf, String> {
    let out = Cmd::new("rustc").arg(format!("+{toolchain}")).args(["--print", "sysroot"]).read()?;
    Ok(PathBuf::from(out.trim()))
}

fn host_triple() -> Result<String, String> {
    let out = Cmd::new("rustc").args(["+stable", "-vV"]).read()?;
    out.lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(|h| h.trim().to_string())
        .ok_or_else(|| "rustc -vV printed no host line".to_string())
}

// ---- builds ----

/// Which build: the one that ships (stripped), or one that keeps its symbols for `nm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BuildKind {
    Dist,
    Symbols,
}

/// Builds `mptcp` for `target` in `profile` and returns the binary's path. The symbol
/// build goes to its own target directory so the two never overwrite each other.
fn build(
    root: &Path,
    tools: &Tools,
    target: &'static str,
    profile: Profile,
    kind: BuildKind,
) -> Result<PathBuf, String> {
    let mut dir = target_dir(root);
    if kind == BuildKind::Symbols {
        dir = dir.join("dist-symbols");
    }
    if let Some((_, prepared)) = tools.musl32.iter().find(|(t, _)| *t == target) {
        return build_32(root, target, prepared, &dir, kind);
    }
    let toolchain = match profile {
        Profile::Release => "+stable",
        Profile::Tiny => "+nightly",
    };
    let mut cmd = Cmd::cargo()
        .dir(root)
        .arg(toolchain)
        .args(["build", "-p", "mptcp-cli", "--target", target, "--profile", profile.name()])
        .env("CARGO_TARGET_DIR", &dir);
    if kind == BuildKind::Symbols {
        cmd = cmd.env(&format!("CARGO_PROFILE_{}_STRIP", profile.name().to_uppercase()), "false");
    }
    let gcc_driver = target == X86_64 || tools.aarch64 == Linker::CrossGcc;
    if let (X86_64, Profile::Release, Some(lld)) = (target, profile, &tools.x86_64_lld) {
        // rustc knows rust-lld by its name and calls it as `ld.lld`, with musl's own
        // start files; the RUSTFLAGS variable would drop .cargo/config.toml's flags.
        cmd = cmd
            .env("CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_LINKER", lld)
            .env("CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_RUSTFLAGS", X86_64_LLD_FLAGS);
    }
    if target == AARCH64 {
        // rustc's aarch64 musl target has no static-pie mode: the wrapper makes one.
        let linker = if profile == Profile::Release {
            let (command, flavor) = match tools.aarch64 {
                Linker::RustLld => ("rust-lld -flavor gnu", static_pie::Flavor::Ld),
                Linker::CrossGcc => (Linker::CrossGcc.program(), static_pie::Flavor::Gcc),
            };
            let wrapper = static_pie::wrapper(&dir.join("static-pie"), command, flavor)?;
            wrapper.to_string_lossy().into_owned()
        } else {
            tools.aarch64.program().to_string()
        };
        cmd = cmd.env("CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER", linker);
    }
    if profile == Profile::Tiny {
        let mut features = vec!["optimize_for_size"];
        let mut flags: Vec<String> = Vec::new();
        match tools.abort {
            ImmediateAbort::PanicFlag => {
                flags.extend(["-Zunstable-options", "-Cpanic=immediate-abort"].map(String::from));
            }
            ImmediateAbort::StdFeature => features.push("panic_immediate_abort"),
        }
        flags.extend(TINY_FLAGS.iter().map(|f| f.to_string()));
        if gcc_driver {
            flags.extend(TINY_GCC_LINK_FLAGS.iter().map(|f| f.to_string()));
        }
        if let Some((_, musl)) = tools.nightly_musl.iter().find(|(t, _)| *t == target) {
            flags.push(format!("-Lnative={}", musl.display()));
        }
        cmd = cmd
            .arg("-Zbuild-std=std,panic_abort")
            .arg(format!("-Zbuild-std-features={}", features.join(",")))
            .args(TINY_CARGO_ARGS)
            .env("RUSTFLAGS", flags.join(" "));
    }
    cmd.run()?;
    let exe = dir.join(target).join(profile.name()).join("mptcp");
    if exe.is_file() { Ok(exe) } else { Err(format!("{} was not built", exe.display())) }
}

/// Builds `mptcp` in `release` for a 32-bit target (see [`musl32`]): nightly, `core`
/// and `alloc` built from source, the edited target spec, Debian's musl.
fn build_32(
    root: &Path,
    target: &str,
    prepared: &musl32::Prepared,
    dir: &Path,
    kind: BuildKind,
) -> Result<PathBuf, String> {
    let t = musl32::find(target).ok_or_else(|| format!("{target}: no 32-bit target"))?;
    let linker = format!("CARGO_TARGET_{}_LINKER", target.to_uppercase().replace('-', "_"));
    let mut cmd = Cmd::cargo()
        .dir(root)
        .args(["+nightly", "build", "-p", "mptcp-cli", "--profile", "release", "--target"])
        .arg(&prepared.spec)
        .args(["-Zbuild-std=core,alloc", "-Zjson-target-spec"])
        .env("CARGO_TARGET_DIR", dir)
        .env(&linker, t.gcc)
        .env("RUSTFLAGS", musl32::link_flags(t, prepared).join(" "));
    if kind == BuildKind::Symbols {
        cmd = cmd.env("CARGO_PROFILE_RELEASE_STRIP", "false");
    }
    cmd.run()?;
    let exe = dir.join(target).join("release").join("mptcp");
    if exe.is_file() { Ok(exe) } else { Err(format!("{} was not built", exe.display())) }
}

/// Copies a finished binary to `<target>/dist/mptcp-<triple>[-tiny]`.
fn publish(root: &Path, exe: &Path, target: &str, profile: Profile) -> Result<PathBuf, String> {
    let dist = target_dir(root).join("dist");
    std::fs::create_dir_all(&dist).map_err(|e| format!("{}: {e}", dist.display()))?;
    let name = match profile {
        Profile::Release => format!("mptcp-{target}"),
        Profile::Tiny => format!("mptcp-{target}-tiny"),
    };
    let to = dist.join(name);
    std::fs::copy(exe, &to).map_err(|e| format!("{} -> {}: {e}", exe.display(), to.display()))?;
    Ok(to)
}

/// Cargo's target directory: `CARGO_TARGET_DIR` (relative to `root` if relative) or
/// `<root>/target`.
fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => root.join(dir),
        _ => root.join("target"),
    }
}

fn find<'a>(built: &'a [Built], target: &str, profile: Profile) -> Result<&'a Built, String> {
    built
        .iter()
        .find(|b| b.target == target && b.profile == profile)
        .ok_or_else(|| format!("no {target} {} build", profile.name()))
}

fn file_size(path: &Path) -> Result<u64, String> {
    std::fs::metadata(path).map(|m| m.len()).map_err(|e| format!("{}: {e}", path.display()))
}

// ---- tests ----

/// The conformance suite against `bin` (through a symlink named `ip`, as always).
/// Runs the conformance suite against `bin`.
pub fn conformance(root: &Path, bin: &Path) -> Result<(), String> {
    Cmd::cargo().dir(root).args(["test", "--test", "conformance"]).env("MPTCP_BIN", bin).run()
}

// ---- reports ----

fn section(title: &str) {
    println!("\n== {title} ==");
}

/// The size table: bytes, KiB, budget and verdict per binary.
fn print_sizes(built: &[Built]) {
    println!(
        "{:<28} {:<8} {:>9} {:>9} {:>10}  verdict",
        "target", "profile", "bytes", "KiB", "budget"
    );
    for b in built {
        let budget = b.profile.budget(b.target);
        let verdict = match b.over_budget() {
            Some(over) => format!("OVER by {}", kib(over)),
            None => format!("ok, {} left", kib(budget - b.size)),
        };
        println!(
            "{:<28} {:<8} {:>9} {:>9} {:>10}  {verdict}",
            b.target,
            b.profile.name(),
            group(b.size),
            format!("{:.1}", b.size as f64 / KIB as f64),
            format!("{} KiB", budget / KIB),
        );
    }
}

/// iproute2's `ip` for comparison: its size and that of the shared libraries it loads,
/// other than the C library itself (which a static `mptcp` carries inside).
fn print_ip_comparison() {
    let ip = Path::new("/usr/sbin/ip");
    let Ok(size) = file_size(ip) else {
        println!("(no {} to compare with)", ip.display());
        return;
    };
    let version = Cmd::new(ip).arg("-V").read().unwrap_or_default();
    let ldd = Cmd::new("ldd").arg(ip).read().unwrap_or_default();
    let libs = shared_libs(&ldd);
    let mut total = 0;
    let mut parts = Vec::new();
    for (name, path) in &libs {
        let lib = file_size(Path::new(path)).unwrap_or(0);
        total += lib;
        parts.push(format!("{name} {}", group(lib)));
    }
    println!(
        "\nfor comparison, {} ({}): {} bytes ({}), dynamically linked",
        ip.display(),
        version.lines().next().unwrap_or("?").trim(),
        group(size),
        kib(size)
    );
    println!(
        "  plus {} bytes ({}) of {} non-libc shared libraries: {}",
        group(total),
        kib(total),
        libs.len(),
        parts.join(", ")
    );
    println!("  = {} bytes ({}) before glibc itself", group(size + total), kib(size + total));
}

/// The `name => path` lines of `ldd` output, minus glibc's own libraries and the vDSO.
fn shared_libs(ldd: &str) -> Vec<(String, String)> {
    const GLIBC: [&str; 7] =
        ["libc.so", "libm.so", "libdl.so", "libpthread.so", "librt.so", "ld-linux", "linux-vdso"];
    ldd.lines()
        .filter_map(|l| {
            let (name, rest) = l.trim().split_once(" => ")?;
            let path = rest.split_whitespace().next()?;
            Some((name.to_string(), path.to_string()))
        })
        .filter(|(name, path)| path.starts_with('/') && !GLIBC.iter().any(|g| name.starts_with(g)))
        .collect()
}

/// `504424` as `504,424`.
pub fn group(n: u64) -> String {
    let digits = n.to_string();
    let head = match digits.len() % 3 {
        0 => 3.min(digits.len()),
        r => r,
    };
    let mut out = digits[..head].to_string();
    for chunk in digits.as_bytes()[head..].chunks(3) {
        out.push(',');
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
    }
    out
}

/// `504424` as `492.6 KiB`.
fn kib(n: u64) -> String {
    format!("{:.1} KiB", n as f64 / KIB as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(504_424), "504,424");
        assert_eq!(group(1_486_320), "1,486,320");
        assert_eq!(kib(504_424), "492.6 KiB");
    }

    #[test]
    fn budgets() {
        assert_eq!(Profile::Release.budget(ARMV7), 192_512);
        assert_eq!(Profile::Release.budget(MIPSEL), 270_336);
        assert_eq!(Profile::Release.budget(X86_64), 180_224);
        assert_eq!(Profile::Release.budget(AARCH64), 178_176);
        assert_eq!(Profile::Tiny.budget(X86_64), 110_592);
        assert_eq!(Profile::Tiny.budget(AARCH64), 110_592);
    }

    #[test]
    fn over_budget_counts_only_real_excess() {
        let b = |size| Built { target: X86_64, profile: Profile::Tiny, path: PathBuf::new(), size };
        assert_eq!(b(110_592).over_budget(), None);
        assert_eq!(b(110_593).over_budget(), Some(1));
        assert_eq!(b(100).over_budget(), None);
    }

    #[test]
    fn ldd_output_keeps_only_non_libc_libraries() {
        let ldd = "\tlinux-vdso.so.1 (0x00007ffd)\n\
                   \tlibbpf.so.1 => /lib/x86_64-linux-gnu/libbpf.so.1 (0x00007f2e)\n\
                   \tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f2e)\n\
                   \tlibmnl.so.0 => /lib/x86_64-linux-gnu/libmnl.so.0 (0x00007f2e)\n\
                   \t/lib64/ld-linux-x86-64.so.2 (0x00007f2e)\n\
                   \tlibgone.so.1 => not found\n";
        let libs = shared_libs(ldd);
        let names: Vec<&str> = libs.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["libbpf.so.1", "libmnl.so.0"]);
        assert_eq!(libs[0].1, "/lib/x86_64-linux-gnu/libbpf.so.1");
    }
}
