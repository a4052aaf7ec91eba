//! The command room: turns a line's words into a [`Command`] and the request it sends.
//!
//! The high argument layer, with iproute2's dispatch order, abbreviations, checks and
//! messages.

pub mod diag;
#[cfg(feature = "follow")]
pub mod follow;
pub mod keyword;
pub mod options;
pub mod pm;
pub mod upm;

use crate::args::ifname::Interfaces;
use crate::args::words::{Args, matches};
#[cfg(feature = "follow")]
use crate::prelude::*;
use crate::print::fail::{self, Exit};
use keyword::which;
pub use options::{EndpointArgs, LimitArgs, Verb};
use options::{endpoint, limits};

/// One resolved `mptcp` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Print the usage (exit 255).
    Usage,
    /// `endpoint add`.
    Add(EndpointArgs),
    /// `endpoint delete`.
    Delete(EndpointArgs),
    /// `endpoint change`.
    Change(EndpointArgs),
    /// `endpoint show` with arguments: a GET by id.
    Get(EndpointArgs),
    /// `endpoint show` / `endpoint`: the dump.
    Dump,
    /// `endpoint flush`.
    Flush,
    /// `limits set`.
    LimitsSet(LimitArgs),
    /// `limits show` / `limits`.
    LimitsShow(LimitArgs),
    /// `monitor`.
    Monitor,
    /// Userspace path-manager commands (plain `mptcp` only).
    Upm(upm::Upm),
    /// `connection show` (plain `mptcp` only).
    ConnectionShow(diag::ConnectionFilter),
    /// `stat`: the namespace's MPTcpExt counters (plain `mptcp` only).
    Stat(diag::StatArgs),
    /// `endpoint follow` (plain `mptcp` only).
    #[cfg(feature = "follow")]
    Follow(Box<follow::FollowArgs>),
}

/// Whether `words` ask for help: checked before anything talks to the kernel. (Out of
/// line: four callers.)
#[inline(never)]
pub fn wants_usage(words: &[&[u8]]) -> bool {
    match words.first() {
        None => true,
        Some(w) => matches(w, "help"),
    }
}

/// Resolves the words after the object (`endpoint …`, `limits …`, `monitor`); `plain`
/// (called as `mptcp`) adds the userspace-PM and connection commands.
pub fn parse(words: &[&[u8]], ifs: &mut dyn Interfaces, plain: bool) -> Result<Command, Exit> {
    if wants_usage(words) {
        return Ok(Command::Usage);
    }
    let mut w = Args::new(words);
    let first = w.next().unwrap_or_default();
    let mut monitor_word = first;
    if matches(first, "endpoint") {
        let Some(verb) = w.next() else {
            return Ok(Command::Dump);
        };
        const VERBS: &str = "add change delete show flush follow announce remove";
        // A word abbreviates at most one of those a guard below turns away (their first
        // letters differ from every later one's), so the first match decides as the
        // chain of `matches` did.
        return match which(verb, VERBS) {
            // `show token …`, `announce`, `remove`: the userspace PM's (plain only).
            Some(n @ (3 | 6 | 7))
                if plain && (n != 3 || w.peek().is_some_and(|t| matches(t, "token"))) =>
            {
                upm::parse_endpoint(verb, w, ifs).map(Command::Upm)
            }
            Some(3) if w.is_empty() => Ok(Command::Dump),
            Some(n @ 0..=3) => {
                // One call for the four (each was a copy of the result's handling).
                let verb = [Verb::Add, Verb::Change, Verb::Delete, Verb::Show][n];
                let a = endpoint(w, verb, ifs)?;
                Ok(match verb {
                    Verb::Add => Command::Add(a),
                    Verb::Change => Command::Change(a),
                    Verb::Delete => Command::Delete(a),
                    Verb::Show => Command::Get(a),
                })
            }
            Some(4) => Ok(Command::Flush),
            Some(5) if plain && verb.len() >= 2 => follow(verb, w),
            _ => Err(fail::unknown_command(verb)),
        };
    }
    if matches(first, "limits") {
        let Some(verb) = w.next() else {
            return Ok(Command::LimitsShow(LimitArgs::default()));
        };
        if let Some(n) = which(verb, "set show") {
            let l = limits(w)?;
            return Ok(if n == 0 { Command::LimitsSet(l) } else { Command::LimitsShow(l) });
        }
        // iproute2 falls through to the monitor test with this word.
        monitor_word = verb;
    }
    if matches(monitor_word, "monitor") {
        return match w.next() {
            None => Ok(Command::Monitor),
            Some(extra) => Err(fail::unknown_command(extra)),
        };
    }
    if plain && matches(first, "subflow") {
        return upm::parse_subflow(&mut w, ifs).map(Command::Upm);
    }
    if let Some(cmd) = without_session(words, plain) {
        return cmd;
    }
    Err(fail::unknown_command(monitor_word))
}

