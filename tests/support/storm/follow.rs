//! `follow-*`: the change maker and the observer of the `endpoint follow` benchmark.
//! Address, link and default-route changes go through raw route netlink from this
//! process (no `ip` per change); the endpoint table is watched through `mptcp_pm`
//! GET_ADDR dumps in a loop, so any path manager daemon is measured the same way.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use mptcp_netlink::{Endpoint, PathManager};
use nlsock::{Conn, Socket};
use nlwire::consts::NETLINK_ROUTE;
use rtnl_wire::consts::{AF_INET, AF_INET6, AF_UNSPEC, ifa_f, iff, rt_scope, rt_table, rtn};
use rtnl_wire::{Addr, FLAGS_ACK, FLAGS_CREATE, Link, Object, Op, Route, RtMessage};

/// Pause between two dumps of the observer (with a 1 ns timer slack).
const POLL_PAUSE: Duration = Duration::from_micros(20);

/// A route netlink connection that makes changes and waits for each one's ack.
struct Rt {
    conn: Conn<Socket>,
    rx: Vec<u8>,
}

impl Rt {
    fn open() -> Result<Rt, String> {
        let s = Socket::open(NETLINK_ROUTE).map_err(|e| format!("route socket: {e}"))?;
        s.set_ext_ack(true).map_err(|e| format!("ext ack: {e}"))?;
        Ok(Rt { conn: Conn::new(s, 1), rx: vec![0u8; nlsock::RECV_BUF] })
    }

    fn ifindex(&self, name: &str) -> Result<u32, String> {
        let i = self.conn.link().ifindex(name).map_err(|e| format!("interface {name}: {e}"))?;
        Ok(i as u32)
    }

    fn send(&mut self, msg: &mut [u8]) -> Result<(), nlsock::Error> {
        self.conn.ack(msg, &mut self.rx)
    }

    /// RTM_NEWADDR (`add`) or RTM_DELADDR of `ip`/`prefix` on `ifindex`; IPv6 `nodad`.
    fn addr(
        &mut self,
        add: bool,
        ifindex: u32,
        ip: IpAddr,
        prefix: u8,
    ) -> Result<(), nlsock::Error> {
        let family = if ip.is_ipv4() { AF_INET } else { AF_INET6 };
        let a = Addr {
            family,
            prefix_len: prefix,
            flags: if ip.is_ipv6() { ifa_f::NODAD } else { 0 },
            scope: rt_scope::UNIVERSE,
            ifindex,
            address: Some(ip),
            local: Some(ip),
            ..Addr::default()
        };
        let mut buf = [0u8; rtnl_wire::MAX_ADDR_LEN];
        let (op, flags) = if add { (Op::New, FLAGS_CREATE) } else { (Op::Del, FLAGS_ACK) };
        let len = a.emit(&mut buf, op, flags, 0).map_err(|_| nl_room())?.len();
        self.send(&mut buf[..len])
    }

    /// Sets `ifindex` administratively up or down.
    fn link(&mut self, ifindex: u32, up: bool) -> Result<(), nlsock::Error> {
        let l = Link {
            family: AF_UNSPEC,
            index: ifindex as i32,
            flags: if up { iff::UP } else { 0 },
            change: iff::UP,
            ..Link::default()
        };
        let mut buf = [0u8; rtnl_wire::MAX_LINK_LEN];
        let len = l.emit(&mut buf, Op::New, FLAGS_ACK, 0).map_err(|_| nl_room())?.len();
        self.send(&mut buf[..len])
    }

    /// Adds or deletes a gateway-less default route of `family` through `ifindex`, in
    /// the main table with metric `metric`.
    fn default_route(
        &mut self,
        add: bool,
        family: u8,
        ifindex: u32,
        metric: u32,
    ) -> Result<(), nlsock::Error> {
        let r = Route {
            family,
            table: rt_table::MAIN,
            protocol: 4,
            scope: if family == AF_INET { rt_scope::LINK } else { rt_scope::UNIVERSE },
            route_type: rtn::UNICAST,
            oif: Some(ifindex),
            priority: Some(metric),
            ..Route::default()
        };
        let mut buf = [0u8; rtnl_wire::MAX_ROUTE_LEN];
        let (op, flags) = if add { (Op::New, FLAGS_CREATE) } else { (Op::Del, FLAGS_ACK) };
        let len = r.emit(&mut buf, op, flags, 0).map_err(|_| nl_room())?.len();
        self.send(&mut buf[..len])
    }

