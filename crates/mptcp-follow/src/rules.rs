//! [`Rules`]: which interfaces are managed, with which endpoint flags, read from words.
//!
//! ```text
//! RULE := dev PATTERN { FLAG-LIST | ignore } [ port PORT ] [ allow CLASS ]...
//! FLAG := signal | subflow | backup | fullmesh | laminar
//! CLASS := loopback | linklocal | ula | temporary | deprecated | nocarrier | noroute
//! ```

use crate::{Error, IfName};

/// Most rules (command line and config file together).
pub const MAX_RULES: usize = 32;

/// Endpoint flag bits (`MPTCP_PM_ADDR_FLAG_*`) a rule may give.
pub mod flag {
    /// Announce the address to peers.
    pub const SIGNAL: u32 = 0x01;
    /// Open subflows from the address.
    pub const SUBFLOW: u32 = 0x02;
    /// Subflows over it are backups.
    pub const BACKUP: u32 = 0x04;
    /// Open subflows to every announced peer address.
    pub const FULLMESH: u32 = 0x08;
    /// Use the address for subflows to announced addresses (Linux 6.18).
    pub const LAMINAR: u32 = 0x20;
}

/// The flag words a rule takes, with their [`flag`] bits, in iproute2's order (the order
/// a line that names them should print them in).
pub const FLAG_WORDS: [(&str, u32); 5] = [
    ("signal", flag::SIGNAL),
    ("subflow", flag::SUBFLOW),
    ("backup", flag::BACKUP),
    ("fullmesh", flag::FULLMESH),
    ("laminar", flag::LAMINAR),
];

/// Skips a rule lifts for its interfaces (`allow CLASS`), as bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Allow(pub u8);

impl Allow {
    /// Loopback links and addresses.
    pub const LOOPBACK: u8 = 0x01;
    /// IPv4 169.254/16 and IPv6 fe80::/10.
    pub const LINK_LOCAL: u8 = 0x02;
    /// IPv6 fc00::/7.
    pub const ULA: u8 = 0x04;
    /// IPv6 temporary (privacy) addresses.
    pub const TEMPORARY: u8 = 0x08;
    /// Deprecated addresses.
    pub const DEPRECATED: u8 = 0x10;
    /// Links that are down or have no carrier.
    pub const NO_CARRIER: u8 = 0x20;
    /// No default route of the address's family.
    pub const NO_ROUTE: u8 = 0x40;

    const WORDS: [(&'static str, u8); 7] = [
        ("loopback", Self::LOOPBACK),
        ("linklocal", Self::LINK_LOCAL),
        ("ula", Self::ULA),
        ("temporary", Self::TEMPORARY),
        ("deprecated", Self::DEPRECATED),
        ("nocarrier", Self::NO_CARRIER),
        ("noroute", Self::NO_ROUTE),
    ];

    /// Whether `class` (one of the constants) is allowed.
    pub fn has(self, class: u8) -> bool {
        self.0 & class != 0
    }
}

/// What a rule does with the interfaces it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Manage them: their usable addresses become endpoints with these flags.
    Flags(u32),
    /// Leave them alone: not managed, their endpoints untouched.
    Ignore,
}

/// One rule: `dev PATTERN { FLAGS | ignore } [ port PORT ] [ allow CLASS ]...`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The interface name or glob.
    pub pattern: IfName,
    /// Flags or ignore.
    pub action: Action,
    /// The endpoint port (0: none); only with `signal`.
    pub port: u16,
    /// Skips lifted for these interfaces.
    pub allow: Allow,
}

/// The rules, first match wins. With none, every interface is managed with `subflow`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    rules: [Option<Rule>; MAX_RULES],
    len: usize,
}

impl Default for Rules {
    fn default() -> Self {
        Self::new()
    }
}

impl Rules {
    /// The implicit rule when no rule is given: every interface, `subflow`.
    pub const IMPLICIT: Rule = Rule {
        pattern: IfName::STAR,
        action: Action::Flags(flag::SUBFLOW),
        port: 0,
        allow: Allow(0),
    };

    /// No rules.
    pub const fn new() -> Rules {
        Rules { rules: [None; MAX_RULES], len: 0 }
    }

    /// Reads rules from `words` (a command line's, or a config file's line). Errors
    /// name the word at fault by its index.
    /// Words are bytes (`&str` or `&[u8]`): a config file may name an interface whose
    /// name is not UTF-8.
    pub fn parse_words<W: AsRef<[u8]>>(words: &[W]) -> Result<Rules, Error> {
        let mut rules = Rules::new();
        rules.extend_from_words(words)?;
        Ok(rules)
    }

