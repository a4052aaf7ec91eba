//! Builds `crates/firmware-demo` for bare metal and reads its flash and RAM size with llvm-size.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The bare-metal target the demo is built for (a Cortex-M4F).
pub const TARGET: &str = "thumbv7em-none-eabihf";

/// Builds the demo (`cargo build --release --target thumbv7em-none-eabihf` in its own
/// folder; it is a standalone workspace) and returns `(flash, ram)` in bytes:
/// flash = text + data, RAM = data + bss, as llvm-size counts them. The stack is not
/// included. llvm-size comes from the `llvm-tools` rustup component, else from `PATH`.
pub fn build_and_size(root: &Path) -> Result<(u64, u64), String> {
    let demo = root.join("crates").join("firmware-demo");
    let target_dir = demo_target_dir(root);
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(cargo);
    build.current_dir(&demo).args(["build", "--release", "--target", TARGET]);
    build.arg("--target-dir").arg(&target_dir);
    run(&mut build)?;

    let elf = target_dir.join(TARGET).join("release").join("firmware-demo");
    let mut size = Command::new(llvm_size()?);
    size.arg(&elf);
    let out = run(&mut size)?;
    let (text, data, bss) = parse_berkeley(&out)?;
    Ok((text + data, data + bss))
}

/// `<CARGO_TARGET_DIR or root/target>/firmware-demo`: kept apart from the workspace's
/// own artefacts, and known here so the ELF can be found.
fn demo_target_dir(root: &Path) -> PathBuf {
    let base = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() { dir } else { root.join(dir) }
        }
        _ => root.join("target"),
    };
    base.join("firmware-demo")
}

/// The llvm-size of the active toolchain's `llvm-tools` component, or `llvm-size` on
/// `PATH` when the component is missing.
fn llvm_size() -> Result<OsString, String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let sysroot = run(Command::new(&rustc).args(["--print", "sysroot"]))?;
    let version = run(Command::new(&rustc).arg("-vV"))?;
    let host = version
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .ok_or("rustc -vV printed no host line")?;
    let bundled: PathBuf =
        [sysroot.trim(), "lib", "rustlib", host.trim(), "bin", "llvm-size"].iter().collect();
    if bundled.is_file() {
        return Ok(bundled.into_os_string());
    }
    if Command::new("llvm-size").arg("--version").output().is_ok_and(|o| o.status.success()) {
        return Ok("llvm-size".into());
    }
    Err("llvm-size not found: run `rustup component add llvm-tools`".into())
}

/// Runs `cmd`, echoing it, and returns its standard output; a failure carries stderr.
fn run(cmd: &mut Command) -> Result<String, String> {
    let line = format!(
        "{} {}",
        cmd.get_program().to_string_lossy(),
        cmd.get_args().map(|a| a.to_string_lossy()).collect::<Vec<_>>().join(" ")
    );
    eprintln!("$ {line}");
    let out = cmd.output().map_err(|e| format!("{line}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{line}: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim_end()
        ));
    }
    String::from_utf8(out.stdout).map_err(|_| format!("{line}: output is not UTF-8"))
}

/// Reads `text data bss` from llvm-size's default (Berkeley) output.
fn parse_berkeley(out: &str) -> Result<(u64, u64, u64), String> {
    let bad = || format!("unexpected llvm-size output:\n{out}");
    let mut lines = out.lines();
    let header = lines.next().ok_or_else(bad)?;
    if !header.split_whitespace().take(3).eq(["text", "data", "bss"]) {
        return Err(bad());
    }
    let row = lines.next().ok_or_else(bad)?;
    let mut nums = row.split_whitespace().map(|n| n.parse::<u64>().map_err(|_| bad()));
    let mut next = || nums.next().unwrap_or_else(|| Err(bad()));
    Ok((next()?, next()?, next()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn berkeley_output_is_read() {
        let out = "   text\t   data\t    bss\t    dec\t    hex\tfilename\n   \
                   7700\t      4\t     12\t   7716\t   1e24\t/t/firmware-demo\n";
        assert_eq!(parse_berkeley(out), Ok((7700, 4, 12)));
    }

    #[test]
    fn other_output_is_refused() {
        assert!(parse_berkeley("").is_err());
        assert!(parse_berkeley("section size addr\n.text 10 0\n").is_err());
        assert!(parse_berkeley("text data bss\n1 2\n").is_err());
    }
}
