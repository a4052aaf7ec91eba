//! The limits as `limits show` prints them: `add_addr_accepted N subflows N `, or an object.

use mptcp_pm_wire::Limits;

use crate::os::io::Write;
use crate::print::out::Out;

/// Prints the limits: `add_addr_accepted N subflows N `, or with `json` (plain `mptcp -j`)
/// an object.
pub fn print<W: Write>(out: &mut Out<W>, l: &Limits, json: bool) {
    match (&mut out.json, json) {
        (Some(j), true) => {
            let w = &mut out.w;
            j.start_object(w);
            if let Some(v) = l.rcv_add_addrs {
                j.uint(w, "add_addr_accepted", v.into());
            }
            if let Some(v) = l.subflows {
                j.uint(w, "subflows", v.into());
            }
            j.end_object(w);
            let _ = w.write_all(b"\n");
        }
        _ => {
            if let Some(v) = l.rcv_add_addrs {
                let _ = write!(out.w, "add_addr_accepted {} ", u64::from(v));
            }
            if let Some(v) = l.subflows {
                let _ = write!(out.w, "subflows {} ", u64::from(v));
            }
            let _ = out.w.write_all(out.line_end.as_bytes());
        }
    }
}
