//! An endpoint as `endpoint show` prints it, in text or JSON, and the flag words it uses
//! (which `endpoint add` reads too).

use mptcp_pm_wire::Endpoint;

use crate::os::io::Write;
use crate::print::addr::{Host, Text};
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

/// Every flag bit [`FLAG_WORDS`] names; the others print as `rawflags`.
const KNOWN: u32 =
    flag::SIGNAL | flag::SUBFLOW | flag::BACKUP | flag::FULLMESH | flag::IMPLICIT | flag::LAMINAR;

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
    let mut text = Text::default();
    let address = address.map(|a| a.bytes(&mut text));
    let name = name.as_ref().map(Label::label);
    print_bytes(out, e, address, name);
}

/// [`print`] with the address and the interface given as the bytes they print as.
pub fn print_bytes<W: Write>(
    out: &mut Out<W>,
    e: &Endpoint,
    address: Option<&[u8]>,
    name: Option<&[u8]>,
) {
    let flags = e.flags.bits();
    let raw = flags & !KNOWN;
    let mut hex = [0u8; 8];
    let raw = (raw != 0).then(|| hex_of(raw, &mut hex));
    let port = Some(e.port).filter(|&p| p != 0);
    if let Some(j) = &mut out.json {
        let w = &mut out.w;
        j.start_object(w);
        if let Some(a) = address {
            j.string_bytes(w, "address", a);
        }
        if let Some(p) = port {
            j.uint(w, "port", p.into());
        }
        if let Some(id) = e.id {
            j.uint(w, "id", id.into());
        }
        for (word, bit) in FLAG_WORDS.iter() {
            if flags & bit != 0 {
                j.bool(w, word, true);
            }
        }
        if let Some(raw) = raw {
            j.string_bytes(w, "rawflags", raw);
        }
        if let Some(name) = name {
            j.string_bytes(w, "dev", name);
        }
        j.end_object(w);
        return;
    }
    if let (Some(a), Some(ip)) = (address, e.ip()) {
        let c = if ip.is_ipv4() { Color::Inet } else { Color::Inet6 };
        out.colored_bytes(c, &[a, b" "]);
    }
    if let Some(p) = port {
        let _ = write!(out.w, "port {} ", u64::from(p));
    }
    if let Some(id) = e.id {
        let _ = write!(out.w, "id {} ", u64::from(id));
    }
    for (word, bit) in FLAG_WORDS.iter() {
        if flags & bit != 0 {
            let _ = out.w.write_all(word.as_bytes());
            let _ = out.w.write_all(b" ");
        }
    }
    if let Some(raw) = raw {
        let _ = out.w.write_all(b"rawflags ");
        let _ = out.w.write_all(raw);
        let _ = out.w.write_all(b" ");
    }
    if let Some(name) = name {
        let _ = out.w.write_all(b"dev ");
        // iproute2 colours the name with its trailing space.
        out.colored_bytes(Color::Ifname, &[name, b" "]);
    }
    let _ = out.w.write_all(out.line_end.as_bytes());
}

/// `v` in lower-case hex, at least two digits (`%02x`), in `buf`.
fn hex_of(v: u32, buf: &mut [u8; 8]) -> &[u8] {
    for (i, slot) in buf.iter_mut().enumerate() {
        *slot = b"0123456789abcdef"[(v >> (28 - 4 * i) & 0xf) as usize];
    }
    let digits = (8 - v.leading_zeros() as usize / 4).max(2);
    buf.get(8 - digits..).unwrap_or_default()
}
