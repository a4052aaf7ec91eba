//! An endpoint as `endpoint show` prints it, in text or JSON, and the flag words it uses
//! (which `endpoint add` reads too).

use mptcp_pm_wire::Endpoint;

use crate::os::io::Write;
use crate::print::addr::Host;
use crate::print::color::Color;
use crate::print::label::Label;
use crate::print::out::Out;

/// Endpoint flag bits (`MPTCP_PM_ADDR_FLAG_*`) as the parser accumulates them.
pub mod flag {
    use mptcp_pm_wire::EndpointFlags;

    /// Announce the address.
    pub const SIGNAL: u32 = EndpointFlags::SIGNAL.bits();
    /// Create subflows from it.
    pub const SUBFLOW: u32 = EndpointFlags::SUBFLOW.bits();
    /// Backup path.
    pub const BACKUP: u32 = EndpointFlags::BACKUP.bits();
    /// Full mesh of subflows.
    pub const FULLMESH: u32 = EndpointFlags::FULLMESH.bits();
    /// Created by the kernel.
    pub const IMPLICIT: u32 = EndpointFlags::IMPLICIT.bits();
    /// Laminar endpoint.
    pub const LAMINAR: u32 = EndpointFlags::LAMINAR.bits();
}

/// Flag words, exact match only, in iproute2's table order. `no*` add nothing.
pub const FLAG_WORDS: [(&str, u32); 8] = [
    ("signal", flag::SIGNAL),
    ("subflow", flag::SUBFLOW),
    ("backup", flag::BACKUP),
    ("fullmesh", flag::FULLMESH),
    ("implicit", flag::IMPLICIT),
    ("laminar", flag::LAMINAR),
    ("nobackup", 0),
    ("nofullmesh", 0),
];

/// Prints one endpoint: `ADDR [port P ]id I FLAGS… [rawflags X ][dev NAME ]`, or its
/// JSON object with the keys in the same order. `address` is the address as text (given
/// when the endpoint has one), `name` the interface (given when its index is not 0),
/// printed as its bytes.
pub fn print<W: Write>(
    out: &mut Out<W>,
    e: &Endpoint,
    address: Option<&Host>,
    name: Option<impl Label>,
) {
    let ip = e.ip();
    let flags = e.flags.bits();
    let known: u32 = FLAG_WORDS.iter().map(|(_, b)| b).fold(0, |acc, b| acc | b);
    let port = Some(e.port).filter(|&p| p != 0);
    if let Some(j) = &mut out.json {
        let w = &mut out.w;
        j.start_object(w);
        if let Some(a) = &address {
            a.with_bytes(|a| j.string_bytes(w, "address", a));
        }
        if let Some(p) = port {
            j.uint(w, "port", p.into());
        }
        if let Some(id) = e.id {
            j.uint(w, "id", id.into());
        }
        for (word, bit) in FLAG_WORDS.iter().filter(|(_, b)| *b != 0) {
            if flags & bit != 0 {
                j.bool(w, word, true);
            }
        }
        if flags & !known != 0 {
            j.string_fmt(w, "rawflags", format_args!("{:02x}", flags & !known));
        }
        if let Some(name) = name {
            j.string_bytes(w, "dev", name.label());
        }
        j.end_object(w);
        return;
    }
    if let (Some(a), Some(ip)) = (&address, ip) {
        let c = if ip.is_ipv4() { Color::Inet } else { Color::Inet6 };
        a.with_bytes(|a| out.colored_bytes(c, &[a, b" "]));
    }
    if let Some(p) = port {
        let _ = write!(out.w, "port {p} ");
    }
    if let Some(id) = e.id {
        let _ = write!(out.w, "id {id} ");
    }
    for (word, bit) in FLAG_WORDS.iter().filter(|(_, b)| *b != 0) {
        if flags & bit != 0 {
            let _ = write!(out.w, "{word} ");
        }
    }
    if flags & !known != 0 {
        let _ = write!(out.w, "rawflags {:02x} ", flags & !known);
    }
    if let Some(name) = name {
        let _ = out.w.write_all(b"dev ");
        // iproute2 colours the name with its trailing space.
        out.colored_bytes(Color::Ifname, &[name.label(), b" "]);
    }
    let _ = out.w.write_all(out.line_end.as_bytes());
}
