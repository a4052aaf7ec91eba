//! The words of `connection show [token TOKEN] [ADDRESS]` and `stat [-a|all] [watch
//! [SECONDS]]` (plain `mptcp` only).

use core::net::IpAddr;

use crate::args::addr::{self, Addr};
use crate::args::num::get_u32;
use crate::args::words::{Args, matches};
use crate::command::keyword::invarg;
use crate::command::upm::parse_token;
use crate::print::fail::{self, Exit};

/// Which connections `connection show` prints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConnectionFilter {
    /// Only the connection with this local token (listeners are left out).
    pub token: Option<u32>,
    /// Only connections (and listeners) with this local or remote address.
    pub addr: Option<IpAddr>,
}

/// What `stat` prints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatArgs {
    /// Every counter, zeros included (`-a`, `all`).
    pub all: bool,
    /// Watch mode: print what changed every this many seconds (`watch [SECONDS]`,
    /// default 1).
    pub watch: Option<u32>,
}

/// `connection [show [token TOKEN] [ADDRESS]]`; `w` is after `connection`.
pub fn connection(mut w: Args<'_>) -> Result<ConnectionFilter, Exit> {
    let mut f = ConnectionFilter::default();
    let Some(verb) = w.next() else { return Ok(f) };
    if !matches(verb, "show") {
        return Err(fail::unknown_command(verb));
    }
    while let Some(word) = w.next() {
        if matches(word, "token") {
            let v = w.value()?;
            let t = parse_token(v)
                .ok_or_else(|| invarg("invalid token (hexadecimal, as monitor prints it)", v))?;
            f.token = Some(t);
        } else {
            match addr::get_addr(word) {
                Some(Addr::Ip(a)) => f.addr = Some(a),
                _ => return Err(fail::bad_address(word)),
            }
        }
    }
    Ok(f)
}

/// `stat [-a|all] [watch [SECONDS]]`; `w` is after `stat`.
pub fn stat(mut w: Args<'_>) -> Result<StatArgs, Exit> {
    let mut s = StatArgs::default();
    while let Some(word) = w.next() {
        if word == b"-a" || matches(word, "all") {
            s.all = true;
        } else if word == b"-w" || matches(word, "watch") {
            s.watch = Some(1);
            let Some((typed, n)) = w.peek().and_then(|t| Some((t, get_u32(t)?))) else {
                continue;
            };
            if n == 0 {
                // The word as typed (`00`, `0x0`), as every argument error echoes it.
                return Err(invarg("watch interval must be at least 1 second", typed));
            }
            w.next();
            s.watch = Some(n);
        } else {
            return Err(fail::unknown_command(word));
        }
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::Ipv4Addr;

    fn bytes<'a>(words: &[&'a str]) -> Vec<&'a [u8]> {
        words.iter().map(|w| w.as_bytes()).collect()
    }

    fn conn(words: &[&str]) -> Result<ConnectionFilter, Exit> {
        connection(Args::new(&bytes(words)))
    }

    #[test]
    fn connection_words() {
        assert_eq!(conn(&[]), Ok(ConnectionFilter::default()));
        assert_eq!(conn(&["s"]), Ok(ConnectionFilter::default()));
        let want = ConnectionFilter {
            token: Some(0xa907_9844),
            addr: Some(IpAddr::V4(Ipv4Addr::new(10, 0, 2, 2))),
        };
        assert_eq!(conn(&["show", "token", "a9079844", "10.0.2.2"]), Ok(want));
        assert_eq!(conn(&["show", "10.0.2.2", "token", "0xa9079844"]), Ok(want));
        let (r, said) = fail::captured(|| conn(&["show", "token", "xyz"]));
        assert_eq!(r, Err(Exit(255)), "{said}");
        assert!(fail::captured(|| conn(&["show", "nothing"])).0.is_err());
        assert!(fail::captured(|| conn(&["list"])).0.is_err());
        assert!(fail::captured(|| conn(&["show", "token"])).0.is_err());
    }

    #[test]
    fn stat_words() {
        let st = |w: &[&str]| fail::captured(|| stat(Args::new(&bytes(w)))).0;
        assert_eq!(st(&[]), Ok(StatArgs::default()));
        assert_eq!(st(&["-a"]), Ok(StatArgs { all: true, watch: None }));
        assert_eq!(st(&["watch"]), Ok(StatArgs { all: false, watch: Some(1) }));
        assert_eq!(st(&["all", "w", "5"]), Ok(StatArgs { all: true, watch: Some(5) }));
        assert_eq!(st(&["watch", "0"]), Err(Exit(255)));
        // Fuzz finding (`cli_args`): `watch 00` said `"0" is wrong`, naming no word.
        let (r, said) = fail::captured(|| stat(Args::new(&bytes(&["watch", "0x0"]))));
        assert_eq!(r, Err(Exit(255)));
        assert_eq!(
            said,
            "Error: argument \"0x0\" is wrong: watch interval must be at least 1 second\n"
        );
        assert!(st(&["junk"]).is_err());
    }
}
