//! [`enter_netns`]: switch the calling thread to a named network namespace, as `ip -n` does.

use core::fmt;

use crate::{Errno, sys};

/// Where `ip netns add` keeps its namespaces, spelt as iproute2's `NETNS_RUN_DIR`.
const NETNS_DIR: &[u8] = b"/var/run/netns/";

/// `PATH_MAX`: the longest path (with its NUL) the kernel takes; `ip -n` builds its
/// path in a buffer of this size.
const PATH_MAX: usize = libc::PATH_MAX as usize;

/// The path buffer of a name that fits it: the common case, kept small so that entering
/// a namespace touches no new stack page.
const SHORT_PATH: usize = 256;

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

/// Moves the calling thread into the network namespace `name` (`/var/run/netns/NAME`).
/// Call it before opening sockets: a socket stays in the namespace it was made in.
///
/// The name is taken as `ip -n` takes it (`netns_switch`): the path is built in a
/// `PATH_MAX` (4096-byte) buffer, cut to fit as `snprintf` cuts it, and the kernel
/// judges it. So the empty name opens the directory itself and fails in `setns`
/// (`EINVAL`), a name with `/` may leave the directory, and a name too long for a path
/// is cut, the kernel answering for what is left (`ENOENT`, or `ENAMETOOLONG` for a
/// component over 255 bytes). A name holding a NUL byte, which no C string can, is `EINVAL`.
///
/// The name is bytes (`&str`, `&[u8]`, `&String`…): a namespace name, like a file name,
/// need not be UTF-8.
pub fn enter_netns(name: impl AsRef<[u8]>) -> Result<(), NetnsError> {
    enter(name.as_ref())
}

/// [`enter_netns`], not generic.
#[allow(
    clippy::manual_contains,
    reason = "a plain loop: `contains` is core's memchr, hundreds of bytes in a static binary"
)]
fn enter(name: &[u8]) -> Result<(), NetnsError> {
    if name.iter().any(|&b| b == 0) {
        return Err(NetnsError::Open(Errno(libc::EINVAL)));
    }
    let fd = if NETNS_DIR.len() + name.len() < SHORT_PATH {
        open_in::<SHORT_PATH>(name)
    } else {
        open_long(name)
    }
    .map_err(NetnsError::Open)?;
    let r = sys::setns(fd, libc::CLONE_NEWNET).map_err(NetnsError::Setns);
    sys::close(fd);
    r
}

/// [`open_in`] with a `PATH_MAX` buffer, out of line so that only long names pay for
/// its stack.
#[inline(never)]
#[cold]
fn open_long(name: &[u8]) -> Result<i32, Errno> {
    open_in::<PATH_MAX>(name)
}

/// Opens `NETNS_DIR` + `name` read-only, built in `N` bytes.
fn open_in<const N: usize>(name: &[u8]) -> Result<i32, Errno> {
    let mut path = [0u8; N];
    let end = build_path(name, &mut path);
    sys::open_ro(&path[..=end])
}

/// Writes `NETNS_DIR` + `name` and a NUL into `path` (at least `NETNS_DIR` and a NUL
/// long), cut to `path.len() - 1` bytes as `snprintf` cuts it; returns where the NUL is.
fn build_path(name: &[u8], path: &mut [u8]) -> usize {
    let end = (NETNS_DIR.len() + name.len()).min(path.len().saturating_sub(1));
    let bytes = NETNS_DIR.iter().chain(name).take(end).chain(&[0]);
    for (to, from) in path.iter_mut().zip(bytes) {
        *to = *from;
    }
    end
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn paths_are_built_as_snprintf_builds_them() {
        let mut path = [0xffu8; 24];
        let end = build_path(b"", &mut path);
        assert_eq!(&path[..=end], b"/var/run/netns/\0");
        let end = build_path(b"ns1", &mut path);
        assert_eq!(&path[..=end], b"/var/run/netns/ns1\0");
        // Too long: cut to the buffer less its NUL, never an error of our own.
        let end = build_path(b"0123456789abc", &mut path);
        assert_eq!(&path[..=end], b"/var/run/netns/01234567\0");
    }

    #[test]
    fn names_are_judged_by_the_kernel() {
        // As `ip netns add` makes it; the answers below need it to exist.
        std::fs::create_dir_all("/var/run/netns").expect("/var/run/netns");
        // The directory itself: opened, then refused by setns.
        assert_eq!(enter_netns(""), Err(NetnsError::Setns(Errno(libc::EINVAL))));
        // A name of 250 bytes, too long for the short buffer but not for the kernel.
        let long = "n".repeat(250);
        assert_eq!(enter_netns(&long), Err(NetnsError::Open(Errno(libc::ENOENT))));
        // Over 255 bytes in one component: the kernel's own refusal.
        let longer = "n".repeat(300);
        assert_eq!(enter_netns(&longer), Err(NetnsError::Open(Errno(libc::ENAMETOOLONG))));
        // Past PATH_MAX with short components: cut, then not found.
        let deep = "x/".repeat(3000);
        assert_eq!(enter_netns(&deep), Err(NetnsError::Open(Errno(libc::ENOENT))));
        assert_eq!(enter_netns("a\0b"), Err(NetnsError::Open(Errno(libc::EINVAL))));
    }
}
