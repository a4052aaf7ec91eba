//! [`Record`]: the ownership record on disk, one per network namespace, and the guard
//! that lets one `endpoint follow` run per namespace.
//!
//! The record (the text of `mptcp_follow::Owned`, written and read here with the CLI's
//! own address text and `inet_pton`) lives in `/run/mptcp-follow/`, named by the
//! namespace's device and inode, or at `state FILE`. It is rewritten before a request
//! that makes an endpoint goes to the kernel, and settled after the answer: an endpoint
//! in the kernel's table is this mode's exactly when its id and address are recorded,
//! also after `kill -9`.
//!
//! How it is rewritten: the file is [`FILE_LEN`] bytes, the header and then one slot of
//! [`SLOT`] bytes per possible record, each `ID ADDRESS` and newlines or only newlines
//! (blank lines, which a reader skips). It is written whole once, with one `pwrite`,
//! and then kept mapped shared ([`sys::Shared`]): a change is a few stores into one
//! slot of the page cache, no system call (the `pwrite` of the whole text it replaced
//! cost 10-20 µs per change, cold, about a tenth of `follow`'s CPU time per change).
//! A `kill -9` may land between any two stores, and they are made one by one, in an
//! order that leaves every state in between meaning the old record or the new one:
//! - a record is written into a blank slot behind a `#` in its first byte (a line
//!   starting with `#` is skipped), the rest from its start, and its first byte last;
//! - a record is taken out by a `#` in its first byte, then blanked from its end, its
//!   first byte last.
//!
//! The next run (the guard makes it start only after this one is gone) reads the file
//! as any record is read. A power cut is not covered, and need not be: the endpoints go
//! with a reboot too, and the first dump prunes whatever the record still names. A
//! file cut short under the mapping (by hand) is written whole again at the next
//! change. Earlier ways, a temporary file renamed over the record and then a `pwrite`
//! of the whole text per change, cost more system calls per change than the rest of
//! `follow` (perf, `cargo xtask bench --follow-only`).
//!
//! A record outlives its namespace (follow stopped or killed, then the namespace
//! deleted), and the kernel hands the namespace's inode number to a later namespace:
//! that one must not inherit the record. Beside the record, `PATH.netns` holds the
//! namespace's birth mark ([`birth`]); a record whose mark is another namespace's is
//! removed at start, and a new one is written in its place.

use core::net::IpAddr;

use mptcp_follow::{Endpoint, MAX_OWNED, Owned, OwnedError};

use crate::os::sys::{self, Fd, Shared};
use crate::prelude::*;
use crate::print::addr::{Text, decimal, inet_pton};

/// Where records live by default (tmpfs: it goes with a reboot, as endpoints do).
const RUN_DIR: &str = "/run/mptcp-follow";

/// The abstract unix socket name that marks a running `endpoint follow`.
const GUARD: &[u8] = b"mptcp-endpoint-follow";

/// Holds the namespace's guard while it lives (the kernel drops it at any exit).
pub struct Guard(#[allow(dead_code)] Fd);

/// Takes the namespace's one-instance guard: `Err` with the errno when another
/// `endpoint follow` holds it (`EADDRINUSE`) or the socket cannot be made.
pub fn guard() -> Result<Guard, i32> {
    sys::bind_abstract(GUARD).map(Guard).map_err(|e| e.0)
}

/// The record of this namespace's endpoints.
pub struct Record {
    path: String,
    owned: Owned,
    /// Whether writes are wanted (`dry-run` writes nothing).
    write: bool,
    /// The file's mapping, once this run has written it.
    file: Option<Shared>,
    /// The length of the file as read or last written (0: none to remove at the end).
    len: usize,
    /// The file's text as this run last wrote it.
    text: [u8; FILE_LEN],
    /// This namespace's birth mark (`None`: unknown, no mark is written or checked).
    birth: Option<Vec<u8>>,
    /// The path of the record's birth mark.
    mark: String,
}

/// Why the record could not be used.
#[derive(Debug, Clone, Copy)]
pub enum RecordError {
    /// The file exists but is not a record (what is wrong, without its content).
    Bad(mptcp_follow::OwnedError),
    /// The file could not be read or written (errno).
    Io(i32),
}

impl core::fmt::Display for RecordError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            RecordError::Bad(e) => write!(f, "{e}"),
            RecordError::Io(errno) => write!(f, "{}", crate::os::io::Error(*errno)),
        }
    }
}

