//! Monitor timestamps (`-t`, `-ts`), formatted from a broken-down local time.
//!
//! Numbers are formatted as `u64` or `i64` here and wherever the CLI and `nlsock` print
//! one: the binary then holds one `core::fmt` integer formatter per signedness instead of
//! one per width (`u32`'s and `i32`'s were 429 bytes of code).

use core::fmt;

pub use crate::os::sys::LocalTime;

const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// `asctime` without its newline, a space, and the microseconds unpadded:
/// `Sat Nov 28 05:12:38 2026 812811` (the `-t` form, before ` usec`).
pub fn long(t: &LocalTime) -> Long<'_> {
    Long(t)
}

/// [`long`]'s text, written where it is printed (no `String`).
pub struct Long<'t>(&'t LocalTime);

impl fmt::Display for Long<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.0;
        write!(
            f,
            "{} {}{:3} {:02}:{:02}:{:02} {} {}",
            DAYS[t.weekday as usize % 7],
            MONTHS[(t.month as usize).wrapping_sub(1) % 12],
            u64::from(t.day),
            u64::from(t.hour),
            u64::from(t.minute),
            u64::from(t.second),
            i64::from(t.year),
            u64::from(t.usec)
        )
    }
}

/// `YYYY-mm-ddTHH:MM:SS.uuuuuu` (the `-ts` form).
pub fn short(t: &LocalTime) -> Short<'_> {
    Short(t)
}

/// [`short`]'s text, written where it is printed (no `String`).
pub struct Short<'t>(&'t LocalTime);

impl fmt::Display for Short<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.0;
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}",
            i64::from(t.year),
            u64::from(t.month),
            u64::from(t.day),
            u64::from(t.hour),
            u64::from(t.minute),
            u64::from(t.second),
            u64::from(t.usec)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: LocalTime = LocalTime {
        year: 2026,
        month: 11,
        day: 8,
        weekday: 0,
        hour: 5,
        minute: 12,
        second: 38,
        usec: 2589,
    };

    #[test]
    fn forms() {
        assert_eq!(long(&T).to_string(), "Sun Nov  8 05:12:38 2026 2589");
        assert_eq!(short(&T).to_string(), "2026-11-08T05:12:38.002589");
    }
}