    /// Appends the rules in `words`, after those already here.
    pub fn extend_from_words<W: AsRef<[u8]>>(&mut self, words: &[W]) -> Result<(), Error> {
        self.extend_from(words.len(), &|i| words.get(i).map(AsRef::as_ref))
    }

    /// [`Rules::extend_from_words`] with the words behind one accessor: one copy of the
    /// parser in a binary, whatever word types its callers hold (never inlined: under
    /// LTO each caller would get a copy).
    #[inline(never)]
    fn extend_from<'w>(
        &mut self,
        n: usize,
        word: &dyn Fn(usize) -> Option<&'w [u8]>,
    ) -> Result<(), Error> {
        let mut at = 0;
        while at < n {
            let (rule, next) = parse_rule(word, at)?;
            self.push(rule)?;
            at = next;
        }
        Ok(())
    }

    /// Appends one rule.
    pub fn push(&mut self, rule: Rule) -> Result<(), Error> {
        let slot = self.rules.get_mut(self.len).ok_or(Error::TableFull("rules"))?;
        *slot = Some(rule);
        self.len += 1;
        Ok(())
    }

    /// The rules given, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter().flatten()
    }

    /// How many rules were given.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no rule was given (every interface is then managed with `subflow`).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The rule deciding interface `name`, with its rank (earlier rules rank first):
    /// the first whose pattern matches; [`Rules::IMPLICIT`] when there are no rules;
    /// `None` when rules exist and none matches.
    pub fn rule_for(&self, name: &IfName) -> Option<(usize, Rule)> {
        if self.is_empty() {
            return Some((0, Self::IMPLICIT));
        }
        self.iter().enumerate().find(|(_, r)| r.pattern.matches(name)).map(|(i, r)| (i, *r))
    }

    /// Whether interface `name` is managed (a rule with flags decides it).
    pub fn manages(&self, name: &IfName) -> bool {
        matches!(self.rule_for(name), Some((_, Rule { action: Action::Flags(_), .. })))
    }

    /// Whether a link can ever give an endpoint under these rules: managed, and when it
    /// is a loopback link, with `allow loopback`. Other links take no place in a
    /// [`crate::State`].
    pub fn can_use(&self, name: &IfName, loopback: bool) -> bool {
        match self.rule_for(name) {
            Some((_, Rule { action: Action::Flags(_), allow, .. })) => {
                !loopback || allow.has(Allow::LOOPBACK)
            }
            _ => false,
        }
    }
}

/// A decimal number as `str::parse::<u32>` reads one (ASCII digits, an optional leading
/// `+`), without its generic machinery; `None` when it is not one or exceeds `u32`.
pub fn decimal(word: &[u8]) -> Option<u32> {
    let digits = word.strip_prefix(b"+").unwrap_or(word);
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u32, |n, &d| {
        let d = d.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n.checked_mul(10)?.checked_add(u32::from(d))
    })
}

impl IfName {
    /// The pattern `*`.
    pub const STAR: IfName = {
        let mut bytes = [0u8; 15];
        bytes[0] = b'*';
        IfName::from_raw(bytes, 1)
    };
}

