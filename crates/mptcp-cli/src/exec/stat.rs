//! `stat` (plain `mptcp` only): the namespace's MPTcpExt counters from
//! `/proc/net/netstat`, non-zero ones (all with `-a`), once or, in watch mode, what
//! changed every interval until SIGINT or SIGTERM.

use core::time::Duration;

use crate::command::diag::StatArgs;
use crate::os::sys::{self, Instant, Lock};
use crate::print::fail::say;
use crate::print::out::Out;
use crate::print::stat;

/// Where the kernel lists the counters (this process's network namespace's view).
const NETSTAT: &str = "/proc/net/netstat";
/// Bytes of `/proc/net/netstat` read (6.18's file is about 4 KiB).
const FILE_MAX: usize = 16 * 1024;
/// Counters a watch remembers (6.18 has 74).
const COUNTERS: usize = 160;

/// The file's bytes, in zeroed static memory (no heap, no big stack frame).
static FILE: Lock<[u8; FILE_MAX]> = Lock::new([0; FILE_MAX]);

/// The `MPTcpExt:` pairs of a netstat file: (name, value) in the kernel's order. A line
/// pair that does not parse yields nothing more.
pub fn counters(file: &[u8]) -> Counters<'_> {
    let text = core::str::from_utf8(file).unwrap_or("");
    let mut lines = crate::os::text::split_ascii(text, b'\n');
    let mut pair = || lines.find(|l| l.starts_with("MPTcpExt:")).unwrap_or("");
    let (mut names, mut values) = (pair(), pair());
    // The first word of each line is the `MPTcpExt:` label.
    next_word(&mut names);
    next_word(&mut values);
    Counters { names, values, done: false }
}

/// The iterator of [`counters`] (byte searches: no generic iterator adapters, no
/// core integer parser in the binary).
pub struct Counters<'a> {
    names: &'a str,
    values: &'a str,
    done: bool,
}

impl<'a> Iterator for Counters<'a> {
    type Item = (&'a str, u64);

    fn next(&mut self) -> Option<(&'a str, u64)> {
        if self.done {
            return None;
        }
        let pair = next_word(&mut self.names)
            .zip(next_word(&mut self.values))
            .and_then(|(n, v)| Some((n, decimal(v)?)));
        self.done = pair.is_none();
        pair
    }
}

/// The next word of `rest` between ASCII white space (as `split_ascii_whitespace`).
fn next_word<'a>(rest: &mut &'a str) -> Option<&'a str> {
    let b = rest.as_bytes();
    let start = b.iter().position(|c| !c.is_ascii_whitespace())?;
    let end = b[start..].iter().position(u8::is_ascii_whitespace).map_or(b.len(), |e| start + e);
    // Both ends are at ASCII bytes (or the end), so char boundaries.
    let word = rest.get(start..end)?;
    *rest = rest.get(end..)?;
    Some(word)
}

/// `u64`'s `FromStr`: an optional `+`, then one or more decimal digits, no overflow.
fn decimal(word: &str) -> Option<u64> {
    let digits = word.strip_prefix('+').unwrap_or(word);
    if digits.is_empty() {
        return None;
    }
    digits.bytes().try_fold(0u64, |v, b| {
        if !b.is_ascii_digit() {
            return None;
        }
        v.checked_mul(10)?.checked_add(u64::from(b - b'0'))
    })
}

/// Reads the file into `buf`; the bytes read.
fn read(buf: &mut [u8]) -> Result<&[u8], ()> {
    let fail = |e| {
        say(format_args!("mptcp: cannot read {NETSTAT}: {e}\n"));
    };
    let fd = sys::open_read(NETSTAT).map_err(fail)?;
    let mut len = 0;
    while let Some(rest) = buf.get_mut(len..).filter(|r| !r.is_empty()) {
        match fd.read(rest) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) => {
                fail(e);
                return Err(());
            }
        }
    }
    Ok(buf.get(..len).unwrap_or_default())
}

