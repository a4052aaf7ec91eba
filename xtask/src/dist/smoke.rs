//! Runs a cross-built `mptcp` under qemu-user for the commands that need no kernel: version, usage and argument errors.
//!
//! qemu-user refuses `NETLINK_GENERIC` sockets, so talking to the kernel cannot be
//! tested there; every case here ends before a netlink socket is needed, except one that
//! pins that refusal. Long texts (usage) are compared with the native x86_64 build of
//! the same profile, which the conformance suite checks byte for byte.

use std::path::Path;
use std::process::{Command, Stdio};

/// The qemu-user binary for aarch64, from Debian's `qemu-user-static` (which has
/// `qemu-arm-static` and `qemu-mipsel-static` too).
pub const QEMU: &str = "qemu-aarch64-static";

/// What one stream must hold.
#[derive(Debug, Clone, Copy)]
enum Text {
    Exact(&'static str),
    /// Whatever the native x86_64 build prints for the same command.
    Native,
}

/// One acceptable result.
#[derive(Debug, Clone, Copy)]
struct Outcome {
    status: i32,
    stdout: Text,
    stderr: Text,
}

/// A command line: the name it is called by (`ip` or `mptcp`) and its arguments.
struct Case {
    argv0: &'static str,
    args: &'static [&'static str],
    /// Any of these passes.
    expect: &'static [Outcome],
}

const fn native(status: i32) -> Outcome {
    Outcome { status, stdout: Text::Native, stderr: Text::Native }
}

const fn error(status: i32, stderr: &'static str) -> Outcome {
    Outcome { status, stdout: Text::Exact(""), stderr: Text::Exact(stderr) }
}

const CASES: &[Case] = &[
    Case { argv0: "mptcp", args: &["-V"], expect: &[native(0)] },
    Case {
        argv0: "ip",
        args: &["-V"],
        expect: &[Outcome {
            status: 0,
            stdout: Text::Exact("ip utility, iproute2-7.1.0\n"),
            stderr: Text::Exact(""),
        }],
    },
    // Under the plain name, help is asked for: the usage on stdout, status 0.
    Case { argv0: "mptcp", args: &["help"], expect: &[native(0)] },
    Case { argv0: "ip", args: &["help"], expect: &[native(255)] },
    Case { argv0: "ip", args: &["mptcp"], expect: &[native(255)] },
    Case { argv0: "ip", args: &["mptcp", "help"], expect: &[native(255)] },
    Case {
        argv0: "ip",
        args: &["-foo", "mptcp"],
        expect: &[error(255, "Option \"-foo\" is unknown, try \"ip -help\".\n")],
    },
    Case {
        argv0: "ip",
        args: &["foo"],
        expect: &[error(1, "Object \"foo\" is unknown, try \"ip help\".\n")],
    },
    Case { argv0: "ip", args: &["-b"], expect: &[native(255)] },
    Case {
        argv0: "ip",
        args: &["-b", "/nonexistent/dist-smoke"],
        expect: &[error(
            1,
            "Cannot open file \"/nonexistent/dist-smoke\" for reading: No such file or directory\n",
        )],
    },
    Case {
        argv0: "ip",
        args: &["-n", "dist-smoke-no-such-ns", "mptcp", "endpoint", "show"],
        expect: &[error(
            255,
            "Cannot open network namespace \"dist-smoke-no-such-ns\": No such file or directory\n",
        )],
    },
    // Like iproute2, the generic netlink socket opens before the endpoint words are
    // read, so under qemu this ends at the socket; a qemu that allowed the socket would
    // reach the parse error instead.
    Case {
        argv0: "ip",
        args: &["mptcp", "endpoint", "add", "10.0.0.1", "id", "256"],
        expect: &[
            error(1, "Cannot open generic netlink socket\n"),
            error(255, "Error: argument \"256\" is wrong: invalid ID\n\n"),
        ],
    },
];

/// What a run printed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Output {
    status: i32,
    stdout: String,
    stderr: String,
}

impl Outcome {
    fn accepts(&self, got: &Output, native: Option<&Output>) -> bool {
        let same = |want: Text, got: &str, native: Option<&str>| match want {
            Text::Exact(s) => got == s,
            Text::Native => native == Some(got),
        };
        self.status == got.status
            && same(self.stdout, &got.stdout, native.map(|n| n.stdout.as_str()))
            && same(self.stderr, &got.stderr, native.map(|n| n.stderr.as_str()))
    }
}