    /// Every message of a dump of `object`.
    fn dump(&mut self, object: Object, family: u8, mut each: impl FnMut(RtMessage<'_>)) {
        let mut req = [0u8; rtnl_wire::DUMP_REQUEST_LEN];
        let Ok(len) = rtnl_wire::dump_request(&mut req, object, family, 0).map(|r| r.len()) else {
            return;
        };
        let _ = self.conn.dump(&mut req[..len], &mut self.rx, |m| {
            if let Ok(v) = RtMessage::parse(&m) {
                each(v);
            }
        });
    }
}

fn nl_room() -> nlsock::Error {
    nlsock::Error::Malformed(nlwire::Error::NoRoom)
}

/// The observer: GET_ADDR dumps of the endpoint table, with its own timing.
struct Observer {
    pm: PathManager<Vec<u8>>,
    /// How long each dump took (to the microsecond, saturating).
    took_us: Vec<u32>,
}

impl Observer {
    fn open() -> Result<Observer, String> {
        // SAFETY: PR_SET_TIMERSLACK takes an integer argument; no pointers.
        unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong) };
        let pm = PathManager::open(vec![0u8; mptcp_netlink::RECV_BUF])
            .map_err(|e| format!("mptcp_pm: {e}"))?;
        Ok(Observer { pm, took_us: Vec::new() })
    }

    /// The addresses of the endpoint table.
    fn table(&mut self) -> BTreeSet<IpAddr> {
        let start = Instant::now();
        let mut out = BTreeSet::new();
        if let Ok(eps) = self.pm.endpoints() {
            out.extend(eps.flatten().filter_map(|e| e.ip()));
        }
        let took = start.elapsed().as_micros();
        self.took_us.push(u32::try_from(took).unwrap_or(u32::MAX));
        out
    }

    /// Dumps until each target's address is present (`true`) or absent (`false`), or
    /// `limit` passes. Each target's time is from its own start to the end of the first
    /// dump that showed it as wanted; `None` when it never did.
    fn watch(&mut self, targets: &mut [Target], limit: Duration) {
        let begin = Instant::now();
        while targets.iter().any(|t| t.took.is_none()) && begin.elapsed() < limit {
            let table = self.table();
            let now = Instant::now();
            for t in targets.iter_mut().filter(|t| t.took.is_none()) {
                if table.contains(&t.ip) == t.present {
                    t.took = Some(now - t.since);
                }
            }
            if targets.iter().any(|t| t.took.is_none()) {
                std::thread::sleep(POLL_PAUSE);
            }
        }
    }
}

/// One thing the observer waits for.
struct Target {
    ip: IpAddr,
    present: bool,
    since: Instant,
    took: Option<Duration>,
}

impl Target {
    fn new(ip: IpAddr, present: bool, since: Instant) -> Target {
        Target { ip, present, since, took: None }
    }
}

fn us(d: Option<Duration>) -> String {
    d.map_or_else(|| "-1".into(), |d| format!("{:.1}", d.as_secs_f64() * 1e6))
}

/// The `i`th test address of `family` (4 or 6): host routes, never a subnet's primary.
fn test_ip(v6: bool, i: usize) -> IpAddr {
    if v6 {
        Ipv6Addr::new(0x2001, 0xdb8, 0x221, 0, 0, 0, (i / 60000) as u16, (i % 60000 + 1) as u16)
            .into()
    } else {
        Ipv4Addr::new(10, 221, (i / 250) as u8, (i % 250 + 1) as u8).into()
    }
}

fn prefix(ip: IpAddr) -> u8 {
    if ip.is_ipv4() { 32 } else { 128 }
}

fn family_v6(f: &str) -> Result<bool, String> {
    match f {
        "4" => Ok(false),
        "6" => Ok(true),
        _ => Err(format!("family {f}: 4 or 6")),
    }
}

