//! The name-lookup room: `-r`'s host name for an address, from the hosts file, then DNS, in the files `-n` chooses.
//!
//! The hosts file is read as musl's `getnameinfo` reads it ([`hosts`]). DNS is our own
//! ([`dns`] builds the query and judges replies, `resolver` sends it over UDP through
//! `os::sys`), instead of the C library's `getnameinfo`, whose resolver, stdio and
//! printf were 24 KiB of the static binary. Which hosts file and resolv.conf those are,
//! after `-n NAME`, is [`etc`]'s: `/etc/netns/NAME/`'s when they exist, as `ip -n` sees
//! them. Without the `dns` feature, a name that only DNS knows prints as the address.

pub mod dns;
pub mod etc;
pub mod hosts;
#[cfg(feature = "dns")]
pub mod resolver;

use core::net::IpAddr;

use crate::prelude::*;
use crate::print::addr::Host;
use etc::{Etc, File};

/// `a` as `-r` shows it, reading the files `etc` names: its host name, else the address.
pub fn host(a: IpAddr, etc: &Etc) -> Host {
    match reverse_lookup(a, etc) {
        Some(name) => Host::Name(name),
        None => Host::Addr(a),
    }
}

/// The host name of `addr`, if it has one, as its bytes (never converted: `ip` prints
/// them as they are): the hosts file first (any bytes, as glibc's files backend takes
/// them), then (the `dns` feature) the name servers of resolv.conf (host names only). Never inlined: its buffers (a DNS query and
/// reply, the files it reads) are on the stack only when `-r` asks for a name, not in
/// every printer's frame, so that a one-shot command touches fewer stack pages.
#[inline(never)]
pub fn reverse_lookup(addr: IpAddr, etc: &Etc) -> Option<Vec<u8>> {
    let text = etc.read(File::Hosts);
    if let Some(n) = hosts::name_in(&text, addr) {
        return Some(n.to_vec());
    }
    #[cfg(feature = "dns")]
    {
        resolver::lookup(addr, &etc.read(File::ResolvConf))
    }
    #[cfg(not(feature = "dns"))]
    {
        None
    }
}
