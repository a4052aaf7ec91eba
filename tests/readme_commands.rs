//! The README's shell commands, run or checked as written: every line of every fenced
//! `sh` (or `bash`, `shell`, `console`) block that is not a script's text (a block
//! opening with `#!`), and every table row whose first cell is a `cargo` or `mptcp`
//! command in backticks. A line the rules below do not cover fails the test, so a new
//! command in the README needs a rule here.
//!
//! - `mptcp …` (and `ln -s mptcp ip && ./ip …`) run in a throw-away namespace with
//!   `mptcp` on the PATH and an interface `eth1` (a veth); a namespace named after `-n` is this
//!   one; `monitor` gets SIGINT after a second and must exit 0.
//! - `cargo xtask TASK ARGS` is checked, not run (a task takes minutes to hours): the
//!   task is in `cargo xtask help`, `cargo xtask TASK --help` exits 0, and each of ARGS'
//!   options is in that help.
//! - `cargo build|run|install|test …`: each `-p PACKAGE` is a package of the workspace
//!   (not one in a workspace of its own), each `--manifest-path`/`--path` exists, each
//!   `--example NAME` is a file of the package's `examples/`.
//! - `rustup`, `apt-get`, `ip`, `sudo` and `git clone`: named, and the program is on the
//!   PATH (setup steps that change the machine are not run).

use std::path::Path;
use std::process::Command;

use mptcp_stack::{Netns, capture, workspace};

/// The commands of the README's shell blocks, comments and prompts stripped, continued
/// lines joined.
fn commands(readme: &str) -> Vec<String> {
    /// Where the reader is: outside a block, in a shell block (its lines), in another.
    enum At {
        Text,
        Shell(Vec<String>),
        Other,
    }
    let mut out = Vec::new();
    let mut at = At::Text;
    for line in readme.lines() {
        let fence = line.trim_start().strip_prefix("```");
        at = match (at, fence) {
            (At::Text, Some(info)) if ["sh", "bash", "shell", "console"].contains(&info.trim()) => {
                At::Shell(Vec::new())
            }
            (At::Text, Some(_)) => At::Other,
            (At::Shell(lines), Some(_)) => {
                // A block that opens with `#!` shows a script's text, not commands.
                if !lines.first().is_some_and(|l| l.starts_with("#!")) {
                    out.extend(joined(&lines));
                }
                At::Text
            }
            (At::Other, Some(_)) => At::Text,
            (At::Shell(mut lines), None) => {
                lines.push(line.to_owned());
                At::Shell(lines)
            }
            (At::Text, None) => {
                out.extend(table_command(line));
                At::Text
            }
            (other, None) => other,
        };
    }
    out
}

/// A table row's first cell when it is a command in backticks (`| `cargo run …` | … |`).
fn table_command(line: &str) -> Option<String> {
    let cell = line.strip_prefix("| `")?;
    let cmd = &cell[..cell.find("` |")?];
    ["cargo ", "mptcp "].iter().any(|p| cmd.starts_with(p)).then(|| cmd.to_owned())
}

/// One block's lines as commands: `$ ` prompts and `# comments` dropped, `\` joined.
fn joined(lines: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut pending = String::new();
    for line in lines {
        let line = line.trim();
        let line = line.strip_prefix("$ ").unwrap_or(line);
        let code = match line.find(" #") {
            Some(i) => &line[..i],
            None if line.starts_with('#') => "",
            None => line,
        };
        let code = code.trim_end();
        if let Some(head) = code.strip_suffix('\\') {
            pending += head;
            continue;
        }
        pending += code;
        if !pending.trim().is_empty() {
            out.push(pending.trim().to_owned());
        }
        pending.clear();
    }
    out
}

