//! Answers when they are due: stdout is buffered as iproute2 7.1's glibc stdio buffers
//! it (by lines on a terminal, by blocks on a pipe or file, and flushed after each JSON
//! document), and `-j monitor`'s opening `[` goes out only with the first event or at a
//! clean exit. Each test runs the binary through a symlink named `ip` in a throw-away
//! namespace; every read has a timeout, so a hang fails instead of blocking.

use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use mptcp_stack::Netns;

/// How long an answer that is due may take.
const DUE: Duration = Duration::from_secs(5);

/// A directory with a symlink named `ip` to the binary under test, removed on drop.
struct Ip(PathBuf);

impl Ip {
    fn new(tag: &str) -> Ip {
        let dir = std::env::temp_dir().join(format!("flush-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::os::unix::fs::symlink(mptcp_stack::mptcp_bin(), dir.join("ip")).unwrap();
        Ip(dir)
    }

    fn cmd(&self, ns: &Netns, args: &[&str]) -> Command {
        let mut c = Command::new(self.0.join("ip"));
        c.arg("-n").arg(ns.name()).args(args).env("LC_ALL", "C");
        c
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Ip {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Everything read from `r`, chunk by chunk, on a thread of its own.
fn chunks(mut r: impl Read + Send + 'static) -> Receiver<Vec<u8>> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        loop {
            match r.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if tx.send(buf[..n].to_vec()).is_err() {
                        break;
                    }
                }
            }
        }
    });
    rx
}

/// Reads from `rx` until what came holds `want` (then returns it all), failing after
/// [`DUE`].
fn read_until(rx: &Receiver<Vec<u8>>, got: &mut Vec<u8>, want: &str) -> String {
    let end = Instant::now() + DUE;
    while !String::from_utf8_lossy(got).contains(want) {
        let left = end.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(c) => got.extend_from_slice(&c),
            Err(_) => panic!("no {want:?} within {DUE:?}; got {:?}", String::from_utf8_lossy(got)),
        }
    }
    String::from_utf8_lossy(&std::mem::take(got)).into_owned()
}

