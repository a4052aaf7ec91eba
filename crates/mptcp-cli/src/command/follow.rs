//! `endpoint follow`'s words and its config file, read into [`FollowArgs`].
//!
//! ```text
//! endpoint follow [ once | dry-run ] [ cleanup ] [ config FILE ] [ check SECONDS ]
//!                 [ state FILE ] [ RULE ]...
//! RULE := dev PATTERN { FLAG-LIST | ignore } [ port PORT ] [ allow CLASS ]...
//! ```

use mptcp_follow::{Error, Rules, decimal};

use crate::args::words::Words;
use crate::prelude::*;
use crate::print::fail::{self, Exit, USAGE, say};

/// What `endpoint follow` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Reconcile, then follow changes until SIGINT or SIGTERM.
    Follow,
    /// Reconcile once and exit.
    Once,
    /// Print what one reconciliation would do; change nothing.
    DryRun,
}

/// `endpoint follow`'s arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowArgs {
    /// What to run.
    pub mode: Mode,
    /// Delete the endpoints it owns when stopped by a signal.
    pub cleanup: bool,
    /// The config file, read at start and again on SIGHUP.
    pub config: Option<String>,
    /// The command line's rules (they come before the config file's).
    pub rules: Rules,
    /// Seconds between two reads of the endpoint table that repair drift (0: never).
    pub check: u32,
    /// The ownership record's path (`None`: the namespace's own under `/run`).
    pub state: Option<String>,
}

/// The drift check's default interval: a hand-made change is repaired within a minute,
/// for one endpoint dump (about 30 µs of CPU) a minute.
pub const DEFAULT_CHECK: u32 = 60;

impl FollowArgs {
    /// The rules in force: the command line's, then the config file's. Errors are
    /// printed (naming the file, line and word) and exit with the usage status.
    pub fn all_rules(&self) -> Result<Rules, Exit> {
        let mut rules = self.rules;
        if let Some(path) = &self.config {
            read_config(path, &mut rules)?;
        }
        Ok(rules)
    }
}

/// Reads the words after `endpoint follow`. The config file is read here too, so that
/// a bad one stops the command before anything is applied.
pub fn parse(mut w: Words<'_>) -> Result<FollowArgs, Exit> {
    let mut args = FollowArgs {
        mode: Mode::Follow,
        cleanup: false,
        config: None,
        rules: Rules::new(),
        check: DEFAULT_CHECK,
        state: None,
    };
    let mut rest: Vec<&str> = Vec::new();
    let mut check_given = false;
    while let Some(word) = w.next() {
        match word {
            "once" | "dry-run" if rest.is_empty() && args.mode == Mode::Follow => {
                args.mode = if word == "once" { Mode::Once } else { Mode::DryRun };
            }
            "cleanup" if rest.is_empty() && !args.cleanup => args.cleanup = true,
            "config" if rest.is_empty() && args.config.is_none() => {
                args.config = Some(w.value()?.to_owned());
            }
            "check" if rest.is_empty() && !check_given => {
                let v = w.value()?;
                check_given = true;
                args.check = decimal(v.as_bytes()).filter(|s| *s <= 86_400).ok_or_else(|| {
                    fail::invarg("check takes seconds from 0 (off) to 86400", v.as_bytes())
                })?;
            }
            "state" if rest.is_empty() && args.state.is_none() => {
                args.state = Some(w.value()?.to_owned());
            }
            _ => rest.push(word),
        }
    }
    args.rules = Rules::parse_words(&rest).map_err(|e| rule_error(&e, &rest))?;
    args.all_rules()?;
    Ok(args)
}

/// Appends the rules of config file `path`: one rule per line, `#` starts a comment.
/// Words are bytes, split on ASCII blanks (as a shell reads them): a rule may name an
/// interface whose name is not UTF-8.
fn read_config(path: &str, rules: &mut Rules) -> Result<(), Exit> {
    let bytes = crate::os::sys::read_file(path, 1 << 20).map_err(|e| {
        say(format_args!("Error: cannot read config file \"{path}\": {e}\n"));
        Exit(USAGE)
    })?;
    // One vector for every line's words, filled by a plain loop (`collect` unrolls the
    // split for the first word: a second copy of it in the binary).
    let mut words: Vec<&[u8]> = Vec::new();
    for (n, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = line.split(|&b| b == b'#').next().unwrap_or_default();
        words.clear();
        for word in line.split(|b| b.is_ascii_whitespace()) {
            if !word.is_empty() {
                words.push(word);
            }
        }
        if words.is_empty() {
            continue;
        }
        let at = (path, n + 1);
        let parsed = Rules::parse_words(&words).map_err(|e| config_error(&e, &words, at))?;
        if parsed.len() > 1 {
            let second = words.iter().skip(1).position(|w| *w == b"dev").map_or(0, |i| i + 1);
            let e = Error::BadCombination { at: second, why: "one rule per line" };
            return Err(config_error(&e, &words, at));
        }
        for rule in parsed.iter() {
            rules.push(*rule).map_err(|e| config_error(&e, &words, at))?;
        }
    }
    Ok(())
}

