//! Runs one command line (`ip` object dispatch, then `mptcp` words) against a lazily
//! opened [`Session`], for single commands and batches alike.

use crate::command::{self, Command};
use crate::fail::{Exit, USAGE, say};
use crate::monitor::{self, Timestamps};
use crate::opts::Opts;
use crate::out::Out;
use crate::session::Session;
use crate::words::matches;
use crate::{connection, endpoint, limits, upm, usage};

/// Which name the binary was called by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Personality {
    /// Called as `ip`: byte-exact `ip mptcp` of iproute2 7.1.
    Ip,
    /// Called as `mptcp`: the same grammar without the `mptcp` word, with improvements.
    Plain,
}

/// Objects of `ip`, in the order `ip` matches prefixes; only `mptcp` is ours.
const IP_OBJECTS: [&str; 36] = [
    "address",
    "addrlabel",
    "maddress",
    "route",
    "rule",
    "neighbor",
    "neighbour",
    "ntable",
    "ntbl",
    "link",
    "l2tp",
    "fou",
    "ila",
    "macsec",
    "tunnel",
    "tunl",
    "tuntap",
    "tap",
    "token",
    "tcpmetrics",
    "tcp_metrics",
    "monitor",
    "xfrm",
    "mroute",
    "mrule",
    "netns",
    "netconf",
    "vrf",
    "sr",
    "nexthop",
    "mptcp",
    "ioam",
    "help",
    "stats",
    "amt",
    "dpll",
];

/// Everything one process needs to run commands.
pub struct Runner {
    /// Which name we were called by.
    pub personality: Personality,
    /// Global options.
    pub opts: Opts,
    /// Output.
    pub out: Out,
    session: Option<Session>,
}

impl Runner {
    /// A runner; the kernel session opens on first need.
    pub fn new(personality: Personality, opts: Opts, out: Out) -> Self {
        Runner { personality, opts, out, session: None }
    }

    /// Runs one command line: with the `ip` personality `words[0]` is the object.
    /// `Ok(status)` is the command's status (non-zero fails a batch line);
    /// `Err(Exit)` must end the process at once.
    pub fn run_line(&mut self, words: &[&str]) -> Result<u8, Exit> {
        match self.personality {
            Personality::Ip => {
                let Some(object) = words.first() else {
                    return Err(ip_usage());
                };
                match IP_OBJECTS.iter().find(|o| matches(object, o)) {
                    Some(&"mptcp") => self.run_mptcp(&words[1..]),
                    Some(&"help") => Err(ip_usage()),
                    _ => {
                        say(format_args!("Object \"{object}\" is unknown, try \"ip help\".\n"));
                        Ok(1)
                    }
                }
            }
            Personality::Plain => {
                // Batch files written for `ip` may keep their `mptcp` word.
                let words = match words.first() {
                    Some(&"mptcp") => &words[1..],
                    _ => words,
                };
                self.run_mptcp(words)
            }
        }
    }

    fn run_mptcp(&mut self, words: &[&str]) -> Result<u8, Exit> {
        if command::wants_usage(words) {
            return Err(self.usage());
        }
        let plain = self.personality == Personality::Plain;
        if self.session.is_none() {
            self.session = Some(Session::open(plain)?);
        }
        let Some(s) = self.session.as_mut() else {
            return Ok(1);
        };
        let cmd = command::parse(words, s, plain)?;
        let out = &mut self.out;
        let status = match cmd {
            Command::Usage => return Err(self.usage()),
            Command::Add(a) => endpoint::add(s, &a),
            Command::Delete(a) => endpoint::delete(s, &a),
            Command::Change(a) => endpoint::change(s, &a),
            Command::Get(a) => endpoint::get(s, out, &a, self.opts.resolve),
            Command::Dump => endpoint::dump(s, out, self.opts.resolve),
            Command::Flush => endpoint::flush(s),
            Command::LimitsSet(l) => limits::set(s, &l),
            Command::LimitsShow(l) => limits::show(s, out, &l, plain && self.opts.json),
            Command::Upm(u) => upm::run(s, out, &u, self.opts.resolve),
            Command::ConnectionShow => connection::show(out),
            Command::Monitor => {
                let ts = match (self.opts.timestamp, self.opts.tshort) {
                    (_, true) => Timestamps::Short,
                    (true, false) => Timestamps::Long,
                    _ => Timestamps::Off,
                };
                monitor::run(s, out, ts, self.opts.rcvbuf)
            }
        };
        Ok(status)
    }

    fn usage(&self) -> Exit {
        match self.personality {
            Personality::Ip => say(format_args!("{}", usage::IP_MPTCP)),
            Personality::Plain => say(format_args!("{}", usage::PLAIN)),
        }
        Exit(USAGE)
    }
}

/// `ip`'s own usage (iproute2 `ip -help`), exit 255.
pub fn ip_usage() -> Exit {
    say(format_args!("{}", usage::IP));
    Exit(USAGE)
}
