//! `cargo xtask demo`: MPTCP endpoints, limits and a live two-path connection with its
//! events, narrated, in two throw-away namespaces.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::netns::Namespaces;
use crate::util::{Cmd, Result, on_path, stop, target_dir, wait_for};

const USAGE: &str = "\
usage: cargo xtask demo

Runs the `mptcp` binary (built with `cargo build -p mptcp-cli --release`) in two
throw-away network namespaces joined by two veth pairs. Needs root and MPTCP.

environment:
  DEMO_BIN=PATH       run this program instead; if it is named `ip` (iproute2), the
                      word `mptcp` is inserted before the command words
  DEMO_FIXTURE=PATH   the MPTCP client/server program (`server ADDR PORT`,
                      `client ADDR PORT HOLD`); default: the workspace's mptcp-fixture
";

/// TCP port of the demo server.
const PORT: &str = "10100";
/// Seconds the client keeps its connection open.
const HOLD_SECS: u64 = 4;

/// How to run the product: our binary, or `ip` with the extra `mptcp` word.
struct Tool {
    prog: PathBuf,
    ip_mode: bool,
}

impl Tool {
    fn find() -> Result<Tool> {
        if let Some(p) = std::env::var_os("DEMO_BIN") {
            let prog = PathBuf::from(p);
            let ip_mode = prog.file_name().is_some_and(|n| n == "ip");
            println!(
                "using DEMO_BIN={}{}",
                prog.display(),
                if ip_mode { " (ip mode)" } else { "" }
            );
            return Ok(Tool { prog, ip_mode });
        }
        Cmd::cargo().args(["build", "-p", "mptcp-cli", "--release"]).run()?;
        let prog = target_dir().join("release").join("mptcp");
        if !prog.is_file() {
            return Err(format!("{} was not built", prog.display()));
        }
        Ok(Tool { prog, ip_mode: false })
    }

    /// `mptcp -n NS OPTS WORDS` (or `ip -n NS OPTS mptcp WORDS`).
    fn cmd(&self, ns: &str, opts: &[&str], words: &[&str]) -> Cmd {
        let shown = if self.ip_mode { "ip" } else { "mptcp" };
        let c = Cmd::new_as(&self.prog, shown).args(["-n", ns]).args(opts);
        let c = if self.ip_mode { c.arg("mptcp") } else { c };
        c.args(words)
    }

    fn run(&self, ns: &str, opts: &[&str], words: &[&str]) -> Result {
        self.cmd(ns, opts, words).run()
    }
}

/// A background process stopped when dropped: by `signal` (`INT`, `TERM`), then SIGKILL.
struct Background(Child, &'static str);

impl Drop for Background {
    fn drop(&mut self) {
        stop(&mut self.0, self.1, Duration::from_secs(2));
    }
}

struct Narrator {
    step: usize,
}

impl Narrator {
    fn say(&mut self, what: &str) {
        self.step += 1;
        println!("\n=== {}. {what}", self.step);
    }
}

/// Whether this process runs as root (effective uid 0, read from `/proc/self/status`).
fn is_root() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let uid = status.lines().find_map(|l| l.strip_prefix("Uid:"));
    // Real, effective, saved, filesystem: the second is the one that counts.
    uid.and_then(|u| u.split_whitespace().nth(1)) == Some("0")
}

