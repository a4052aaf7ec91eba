//! Colours as iproute2 7.1 uses them in `mptcp` output (`-c`, `-color[=WHEN]`).

use crate::os::sys;

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
///
/// `NO_COLOR` only changes iproute2's built-in default option (`default_color_opt`),
/// which is already `never` in a default build, so it has no effect here: an explicit
/// `-c` still colours.
pub fn palette(opt: ColorOpt, json: bool) -> Option<Palette> {
    let on = !json
        && match opt {
            ColorOpt::Never => false,
            ColorOpt::Always => true,
            ColorOpt::Auto => sys::stdout_is_tty(),
        };
    on.then(|| Palette { dark: dark_background(sys::getenv(c"COLORFGBG")) })
}

/// iproute2 >= 6.15 `set_color_palette`: the background is dark unless `COLORFGBG`
/// has a `;` and the text after the last one is not exactly one of `0`-`6` or `8`
/// (so `7`, `15`, `default` or an empty field mean light; no `;` at all means dark).
fn dark_background(colorfgbg: Option<&[u8]>) -> bool {
    let Some(value) = colorfgbg else { return true };
    let Some(semi) = value.iter().rposition(|&b| b == b';') else { return true };
    matches!(&value[semi + 1..], [b'0'..=b'6' | b'8'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn background() {
        let dark = |v: &str| dark_background(Some(v.as_bytes()));
        assert!(dark_background(None));
        assert!(dark("15;0"));
        assert!(dark("0;default;8"));
        assert!(dark("15;6"));
        // No `;`: the value is not looked at.
        assert!(dark("7"));
        assert!(dark("default"));
        assert!(!dark("0;15"));
        assert!(!dark("0;7"));
        assert!(!dark("0;default;7"));
        assert!(!dark("0;default"));
        assert!(!dark("0;"));
        assert!(!dark("0;00"));
        assert!(!dark("0;9"));
    }

    #[test]
    fn palettes() {
        let dark = Palette { dark: true };
        let light = Palette { dark: false };
        assert_eq!(dark.start(Color::Inet), "\x1b[1;35m");
        assert_eq!(dark.start(Color::Inet6), "\x1b[1;94m");
        assert_eq!(dark.start(Color::Ifname), "\x1b[1;36m");
        assert_eq!(light.start(Color::Inet), "\x1b[35m");
        assert_eq!(light.start(Color::Inet6), "\x1b[34m");
        assert_eq!(light.start(Color::Ifname), "\x1b[36m");
        assert_eq!(dark.end(), "\x1b[0m");
        assert_eq!(palette(ColorOpt::Always, true), None);
        assert_eq!(palette(ColorOpt::Never, false), None);
    }
}
