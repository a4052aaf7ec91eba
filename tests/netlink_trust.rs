//! Forged netlink datagrams from a root process in the namespace change nothing we print or do.
//!
//! The forger unicasts oversize junk and well-formed fakes (acks, dump ends, endpoints,
//! events, address notifications) to our ports: `endpoint show` prints exactly what it
//! prints unforged, `monitor` prints only the kernel's events, and `endpoint follow`
//! adds its endpoint and logs no refusal (issue 21: the sender must be checked before a
//! datagram's size).
//!
//! Needs root; every test makes throw-away namespaces and fails (never skips) when it
//! cannot. The forger is a thread entered into the test namespace (`Netns::spawn`) with
//! raw `AF_NETLINK` sockets; it finds a process's port ids in the namespace's
//! `/proc/.../net/netlink` (matched by inode against `/proc/PID/fd`), or, for a one-shot
//! command, aims at the child's pid (the port id the kernel gives a process's first
//! netlink socket) from the moment it is spawned. Every loop is bounded in count and time.

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::thread::{self, JoinHandle, sleep};
use std::time::{Duration, Instant};

use mptcp_pm_wire::consts::{addr_attr, cmd, event, event_attr};
use mptcp_stack::lines::Lines;
use mptcp_stack::mptcp_sock::listen_once;
use mptcp_stack::{Captured, Netns, mptcp_bin};
use nlsock::{Conn, Socket};
use nlwire::consts::{
    NETLINK_GENERIC, NETLINK_ROUTE, NLA_F_NESTED, NLM_F_CAPPED, NLM_F_MULTI, NLMSG_DONE,
    NLMSG_ERROR,
};
use rtnl_wire::consts::{AF_INET, RTM_NEWADDR, ifa_f};
use rtnl_wire::{Addr, Op};

/// Bytes of an oversize forgery: twice the CLI's 32 KiB receive buffer and more.
const OVERSIZE: usize = 66_000;

/// How long a daemon may take to show what a test waits for.
const SETTLE: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------
// Forged datagrams.

/// A netlink attribute, padded to 4 bytes.
fn nla(kind: u16, data: &[u8]) -> Vec<u8> {
    let mut a = Vec::with_capacity(4 + data.len() + 3);
    a.extend(((4 + data.len()) as u16).to_ne_bytes());
    a.extend(kind.to_ne_bytes());
    a.extend(data);
    a.resize(a.len().next_multiple_of(4), 0);
    a
}

/// One netlink message claiming to come from the kernel (header port id 0: only the
/// socket address, which the kernel fills in, tells the truth), padded to 4 bytes.
fn nlmsg(kind: u16, flags: u16, seq: u32, body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(16 + body.len() + 3);
    m.extend(((16 + body.len()) as u32).to_ne_bytes());
    m.extend(kind.to_ne_bytes());
    m.extend(flags.to_ne_bytes());
    m.extend(seq.to_ne_bytes());
    m.extend(0u32.to_ne_bytes());
    m.extend(body);
    m.resize(m.len().next_multiple_of(4), 0);
    m
}

/// A generic netlink body: `cmd`, version 1, then the attributes.
fn genl(command: u8, attrs: &[Vec<u8>]) -> Vec<u8> {
    let mut b = vec![command, 1, 0, 0];
    attrs.iter().for_each(|a| b.extend(a));
    b
}

/// A datagram of `OVERSIZE` bytes: a plausible header of type `kind` numbered `seq`
/// (its length field says the whole datagram), a genl header, then junk.
fn oversize(kind: u16, seq: u32) -> Vec<u8> {
    let mut m = nlmsg(kind, NLM_F_MULTI, seq, &genl(cmd::GET_ADDR, &[]));
    m[..4].copy_from_slice(&(OVERSIZE as u32).to_ne_bytes());
    m.resize(OVERSIZE, 0xa5);
    m
}

/// `NLMSG_ERROR` answering request `seq` (of type `kind`) with `-errno`; errno 0 is an ACK.
fn ack(kind: u16, seq: u32, errno: i32) -> Vec<u8> {
    let mut body = (-errno).to_ne_bytes().to_vec();
    body.extend(&nlmsg(kind, 0, seq, &[]));
    nlmsg(NLMSG_ERROR, NLM_F_CAPPED, seq, &body)
}

