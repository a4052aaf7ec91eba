//! Throw-away network namespaces that are deleted on drop, on panic and, through a
//! watchdog process, when the task is killed (Ctrl-C).

use std::process::Child;

use crate::util::{Cmd, Result};

/// Deletes the namespaces and everything running in them when the task ends.
const WATCHDOG: &str = r#"
trap '' INT TERM HUP
pid=$1; shift
while kill -0 "$pid" 2>/dev/null; do sleep 0.3; done
for ns in "$@"; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
done
"#;

/// A set of namespaces that exist as long as this value does.
pub struct Namespaces {
    names: Vec<String>,
    watchdog: Option<Child>,
}

impl Namespaces {
    /// Creates every namespace in `names` (none may exist yet).
    pub fn create(names: &[&str]) -> Result<Self> {
        let watchdog = Cmd::new("sh")
            .args(["-c", WATCHDOG, "netns-watchdog", &std::process::id().to_string()])
            .args(names)
            .spawn_quiet()?;
        let mut set = Namespaces { names: Vec::new(), watchdog: Some(watchdog) };
        for name in names {
            Cmd::new("ip").args(["netns", "add", name]).run()?;
            set.names.push(name.to_string());
        }
        Ok(set)
    }
}

impl Drop for Namespaces {
    fn drop(&mut self) {
        for ns in self.names.iter().rev() {
            let pids = Cmd::new("ip").args(["netns", "pids", ns]).read().unwrap_or_default();
            for pid in pids.split_whitespace() {
                let _ = Cmd::new("kill").arg(pid).succeeds();
            }
            let _ = Cmd::new("ip").args(["netns", "del", ns]).run();
        }
        if let Some(mut w) = self.watchdog.take() {
            let _ = w.kill();
            let _ = w.wait();
        }
    }
}
