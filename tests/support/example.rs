//! [`Running`]: a library example (or any program) running in a namespace, whose output
//! lines a test can wait for while it acts on the kernel.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::lines::Lines;
use crate::{Netns, workspace};

/// The built example program `name`: `$MPTCP_EXAMPLES/NAME`, else the debug build's
/// `examples/` folder (`cargo build --examples -p mptcp-netlink -p mptcp-pm-wire`), else
/// the debug build's own binaries (`tokio-events`, a package of its own). Panics when
/// it is missing: the tests must run, not skip.
pub fn example_bin(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target"));
    let mut places = Vec::new();
    if let Some(dir) = std::env::var_os("MPTCP_EXAMPLES") {
        places.push(PathBuf::from(dir).join(name));
    }
    places.push(target.join("debug").join("examples").join(name));
    places.push(target.join("debug").join(name));
    places.iter().find(|p| p.is_file()).cloned().unwrap_or_else(|| {
        panic!(
            "example {name} is not built (looked at {places:?}): run `cargo build --examples \
             -p mptcp-netlink -p mptcp-pm-wire` and `cargo build --manifest-path \
             examples/tokio-events/Cargo.toml --target-dir target` first"
        )
    })
}

/// A program started inside a namespace with its stdout read line by line.
#[derive(Debug)]
pub struct Running {
    child: Child,
    lines: Lines,
    stdin: Option<ChildStdin>,
}

impl Running {
    /// Starts `program args` inside `ns` (`ip netns exec`), stdin a pipe, stderr
    /// inherited (so a failing example's message shows in the test output).
    pub fn start(ns: &Netns, program: &PathBuf, args: &[&str]) -> Running {
        let mut child = Command::new("ip")
            .args(["netns", "exec", ns.name()])
            .arg(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
        let lines = Lines::read(child.stdout.take().expect("stdout is piped"));
        let stdin = child.stdin.take();
        Running { child, lines, stdin }
    }

    /// Waits up to `timeout` for a line for which `want` holds and returns it; panics
    /// with everything printed so far otherwise.
    pub fn wait_for(&mut self, timeout: Duration, want: impl Fn(&str) -> bool) -> String {
        self.lines.wait_for(timeout, want)
    }

    /// Sends `signal` to the program.
    pub fn signal(&self, signal: i32) {
        let _ = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status();
    }

    /// Every line read so far (after [`Running::wait_for`] calls).
    pub fn printed(&mut self) -> &[String] {
        self.lines.printed()
    }

    /// Closes the program's standard input.
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Waits up to `timeout` for the program to exit and returns its status code and
    /// every line it printed. Kills it and panics if it does not exit in time.
    pub fn finish(mut self, timeout: Duration) -> (i32, Vec<String>) {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for the example") {
                // Killed by a signal: minus its number, so that a failure names it.
                let code = status.code().unwrap_or_else(|| {
                    -std::os::unix::process::ExitStatusExt::signal(&status).unwrap_or(1)
                });
                return (code, self.lines.finish());
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("still running after {timeout:?}; printed:\n{}", self.lines.joined());
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