/// Waits for `child` to end, killing it after [`DUE`].
fn finish(mut child: Child) -> std::process::ExitStatus {
    let end = Instant::now() + DUE;
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            return st;
        }
        if Instant::now() > end {
            let _ = child.kill();
            panic!("the process did not end within {DUE:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn json_batch_over_pipes_answers_each_line_before_the_next() {
    let ns = Netns::new("flush-pipe");
    let ip = Ip::new("pipe");
    let mut child = ip
        .cmd(&ns, &["-j", "-batch", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let out = chunks(child.stdout.take().unwrap());
    let mut got = Vec::new();
    writeln!(stdin, "mptcp endpoint show").unwrap();
    assert_eq!(read_until(&out, &mut got, "]\n"), "[]\n");
    writeln!(stdin, "mptcp endpoint add 10.0.0.1 id 1 signal").unwrap();
    writeln!(stdin, "mptcp endpoint show").unwrap();
    assert_eq!(
        read_until(&out, &mut got, "]\n"),
        "[{\"address\":\"10.0.0.1\",\"id\":1,\"signal\":true}]\n"
    );
    writeln!(stdin, "mptcp endpoint show id 1").unwrap();
    assert_eq!(
        read_until(&out, &mut got, "]\n"),
        "[{\"address\":\"10.0.0.1\",\"id\":1,\"signal\":true}]\n"
    );
    drop(stdin);
    assert!(finish(child).success());
}

#[test]
fn text_batch_over_a_pipe_waits_for_a_block_as_ip_does() {
    // Without -j nothing flushes a line on a pipe: glibc holds `ip`'s text until its
    // 4096-byte block fills or the process ends, and so do we.
    let ns = Netns::new("flush-text");
    let ip = Ip::new("text");
    let mut child =
        ip.cmd(&ns, &["-batch", "-"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let out = chunks(child.stdout.take().unwrap());
    writeln!(stdin, "mptcp limits show").unwrap();
    // The line was read and answered (the limits change below shows it) but not written.
    writeln!(stdin, "mptcp limits set subflows 3").unwrap();
    writeln!(stdin, "mptcp limits show").unwrap();
    let end = Instant::now() + DUE;
    while !ns.exec(&["ip", "mptcp", "limits", "show"]).stdout_text().contains("subflows 3") {
        assert!(Instant::now() < end, "the batch did not run its lines");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(out.try_recv().is_err(), "text was written before the block filled");
    drop(stdin);
    let mut got = Vec::new();
    assert_eq!(
        read_until(&out, &mut got, "subflows 3 \n"),
        "add_addr_accepted 0 subflows 2 \nadd_addr_accepted 0 subflows 3 \n"
    );
    assert!(finish(child).success());
}

/// A pseudo-terminal pair (master, slave).
fn openpty() -> (OwnedFd, OwnedFd) {
    let (mut master, mut slave) = (-1, -1);
    // SAFETY: both out-pointers are valid; name, termios and winsize may be null.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: openpty returned two new descriptors that nothing else owns.
    unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) }
}

#[test]
fn batch_on_a_terminal_prints_line_by_line() {
    let ns = Netns::new("flush-pty");
    let ip = Ip::new("pty");
    let (master, slave) = openpty();
    let mut child = ip
        .cmd(&ns, &["-batch", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::from(slave))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let out = chunks(std::fs::File::from(master));
    let mut got = Vec::new();
    // The terminal turns each `\n` into `\r\n`.
    writeln!(stdin, "mptcp limits show").unwrap();
    assert_eq!(read_until(&out, &mut got, "\n"), "add_addr_accepted 0 subflows 2 \r\n");
    writeln!(stdin, "mptcp endpoint add 10.0.0.2 id 4 subflow").unwrap();
    writeln!(stdin, "mptcp endpoint show").unwrap();
    assert_eq!(read_until(&out, &mut got, "\n"), "10.0.0.2 id 4 subflow \r\n");
    drop(stdin);
    assert!(finish(child).success());
}

/// Starts `ip -n NS [-p] -j mptcp monitor` with stdout on a pipe, and gives it time to
/// subscribe.
fn monitor(ip: &Ip, ns: &Netns, pretty: bool) -> (Child, Receiver<Vec<u8>>) {
    let args: &[&str] =
        if pretty { &["-j", "-p", "mptcp", "monitor"] } else { &["-j", "mptcp", "monitor"] };
    let mut child = ip.cmd(ns, args).stdout(Stdio::piped()).spawn().unwrap();
    let out = chunks(child.stdout.take().unwrap());
    std::thread::sleep(Duration::from_millis(300));
    (child, out)
}

/// Everything the process printed by its end.
fn rest(out: &Receiver<Vec<u8>>) -> String {
    let mut all = Vec::new();
    while let Ok(c) = out.recv_timeout(DUE) {
        all.extend_from_slice(&c);
    }
    String::from_utf8_lossy(&all).into_owned()
}

#[test]
fn json_monitor_opens_its_array_with_the_first_event_or_a_clean_exit() {
    use std::os::unix::process::ExitStatusExt;
    let ns = Netns::new("flush-mon");
    let ip = Ip::new("mon");
    // Killed before any event: nothing, as `ip`'s `[` dies in stdio's buffer.
    for signal in [libc::SIGHUP, libc::SIGKILL] {
        let (child, out) = monitor(&ip, &ns, false);
        // SAFETY: kill(2) on the child's pid.
        assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
        let st = finish(child);
        assert_eq!(st.signal(), Some(signal));
        assert_eq!(rest(&out), "", "signal {signal}");
    }
    // Stopped cleanly before any event: the whole empty array.
    for (signal, pretty, want) in [(libc::SIGINT, false, "[]\n"), (libc::SIGTERM, true, "[ ]\n")] {
        let (child, out) = monitor(&ip, &ns, pretty);
        // SAFETY: kill(2) on the child's pid.
        assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
        assert_eq!(finish(child).code(), Some(0));
        assert_eq!(rest(&out), want, "signal {signal}");
    }
    // An event: the `[` comes with it, at once; the closing at the stop.
    let (child, out) = monitor(&ip, &ns, false);
    let add = ["mptcp", "endpoint", "add", "127.0.0.1", "port", "10100", "signal"];
    assert!(ip.cmd(&ns, &add).status().unwrap().success());
    let mut got = Vec::new();
    assert_eq!(
        read_until(&out, &mut got, "}"),
        "[{\"event\":\"LISTENER_CREATED\",\"saddr4\":\"127.0.0.1\",\"sport\":10100}"
    );
    // SAFETY: kill(2) on the child's pid.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    assert_eq!(finish(child).code(), Some(0));
    assert_eq!(rest(&out), "]\n");
}

#[test]
fn json_batch_with_a_failing_line_keeps_the_order_in_one_file() {
    let ns = Netns::new("flush-order");
    let ip = Ip::new("order");
    let file = ip.path().join("out");
    let both = std::fs::File::create(&file).unwrap();
    let mut child = ip
        .cmd(&ns, &["-j", "-force", "-batch", "-"])
        .stdin(Stdio::piped())
        .stdout(both.try_clone().unwrap())
        .stderr(both)
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(b"mptcp endpoint add 10.0.0.1 id 1 signal\nmptcp endpoint show\nmptcp endpoint delete id 7\nmptcp endpoint show id 1\n")
        .unwrap();
    drop(stdin);
    assert_eq!(finish(child).code(), Some(1));
    let doc = "[{\"address\":\"10.0.0.1\",\"id\":1,\"signal\":true}]\n";
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        format!("{doc}Error: address not found.\nCommand failed -:3\n{doc}")
    );
    // Text is not a JSON document: as in `ip`, it waits in the buffer, so the message of
    // the failed line comes first.
    let both = std::fs::File::create(&file).unwrap();
    let mut child = ip
        .cmd(&ns, &["-force", "-batch", "-"])
        .stdin(Stdio::piped())
        .stdout(both.try_clone().unwrap())
        .stderr(both)
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"mptcp endpoint show\nmptcp endpoint delete id 7\n").unwrap();
    drop(stdin);
    assert_eq!(finish(child).code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "Error: address not found.\nCommand failed -:2\n10.0.0.1 id 1 signal \n"
    );
}
