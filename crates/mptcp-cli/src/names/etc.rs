//! Which hosts file and resolv.conf `-r` reads: `/etc/`'s, or after `-n NAME` those of
//! `/etc/netns/NAME/`, as `ip -n NAME` sees them.
//!
//! `ip -n NAME` (iproute2's `netns_switch`) enters the namespace, then, in a private mount
//! namespace, bind-mounts each entry of `/etc/netns/NAME/` over the entry of the same
//! name in `/etc/` (`bind_etc`), so that glibc reads `/etc/netns/NAME/hosts` and
//! `/etc/netns/NAME/resolv.conf` where they exist. Those two are the only files `-r`
//! reads, so choosing the path gives what `ip` reads without a mount namespace: no
//! `unshare` or `mount` (and no mount namespace left behind for anything else), and no
//! system call at all until `-r` looks a name up. The rule follows the mounts:
//!
//! - A file of `/etc/netns/NAME/` counts when it can be read and `/etc/` has an entry of
//!   that name for it to cover (a bind mount needs its target: without `/etc/hosts`,
//!   `ip`'s mount fails and it reads no hosts file).
//! - Each `-n` covers what those before it left: after `-n a -n b`, b's file, else a's,
//!   else `/etc/`'s.
//! - NAME is used as typed, as `bind_etc` uses it: the directory is `/etc/netns/` then
//!   NAME, so a NAME with `/` or `..` leads where that path leads for `ip` too. It is not
//!   confined to `/etc/netns/` because `ip` does not confine it either, and reading other
//!   files than `ip` would break the drop-in; NAME has already opened as a namespace under
//!   `/run/netns/`, only root can enter one, and nothing here is written. A NAME of
//!   `NAME_MAX` (255) bytes or more binds nothing, as in `bind_etc`.

use crate::os::sys;
use crate::prelude::*;

/// The largest hosts file or resolv.conf read.
pub const MAX_FILE: usize = 16 << 20;

/// `NAME_MAX`: `bind_etc` binds nothing for a name this long or longer.
const NAME_MAX: usize = 255;

/// A file `-r` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum File {
    /// `hosts`.
    Hosts,
    /// `resolv.conf`.
    ResolvConf,
}

impl File {
    /// The file's name in `/etc/`.
    pub fn name(self) -> &'static str {
        match self {
            File::Hosts => "hosts",
            File::ResolvConf => "resolv.conf",
        }
    }
}

/// A namespace name kept in place (a one-shot `-n NAME` command makes no allocation).
#[derive(Debug, Clone, Copy)]
struct Name {
    buf: [u8; NAME_MAX - 1],
    len: u8,
}

impl Name {
    /// `name` (bytes, as typed), or `None` when `bind_etc` would bind nothing for it
    /// (too long).
    fn new(bytes: &[u8]) -> Option<Name> {
        let mut n = Name { buf: [0; NAME_MAX - 1], len: 0 };
        n.buf.get_mut(..bytes.len())?.copy_from_slice(bytes);
        n.len = bytes.len() as u8;
        Some(n)
    }

    fn as_bytes(&self) -> &[u8] {
        self.buf.get(..usize::from(self.len)).unwrap_or_default()
    }
}

/// What `/etc` means for `-r` after the `-n` options: the namespaces entered, in order.
#[derive(Debug, Clone, Default)]
pub struct Etc {
    /// The last `-n`: its files come first.
    last: Option<Name>,
    /// The `-n`s before it, first first (only a repeated `-n` allocates).
    before: Vec<Name>,
}

impl Etc {
    /// Records `-n NAME` (bytes, as typed), once the namespace is entered.
    pub fn enter(&mut self, name: &[u8]) {
        let Some(name) = Name::new(name) else { return };
        if let Some(before) = self.last.replace(name) {
            self.before.push(before);
        }
    }

    /// The text of `file` as `ip -n` would read it (empty when there is none).
    pub fn read(&self, file: File) -> Vec<u8> {
        self.read_under("/etc", file)
    }

    /// [`Etc::read`] with `root` for `/etc` (tests use a directory of their own).
    fn read_under(&self, root: &str, file: File) -> Vec<u8> {
        let read = |path: &[u8]| sys::read_file_at(path, MAX_FILE).ok();
        let (root, name_of) = (root.as_bytes(), file.name().as_bytes());
        let etc = concat(&[root, b"/", name_of]);
        for name in self.last.iter().chain(self.before.iter().rev()) {
            let path = concat(&[root, b"/netns/", name.as_bytes(), b"/", name_of]);
            if let Some(text) = read(&path) {
                // Bound over `/etc`'s only if that exists; else `ip` has no such file.
                return if sys::open_read_at(&etc).is_ok() { text } else { Vec::new() };
            }
        }
        read(&etc).unwrap_or_default()
    }
}