/// `NLMSG_DONE` ending the dump numbered `seq`.
fn done(seq: u32) -> Vec<u8> {
    nlmsg(NLMSG_DONE, NLM_F_MULTI, seq, &0i32.to_ne_bytes())
}

/// A dump entry of the `mptcp_pm` family `family`: endpoint 10.66.6.6 id 66 signal.
fn endpoint_entry(family: u16, seq: u32) -> Vec<u8> {
    let mut nest = nla(addr_attr::FAMILY, &2u16.to_ne_bytes());
    nest.extend(nla(addr_attr::ID, &[66]));
    nest.extend(nla(addr_attr::ADDR4, &[10, 66, 6, 6]));
    nest.extend(nla(addr_attr::FLAGS, &1u32.to_ne_bytes()));
    nlmsg(family, NLM_F_MULTI, seq, &genl(cmd::GET_ADDR, &[nla(1 | NLA_F_NESTED, &nest)]))
}

/// MPTCP events as the kernel multicasts them (sequence number 0), all about 10.66.6.6:
/// a connection CREATED with token 0xdeadbeef, and a LISTENER_CREATED on port 6666.
fn forged_events(family: u16) -> Vec<u8> {
    let created = genl(
        event::CREATED,
        &[
            nla(event_attr::TOKEN, &0xdead_beef_u32.to_ne_bytes()),
            nla(event_attr::FAMILY, &2u16.to_ne_bytes()),
            nla(event_attr::SADDR4, &[10, 66, 6, 6]),
            nla(event_attr::DADDR4, &[10, 66, 6, 7]),
            nla(event_attr::SPORT, &6666u16.to_be_bytes()),
            nla(event_attr::DPORT, &7777u16.to_be_bytes()),
        ],
    );
    let listener = genl(
        event::LISTENER_CREATED,
        &[
            nla(event_attr::FAMILY, &2u16.to_ne_bytes()),
            nla(event_attr::SADDR4, &[10, 66, 6, 6]),
            nla(event_attr::SPORT, &6666u16.to_be_bytes()),
        ],
    );
    let mut d = nlmsg(family, 0, 0, &created);
    d.extend(nlmsg(family, 0, 0, &listener));
    d
}

/// A route netlink address notification (`op` New or Del) of `ip`/24 on `ifindex`.
fn address_note(op: Op, ip: [u8; 4], ifindex: u32) -> Vec<u8> {
    let a = Addr {
        family: AF_INET,
        prefix_len: 24,
        flags: ifa_f::PERMANENT,
        ifindex,
        address: Some(ip.into()),
        local: Some(ip.into()),
        ..Addr::default()
    };
    let mut buf = [0u8; rtnl_wire::MAX_ADDR_LEN];
    a.emit(&mut buf, op, 0, 0).expect("an address message fits").to_vec()
}

// ---------------------------------------------------------------------------------------
// The forger.

/// Raw netlink sockets of a root process in the test namespace (opened by the thread
/// that has entered it), one per protocol we forge for.
struct Forger {
    generic: OwnedFd,
    route: OwnedFd,
}

impl Forger {
    /// Opens the sockets in the calling thread's namespace.
    fn new() -> Forger {
        let open = |protocol: i32| {
            // SAFETY: a plain socket call; the descriptor is owned from here on.
            let fd = unsafe {
                libc::socket(libc::AF_NETLINK, libc::SOCK_RAW | libc::SOCK_CLOEXEC, protocol)
            };
            assert!(fd >= 0, "netlink socket: {}", std::io::Error::last_os_error());
            // SAFETY: `fd` is a fresh descriptor nobody else owns.
            unsafe { OwnedFd::from_raw_fd(fd) }
        };
        Forger { generic: open(NETLINK_GENERIC), route: open(NETLINK_ROUTE) }
    }

