//! [`Owned`]: the endpoints this mode made, by id and address, and the small text
//! record that keeps them across restarts.
//!
//! Ownership is a record, never a guess from an id: the kernel hands out automatic ids
//! after the highest one in use, so any id range is shared with whoever adds endpoints
//! next. A record is written before its request goes to the kernel and settled after
//! the answer, so a process killed between the two still knows the endpoint on restart.
//!
//! The record's text, at most [`Owned::MAX_TEXT`] bytes:
//!
//! ```text
//! mptcp-follow 1
//! 200 10.1.0.2
//! 201 2001:db8::2
//! ```
//!
//! Blank lines and lines starting with `#` are skipped.
//!
//! ```
//! use mptcp_follow::Owned;
//!
//! let mut own = Owned::new();
//! own.insert(200, "10.1.0.2".parse().unwrap())?;
//! let mut text = [0u8; Owned::MAX_TEXT];
//! let n = own.write(&mut text);
//! assert_eq!(Owned::parse(&text[..n])?, own);
//! # Ok::<(), mptcp_follow::OwnedError>(())
//! ```

use core::fmt::{self, Write as _};
use core::net::IpAddr;

use crate::Endpoint;

/// Most records kept (the kernel's table holds 8 endpoints; adds in flight and
/// endpoints waiting to be deleted fit in the rest).
pub const MAX_OWNED: usize = 32;

/// What a record's text can be wrong about. The text is never echoed: a record is a
/// file, and its content is not this program's to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OwnedError {
    /// The first line is not `mptcp-follow 1`.
    Header,
    /// Line `line` (1-based) is not `ID ADDRESS`.
    Line {
        /// The line's number.
        line: usize,
    },
    /// More than [`MAX_OWNED`] records.
    Full,
}

impl fmt::Display for OwnedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OwnedError::Header => f.write_str("line 1 is not \"mptcp-follow 1\""),
            OwnedError::Line { line } => write!(f, "line {line} is not \"ID ADDRESS\""),
            OwnedError::Full => write!(f, "more than {MAX_OWNED} records"),
        }
    }
}

impl core::error::Error for OwnedError {}

/// The endpoints this mode made: (id, address) pairs, each unique.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owned {
    records: [Option<(u8, IpAddr)>; MAX_OWNED],
}

impl Default for Owned {
    fn default() -> Self {
        Self::new()
    }
}

const HEADER: &str = "mptcp-follow 1\n";

impl Owned {
    /// The longest text [`Owned::write`] makes: the header and [`MAX_OWNED`] lines of
    /// `ID ADDRESS` (at most 4 + 39 + 1 bytes each).
    pub const MAX_TEXT: usize = HEADER.len() + MAX_OWNED * 44;

    /// No records.
    pub const fn new() -> Owned {
        Owned { records: [None; MAX_OWNED] }
    }

    /// Whether endpoint `e` is one of this mode's: its id and address are recorded.
    pub fn owns(&self, e: &Endpoint) -> bool {
        self.records.contains(&Some((e.id, e.ip)))
    }

    /// Records endpoint `id` with address `ip` (idempotent).
    pub fn insert(&mut self, id: u8, ip: IpAddr) -> Result<(), OwnedError> {
        if self.records.contains(&Some((id, ip))) {
            return Ok(());
        }
        let free = self.records.iter_mut().find(|r| r.is_none()).ok_or(OwnedError::Full)?;
        *free = Some((id, ip));
        Ok(())
    }

    /// Forgets the record of `id` and `ip`.
    pub fn remove(&mut self, id: u8, ip: IpAddr) {
        for r in &mut self.records {
            if *r == Some((id, ip)) {
                *r = None;
            }
        }
    }

    /// Keeps only the records `keep` says yes to (after a dump of the kernel's table:
    /// a record of an endpoint that is gone is forgotten); whether any went.
    pub fn retain(&mut self, mut keep: impl FnMut(u8, IpAddr) -> bool) -> bool {
        let mut gone = false;
        for r in &mut self.records {
            if r.is_some_and(|(id, ip)| !keep(id, ip)) {
                *r = None;
                gone = true;
            }
        }
        gone
    }

