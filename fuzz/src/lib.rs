//! What the CLI fuzz targets share: a cursor that turns fuzz bytes into field values,
//! the strict JSON reader of the tests (`tests/support/json.rs`), a fake interface table,
//! printers that write into memory, and the checks every JSON document must pass.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use mptcp_cli::args::ifname::Interfaces;
use mptcp_cli::print::out::Out;

#[path = "../../tests/support/json.rs"]
pub mod json;

use json::Json;

/// Field values drawn from the fuzz input, front to back; past the end every read is
/// zero (so every input is a valid one).
pub struct Cursor<'a> {
    data: &'a [u8],
}

impl<'a> Cursor<'a> {
    /// Reads `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Cursor { data }
    }

    /// The bytes not read yet.
    pub fn rest(&self) -> &'a [u8] {
        self.data
    }

    /// Up to `n` bytes.
    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (head, tail) = self.data.split_at(n.min(self.data.len()));
        self.data = tail;
        head
    }

    /// `N` bytes, zero-filled past the end.
    pub fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut a = [0u8; N];
        let b = self.bytes(N);
        a[..b.len()].copy_from_slice(b);
        a
    }

    /// One byte.
    pub fn u8(&mut self) -> u8 {
        self.array::<1>()[0]
    }

    /// Two bytes, little-endian.
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.array())
    }

    /// Four bytes, little-endian.
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.array())
    }

    /// One bit of a byte.
    pub fn bool(&mut self) -> bool {
        self.u8() & 1 != 0
    }

    /// A value or nothing (one byte decides).
    pub fn option<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> Option<T> {
        if self.bool() { Some(f(self)) } else { None }
    }

    /// An IPv4 or IPv6 address.
    pub fn ip(&mut self) -> IpAddr {
        if self.bool() {
            IpAddr::V6(Ipv6Addr::from(self.array::<16>()))
        } else {
            IpAddr::V4(Ipv4Addr::from(self.array::<4>()))
        }
    }

    /// Text of up to `max` bytes (length byte first), invalid UTF-8 replaced.
    pub fn text(&mut self, max: usize) -> String {
        let n = usize::from(self.u8()) % (max + 1);
        String::from_utf8_lossy(self.bytes(n)).into_owned()
    }

    /// Any bytes, up to `max` (length byte first): an interface name as the kernel may
    /// keep it, UTF-8 or not.
    pub fn name(&mut self, max: usize) -> Vec<u8> {
        let n = usize::from(self.u8()) % (max + 1);
        self.bytes(n).to_vec()
    }
}

/// U+FFFD as UTF-8: what a lossy conversion leaves in place of a byte.
pub const REPLACEMENT: &[u8] = b"\xef\xbf\xbd";

/// Whether `hay` holds `needle`.
pub fn holds(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

/// No byte was replaced on the way from `input` to `output`: the output holds U+FFFD
/// only if the input did.
pub fn assert_no_replacement(input: &[u8], output: &[u8]) {
    assert!(
        !holds(output, REPLACEMENT) || holds(input, REPLACEMENT),
        "a byte was replaced by U+FFFD: {:?}",
        String::from_utf8_lossy(output)
    );
}

/// `bytes` read as Latin-1, one char per byte: printers pass bytes from 0x80 up through
/// JSON strings raw (as iproute2 does), so an output holding a name that is not UTF-8
/// is parsed, laid out and compared through this view, byte for byte.
pub fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// The interfaces of the fuzz runs: `lo` is 1, `eth0` 2, and the one name the input
/// chose (any bytes), which has the index it chose; `if<N>` is index N as for the real
/// session.
pub struct FakeInterfaces {
    /// The chosen name and its index.
    pub extra: Option<(Vec<u8>, u32)>,
}

impl Interfaces for FakeInterfaces {
    fn index_of(&mut self, name: &[u8]) -> u32 {
        if let Some((_, i)) = self.extra.as_ref().filter(|(n, _)| n == name) {
            return *i;
        }
        match name {
            b"lo" => return 1,
            b"eth0" => return 2,
            _ => {}
        }
        let digits = name.strip_prefix(b"if").unwrap_or_default();
        let end = digits.iter().position(|b| !b.is_ascii_digit()).unwrap_or(digits.len());
        std::str::from_utf8(&digits[..end]).ok().and_then(|d| d.parse().ok()).unwrap_or(0)
    }
}

/// The output modes a printer is run in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Text, no colour, one line per entry.
    Text,
    /// Text with colours (`-c`) and `-o`.
    TextColorOneline,
    /// `-j`.
    Json,
    /// `-j -p`.
    Pretty,
}

impl Mode {
    /// A mode from two bits.
    pub fn from_bits(b: u8) -> Mode {
        match b & 3 {
            0 => Mode::Text,
            1 => Mode::TextColorOneline,
            2 => Mode::Json,
            _ => Mode::Pretty,
        }
    }
}

/// An [`Out`] writing into memory in `mode`.
pub fn out(mode: Mode) -> Out<Vec<u8>> {
    let palette =
        mptcp_cli::print::color::palette(mptcp_cli::print::color::ColorOpt::Always, false);
    match mode {
        Mode::Text => Out::with_writer(Vec::new(), false, false, None, false),
        Mode::TextColorOneline => Out::with_writer(Vec::new(), false, false, palette, true),
        Mode::Json => Out::with_writer(Vec::new(), true, false, None, false),
        Mode::Pretty => Out::with_writer(Vec::new(), true, true, None, false),
    }
}