impl Record {
    /// The default path for the calling process's namespace.
    pub fn default_path() -> Result<String, RecordError> {
        let (dev, ino) = sys::netns_id().map_err(|e| RecordError::Io(e.0))?;
        Ok(format!("{RUN_DIR}/netns-{dev}-{ino}"))
    }

    /// Reads the record at `path` (none yet: nothing owned). A record another
    /// namespace left (its birth mark is not this namespace's) owns nothing, and is
    /// removed unless `write` is off.
    pub fn open(path: String, write: bool) -> Result<Record, RecordError> {
        let mut mark = path.clone();
        mark.push_str(".netns");
        let ours = birth();
        let stale =
            ours.is_some() && sys::read_file(&mark, 32).is_ok_and(|theirs| Some(theirs) != ours);
        if stale && write {
            let _ = sys::remove_file(&path);
            let _ = sys::remove_file(&mark);
        }
        let (owned, len) = match sys::read_file(&path, Owned::MAX_TEXT + 1) {
            Ok(_) if stale => (Owned::new(), 0),
            Ok(bytes) => (parse(&bytes).map_err(RecordError::Bad)?, bytes.len()),
            Err(e) if e.0 == libc::ENOENT => (Owned::new(), 0),
            Err(e) => return Err(RecordError::Io(e.0)),
        };
        Ok(Record { path, owned, write, file: None, len, text: BLANK_FILE, birth: ours, mark })
    }

    /// The path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The endpoints this mode owns.
    pub fn owned(&self) -> &Owned {
        &self.owned
    }

    /// Records `e` before its add goes to the kernel.
    pub fn claim(&mut self, e: &Endpoint) -> Result<(), RecordError> {
        if self.owned.owns(e) {
            return Ok(());
        }
        self.owned.insert(e.id, e.ip).map_err(RecordError::Bad)?;
        self.change(&BLANK, &slot_of(e.id, e.ip))
    }

    /// Forgets `e` (its add was refused or its delete done).
    pub fn release(&mut self, e: &Endpoint) -> Result<(), RecordError> {
        if !self.owned.owns(e) {
            return Ok(());
        }
        self.owned.remove(e.id, e.ip);
        self.change(&slot_of(e.id, e.ip), &BLANK)
    }

    /// Keeps only the records of endpoints in `table` (after a dump, with nothing in
    /// flight): one deleted by someone else is no longer this mode's.
    pub fn prune(&mut self, table: &[Endpoint]) -> Result<(), RecordError> {
        let gone = self.owned.retain(|id, ip| table.iter().any(|e| e.id == id && e.ip == ip));
        if gone && self.write { self.write_whole() } else { Ok(()) }
    }

    /// Turns a slot of the file that holds `from` into `to` through the mapping; writes
    /// the file whole instead when it is not mapped yet, the slot is not there, or the
    /// file was cut short under the mapping.
    fn change(&mut self, from: &[u8; SLOT], to: &[u8; SLOT]) -> Result<(), RecordError> {
        if !self.write {
            return Ok(());
        }
        match &self.file {
            Some(map)
                if edit_slot(&mut self.text, from, to, &mut |i, b| map.set(i, b))
                    && !map.lost() =>
            {
                Ok(())
            }
            _ => self.write_whole(),
        }
    }