/// The pieces joined (plain pushes: no `format!` machinery in the binary).
fn concat(pieces: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(pieces.iter().map(|p| p.len()).sum());
    for p in pieces {
        out.extend_from_slice(p);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// A directory standing for `/etc`, removed on drop.
    struct Root(PathBuf);

    impl Root {
        fn new(tag: &str) -> Root {
            let dir = std::env::temp_dir().join(format!("names-etc-{}-{tag}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            Root(dir)
        }

        fn write(&self, path: &str, text: &str) {
            let path = self.0.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }

        fn read(&self, etc: &Etc, file: File) -> String {
            String::from_utf8(etc.read_under(self.0.to_str().unwrap(), file)).unwrap()
        }
    }

    impl Drop for Root {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn entered(names: &[&str]) -> Etc {
        let mut etc = Etc::default();
        for n in names {
            etc.enter(n.as_bytes());
        }
        etc
    }

    #[test]
    fn the_namespace_file_covers_the_root_one() {
        let root = Root::new("covers");
        root.write("hosts", "root hosts");
        root.write("resolv.conf", "root resolv");
        root.write("netns/a/hosts", "a hosts");
        assert_eq!(root.read(&entered(&[]), File::Hosts), "root hosts");
        assert_eq!(root.read(&entered(&["a"]), File::Hosts), "a hosts");
        // File by file: a has no resolv.conf; b has no directory at all.
        assert_eq!(root.read(&entered(&["a"]), File::ResolvConf), "root resolv");
        assert_eq!(root.read(&entered(&["b"]), File::Hosts), "root hosts");
    }

    #[test]
    fn each_netns_covers_what_the_ones_before_left() {
        let root = Root::new("layers");
        root.write("hosts", "root hosts");
        root.write("resolv.conf", "root resolv");
        root.write("netns/a/hosts", "a hosts");
        root.write("netns/a/resolv.conf", "a resolv");
        root.write("netns/b/hosts", "b hosts");
        let etc = entered(&["a", "b"]);
        assert_eq!(root.read(&etc, File::Hosts), "b hosts");
        assert_eq!(root.read(&etc, File::ResolvConf), "a resolv");
        let etc = entered(&["b", "a"]);
        assert_eq!(root.read(&etc, File::Hosts), "a hosts");
        let etc = entered(&["c", "b", "c"]);
        assert_eq!(root.read(&etc, File::Hosts), "b hosts");
        assert_eq!(root.read(&etc, File::ResolvConf), "root resolv");
    }

    #[test]
    fn nothing_to_cover_means_no_file() {
        let root = Root::new("uncovered");
        root.write("netns/a/hosts", "a hosts");
        assert_eq!(root.read(&entered(&["a"]), File::Hosts), "");
        // A directory where the file should be does not count (ip's bind fails too).
        root.write("hosts", "root hosts");
        root.write("netns/d/hosts/x", "");
        assert_eq!(root.read(&entered(&["d"]), File::Hosts), "root hosts");
    }

    #[test]
    fn names_are_used_as_typed_and_long_ones_bind_nothing() {
        let root = Root::new("typed");
        root.write("hosts", "root hosts");
        root.write("netns/a/hosts", "a hosts");
        root.write("netns/x/y/hosts", "x/y hosts");
        // As bind_etc's `/etc/netns/NAME`: the path leads where it leads.
        assert_eq!(root.read(&entered(&["x/y"]), File::Hosts), "x/y hosts");
        assert_eq!(root.read(&entered(&["x/../a"]), File::Hosts), "a hosts");
        assert_eq!(root.read(&entered(&["../netns/a"]), File::Hosts), "a hosts");
        let long = "n".repeat(NAME_MAX);
        root.write(&format!("netns/{}/hosts", &long[1..]), "254 hosts");
        assert_eq!(root.read(&entered(&[&long[1..]]), File::Hosts), "254 hosts");
        assert!(Name::new(long.as_bytes()).is_none());
        assert_eq!(root.read(&entered(&["a", &long]), File::Hosts), "a hosts");
    }

    /// A name that is not UTF-8 leads to its own directory, byte for byte.
    #[test]
    fn names_are_bytes() {
        let root = Root::new("bytes");
        root.write("hosts", "root hosts");
        let dir = root
            .0
            .join(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(b"netns/n\xff"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("hosts"), "n hosts").unwrap();
        let mut etc = Etc::default();
        etc.enter(b"n\xff");
        assert_eq!(root.read(&etc, File::Hosts), "n hosts");
    }
}
