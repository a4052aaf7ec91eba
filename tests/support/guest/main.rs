//! `mptcp-guest`: the program `cargo xtask cross` packs into each emulated machine.
//!
//! Two personalities, chosen by the name it is called by:
//! - as `ip`, the few iproute2 commands the scenarios' set-up lines use and busybox's
//!   `ip` lacks (`netns add|del|exec`, `-n NAME`, a veth pair whose peer is named or
//!   lives in another namespace); everything else goes to `busybox ip`
//!   (see [`iproute`]);
//! - as `timeout`, busybox's `timeout` without coreutils' `--preserve-status`, which
//!   busybox does not know and needs not: it execs the command in its own process, so
//!   the status it leaves is always the command's;
//! - as `mptcp-guest run …`, the runner: every scenario in a fresh namespace, each
//!   result written to stdout as one line that survives a serial console (see
//!   [`runner`] for the format the xtask reads back).

mod iproute;
mod runner;
mod sys;

use std::path::Path;
use std::process::ExitCode;

fn timeout(args: &[String]) -> Result<u8, String> {
    use std::os::unix::process::CommandExt;
    let scale = std::env::var("MPTCP_TIME_SCALE").ok().and_then(|s| s.parse().ok());
    let args = scaled_deadline(args.iter().filter(|a| *a != "--preserve-status").cloned(), scale);
    let e = std::process::Command::new(iproute::BUSYBOX).arg("timeout").args(args).exec();
    Err(format!("exec {}: {e}", iproute::BUSYBOX))
}

/// The arguments with the deadline (the first word that is a number, after `-s SIG`)
/// multiplied by `scale` (`MPTCP_TIME_SCALE`, the runner's `--time-scale`; 1 when unset).
fn scaled_deadline(args: impl Iterator<Item = String>, scale: Option<f64>) -> Vec<String> {
    let scale = scale.unwrap_or(1.0);
    let mut done = false;
    let mut after_s = false;
    args.map(|a| {
        let signal = std::mem::replace(&mut after_s, a == "-s");
        match a.parse::<f64>() {
            Ok(secs) if !done && !signal => {
                done = true;
                format!("{}", secs * scale)
            }
            _ => a,
        }
    })
    .collect()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let name = args.first().map(Path::new).and_then(Path::file_name);
    let rest = args.get(1..).unwrap_or_default();
    let result = if name.is_some_and(|n| n == "ip") {
        iproute::main(rest)
    } else if name.is_some_and(|n| n == "timeout") {
        timeout(rest)
    } else {
        match rest.first().map(String::as_str) {
            Some("run") => runner::main(&rest[1..]),
            _ => Err(format!(
                "usage: mptcp-guest run [options] FILE... (or call it as `ip`)\n{}",
                runner::USAGE
            )),
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::scaled_deadline;

    #[test]
    fn only_the_deadline_is_scaled() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let got = |a: &[&str], scale| scaled_deadline(args(a).into_iter(), scale);
        assert_eq!(
            got(&["-s", "INT", "3", "ip", "2"], Some(2.0)),
            args(&["-s", "INT", "6", "ip", "2"])
        );
        assert_eq!(
            got(&["-s", "2", "5", "sleep", "1"], Some(3.0)),
            args(&["-s", "2", "15", "sleep", "1"])
        );
        assert_eq!(got(&["0.5", "x"], None), args(&["0.5", "x"]));
    }
}
