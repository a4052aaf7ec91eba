//! [`Record`]: the ownership record on disk, one per network namespace, and the guard
//! that lets one `endpoint follow` run per namespace.
//!
//! The record (`mptcp_follow::Owned`'s text) lives in `/run/mptcp-follow/`, named by
//! the namespace's device and inode, or at `state FILE`. It is written (to a temporary
//! file, synced, renamed over the old one) before a request that makes an endpoint goes
//! to the kernel, and settled after the answer: an endpoint in the kernel's table is
//! this mode's exactly when its id and address are recorded, also after `kill -9`.

use mptcp_follow::{Endpoint, Owned};

use crate::os::sys::{self, Fd};
use crate::prelude::*;

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
    text: Vec<u8>,
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

    /// Reads the record at `path` (none yet: nothing owned).
    pub fn open(path: String, write: bool) -> Result<Record, RecordError> {
        let owned = match sys::read_file(&path, Owned::MAX_TEXT + 1) {
            Ok(bytes) => Owned::parse(&bytes).map_err(RecordError::Bad)?,
            Err(e) if e.0 == libc::ENOENT => Owned::new(),
            Err(e) => return Err(RecordError::Io(e.0)),
        };
        Ok(Record { path, owned, write, text: vec![0u8; Owned::MAX_TEXT] })
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
        let before = self.owned;
        self.owned.insert(e.id, e.ip).map_err(RecordError::Bad)?;
        self.save_if_changed(&before)
    }

    /// Forgets `e` (its add was refused or its delete done).
    pub fn release(&mut self, e: &Endpoint) -> Result<(), RecordError> {
        let before = self.owned;
        self.owned.remove(e.id, e.ip);
        self.save_if_changed(&before)
    }

    /// Keeps only the records of endpoints in `table` (after a dump, with nothing in
    /// flight): one deleted by someone else is no longer this mode's.
    pub fn prune(&mut self, table: &[Endpoint]) -> Result<(), RecordError> {
        let before = self.owned;
        self.owned.retain(|id, ip| table.iter().any(|e| e.id == id && e.ip == ip));
        self.save_if_changed(&before)
    }

    fn save_if_changed(&mut self, before: &Owned) -> Result<(), RecordError> {
        if *before == self.owned || !self.write {
            return Ok(());
        }
        if self.owned.is_empty() {
            return match sys::remove_file(&self.path) {
                Ok(()) => Ok(()),
                Err(e) if e.0 == libc::ENOENT => Ok(()),
                Err(e) => Err(RecordError::Io(e.0)),
            };
        }
        let n = self.owned.write(&mut self.text);
        sys::write_file_atomic(&self.path, &self.text[..n]).map_err(|e| RecordError::Io(e.0))
    }
}