/// Prints a command-line rule error the way argument errors read (`Error: argument
/// "WORD" is wrong: …`); exit status 255.
fn rule_error(e: &Error, words: &[&str]) -> Exit {
    match e.word().map(|i| words.get(i)) {
        Some(Some(word)) => say(format_args!("Error: argument \"{word}\" is wrong: {e}\n")),
        Some(None) => {
            let last = words.last().copied().unwrap_or("follow");
            say(format_args!("Error: {e} after \"{last}\"\n"))
        }
        None => say(format_args!("Error: {e}\n")),
    }
    Exit(USAGE)
}

/// Prints a config file's rule error as `Error: FILE:LINE: word N: …` (words counted
/// from 1). The file's content is never echoed: with a sudo rule that allows
/// `mptcp endpoint *`, echoing would show any root-readable file's first line.
fn config_error(e: &Error, words: &[&[u8]], (file, line): (&str, usize)) -> Exit {
    match e.word() {
        Some(i) if i < words.len() => {
            say(format_args!("Error: {file}:{line}: word {} is wrong: {e}\n", i + 1))
        }
        Some(_) => say(format_args!("Error: {file}:{line}: {e} after word {}\n", words.len())),
        None => say(format_args!("Error: {file}:{line}: {e}\n")),
    }
    Exit(USAGE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::print::fail::captured;

    fn run(words: &[&str]) -> (Result<FollowArgs, Exit>, String) {
        captured(|| parse(Words::new(words)))
    }

    #[test]
    fn options_then_rules() {
        let (a, said) = run(&["once", "cleanup", "dev", "wan*", "signal", "subflow"]);
        let a = a.unwrap();
        assert_eq!((a.mode, a.cleanup, a.config, a.rules.len()), (Mode::Once, true, None, 1));
        assert!(said.is_empty());
        let (a, _) = run(&[]);
        assert_eq!(a.unwrap().mode, Mode::Follow);
    }

    #[test]
    fn bad_words_are_named() {
        let (r, said) = run(&["dev", "eth0", "signall"]);
        assert_eq!(r.unwrap_err(), Exit(USAGE));
        assert_eq!(
            said,
            "Error: argument \"signall\" is wrong: signal, subflow, backup, fullmesh, laminar or ignore is expected\n"
        );
        let (_, said) = run(&["once", "dry-run"]);
        assert_eq!(said, "Error: argument \"dry-run\" is wrong: a rule starts with \"dev\"\n");
        let (_, said) = run(&["dev", "eth0", "signal", "port"]);
        assert_eq!(said, "Error: PORT is missing after \"port\"\n");
        let (r, said) = run(&["config"]);
        assert_eq!(
            (r.unwrap_err(), said.as_str()),
            (Exit(USAGE), "Command line is not complete. Try option \"help\"\n")
        );
    }

    #[test]
    fn config_errors_name_file_line_and_word() {
        let dir = std::env::temp_dir().join(format!("follow-args-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("good.conf");
        std::fs::write(
            &good,
            "# uplinks\n\ndev wan* signal  # announce\ndev lte0 subflow backup\n",
        )
        .unwrap();
        let (a, said) = run(&["config", good.to_str().unwrap(), "dev", "lan0", "ignore"]);
        let rules = a.unwrap().all_rules().unwrap();
        assert_eq!((rules.len(), said.as_str()), (3, ""));
        let bad = dir.join("bad.conf");
        std::fs::write(&bad, "dev wan0 signal\ndev lte0 subflow fullmesh signal\n").unwrap();
        let (r, said) = run(&["config", bad.to_str().unwrap()]);
        assert_eq!(r.unwrap_err(), Exit(USAGE));
        assert_eq!(
            said,
            format!(
                "Error: {}:2: word 5 is wrong: flags mustn't have both signal and fullmesh\n",
                bad.display()
            )
        );
        std::fs::write(&bad, "dev a subflow dev b signal\n").unwrap();
        let (_, said) = run(&["config", bad.to_str().unwrap()]);
        assert!(said.ends_with(":1: word 4 is wrong: one rule per line\n"), "{said}");
        // Someone else's file: its content is never shown.
        std::fs::write(&bad, "root:$y$secret:::\n").unwrap();
        let (_, said) = run(&["config", bad.to_str().unwrap()]);
        assert!(said.ends_with(":1: word 1 is wrong: a rule starts with \"dev\"\n"), "{said}");
        assert!(!said.contains("secret"), "{said}");
        std::fs::write(&bad, b"dev lan\xff ignore\ndev * subflow\n").unwrap();
        let (a, said) = run(&["config", bad.to_str().unwrap(), "check", "0"]);
        let a = a.unwrap();
        assert_eq!((a.all_rules().unwrap().len(), a.check, said.as_str()), (2, 0, ""));
        let (_, said) = run(&["config", "/nonexistent/x.conf"]);
        assert!(said.starts_with("Error: cannot read config file \"/nonexistent/x.conf\""));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
