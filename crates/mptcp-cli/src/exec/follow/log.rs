//! One line per decision, as text or (`-j`) one JSON object per line, with a timestamp
//! first when asked (`-t`). Written into the output buffer: nothing allocates.

use crate::os::io::Write;
use core::fmt;
use core::net::IpAddr;

use mptcp_follow::{Endpoint, FLAG_WORDS, State};

use crate::os::sys;
use crate::print::addr::Display;
use crate::print::json::JsonWriter;
use crate::print::out::Out;
use crate::print::timefmt::{self, LocalTime};

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
            Action::Wait => "wait",
            Action::Skip => "skip",
        }
    }
}

/// Where lines go and how they look.
pub struct Log<'o> {
    /// The output buffer.
    pub out: &'o mut Out,
    /// `-j`.
    pub json: bool,
    /// `-t`.
    pub timestamps: bool,
    /// `dry-run`: actions are what would be done.
    pub dry_run: bool,
}

/// An endpoint's or an address's fields for one line.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'s> {
    /// The address.
    pub ip: IpAddr,
    /// The endpoint id, once it has one.
    pub id: Option<u8>,
    /// The interface name (empty when unknown).
    pub dev: &'s str,
    /// Endpoint flags (0 for none).
    pub flags: u32,
    /// Port (0 for none).
    pub port: u16,
}

impl<'s> Subject<'s> {
    /// An endpoint, named by `state`'s link table.
    pub fn endpoint(e: &Endpoint, state: &'s State) -> Subject<'s> {
        Subject {
            ip: e.ip,
            id: Some(e.id),
            dev: dev_name(state, e.ifindex),
            flags: e.flags,
            port: e.port,
        }
    }

    /// An address of interface `ifindex`.
    pub fn address(ip: IpAddr, ifindex: u32, state: &'s State) -> Subject<'s> {
        Subject { ip, id: None, dev: dev_name(state, ifindex), flags: 0, port: 0 }
    }
}

/// The name of interface `ifindex` in `state`, or empty.
pub fn dev_name(state: &State, ifindex: u32) -> &str {
    state.link(ifindex).map_or("", |l| l.name.as_str())
}

impl Log<'_> {
    /// `ACTION ADDRESS [id ID] [dev NAME] [FLAGS…] [port P] (REASON)`.
    pub fn line(&mut self, action: Action, s: &Subject<'_>, reason: fmt::Arguments<'_>) {
        let now = self.timestamps.then(sys::now_local);
        if self.json {
            self.json_line(action, s, reason, now.as_ref());
        } else {
            self.text_line(action, s, reason, now.as_ref());
        }
    }

    /// A line about the mode itself: `note TEXT`.
    pub fn note(&mut self, text: fmt::Arguments<'_>) {
        let now = self.timestamps.then(sys::now_local);
        let w = &mut self.out.w;
        if self.json {
            let mut j = JsonWriter::new(false);
            j.start_object(w);
            if let Some(t) = &now {
                j.string_fmt(w, "time", format_args!("{}", timefmt::short(t)));
            }
            j.string(w, "action", "note");
            j.string_fmt(w, "text", text);
            j.end_object(w);
            let _ = w.write_all(b"\n");
        } else {
            if let Some(t) = &now {
                let _ = write!(w, "[{}] ", timefmt::short(t));
            }
            let _ = writeln!(w, "note {text}");
        }
    }

    fn text_line(
        &mut self,
        action: Action,
        s: &Subject<'_>,
        reason: fmt::Arguments<'_>,
        now: Option<&LocalTime>,
    ) {
        let w = &mut self.out.w;
        if let Some(t) = now {
            let _ = write!(w, "[{}] ", timefmt::short(t));
        }
        if self.dry_run && matches!(action, Action::Add | Action::Delete) {
            let _ = w.write_all(b"would ");
        }
        let _ = write!(w, "{} {}", action.word(), Display(s.ip));
        if let Some(id) = s.id {
            let _ = write!(w, " id {id}");
        }
        if !s.dev.is_empty() {
            let _ = write!(w, " dev {}", s.dev);
        }
        for (name, bit) in FLAG_WORDS {
            if s.flags & bit != 0 {
                let _ = write!(w, " {name}");
            }
        }
        if s.port != 0 {
            let _ = write!(w, " port {}", s.port);
        }
        let _ = writeln!(w, " ({reason})");
    }

    fn json_line(
        &mut self,
        action: Action,
        s: &Subject<'_>,
        reason: fmt::Arguments<'_>,
        now: Option<&LocalTime>,
    ) {
        let w = &mut self.out.w;
        let mut j = JsonWriter::new(false);
        j.start_object(w);
        if let Some(t) = now {
            j.string_fmt(w, "time", format_args!("{}", timefmt::short(t)));
        }
        j.string(w, "action", action.word());
        if self.dry_run {
            j.bool(w, "dry_run", true);
        }
        j.string_fmt(w, "address", format_args!("{}", Display(s.ip)));
        if let Some(id) = s.id {
            j.uint(w, "id", id.into());
        }
        if !s.dev.is_empty() {
            j.string(w, "dev", s.dev);
        }
        for (name, bit) in FLAG_WORDS {
            if s.flags & bit != 0 {
                j.bool(w, name, true);
            }
        }
        if s.port != 0 {
            j.uint(w, "port", s.port.into());
        }
        j.string_fmt(w, "reason", reason);
        j.end_object(w);
        let _ = w.write_all(b"\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mptcp_follow::Link;

    fn text(json: bool, dry_run: bool) -> String {
        let mut out = Out::new(false, false, None, false);
        let mut state = State::new();
        state.set_link(Link::new(2, "wan\"0", Link::UP_WITH_CARRIER)).unwrap();
        let e =
            Endpoint { id: 200, ip: "10.0.0.1".parse().unwrap(), ifindex: 2, flags: 3, port: 0 };
        let mut log = Log { out: &mut out, json, timestamps: false, dry_run };
        log.line(Action::Add, &Subject::endpoint(&e, &state), format_args!("start"));
        log.note(format_args!("limits: x"));
        String::from_utf8(out.w.contents().to_vec()).unwrap()
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
