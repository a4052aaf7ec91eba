//! One line per decision, as text or (`-j`) one JSON object per line, with a timestamp
//! first when asked (`-t`); interface names escaped (`\xNN`) in text. Lines wait in a
//! buffer of [`LOG_BUF`] bytes (allocated at start; nothing allocates per line) and
//! leave it without ever blocking a decision: standard output is non-blocking when it
//! is a pipe or a socket, a full buffer drops (and counts) the newest lines, a reader
//! that went away (`EPIPE`, SIGPIPE ignored) drops all, and a note says how many were
//! dropped once the reader keeps up again.
//!
//! Lines leave in batches when the log is not a terminal: a line after a quiet
//! [`HOLD`] goes at once, and the lines that follow it within [`HOLD`] wait for it to
//! pass (or for half the buffer), so a stream of decisions costs one `write` a second,
//! not one each (a `write` to a file or a pipe cost `endpoint follow` 12 µs per change
//! cold, about 5 % of its CPU time per change, perf). A terminal gets every line at once.
//! While lines are held, a decision about an endpoint is kept unformatted (its fields,
//! its interface's name and the clock's reading, up to [`HELD`] of them) and formatted
//! with the others when they go: formatted one at a time after a sleep, a line cost about
//! 15 µs, a tenth of a change's CPU time, against about 2 µs each in a batch.

use crate::os::io::Write;
use core::fmt;
use core::net::IpAddr;
use core::time::Duration;

use mptcp_follow::{Endpoint, FLAG_WORDS, IfName, State};

use crate::os::sys::{self, Instant};
use crate::prelude::*;
use crate::print::addr::Display;
use crate::print::json::JsonWriter;
use crate::print::timefmt::{self, LocalTime};

/// Bytes of log lines kept while the reader is slow (about 500 lines).
pub const LOG_BUF: usize = 64 * 1024;

/// How long lines wait after a write, while more come (not on a terminal).
pub const HOLD: Duration = Duration::from_secs(1);

/// Most decision lines kept unformatted while lines are held (room allocated at start);
/// one more formats them all into the buffer.
pub const HELD: usize = 64;

/// What a line says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// An endpoint is (being) added.
    Add,
    /// An endpoint is (being) deleted.
    Delete,
    /// The kernel refused an add.
    AddRefused,
    /// The kernel refused a delete.
    DeleteRefused,
    /// An endpoint's flags are (being) changed in place.
    Change,
    /// The kernel refused a flag change.
    ChangeRefused,
    /// An address qualifies but waits for a free slot.
    Wait,
    /// An address gets no endpoint.
    Skip,
}

impl Action {
    fn word(self) -> &'static str {
        match self {
            Action::Add => "add",
            Action::Delete => "delete",
            Action::AddRefused => "add-refused",
            Action::DeleteRefused => "delete-refused",
            Action::Change => "change",
            Action::ChangeRefused => "change-refused",
            Action::Wait => "wait",
            Action::Skip => "skip",
        }
    }
}

/// Where lines go and how they look.
pub struct Log {
    /// Lines not yet written.
    buf: Vec<u8>,
    /// Lines dropped since the last note about it.
    dropped: u64,
    /// The reader has gone (`EPIPE` or another write error): every line is dropped.
    closed: bool,
    /// `-j`.
    pub json: bool,
    /// `-t`.
    pub timestamps: bool,
    /// `dry-run`: actions are what would be done.
    pub dry_run: bool,
    /// When the last write went out, while lines are held after one (`None`: not yet,
    /// or standard output is a terminal).
    wrote: Option<Instant>,
    /// Standard output is a terminal: no line is held.
    tty: bool,
    /// The local time's minute the stamps reuse.
    minute: sys::LocalMinute,
    /// Decision lines not yet formatted, oldest first (at most [`HELD`]).
    held: Vec<Held>,
}

