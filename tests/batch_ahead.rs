//! `-force -batch` sends the requests of consecutive one-request lines together: the
//! output must stay what `ip` prints line by line, and the requests must really share
//! datagrams. Each batch runs in its own throw-away namespace; needs root.
//!
//! The reference is `/usr/sbin/ip` (iproute2 6.1), whose output for these commands is
//! the same as 7.1's (conformance scenarios marked `same_in_6_1`).

use std::path::{Path, PathBuf};
use std::process::Command;

use mptcp_stack::{Captured, Netns, capture, mptcp_bin};

/// A small deterministic generator (64-bit LCG), so a failure can be replayed.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// A batch of `n` lines of one-request commands, with failures of every kind the
/// kernel reports (duplicates, unknown ids, limits over 8), client-side errors that do
/// not end a batch, blank and comment lines, and now and then a dump that must see
/// every change before it.
fn random_batch(seed: u64, n: usize) -> String {
    let mut r = Lcg(seed);
    let mut lines = Vec::new();
    for _ in 0..n {
        let id = 1 + r.below(10);
        let line = match r.below(14) {
            0..=2 => {
                let flag =
                    ["signal", "subflow", "backup", "signal backup", ""][r.below(5) as usize];
                format!("mptcp endpoint add 10.0.{}.{} id {id} {flag}", r.below(2), r.below(3) + 1)
            }
            3 | 4 => format!("mptcp endpoint delete id {id}"),
            5 => format!("mptcp endpoint show id {id}"),
            6 => format!(
                "mptcp endpoint change id {id} {}",
                ["backup", "nobackup"][r.below(2) as usize]
            ),
            7 | 8 => format!(
                "mptcp limits set subflows {} add_addr_accepted {}",
                r.below(10),
                r.below(10)
            ),
            9 => "mptcp limits show".into(),
            10 => "mptcp endpoint flush".into(),
            11 => "mptcp endpoint show".into(),
            12 => ["", "# a comment", "mptcp limits set"][r.below(3) as usize].into(),
            _ => format!("mptcp endpoint delete id 0 10.0.{}.{}", r.below(2), r.below(3) + 1),
        };
        lines.push(line);
    }
    lines.join("\n") + "\n"
}

/// A directory with `batch` written to a file and a symlink named `ip` to the binary
/// under test; removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str, batch: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("batch-ahead-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::os::unix::fs::symlink(mptcp_bin(), dir.join("ip")).unwrap();
        std::fs::write(dir.join("batch"), batch).unwrap();
        Scratch(dir)
    }

    fn file(&self) -> PathBuf {
        self.0.join("batch")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run_batch(ip: &Path, ns: &Netns, file: &Path) -> Captured {
    let mut cmd = Command::new(ip);
    cmd.args(["-n", ns.name(), "-force", "-batch"]).arg(file).env("LC_ALL", "C");
    capture(&mut cmd, std::time::Duration::from_secs(60))
}

#[test]
fn forced_batches_print_what_ip_prints() {
    for seed in 1..=6 {
        let batch = random_batch(seed, 150);
        let scratch = Scratch::new(&format!("diff{seed}"), &batch);
        let (ours_ns, ip_ns) = (Netns::new("ahead-ours"), Netns::new("ahead-ip"));
        let ours = run_batch(&scratch.0.join("ip"), &ours_ns, &scratch.file());
        let ip = run_batch(Path::new("/usr/sbin/ip"), &ip_ns, &scratch.file());
        assert_eq!(
            (ours.stdout_text(), ours.stderr_text(), ours.status),
            (ip.stdout_text(), ip.stderr_text(), ip.status),
            "seed {seed}; batch:\n{batch}"
        );
        assert!(ip.stderr_text().contains("Command failed"), "seed {seed} exercised no failure");
    }
}

#[test]
fn forced_one_request_lines_share_datagrams() {
    let batch = "mptcp limits set subflows 1\nmptcp limits show\n".repeat(100);
    let scratch = Scratch::new("count", &batch);
    let ns = Netns::new("ahead-count");
    let trace = scratch.0.join("strace");
    let mut cmd = Command::new("strace");
    cmd.args(["-f", "-e", "trace=sendto,sendmsg", "-o"]).arg(&trace).arg(scratch.0.join("ip"));
    cmd.args(["-n", ns.name(), "-force", "-batch"]).arg(scratch.file());
    let run = capture(&mut cmd, std::time::Duration::from_secs(60));
    assert_eq!(run.status, 0, "{}", run.stderr_text());
    assert_eq!(run.stdout_text(), "add_addr_accepted 0 subflows 1 \n".repeat(100));
    let sends =
        std::fs::read_to_string(&trace).unwrap().lines().filter(|l| l.contains("send")).count();
    // The family request, the first line alone (it opens the session), then 199
    // requests in datagrams of 32.
    assert_eq!(sends, 1 + 1 + 199_usize.div_ceil(32), "{sends} sends");
}

#[test]
fn without_force_each_line_goes_alone() {
    let batch = "mptcp limits set subflows 1\nmptcp limits show\n".repeat(5);
    let scratch = Scratch::new("alone", &batch);
    let ns = Netns::new("ahead-alone");
    let trace = scratch.0.join("strace");
    let mut cmd = Command::new("strace");
    cmd.args(["-f", "-e", "trace=sendto,sendmsg", "-o"]).arg(&trace).arg(scratch.0.join("ip"));
    cmd.args(["-n", ns.name(), "-batch"]).arg(scratch.file());
    let run = capture(&mut cmd, std::time::Duration::from_secs(60));
    assert_eq!(run.status, 0, "{}", run.stderr_text());
    let sends =
        std::fs::read_to_string(&trace).unwrap().lines().filter(|l| l.contains("send")).count();
    assert_eq!(sends, 1 + 10);
}

#[test]
fn a_pipe_is_not_read_ahead() {
    use std::io::Write;
    use std::process::Stdio;
    // A writer that waits for each command to take effect before it sends the next one
    // must not wait forever: from a pipe, each line runs as soon as it is read.
    let ns = Netns::new("ahead-pipe");
    let scratch = Scratch::new("pipe", "");
    let mut child = Command::new(scratch.0.join("ip"))
        .args(["-n", ns.name(), "-force", "-batch", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "mptcp endpoint add 10.0.0.1 id 1 signal").unwrap();
    writeln!(stdin, "mptcp limits set subflows 3").unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let shown = loop {
        let out = Command::new("/usr/sbin/ip").args(["-n", ns.name(), "mptcp", "limits"]).output();
        let text = String::from_utf8(out.unwrap().stdout).unwrap();
        if text.contains("subflows 3") || std::time::Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    drop(stdin);
    assert!(child.wait().unwrap().success());
    assert!(shown.contains("subflows 3"), "the second line had not run: {shown:?}");
}
