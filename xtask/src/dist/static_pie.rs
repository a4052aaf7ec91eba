//! A linker wrapper that makes a static-pie where rustc's target has no static-pie mode.
//!
//! rustc links a static musl executable as a static-pie only where the target's spec
//! says it can (`static-position-independent-executables`: x86_64 alone among the musl
//! targets we ship); elsewhere it asks for a fixed-address executable, although the code
//! is already position-independent (the musl targets' relocation model is `pic`). The
//! wrapper turns that link into the one rustc makes for x86_64: musl's self-relocating
//! start file `rcrt1.o` and the `S` variants of crtbegin/crtend in place of the
//! fixed-address ones, and `-static -pie --no-dynamic-linker -z text` for an `ld`-style
//! linker (`-static-pie` for a gcc driver, without `-no-pie`). `-z text` makes the link
//! fail rather than leave a relocation in code. `cargo xtask dist` then checks the result
//! like every release binary ([`super::hardening`]).

use std::path::{Path, PathBuf};

/// How the wrapped linker takes its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// `ld.lld`-style (rust-lld): raw linker flags.
    Ld,
    /// A gcc driver (Debian's cross gcc).
    Gcc,
}

/// Writes (or rewrites) the wrapper for `linker` into `dir` and returns its path; the
/// build names it as the target's linker. `linker` is the command the wrapper runs, words
/// separated by spaces (`rust-lld -flavor gnu`: rustc names the flavor itself only when
/// it calls rust-lld by that name).
pub fn wrapper(dir: &Path, linker: &str, flavor: Flavor) -> Result<PathBuf, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let name = match flavor {
        Flavor::Ld => "static-pie-ld",
        Flavor::Gcc => "static-pie-gcc",
    };
    let path = dir.join(name);
    std::fs::write(&path, script(linker, flavor))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(path)
}

/// The wrapper's text: a POSIX shell script that rewrites its arguments in place.
fn script(linker: &str, flavor: Flavor) -> String {
    let static_flags = match flavor {
        Flavor::Ld => "-static -pie --no-dynamic-linker -z text",
        Flavor::Gcc => "-static-pie",
    };
    format!(
        "#!/bin/sh\n\
         # Written by `cargo xtask dist` (xtask/src/dist/static_pie.rs): links a static-pie.\n\
         for a do\n\
         \tshift\n\
         \tcase $a in\n\
         \t*/crt1.o) a=${{a%crt1.o}}rcrt1.o ;;\n\
         \t*/crtbegin.o) a=${{a%crtbegin.o}}crtbeginS.o ;;\n\
         \t*/crtend.o) a=${{a%crtend.o}}crtendS.o ;;\n\
         \t-no-pie) continue ;;\n\
         \t-static) set -- \"$@\" {static_flags}; continue ;;\n\
         \tesac\n\
         \tset -- \"$@\" \"$a\"\n\
         done\n\
         exec {linker} \"$@\"\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// Runs the wrapper with `echo` standing in for the linker: the arguments it would pass.
    fn rewritten(flavor: Flavor, args: &[&str]) -> Vec<String> {
        let dir =
            std::env::temp_dir().join(format!("static-pie-{}-{flavor:?}", std::process::id()));
        let path = wrapper(&dir, "/bin/echo", flavor).unwrap();
        let out = Command::new(&path).args(args).output().unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap().split_whitespace().map(String::from).collect()
    }

    #[test]
    fn start_files_and_link_mode_become_static_pie() {
        let args =
            ["-static", "/sc/crt1.o", "/sc/crti.o", "/sc/crtbegin.o", "a b.o", "/sc/crtend.o"];
        assert_eq!(
            rewritten(Flavor::Ld, &args),
            [
                "-static",
                "-pie",
                "--no-dynamic-linker",
                "-z",
                "text",
                "/sc/rcrt1.o",
                "/sc/crti.o",
                "/sc/crtbeginS.o",
                "a",
                "b.o",
                "/sc/crtendS.o"
            ]
        );
        let gcc = rewritten(Flavor::Gcc, &["-static", "-no-pie", "/x/crt1.o"]);
        assert_eq!(gcc, ["-static-pie", "/x/rcrt1.o"]);
    }
}