fn enter(ns: &str) -> Result<(), String> {
    nlsock::enter_netns(ns).map_err(|e| format!("netns {ns}: {e:?}"))
}

/// `follow-latency NS DEV 4|6 N GAP_MS`: N times, adds a test address, waits for its
/// endpoint, deletes the address, waits for the endpoint to go, rests GAP_MS (so that
/// the daemon's DEL_ADDR is over before the next add). Prints per change
/// `add ACK_US LATENCY_US` and `del ACK_US LATENCY_US` (-1: not seen within 2 s),
/// then `poll_us MEAN_DUMP_INTERVAL dump_us MEAN_DUMP_TIME`.
pub fn latency(ns: &str, dev: &str, family: &str, n: usize, gap_ms: u64) -> Result<(), String> {
    enter(ns)?;
    let v6 = family_v6(family)?;
    let mut rt = Rt::open()?;
    let mut obs = Observer::open()?;
    let ifindex = rt.ifindex(dev)?;
    let limit = Duration::from_secs(2);
    for i in 0..n {
        let ip = test_ip(v6, i);
        for add in [true, false] {
            let sent = Instant::now();
            rt.addr(add, ifindex, ip, prefix(ip)).map_err(|e| format!("{ip}: {e}"))?;
            let acked = Instant::now();
            let mut t = [Target::new(ip, add, acked)];
            obs.watch(&mut t, limit);
            let word = if add { "add" } else { "del" };
            println!("{word} {} {}", us(Some(acked - sent)), us(t[0].took));
            std::thread::sleep(Duration::from_millis(if add { 2 } else { gap_ms }));
        }
    }
    print_poll(&obs);
    Ok(())
}

/// Prints `dumps N dump_us P50 P90` (a dump waits for any `mptcp_pm` request in the
/// kernel: the family has no parallel ops, so the slow tail is time spent behind a
/// DEL_ADDR, not the observer's resolution).
fn print_poll(obs: &Observer) {
    let mut v = obs.took_us.clone();
    v.sort_unstable();
    let at = |q: f64| v.get(((v.len().max(1) - 1) as f64 * q) as usize).copied().unwrap_or(0);
    println!("dumps {} dump_us {} {}", v.len(), at(0.5), at(0.9));
}

/// `follow-busy NS DEV 4|6 N GAP_MS`: an add while a removal is in flight. Two test
/// addresses take turns: the one with an endpoint is deleted and, right after that
/// delete's ack, the other is added. Prints `busy ADD_LATENCY_US DEL_LATENCY_US` per
/// step (each from its own ack), then the poll line.
pub fn busy(ns: &str, dev: &str, family: &str, n: usize, gap_ms: u64) -> Result<(), String> {
    enter(ns)?;
    let v6 = family_v6(family)?;
    let mut rt = Rt::open()?;
    let mut obs = Observer::open()?;
    let ifindex = rt.ifindex(dev)?;
    let limit = Duration::from_secs(2);
    let pair = [test_ip(v6, 5000), test_ip(v6, 5001)];
    let _ = rt.addr(false, ifindex, pair[1], prefix(pair[1]));
    rt.addr(true, ifindex, pair[0], prefix(pair[0])).map_err(|e| format!("{}: {e}", pair[0]))?;
    obs.watch(&mut [Target::new(pair[0], true, Instant::now())], limit);
    std::thread::sleep(Duration::from_millis(gap_ms));
    for i in 0..n {
        let (old, new) = (pair[i % 2], pair[(i + 1) % 2]);
        rt.addr(false, ifindex, old, prefix(old)).map_err(|e| format!("{old}: {e}"))?;
        let del_acked = Instant::now();
        rt.addr(true, ifindex, new, prefix(new)).map_err(|e| format!("{new}: {e}"))?;
        let add_acked = Instant::now();
        let mut t = [Target::new(new, true, add_acked), Target::new(old, false, del_acked)];
        obs.watch(&mut t, limit);
        println!("busy {} {}", us(t[0].took), us(t[1].took));
        std::thread::sleep(Duration::from_millis(gap_ms));
    }
    let last = pair[n % 2];
    let _ = rt.addr(false, ifindex, last, prefix(last));
    print_poll(&obs);
    Ok(())
}

