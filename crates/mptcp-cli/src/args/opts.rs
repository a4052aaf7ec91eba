//! The low argument layer: global options, read left to right exactly as `ip` reads them.

use crate::args::num;
use crate::args::words::matches;
use crate::names::etc::Etc;
use crate::prelude::*;
use crate::print::color::ColorOpt;
use crate::print::fail::{Exit, USAGE, invarg, missarg, say_bytes};

/// What the global options asked for. Options without effect on `mptcp` are accepted
/// and dropped, as `ip` does.
#[derive(Debug, Clone, Default)]
pub struct Opts {
    /// `-j`.
    pub json: bool,
    /// `-p`.
    pub pretty: bool,
    /// `-o`: lines end with `\` instead of a newline.
    pub oneline: bool,
    /// `-t`: monitor timestamps on their own line.
    pub timestamp: bool,
    /// `-ts`: short monitor timestamps.
    pub tshort: bool,
    /// `-r`: reverse-resolve endpoint addresses.
    pub resolve: bool,
    /// `-force`: a batch goes on after a failed command.
    pub force: bool,
    /// `-batch FILE` (bytes, as typed).
    pub batch: Option<Vec<u8>>,
    /// `-c`, `-color[=WHEN]`.
    pub color: ColorOpt,
    /// `-rc SIZE`: the socket receive buffer.
    pub rcvbuf: Option<u32>,
    /// `-n NAME`, each one: the `/etc/netns/NAME/` files `-r` reads instead of `/etc/`'s.
    pub etc: Etc,
}

/// How option parsing ended.
#[derive(Debug)]
#[allow(clippy::large_enum_variant, reason = "made once per process, on the stack; no heap")]
pub enum Parsed {
    /// Run with these options; the command words start at this index.
    Run(Opts, usize),
    /// `-V`: print the version and exit 0.
    Version,
    /// `-help` and friends: print the program usage and exit 255 (`ip`'s way).
    Usage,
    /// Help asked for under the plain name (`-h`, `--help`, `-help`): the usage on
    /// stdout, exit 0.
    Help,
}

/// Families `-f` accepts (iproute2's `read_family`).
const FAMILIES: [&str; 5] = ["inet", "inet6", "link", "mpls", "bridge"];

/// What an option does here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Loops,
    Family,
    NoEffect,
    Resolve,
    Oneline,
    Timestamp,
    Tshort,
    Version,
    Force,
    Batch,
    Json,
    Pretty,
    Rcvbuf,
    Color,
    Help,
    Netns,
}

