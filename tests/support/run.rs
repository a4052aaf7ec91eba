//! Running a command to completion with its stdout, stderr and exit status captured,
//! stdin from /dev/null, and a deadline after which its whole process group is killed.

use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// What a command printed and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captured {
    /// Everything written to stdout.
    pub stdout: Vec<u8>,
    /// Everything written to stderr.
    pub stderr: Vec<u8>,
    /// The exit status; `128 + N` when killed by signal N (as a shell reports it), and
    /// -1 when the deadline passed.
    pub status: i32,
}

impl Captured {
    /// stdout as text (invalid UTF-8 replaced).
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// stderr as text (invalid UTF-8 replaced).
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// The deadline [`bash`] gives a script.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs `script` with `bash -c`, `LC_ALL=C`, stdin from /dev/null, stdout and stderr
/// piped, killed (with everything it started in its process group) after 60 s.
pub fn bash(script: &str) -> Captured {
    let mut cmd = Command::new("bash");
    cmd.args(["-c", script]).env("LC_ALL", "C");
    capture(&mut cmd, DEFAULT_TIMEOUT)
}

/// Runs `cmd` in a process group of its own with stdin from /dev/null and stdout and
/// stderr captured; kills the group when `timeout` passes. Panics if it cannot start.
pub fn capture(cmd: &mut Command, timeout: Duration) -> Captured {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let out = drain(child.stdout.take());
    let err = drain(child.stderr.take());
    let status = wait(&mut child, timeout, || out.is_finished() && err.is_finished());
    // After a timeout a process outside the group may still hold a pipe: give it 2 s,
    // then leave its reader behind rather than hang.
    let late = Instant::now() + Duration::from_secs(2);
    let collect = |h: thread::JoinHandle<Vec<u8>>| {
        while !h.is_finished() && Instant::now() < late {
            thread::sleep(Duration::from_millis(5));
        }
        if h.is_finished() { h.join().unwrap_or_default() } else { Vec::new() }
    };
    Captured { stdout: collect(out), stderr: collect(err), status }
}

/// Reads a pipe to its end on a thread of its own.
fn drain(pipe: Option<impl Read + Send + 'static>) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut buf);
        }
        buf
    })
}

/// Waits until `child` has exited and `drained()` (both pipes at their end: a process
/// left in the background may still hold them), or until `timeout`, when the child's
/// process group is killed. Returns the exit status, -1 after a timeout.
fn wait(child: &mut Child, timeout: Duration, drained: impl Fn() -> bool) -> i32 {
    let deadline = Instant::now() + timeout;
    let mut status = None;
    while Instant::now() < deadline {
        if status.is_none()
            && let Ok(Some(st)) = child.try_wait()
        {
            status = Some(st.code().or(st.signal().map(|s| 128 + s)).unwrap_or(-1));
        }
        if let Some(st) = status.filter(|_| drained()) {
            return st;
        }
        thread::sleep(Duration::from_millis(5));
    }
    let pgid = child.id() as libc::pid_t;
    // SAFETY: kill(2) has no memory effects. The target is the process group the child
    // leads (`process_group(0)`); if the child is already reaped, the id stays that
    // group's as long as any member lives, which is why we are still waiting.
    unsafe { libc::kill(-pgid, libc::SIGKILL) };
    let _ = child.wait();
    -1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_both_streams_and_status() {
        let c = bash("printf 'a\\n'; printf 'b' >&2; exit 3");
        assert_eq!(
            (c.stdout.as_slice(), c.stderr.as_slice(), c.status),
            (&b"a\n"[..], &b"b"[..], 3)
        );
    }

    #[test]
    fn stdin_is_empty_and_locale_is_c() {
        let c = bash("cat; echo \"$LC_ALL\"");
        assert_eq!(c.stdout_text(), "C\n");
    }

    #[test]
    fn a_hung_command_and_its_children_are_killed() {
        let t = Instant::now();
        let c = capture(
            Command::new("bash").args(["-c", "sleep 30 & sleep 30"]),
            Duration::from_millis(300),
        );
        assert_eq!(c.status, -1);
        // The background sleep held the pipes too: reaching here means it died as well.
        assert!(t.elapsed() < Duration::from_secs(10));
    }
}
