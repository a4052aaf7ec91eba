//! `stat`'s lines: each MPTcpExt counter with its value (and, in watch mode, its change),
//! and a short explanation for the counters that explain a failure.

use crate::os::io::Write;
use crate::print::out::Out;

/// What the counters that explain a failure mean: a line `NAME[|NAME…]=MEANING` each, in
/// one string (a table of `&str` pairs would be pointers that a static-pie relocates at
/// start, and a `match` on names compiles to a long chain of compares).
const MEANINGS: &str = "\
MPCapableSYNTXDrop=MP_CAPABLE SYN retransmitted without the option: MPTCP given up (middlebox?)\n\
MPCapableSYNTXDisabled=MPTCP not tried: blackhole protection turned it off for a while\n\
MPCapableFallbackACK=fallback to TCP: the third ACK had no MP_CAPABLE (server side)\n\
MPCapableFallbackSYNACK=fallback to TCP: the SYN-ACK had no MP_CAPABLE (peer or middlebox)\n\
MPCapableEndpAttempt=a client connected to the server's own endpoint address with the C flag set\n\
MPFallbackTokenInit=fallback to TCP: no token could be allocated\n\
MPJoinNoTokenFound=join refused: its token names no connection here\n\
MPJoinSynAckHMacFailure=join failed: the SYN-ACK's HMAC was wrong\n\
MPJoinAckHMacFailure=join failed: the third ACK's HMAC was wrong\n\
MPJoinRejected=join refused by the path manager: the subflows limit, or no such address id\n\
MPJoinSynTxCreatSkErr=join not sent: the subflow socket could not be created\n\
MPJoinSynTxBindErr=join not sent: binding the local address failed\n\
MPJoinSynTxConnectErr=join not sent: connect failed (no route?)\n\
DSSNotMatching=a DSS mapping did not match the data: the subflow was reset\n\
DSSCorruptionFallback=data corruption detected: fallback to TCP\n\
DSSCorruptionReset=data corruption detected: the subflow was reset\n\
DSSNoMatchTCP=a DSS mapping did not match the TCP data\n\
DataCsumErr=DSS checksum errors (the path changes the payload)\n\
InfiniteMapTx|InfiniteMapRx=infinite mapping: the connection fell back to TCP mid-stream\n\
AddAddrDrop=ADD_ADDR ignored: the add_addr_accepted limit, or a bad option\n\
AddAddrTxDrop=ADD_ADDR not sent: no room in the option space or memory\n\
EchoAddTxDrop=ADD_ADDR echo not sent\n\
RmAddrDrop=RM_ADDR ignored: no such address id\n\
RmAddrTxDrop=RM_ADDR not sent\n\
MismatchPortSynRx|MismatchPortAckRx=join to a port the address was not announced with\n\
MPFailTx|MPFailRx=MP_FAIL: a checksum failure ended in fallback or reset\n\
MPFastcloseTx|MPFastcloseRx=MP_FASTCLOSE: a connection was aborted\n\
MPRstTx|MPRstRx=MP_TCPRST: a subflow was reset, with a reason\n\
SubflowStale=a subflow stopped making progress: marked stale, other paths used\n\
RcvWndConflict=receive window updates raced between subflows\n\
Blackhole=MPTCP SYNs seem dropped on the way: blackhole detected\n\
MPCapableDataFallback=fallback to TCP: the first data had no DSS option\n\
MD5SigFallback=fallback to TCP: the socket uses TCP MD5 signatures\n\
DssFallback=fallback to TCP: a DSS option was missing\n\
SimultConnectFallback=fallback to TCP: simultaneous connect\n\
FallbackFailed=fallback was needed but impossible: the connection was reset\n";

/// What a counter that explains a failure means, in a few words; `None` for the others.
pub fn explain(name: &str) -> Option<&'static str> {
    crate::os::text::split_ascii(MEANINGS, b'\n').find_map(|line| {
        let at = line.bytes().position(|b| b == b'=')?;
        let names = line.get(..at)?;
        crate::os::text::split_ascii(names, b'|').any(|n| n == name).then(|| line.get(at + 1..))?
    })
}

/// The counters' widest name, for the text column.
const NAME_WIDTH: usize = 24;