/// The `mptcp` lines, in order, in one namespace.
fn run_mptcp_lines(lines: &[&String]) -> Vec<String> {
    let ns = Netns::new("readme");
    ns.sh(&["ip", "link", "add", "eth1", "type", "veth", "peer", "name", "eth1-peer"]);
    ns.sh(&["ip", "link", "set", "eth1", "up"]);
    let dir = std::env::temp_dir().join(format!("readme-commands-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let link = dir.join("mptcp");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(mptcp_stack::mptcp_bin(), &link).unwrap();
    let path = format!("{}:{}", dir.display(), std::env::var("PATH").unwrap_or_default());
    let mut report = Vec::new();
    for line in lines {
        let words: Vec<&str> = line.split_whitespace().collect();
        // `-n NAME` names the namespace the README means: ours.
        let mut cmd = String::new();
        for (i, w) in words.iter().enumerate() {
            let after_n = i > 0 && matches!(words[i - 1], "-n" | "-netns");
            cmd += if after_n { ns.name() } else { w };
            cmd += " ";
        }
        let monitor = words.contains(&"monitor");
        let script =
            if monitor { format!("timeout --preserve-status -s INT 1 {cmd}") } else { cmd.clone() };
        let _ = std::fs::remove_file(dir.join("ip"));
        let mut c = Command::new("ip");
        c.args(["netns", "exec", ns.name(), "bash", "-c", &script])
            .env("PATH", &path)
            .current_dir(&dir);
        let out = capture(&mut c, std::time::Duration::from_secs(30));
        assert_eq!(out.status, 0, "README command `{line}` failed: {}", out.stderr_text());
        report.push(format!("ran: {line}"));
    }
    let _ = std::fs::remove_dir_all(&dir);
    report
}

/// `cargo xtask TASK ARGS`: the task exists and takes ARGS' options.
fn check_xtask(line: &str, words: &[&str]) -> String {
    let task = words.get(2).unwrap_or_else(|| panic!("`{line}`: no task"));
    let root = workspace();
    let listing = Command::new("cargo").args(["xtask", "help"]).current_dir(root).output();
    let listing = String::from_utf8_lossy(&listing.expect("cargo xtask help").stdout).into_owned();
    assert!(listing.contains(&format!("\n  {task}")), "`{line}`: no task {task} in:\n{listing}");
    let help = Command::new("cargo").args(["xtask", task, "--help"]).current_dir(root).output();
    let help = help.expect("cargo xtask TASK --help");
    assert!(help.status.success(), "`cargo xtask {task} --help` failed");
    let text = String::from_utf8_lossy(&help.stdout);
    for opt in words[3..].iter().filter(|w| w.starts_with("--")) {
        assert!(text.contains(*opt), "`{line}`: {opt} is not an option of `xtask {task}`");
    }
    format!("checked: {line}")
}

/// The package names of the workspace (from each member's manifest).
/// Packages in workspaces of their own (`examples/*`) are left out: `cargo -p` from
/// the root cannot reach them.
fn packages(root: &Path) -> Vec<String> {
    let mut names = Vec::new();
    for dir in ["crates"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap().flatten() {
            let manifest = entry.path().join("Cargo.toml");
            let Ok(text) = std::fs::read_to_string(&manifest) else { continue };
            let name = text.lines().find_map(|l| l.strip_prefix("name = \""));
            names.extend(name.map(|n| n.trim_end_matches('"').to_owned()));
        }
    }
    names.push("mptcp-stack".into());
    names.push("xtask".into());
    names
}

/// `cargo build|run|install|test …`: the packages and paths it names exist.
fn check_cargo(line: &str, words: &[&str]) -> String {
    let root = workspace();
    assert!(
        ["build", "run", "install", "test", "doc"].contains(&words[1]),
        "`{line}`: no rule for `cargo {}`",
        words[1]
    );
    let known = packages(root);
    for pair in words.windows(2) {
        match pair[0] {
            "-p" | "--package" => {
                assert!(known.iter().any(|k| k == pair[1]), "`{line}`: no package {}", pair[1]);
            }
            "--manifest-path" | "--path" => {
                assert!(root.join(pair[1]).exists(), "`{line}`: {} does not exist", pair[1]);
            }
            _ => {}
        }
    }
    if let Some(i) = words.iter().position(|w| *w == "--example") {
        let package = words.windows(2).find(|p| p[0] == "-p").map(|p| p[1]);
        let package = package.unwrap_or_else(|| panic!("`{line}`: --example without -p"));
        let file = root.join("crates").join(package).join("examples").join(words[i + 1]);
        let file = file.with_extension("rs");
        assert!(file.is_file(), "`{line}`: no {}", file.display());
    }
    format!("checked: {line}")
}

#[test]
fn every_readme_command_runs_or_is_checked() {
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    let all = commands(&readme);
    assert!(!all.is_empty(), "no shell command found in the README");
    let mut mptcp_lines = Vec::new();
    let mut report = Vec::new();
    for line in &all {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words[..] {
            ["mptcp", ..] | ["ln", "-s", "mptcp", "ip", "&&", ..] => mptcp_lines.push(line),
            ["cargo", "xtask", ..] => report.push(check_xtask(line, &words)),
            ["cargo", ..] => report.push(check_cargo(line, &words)),
            [program @ ("rustup" | "apt-get" | "apt" | "ip" | "sudo" | "git"), ..] => {
                let mut which = Command::new("sh");
                which.args(["-c", &format!("command -v {program}")]);
                let found = capture(&mut which, std::time::Duration::from_secs(5));
                assert_eq!(found.status, 0, "`{line}`: {program} is not on the PATH");
                report.push(format!("named: {line}"));
            }
            _ => panic!("README command `{line}` has no rule in tests/readme_commands.rs"),
        }
    }
    report.extend(run_mptcp_lines(&mptcp_lines));
    println!("{}", report.join("\n"));
    assert_eq!(report.len(), all.len());
}

#[test]
fn commands_are_read_from_shell_blocks_only() {
    let readme = "text\n```sh\n$ mptcp limits show   # a comment\n# alone\ncargo build \\\n  -p x\n```\n\
                  ```rust\nlet x = 1;\n```\n```sh\n#!/bin/sh\nSTART=95\n```\n```console\nip -V\n```\n\
                  | `cargo run -p y` | what |\n| `not a command` | x |\n";
    let want = ["mptcp limits show", "cargo build -p x", "ip -V", "cargo run -p y"];
    assert_eq!(commands(readme), want);
}