/// Runs `print` into a compact and a pretty JSON writer and checks both documents: each
/// is strict JSON, written exactly as iproute2's writer lays that document out (so the
/// pretty one is the compact one re-indented), and both hold the same values. Returns
/// the document.
pub fn json_both(print: impl Fn(&mut Out<Vec<u8>>)) -> Json {
    let mut compact = out(Mode::Json);
    print(&mut compact);
    let mut pretty = out(Mode::Pretty);
    print(&mut pretty);
    let (c, p) = (&compact.w, &pretty.w);
    let doc = json::parse_bytes(c).unwrap_or_else(|e| {
        panic!("compact output is not JSON ({e}): {:?}", String::from_utf8_lossy(c))
    });
    let doc_p = json::parse_bytes(p).unwrap_or_else(|e| {
        panic!("pretty output is not JSON ({e}): {:?}", String::from_utf8_lossy(p))
    });
    assert_eq!(doc, doc_p, "-j and -j -p hold different values");
    assert_eq!(String::from_utf8_lossy(c), json::compact(&doc), "compact layout");
    assert_eq!(String::from_utf8_lossy(p), json::pretty(&doc), "pretty layout");
    doc
}

/// [`json_both`] for output whose strings may hold any bytes (interface names): both
/// documents are read through [`latin1`], so every string compares byte for byte with
/// the `latin1` of what was printed. No byte may have been replaced.
pub fn json_both_bytes(print: impl Fn(&mut Out<Vec<u8>>)) -> Json {
    let mut compact = out(Mode::Json);
    print(&mut compact);
    let mut pretty = out(Mode::Pretty);
    print(&mut pretty);
    let (c, p) = (latin1(&compact.w), latin1(&pretty.w));
    let doc = json::parse(&c).unwrap_or_else(|e| panic!("compact output is not JSON ({e}): {c:?}"));
    let doc_p =
        json::parse(&p).unwrap_or_else(|e| panic!("pretty output is not JSON ({e}): {p:?}"));
    assert_eq!(doc, doc_p, "-j and -j -p hold different values");
    assert_eq!(c, json::compact(&doc), "compact layout");
    assert_eq!(p, json::pretty(&doc), "pretty layout");
    doc
}

/// Member `key` of `obj`: a string.
pub fn str_of<'j>(obj: &'j Json, key: &str) -> Option<&'j str> {
    obj.get(key).map(|v| v.as_str().unwrap_or_else(|| panic!("{key} is not a string: {v:?}")))
}

/// Member `key` of `obj`: an unsigned integer.
pub fn uint_of(obj: &Json, key: &str) -> Option<u64> {
    obj.get(key).map(|v| v.as_u64().unwrap_or_else(|| panic!("{key} is not a u64: {v:?}")))
}

/// Member `key` of `obj`: `true` (printers write flags as `true` or leave them out).
pub fn flag_of(obj: &Json, key: &str) -> bool {
    match obj.get(key) {
        None => false,
        Some(Json::Bool(true)) => true,
        Some(v) => panic!("{key} is not `true`: {v:?}"),
    }
}

/// The keys of `obj`, in order.
pub fn keys(obj: &Json) -> Vec<&str> {
    obj.as_object().expect("an object").iter().map(|(k, _)| k.as_str()).collect()
}

/// An address as the printers write it, read back.
pub fn ip_of(text: &str) -> IpAddr {
    text.parse().unwrap_or_else(|e| panic!("{text:?} is not an address: {e}"))
}

/// `%#x` (`0` or `0x…`) read back.
pub fn hash_hex(text: &str) -> u64 {
    if text == "0" {
        return 0;
    }
    let hex = text.strip_prefix("0x").unwrap_or_else(|| panic!("{text:?} lacks 0x"));
    assert!(!hex.starts_with('0'), "{text:?} has a leading zero");
    u64::from_str_radix(hex, 16).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

/// The `address` of an endpoint at `addr` that `-r` named `name` (any bytes), as
/// `endpoint show -r -j` prints it (compact and pretty, each checked strict by
/// [`json_both_bytes`]), read back as bytes (the JSON string through its Latin-1 view).
pub fn named_endpoint_address(addr: IpAddr, name: &[u8]) -> Vec<u8> {
    let host = mptcp_cli::print::addr::Host::Name(name.to_vec());
    let e = mptcp_pm_wire::Endpoint { id: Some(1), ..mptcp_pm_wire::Endpoint::with_addr(addr) };
    let doc = json_both_bytes(|out| {
        if let Some(j) = &mut out.json {
            j.start_array(&mut out.w);
        }
        mptcp_cli::print::endpoint::print(out, &e, Some(&host), None::<&str>);
        if let Some(j) = &mut out.json {
            j.end_array(&mut out.w);
        }
    });
    let first = &doc.as_array().expect("an array")[0];
    let text = str_of(first, "address").expect("an address");
    text.chars().map(|c| u8::try_from(c).expect("a Latin-1 view holds bytes")).collect()
}
