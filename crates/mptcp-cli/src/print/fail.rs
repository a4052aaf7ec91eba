//! How a command ends badly: iproute2's error helpers and their exit codes.

use crate::os::io::Write;
use crate::prelude::*;
use core::fmt::Display;
use core::sync::atomic::{AtomicBool, Ordering};

/// Whether we run as plain `mptcp` (messages name `mptcp help`, not `ip mptcp help`).
static PLAIN: AtomicBool = AtomicBool::new(false);

/// Sets the personality that messages name.
pub fn set_plain(plain: bool) {
    PLAIN.store(plain, Ordering::Relaxed);
}

/// A command that must stop now, with this process exit status. iproute2 calls
/// `exit()` for these, so a batch ends at once too, without `Command failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exit(pub u8);

/// Exit status of usage and argument errors (`exit(-1)`).
pub const USAGE: u8 = 255;

/// Where [`say`] writes while [`captured_bytes`] runs: a static under a lock, not a
/// thread-local, because a thread-local with a destructor costs a static binary 3 KB; the
/// lock keeps it sound should a thread other than the main one ever `say` (the CLI
/// starts none), at the price of one capture for the whole process. Unit tests run
/// on many threads at once, each capturing its own, so there each thread keeps its own.
fn with_capture<T>(f: impl FnOnce(&mut Option<Vec<u8>>) -> T) -> T {
    #[cfg(not(test))]
    {
        static CAPTURE: crate::os::sys::Lock<Option<Vec<u8>>> = crate::os::sys::Lock::new(None);
        f(&mut CAPTURE.lock())
    }
    #[cfg(test)]
    {
        std::thread_local!(static CAPTURE: core::cell::RefCell<Option<Vec<u8>>> = const { core::cell::RefCell::new(None) });
        CAPTURE.with_borrow_mut(f)
    }
}

/// Writes one message to stderr (unbuffered, as C's stderr is), or to the capture of
/// [`captured_bytes`].
#[inline(never)]
pub fn say(args: core::fmt::Arguments<'_>) {
    emit(&mut |w| {
        let _ = w.write_fmt(args);
    });
}

/// [`say`] for a message made of byte pieces: a word the user typed is echoed as its
/// bytes, as C's `fprintf("%s")` echoes them, whatever they are (never U+FFFD).
#[inline(never)]
pub fn say_bytes(pieces: &[&[u8]]) {
    emit(&mut |w| {
        for p in pieces {
            let _ = w.write_all(p);
        }
    });
}

/// Writes what `put` writes (one message, of bytes and formatted pieces) to the capture
/// of [`captured_bytes`], else to stderr: into a small buffer first so that a message is
/// one write, as C's unbuffered stderr writes each fprintf's pieces; longer ones go out
/// in pieces. (Not generic, and never inlined: one copy serves every message.)
/// Says `lead`, then `bytes` as they are (a name typed as bytes, echoed), then `rest`:
/// one body for the messages that quote such a name.
#[inline(never)]
pub fn say_around(lead: &[u8], bytes: &[u8], rest: core::fmt::Arguments<'_>) {
    emit(&mut |w| {
        let _ = w.write_all(lead);
        let _ = w.write_all(bytes);
        let _ = w.write_fmt(rest);
    });
}

#[inline(never)]
pub fn emit(put: &mut dyn FnMut(&mut dyn Write)) {
    let kept = with_capture(|capture| match capture {
        Some(kept) => {
            put(kept);
            true
        }
        None => false,
    });
    if !kept {
        let mut e = crate::print::out::Stderr::default();
        put(&mut e);
        let _ = e.flush();
    }
}

/// Runs `f` with every [`say`] kept instead of written; returns `f`'s result and what it
/// said, as bytes. A batch reads and parses lines ahead with this, and says it when
/// their turn comes.
pub fn captured_bytes<T>(f: impl FnOnce() -> T) -> (T, Vec<u8>) {
    let outer = with_capture(|capture| capture.replace(Vec::new()));
    let result = f();
    let text = with_capture(|capture| core::mem::replace(capture, outer)).unwrap_or_default();
    (result, text)
}

/// [`captured_bytes`] as text, for tests (a message that is not UTF-8 fails them).
#[cfg(test)]
pub fn captured<T>(f: impl FnOnce() -> T) -> (T, String) {
    let (result, said) = captured_bytes(f);
    (result, String::from_utf8(said).expect("a message that is not UTF-8"))
}

/// `invarg`: `Error: argument "ARG" is wrong: MSG`, exit 255. Some iproute2 messages
/// end with their own `\n`, which shows as an empty second line. `ARG` is echoed as
/// its bytes.
pub fn invarg(msg: &str, arg: &[u8]) -> Exit {
    say_bytes(&[b"Error: argument \"", arg, b"\" is wrong: ", msg.as_bytes(), b"\n"]);
    Exit(USAGE)
}

/// `missarg`: `Error: argument "KEY" is required`, exit 255.
pub fn missarg(key: &str) -> Exit {
    say(format_args!("Error: argument \"{key}\" is required\n"));
    Exit(USAGE)
}

/// `incomplete_command`, exit 255.
pub fn incomplete() -> Exit {
    say(format_args!("Command line is not complete. Try option \"help\"\n"));
    Exit(USAGE)
}

/// An unknown `ip mptcp` command word (echoed as its bytes), exit 255.
pub fn unknown_command(word: &[u8]) -> Exit {
    let help: &[u8] = if PLAIN.load(Ordering::Relaxed) { b"mptcp help" } else { b"ip mptcp help" };
    say_bytes(&[b"Command \"", word, b"\" is unknown, try \"", help, b"\".\n"]);
    Exit(USAGE)
}

/// `get_addr` failure (the word echoed as its bytes): exit status 1.
#[inline(never)]
pub fn bad_address(word: &[u8]) -> Exit {
    say_bytes(&[b"Error: any valid address is expected rather than \"", word, b"\".\n"]);
    Exit(1)
}

/// A plain fatal message with a status.
pub fn fatal(status: u8, msg: impl Display) -> Exit {
    say(format_args!("{msg}\n"));
    Exit(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captured_messages_are_kept_not_written() {
        let (status, text) = captured(|| {
            let inner = captured(|| missarg("TOKEN"));
            assert_eq!(inner, (Exit(USAGE), "Error: argument \"TOKEN\" is required\n".into()));
            incomplete()
        });
        assert_eq!(status, Exit(USAGE));
        assert_eq!(text, "Command line is not complete. Try option \"help\"\n");
    }
}