    /// Unicasts `datagram` to `port` of `protocol` without blocking; `Ok` when the kernel
    /// queued it on the target socket, else the errno (ECONNREFUSED: no such port yet;
    /// EAGAIN: its queue is full).
    fn send(&self, protocol: i32, port: u32, datagram: &[u8]) -> Result<(), i32> {
        assert_ne!(port, 0, "port id 0 is the kernel's own");
        let fd = match protocol {
            NETLINK_GENERIC => self.generic.as_raw_fd(),
            NETLINK_ROUTE => self.route.as_raw_fd(),
            other => panic!("no forger socket for netlink protocol {other}"),
        };
        // SAFETY: all-zero is a valid sockaddr_nl.
        let mut to: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        to.nl_family = libc::AF_NETLINK as libc::sa_family_t;
        to.nl_pid = port;
        // SAFETY: valid descriptor; the buffer and the address outlive the call.
        let sent = unsafe {
            libc::sendto(
                fd,
                datagram.as_ptr().cast(),
                datagram.len(),
                libc::MSG_DONTWAIT,
                (&raw const to).cast(),
                std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
            )
        };
        if sent >= 0 {
            Ok(())
        } else {
            Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
        }
    }
}

/// The `mptcp_pm` family id (asked on a socket of the calling thread's namespace).
fn pm_family() -> u16 {
    let mut conn = Conn::new(Socket::generic().expect("generic netlink socket"), 0);
    let mut rx = vec![0u8; nlsock::RECV_BUF];
    genl::resolve(&mut conn, "mptcp_pm", &mut rx).expect("mptcp_pm resolves").id
}

/// One netlink socket of the namespace, from `/proc/.../net/netlink`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct NlSock {
    protocol: i32,
    port: u32,
    groups: u32,
    rmem: u64,
    inode: u64,
}

/// The bound netlink sockets of process `pid` in the calling thread's namespace (read
/// from `/proc/thread-self/net/netlink`, so the thread must have entered it).
fn ports_of(pid: u32) -> Vec<NlSock> {
    let mut inodes = HashSet::new();
    if let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/fd")) {
        for link in dir.flatten().filter_map(|e| std::fs::read_link(e.path()).ok()) {
            let l = link.to_string_lossy();
            if let Some(n) = l.strip_prefix("socket:[").and_then(|r| r.strip_suffix(']')) {
                inodes.extend(n.parse::<u64>().ok());
            }
        }
    }
    let table = std::fs::read_to_string("/proc/thread-self/net/netlink").expect("netlink table");
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let c: Vec<&str> = line.split_whitespace().collect();
            Some(NlSock {
                protocol: c.get(1)?.parse().ok()?,
                port: c.get(2)?.parse().ok()?,
                groups: u32::from_str_radix(c.get(3)?, 16).ok()?,
                rmem: c.get(4)?.parse().ok()?,
                inode: c.get(9)?.parse().ok()?,
            })
        })
        .filter(|s| inodes.contains(&s.inode) && s.port != 0)
        .collect()
}

/// Waits (bounded) until `pid` has netlink sockets for which `ready` holds; returns
/// them all.
fn wait_ports(pid: u32, ready: impl Fn(&[NlSock]) -> bool) -> Vec<NlSock> {
    let end = Instant::now() + SETTLE;
    loop {
        let ports = ports_of(pid);
        if ready(&ports) {
            return ports;
        }
        assert!(Instant::now() < end, "process {pid}'s netlink sockets: {ports:?}");
        sleep(Duration::from_millis(10));
    }
}

// ---------------------------------------------------------------------------------------
// Processes under test.

/// The `mptcp` binary, with its arguments, as the tests run it.
fn mptcp(args: &[&str]) -> Command {
    let mut c = Command::new(mptcp_bin());
    c.args(args).env("LC_ALL", "C").stdin(Stdio::null()).process_group(0);
    c
}

/// Reads a pipe to its end on a thread of its own.
fn drain(pipe: Option<impl Read + Send + 'static>) -> JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut buf);
        }
        buf
    })
}

/// Waits up to `timeout` for `child` to exit; kills its group after that (status -1).
fn wait_child(child: &mut Child, timeout: Duration) -> i32 {
    let end = Instant::now() + timeout;
    while Instant::now() < end {
        if let Ok(Some(st)) = child.try_wait() {
            return st.code().or(st.signal().map(|s| 128 + s)).unwrap_or(-1);
        }
        sleep(Duration::from_micros(200));
    }
    // SAFETY: kill(2) has no memory effects; the group is the child's own.
    unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
    let _ = child.wait();
    -1
}

/// A long-running `mptcp` (monitor, follow) with stdout read line by line and stderr
/// kept; killed on drop.
struct Daemon {
    child: Child,
    lines: Lines,
    stderr: Option<JoinHandle<Vec<u8>>>,
}