    /// Writes the file whole (its birth mark first, when known) and maps it.
    fn write_whole(&mut self) -> Result<(), RecordError> {
        let io = |e: crate::os::io::Error| RecordError::Io(e.0);
        self.file = None;
        if let Some(b) = &self.birth {
            sys::open_rw_create(&self.mark).and_then(|m| m.write_at(b, 0)).map_err(io)?;
        }
        let file = sys::open_rw_create(&self.path).map_err(io)?;
        write(&self.owned, &mut self.text);
        file.write_at(&self.text, 0).map_err(io)?;
        self.len = FILE_LEN;
        self.file = Some(Shared::map(&file, FILE_LEN).map_err(io)?);
        Ok(())
    }
}

impl Drop for Record {
    /// A record that owns nothing is removed when the run ends (a `kill -9` leaves it,
    /// blank, which reads as nothing owned).
    fn drop(&mut self) {
        if self.write && self.owned.is_empty() && (self.file.is_some() || self.len > 0) {
            let _ = sys::remove_file(&self.path);
            let _ = sys::remove_file(&self.mark);
        }
    }
}

/// The calling process's network namespace's birth mark: the inode number of the
/// namespace's own route-netlink socket (protocol 0, port id 0 in
/// `/proc/self/net/netlink`: user sockets are listed only once bound, with a port id),
/// which the kernel makes with the namespace and drops with it. Socket inode numbers
/// come from a counter, so a later namespace with the same inode number has another
/// mark. `None` when the file cannot be read.
fn birth() -> Option<Vec<u8>> {
    let text = sys::read_file("/proc/self/net/netlink", 1 << 20).ok()?;
    birth_in(&text)
}

/// [`birth`] from the file's text: the last word of the line whose protocol and port
/// id (the columns after the socket's address, `%-3d %-10u`) are both 0.
fn birth_in(text: &[u8]) -> Option<Vec<u8>> {
    text.split(|&b| b == b'\n').find_map(|line| {
        let line = line.trim_ascii_end();
        let first = line.iter().position(|&b| b == b' ')?;
        let last = line.iter().rposition(|&b| b == b' ')?;
        let ours = line.get(first..)?.starts_with(b" 0   0 ");
        ours.then(|| line.get(last + 1..).map(<[u8]>::to_vec)).flatten()
    })
}

const HEADER: &[u8] = b"mptcp-follow 1\n";

/// The bytes of one record's slot: `ID ADDRESS` (at most 3 + 1 + 39) and newlines.
const SLOT: usize = 44;

/// The file's length: the header and a slot per record there may be.
const FILE_LEN: usize = HEADER.len() + MAX_OWNED * SLOT;

/// Writes `owned`'s text into `out`: the header, then each record in a slot of its own,
/// in order, the slots after them blank.
fn write(owned: &Owned, out: &mut [u8; FILE_LEN]) {
    *out = BLANK_FILE;
    if let Some(head) = out.get_mut(..HEADER.len()) {
        head.copy_from_slice(HEADER);
    }
    for (id, ip) in owned.iter() {
        edit_slot(out, &BLANK, &slot_of(id, ip), &mut |_, _| {});
    }
}

/// A blank slot.
const BLANK: [u8; SLOT] = [b'\n'; SLOT];

/// A file of blank lines, before its first write.
const BLANK_FILE: [u8; FILE_LEN] = [b'\n'; FILE_LEN];

/// A slot holding `ID ADDRESS`, the address in `inet_ntop`'s form (on the stack: a
/// change allocates nothing).
fn slot_of(id: u8, ip: IpAddr) -> [u8; SLOT] {
    let mut slot = BLANK;
    let mut n = 0;
    let mut put = |b: u8| {
        if let Some(s) = slot.get_mut(n) {
            *s = b;
            n += 1;
        }
    };
    let (digits, len) = decimal(id);
    digits.iter().take(len).copied().for_each(&mut put);
    put(b' ');
    Text::of(ip).as_str().bytes().for_each(put);
    slot
}

