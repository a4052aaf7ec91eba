//! `-r`'s DNS exchange: the PTR query sent over UDP to the name servers of resolv.conf
//! in turn, and their replies judged by [`dns`](crate::names::dns) (the `dns` feature).
//!
//! One PTR query goes to each `nameserver` in turn (at most 3; 127.0.0.1 when the file
//! names none), for `options attempts:N` rounds (default 2), each server waited for
//! `timeout:N` seconds (default 5), as glibc does; so a lookup blocks at most
//! timeout × attempts × servers. A reply counts only from the server asked (a connected
//! socket), with our random ID and our question; SERVFAIL, REFUSED, NOTIMP and an
//! unreachable port move on to the next server; a truncated reply means no name (no TCP
//! retry).

use core::net::IpAddr;

use crate::names::dns::{self, Verdict};
use crate::os::sys;
use crate::prelude::*;

/// The PTR name of `addr` from the name servers `resolv_conf` (the file's text) names,
/// as its bytes (a host name, as [`dns`] accepts one).
pub fn lookup(addr: IpAddr, resolv_conf: &[u8]) -> Option<Vec<u8>> {
    let conf = dns::Config::parse(resolv_conf, sys::getenv(c"RES_OPTIONS"), sys::if_index);
    let mut buf = [0u8; dns::MAX_QUERY];
    let len = dns::query(addr, sys::random_u16(), &mut buf);
    let query = &buf[..len];
    let wait = core::time::Duration::from_secs(conf.timeout.into());
    let mut sockets: [Option<sys::Fd>; dns::MAX_SERVERS] = Default::default();
    let mut reply = [0u8; 1024];
    for _ in 0..conf.attempts {
        for (server, socket) in conf.servers().iter().zip(&mut sockets) {
            if socket.is_none() {
                *socket = sys::udp_connect(server.addr, server.scope).ok();
            }
            let Some(fd) = socket else { continue };
            if fd.write_all(query).is_err() {
                continue;
            }
            let start = sys::Instant::now();
            // Until this server's time is up, or it answered.
            'wait: while let Some(left) = wait.checked_sub(start.elapsed()) {
                // At most 30 s: milliseconds in 64 bits (no 128-bit arithmetic).
                let ms = left.as_secs().saturating_mul(1000) + u64::from(left.subsec_millis());
                let ms = ms.clamp(1, i32::MAX as u64) as i32;
                match sys::poll_readable([fd.raw()], ms) {
                    Ok([true]) => {}
                    Ok([false]) => continue,
                    Err(_) => break 'wait,
                }
                let n = match fd.read(&mut reply) {
                    Ok(n) => n,
                    Err(crate::os::io::Error(libc::EAGAIN)) => continue,
                    Err(_) => break 'wait,
                };
                match dns::judge(query, &reply[..n]) {
                    Verdict::NotOurs => {}
                    Verdict::NextServer => break 'wait,
                    Verdict::Done(name) => return name.map(|n| n.bytes()),
                }
            }
        }
    }
    None
}
