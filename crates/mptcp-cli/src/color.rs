//! Colours as iproute2 7.1 uses them in `mptcp` output (`-c`, `-color[=WHEN]`).

use crate::sys;
use crate::words::matches;

/// When to colour, from `-color[=always|auto|never]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ColorOpt {
    /// Never (the default).
    #[default]
    Never,
    /// When stdout is a terminal.
    Auto,
    /// Always.
    Always,
}

impl ColorOpt {
    /// iproute2 `matches_color`: a prefix of `-color`, optionally `=always|auto|never`;
    /// no value (or an empty one) means always.
    pub fn from_option(opt: &str) -> Option<Self> {
        let (name, value) = match opt.split_once('=') {
            Some((n, v)) => (n, v),
            None => (opt, ""),
        };
        if !matches(name, "-color") {
            return None;
        }
        match value {
            "" | "always" => Some(ColorOpt::Always),
            "auto" => Some(ColorOpt::Auto),
            "never" => Some(ColorOpt::Never),
            _ => None,
        }
    }
}

/// What is being coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Color {
    /// Interface names.
    Ifname,
    /// IPv4 addresses.
    Inet,
    /// IPv6 addresses.
    Inet6,
}

/// The escape sequences for a dark or a light terminal background.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    dark: bool,
}

impl Palette {
    /// The sequence that starts colour `c`.
    pub fn start(&self, c: Color) -> &'static str {
        match (self.dark, c) {
            (true, Color::Ifname) => "\x1b[1;36m",
            (true, Color::Inet) => "\x1b[1;35m",
            (true, Color::Inet6) => "\x1b[1;94m",
            (false, Color::Ifname) => "\x1b[36m",
            (false, Color::Inet) => "\x1b[35m",
            (false, Color::Inet6) => "\x1b[34m",
        }
    }

    /// The sequence that ends a colour.
    pub fn end(&self) -> &'static str {
        "\x1b[0m"
    }
}

/// iproute2 `check_enable_color`: JSON never has colour; `auto` needs a terminal.
pub fn palette(opt: ColorOpt, json: bool) -> Option<Palette> {
    let on = !json
        && match opt {
            ColorOpt::Never => false,
            ColorOpt::Always => true,
            ColorOpt::Auto => sys::stdout_is_tty(),
        };
    on.then(|| Palette { dark: dark_background(std::env::var("COLORFGBG").ok().as_deref()) })
}

/// The background is light only when `COLORFGBG`'s last field says so (7, 9-15);
/// unknown means dark.
fn dark_background(colorfgbg: Option<&str>) -> bool {
    let Some(last) = colorfgbg.and_then(|v| v.rsplit(';').next()) else {
        return true;
    };
    matches!(last, "0" | "1" | "2" | "3" | "4" | "5" | "6" | "8") || last.parse::<u8>().is_err()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_forms() {
        assert_eq!(ColorOpt::from_option("-c"), Some(ColorOpt::Always));
        assert_eq!(ColorOpt::from_option("-color=never"), Some(ColorOpt::Never));
        assert_eq!(ColorOpt::from_option("-col=auto"), Some(ColorOpt::Auto));
        assert_eq!(ColorOpt::from_option("-c="), Some(ColorOpt::Always));
        assert_eq!(ColorOpt::from_option("-c=bogus"), None);
        assert_eq!(ColorOpt::from_option("-colour=auto"), None);
    }

    #[test]
    fn background() {
        assert!(dark_background(None));
        assert!(dark_background(Some("15;0")));
        assert!(!dark_background(Some("0;15")));
        assert!(!dark_background(Some("0;default;7")));
    }
}