impl Daemon {
    fn start(args: &[&str]) -> Daemon {
        let mut child = mptcp(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start mptcp {args:?}: {e}"));
        let lines = Lines::read(child.stdout.take().expect("stdout is piped"));
        let stderr = Some(drain(child.stderr.take()));
        Daemon { child, lines, stderr }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Every line printed so far.
    fn printed(&mut self) -> &[String] {
        self.lines.printed()
    }

    /// Waits up to `timeout` until `n` lines were printed in all.
    fn wait_lines(&mut self, n: usize, timeout: Duration) -> &[String] {
        self.lines.wait_lines(n, timeout)
    }

    /// Waits up to `timeout` for a line for which `want` holds.
    fn wait_for(&mut self, timeout: Duration, want: impl Fn(&str) -> bool) -> String {
        self.lines.wait_for(timeout, want)
    }

    /// SIGTERM, then its exit status, every line it printed and its stderr.
    fn stop(mut self) -> (i32, Vec<String>, String) {
        // SAFETY: signals a child we spawned and have not reaped.
        assert_eq!(unsafe { libc::kill(self.pid() as i32, libc::SIGTERM) }, 0);
        let status = wait_child(&mut self.child, SETTLE);
        let lines = self.lines.finish();
        let err = self.stderr.take().map(|h| h.join().unwrap_or_default()).unwrap_or_default();
        (status, lines, String::from_utf8_lossy(&err).into_owned())
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

// ---------------------------------------------------------------------------------------
// 1. A one-shot command.

/// What the forger delivered to one child.
#[derive(Debug, Default, Clone, Copy)]
struct Delivered {
    all: usize,
    oversize: usize,
}

/// Runs of `endpoint show`: at least `MIN_RUNS`, then more until `WANT_HITS` of them
/// got an oversize forgery in time, but never more than `MAX_RUNS` nor past the budget.
const MIN_RUNS: usize = 50;
const MAX_RUNS: usize = 400;
const WANT_HITS: usize = 15;
const RUNS_BUDGET: Duration = Duration::from_secs(12);

#[test]
fn forged_datagrams_leave_a_one_shot_command_unchanged() {
    let ns = Netns::new("trust-show");
    ns.sh(&["ip", "mptcp", "endpoint", "add", "10.0.0.1", "id", "1", "signal"]);
    ns.sh(&["ip", "mptcp", "endpoint", "add", "10.0.0.2", "id", "2", "subflow", "dev", "lo"]);
    let args = ["-n", ns.name(), "endpoint", "show"];
    let unforged = run_once(&args, None);
    assert_eq!(
        (unforged.status, unforged.stdout_text().as_str(), unforged.stderr_text().as_str()),
        (0, "10.0.0.1 id 1 signal \n10.0.0.2 id 2 subflow dev lo \n", "")
    );

    // The forger: for each child, from the moment it exists, a tight loop of sends to
    // its pid (ECONNREFUSED until its socket is bound), then this script once. Its
    // datagrams stay under the socket's receive buffer (`net.core.rmem_default`, 208 KiB
    // by default: room for two oversize ones), so the kernel's own answers are never
    // dropped for want of room (a queue flood is a denial of service we do not test; a
    // forgery taken for an answer is).
    let (targets, inbox) = mpsc::channel::<(u32, Arc<AtomicBool>)>();
    let (report, delivered) = mpsc::channel::<Delivered>();
    let forger = ns.spawn(move || {
        let f = Forger::new();
        let family = pm_family();
        let mut script = vec![oversize(family, 2)];
        for seq in 1..=4 {
            script.push(ack(family, seq, libc::EPERM));
            script.push(endpoint_entry(family, seq));
            script.push(done(seq));
        }
        let rcvbuf: usize = std::fs::read_to_string("/proc/sys/net/core/rmem_default")
            .ok()
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or(0);
        assert!(rcvbuf > 2 * OVERSIZE, "net.core.rmem_default {rcvbuf} is too small");
        if rcvbuf > 3 * OVERSIZE {
            script.push(oversize(NLMSG_DONE, 2));
        }
        for (pid, alive) in inbox {
            let mut got = Delivered::default();
            let end = Instant::now() + Duration::from_secs(5);
            while got.all < script.len() && alive.load(Ordering::Acquire) && Instant::now() < end {
                let d = &script[got.all];
                match f.send(NETLINK_GENERIC, pid, d) {
                    Ok(()) => {
                        got.oversize += usize::from(d.len() == OVERSIZE);
                        got.all += 1;
                    }
                    Err(libc::ECONNREFUSED | libc::EAGAIN) => std::hint::spin_loop(),
                    Err(e) => panic!("sendto: errno {e}"),
                }
            }
            report.send(got).unwrap();
        }
    });

    let started = Instant::now();
    let mut per_run = Vec::new();
    let mut differ = Vec::new();
    let mut hits = 0;
    while per_run.len() < MAX_RUNS
        && started.elapsed() < RUNS_BUDGET
        && (per_run.len() < MIN_RUNS || hits < WANT_HITS)
    {
        let run = run_once(&args, Some((&targets, &delivered)));
        let got = delivered.recv_timeout(SETTLE).expect("the forger reports each run");
        if run != unforged {
            differ.push((got, run));
        }
        hits += usize::from(got.oversize > 0);
        per_run.push(got);
    }
    drop(targets);
    forger.join().expect("forger thread");

    let runs = per_run.len();
    let hit = per_run.iter().filter(|d| d.all > 0).count();
    let hit_oversize = per_run.iter().filter(|d| d.oversize > 0).count();
    let sent: usize = per_run.iter().map(|d| d.all).sum();
    eprintln!(
        "endpoint show: {runs} runs in {:?}; {hit} got forged datagrams ({sent} in all), \
         {hit_oversize} an oversize one; {} differed from the unforged run",
        started.elapsed(),
        differ.len()
    );
    assert!(
        differ.is_empty(),
        "{} of {runs} forged runs differ from the unforged run; first: {:?}",
        differ.len(),
        differ.first().map(|(d, c)| (d, c.status, c.stdout_text(), c.stderr_text()))
    );
    assert!(runs >= 20, "only {runs} runs in {RUNS_BUDGET:?}");
    assert!(hit_oversize >= 5, "vacuous: {hit_oversize} of {runs} runs got an oversize forgery");
}

/// The one-shot forger's inbox (a child's pid and whether it still runs) and reports.
type ForgerLink<'a> = (&'a mpsc::Sender<(u32, Arc<AtomicBool>)>, &'a Receiver<Delivered>);

/// Runs `mptcp ARGS` once (10 s at most); with a forger, hands it the child's pid
/// right after the spawn and tells it when the child has exited.
fn run_once(args: &[&str], forger: Option<ForgerLink<'_>>) -> Captured {
    let mut child = mptcp(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run mptcp {args:?}: {e}"));
    let alive = Arc::new(AtomicBool::new(true));
    if let Some((targets, _)) = forger {
        targets.send((child.id(), Arc::clone(&alive))).unwrap();
    }
    let (out, err) = (drain(child.stdout.take()), drain(child.stderr.take()));
    let status = wait_child(&mut child, SETTLE);
    alive.store(false, Ordering::Release);
    Captured {
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        status,
    }
}

// ---------------------------------------------------------------------------------------
// 2. The monitor.

#[test]
fn the_monitor_prints_only_the_kernels_events() {
    let ns = Netns::new("trust-mon");
    let mut mon = Daemon::start(&["-n", ns.name(), "monitor"]);
    let pid = mon.pid();
    // Subscribed: a socket of the monitor's in a multicast group.
    let ports = ns.run(move || wait_ports(pid, |p| p.iter().any(|s| s.groups != 0)));

    // Forged events and oversize junk while no event is due.
    let p = ports.clone();
    let (before, after) = ns.run(move || spray_monitor(pid, &p, 20));
    assert!(after.iter().all(|s| s.rmem == 0), "the monitor left forgeries queued: {after:?}");
    assert!(before.oversize > 0 && before.all > before.oversize, "nothing delivered: {before:?}");
    assert!(mon.printed().is_empty(), "printed forged events: {:#?}", mon.printed());

    // A real event, between two more sprays.
    ns.run(move || listen_once(20_066));
    let (late, _) = ns.run(move || spray_monitor(pid, &ports, 5));
    let want = [
        "[LISTENER_CREATED] saddr4=127.0.0.1 sport=20066",
        "[ LISTENER_CLOSED] saddr4=127.0.0.1 sport=20066",
    ];
    let got = mon.wait_lines(2, SETTLE).to_vec();
    // Anything printed late (a forged event taken for real) shows up here.
    sleep(Duration::from_millis(300));
    assert!(mon.running(), "the monitor ended under forged datagrams: {got:?}");
    eprintln!("monitor: forger delivered {before:?} before and {late:?} after the real event");
    let (status, lines, stderr) = mon.stop();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    assert_eq!((status, lines.as_slice(), stderr.as_str()), (0, &want[..], ""));
}

/// `rounds` times, to each path-manager socket of the monitor `pid` (in `ports`): an
/// oversize datagram, forged events and an ack; then waits until the monitor has
/// read them all (its queues are empty). Returns what was delivered and the sockets.
fn spray_monitor(pid: u32, ports: &[NlSock], rounds: usize) -> (Delivered, Vec<NlSock>) {
    let f = Forger::new();
    let family = pm_family();
    let script =
        [(oversize(family, 0), true), (forged_events(family), false), (ack(family, 1, 1), false)];
    let mut sent = Delivered::default();
    for _ in 0..rounds {
        for s in ports.iter().filter(|s| s.protocol == NETLINK_GENERIC) {
            for (d, big) in &script {
                if f.send(s.protocol, s.port, d).is_ok() {
                    sent.all += 1;
                    sent.oversize += usize::from(*big);
                }
            }
        }
    }
    let end = Instant::now() + SETTLE;
    while ports_of(pid).iter().any(|s| s.rmem != 0) && Instant::now() < end {
        sleep(Duration::from_millis(10));
    }
    (sent, ports_of(pid))
}

// ---------------------------------------------------------------------------------------
// 3. endpoint follow.

/// A host namespace with veth links `wan0` and `lte0` into a peer namespace (so they
/// have carrier), `10.1.0.2/24` on `wan0` and a default route through it.
fn follow_host() -> (Netns, Netns) {
    let ns = Netns::new("trust-fl");
    let peer = Netns::new("trust-fl-p");
    for (i, link) in ["wan0", "lte0"].iter().enumerate() {
        ns.veth(link, &peer, &format!("p{i}"));
    }
    ns.sh(&["ip", "addr", "add", "10.1.0.2/24", "dev", "wan0"]);
    ns.sh(&["ip", "route", "add", "default", "via", "10.1.0.1"]);
    (ns, peer)
}

/// Our `endpoint show` in `ns` (nobody forges against it).
fn show(bin: &Path, ns: &Netns) -> String {
    let out = ns.exec(&[bin.to_str().unwrap(), "endpoint", "show"]);
    assert_eq!(out.status, 0, "{}", out.stderr_text());
    out.stdout_text()
}

/// Waits until the endpoint table reads `want`; panics with it and the follower's log.
fn settles(bin: &Path, ns: &Netns, want: &str, follower: &mut Daemon) {
    let end = Instant::now() + SETTLE;
    let mut seen = show(bin, ns);
    while seen != want && Instant::now() < end {
        sleep(Duration::from_millis(20));
        seen = show(bin, ns);
    }
    assert_eq!(seen, want, "follower printed:\n{}", follower.printed().join("\n"));
}

/// What the follow sprayer delivered: per (protocol, port id), datagrams and how many
/// of them oversize; and the follower's sockets as last seen.
#[derive(Debug, Default)]
struct Sprayed {
    rounds: usize,
    per_port: BTreeMap<(i32, u32), (usize, usize)>,
    last_seen: Vec<NlSock>,
}

#[test]
fn follow_adds_its_endpoint_through_forged_datagrams() {
    let (ns, _peer) = follow_host();
    let bin: PathBuf = mptcp_bin();
    let mut f = Daemon::start(&["-n", ns.name(), "-j", "endpoint", "follow"]);
    f.wait_for(SETTLE, |l| l.contains("\"following "));
    let wan = "10.1.0.2 id 200 subflow dev wan0 \n";
    settles(&bin, &ns, wan, &mut f);

    // Spray every netlink port of the follower, round after round, each while its queue
    // holds less than 64 KiB (one oversize datagram more still leaves room for the
    // kernel's answers and notifications): oversize junk; for the path-manager sockets
    // EPERM acks for the first 32 sequence numbers and a dump end; for the route socket
    // a new address 10.66.6.6 on lte0 and the removal of wan0's 10.1.0.2.
    let pid = f.pid();
    let stop = Arc::new(AtomicBool::new(false));
    let rounds = Arc::new(AtomicUsize::new(0));
    let (stop2, rounds2) = (Arc::clone(&stop), Arc::clone(&rounds));
    let sprayer = ns.spawn(move || {
        let f = Forger::new();
        let family = pm_family();
        let index = |name: &str| {
            let c = std::ffi::CString::new(name).unwrap();
            // SAFETY: a NUL-terminated name; the lookup uses this thread's namespace.
            unsafe { libc::if_nametoindex(c.as_ptr()) }
        };
        let (wan0, lte0) = (index("wan0"), index("lte0"));
        assert!(wan0 != 0 && lte0 != 0);
        let acks: Vec<u8> = (1..=32).flat_map(|seq| ack(family, seq, libc::EPERM)).collect();
        let generic = [oversize(family, 2), acks, done(2)];
        let route = [
            oversize(RTM_NEWADDR, 0),
            address_note(Op::New, [10, 66, 6, 6], lte0),
            address_note(Op::Del, [10, 1, 0, 2], wan0),
        ];
        let mut sprayed = Sprayed::default();
        let end = Instant::now() + Duration::from_secs(15);
        while !stop2.load(Ordering::Acquire) && Instant::now() < end {
            sprayed.last_seen = ports_of(pid);
            for s in sprayed.last_seen.iter().filter(|s| s.rmem < 64 << 10) {
                let script = match s.protocol {
                    NETLINK_GENERIC => &generic,
                    NETLINK_ROUTE => &route,
                    _ => continue,
                };
                for d in script {
                    if f.send(s.protocol, s.port, d).is_ok() {
                        let n = sprayed.per_port.entry((s.protocol, s.port)).or_default();
                        n.0 += 1;
                        n.1 += usize::from(d.len() == OVERSIZE);
                    }
                }
            }
            sprayed.rounds += 1;
            rounds2.store(sprayed.rounds, Ordering::Release);
            sleep(Duration::from_millis(5));
        }
        sprayed
    });
    // A few rounds first: forgeries wait in every queue when the change comes.
    let end = Instant::now() + SETTLE;
    while rounds.load(Ordering::Acquire) < 3 && Instant::now() < end {
        sleep(Duration::from_millis(5));
    }
    ns.sh(&["ip", "addr", "add", "10.2.0.2/24", "dev", "lte0"]);
    let both = "10.1.0.2 id 200 subflow dev wan0 \n10.2.0.2 id 201 subflow dev lte0 \n";
    settles(&bin, &ns, both, &mut f);
    // Some more forgeries after the add; the table must not move.
    sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Release);
    let sprayed = sprayer.join().expect("sprayer thread");
    sleep(Duration::from_millis(200));
    assert_eq!(show(&bin, &ns), both, "the table moved after the add");
    assert!(f.running(), "follow ended under forged datagrams: {:#?}", f.printed());
    eprintln!("follow: sprayed {sprayed:?}");
    let (status, log, stderr) = f.stop();
    assert_eq!(status, 0, "{log:#?}\n{stderr}");
    assert!(
        log.iter().any(|l| l.contains("\"add\"") && l.contains("10.2.0.2")),
        "no add of 10.2.0.2: {log:#?}"
    );
    let bad: Vec<&String> = log
        .iter()
        .filter(|l| l.contains("truncated") || l.contains("refused") || l.contains("10.66.6.6"))
        .collect();
    assert!(bad.is_empty(), "{bad:#?}\nwhole log: {log:#?}\nstderr: {stderr}");
    assert!(!stderr.contains("truncated"), "{stderr}");
    // Not vacuous: every socket of the follower (path manager and route) got oversize
    // forgeries.
    assert!(sprayed.last_seen.iter().any(|s| s.protocol == NETLINK_GENERIC), "{sprayed:?}");
    assert!(sprayed.last_seen.iter().any(|s| s.protocol == NETLINK_ROUTE), "{sprayed:?}");
    for s in &sprayed.last_seen {
        let (_, big) = sprayed.per_port.get(&(s.protocol, s.port)).copied().unwrap_or_default();
        assert!(big > 0, "no oversize forgery reached {s:?}: {sprayed:?}");
    }
}
