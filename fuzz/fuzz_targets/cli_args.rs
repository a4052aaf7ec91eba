//! Fuzz the CLI's argument layers, as the binary runs them, without a kernel: global
//! options (`opts::parse`), the `ip` object, then the `mptcp` words (`command::parse`),
//! in both personalities. Input: one byte of settings, then the words, NUL-separated.
//!
//! Checked: an error prints exactly one message, of a known kind, that names a word
//! of the line (or the key of what is missing), with iproute2's exit status for that
//! kind (1 for an address, 255 otherwise); success prints nothing; commands of plain
//! `mptcp` never come out of the `ip` personality; and every resolved request survives
//! the library's builder and request parser unchanged.
#![no_main]

use mptcp_cli::args::opts::{self, Parsed};
use mptcp_cli::command::pm::{self, Request};
use mptcp_cli::command::{self, Command};
use mptcp_cli::exec::run::{self, Line, Personality};
use mptcp_cli::print::fail::{self, Exit};
use mptcp_stack_fuzz::FakeInterfaces;

/// Keys that messages may name instead of a word of the line.
const KEYS: &[&str] =
    &["ADDRESS", "ID", "TOKEN", "RADDR", "RPORT", "PORT", "port", "backup|nobackup", "batch file"];

/// The parse as the binary does it, up to the point where it would open a socket.
fn parse(
    personality: Personality,
    args: &[&str],
    netns: &mut Vec<String>,
) -> Result<Option<Command>, Exit> {
    let plain = personality == Personality::Plain;
    let first = match opts::parse(args, plain, |ns| {
        netns.push(ns.to_owned());
        Ok(())
    })? {
        Parsed::Run(_, first) => first,
        Parsed::Version | Parsed::Usage | Parsed::Help => return Ok(None),
    };
    match run::classify(personality, &args[first..]) {
        Line::Mptcp(words) if command::wants_usage(words) => Ok(None),
        Line::Mptcp(words) => {
            command::parse(words, &mut FakeInterfaces { extra: None }, plain).map(Some)
        }
        Line::IpUsage | Line::UnknownObject(_) => Ok(None),
    }
}

/// The endings of `invarg` messages (`Error: argument "X" is wrong: ...`).
const INVARG: &[&str] = &[
    "invalid protocol family",
    "invalid ID\n",
    "invalid ID",
    "invalid interface name\n",
    "invalid interface name",
    "device does not exist\n",
    "device does not exist",
    "expected port",
    "invalid for non-zero id address\n",
    "address is needed for deleting id 0 address\n",
    "cannot be 0\n",
    "flags must have signal when using port",
    "port can't be used with id",
    "flags mustn't have both signal and fullmesh",
    "invalid flags, backup and fullmesh only",
    "invalid subflows\n",
    "invalid add_addr_accepted\n",
    "unknown limit",
    "invalid token (hexadecimal, as monitor prints it)",
];

/// Whether `msg` is `before`, then one of `words`, then `after` (exactly).
fn names(msg: &str, before: &str, words: &[&str], after: &str) -> bool {
    msg.strip_prefix(before).is_some_and(|rest| {
        words.iter().any(|w| rest.strip_prefix(w).is_some_and(|tail| tail == after))
    })
}

/// Checks one error message and its status against the words of the line: the
/// message is exactly one of the known forms around a word of the line (or a key).
fn check_error(msg: &str, status: u8, args: &[&str], plain: bool) {
    if msg.starts_with("Error: any valid address is expected") {
        assert_eq!(status, 1, "{msg:?}");
        let ok = names(msg, "Error: any valid address is expected rather than \"", args, "\".\n");
        assert!(ok, "{msg:?} names no word of {args:?}");
        return;
    }
    assert_eq!(status, 255, "{msg:?} with status {status}");
    let invarg = |words: &[&str]| {
        msg.strip_prefix("Error: argument \"").is_some_and(|rest| {
            words.iter().any(|w| {
                rest.strip_prefix(w)
                    .and_then(|t| t.strip_prefix("\" is wrong: "))
                    .is_some_and(|m| m.strip_suffix('\n').is_some_and(|m| INVARG.contains(&m)))
            })
        })
    };
    let help = if plain {
        "\" is unknown, try \"mptcp help\".\n"
    } else {
        "\" is unknown, try \"ip mptcp help\".\n"
    };
    // Under the plain name an unknown option points at `mptcp help` (058d8dc).
    let option_help = if plain {
        "\" is unknown, try \"mptcp help\".\n"
    } else {
        "\" is unknown, try \"ip -help\".\n"
    };
    let option = msg.strip_prefix("Option \"").and_then(|r| r.strip_suffix(option_help));
    let known = invarg(args)
        || invarg(KEYS)
        || names(msg, "Error: argument \"", KEYS, "\" is required\n")
        || msg == "Command line is not complete. Try option \"help\"\n"
        || names(msg, "Command \"", args, help)
        || option.is_some_and(|o| args.iter().any(|w| *w == o || w.strip_prefix('-') == Some(o)))
        || names(msg, "Invalid rcvbuf size '", args, "'\n");
    assert!(known, "{msg:?} (status {status}) is no known message naming a word of {args:?}");
}

/// Builds the request of `cmd` with the library and parses it back.
fn check_request(cmd: &Command) {
    let request = match cmd {
        Command::Add(a) => Request::AddAddr(pm::endpoint(a)),
        Command::Delete(a) => Request::DelAddr(pm::endpoint(a)),
        Command::Change(a) => Request::SetFlags(pm::endpoint(a)),
        Command::Get(a) => Request::GetAddr(pm::endpoint(a)),
        Command::LimitsSet(l) => Request::SetLimits(pm::limits(l)),
        Command::LimitsShow(l) => Request::GetLimits(pm::limits(l)),
        _ => return,
    };
    let mut buf = [0u8; pm::REQ_BUF];
    let bytes = pm::emit(&request, &mut buf, 0x1b).expect("every request fits REQ_BUF");
    let msg = nlwire::Message::parse(bytes).expect("a built request parses");
    let back = Request::parse(&msg.genl().expect("genl")).expect("a built request reads back");
    assert_eq!(back, request);
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&settings, rest)) = data.split_first() else { return };
    let personality = if settings & 1 == 0 { Personality::Ip } else { Personality::Plain };
    let plain = personality == Personality::Plain;
    let owned: Vec<String> = if rest.is_empty() {
        Vec::new()
    } else {
        rest.split(|&b| b == 0).take(128).map(|w| String::from_utf8_lossy(w).into_owned()).collect()
    };
    let args: Vec<&str> = owned.iter().map(String::as_str).collect();
    fail::set_plain(plain);
    let mut netns = Vec::new();
    let (result, said) = fail::captured(|| parse(personality, &args, &mut netns));
    for ns in &netns {
        assert!(args.contains(&ns.as_str()) || ns == "(null)", "entered {ns:?}");
    }
    match result {
        Err(Exit(status)) => check_error(&said, status, &args, plain),
        Ok(cmd) => {
            assert!(said.is_empty(), "success said {said:?}");
            let Some(cmd) = cmd else { return };
            if !plain {
                assert!(
                    !matches!(cmd, Command::Upm(_) | Command::ConnectionShow(_) | Command::Stat(_)),
                    "{cmd:?} from ip"
                );
            }
            match &cmd {
                Command::Add(a) => assert!(a.addr.is_some() && a.id != Some(0)),
                Command::Delete(a) => assert!(a.id.is_some()),
                _ => {}
            }
            check_request(&cmd);
        }
    }
});