/// How an option word is recognised.
#[derive(Debug, Clone, Copy)]
enum Spelling {
    /// Any non-empty prefix (iproute2 `matches`).
    Prefix(&'static str),
    /// Exactly this word.
    Exact(&'static str),
    /// iproute2 `matches_color`.
    ColorOption,
}

/// `ip`'s options in the order `ip` tries them: the first match wins, so `-h` is
/// `-human` and `-r` is `-resolve`.
const OPTIONS: [(Spelling, Kind); 30] = {
    use Kind::*;
    use Spelling::*;
    [
        (Prefix("-loops"), Loops),
        (Prefix("-family"), Family),
        (Exact("-4"), NoEffect),
        (Exact("-6"), NoEffect),
        (Exact("-0"), NoEffect),
        (Exact("-M"), NoEffect),
        (Exact("-B"), NoEffect),
        (Prefix("-human"), NoEffect),
        (Prefix("-human-readable"), NoEffect),
        (Prefix("-iec"), NoEffect),
        (Prefix("-stats"), NoEffect),
        (Prefix("-statistics"), NoEffect),
        (Prefix("-details"), NoEffect),
        (Prefix("-resolve"), Resolve),
        (Prefix("-oneline"), Oneline),
        (Prefix("-timestamp"), Timestamp),
        (Prefix("-tshort"), Tshort),
        (Prefix("-Version"), Version),
        (Prefix("-force"), Force),
        (Prefix("-batch"), Batch),
        (Prefix("-brief"), NoEffect),
        (Prefix("-json"), Json),
        (Prefix("-pretty"), Pretty),
        (Prefix("-rcvbuf"), Rcvbuf),
        (ColorOption, Kind::Color),
        (Prefix("-help"), Help),
        (Prefix("-netns"), Netns),
        (Prefix("-Numeric"), NoEffect),
        (Prefix("-all"), NoEffect),
        (Exact("-echo"), NoEffect),
    ]
};

fn lookup(opt: &[u8]) -> Option<Kind> {
    OPTIONS.iter().find_map(|(spelling, kind)| {
        let hit = match spelling {
            Spelling::Prefix(word) => matches(opt, word),
            Spelling::Exact(word) => opt == word.as_bytes(),
            Spelling::ColorOption => color_option(opt).is_some(),
        };
        hit.then_some(*kind)
    })
}

/// Parses the global options in `args` (without the program name). `enter_netns`
/// runs as soon as `-n NAME` is met, so its errors come in iproute2's order. `plain`
/// (called as `mptcp`) makes `-h` and `--help` ask for help, accepts `--version`, and
/// names `mptcp help` in errors; otherwise every option is `ip`'s, byte for byte.
/// Arguments are bytes, as `argv` holds them, and are echoed as they are.
pub fn parse(
    args: &[&[u8]],
    plain: bool,
    mut enter_netns: impl FnMut(&[u8]) -> Result<(), Exit>,
) -> Result<Parsed, Exit> {
    let mut o = Opts::default();
    let mut i = 0;
    while let Some(&arg) = args.get(i) {
        if arg == b"--" {
            i += 1;
            break;
        }
        if arg.first() != Some(&b'-') {
            break;
        }
        // `--x` is `-x`.
        let opt = arg.strip_prefix(b"-").filter(|o| o.first() == Some(&b'-')).unwrap_or(arg);
        let value = args.get(i + 1).copied();
        if plain {
            match opt {
                b"-h" => return Ok(Parsed::Help),
                b"-version" => return Ok(Parsed::Version),
                _ => {}
            }
        }
        let Some(kind) = lookup(opt) else {
            let help: &[u8] = if plain { b"mptcp help" } else { b"ip -help" };
            say_bytes(&[b"Option \"", opt, b"\" is unknown, try \"", help, b"\".\n"]);
            return Err(Exit(USAGE));
        };
        let mut takes_value = false;
        match kind {
            Kind::Loops | Kind::Rcvbuf | Kind::Family if value.is_none() => {
                return Ok(Parsed::Usage);
            }
            Kind::Loops => takes_value = true,
            Kind::Family => {
                let v = value.unwrap_or_default();
                if v == b"help" {
                    return Ok(Parsed::Usage);
                }
                if !FAMILIES.iter().any(|f| f.as_bytes() == v) {
                    return Err(invarg("invalid protocol family", v));
                }
                takes_value = true;
            }
            Kind::NoEffect => {}
            Kind::Resolve => o.resolve = true,
            Kind::Oneline => o.oneline = true,
            Kind::Timestamp => o.timestamp = true,
            Kind::Tshort => {
                o.timestamp = true;
                o.tshort = true;
            }
            Kind::Version => return Ok(Parsed::Version),
            Kind::Force => o.force = true,
            Kind::Batch => {
                let Some(v) = value else {
                    return Err(missarg("batch file"));
                };
                o.batch = Some(v.to_vec());
                takes_value = true;
            }
            Kind::Json => o.json = true,
            Kind::Pretty => o.pretty = true,
            Kind::Rcvbuf => {
                let v = value.unwrap_or_default();
                let Some(size) = num::get_u32(v) else {
                    say_bytes(&[b"Invalid rcvbuf size '", v, b"'\n"]);
                    return Err(Exit(USAGE));
                };
                o.rcvbuf = Some(size);
                takes_value = true;
            }
            Kind::Color => o.color = color_option(opt).unwrap_or_default(),
            Kind::Help if plain => return Ok(Parsed::Help),
            Kind::Help => return Ok(Parsed::Usage),
            Kind::Netns => {
                // `ip -n` with no name passes NULL on, which prints as "(null)".
                let v = value.unwrap_or(b"(null)");
                enter_netns(v)?;
                o.etc.enter(v);
                takes_value = value.is_some();
            }
        }
        i += 1 + usize::from(takes_value);
    }
    Ok(Parsed::Run(o, i))
}

/// iproute2 `matches_color`: a prefix of `-color`, optionally `=always|auto|never`;
/// no value (or an empty one) means always.
pub fn color_option(opt: &[u8]) -> Option<ColorOpt> {
    let (name, value) = match opt.iter().position(|&b| b == b'=') {
        Some(at) => (&opt[..at], &opt[at + 1..]),
        None => (opt, &b""[..]),
    };
    if !matches(name, "-color") {
        return None;
    }
    match value {
        b"" | b"always" => Some(ColorOpt::Always),
        b"auto" => Some(ColorOpt::Auto),
        b"never" => Some(ColorOpt::Never),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_forms() {
        assert_eq!(color_option(b"-c"), Some(ColorOpt::Always));
        assert_eq!(color_option(b"-color=never"), Some(ColorOpt::Never));
        assert_eq!(color_option(b"-col=auto"), Some(ColorOpt::Auto));
        assert_eq!(color_option(b"-c="), Some(ColorOpt::Always));
        assert_eq!(color_option(b"-c=bogus"), None);
        assert_eq!(color_option(b"-colour=auto"), None);
    }

    fn run(args: &[&str]) -> (Opts, usize) {
        run_in(args).0
    }

    /// `args` as the bytes `argv` holds.
    fn b<'a>(args: &[&'a str]) -> Vec<&'a [u8]> {
        args.iter().map(|a| a.as_bytes()).collect()
    }