/// Turns the first slot of `text` that holds `from` into `to`, through `put`: `#` first,
/// then the bytes after it (from the start when a line is written into a blank slot,
/// from the end when one is blanked, so the bytes in between stay one line behind the
/// `#`), the first byte last.
#[inline(never)]
fn edit_slot(
    text: &mut [u8],
    from: &[u8; SLOT],
    to: &[u8; SLOT],
    put: &mut dyn FnMut(usize, u8),
) -> bool {
    let slots = text.get(HEADER.len()..).unwrap_or_default();
    let Some(k) = slots.chunks_exact(SLOT).position(|s| s == from) else {
        return false;
    };
    let at = HEADER.len() + k * SLOT;
    put(at, b'#');
    let blanking = to[0] == b'\n';
    for k in 1..SLOT {
        let i = if blanking { SLOT - k } else { k };
        put(at + i, to.get(i).copied().unwrap_or(b'\n'));
    }
    put(at, to[0]);
    if let Some(slot) = text.get_mut(at..at + SLOT) {
        slot.copy_from_slice(to);
    }
    true
}

/// Reads a record's text (`Owned::parse`'s rules, with `inet_pton` for the address and
/// plain decimal digits for the id): never panics, and an error names the line, not its
/// content.
fn parse(text: &[u8]) -> Result<Owned, OwnedError> {
    Owned::parse_with(text, decimal_u8, inet_pton)
}

/// 1 to 3 decimal digits up to 255.
fn decimal_u8(s: &[u8]) -> Option<u8> {
    if s.is_empty() || s.len() > 3 {
        return None;
    }
    let mut v: u16 = 0;
    for &b in s {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u16::from(b - b'0');
    }
    u8::try_from(v).ok()
}

/// Every record fits its slot, and the file is a text a reader takes.
const _: () = assert!(3 + 1 + 39 < SLOT && FILE_LEN <= Owned::MAX_TEXT);

#[cfg(test)]
mod tests {
    use core::net::IpAddr;

    use proptest::prelude::*;

    use super::*;

    /// A record's path in a folder of this test process's own (`mptcp-TAG-PID`).
    fn scratch(tag: &str) -> (std::path::PathBuf, String) {
        let dir = std::env::temp_dir().join(std::format!("mptcp-{tag}-{}", std::process::id()));
        let path = dir.join("rec").to_str().unwrap().to_string();
        (dir, path)
    }

    fn ep(id: u8, ip: &str) -> Endpoint {
        Endpoint { id, ip: ip.parse().unwrap(), ifindex: 2, flags: 2, port: 0 }
    }

    /// The tests that map a record take turns: the process has one mapping at a time.
    static MAPPING: std::sync::Mutex<()> = std::sync::Mutex::new(());

    fn owned_of(records: &[(u8, IpAddr)]) -> Owned {
        let mut own = Owned::new();
        for (id, ip) in records {
            own.insert(*id, *ip).unwrap();
        }
        own
    }

