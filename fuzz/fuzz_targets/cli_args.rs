//! Fuzz the CLI's argument layers, as the binary runs them, without a kernel: global
//! options (`opts::parse`), the `ip` object, then the `mptcp` words (`command::parse`),
//! in both personalities. Input: one byte of settings, then the words, NUL-separated,
//! as raw bytes (a word need not be UTF-8, as `argv`'s need not).
//!
//! Checked: an error prints exactly one message, of a known kind, that names a word
//! of the line (or the key of what is missing), with iproute2's exit status for that
//! kind (1 for an address, 255 otherwise); success prints nothing; commands of plain
//! `mptcp` never come out of the `ip` personality; and every resolved request survives
//! the library's builder and request parser unchanged. A word is echoed as its bytes:
//! no message holds U+FFFD unless the input did.
#![no_main]

use mptcp_cli::args::opts::{self, Parsed};
use mptcp_cli::command::pm::{self, Request};
use mptcp_cli::command::{self, Command};
use mptcp_cli::exec::run::{self, Line, Personality};
use mptcp_cli::print::fail::{self, Exit};
use mptcp_stack_fuzz::{FakeInterfaces, assert_no_replacement};

/// Keys that messages may name instead of a word of the line.
const KEYS: &[&[u8]] = &[
    b"ADDRESS",
    b"ID",
    b"TOKEN",
    b"RADDR",
    b"RPORT",
    b"PORT",
    b"port",
    b"backup|nobackup",
    b"batch file",
];

/// The parse as the binary does it, up to the point where it would open a socket.
fn parse(
    personality: Personality,
    args: &[&[u8]],
    netns: &mut Vec<Vec<u8>>,
) -> Result<Option<Command>, Exit> {
    let plain = personality == Personality::Plain;
    let first = match opts::parse(args, plain, |ns| {
        netns.push(ns.to_vec());
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
    "not UTF-8 (name such an interface in a config file)",
    "watch interval must be at least 1 second",
];

/// Whether `msg` is `before`, then one of `words`, then `after` (exactly).
fn names(msg: &[u8], before: &[u8], words: &[&[u8]], after: &[u8]) -> bool {
    msg.strip_prefix(before).is_some_and(|rest| {
        words.iter().any(|w| rest.strip_prefix(*w).is_some_and(|tail| tail == after))
    })
}

/// Checks one error message and its status against the words of the line: the
/// message is exactly one of the known forms around a word of the line (or a key),
/// the word as its bytes.
fn check_error(msg: &[u8], status: u8, args: &[&[u8]], plain: bool) {
    let text = String::from_utf8_lossy(msg);
    if msg.starts_with(b"Error: any valid address is expected") {
        assert_eq!(status, 1, "{text:?}");
        let ok = names(msg, b"Error: any valid address is expected rather than \"", args, b"\".\n");
        assert!(ok, "{text:?} names no word of {args:?}");
        return;
    }
    assert_eq!(status, 255, "{text:?} with status {status}");
    let invarg = |words: &[&[u8]]| {
        msg.strip_prefix(b"Error: argument \"").is_some_and(|rest| {
            words.iter().any(|w| {
                rest.strip_prefix(*w).and_then(|t| t.strip_prefix(b"\" is wrong: ")).is_some_and(
                    |m| {
                        m.strip_suffix(b"\n")
                            .is_some_and(|m| INVARG.iter().any(|i| i.as_bytes() == m))
                    },
                )
            })
        })
    };
    let help: &[u8] = if plain {
        b"\" is unknown, try \"mptcp help\".\n"
    } else {
        b"\" is unknown, try \"ip mptcp help\".\n"
    };
    // Under the plain name an unknown option points at `mptcp help` (058d8dc).
    let option_help: &[u8] = if plain {
        b"\" is unknown, try \"mptcp help\".\n"
    } else {
        b"\" is unknown, try \"ip -help\".\n"
    };
    let option = msg.strip_prefix(b"Option \"").and_then(|r| r.strip_suffix(option_help));
    let known = invarg(args)
        || invarg(KEYS)
        || names(msg, b"Error: argument \"", KEYS, b"\" is required\n")
        || msg == b"Command line is not complete. Try option \"help\"\n"
        || names(msg, b"Command \"", args, help)
        || option.is_some_and(|o| args.iter().any(|w| *w == o || w.strip_prefix(b"-") == Some(o)))
        || names(msg, b"Invalid rcvbuf size '", args, b"'\n");
    assert!(known, "{text:?} (status {status}) is no known message naming a word of {args:?}");
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
    // The words as `argv` holds them: bytes, never converted.
    let args: Vec<&[u8]> =
        if rest.is_empty() { Vec::new() } else { rest.split(|&b| b == 0).take(128).collect() };
    fail::set_plain(plain);
    let mut netns = Vec::new();
    let (result, said) = fail::captured_bytes(|| parse(personality, &args, &mut netns));
    assert_no_replacement(data, &said);
    for ns in &netns {
        assert!(args.contains(&ns.as_slice()) || ns == b"(null)", "entered {ns:?}");
    }
    match result {
        Err(Exit(status)) => check_error(&said, status, &args, plain),
        Ok(cmd) => {
            assert!(said.is_empty(), "success said {:?}", String::from_utf8_lossy(&said));
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