/// Prints the counters, then watches when asked.
pub fn run(out: &mut Out, a: &StatArgs) -> u8 {
    let Some(mut file) = FILE.try_lock() else { return 1 };
    let Ok(text) = read(&mut file[..]) else { return 1 };
    if counters(text).next().is_none() {
        say(format_args!("mptcp: no MPTcpExt counters in {NETSTAT} (MPTCP not built in?)\n"));
        return 1;
    }
    let mut last = [0u64; COUNTERS];
    reading(out, text, &mut last, a.all, None);
    let Some(every) = a.watch else { return 0 };
    // Each interval's output is whole when printed: nothing is left to close at a stop.
    sys::install_stop_handlers(b"");
    let start = Instant::now();
    loop {
        let due = Duration::from_secs(u64::from(every));
        let slept = Instant::now();
        while slept.elapsed() < due {
            if sys::stop_requested() {
                return 0;
            }
            sys::sleep(Duration::from_millis(100).min(due.saturating_sub(slept.elapsed())));
        }
        let Ok(text) = read(&mut file[..]) else { return 1 };
        reading(out, text, &mut last, a.all, Some(&start));
    }
}

/// Prints one reading of `file` and keeps its values in `last`. The first (`since`
/// `None`): a whole array of the non-zero counters (all of them with `all`). In watch
/// mode: the counters that changed since `last`, with the change, after an
/// `after Ns:` line (text) counted from `since`; nothing when none changed.
fn reading(
    out: &mut Out,
    file: &[u8],
    last: &mut [u64; COUNTERS],
    all: bool,
    since: Option<&Instant>,
) {
    let mut opened = since.is_none();
    if opened {
        out.open_array();
    }
    for (i, (name, value)) in counters(file).enumerate() {
        let slot = last.get_mut(i);
        let before = slot.as_ref().map_or(0, |v| **v);
        if let Some(slot) = slot {
            *slot = value;
        }
        let shown = match since {
            None => all || value != 0,
            Some(_) => value != before,
        };
        if !shown {
            continue;
        }
        if let (false, Some(start)) = (opened, since) {
            opened = true;
            if out.json.is_none() {
                let _ = crate::os::io::Write::write_fmt(
                    &mut out.w,
                    format_args!("after {}s:\n", start.elapsed().as_secs()),
                );
            }
            out.open_array();
        }
        let delta = since.map(|_| i128::from(value) - i128::from(before));
        stat::counter(out, name, value, delta);
    }
    if opened {
        out.close_array();
        out.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::counters;
    use crate::prelude::*;

    /// What `counters` was written as first (core's iterator adapters and `u64`
    /// parser), stopping at the first pair that does not parse.
    fn reference(file: &[u8]) -> Vec<(&str, u64)> {
        let text = core::str::from_utf8(file).unwrap_or("");
        let mut lines = text.lines().filter(|l| l.starts_with("MPTcpExt:"));
        let names = lines.next().unwrap_or("").split_ascii_whitespace().skip(1);
        let values = lines.next().unwrap_or("").split_ascii_whitespace().skip(1);
        names.zip(values).map_while(|(n, v)| v.parse::<u64>().ok().map(|v| (n, v))).collect()
    }

    proptest::proptest! {
        #[test]
        fn counters_read_as_core_reads_them(
            text in r"(MPTcpExt:|TcpExt:| |\t|\r|\n|\x0b|[ABx]|[0-9]|\+|-|é){0,40}",
        ) {
            let got: Vec<(&str, u64)> = counters(text.as_bytes()).collect();
            proptest::prop_assert_eq!(got, reference(text.as_bytes()));
        }
    }

    #[test]
    fn counters_edges() {
        for text in [
            "MPTcpExt:A B\nMPTcpExt:1 2\n",
            "MPTcpExt: A B\r\nMPTcpExt: +1 18446744073709551615\r\n",
            "MPTcpExt: A B C\nMPTcpExt: 1 18446744073709551616 3\n",
            "MPTcpExt: A\nMPTcpExt: +\n",
            "MPTcpExt: A B\n",
            "",
        ] {
            let got: Vec<(&str, u64)> = counters(text.as_bytes()).collect();
            assert_eq!(got, reference(text.as_bytes()), "{text:?}");
        }
    }

    #[test]
    fn reads_the_mptcp_pair_only() {
        let file =
            b"TcpExt: A B\nTcpExt: 1 2\nMPTcpExt: MPCapableSYNRX MPJoinRejected\nMPTcpExt: 4 1\n";
        let got: Vec<(&str, u64)> = counters(file).collect();
        assert_eq!(got, [("MPCapableSYNRX", 4), ("MPJoinRejected", 1)]);
        assert_eq!(counters(b"MPTcpExt: A B\nMPTcpExt: 1 x\n").count(), 1);
        assert_eq!(counters(b"IpExt: A\nIpExt: 1\n").count(), 0);
        assert_eq!(counters(&[0xff, 0xfe]).count(), 0);
    }
}