    proptest! {
        /// The CLI's text and the library's read each other (the library's
        /// `Owned::write`/`parse` use core's address text, which the binary leaves out).
        #[test]
        fn text_agrees_with_the_library(
            records in proptest::collection::vec((any::<u8>(), any::<IpAddr>()), 0..=MAX_OWNED)
        ) {
            let own = owned_of(&records);
            let mut ours = [0u8; FILE_LEN];
            write(&own, &mut ours);
            prop_assert_eq!(Owned::parse(&ours), Ok(own));
            let mut theirs = [0u8; Owned::MAX_TEXT];
            let m = own.write(&mut theirs);
            prop_assert_eq!(parse(&theirs[..m]), Ok(own));
        }

        /// Killed between any two stores of a change, the file reads as the record
        /// before the change or after it, never as anything else.
        #[test]
        fn every_store_leaves_the_old_record_or_the_new(
            records in proptest::collection::vec((any::<u8>(), any::<IpAddr>()), 0..MAX_OWNED),
            new in (any::<u8>(), any::<IpAddr>()),
            out in any::<prop::sample::Index>(),
            take_out in any::<bool>(),
        ) {
            let before = owned_of(&records);
            let mut after = before;
            let (from, to) = if take_out && !before.is_empty() {
                let r = before.iter().nth(out.index(before.len())).unwrap();
                after.remove(r.0, r.1);
                (slot_of(r.0, r.1), BLANK)
            } else {
                prop_assume!(after.insert(new.0, new.1).is_ok() && after != before);
                (BLANK, slot_of(new.0, new.1))
            };
            let mut text = [0u8; FILE_LEN];
            write(&before, &mut text);
            let mut file = text;
            let mut seen = 0;
            let set = |o: &Owned| {
                let mut v: Vec<(u8, IpAddr)> = o.iter().collect();
                v.sort();
                v
            };
            let (old, new) = (set(&before), set(&after));
            let mut put = |i: usize, b: u8| {
                file[i] = b;
                seen += 1;
                let now = parse(&file).map(|o| set(&o));
                assert!(now.as_ref() == Ok(&old) || now.as_ref() == Ok(&new), "after store {seen}: {now:?}");
            };
            prop_assert!(edit_slot(&mut text, &from, &to, &mut put));
            prop_assert_eq!(parse(&text).map(|o| set(&o)), Ok(new));
            prop_assert_eq!(&file, &text);
        }

        /// Any bytes: an answer, never a panic, and the library's answer when it accepts.
        #[test]
        fn any_bytes_parse_or_name_a_line(text in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut with_header = HEADER.to_vec();
            with_header.extend_from_slice(&text);
            for t in [&text[..], &with_header[..]] {
                if let Ok(own) = parse(t) {
                    prop_assert_eq!(Owned::parse(t), Ok(own));
                }
            }
        }
    }

    #[test]
    fn bad_text_names_the_line_only() {
        assert_eq!(parse(b"root:x:0:0\n"), Err(OwnedError::Header));
        assert_eq!(
            parse(b"mptcp-follow 1\n1 10.0.0.1\n\nx y\n"),
            Err(OwnedError::Line { line: 4 })
        );
        assert_eq!(parse(b"mptcp-follow 1\n256 10.0.0.1\n"), Err(OwnedError::Line { line: 2 }));
        assert_eq!(parse(b"mptcp-follow 1\n1 \xff\n"), Err(OwnedError::Line { line: 2 }));
        assert_eq!(parse(b"mptcp-follow 1\n1 10.0.0.1 \n"), Err(OwnedError::Line { line: 2 }));
    }

    #[test]
    fn the_birth_mark_is_the_kernel_route_sockets_inode() {
        let text = b"sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode\n\
            00000000aa 0   4021       00000551 0        0        0     2        0        88\n\
            00000000bb 0   0          00000000 0        0        0     2        0        1216262 \n\
            00000000cc 9   0          00000000 0        0        0     2        0        1216264\n";
        assert_eq!(birth_in(text), Some(b"1216262".to_vec()));
        assert_eq!(birth_in(b"sk Eth Pid\n0 0 0\n"), None, "a short line");
        assert_eq!(birth_in(b""), None);
        assert!(birth().is_some(), "this namespace has a route socket");
    }

