//! `ip`: the part of iproute2 the scenarios' set-up lines need, inside a guest that
//! has only busybox.
//!
//! busybox's `ip` has no `netns` object and no `-n`, and its `link add … type veth`
//! ignores `peer name` and has no `netns` for the peer. Those are done here (the veth
//! pair with one `RTM_NEWLINK` through `nlsock`); every other command is handed to
//! `busybox ip` after entering the namespace that `-n` named.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::process::Command;

use nlsock::{Conn, Socket};
use nlwire::MessageBuilder;

use crate::sys;

/// Where namespaces live, as iproute2 keeps them.
pub const NETNS_DIR: &str = "/run/netns";

/// The busybox binary every other `ip` command goes to.
pub const BUSYBOX: &str = "/bin/busybox";

/// Runs one `ip` command line; returns the exit status.
pub fn main(args: &[String]) -> Result<u8, String> {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["netns", "add", name] => netns_add(name, false).map(|()| 0),
        ["netns", "del" | "delete", name] => netns_del(name).map(|()| 0),
        ["netns", "exec", name, cmd, rest @ ..] => {
            enter(name)?;
            Err(format!("exec {cmd}: {}", Command::new(cmd).args(rest).exec()))
        }
        ["-n", name, rest @ ..] => {
            enter(name)?;
            command(rest)
        }
        rest => command(rest),
    }
}

/// A command in the current namespace.
fn command(words: &[&str]) -> Result<u8, String> {
    match words {
        ["link", "add", name, "type", "veth", "peer", "name", peer] => veth(name, peer, None),
        ["link", "add", name, "type", "veth", "peer", "name", peer, "netns", ns] => {
            veth(name, peer, Some(ns))
        }
        ["netns", ..] | ["-n", ..] => Err(format!("ip {}: not supported here", words.join(" "))),
        _ => Err(format!("exec {BUSYBOX}: {}", Command::new(BUSYBOX).arg("ip").args(words).exec())),
    }
}

fn path(name: &str) -> Result<String, String> {
    if name.is_empty() || name.contains('/') || name == "." || name == ".." {
        return Err(format!("Invalid netns name \"{name}\""));
    }
    Ok(format!("{NETNS_DIR}/{name}"))
}

/// Moves this thread into the namespace `name`.
fn enter(name: &str) -> Result<(), String> {
    nlsock::enter_netns(name)
        .map_err(|e| format!("Cannot open network namespace \"{name}\": {e:?}"))
}

/// `ip netns add NAME`: a new network namespace kept alive by a bind mount on
/// `/run/netns/NAME`; `lo_up` also brings its loopback up. Made on a thread of its
/// own, so the caller's namespace does not change.
pub fn netns_add(name: &str, lo_up: bool) -> Result<(), String> {
    let path = path(name)?;
    std::fs::create_dir_all(NETNS_DIR).map_err(|e| format!("{NETNS_DIR}: {e}"))?;
    File::options()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| format!("Cannot create namespace file \"{path}\": {e}"))?;
    let made = std::thread::spawn(move || -> Result<(), String> {
        sys::unshare_net()?;
        sys::bind("/proc/thread-self/ns/net", &path)?;
        if lo_up { sys::link_up("lo") } else { Ok(()) }
    })
    .join()
    .map_err(|_| "namespace thread panicked".to_string())?;
    if made.is_err() {
        let _ = netns_del(name);
    }
    made
}

/// `ip netns del NAME`.
pub fn netns_del(name: &str) -> Result<(), String> {
    let path = path(name)?;
    let unmounted = sys::unmount(&path);
    std::fs::remove_file(&path).map_err(|e| format!("{path}: {e}"))?;
    unmounted
}

/// Netlink numbers of `rtnetlink(7)` for a new link.
const RTM_NEWLINK: u16 = 16;
const IFLA_IFNAME: u16 = 3;
const IFLA_LINKINFO: u16 = 18;
const IFLA_NET_NS_FD: u16 = 28;
const IFLA_INFO_KIND: u16 = 1;
const IFLA_INFO_DATA: u16 = 2;
const VETH_INFO_PEER: u16 = 1;
/// `struct ifinfomsg`, all zero: any family, no index, no flags.
const IFINFOMSG: [u8; 16] = [0; 16];

/// `ip link add NAME type veth peer name PEER [netns NS]`.
fn veth(name: &str, peer: &str, ns: Option<&str>) -> Result<u8, String> {
    let ns_file = match ns {
        Some(ns) => Some(File::open(path(ns)?).map_err(|e| format!("netns {ns}: {e}"))?),
        None => None,
    };
    let mut buf = [0u8; 256];
    use nlwire::consts::{NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST};
    let flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
    let len = {
        let mut b = MessageBuilder::new(&mut buf, RTM_NEWLINK, flags, 0).map_err(wire)?;
        b.append(&IFINFOMSG).map_err(wire)?;
        b.put_str(IFLA_IFNAME, name).map_err(wire)?;
        let info = b.begin_nested(IFLA_LINKINFO).map_err(wire)?;
        b.put_str(IFLA_INFO_KIND, "veth").map_err(wire)?;
        let data = b.begin_nested(IFLA_INFO_DATA).map_err(wire)?;
        let peer_nest = b.begin_nested(VETH_INFO_PEER).map_err(wire)?;
        b.append(&IFINFOMSG).map_err(wire)?;
        b.put_str(IFLA_IFNAME, peer).map_err(wire)?;
        if let Some(f) = &ns_file {
            b.put_u32(IFLA_NET_NS_FD, f.as_raw_fd() as u32).map_err(wire)?;
        }
        b.end_nested(peer_nest).map_err(wire)?;
        b.end_nested(data).map_err(wire)?;
        b.end_nested(info).map_err(wire)?;
        b.finish().map_err(wire)?.len()
    };
    let socket = Socket::open(libc::NETLINK_ROUTE).map_err(|e| format!("netlink socket: {e}"))?;
    socket.set_ext_ack(true).map_err(|e| format!("netlink socket: {e}"))?;
    let mut conn = Conn::new(socket, 0);
    let mut rx = [0u8; 4096];
    conn.ack(&mut buf[..len], &mut rx).map_err(|e| format!("RTNETLINK answers: {e}"))?;
    Ok(0)
}

fn wire(e: nlwire::Error) -> String {
    format!("building RTM_NEWLINK: {e:?}")
}
