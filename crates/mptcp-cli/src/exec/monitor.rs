//! `monitor`: prints every MPTCP path-manager event, in text or JSON, as iproute2 7.1 does.

use core::time::Duration;

use crate::os::sys::Instant;

use mptcp_pm_wire::Event;
use nlsock::{EVENT_SLOT, Error, MAX_BATCH, Wait};

use crate::exec::session::{IfLabel, IfNames, Session};
use crate::os::io::Write;
use crate::os::sys;
use crate::print::event::{Fields, Timestamps, write_event};
use crate::print::fail::say;
use crate::print::kerr;
use crate::print::out::Out;

/// How long the monitor lets events queue when they come less than this apart: under an
/// event storm it wakes once per window instead of once per event (the wake-up, not the
/// printing, is most of a monitor's CPU time), and an event is printed at most this much
/// later than it would be. An event after a quiet spell is printed at once. Measured
/// under a 28,000-events/s listener storm: 1.45 µs of CPU per event with 1 ms, 1.15 µs
/// with 4 ms, 1.11 µs with 10 ms; 4 ms takes most of the gain for little delay.
const COALESCE: Duration = Duration::from_millis(4);

/// The receive buffer the monitor asks for without `-rcvbuf`; the kernel grants twice
/// this (through `SO_RCVBUFFORCE` for root, else capped by `net.core.rmem_max`). It is a
/// limit, not an allocation: the kernel charges only the events actually queued, so it
/// costs nothing while the monitor keeps up, and under a storm it rides out a stall of
/// about a second where ip's 1 MiB (2 MiB granted) lasts a tenth of that.
const DEFAULT_RCVBUF: u32 = 8 << 20;

/// The most batches a stopped monitor still takes from its queue (see `draining`).
const MAX_DRAIN_BATCHES: u32 = 64;