    /// A record whose birth mark is another namespace's owns nothing and goes (with its
    /// mark); one written here carries this namespace's mark and is read back.
    #[test]
    fn a_record_another_namespace_left_is_removed() {
        let _turn = MAPPING.lock().unwrap_or_else(|e| e.into_inner());
        let dir = std::env::temp_dir().join(std::format!("mptcp-birth-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("rec").to_str().unwrap().to_string();
        let mark = std::format!("{path}.netns");
        std::fs::write(&path, b"mptcp-follow 1\n7 10.0.0.1\n").unwrap();
        std::fs::write(&mark, b"1").unwrap();
        let r = Record::open(path.clone(), false).unwrap();
        assert!(r.owned().is_empty());
        assert!(std::path::Path::new(&path).exists(), "a dry run removes nothing");
        drop(r);
        let mut r = Record::open(path.clone(), true).unwrap();
        assert!(r.owned().is_empty());
        assert!(!std::path::Path::new(&path).exists() && !std::path::Path::new(&mark).exists());
        let e = Endpoint { id: 7, ip: "10.0.0.1".parse().unwrap(), ifindex: 2, flags: 2, port: 0 };
        r.claim(&e).unwrap();
        assert_eq!(std::fs::read(&mark).unwrap(), birth().unwrap());
        drop(r);
        let r = Record::open(path.clone(), true).unwrap();
        assert!(r.owned().owns(&e), "this namespace's own record");
        drop(r);
        let _ = std::fs::remove_file(&path);
        let _ = std::fs::remove_file(&mark);
        let _ = std::fs::remove_dir(&dir);
    }

    /// Changed in place through the mapping: the file keeps its length, a record taken
    /// out leaves a blank slot and no tail, the file reads back as what is owned, and an
    /// empty record goes when the run ends.
    #[test]
    fn rewritten_in_place_without_a_tail() {
        let _turn = MAPPING.lock().unwrap_or_else(|e| e.into_inner());
        let (dir, path) = scratch("record");
        let (a, b) = (ep(200, "2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff"), ep(7, "10.0.0.1"));
        let mut r = Record::open(path.clone(), true).unwrap();
        r.claim(&a).unwrap();
        r.claim(&b).unwrap();
        let long = std::fs::read(&path).unwrap();
        r.release(&a).unwrap();
        let short = std::fs::read(&path).unwrap();
        assert_eq!((short.len(), long.len()), (FILE_LEN, FILE_LEN));
        let lines: Vec<&[u8]> = short.split(|&c| c == b'\n').filter(|l| !l.is_empty()).collect();
        assert_eq!(lines, [&b"mptcp-follow 1"[..], b"7 10.0.0.1"]);
        let read: Vec<(u8, IpAddr)> = Owned::parse(&short).unwrap().iter().collect();
        assert_eq!(read, r.owned().iter().collect::<Vec<_>>());
        drop(r);
        // Reopened, it owns what it said; emptied and dropped, the file goes.
        let mut r = Record::open(path.clone(), true).unwrap();
        assert!(r.owned().owns(&b) && !r.owned().owns(&a));
        r.release(&b).unwrap();
        drop(r);
        assert!(!std::path::Path::new(&path).exists());
        let _ = std::fs::remove_dir(&dir);
    }

    /// A file cut short under the mapping costs no `SIGBUS`: the change lands, and the
    /// file is written whole again.
    #[test]
    fn a_file_cut_short_under_the_mapping_is_written_again() {
        let _turn = MAPPING.lock().unwrap_or_else(|e| e.into_inner());
        let (dir, path) = scratch("cut");
        let mut r = Record::open(path.clone(), true).unwrap();
        r.claim(&ep(1, "10.0.0.1")).unwrap();
        std::fs::File::options().write(true).open(&path).unwrap().set_len(0).unwrap();
        r.claim(&ep(2, "10.0.0.2")).unwrap();
        let text = std::fs::read(&path).unwrap();
        assert_eq!(text.len(), FILE_LEN);
        let read: Vec<(u8, IpAddr)> = Owned::parse(&text).unwrap().iter().collect();
        assert_eq!(read, r.owned().iter().collect::<Vec<_>>());
        assert_eq!(r.owned().len(), 2);
        r.release(&ep(1, "10.0.0.1")).unwrap();
        r.release(&ep(2, "10.0.0.2")).unwrap();
        drop(r);
        let _ = std::fs::remove_dir(&dir);
    }
}