/// `follow-kernel NS N`: the kernel's own ADD_ADDR and DEL_ADDR times (request sent to
/// ack) for an endpoint without an interface, id 100 (run with no daemon). Prints
/// `kadd US` and `kdel US` per cycle.
pub fn kernel(ns: &str, n: usize) -> Result<(), String> {
    enter(ns)?;
    let mut pm = PathManager::open(vec![0u8; mptcp_netlink::RECV_BUF])
        .map_err(|e| format!("mptcp_pm: {e}"))?;
    let mut e = Endpoint::with_addr(Ipv4Addr::new(10, 123, 0, 1));
    e.id = Some(100);
    for _ in 0..n {
        let t = Instant::now();
        pm.add_endpoint(&e).map_err(|err| format!("add: {err}"))?;
        let added = t.elapsed();
        let t = Instant::now();
        pm.delete_endpoint(100).map_err(|err| format!("delete: {err}"))?;
        let deleted = t.elapsed();
        println!("kadd {} ", us(Some(added)));
        println!("kdel {}", us(Some(deleted)));
    }
    Ok(())
}

/// A small seeded generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The storm's address pool: three IPv4 /24s and one IPv6 /64 per link (8 in all, so
/// all of them fit the kernel's 8-endpoint table at once).
fn pool(links: &[u32; 2]) -> Vec<(u32, IpAddr, u8)> {
    let mut p = Vec::new();
    for (k, &ifindex) in links.iter().enumerate() {
        for j in 0..3u8 {
            p.push((ifindex, IpAddr::from([10, 210, k as u8 * 3 + j, 1]), 24));
        }
        p.push((ifindex, Ipv6Addr::new(0x2001, 0xdb8, 0x210 + k as u16, 0, 0, 0, 0, 1).into(), 64));
    }
    p
}

/// `follow-storm NS SEED N QUIET_MS [STOP_PID]`: N accepted random changes on links `f0` and `f1`
/// (address add/delete from the pool, link up/down 2:1, IPv4/IPv6 default route
/// add/delete 2:1)
/// at full speed, each waiting only for its ack; then waits until the endpoint table
/// has not changed for QUIET_MS (at most 30 s). Prints `changes N refused R storm_ms T`,
/// `settle_ms T`, then the final `endpoints`, the `usable` addresses (the documented
/// policy of `endpoint follow`: link up with carrier, not loopback/link-local/ULA/
/// temporary/tentative/deprecated/DAD-failed, a unicast default route of the family in
/// any table), the `present` global addresses (mptcpd's policy: every address but
/// loopback and link-local) and `present_up`, those of them on links that are up,
/// each as a space-separated list. With STOP_PID, that
/// process is stopped (SIGSTOP) through the storm and continued before the wait, so
/// that its route socket overflows.
pub fn storm(ns: &str, seed: u64, n: usize, quiet_ms: u64, stop_pid: i32) -> Result<(), String> {
    enter(ns)?;
    if stop_pid > 0 {
        // SAFETY: plain system call on a process id.
        unsafe { libc::kill(stop_pid, libc::SIGSTOP) };
    }
    let mut rt = Rt::open()?;
    let mut obs = Observer::open()?;
    let links = [rt.ifindex("f0")?, rt.ifindex("f1")?];
    let pool = pool(&links);
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let (mut accepted, mut refused) = (0usize, 0usize);
    let start = Instant::now();
    while accepted < n {
        let r = rng.below(100);
        let k = rng.below(2) as usize;
        let result = match r {
            0..35 => {
                let (ifindex, ip, len) = pool[rng.below(pool.len() as u64) as usize];
                rt.addr(true, ifindex, ip, len)
            }
            35..70 => {
                let (ifindex, ip, len) = pool[rng.below(pool.len() as u64) as usize];
                rt.addr(false, ifindex, ip, len)
            }
            70..80 => rt.link(links[k], rng.below(3) != 0),
            _ => {
                let family = if r < 90 { AF_INET } else { AF_INET6 };
                rt.default_route(rng.below(3) != 0, family, links[k], 10 + k as u32)
            }
        };
        match result {
            Ok(()) => accepted += 1,
            Err(nlsock::Error::Kernel(_)) => refused += 1,
            Err(e) => return Err(format!("route netlink: {e}")),
        }
    }
    let storm_time = start.elapsed();
    if stop_pid > 0 {
        // SAFETY: plain system call on a process id.
        unsafe { libc::kill(stop_pid, libc::SIGCONT) };
    }
    println!("changes {accepted} refused {refused} storm_ms {:.1}", ms(storm_time));
    let settle = Instant::now();
    let (mut last, mut since) = (obs.table(), Instant::now());
    while since.elapsed() < Duration::from_millis(quiet_ms) && settle.elapsed().as_secs() < 30 {
        std::thread::sleep(Duration::from_millis(5));
        let now = obs.table();
        if now != last {
            (last, since) = (now, Instant::now());
        }
    }
    println!("settle_ms {:.1}", ms(since - settle));
    let e = expectations(&mut rt);
    println!("endpoints {}", list(&last));
    e.print();
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn list(s: &BTreeSet<IpAddr>) -> String {
    s.iter().map(IpAddr::to_string).collect::<Vec<_>>().join(" ")
}

/// `follow-expect NS`: the `endpoints`, `usable`, `present` and `present_up` lines of
/// the namespace as it is now.
pub fn expect(ns: &str) -> Result<(), String> {
    enter(ns)?;
    let mut rt = Rt::open()?;
    let mut obs = Observer::open()?;
    let e = expectations(&mut rt);
    println!("endpoints {}", list(&obs.table()));
    e.print();
    Ok(())
}

fn link_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => a.is_link_local(),
        IpAddr::V6(a) => a.segments()[0] & 0xffc0 == 0xfe80,
    }
}

