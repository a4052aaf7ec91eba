//! [`FollowHost`]: the host `endpoint follow`'s kernel tests run on, a namespace whose
//! veth links lead into a peer namespace (so they have carrier), read back through
//! iproute2's `ip mptcp endpoint show`.

use std::thread;
use std::time::{Duration, Instant};

use crate::Netns;
use crate::example::Running;

/// How long a change may take to show in the endpoint table (a DEL_ADDR alone can take
/// 30 ms; a storm leaves a few queued).
pub const SETTLE: Duration = Duration::from_secs(10);

/// A host namespace with veth links (peers in a second namespace).
#[derive(Debug)]
pub struct FollowHost {
    /// The host's namespace, where follow runs.
    pub ns: Netns,
    _peer: Netns,
}

impl FollowHost {
    /// A host `tag` with veth links named `links`; their peers are `p0`, `p1`, … in
    /// the namespace `TAG-p`.
    pub fn new(tag: &str, links: &[&str]) -> FollowHost {
        let ns = Netns::new(tag);
        let peer = Netns::new(&format!("{tag}-p"));
        for (i, name) in links.iter().enumerate() {
            ns.veth(name, &peer, &format!("p{i}"));
        }
        FollowHost { ns, _peer: peer }
    }

    /// `ip ARGS` in the host namespace; must succeed.
    pub fn ip(&self, args: &str) {
        let words: Vec<&str> = args.split_whitespace().collect();
        let out = self.ns.exec(&[&["ip"][..], &words].concat());
        assert_eq!(out.status, 0, "ip {args}: {}", out.stderr_text());
    }

    /// iproute2's `ip mptcp endpoint show` in the host namespace.
    pub fn show(&self) -> String {
        let out = self.ns.exec(&["/usr/sbin/ip", "mptcp", "endpoint", "show"]);
        assert_eq!(out.status, 0, "{}", out.stderr_text());
        out.stdout_text()
    }

    /// Waits up to [`SETTLE`] until the endpoint table reads `want`; panics with the
    /// last table and what the follower printed.
    pub fn settles(&self, want: &str, follower: Option<&mut Running>) {
        let deadline = Instant::now() + SETTLE;
        let mut seen = self.show();
        while seen != want && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(20));
            seen = self.show();
        }
        if seen != want {
            let log = follower.map(|f| f.printed().join("\n")).unwrap_or_default();
            panic!("endpoint table:\n{seen}\nwanted:\n{want}\nfollower printed:\n{log}");
        }
    }

    /// follow's ownership record of this namespace (its default path).
    pub fn record_path(&self) -> String {
        self.ns.run(|| {
            use std::os::unix::fs::MetadataExt;
            let ns = std::fs::metadata("/proc/thread-self/ns/net").unwrap();
            format!("/run/mptcp-follow/netns-{}-{}", ns.dev(), ns.ino())
        })
    }
}