    /// Every record.
    pub fn iter(&self) -> impl Iterator<Item = (u8, IpAddr)> + '_ {
        self.records.iter().flatten().copied()
    }

    /// How many records there are.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes the record's text into `out` (at least [`Owned::MAX_TEXT`] bytes to be
    /// sure of room; a shorter buffer gets the lines that fit) and returns its length.
    pub fn write(&self, out: &mut [u8]) -> usize {
        let mut w = Cursor { out, len: 0 };
        let _ = w.write_str(HEADER);
        for (id, ip) in self.iter() {
            let _ = writeln!(w, "{id} {ip}");
        }
        w.len
    }

    /// Reads a record's text. Blank lines and lines starting with `#` are skipped (a
    /// writer that changes the file in place marks a line it is writing or taking out
    /// so). Never panics; errors name the line, not its content.
    pub fn parse(text: &[u8]) -> Result<Owned, OwnedError> {
        Owned::parse_with(
            text,
            |id| core::str::from_utf8(id).ok()?.parse().ok(),
            |ip| core::str::from_utf8(ip).ok()?.parse().ok(),
        )
    }

    /// [`Owned::parse`] with the caller's readers for the id and the address of each
    /// line (a `no_std` binary that keeps core's integer and address parsers out of its
    /// image passes its own); the record's layout is checked here either way.
    pub fn parse_with(
        text: &[u8],
        id_of: impl Fn(&[u8]) -> Option<u8>,
        ip_of: impl Fn(&[u8]) -> Option<IpAddr>,
    ) -> Result<Owned, OwnedError> {
        let mut lines = text.split(|&b| b == b'\n');
        if lines.next() != Some(HEADER.trim_end().as_bytes()) {
            return Err(OwnedError::Header);
        }
        let mut own = Owned::new();
        for (i, line) in lines.enumerate() {
            if line.first().is_none_or(|&b| b == b'#') {
                continue;
            }
            let bad = OwnedError::Line { line: i + 2 };
            let space = line.iter().position(|&b| b == b' ').ok_or(bad)?;
            let id = id_of(&line[..space]).ok_or(bad)?;
            let ip = ip_of(&line[space + 1..]).ok_or(bad)?;
            own.insert(id, ip)?;
        }
        Ok(own)
    }
}

/// `fmt::Write` into a byte slice; what does not fit is cut at a line's start.
struct Cursor<'a> {
    out: &'a mut [u8],
    len: usize,
}

impl fmt::Write for Cursor<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        let slot = self.out.get_mut(self.len..end).ok_or(fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(id: u8, ip: &str) -> Endpoint {
        Endpoint { id, ip: ip.parse().unwrap(), ifindex: 2, flags: 2, port: 0 }
    }

    #[test]
    fn records_round_trip_and_own_by_id_and_address() {
        let mut own = Owned::new();
        own.insert(200, "10.1.0.2".parse().unwrap()).unwrap();
        own.insert(3, "2001:db8::2".parse().unwrap()).unwrap();
        own.insert(3, "2001:db8::2".parse().unwrap()).unwrap();
        assert_eq!(own.len(), 2);
        assert!(own.owns(&ep(200, "10.1.0.2")) && own.owns(&ep(3, "2001:db8::2")));
        assert!(!own.owns(&ep(201, "10.1.0.2")) && !own.owns(&ep(200, "10.1.0.3")));
        let mut text = [0u8; Owned::MAX_TEXT];
        let n = own.write(&mut text);
        assert_eq!(&text[..n], b"mptcp-follow 1\n200 10.1.0.2\n3 2001:db8::2\n");
        assert_eq!(Owned::parse(&text[..n]), Ok(own));
        own.remove(200, "10.1.0.2".parse().unwrap());
        assert!(own.retain(|id, _| id != 3));
        assert!(!own.retain(|_, _| false) || own.is_empty());
        assert!(own.is_empty());
    }

    #[test]
    fn bad_text_names_the_line_only() {
        assert_eq!(Owned::parse(b"root:x:0:0\n"), Err(OwnedError::Header));
        assert_eq!(
            Owned::parse(b"mptcp-follow 1\n1 10.0.0.1\n\nx y\n"),
            Err(OwnedError::Line { line: 4 })
        );
        assert_eq!(
            Owned::parse(b"mptcp-follow 1\n256 10.0.0.1\n"),
            Err(OwnedError::Line { line: 2 })
        );
        assert_eq!(Owned::parse(b"mptcp-follow 1\n1 \xff\n"), Err(OwnedError::Line { line: 2 }));
        let mut many = std::string::String::from("mptcp-follow 1\n");
        for i in 0..=MAX_OWNED {
            many += &std::format!("{i} 10.0.0.{i}\n");
        }
        assert_eq!(Owned::parse(many.as_bytes()), Err(OwnedError::Full));
        // A line being written or taken out in place is skipped, whatever follows its `#`.
        assert_eq!(
            Owned::parse(b"mptcp-follow 1\n#02 10.0.0\n1 10.0.0.1\n#\n\n"),
            Ok(Owned::parse(b"mptcp-follow 1\n1 10.0.0.1\n").unwrap())
        );
        let e = std::format!("{}", OwnedError::Line { line: 4 });
        assert_eq!(e, "line 4 is not \"ID ADDRESS\"");
    }
}
