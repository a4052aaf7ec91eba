//! The `ip mptcp` conformance suite: every recorded scenario of iproute2 7.1
//! (`tests/conformance/scenarios.json`) and our extra recordings (`extra.json`) run
//! against the binary under test, reached through a symlink named `ip`, each in a fresh
//! network namespace. stdout, stderr and the exit status must match byte for byte.
//!
//! `MPTCP_BIN` selects the binary (e.g. a static build); `CONFORMANCE_FILTER=B0` runs
//! only the scenarios whose id starts with `B0`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use mptcp_stack::json::{self, Json};
use mptcp_stack::{Netns, mptcp_bin};

/// One recorded case.
struct Scenario {
    id: String,
    title: String,
    setup: Vec<String>,
    cmd: String,
    stdout: String,
    stderr: String,
    rc: i32,
}

/// What a command did.
#[derive(PartialEq)]
struct Outcome {
    stdout: String,
    stderr: String,
    rc: i32,
}

fn load(path: &Path) -> Vec<Scenario> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc = json::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let field = |s: &Json, k: &str| s.get(k).and_then(Json::as_str).unwrap_or_default().to_owned();
    doc.as_array()
        .expect("a list of scenarios")
        .iter()
        .map(|s| {
            let expect = s.get("expect").expect("expect");
            Scenario {
                id: field(s, "id"),
                title: field(s, "title"),
                setup: s
                    .get("setup")
                    .and_then(Json::as_array)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|c| c.as_str().map(str::to_owned))
                    .collect(),
                cmd: field(s, "cmd"),
                stdout: field(expect, "stdout"),
                stderr: field(expect, "stderr"),
                rc: expect.get("rc").and_then(Json::as_i64).expect("rc") as i32,
            }
        })
        .collect()
}

/// Replaces whole-word `word` (neighbours not alphanumeric or `_`) by `with`.
fn replace_word(text: &str, word: &str, with: &str) -> String {
    let is_word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let hit = b[i..].starts_with(word.as_bytes())
            && (i == 0 || !is_word(b[i - 1]))
            && b.get(i + word.len()).is_none_or(|&c| !is_word(c));
        if hit {
            out.push_str(with);
            i += word.len();
        } else {
            let ch = text[i..].chars().next().unwrap_or_default();
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// Fills the placeholders of the scenario README.
fn substitute(cmd: &str, ns: &str, ip: &Path, fixture: &str) -> String {
    let mut c = cmd.to_owned();
    for (placeholder, verb) in [
        ("MPTCP_LISTEN", "listen"),
        ("MPTCP_CONN", "conn"),
        ("MPTCP_SERVER", "server"),
        ("MPTCP_CLIENT", "client"),
    ] {
        c = replace_word(&c, placeholder, &format!("{fixture} {verb}"));
    }
    let ip = ip.to_string_lossy();
    c = replace_word(&c, "NEWIP", &ip);
    c = replace_word(&c, "IP", &ip);
    replace_word(&c, "NS", ns)
}

/// Runs `bash -c cmd` with stdin from /dev/null and LC_ALL=C, killed after 60 s.
fn bash(cmd: &str) -> Outcome {
    let child = Command::new("bash")
        .args(["-c", cmd])
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bash");
    let pid = child.id() as i32;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(Ok(o)) => Outcome {
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            rc: o.status.code().unwrap_or(-1),
        },
        _ => {
            // SAFETY: signalling a child process we started.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            Outcome { stdout: String::new(), stderr: "timed out after 60 s".into(), rc: -1 }
        }
    }
}

fn run(s: &Scenario, ip: &Path, fixture: &str) -> Outcome {
    let ns = Netns::new(&format!("cf{}", s.id));
    for step in &s.setup {
        bash(&substitute(step, ns.name(), ip, fixture));
    }
    bash(&substitute(&s.cmd, ns.name(), ip, fixture))
}

/// A symlink named `ip` to the binary under test, in a fresh directory.
fn ip_link(bin: &Path) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mptcp-conformance-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let link = dir.join("ip");
    std::os::unix::fs::symlink(bin, &link).unwrap();
    link
}

fn show(s: &str) -> String {
    format!("{s:?}")
}

#[test]
fn conformance() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance");
    let mut scenarios = load(&root.join("scenarios.json"));
    let recorded = scenarios.len();
    scenarios.extend(load(&root.join("extra.json")));
    assert_eq!(recorded, 136, "scenarios.json must hold the 136 recorded scenarios");
    if let Ok(prefix) = std::env::var("CONFORMANCE_FILTER") {
        scenarios.retain(|s| s.id.starts_with(&prefix));
    }
    let ip = ip_link(&mptcp_bin());
    let fixture = env!("CARGO_BIN_EXE_mptcp-fixture");
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..6 {
            scope.spawn(|| {
                while let Some(s) = scenarios.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let got = run(s, &ip, fixture);
                    let want =
                        Outcome { stdout: s.stdout.clone(), stderr: s.stderr.clone(), rc: s.rc };
                    if got != want {
                        failures.lock().unwrap().push((s, got));
                    }
                }
            });
        }
    });
    let _ = std::fs::remove_dir_all(ip.parent().unwrap());
    let failures = failures.into_inner().unwrap();
    for (s, got) in &failures {
        eprintln!("FAIL {} {}\n  cmd: {}", s.id, s.title, s.cmd);
        if got.stdout != s.stdout {
            eprintln!("  stdout want {}\n         got  {}", show(&s.stdout), show(&got.stdout));
        }
        if got.stderr != s.stderr {
            eprintln!("  stderr want {}\n         got  {}", show(&s.stderr), show(&got.stderr));
        }
        if got.rc != s.rc {
            eprintln!("  status want {} got {}", s.rc, got.rc);
        }
    }
    println!("conformance: {} passed, {} failed", scenarios.len() - failures.len(), failures.len());
    assert!(failures.is_empty(), "{} conformance scenarios failed", failures.len());
}

#[test]
fn placeholders_are_whole_words() {
    let ip = Path::new("/t/ip");
    assert_eq!(
        substitute("IP -n NS mptcp; ip -n NS-peer link; MPTCP_CONN 1 2", "x", ip, "/f"),
        "/t/ip -n x mptcp; ip -n x-peer link; /f conn 1 2"
    );
    assert_eq!(substitute("NEWIP -n NS IPX NSA", "x", ip, "/f"), "/t/ip -n x IPX NSA");
}