/// What the final endpoint table should hold.
struct Expected {
    /// The addresses `endpoint follow` should use.
    usable: BTreeSet<IpAddr>,
    /// Every address but loopback and link-local ones.
    present: BTreeSet<IpAddr>,
    /// Those of `present` on a link that is administratively up.
    present_up: BTreeSet<IpAddr>,
}

impl Expected {
    fn print(&self) {
        println!("usable {}", list(&self.usable));
        println!("present {}", list(&self.present));
        println!("present_up {}", list(&self.present_up));
    }
}

/// From dumps of the namespace: the addresses `endpoint follow` should use, and every
/// present address but loopback and link-local ones, and those of them on links up.
fn expectations(rt: &mut Rt) -> Expected {
    let mut usable_links = BTreeSet::new();
    let mut up_links = BTreeSet::new();
    rt.dump(Object::Link, AF_UNSPEC, |m| {
        if let RtMessage::Link(l) = m {
            let f = l.flags();
            if f & iff::UP != 0 && f & iff::LOWER_UP != 0 && f & iff::LOOPBACK == 0 {
                usable_links.insert(l.index() as u32);
            }
            if f & iff::UP != 0 {
                up_links.insert(l.index() as u32);
            }
        }
    });
    let mut routed = [false; 2];
    for family in [AF_INET, AF_INET6] {
        rt.dump(Object::Route, family, |m| {
            if let RtMessage::Route(r) = m
                && r.is_default()
                && r.route_type() == rtn::UNICAST
            {
                routed[usize::from(r.family() == AF_INET6)] = true;
            }
        });
    }
    let (mut usable, mut present, mut present_up) =
        (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    rt.dump(Object::Addr, AF_UNSPEC, |m| {
        let RtMessage::Addr(a) = m else { return };
        let Some(ip) = a.fields().ip() else { return };
        if ip.is_loopback() || link_local(ip) {
            return;
        }
        present.insert(ip);
        if up_links.contains(&a.ifindex()) {
            present_up.insert(ip);
        }
        let v6 = ip.is_ipv6();
        let bad = ifa_f::TENTATIVE | ifa_f::DEPRECATED | ifa_f::DADFAILED;
        let skipped = a.flags() & bad != 0
            || (v6 && a.flags() & ifa_f::TEMPORARY != 0)
            || matches!(ip, IpAddr::V6(x) if x.segments()[0] & 0xfe00 == 0xfc00);
        if !skipped && usable_links.contains(&a.ifindex()) && routed[usize::from(v6)] {
            usable.insert(ip);
        }
    });
    Expected { usable, present, present_up }
}