    /// Also the namespaces entered, in order.
    fn run_in(args: &[&str]) -> ((Opts, usize), Vec<Vec<u8>>) {
        let mut entered = Vec::new();
        let parsed = parse(&b(args), false, |ns| {
            entered.push(ns.to_owned());
            Ok(())
        });
        match parsed.unwrap() {
            Parsed::Run(o, i) => ((o, i), entered),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn prefixes_resolve_in_ip_order() {
        let (o, i) = run(&["-j", "-p", "-t", "-ts", "-o", "-r", "mptcp"]);
        assert!(o.json && o.pretty && o.timestamp && o.tshort && o.oneline && o.resolve);
        assert_eq!(i, 6);
        let ((o, i), netns) = run_in(&["--json", "-rc", "0x100", "-n", "x", "-b", "f", "mptcp"]);
        assert!(o.json);
        assert_eq!(
            (o.rcvbuf, netns, o.batch.as_deref(), i),
            (Some(256), vec![b"x".to_vec()], Some(&b"f"[..]), 7)
        );
        let (_, i) =
            run(&["-4", "-f", "inet6", "-l", "3", "-h", "-s", "-d", "-a", "-N", "-echo", "mptcp"]);
        assert_eq!(i, 11);
        let (_, i) = run(&["--", "-j"]);
        assert_eq!(i, 1);
    }

    #[test]
    fn version_and_help_stop_parsing() {
        assert!(matches!(parse(&b(&["-Ve", "-zzz"]), false, |_| Ok(())), Ok(Parsed::Version)));
        assert!(matches!(parse(&b(&["-help"]), false, |_| Ok(())), Ok(Parsed::Usage)));
    }

    /// Under the plain name `-h`, `--help` and `-help` ask for help and `--version`
    /// works; under `ip`, `-h` stays `-human` and `--version` unknown.
    #[test]
    fn the_plain_name_has_help_and_version() {
        for help in ["-h", "--help", "-help", "-he"] {
            assert!(
                matches!(parse(&b(&["-j", help]), true, |_| Ok(())), Ok(Parsed::Help)),
                "{help}"
            );
        }
        assert!(matches!(parse(&b(&["--version"]), true, |_| Ok(())), Ok(Parsed::Version)));
        assert!(matches!(parse(&b(&["-h", "mptcp"]), false, |_| Ok(())), Ok(Parsed::Run(_, 1))));
        let (version, said) =
            crate::print::fail::captured(|| parse(&b(&["--version"]), false, |_| Ok(())));
        assert_eq!(version.unwrap_err(), Exit(255));
        assert_eq!(said, "Option \"-version\" is unknown, try \"ip -help\".\n");
        let (_, said) = crate::print::fail::captured(|| parse(&b(&["-zzz"]), true, |_| Ok(())));
        assert_eq!(said, "Option \"-zzz\" is unknown, try \"mptcp help\".\n");
    }

    #[test]
    fn unknown_option_is_fatal() {
        assert_eq!(parse(&b(&["-zzz"]), false, |_| Ok(())).unwrap_err(), Exit(255));
    }
}