/// A decision line kept unformatted: what [`Log::endpoint`] was given, the interface's
/// name as it was then, and when (`-t`).
#[derive(Clone, Copy)]
struct Held {
    action: Action,
    e: Endpoint,
    dev: Option<IfName>,
    reason: &'static str,
    at: sys::Realtime,
}

/// An endpoint's or an address's fields for one line.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'s> {
    /// The address.
    pub ip: IpAddr,
    /// The endpoint id, once it has one.
    pub id: Option<u8>,
    /// The interface name (`None` when unknown).
    pub dev: Option<&'s IfName>,
    /// Endpoint flags (0 for none).
    pub flags: u32,
    /// Port (0 for none).
    pub port: u16,
}

impl<'s> Subject<'s> {
    /// An endpoint on the interface named `dev`.
    pub fn endpoint(e: &Endpoint, dev: Option<&'s IfName>) -> Subject<'s> {
        Subject { ip: e.ip, id: Some(e.id), dev, flags: e.flags, port: e.port }
    }

    /// An address of interface `ifindex`.
    pub fn address(ip: IpAddr, ifindex: u32, state: &'s State) -> Subject<'s> {
        Subject { ip, id: None, dev: dev_name(state, ifindex), flags: 0, port: 0 }
    }
}

/// The name of interface `ifindex` in `state`, if known.
pub fn dev_name(state: &State, ifindex: u32) -> Option<&IfName> {
    state.link(ifindex).map(|l| &l.name).filter(|n| !n.as_bytes().is_empty())
}

impl Log {
    /// A log with its buffer; standard output turns non-blocking for the long-running
    /// mode (`follow`).
    pub fn new(json: bool, timestamps: bool, dry_run: bool, follow: bool) -> Log {
        if follow {
            sys::ignore_sigpipe();
            sys::stdout_nonblocking();
        }
        // Room for one line past the limit: a line is written, then kept or taken out.
        let buf = Vec::with_capacity(LOG_BUF + 4096);
        let tty = sys::stdout_is_tty();
        Log {
            buf,
            dropped: 0,
            closed: false,
            json,
            timestamps,
            dry_run,
            wrote: None,
            tty,
            minute: None,
            held: Vec::with_capacity(HELD),
        }
    }

    /// A line about endpoint `e`, its interface named by `state` (one out-of-line call
    /// for every such line). While lines are held it is kept unformatted.
    #[inline(never)]
    pub fn endpoint(&mut self, action: Action, e: &Endpoint, state: &State, reason: &'static str) {
        let dev = dev_name(state, e.ifindex).copied();
        if self.wrote.is_some() && !self.tty && self.held.len() < HELD {
            let at = if self.timestamps { sys::realtime() } else { sys::Realtime::default() };
            self.held.push(Held { action, e: *e, dev, reason, at });
            return;
        }
        self.line(action, &Subject::endpoint(e, dev.as_ref()), &reason);
    }

    /// `ACTION ADDRESS [id ID] [dev NAME] [FLAGS…] [port P] (REASON)`.
    pub fn line(&mut self, action: Action, s: &Subject<'_>, reason: &dyn fmt::Display) {
        self.format_held();
        let now = self.timestamps.then(|| sys::now_local(&mut self.minute));
        self.format(action, s, reason, now);
    }

    /// Formats the decision lines kept unformatted into the buffer, oldest first.
    fn format_held(&mut self) {
        let mut i = 0;
        while let Some(h) = self.held.get(i).copied() {
            i += 1;
            let now = self.timestamps.then(|| sys::local_time(h.at, &mut self.minute));
            self.format(h.action, &Subject::endpoint(&h.e, h.dev.as_ref()), &h.reason, now);
        }
        self.held.clear();
    }

    /// Formats one line into the buffer, stamped `now`.
    fn format(
        &mut self,
        action: Action,
        s: &Subject<'_>,
        reason: &dyn fmt::Display,
        now: Option<LocalTime>,
    ) {
        let mark = self.buf.len();
        if self.json {
            self.json_line(action, s, reason, now.as_ref());
        } else {
            self.text_line(action, s, reason, now.as_ref());
        }
        self.keep_or_drop(mark);
    }

    /// A line about the mode itself: `note TEXT`.
    pub fn note(&mut self, text: fmt::Arguments<'_>) {
        self.format_held();
        let mark = self.buf.len();
        self.note_line(text);
        self.keep_or_drop(mark);
    }

    /// Lines dropped so far (full buffer or a reader gone) and not yet noted.
    #[cfg(test)]
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// When the lines that wait are to go (`None`: none waits): at once on a terminal,
    /// with half the buffer full, or after a quiet [`HOLD`]; else [`HOLD`] after the
    /// last write.
    pub fn due(&self) -> Option<Instant> {
        if self.buf.is_empty() && self.held.is_empty() {
            return None;
        }
        let now = Instant::now();
        match self.wrote {
            Some(t) if !self.tty && self.buf.len() < LOG_BUF / 2 => Some(t.after(HOLD)),
            _ => Some(now),
        }
    }

    /// [`Log::flush`] once the lines that wait are [`Log::due`].
    pub fn flush_due(&mut self) {
        if self.due().is_some_and(|t| t <= Instant::now()) {
            self.flush();
        }
    }

    /// Keeps the line written from `mark` on when the buffer has room and the reader
    /// is there; otherwise takes it out again and counts it.
    fn keep_or_drop(&mut self, mark: usize) {
        if self.closed || self.buf.len() > LOG_BUF {
            self.buf.truncate(mark);
            self.dropped += 1;
        }
    }

    /// Writes what waits, as far as the reader takes it now (never blocks when standard
    /// output is a pipe or a socket). Once all went and lines were dropped, a note
    /// says how many.
    pub fn flush(&mut self) {
        self.format_held();
        while !self.buf.is_empty() && !self.closed {
            match sys::write_once(1, &self.buf) {
                Ok(0) => break,
                Ok(n) => {
                    self.buf.drain(..n.min(self.buf.len()));
                    self.wrote = Some(Instant::now());
                }
                Err(e) if e.0 == libc::EAGAIN => return,
                Err(_) => {
                    self.closed = true;
                    self.buf.clear();
                }
            }
        }
        if self.buf.is_empty() && self.dropped > 0 && !self.closed {
            let n = core::mem::take(&mut self.dropped);
            self.note_line(format_args!(
                "{n} log line(s) dropped: the log reader was too slow (decisions went on)"
            ));
            self.flush();
        }
    }

    fn note_line(&mut self, text: fmt::Arguments<'_>) {
        let now = self.timestamps.then(|| sys::now_local(&mut self.minute));
        let w = &mut self.buf;
        if self.json {
            let mut j = JsonWriter::new(false);
            j.start_object(w);
            json_stamp(&mut j, w, now.as_ref());
            j.string(w, "action", "note");
            j.string_fmt(w, "text", text);
            j.end_object(w);
            let _ = w.write_all(b"\n");
        } else {
            text_stamp(w, now.as_ref());
            let _ = writeln!(w, "note {text}");
        }
    }

    fn text_line(
        &mut self,
        action: Action,
        s: &Subject<'_>,
        reason: &dyn fmt::Display,
        now: Option<&LocalTime>,
    ) {
        let w = &mut self.buf;
        text_stamp(w, now);
        if self.dry_run && matches!(action, Action::Add | Action::Delete | Action::Change) {
            let _ = w.write_all(b"would ");
        }
        let _ = write!(w, "{} {}", action.word(), Display(s.ip));
        if let Some(id) = s.id {
            let _ = write!(w, " id {}", u64::from(id));
        }
        if let Some(dev) = s.dev {
            let _ = write!(w, " dev {}", dev.escaped());
        }
        for (name, bit) in FLAG_WORDS {
            if s.flags & bit != 0 {
                let _ = w.write_all(b" ");
                let _ = w.write_all(name.as_bytes());
            }
        }
        if s.port != 0 {
            let _ = write!(w, " port {}", u64::from(s.port));
        }
        let _ = writeln!(w, " ({reason})");
    }

    fn json_line(
        &mut self,
        action: Action,
        s: &Subject<'_>,
        reason: &dyn fmt::Display,
        now: Option<&LocalTime>,
    ) {
        let w = &mut self.buf;
        let mut j = JsonWriter::new(false);
        j.start_object(w);
        json_stamp(&mut j, w, now);
        j.string(w, "action", action.word());
        if self.dry_run {
            j.bool(w, "dry_run", true);
        }
        j.string_fmt(w, "address", format_args!("{}", Display(s.ip)));
        if let Some(id) = s.id {
            j.uint(w, "id", id.into());
        }
        match s.dev.map(|d| (d, d.as_str())) {
            Some((_, Some(text))) => j.string(w, "dev", text),
            Some((raw, None)) => j.string_fmt(w, "dev", format_args!("{}", raw.escaped())),
            None => {}
        }
        for (name, bit) in FLAG_WORDS {
            if s.flags & bit != 0 {
                j.bool(w, name, true);
            }
        }
        if s.port != 0 {
            j.uint(w, "port", s.port.into());
        }
        j.string_fmt(w, "reason", format_args!("{reason}"));
        j.end_object(w);
        let _ = w.write_all(b"\n");
    }
}

/// A text line's `[TIME] ` (`-t`).
#[inline(never)]
fn text_stamp(w: &mut Vec<u8>, now: Option<&LocalTime>) {
    if let Some(t) = now {
        let _ = write!(w, "[{}] ", timefmt::short(t));
    }
}

/// A JSON line's `"time"` (`-t`).
#[inline(never)]
fn json_stamp(j: &mut JsonWriter, w: &mut Vec<u8>, now: Option<&LocalTime>) {
    if let Some(t) = now {
        j.string_fmt(w, "time", format_args!("{}", timefmt::short(t)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mptcp_follow::Link;

    fn text(json: bool, dry_run: bool) -> String {
        let mut state = Box::new(State::new());
        state.set_link(Link::new(2, "wan\"0", Link::UP_WITH_CARRIER)).unwrap();
        let e =
            Endpoint { id: 200, ip: "10.0.0.1".parse().unwrap(), ifindex: 2, flags: 3, port: 0 };
        let mut log = Log::new(json, false, dry_run, false);
        log.endpoint(Action::Add, &e, &state, "start");
        log.note(format_args!("limits: x"));
        String::from_utf8(log.buf.clone()).unwrap()
    }

    #[test]
    fn names_are_escaped_and_a_full_buffer_drops_and_counts() {
        let mut state = Box::new(State::new());
        state.set_link(Link::from_bytes(2, b"lan\xff\x1b[2J", Link::UP_WITH_CARRIER)).unwrap();
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for json in [false, true] {
            let mut log = Log::new(json, false, false, false);
            log.line(Action::Skip, &Subject::address(ip, 2, &state), &"x");
            let line = String::from_utf8(log.buf.clone()).unwrap();
            // Text: `lan\xff\x1b[2J`; JSON: the same text, its backslashes escaped.
            let want = if json { "lan\\\\xff\\\\x1b[2J" } else { "lan\\xff\\x1b[2J" };
            assert!(line.contains(want) && !line.contains('\x1b'), "{line}");
        }
        let mut log = Log::new(false, false, false, false);
        for _ in 0..LOG_BUF {
            log.note(format_args!("0123456789"));
        }
        assert!(log.buf.len() <= LOG_BUF + 64 && log.dropped() > 0);
        log.closed = true;
        let before = log.dropped();
        log.note(format_args!("x"));
        assert_eq!(log.dropped(), before + 1);
    }

    /// Lines wait [`HOLD`] after a write, unless the buffer is half full or the log is a
    /// terminal; nothing waiting, nothing is due; with no write yet, a line is due now.
    #[test]
    fn lines_are_held_after_a_write_and_not_on_a_terminal() {
        let mut log = Log::new(false, false, false, false);
        log.tty = false;
        assert_eq!(log.due(), None);
        log.note(format_args!("x"));
        let now = Instant::now();
        assert!(log.due().is_some_and(|t| t.since(now) < HOLD), "no write yet: due now");
        log.wrote = Some(now);
        assert_eq!(log.due(), Some(now.after(HOLD)));
        log.tty = true;
        assert!(log.due().is_some_and(|t| t.since(now) < HOLD), "a terminal: due now");
        log.tty = false;
        while log.buf.len() < LOG_BUF / 2 {
            log.note(format_args!("0123456789"));
        }
        assert!(log.due().is_some_and(|t| t.since(now) < HOLD), "half full: due now");
    }

    /// While lines are held, decisions stay unformatted until a note, a refusal or a
    /// flush: then they come out first, in order, each as it would have been at once,
    /// with its interface's name as it was then; more than [`HELD`] are formatted.
    #[test]
    fn held_decisions_keep_their_order_and_their_name() {
        let mut state = Box::new(State::new());
        state.set_link(Link::new(2, "wan0", Link::UP_WITH_CARRIER)).unwrap();
        let e =
            |id| Endpoint { id, ip: "10.0.0.1".parse().unwrap(), ifindex: 2, flags: 2, port: 0 };
        for json in [false, true] {
            let mut at_once = Log::new(json, false, false, false);
            let mut held = Log::new(json, false, false, false);
            held.tty = false;
            held.wrote = Some(Instant::now());
            for log in [&mut at_once, &mut held] {
                log.endpoint(Action::Add, &e(200), &state, "address usable");
                log.endpoint(Action::Delete, &e(201), &state, "address removed");
            }
            assert!(held.buf.is_empty() && held.held.len() == 2 && held.due().is_some());
            // A rename after the decision does not change its line.
            state.set_link(Link::new(2, "wan9", Link::UP_WITH_CARRIER)).unwrap();
            for log in [&mut at_once, &mut held] {
                log.note(format_args!("n"));
                log.line(Action::AddRefused, &Subject::endpoint(&e(202), None), &"x");
            }
            assert_eq!(String::from_utf8_lossy(&held.buf), String::from_utf8_lossy(&at_once.buf));
            assert!(held.held.is_empty());
            state.set_link(Link::new(2, "wan0", Link::UP_WITH_CARRIER)).unwrap();
            for i in 0..=HELD {
                held.endpoint(Action::Add, &e(i as u8), &state, "r");
            }
            assert!(held.held.is_empty(), "one past HELD formats them all");
            held.endpoint(Action::Add, &e(1), &state, "r");
            // A reader gone: the flush formats (and drops) without writing anywhere.
            held.closed = true;
            held.flush();
            assert!(held.held.is_empty(), "a flush formats what is held");
        }
    }

    #[test]
    fn text_and_json_lines() {
        assert_eq!(
            text(false, false),
            "add 10.0.0.1 id 200 dev wan\"0 signal subflow (start)\nnote limits: x\n"
        );
        assert_eq!(
            text(false, true).lines().next().unwrap(),
            "would add 10.0.0.1 id 200 dev wan\"0 signal subflow (start)"
        );
        assert_eq!(
            text(true, false),
            "{\"action\":\"add\",\"address\":\"10.0.0.1\",\"id\":200,\"dev\":\"wan\\\"0\",\"signal\":true,\"subflow\":true,\"reason\":\"start\"}\n{\"action\":\"note\",\"text\":\"limits: x\"}\n"
        );
    }
}