/// The commands that need no path-manager session (`connection show`, `stat`: plain
/// `mptcp` only), resolved; `None` for any other line. The runner asks this first, so
/// these commands open no generic netlink socket.
pub fn without_session(words: &[&[u8]], plain: bool) -> Option<Result<Command, Exit>> {
    let first = *words.first()?;
    if !plain || wants_usage(words) {
        return None;
    }
    let mut w = Args::new(words);
    w.next();
    if matches(first, "connection") {
        return Some(diag::connection(w).map(Command::ConnectionShow));
    }
    if first.len() >= 2 && matches(first, "stat") {
        return Some(diag::stat(w).map(Command::Stat));
    }
    None
}

/// `endpoint follow …`, when this build has it (the `follow` cargo feature); without it
/// the verb is unknown, as any other. Its command-line words are text (a rule naming
/// an interface whose name is not UTF-8 goes in its config file, which is read as
/// bytes): a word that is not UTF-8 is refused, echoed as its bytes.
fn follow(verb: &[u8], w: Args<'_>) -> Result<Command, Exit> {
    #[cfg(feature = "follow")]
    {
        let _ = verb;
        let mut text = Vec::with_capacity(w.rest().len());
        for &word in w.rest() {
            let word = core::str::from_utf8(word).map_err(|_| {
                fail::invarg("not UTF-8 (name such an interface in a config file)", word)
            })?;
            text.push(word);
        }
        let w = crate::args::words::Words::new(&text);
        crate::command::follow::parse(w).map(|a| Command::Follow(Box::new(a)))
    }
    #[cfg(not(feature = "follow"))]
    {
        let _ = w;
        Err(fail::unknown_command(verb))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::addr::Addr;
    use crate::print::endpoint::flag;
    use core::net::{IpAddr, Ipv4Addr};

    struct OnlyLo;

    fn bytes<'a>(words: &[&'a str]) -> Vec<&'a [u8]> {
        words.iter().map(|w| w.as_bytes()).collect()
    }

    impl Interfaces for OnlyLo {
        fn index_of(&mut self, name: &[u8]) -> u32 {
            u32::from(name == b"lo")
        }
    }

    #[test]
    fn follow_is_an_unknown_verb_without_the_feature() {
        let (r, said) = fail::captured(|| {
            parse(&bytes(&["endpoint", "fo", "dev", "x", "subflow"]), &mut OnlyLo, true)
        });
        #[cfg(feature = "follow")]
        assert!(matches!(r, Ok(Command::Follow(_))), "{said}");
        #[cfg(not(feature = "follow"))]
        {
            assert_eq!(r, Err(Exit(fail::USAGE)));
            assert!(said.starts_with("Command \"fo\" is unknown, try "), "{said}");
        }
    }

    fn parse_words(line: &str) -> Result<Command, Exit> {
        let words: Vec<&[u8]> = line.split_whitespace().map(str::as_bytes).collect();
        parse(&words, &mut OnlyLo, false)
    }

    fn v4(a: [u8; 4]) -> Option<Addr> {
        Some(Addr::Ip(IpAddr::V4(Ipv4Addr::from(a))))
    }

    #[test]
    fn dispatch_and_abbreviations() {
        assert_eq!(parse_words("e"), Ok(Command::Dump));
        assert_eq!(parse_words("endpoint s"), Ok(Command::Dump));
        assert_eq!(parse_words("l"), Ok(Command::LimitsShow(LimitArgs::default())));
        assert_eq!(parse_words("limits m"), Ok(Command::Monitor));
        assert_eq!(parse_words("m"), Ok(Command::Monitor));
        assert_eq!(parse_words("h"), Ok(Command::Usage));
        assert_eq!(parse_words("e f junk words"), Ok(Command::Flush));
        assert_eq!(parse_words("monitor x"), Err(Exit(255)));
        assert_eq!(parse_words("endpoint list"), Err(Exit(255)));
        assert_eq!(parse_words("Limits"), Err(Exit(255)));
    }

    #[test]
    fn endpoint_words_in_any_order_last_wins() {
        let want = EndpointArgs {
            addr: v4([10, 0, 0, 2]),
            id: Some(12),
            flags: flag::SUBFLOW | flag::BACKUP,
            ifindex: 1,
            port: 0,
        };
        assert_eq!(
            parse_words("e a 10.0.0.1 i 5 d lo subflow 10.0.0.2 backup id 0xc"),
            Ok(Command::Add(want))
        );
    }

    #[test]
    fn endpoint_checks_in_iproute2_order() {
        assert_eq!(parse_words("e a id 3 signal"), Err(Exit(255)));
        assert_eq!(parse_words("e a 10.0.0.1 foo"), Err(Exit(1)));
        assert_eq!(parse_words("e a 10.0.0.1 dev nosuch"), Err(Exit(255)));
        assert_eq!(parse_words("e a 10.0.0.1 port 5 subflow"), Err(Exit(255)));
        assert_eq!(parse_words("e a 10.0.0.1 id 0"), Err(Exit(255)));
        assert_eq!(parse_words("e d 10.0.0.1"), Err(Exit(255)));
        assert_eq!(parse_words("e d id 3 10.0.0.1"), Err(Exit(255)));
        assert_eq!(parse_words("e d id 0"), Err(Exit(255)));
        assert!(matches!(parse_words("e d id 0 10.0.0.1"), Ok(Command::Delete(_))));
        assert_eq!(parse_words("e c id 1 port 5 backup"), Err(Exit(255)));
        assert_eq!(parse_words("e c id 1 subflow"), Err(Exit(255)));
        assert_eq!(parse_words("e a 10.0.0.1 signal fullmesh"), Err(Exit(255)));
        assert_eq!(parse_words("e a 10.0.0.1 id"), Err(Exit(255)));
    }

    #[test]
    fn limits_words() {
        let want = LimitArgs { add_addr_accepted: Some(4), subflows: Some(3) };
        assert_eq!(parse_words("l set s 3 a 4"), Ok(Command::LimitsSet(want)));
        assert_eq!(parse_words("l show extra"), Err(Exit(255)));
        assert_eq!(parse_words("l set subflows -1"), Err(Exit(255)));
        assert_eq!(parse_words("l set subflows"), Err(Exit(255)));
    }

    /// Fuzz finding (`cli_args`): `mptcp subflow` said `Command "" is unknown`.
    #[test]
    fn subflow_without_a_verb_is_incomplete() {
        let (got, said) = fail::captured(|| parse(&bytes(&["subflow"]), &mut OnlyLo, true));
        assert_eq!(got, Err(Exit(255)));
        assert_eq!(said, "Command line is not complete. Try option \"help\"\n");
        let (got, said) = fail::captured(|| parse(&bytes(&["sub", "x"]), &mut OnlyLo, true));
        assert_eq!(got, Err(Exit(255)));
        assert_eq!(said, "Command \"x\" is unknown, try \"ip mptcp help\".\n");
    }

    /// A word that is not UTF-8 is echoed as its bytes, as iproute2 7.1 echoes it.
    #[test]
    fn words_are_echoed_as_bytes() {
        let (r, said) =
            fail::captured_bytes(|| parse(&[&b"limits"[..], b"set", b"\xff"], &mut OnlyLo, false));
        assert_eq!(r, Err(Exit(255)));
        assert_eq!(said, b"Error: argument \"\xff\" is wrong: unknown limit\n");
        let (r, said) = fail::captured_bytes(|| {
            parse(&[&b"endpoint"[..], b"add", b"sh\xe9w"], &mut OnlyLo, false)
        });
        assert_eq!(r, Err(Exit(1)));
        assert_eq!(said, b"Error: any valid address is expected rather than \"sh\xe9w\".\n");
        let (r, said) = fail::captured_bytes(|| {
            parse(&[&b"endpoint"[..], b"show", b"dev", b"veth\xff"], &mut OnlyLo, false)
        });
        assert_eq!(r, Err(Exit(255)));
        assert_eq!(said, b"Error: argument \"veth\xff\" is wrong: device does not exist\n\n");
        let (_, said) = fail::captured_bytes(|| parse(&[b"\xe9"], &mut OnlyLo, true));
        assert_eq!(said, b"Command \"\xe9\" is unknown, try \"ip mptcp help\".\n");
    }
}
