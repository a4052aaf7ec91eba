//! The throw-away namespaces of the benchmarks: one holding 8 endpoints for the one-shot
//! and batch runs, and a server/client pair joined by two veth paths for the storm.

use std::path::Path;

use crate::netns::Namespaces;
use crate::util::Cmd;

/// Runs `lines` through `ip -n NS -batch` (one process for the whole set-up).
fn ip_batch(ns: &str, work: &Path, lines: &[String]) -> Result<(), String> {
    let file = work.join(format!("setup-{ns}.batch"));
    std::fs::write(&file, lines.join("\n") + "\n")
        .map_err(|e| format!("{}: {e}", file.display()))?;
    Cmd::new("ip").args(["-n", ns, "-batch"]).arg(&file).run()
}

/// Writes `value` to /proc/sys/`key` inside namespace `ns`.
fn sysctl(ns: &str, key: &str, value: &str) -> Result<(), String> {
    let script = format!("echo '{value}' > /proc/sys/{key}");
    Cmd::new("ip").args(["netns", "exec", ns, "sh", "-c", &script]).run()
}

/// The one-shot and batch namespace: 4 veth interfaces, each with an IPv4 `subflow`
/// endpoint and an IPv6 `signal` endpoint (ids 1-8), as on a dual-stack multihomed host.
pub struct BenchNs {
    /// The namespace name.
    pub name: String,
    _ns: Namespaces,
}

impl BenchNs {
    /// The device the add/delete case and the batch files name.
    pub const DEV: &'static str = "v3a";

    /// Creates the namespace with its 8 endpoints.
    pub fn create(work: &Path) -> Result<Self, String> {
        let name = format!("mptcp-bench-{}", std::process::id());
        let ns = Namespaces::create(&[&name])?;
        let mut lines = vec!["link set lo up".to_string()];
        for i in 0..4 {
            lines.push(format!("link add v{i}a type veth peer name v{i}b"));
            lines.push(format!("link set v{i}a up"));
            lines.push(format!("link set v{i}b up"));
            lines.push(format!("addr add 10.200.{i}.1/24 dev v{i}a"));
            lines.push(format!("addr add fd00:200:{i}::1/64 dev v{i}a nodad"));
        }
        for i in 0..4 {
            lines.push(format!("mptcp endpoint add 10.200.{i}.1 dev v{i}a subflow"));
            lines.push(format!("mptcp endpoint add fd00:200:{i}::1 dev v{i}a signal"));
        }
        ip_batch(&name, work, &lines)?;
        Ok(BenchNs { name, _ns: ns })
    }

    /// Deletes endpoint 8, so that an add fits: the kernel holds at most 8 endpoints
    /// per namespace (`MPTCP_PM_ADDR_MAX`).
    pub fn make_room(&self) -> Result<(), String> {
        Cmd::new("ip").args(["-n", &self.name, "mptcp", "endpoint", "delete", "id", "8"]).run()
    }
}

/// The storm's server and client namespaces, joined by two veth paths:
/// `c1`/`s1` 10.201.1.0/24 and `c2`/`s2` 10.201.2.0/24.
pub struct StormNs {
    /// Server namespace (where the events are watched).
    pub srv: String,
    /// Client namespace.
    pub cli: String,
    _ns: Namespaces,
}

impl StormNs {
    /// The server's address on the first path.
    pub const SERVER: &'static str = "10.201.1.1:5000";

    /// Creates both namespaces with their paths, limits and endpoints: the server
    /// announces its second address (`signal`), the client announces its own and opens
    /// a subflow from it (`signal subflow`), so that ANNOUNCED and SF_* events fire.
    pub fn create(work: &Path) -> Result<Self, String> {
        let pid = std::process::id();
        let (srv, cli) = (format!("mptcp-bench-{pid}-srv"), format!("mptcp-bench-{pid}-cli"));
        let ns = Namespaces::create(&[&srv, &cli])?;
        let mut c = vec!["link set lo up".to_string()];
        let mut s = c.clone();
        for p in 1..=2 {
            c.push(format!("link add c{p} type veth peer name s{p} netns {srv}"));
            c.push(format!("addr add 10.201.{p}.2/24 dev c{p}"));
            c.push(format!("link set c{p} up"));
            s.push(format!("addr add 10.201.{p}.1/24 dev s{p}"));
            s.push(format!("link set s{p} up"));
        }
        c.push("mptcp limits set subflows 4 add_addr_accepted 4".into());
        c.push("mptcp endpoint add 10.201.2.2 dev c2 signal subflow".into());
        s.push("mptcp limits set subflows 4 add_addr_accepted 4".into());
        s.push("mptcp endpoint add 10.201.2.1 dev s2 signal".into());
        ip_batch(&cli, work, &c)?;
        ip_batch(&srv, work, &s)?;
        sysctl(&cli, "net/ipv4/tcp_tw_reuse", "1")?;
        sysctl(&cli, "net/ipv4/ip_local_port_range", "1024 65000")?;
        sysctl(&srv, "net/core/somaxconn", "4096")?;
        sysctl(&srv, "net/ipv4/tcp_max_syn_backlog", "8192")?;
        Ok(StormNs { srv, cli, _ns: ns })
    }
}
