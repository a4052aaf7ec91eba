//! The connection to the kernel's MPTCP path manager: one generic netlink socket,
//! resolved once and reused by every command of a batch.

use std::sync::{Mutex, MutexGuard};

use nlsock::{Conn, Error, IfName, Socket};

use crate::command::Interfaces;
use crate::fail::{Exit, fatal};

/// Family name of the MPTCP path manager.
pub const FAMILY: &str = "mptcp_pm";
/// Multicast group of its events.
pub const EVENTS: &str = "mptcp_pm_events";

/// One open socket with the family resolved, and the receive buffer.
pub struct Session {
    /// The exchange layer over the socket.
    pub conn: Conn<Socket>,
    /// The `mptcp_pm` family id.
    pub family: u16,
    /// The `mptcp_pm_events` group id, when the kernel has it.
    pub events_group: Option<u32>,
    /// Receive buffer: any single datagram fits.
    pub rx: MutexGuard<'static, [u8; nlsock::RECV_BUF]>,
}

/// The one session's receive buffer, in zeroed static memory: the pages the kernel never
/// writes are never touched (a stack array is zeroed, and copied when the session
/// moves: 32 KiB, 8 page faults each time), and no heap is needed.
static RX: Mutex<[u8; nlsock::RECV_BUF]> = Mutex::new([0; nlsock::RECV_BUF]);

impl Session {
    /// Opens the socket and resolves the family with one GETFAMILY request.
    pub fn open(plain: bool) -> Result<Self, Exit> {
        let socket =
            Socket::generic().map_err(|_| fatal(1, "Cannot open generic netlink socket"))?;
        let seq = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as u32)
            .unwrap_or(0);
        let mut conn = Conn::new(socket, seq);
        let mut rx = RX.try_lock().map_err(|_| fatal(1, "mptcp: a second session was opened"))?;
        let (family, events_group) = match genl::resolve(&mut conn, FAMILY, &mut rx[..]) {
            Ok(f) => (f.id, f.group(EVENTS).ok().flatten()),
            Err(genl::ResolveError::NotFound) if plain => {
                return Err(fatal(
                    1,
                    "mptcp: the kernel has no MPTCP path manager \
                     (MPTCP is not built in or not enabled)",
                ));
            }
            Err(genl::ResolveError::NotFound) => {
                return Err(fatal(
                    1,
                    "RTNETLINK answers: No such file or directory\nError talking to the kernel",
                ));
            }
            Err(genl::ResolveError::Transport(Error::Kernel(k))) => {
                return Err(fatal(1, format_args!("RTNETLINK answers: {}", k.errno())));
            }
            Err(e) => return Err(fatal(1, format_args!("Error talking to the kernel: {e}"))),
        };
        Ok(Session { conn, family, events_group, rx })
    }

    /// Interface index of `name` in the session's namespace, 0 when unknown.
    pub fn ifindex(&self, name: &str) -> u32 {
        match self.conn.link().ifindex(name) {
            Ok(i) if i > 0 => i as u32,
            _ => if_number(name).unwrap_or(0),
        }
    }
}

/// An interface as `ip` prints it: its name, or `if<N>` when the kernel has none.
#[derive(Debug, Clone, Copy)]
pub enum IfLabel {
    /// The name the kernel gave.
    Name(IfName),
    /// No such interface: the index.
    Number(u32),
}

impl std::fmt::Display for IfLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IfLabel::Name(n) => f.write_str(n.as_str()),
            IfLabel::Number(i) => write!(f, "if{i}"),
        }
    }
}

/// How many interface names an [`IfNames`] keeps.
const IFNAMES_KEPT: usize = 8;

/// Interface names by index, each asked of the kernel (`SIOCGIFNAME`) once: a dump or a
/// batch of events costs one system call per interface, however many entries name it.
/// Keep one for a single dump or batch, so that a renamed interface shows its new name
/// in the next.
#[derive(Default)]
pub struct IfNames {
    known: [(u32, Option<IfName>); IFNAMES_KEPT],
    len: usize,
    next: usize,
}

impl IfNames {
    /// The name of interface `index`, or iproute2's `if<N>` when it has none.
    pub fn get(&mut self, socket: &Socket, index: u32) -> IfLabel {
        let known = self.known[..self.len].iter().find(|(i, _)| *i == index);
        let name = match known {
            Some(&(_, name)) => name,
            None => {
                let name = socket.ifname(index as i32).ok().filter(|n| !n.as_str().is_empty());
                self.remember(index, name);
                name
            }
        };
        match name {
            Some(n) => IfLabel::Name(n),
            None => IfLabel::Number(index),
        }
    }

    /// Forgets every name.
    pub fn clear(&mut self) {
        self.len = 0;
        self.next = 0;
    }

    fn remember(&mut self, index: u32, name: Option<IfName>) {
        self.known[self.next] = (index, name);
        self.next = (self.next + 1) % IFNAMES_KEPT;
        self.len = (self.len + 1).min(IFNAMES_KEPT);
    }
}

impl Interfaces for Session {
    fn index_of(&mut self, name: &str) -> u32 {
        self.ifindex(name)
    }
}

/// iproute2 accepts `if<N>` as a literal index when no such name exists (`sscanf "if%u"`).
fn if_number(name: &str) -> Option<u32> {
    let digits = name.strip_prefix("if")?;
    let end = digits.bytes().position(|b| !b.is_ascii_digit()).unwrap_or(digits.len());
    digits[..end].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_names_ask_once_per_interface_and_keep_the_last_eight() {
        let socket = Socket::generic().unwrap();
        let mut names = IfNames::default();
        assert_eq!(names.get(&socket, 1).to_string(), "lo");
        assert_eq!(names.get(&socket, 999_999).to_string(), "if999999");
        assert_eq!(names.len, 2);
        assert_eq!((names.get(&socket, 1).to_string().as_str(), names.len), ("lo", 2));
        for i in 0..7 {
            names.remember(100 + i, None);
        }
        assert_eq!((names.len, names.known.iter().any(|&(i, _)| i == 1)), (8, false));
        names.clear();
        assert_eq!(names.len, 0);
    }

    #[test]
    fn if_number_fallback() {
        assert_eq!(if_number("if99"), Some(99));
        assert_eq!(if_number("if7x"), Some(7));
        assert_eq!(if_number("ifx"), None);
        assert_eq!(if_number("eth0"), None);
    }
}
