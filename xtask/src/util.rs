//! Running commands with a printed command line, and small helpers shared by the tasks.

pub mod apt;

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Every task fails with a message for the user.
pub type Result<T = ()> = std::result::Result<T, String>;

/// The workspace root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// Cargo's target directory: `CARGO_TARGET_DIR` (absolute) or `<root>/target`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                std::env::current_dir().unwrap_or_else(|_| root()).join(dir)
            }
        }
        _ => root().join("target"),
    }
}

/// Whether the CI environment variable is set (CI runs are timed and non-interactive).
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

/// Whether `name` is an executable on `PATH` (or in the sbin directories root uses).
pub fn on_path(name: &str) -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let extra = ["/usr/sbin", "/sbin", "/usr/local/sbin"].map(PathBuf::from);
    std::env::split_paths(&path).chain(extra).any(|dir| is_executable(&dir.join(name)))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// `1.2 s`, `3 min 04 s`.
pub fn fmt_duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 60.0 {
        format!("{s:.1} s")
    } else {
        format!("{} min {:02} s", d.as_secs() / 60, d.as_secs() % 60)
    }
}

/// A command that prints itself (`$ cargo test ...`) before it runs.
pub struct Cmd {
    inner: Command,
    line: String,
}

impl Cmd {
    /// A command running `prog` in the workspace root.
    pub fn new(prog: impl AsRef<OsStr>) -> Self {
        let prog = prog.as_ref();
        let mut inner = Command::new(prog);
        inner.current_dir(root());
        Cmd { inner, line: prog.to_string_lossy().into_owned() }
    }

    /// A command running `prog`, printed as `shown` (e.g. a long path as its short name).
    pub fn new_as(prog: impl AsRef<OsStr>, shown: &str) -> Self {
        let mut c = Cmd::new(prog);
        c.line = shown.to_string();
        c
    }

    /// `cargo` from `PATH` (the rustup proxy, so `+nightly` works), with incremental
    /// builds off in CI (fresh clones gain nothing from them).
    pub fn cargo() -> Self {
        let mut c = Cmd::new("cargo");
        if in_ci() {
            c.inner.env("CARGO_INCREMENTAL", "0");
        }
        c
    }

    /// Appends one argument.
    pub fn arg(mut self, a: impl AsRef<OsStr>) -> Self {
        let a = a.as_ref();
        let s = a.to_string_lossy();
        if s.is_empty() || s.contains(|c: char| c.is_whitespace() || c == '"' || c == '\'') {
            let _ = write!(self.line, " '{s}'");
        } else {
            let _ = write!(self.line, " {s}");
        }
        self.inner.arg(a);
        self
    }

    /// Appends several arguments.
    pub fn args<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(self, args: I) -> Self {
        args.into_iter().fold(self, Cmd::arg)
    }

    /// Sets an environment variable (shown in the printed line).
    pub fn env(mut self, key: &str, val: impl AsRef<OsStr>) -> Self {
        let shown = val.as_ref().to_string_lossy().into_owned();
        self.line = format!("{key}={shown} {}", self.line);
        self.inner.env(key, val);
        self
    }

    /// Runs in `dir` instead of the workspace root.
    pub fn dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.inner.current_dir(dir);
        self
    }

    /// Prints the command line, runs it with inherited stdio and fails unless it exits 0.
    pub fn run(mut self) -> Result {
        println!("$ {}", self.line);
        let status =
            self.inner.status().map_err(|e| format!("{}: cannot start: {e}", self.line))?;
        if status.success() { Ok(()) } else { Err(format!("`{}` failed ({status})", self.line)) }
    }

    /// Runs silently; true when it started and exited 0.
    pub fn succeeds(mut self) -> bool {
        self.inner.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
        self.inner.status().is_ok_and(|s| s.success())
    }

    /// Runs silently and returns stdout; fails (with stderr) unless it exits 0.
    pub fn read(mut self) -> Result<String> {
        let out = self
            .inner
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("{}: cannot start: {e}", self.line))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            let err = String::from_utf8_lossy(&out.stderr);
            Err(format!("`{}` failed ({}): {}", self.line, out.status, err.trim()))
        }
    }

    /// Prints the command line, runs it with stdin closed and returns what it printed and
    /// whether it exited 0 (a failure is not an error here: the caller judges it).
    pub fn output(mut self) -> Result<Output> {
        println!("$ {}", self.line);
        let out = self
            .inner
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("{}: cannot start: {e}", self.line))?;
        Ok(Output {
            ok: out.status.success(),
            status: out.status.to_string(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }

    /// Like [`Cmd::output`], without printing the command line.
    pub fn output_quiet(mut self) -> Result<Output> {
        let out = self
            .inner
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("{}: cannot start: {e}", self.line))?;
        Ok(Output {
            ok: out.status.success(),
            status: out.status.to_string(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }

    /// Prints the command line and starts it in the background with the given stdout.
    pub fn spawn(mut self, stdout: Stdio) -> Result<Child> {
        println!("$ {} &", self.line);
        self.inner
            .stdin(Stdio::null())
            .stdout(stdout)
            .spawn()
            .map_err(|e| format!("{}: cannot start: {e}", self.line))
    }

    /// Prints the command line and starts it with stdout inherited and stderr piped.
    pub fn spawn_piped_stderr(mut self) -> Result<Child> {
        println!("$ {}", self.line);
        self.inner
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("{}: cannot start: {e}", self.line))
    }

    /// Prints the command line, runs it with its output discarded and fails (with the
    /// end of its stderr) unless it exits 0.
    pub fn run_quiet(mut self) -> Result {
        println!("$ {}", self.line);
        let out = self
            .inner
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("{}: cannot start: {e}", self.line))?;
        if out.status.success() {
            return Ok(());
        }
        let err = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = err.lines().rev().take(20).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        Err(format!("`{}` failed ({}):\n{}", self.line, out.status, tail.join("\n")))
    }

    /// Starts it silently in the background, all stdio closed.
    pub fn spawn_quiet(mut self) -> Result<Child> {
        self.inner
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("{}: cannot start: {e}", self.line))
    }
}

/// What a command printed, and how it ended.
pub struct Output {
    pub ok: bool,
    pub status: String,
    pub stdout: String,
    pub stderr: String,
}

/// Waits for `child` up to `limit`; true if it exited (successfully or not) in time.
pub fn wait_for(child: &mut Child, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Ok(Some(_)) = child.try_wait() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// Stops `child`: `signal` first (e.g. `INT`, so it can flush and clean up), SIGKILL
/// after `grace`.
pub fn stop(child: &mut Child, signal: &str, grace: Duration) {
    if let Ok(Some(_)) = child.try_wait() {
        return;
    }
    let _ = Cmd::new("kill").arg(format!("-{signal}")).arg(child.id().to_string()).succeeds();
    if !wait_for(child, grace) {
        let _ = child.kill();
        let _ = child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_well() {
        assert_eq!(fmt_duration(Duration::from_millis(1234)), "1.2 s");
        assert_eq!(fmt_duration(Duration::from_secs(184)), "3 min 04 s");
    }

    #[test]
    fn lines_quote_odd_arguments() {
        let c = Cmd::new("echo").args(["a b", "", "c"]).env("X", "1");
        assert_eq!(c.line, "X=1 echo 'a b' '' c");
    }

    #[test]
    fn root_holds_the_workspace() {
        assert!(root().join("Cargo.toml").is_file());
        assert!(root().join("xtask").is_dir());
    }
}
