//! [`Running`]: a library example (or any program) running in a namespace, whose output
//! lines a test can wait for while it acts on the kernel.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

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
    lines: Receiver<String>,
    seen: Vec<String>,
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
        let out = child.stdout.take().expect("stdout is piped");
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let stdin = child.stdin.take();
        Running { child, lines, seen: Vec::new(), stdin }
    }

    /// Waits up to `timeout` for a line for which `want` holds and returns it; panics
    /// with everything printed so far otherwise.
    pub fn wait_for(&mut self, timeout: Duration, want: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + timeout;
        if let Some(l) = self.seen.iter().find(|l| want(l)) {
            return l.clone();
        }
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if want(&line) {
                        return line;
                    }
                }
                Err(_) => break,
            }
        }
        panic!("no such line within {timeout:?}; printed so far:\n{}", self.seen.join("\n"))
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
        while let Ok(line) = self.lines.try_recv() {
            self.seen.push(line);
        }
        &self.seen
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
                // The reader thread ends at end of file; take what is left.
                while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(500)) {
                    self.seen.push(line);
                }
                // Killed by a signal: minus its number, so that a failure names it.
                let code = status.code().unwrap_or_else(|| {
                    -std::os::unix::process::ExitStatusExt::signal(&status).unwrap_or(1)
                });
                return (code, std::mem::take(&mut self.seen));
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("still running after {timeout:?}; printed:\n{}", self.seen.join("\n"));
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