/// Runs every case on `guest` under `qemu` (qemu-user; through links named `ip` and `mptcp` in
/// `dir`), comparing with `native` where a case asks for it.
pub fn run(qemu: &str, guest: &Path, native: &Path, dir: &Path) -> Result<(), String> {
    let guest_dir = dir.join("guest");
    let native_dir = dir.join("native");
    links(&guest_dir, guest)?;
    links(&native_dir, native)?;
    let version = command(qemu).arg("--version").output().map_err(|e| format!("{qemu}: {e}"))?;
    let version = String::from_utf8_lossy(&version.stdout);
    println!("{}", version.lines().next().unwrap_or(qemu));

    let mut failed = Vec::new();
    for case in CASES {
        let line = format!("{} {}", case.argv0, case.args.join(" "));
        let wants_native = case
            .expect
            .iter()
            .any(|o| matches!(o.stdout, Text::Native) || matches!(o.stderr, Text::Native));
        let native_out = if wants_native {
            Some(capture(command(native_dir.join(case.argv0)).args(case.args))?)
        } else {
            None
        };
        let got = capture(command(qemu).arg(guest_dir.join(case.argv0)).args(case.args))?;
        if case.expect.iter().any(|o| o.accepts(&got, native_out.as_ref())) {
            println!("ok    {line:<58} status {}", got.status);
        } else {
            println!("FAIL  {line}");
            println!(
                "      status {}, stdout {:?}, stderr {:?}",
                got.status, got.stdout, got.stderr
            );
            if let Some(n) = &native_out {
                println!(
                    "      native: status {}, stdout {:?}, stderr {:?}",
                    n.status, n.stdout, n.stderr
                );
            }
            failed.push(line);
        }
    }
    println!("qemu: {} of {} cases as expected", CASES.len() - failed.len(), CASES.len());
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("under qemu, {} failed: {}", guest.display(), failed.join("; ")))
    }
}

/// `dir/ip` and `dir/mptcp`, both links to `bin`.
fn links(dir: &Path, bin: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let bin = bin.canonicalize().map_err(|e| format!("{}: {e}", bin.display()))?;
    for name in ["ip", "mptcp"] {
        let link = dir.join(name);
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&bin, &link)
            .map_err(|e| format!("{} -> {}: {e}", link.display(), bin.display()))?;
    }
    Ok(())
}

/// A command with the C locale and no standard input, as the conformance suite runs.
fn command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = Command::new(program);
    cmd.env("LC_ALL", "C").stdin(Stdio::null());
    cmd
}

fn capture(cmd: &mut Command) -> Result<Output, String> {
    let shown = format!("{cmd:?}");
    let out = cmd.output().map_err(|e| format!("{shown}: {e}"))?;
    let status = out.status.code().ok_or_else(|| format!("{shown}: killed ({})", out.status))?;
    Ok(Output {
        status,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(status: i32, stdout: &str, stderr: &str) -> Output {
        Output { status, stdout: stdout.into(), stderr: stderr.into() }
    }

    #[test]
    fn exact_outcomes_compare_every_byte() {
        let want = error(1, "Object \"foo\" is unknown, try \"ip help\".\n");
        assert!(want.accepts(&out(1, "", "Object \"foo\" is unknown, try \"ip help\".\n"), None));
        assert!(!want.accepts(&out(1, "", "Object \"foo\" is unknown, try \"ip help\"."), None));
        assert!(
            !want.accepts(&out(255, "", "Object \"foo\" is unknown, try \"ip help\".\n"), None)
        );
        assert!(!want.accepts(&out(1, "x", "Object \"foo\" is unknown, try \"ip help\".\n"), None));
    }

    #[test]
    fn native_outcomes_need_the_native_run() {
        let want = native(255);
        let usage = out(255, "", "Usage: ...\n");
        assert!(want.accepts(&usage, Some(&usage)));
        assert!(!want.accepts(&usage, None));
        assert!(!want.accepts(&usage, Some(&out(255, "", "Usage: other\n"))));
    }

    #[test]
    fn every_case_is_well_formed() {
        for case in CASES {
            assert!(matches!(case.argv0, "ip" | "mptcp"));
            assert!(!case.expect.is_empty());
        }
    }
}