/// Runs the demo.
pub fn main(args: &[String]) -> Result {
    if let Some(a) = args.first() {
        if a == "-h" || a == "--help" {
            print!("{USAGE}");
            return Ok(());
        }
        return Err(format!("unknown argument `{a}`\n{USAGE}"));
    }
    // Namespaces, veth pairs and `mount --make-shared /run/netns` need root: say so
    // before a minute of building.
    if !is_root() {
        return Err("the demo makes network namespaces and needs root: run it as root \
                    (e.g. `sudo -E cargo xtask demo`)"
            .into());
    }
    if !on_path("ip") {
        return Err("`ip` (iproute2) is needed; `cargo xtask ci --step setup` installs it".into());
    }
    let mut n = Narrator { step: 0 };
    n.say("Build the programs");
    let tool = Tool::find()?;
    let fixture = fixture()?;
    let pid = std::process::id();
    let (cli, srv) = (format!("mptcp-demo-cli-{pid}"), format!("mptcp-demo-srv-{pid}"));

    n.say("Two namespaces, client and server, joined by two veth pairs (10.1.1.0/24, 10.1.2.0/24)");
    let _ns = Namespaces::create(&[&cli, &srv])?;
    wire(&cli, &srv)?;

    n.say("Limits: both sides allow 2 extra subflows; the client accepts 2 announced addresses");
    tool.run(&cli, &[], &["limits", "set", "subflow", "2", "add_addr_accepted", "2"])?;
    tool.run(&srv, &[], &["limits", "set", "subflow", "2", "add_addr_accepted", "0"])?;

    n.say("Endpoints: a subflow from the client's second address; the server announces its own");
    tool.run(&cli, &[], &["endpoint", "add", "10.1.2.1", "dev", "c2", "subflow"])?;
    tool.run(&srv, &[], &["endpoint", "add", "10.1.2.2", "dev", "s2", "signal"])?;

    n.say("Show them: text, JSON (-j) and pretty JSON (-j -p)");
    tool.run(&cli, &[], &["endpoint", "show"])?;
    tool.run(&cli, &[], &["limits", "show"])?;
    tool.run(&srv, &["-j"], &["endpoint", "show"])?;
    tool.run(&srv, &["-j", "-p"], &["limits", "show"])?;

    live(&tool, &fixture, &cli, &srv, &mut n)?;
    if !tool.ip_mode {
        follow(&tool, &cli, &srv, &mut n)?;
    }

    n.say("Clean up: delete both namespaces");
    Ok(())
}

/// The monitor in the background, one connection, then the events it saw.
fn live(tool: &Tool, fixture: &Path, cli: &str, srv: &str, n: &mut Narrator) -> Result {
    n.say("Watch the server's MPTCP events in the background");
    let mut monitor = tool.cmd(srv, &[], &["monitor"]).spawn(Stdio::piped())?;
    let out = monitor.stdout.take().ok_or("monitor has no stdout")?;
    let reader = thread::spawn(move || {
        BufReader::new(out).lines().map_while(|l| l.ok()).collect::<Vec<_>>()
    });
    let monitor = Background(monitor, "INT");
    thread::sleep(Duration::from_millis(500));

    n.say(&format!(
        "One MPTCP connection over the first path (10.1.1.1 -> 10.1.1.2:{PORT}), held {HOLD_SECS} s"
    ));
    connect(fixture, cli, srv)?;

    n.say("What the monitor saw");
    thread::sleep(Duration::from_millis(300));
    drop(monitor);
    let events = reader.join().map_err(|_| "monitor reader panicked")?;
    for line in &events {
        println!("  {line}");
    }
    let joined = events.iter().filter(|l| l.contains("SF_ESTABLISHED")).count();
    println!("-> {} events; {joined} extra subflow(s) joined the connection", events.len());
    if events.is_empty() {
        return Err("the monitor saw no event for the connection".into());
    }

    Ok(())
}

/// `endpoint follow` on the client: a third link's address comes and goes, and its
/// endpoint with it; the hand-made endpoint on c2 is left alone.
fn follow(tool: &Tool, cli: &str, srv: &str, n: &mut Narrator) -> Result {
    n.say("Endpoints that follow the interfaces: `endpoint follow dev c3 subflow backup` on the client");
    Cmd::new("ip")
        .args(["-n", cli, "link", "add", "c3", "type", "veth", "peer", "name", "s3", "netns", srv])
        .run()?;
    Cmd::new("ip").args(["-n", cli, "link", "set", "c3", "up"]).run()?;
    Cmd::new("ip").args(["-n", srv, "link", "set", "s3", "up"]).run()?;
    Cmd::new("ip").args(["-n", cli, "route", "add", "default", "via", "10.1.1.2"]).run()?;
    let mut follower = tool
        .cmd(cli, &["-t"], &["endpoint", "follow", "dev", "c3", "subflow", "backup"])
        .spawn(Stdio::piped())?;
    let out = follower.stdout.take().ok_or("follow has no stdout")?;
    let reader = thread::spawn(move || {
        BufReader::new(out).lines().map_while(|l| l.ok()).collect::<Vec<_>>()
    });
    let follower = Background(follower, "TERM");
    thread::sleep(Duration::from_millis(300));
    n.say("An address appears on c3 (as DHCP would give one): its endpoint follows");
    Cmd::new("ip").args(["-n", cli, "addr", "add", "10.1.3.1/24", "dev", "c3"]).run()?;
    thread::sleep(Duration::from_millis(200));
    tool.run(cli, &[], &["endpoint", "show"])?;
    n.say("c3 loses its carrier (the peer goes down): its endpoint goes");
    Cmd::new("ip").args(["-n", srv, "link", "set", "s3", "down"]).run()?;
    // The kernel reports a carrier change through its link-watch work, up to a second
    // later.
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(3) {
        let table = tool.cmd(cli, &[], &["endpoint", "show"]).read()?;
        if !table.contains("10.1.3.1") {
            break;
        }
        thread::sleep(Duration::from_millis(50));
    }
    println!("(after {} ms)", start.elapsed().as_millis());
    tool.run(cli, &[], &["endpoint", "show"])?;
    n.say("What follow decided, one line each");
    drop(follower);
    let lines = reader.join().map_err(|_| "follow reader panicked")?;
    for line in &lines {
        println!("  {line}");
    }
    let acted = |w: &str| lines.iter().any(|l| l.contains(w) && l.contains("10.1.3.1"));
    if !acted("] add ") || !acted("] delete ") {
        return Err("endpoint follow did not add and delete the c3 endpoint".into());
    }
    Ok(())
}