/// One counter: `NAME VALUE [+DELTA] [explanation]`, or
/// `{"counter": NAME, "value": V[, "delta": D][, "meaning": TEXT]}`.
pub fn counter<W: Write>(out: &mut Out<W>, name: &str, value: u64, delta: Option<i128>) {
    let why = explain(name);
    if let Some(j) = &mut out.json {
        let w = &mut out.w;
        j.start_object(w);
        j.string(w, "counter", name);
        j.uint(w, "value", value);
        if let Some(d) = delta {
            j.int(w, "delta", d.clamp(i64::MIN.into(), i64::MAX.into()) as i64);
        }
        if let Some(why) = why {
            j.string(w, "meaning", why);
        }
        j.end_object(w);
        return;
    }
    let _ = write!(out.w, "{name:<NAME_WIDTH$} {value:>10}");
    if let Some(d) = delta {
        // ` {:>8}`: right-aligned in eight columns after a space (digits and a sign are
        // one byte each).
        let d = Signed::of(d);
        let digits = d.as_bytes();
        let pad = SPACES.get(..9usize.saturating_sub(digits.len()).max(1)).unwrap_or_default();
        let _ = out.w.write_all(pad);
        let _ = out.w.write_all(digits);
    }
    if let Some(why) = why {
        let _ = out.w.write_all(b"  ");
        let _ = out.w.write_all(why.as_bytes());
    }
    let _ = out.w.write_all(b"\n");
}

/// The spaces before a delta: one, and up to eight of padding.
const SPACES: &[u8] = b"         ";

/// A delta as `{:+}` writes it (`+0`, `-3`), built in place: a difference of two `u64`
/// needs `i128`, whose formatting would bring core's 128-bit division into the binary.
struct Signed {
    buf: [u8; 21],
    start: usize,
}

impl Signed {
    fn of(d: i128) -> Signed {
        // |d| fits a u64: it is a difference of two u64 values.
        let mut magnitude = d.unsigned_abs() as u64;
        let mut s = Signed { buf: [0; 21], start: 21 };
        // Twenty digits and the sign fill the buffer exactly; `get_mut` keeps a panic
        // site out all the same.
        let mut push = |b: u8| {
            s.start = s.start.saturating_sub(1);
            if let Some(slot) = s.buf.get_mut(s.start) {
                *slot = b;
            }
        };
        loop {
            push(b'0' + (magnitude % 10) as u8);
            magnitude /= 10;
            if magnitude == 0 {
                break;
            }
        }
        push(if d < 0 { b'-' } else { b'+' });
        s
    }

    fn as_bytes(&self) -> &[u8] {
        self.buf.get(self.start..).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    #[test]
    fn meanings_are_found_by_whole_name() {
        assert_eq!(
            explain("MPJoinRejected"),
            Some("join refused by the path manager: the subflows limit, or no such address id")
        );
        assert_eq!(explain("InfiniteMapTx"), explain("InfiniteMapRx"));
        assert!(explain("FallbackFailed").is_some());
        for no in ["", "MPJoin", "InfiniteMapTx|InfiniteMapRx", "MPJoinRejected=", "CurrEstab"] {
            assert_eq!(explain(no), None, "{no:?}");
        }
        let names = MEANINGS.lines().flat_map(|l| l.split('=').next().unwrap().split('|'));
        assert_eq!(names.filter(|n| explain(n).is_some()).count(), 41);
    }

    #[test]
    fn deltas_read_as_signed_display() {
        let edges = [0, 1, -1, 9, -10, 12345678, i128::from(u64::MAX), -i128::from(u64::MAX)];
        for d in edges {
            assert_eq!(Signed::of(d).as_bytes(), format!("{d:+}").as_bytes());
            let mut out = Out::with_writer(Vec::new(), false, false, None, false);
            counter(&mut out, "X", 5, Some(d));
            let got = String::from_utf8(out.w).unwrap();
            assert!(got.ends_with(&format!(" {d:>+8}\n")), "{got:?}");
        }
    }

    fn run(json: bool, pretty: bool) -> String {
        let mut out = Out::with_writer(Vec::new(), json, pretty, None, false);
        out.open_array();
        counter(&mut out, "MPJoinSynRx", 3, None);
        counter(&mut out, "MPJoinRejected", 1, Some(1));
        out.close_array();
        String::from_utf8(out.w).unwrap()
    }

    #[test]
    fn text_explains_failure_counters_only() {
        let text = run(false, false);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "MPJoinSynRx                       3");
        assert!(
            lines[1].starts_with("MPJoinRejected                    1       +1  join refused"),
            "{text}"
        );
    }

    #[test]
    fn json_carries_the_same_data() {
        let compact = run(true, false);
        assert!(compact.starts_with(r#"[{"counter":"MPJoinSynRx","value":3},{"counter":"MPJoinRejected","value":1,"delta":1,"meaning":"join refused"#), "{compact}");
        let squeeze = |s: &str| s.split_whitespace().collect::<String>();
        assert_eq!(squeeze(&run(true, true)), squeeze(&compact));
    }
}
