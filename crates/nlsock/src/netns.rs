//! [`enter_netns`]: switch the calling thread to a named network namespace, as `ip -n` does.

use core::fmt;

use crate::{Errno, sys};

/// Where `ip netns add` keeps its namespaces.
const NETNS_DIR: &[u8] = b"/run/netns/";

/// Which step of entering a namespace failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NetnsError {
    /// `/run/netns/NAME` could not be opened (e.g. `ENOENT`: no such namespace).
    Open(Errno),
    /// `setns(CLONE_NEWNET)` failed.
    Setns(Errno),
}

impl NetnsError {
    /// The system call's error number.
    pub fn errno(&self) -> Errno {
        match *self {
            NetnsError::Open(e) | NetnsError::Setns(e) => e,
        }
    }
}

impl fmt::Display for NetnsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NetnsError::Open(e) => write!(f, "cannot open the network namespace: {e}"),
            NetnsError::Setns(e) => write!(f, "cannot enter the network namespace: {e}"),
        }
    }
}

impl core::error::Error for NetnsError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            NetnsError::Open(e) | NetnsError::Setns(e) => Some(e),
        }
    }
}

/// Moves the calling thread into the network namespace `name` (`/run/netns/NAME`).
/// Call it before opening sockets: a socket stays in the namespace it was made in.
pub fn enter_netns(name: &str) -> Result<(), NetnsError> {
    let mut path = [0u8; 256];
    let end = NETNS_DIR.len() + name.len();
    if name.is_empty() || end >= path.len() || name.as_bytes().contains(&0) {
        return Err(NetnsError::Open(Errno(if name.is_empty() {
            libc::ENOENT
        } else {
            libc::ENAMETOOLONG
        })));
    }
    path[..NETNS_DIR.len()].copy_from_slice(NETNS_DIR);
    path[NETNS_DIR.len()..end].copy_from_slice(name.as_bytes());
    let fd = sys::open_ro(&path[..=end]).map_err(NetnsError::Open)?;
    let r = sys::setns(fd, libc::CLONE_NEWNET).map_err(NetnsError::Setns);
    sys::close(fd);
    r
}
