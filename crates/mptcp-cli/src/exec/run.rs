//! Runs one command line (`ip` object dispatch, then `mptcp` words) against a lazily
//! opened [`Session`], for single commands and batches alike.

use crate::args::opts::Opts;
use crate::command::pm::{self, Request};
use crate::command::{self, Command};
use crate::exec::monitor;
use crate::exec::session::Session;
use crate::exec::{connection, endpoint, limits, stat, upm};
use crate::os::io::Write;
use crate::print::event::Timestamps;
use crate::print::fail::{self, Exit, USAGE, say_bytes};
use crate::print::out::Out;
use crate::print::usage;

/// Which name the binary was called by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Personality {
    /// Called as `ip`: byte-exact `ip mptcp` of iproute2 7.1.
    Ip,
    /// Called as `mptcp`: the same grammar without the `mptcp` word, with improvements.
    Plain,
}

/// Objects of `ip`, in the order `ip` matches prefixes; only `mptcp` is ours. One string
/// for [`command::keyword::which`] (a table of 36 `&str` was 576 bytes of `.data.rel.ro`).
const IP_OBJECTS: &str = "address addrlabel maddress route rule neighbor neighbour ntable ntbl \
    link l2tp fou ila macsec tunnel tunl tuntap tap token tcpmetrics tcp_metrics monitor xfrm \
    mroute mrule netns netconf vrf sr nexthop mptcp ioam help stats amt dpll";
/// The places of `mptcp` and `help` in [`IP_OBJECTS`].
const MPTCP: usize = 30;
const HELP: usize = 32;

/// What a command line is, by the object it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line<'w> {
    /// An `mptcp` command: the words after the object.
    Mptcp(&'w [&'w [u8]]),
    /// `ip` alone, or `ip help`: `ip`'s own usage.
    IpUsage,
    /// Another object of `ip` (or no object at all): not ours.
    UnknownObject(&'w [u8]),
}