/// The client/server program: DEMO_FIXTURE, else the workspace's `mptcp-fixture`.
fn fixture() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("DEMO_FIXTURE") {
        let p = PathBuf::from(p);
        println!("using DEMO_FIXTURE={}", p.display());
        return Ok(p);
    }
    Cmd::cargo().args(["build", "--bin", "mptcp-fixture"]).run()?;
    Ok(target_dir().join("debug").join("mptcp-fixture"))
}

/// Addresses, links and routing for the two namespaces.
fn wire(cli: &str, srv: &str) -> Result {
    for ns in [cli, srv] {
        // Subflows may leave by one path and come back by the other.
        let rp = "for c in all default; do echo 0 > /proc/sys/net/ipv4/conf/$c/rp_filter; done";
        Cmd::new("ip").args(["netns", "exec", ns, "sh", "-c", rp]).run()?;
        Cmd::new("ip").args(["-n", ns, "link", "set", "lo", "up"]).run()?;
    }
    for (i, (c, s)) in [("c1", "s1"), ("c2", "s2")].into_iter().enumerate() {
        let net = i + 1;
        Cmd::new("ip")
            .args(["-n", cli, "link", "add", c, "type", "veth", "peer", "name", s, "netns", srv])
            .run()?;
        Cmd::new("ip")
            .args(["-n", cli, "addr", "add", &format!("10.1.{net}.1/24"), "dev", c])
            .run()?;
        Cmd::new("ip")
            .args(["-n", srv, "addr", "add", &format!("10.1.{net}.2/24"), "dev", s])
            .run()?;
        Cmd::new("ip").args(["-n", cli, "link", "set", c, "up"]).run()?;
        Cmd::new("ip").args(["-n", srv, "link", "set", s, "up"]).run()?;
    }
    Ok(())
}

/// Serves in `srv`, connects from `cli`, shows the subflows while the connection lives.
fn connect(fixture: &Path, cli: &str, srv: &str) -> Result {
    let fx = fixture.to_string_lossy();
    let server = Cmd::new("ip")
        .args(["netns", "exec", srv, &fx, "server", "0.0.0.0", PORT])
        .spawn(Stdio::inherit())?;
    let mut server = Background(server, "TERM");
    wait_listening(srv, &mut server.0)?;
    let mut client = Cmd::new("ip")
        .args(["netns", "exec", cli, &fx, "client", "10.1.1.2", PORT, &HOLD_SECS.to_string()])
        .spawn(Stdio::inherit())?;
    thread::sleep(Duration::from_millis(1500));
    println!("-- subflows of the client (TCP connections in its namespace):");
    Cmd::new("ip").args(["netns", "exec", cli, "ss", "-tn", "state", "established"]).run()?;
    if !wait_for(&mut client, Duration::from_secs(HOLD_SECS + 10)) {
        let _ = client.kill();
        let _ = client.wait();
        return Err("the client did not finish in time".into());
    }
    match client.wait() {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(format!("the client failed ({s})")),
        Err(e) => Err(format!("the client: {e}")),
    }
}

/// Waits until something listens on PORT in `ns`, or the server died.
fn wait_listening(ns: &str, server: &mut Child) -> Result {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if let Ok(Some(status)) = server.try_wait() {
            return Err(format!("the server exited early ({status})"));
        }
        let filter = format!("sport = :{PORT}");
        let out = Cmd::new("ip").args(["netns", "exec", ns, "ss", "-Hltn", &filter]).read()?;
        if !out.trim().is_empty() {
            return Ok(());
        }
        thread::sleep(Duration::from_millis(100));
    }
    Err(format!("nothing listens on port {PORT} after 10 s"))
}