/// Reads the rule starting at word `at`; returns it and the index after it.
fn parse_rule<'w>(
    word: &dyn Fn(usize) -> Option<&'w [u8]>,
    at: usize,
) -> Result<(Rule, usize), Error> {
    if word(at) != Some(b"dev") {
        return Err(Error::ExpectedDev { at });
    }
    let pattern_at = at + 1;
    let pattern = word(pattern_at).ok_or(Error::MissingWord {
        at: pattern_at,
        what: "an interface name or glob after \"dev\"",
    })?;
    let pattern = IfName::from_bytes(pattern).ok_or(Error::BadPattern { at: pattern_at })?;
    let mut i = pattern_at + 1;
    let mut flags = 0;
    let mut ignore = false;
    while let Some(w) = word(i) {
        if ignore {
            break;
        }
        if let Some((_, bit)) = FLAG_WORDS.iter().find(|(name, _)| name.as_bytes() == w) {
            flags |= bit;
        } else if w == b"ignore" && flags == 0 && !ignore {
            ignore = true;
        } else {
            break;
        }
        i += 1;
    }
    if flags == 0 && !ignore {
        return Err(Error::NoFlags { at: i });
    }
    let mut port = 0;
    let mut allow = Allow(0);
    while let Some(w) = word(i) {
        match w {
            b"port" if port == 0 => {
                let v = word(i + 1).ok_or(Error::MissingWord { at: i + 1, what: "PORT" })?;
                port = decimal(v)
                    .and_then(|p| u16::try_from(p).ok())
                    .filter(|p| *p != 0)
                    .ok_or(Error::BadPort { at: i + 1 })?;
                i += 2;
            }
            b"allow" => {
                let v = word(i + 1)
                    .ok_or(Error::MissingWord { at: i + 1, what: "a class after \"allow\"" })?;
                let (_, bit) = Allow::WORDS
                    .iter()
                    .find(|(name, _)| name.as_bytes() == v)
                    .ok_or(Error::BadAllow { at: i + 1 })?;
                allow.0 |= bit;
                i += 2;
            }
            b"dev" => break,
            _ => return Err(Error::ExpectedDev { at: i }),
        }
    }
    let last = i - 1;
    if ignore && port != 0 {
        return Err(Error::BadCombination { at: last, why: "an ignored interface takes no port" });
    }
    if flags & flag::SIGNAL != 0 && flags & flag::FULLMESH != 0 {
        return Err(Error::BadCombination {
            at: last,
            why: "flags mustn't have both signal and fullmesh",
        });
    }
    if port != 0 && (flags & flag::SIGNAL == 0 || flags & flag::SUBFLOW != 0) {
        return Err(Error::BadCombination { at: last, why: "a port needs signal without subflow" });
    }
    let action = if ignore { Action::Ignore } else { Action::Flags(flags) };
    Ok((Rule { pattern, action, port, allow }, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> IfName {
        IfName::new(s).unwrap()
    }

    #[test]
    fn rules_read_and_first_match_wins() {
        let words = [
            "dev", "wan0", "ignore", "dev", "wan*", "signal", "port", "8080", "allow", "ula",
            "dev", "lte?", "subflow", "backup",
        ];
        let r = Rules::parse_words(&words).unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r.rule_for(&name("wan0")).unwrap().1.action, Action::Ignore);
        let (rank, wan1) = r.rule_for(&name("wan1")).unwrap();
        assert_eq!((rank, wan1.action, wan1.port), (1, Action::Flags(flag::SIGNAL), 8080));
        assert!(wan1.allow.has(Allow::ULA) && !wan1.allow.has(Allow::NO_ROUTE));
        assert_eq!(r.rule_for(&name("lte0")).unwrap().1.action, Action::Flags(0x6));
        assert!(r.rule_for(&name("eth0")).is_none());
        assert!(!r.manages(&name("wan0")) && r.manages(&name("wan1")));
        let none = Rules::new();
        assert_eq!(none.rule_for(&name("eth0")), Some((0, Rules::IMPLICIT)));
    }

    #[test]
    fn decimal_reads_what_parse_reads() {
        for w in ["0", "+7", "65535", "4294967295", "4294967296", "", "+", "-1", "1a", " 1", "++1"]
        {
            assert_eq!(decimal(w.as_bytes()), w.parse::<u32>().ok(), "{w:?}");
        }
    }

    #[test]
    fn errors_name_the_word() {
        let e = |w: &[&str]| Rules::parse_words(w).unwrap_err();
        assert_eq!(e(&["eth0"]), Error::ExpectedDev { at: 0 });
        assert_eq!(e(&["dev"]).word(), Some(1));
        assert_eq!(e(&["dev", "0123456789abcdef", "signal"]), Error::BadPattern { at: 1 });
        assert_eq!(e(&["dev", "eth0"]), Error::NoFlags { at: 2 });
        assert_eq!(e(&["dev", "eth0", "bogus"]), Error::NoFlags { at: 2 });
        assert_eq!(e(&["dev", "eth0", "signal", "bogus"]), Error::ExpectedDev { at: 3 });
        assert_eq!(e(&["dev", "eth0", "signal", "port", "0"]), Error::BadPort { at: 4 });
        assert_eq!(e(&["dev", "eth0", "signal", "port"]).word(), Some(4));
        assert_eq!(e(&["dev", "e", "subflow", "allow", "x"]), Error::BadAllow { at: 4 });
        assert_eq!(e(&["dev", "e", "signal", "fullmesh"]).word(), Some(3));
        assert_eq!(e(&["dev", "e", "subflow", "port", "9"]).word(), Some(4));
        assert_eq!(e(&["dev", "e", "ignore", "signal"]), Error::ExpectedDev { at: 3 });
        let many: std::vec::Vec<&str> =
            core::iter::repeat_n(["dev", "x", "subflow"], MAX_RULES + 1).flatten().collect();
        assert_eq!(e(&many), Error::TableFull("rules"));
    }
}