/// Finds the object of a command line: with the `ip` personality `words[0]`, matched
/// in `ip`'s order; plain `mptcp` needs none but takes a leading `mptcp` word (batch
/// files written for `ip` may keep it).
pub fn classify<'w>(personality: Personality, words: &'w [&'w [u8]]) -> Line<'w> {
    match personality {
        Personality::Ip => {
            let Some(object) = words.first() else {
                return Line::IpUsage;
            };
            match command::keyword::which(object, IP_OBJECTS) {
                Some(MPTCP) => Line::Mptcp(words.get(1..).unwrap_or_default()),
                Some(HELP) => Line::IpUsage,
                _ => Line::UnknownObject(object),
            }
        }
        Personality::Plain => match words.first() {
            Some(&b"mptcp") => Line::Mptcp(words.get(1..).unwrap_or_default()),
            _ => Line::Mptcp(words),
        },
    }
}

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
    pub fn run_line(&mut self, words: &[&[u8]]) -> Result<u8, Exit> {
        match classify(self.personality, words) {
            Line::Mptcp(words) => self.run_mptcp(words),
            Line::IpUsage => Err(ip_usage()),
            Line::UnknownObject(object) => {
                say_bytes(&[b"Object \"", object, b"\" is unknown, try \"ip help\".\n"]);
                Ok(1)
            }
        }
    }

    /// The words after the object, as [`Runner::run_line`] finds them; `None` when the
    /// line is not an `mptcp` command.
    fn mptcp_words<'w>(&self, words: &'w [&'w [u8]]) -> Option<&'w [&'w [u8]]> {
        match classify(self.personality, words) {
            Line::Mptcp(words) => Some(words),
            _ => None,
        }
    }

    /// The request a batch line will send, if it may be sent ahead of the lines before
    /// it: the line parses without error and is one request answered by one ACK or one
    /// reply (no dump, no monitor, nothing of the userspace PM). Prints nothing; the
    /// line says its own errors when it runs.
    pub fn request_ahead(&mut self, words: &[&[u8]]) -> Option<Request> {
        let words = self.mptcp_words(words)?;
        if command::wants_usage(words) {
            return None;
        }
        let plain = self.personality == Personality::Plain;
        let s = self.session.as_mut()?;
        let (cmd, _said) = fail::captured_bytes(|| command::parse(words, s, plain));
        let cmd = cmd.ok()?;
        // The endpoint built once for the four commands that send one.
        if let Command::Add(a) | Command::Delete(a) | Command::Change(a) | Command::Get(a) = &cmd {
            let e = pm::endpoint(a);
            return Some(match cmd {
                Command::Add(_) => Request::AddAddr(e),
                Command::Delete(_) => Request::DelAddr(e),
                Command::Change(_) => Request::SetFlags(e),
                _ => Request::GetAddr(e),
            });
        }
        Some(match cmd {
            Command::Flush => Request::FlushAddrs,
            Command::LimitsSet(l) => Request::SetLimits(pm::limits(&l)),
            Command::LimitsShow(l) => Request::GetLimits(pm::limits(&l)),
            _ => return None,
        })
    }

    /// The open session, once a command has opened it.
    pub fn session(&mut self) -> Option<&mut Session> {
        self.session.as_mut()
    }

    fn run_mptcp(&mut self, words: &[&[u8]]) -> Result<u8, Exit> {
        if command::wants_usage(words) {
            return Err(self.usage(!words.is_empty()));
        }
        let plain = self.personality == Personality::Plain;
        // The socket-diag and counter commands, which need no path-manager session.
        match command::without_session(words, plain) {
            Some(Ok(Command::ConnectionShow(f))) => return Ok(connection::show(&mut self.out, &f)),
            Some(Ok(Command::Stat(a))) => return Ok(stat::run(&mut self.out, &a)),
            Some(Ok(_)) => return Ok(1),
            Some(Err(e)) => return Err(e),
            None => {}
        }
        if self.session.is_none() {
            self.session = Some(Session::open(plain)?);
        }
        let Some(s) = self.session.as_mut() else {
            return Ok(1);
        };
        let cmd = command::parse(words, s, plain)?;
        let out = &mut self.out;
        let resolve = self.opts.resolve.then_some(&self.opts.etc);
        let status = match cmd {
            Command::Usage => return Err(self.usage(true)),
            Command::Add(a) => endpoint::add(s, &a),
            Command::Delete(a) => endpoint::delete(s, &a),
            Command::Change(a) => endpoint::change(s, &a),
            Command::Get(a) => endpoint::get(s, out, &a, resolve),
            Command::Dump => endpoint::dump(s, out, resolve),
            Command::Flush => endpoint::flush(s),
            Command::LimitsSet(l) => limits::set(s, &l),
            Command::LimitsShow(l) => limits::show(s, out, &l, plain && self.opts.json),
            Command::Upm(u) => upm::run(s, out, &u, resolve),
            Command::ConnectionShow(f) => connection::show(out, &f),
            Command::Stat(a) => stat::run(out, &a),
            #[cfg(feature = "follow")]
            Command::Follow(f) => crate::exec::follow::run(
                &f,
                s,
                out,
                self.opts.json,
                self.opts.timestamp || self.opts.tshort,
            ),
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

    /// The usage. `ip` prints it on stderr and exits 255 either way; plain `mptcp`
    /// answers `mptcp help` (`asked`) on stdout with status 0, and a missing command on
    /// stderr with 255.
    fn usage(&mut self, asked: bool) -> Exit {
        match self.personality {
            Personality::Ip => say_bytes(&[usage::IP_MPTCP.as_bytes()]),
            Personality::Plain if asked => {
                let _ = self.out.w.write_all(usage::PLAIN.as_bytes());
                return Exit(0);
            }
            Personality::Plain => say_bytes(&[usage::PLAIN.as_bytes()]),
        }
        Exit(USAGE)
    }
}

/// `ip`'s own usage (iproute2 `ip -help`), exit 255. (Out of line: three callers.)
#[inline(never)]
pub fn ip_usage() -> Exit {
    say_bytes(&[usage::IP.as_bytes()]);
    Exit(USAGE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_in_ip_order() {
        let objects: Vec<&str> = IP_OBJECTS.split(' ').collect();
        assert_eq!(objects.len(), 36);
        assert_eq!((objects[MPTCP], objects[HELP]), ("mptcp", "help"));
        assert!(objects.iter().all(|o| !o.is_empty() && !o.contains(char::is_whitespace)));
        fn ip<'w>(words: &'w [&'w [u8]]) -> Line<'w> {
            classify(Personality::Ip, words)
        }
        assert_eq!(ip(&[b"m", b"x"]), Line::UnknownObject(b"m"), "maddress comes first");
        assert_eq!(ip(&[b"mp", b"x"]), Line::Mptcp(&[b"x"]));
        assert_eq!(ip(&[b"he"]), Line::IpUsage);
        assert_eq!(ip(&[b"h"]), Line::IpUsage);
        assert_eq!(ip(&[b""]), Line::UnknownObject(b""));
        assert_eq!(ip(&[]), Line::IpUsage);
        assert_eq!(ip(&[b"mptcpx"]), Line::UnknownObject(b"mptcpx"));
    }
}