/// Runs the monitor until SIGINT or SIGTERM (exit 0). Returns the command status.
pub fn run(s: &mut Session, out: &mut Out, ts: Timestamps, rcvbuf: Option<u32>) -> u8 {
    let joined = match s.events_group {
        Some(g) => s.conn.link().join_group(g),
        None => Err(nlsock::Errno(libc::ENOENT)),
    };
    if let Err(e) = joined {
        say(format_args!("can't subscribe to mptcp events: {e}\n"));
        return 255;
    }
    let rcvbuf = rcvbuf.unwrap_or(DEFAULT_RCVBUF);
    let _ = s.conn.link().set_recv_buffer(rcvbuf);
    // Coalescing lets up to a window's worth of events queue; a buffer cut below the
    // default by `-rcvbuf` might not hold them, so it turns coalescing off.
    let coalesce = rcvbuf >= 1 << 20;
    // The monitor waits between events: stdout is buffered from the start as glibc
    // buffers `ip`'s, by lines on a terminal, in blocks elsewhere, and flushed after
    // each batch of events as `ip` flushes after each event.
    out.w.learn();
    // `ip -j`'s opening `[` waits in stdio's buffer until the first event is flushed
    // after it, or a clean exit (SIGINT, SIGTERM) writes the closing: a monitor killed
    // otherwise before any event leaves nothing. So it is held here, not written.
    let mut opening = Opening::default();
    let closing: &'static [u8] = match &mut out.json {
        Some(j) => {
            j.start_array(&mut opening);
            if opening.pretty() { b"[ ]\n" } else { b"[]\n" }
        }
        None => b"",
    };
    sys::install_stop_handlers(closing);
    let mut lost: u64 = 0;
    let mut names = IfNames::default();
    let mut rx = [0u8; EVENT_SLOT * MAX_BATCH];
    // Whether the queue may hold more than the last call took: only after a full batch.
    let mut more = false;
    // Batches still to take after a stop signal that arrived while events were left to
    // queue: those are printed before the monitor ends, as they would have been without
    // coalescing. Bounded, so that a storm cannot keep a stopped monitor alive.
    let mut draining: Option<u32> = None;
    let mut last_wake: Option<Instant> = None;
    loop {
        // Take what is queued; once the queue is empty, flush and block.
        let got = if more {
            s.conn.recv_event_batch(&mut rx, EVENT_SLOT, Wait::No)
        } else {
            Ok(nlsock::Batch::EMPTY)
        };
        let got = match got {
            Ok(b) if b.is_empty() => {
                out.flush();
                if draining.is_some() || sys::stop_requested() {
                    break;
                }
                if coalesce && last_wake.is_some_and(|t| t.elapsed() < COALESCE) {
                    // Events are coming fast: let a window's worth queue up and take
                    // them with one wake-up instead of one each. Not idle: a stop
                    // signal now only sets the flag.
                    sys::sleep(COALESCE);
                    if sys::stop_requested() {
                        draining = Some(MAX_DRAIN_BATCHES);
                    }
                }
                if draining.is_some() {
                    s.conn.recv_event_batch(&mut rx, EVENT_SLOT, Wait::No)
                } else {
                    sys::set_idle(true);
                    if sys::stop_requested() {
                        break;
                    }
                    let got = s.conn.recv_event_batch(&mut rx, EVENT_SLOT, Wait::ForOne);
                    sys::set_idle(false);
                    last_wake = Some(Instant::now());
                    got
                }
            }
            other => other,
        };
        more = matches!(&got, Ok(b) if b.len() == MAX_BATCH);
        match got {
            Ok(batch) => {
                names.clear();
                for datagram in batch.from_kernel(&rx, EVENT_SLOT) {
                    for m in nlwire::Messages::new(datagram) {
                        let Ok(m) = m else { break };
                        if m.kind() != s.family {
                            continue;
                        }
                        let Some(ev) = m.genl().ok().and_then(|g| Event::parse(&g).ok()) else {
                            continue;
                        };
                        let fields = Fields::read(&ev);
                        opening.write_once(out);
                        print_event(out, &fields, ts, s.conn.link(), &mut names);
                    }
                }
                if let Some(j) = &out.json {
                    sys::set_closing(j.closing_bytes());
                }
            }
            Err(Error::EventsLost) => {
                lost += 1;
                out.flush();
                say(format_args!(
                    "Warning: the kernel dropped MPTCP events (receive queue full); \
                     lost-event occurrences so far: {lost}\n"
                ));
            }
            Err(e) => {
                // `ip` would leave its `[` in stdio's buffer, written at exit.
                opening.write_once(out);
                out.flush();
                kerr::print_request_error(&e);
                return 254;
            }
        }
        match &mut draining {
            Some(0) => break,
            Some(left) => *left -= 1,
            None if sys::stop_requested() => break,
            None => {}
        }
    }
    opening.write_once(out);
    if let Some(j) = &mut out.json {
        j.end_array(&mut out.w);
    }
    out.flush();
    0
}

/// The JSON array's opening, held until the first event (or the end) needs it.
#[derive(Default)]
struct Opening {
    /// `[`, or `[ ` when pretty; empty without JSON or once written.
    bytes: [u8; 2],
    len: usize,
}

impl Opening {
    fn pretty(&self) -> bool {
        self.len == 2
    }

    /// Writes the opening to `out` if it is still held.
    #[inline(never)]
    fn write_once(&mut self, out: &mut Out) {
        if self.len > 0 {
            let _ = out.w.write_all(self.bytes.get(..self.len).unwrap_or_default());
            self.len = 0;
        }
    }
}

impl Write for Opening {
    fn as_dyn(&mut self) -> &mut dyn Write {
        self
    }

    fn write_all(&mut self, data: &[u8]) -> crate::os::io::Result<()> {
        for &b in data {
            if let Some(slot) = self.bytes.get_mut(self.len) {
                *slot = b;
                self.len += 1;
            }
        }
        Ok(())
    }
}

fn print_event(
    out: &mut Out,
    f: &Fields,
    ts: Timestamps,
    socket: &nlsock::Socket,
    names: &mut IfNames,
) {
    let name = f.ifindex.filter(|&i| i != 0).map(|i| names.get(socket, i as u32));
    let now = (ts != Timestamps::Off).then(|| sys::now_local(&mut None));
    write_event::<_, IfLabel>(out, f, ts, now.as_ref(), name);
}
