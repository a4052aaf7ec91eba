//! [`Netns`]: a throw-away network namespace that fails loudly when it cannot be made
//! and is always deleted (with its `-peer` twin).

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use crate::run::{Captured, DEFAULT_TIMEOUT, capture};

/// A namespace made with `ip netns add` (loopback up), deleted on drop.
#[derive(Debug)]
pub struct Netns {
    name: String,
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

impl Netns {
    /// Makes `<tag>-<pid>-<n>`. Panics (the test fails) if the namespace cannot be made:
    /// these tests must run, not skip.
    pub fn new(tag: &str) -> Netns {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        Self::named(&format!("{tag}-{}-{n}", std::process::id()))
    }

    /// Makes a namespace with exactly this name.
    pub fn named(name: &str) -> Netns {
        let _ = Command::new("ip").args(["netns", "del", name]).output();
        let made = Command::new("ip").args(["netns", "add", name]).output();
        match made {
            Ok(o) if o.status.success() => {}
            Ok(o) => panic!(
                "cannot create network namespace {name} (are we root?): {}",
                String::from_utf8_lossy(&o.stderr)
            ),
            Err(e) => panic!("cannot run `ip netns add {name}`: {e}"),
        }
        let ns = Netns { name: name.to_owned() };
        ns.sh(&["ip", "link", "set", "lo", "up"]);
        ns
    }

    /// The namespace's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A veth pair: `name` here, `peer_name` in `peer`, both up (so each has carrier).
    pub fn veth(&self, name: &str, peer: &Netns, peer_name: &str) {
        let cmd = ["ip", "link", "add", name, "type", "veth", "peer", "name", peer_name];
        self.sh(&[&cmd[..], &["netns", peer.name()]].concat());
        self.sh(&["ip", "link", "set", name, "up"]);
        peer.sh(&["ip", "link", "set", peer_name, "up"]);
    }

    /// Runs a command inside the namespace and asserts that it succeeded.
    pub fn sh(&self, cmd: &[&str]) {
        let st = Command::new("ip").args(["netns", "exec", &self.name]).args(cmd).status();
        assert!(st.map(|s| s.success()).unwrap_or(false), "{cmd:?} failed in {}", self.name);
    }

    /// Runs a command inside the namespace (`ip netns exec`) and returns what it printed
    /// and its status, whatever that is (stdin from /dev/null, killed after 60 s).
    pub fn exec(&self, cmd: &[&str]) -> Captured {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name]).args(cmd).env("LC_ALL", "C");
        capture(&mut c, DEFAULT_TIMEOUT)
    }

    /// Runs `f` on a new thread that has entered this namespace (`setns` changes only
    /// the calling thread, so the test's own thread stays where it was).
    pub fn spawn<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> thread::JoinHandle<T> {
        let name = self.name.clone();
        thread::spawn(move || {
            nlsock::enter_netns(&name).expect("setns into the test namespace");
            f()
        })
    }

    /// Runs `f` inside this namespace and returns its result.
    pub fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> T {
        self.spawn(f).join().expect("namespace thread panicked")
    }
}

impl Drop for Netns {
    /// Deletes the namespace and its twin, and the ownership record (with its birth
    /// mark) `endpoint follow` may have left for either: a later namespace given the
    /// same inode number must start without them.
    fn drop(&mut self) {
        for name in [self.name.clone(), format!("{}-peer", self.name)] {
            if let Ok(ns) = std::fs::metadata(format!("/run/netns/{name}")) {
                use std::os::unix::fs::MetadataExt;
                let record = format!("/run/mptcp-follow/netns-{}-{}", ns.dev(), ns.ino());
                let _ = std::fs::remove_file(format!("{record}.netns"));
                let _ = std::fs::remove_file(record);
            }
            let _ = Command::new("ip").args(["netns", "del", &name]).output();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Netns;
    use std::path::Path;

    fn exists(name: &str) -> bool {
        Path::new("/run/netns").join(name).exists()
    }

    #[test]
    fn made_with_loopback_up_and_deleted_with_its_peer() {
        let ns = Netns::new("support");
        let name = ns.name().to_owned();
        assert!(exists(&name));
        let lo = ns.exec(&["ip", "-o", "link", "show", "lo"]);
        assert!(lo.stdout_text().contains("<LOOPBACK,UP,"), "lo is down: {lo:?}");
        ns.sh(&["ip", "netns", "add", &format!("{name}-peer")]);
        assert!(exists(&format!("{name}-peer")));
        drop(ns);
        assert!(!exists(&name) && !exists(&format!("{name}-peer")));
    }

    #[test]
    fn deleted_when_a_test_panics() {
        let name = std::sync::Mutex::new(String::new());
        let r = std::panic::catch_unwind(|| {
            let ns = Netns::new("support-panic");
            *name.lock().unwrap() = ns.name().to_owned();
            panic!("test failure");
        });
        assert!(r.is_err());
        let name = name.into_inner().unwrap();
        assert!(!name.is_empty() && !exists(&name));
    }
}
