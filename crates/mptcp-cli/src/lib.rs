//! The layers of the `mptcp` binary (`src/main.rs`), as a library so that fuzz targets
//! and tests reach them without a kernel: the batch reader, both argument layers, the
//! hosts-file reader and every printer. Not an API: the modules are public only for
//! `fuzz/`, and change with the binary.
//!
//! ```
//! // A whole command line, program name first, as the binary runs it (the bytes of
//! // `argv`): the exit status.
//! assert_eq!(mptcp_cli::run_main(&[&b"mptcp"[..], b"-V"]), 0);
//! // A word the grammar does not know: iproute2's usage status, 255.
//! assert_eq!(mptcp_cli::run_main(&[&b"mptcp"[..], b"bogus"]), 255);
//! // Words need not be UTF-8: this one is echoed as its bytes (`Option "-\xff" is unknown`).
//! assert_eq!(mptcp_cli::run_main(&[&b"mptcp"[..], b"-\xff"]), 255);
//! // Help asked for under the plain name is an answer (on stdout), not an error.
//! assert_eq!(mptcp_cli::run_main(&[&b"mptcp"[..], b"--help"]), 0);
//! ```
//!
//! The process starts at the C `main` that `main.rs` gets from [`c_main!`] (no Rust
//! runtime set-up: no stack guard probing, no signal-stack set-up), which hands the
//! arguments to [`run_main`].
//!
//! `#![no_std]` with `alloc` (batch lines, `-r` names, `endpoint follow`'s start-up):
//! what std gave, the binary gets from [`sys`] over the C library, and the panic
//! handler and allocator from [`c_main!`].
#![cfg_attr(not(test), no_std)]
// Every `unsafe` block is in `os::sys`, which alone allows it.
#![deny(unsafe_code)]

extern crate alloc;

#[doc(hidden)]
pub mod args;
#[doc(hidden)]
pub mod command;
#[doc(hidden)]
pub mod exec;
#[doc(hidden)]
pub mod names;
#[doc(hidden)]
pub mod os;
#[doc(hidden)]
pub mod prelude;
#[doc(hidden)]
pub mod print;

use args::opts::{self, Parsed};
use exec::batch_run;
use exec::run::{self, Personality, Runner};
use os::sys;
use print::fail::{self, Exit, say};
use print::out::Out;
use print::{color, usage};

/// Runs the program with `args` (program name first; bytes, as `argv` holds them) and
/// returns the exit status.
pub fn run_main(args: &[&[u8]]) -> u8 {
    // The last path component.
    let program = args.first().map_or(&b""[..], |a| {
        a.iter().rposition(|&b| b == b'/').and_then(|i| a.get(i + 1..)).unwrap_or(a)
    });
    let personality = if program == b"ip" { Personality::Ip } else { Personality::Plain };
    fail::set_plain(personality == Personality::Plain);
    match start(personality, args.get(1..).unwrap_or(&[])) {
        Ok(s) | Err(Exit(s)) => s,
    }
}

/// Parses the global options, then runs one command or a batch. Stdout is flushed on
/// every way out, as C's `exit()` flushes stdio.
fn start(personality: Personality, args: &[&[u8]]) -> Result<u8, Exit> {
    let plain = personality == Personality::Plain;
    let parsed = opts::parse(args, plain, enter_netns)?;
    let (opts, first) = match parsed {
        Parsed::Version => {
            let v = match personality {
                Personality::Ip => usage::IP_VERSION,
                Personality::Plain => usage::PLAIN_VERSION,
            };
            let _ = sys::write_stdout(v.as_bytes());
            return Ok(0);
        }
        // Asked for under the plain name: the usage is the answer, on stdout.
        Parsed::Help => {
            let _ = sys::write_stdout(usage::PLAIN.as_bytes());
            return Ok(0);
        }
        Parsed::Usage => {
            return Err(match personality {
                Personality::Ip => run::ip_usage(),
                Personality::Plain => fail::fatal(
                    fail::USAGE,
                    usage::PLAIN.strip_suffix('\n').unwrap_or(usage::PLAIN),
                ),
            });
        }
        Parsed::Run(o, i) => (o, i),
    };
    let palette = color::palette(opts.color, opts.json);
    let mut out = Out::new(opts.json, opts.pretty, palette, opts.oneline);
    if opts.resolve {
        // Name lookups wait on name servers between lines: a terminal shows each line
        // as its name comes, as glibc's line buffer does for `ip -r`.
        out.w.learn();
    }
    let mut runner = Runner::new(personality, opts, out);
    let result = match runner.opts.batch.take() {
        Some(file) => batch_run::run(&mut runner, &file),
        None => {
            let words = args.get(first..).unwrap_or_default();
            if words.is_empty() && personality == Personality::Ip {
                Err(run::ip_usage())
            } else {
                runner.run_line(words)
            }
        }
    };
    runner.out.flush();
    // `ip` ignores a failed write to stdout, as C stdio does; plain `mptcp` says so and
    // fails, so that a script writing to a full disk learns its output was lost.
    let result = match (personality, runner.out.w.error()) {
        (Personality::Plain, Some(e)) => {
            say(format_args!("mptcp: cannot write to standard output: {e}\n"));
            match result {
                Ok(0) => Ok(1),
                other => other,
            }
        }
        _ => result,
    };
    // The process ends next: the kernel closes the socket and frees the memory, so the
    // teardown (a `close`, a `munmap`) is skipped, as C's `exit` skips it for `ip`.
    core::mem::forget(runner);
    result
}

/// `-n NAME`: enter the namespace before any socket opens (errors exit 255). The name
/// is bytes, echoed as typed.
fn enter_netns(name: &[u8]) -> Result<(), Exit> {
    nlsock::enter_netns(name).map_err(|e| {
        let (lead, tail, errno): (&[u8], &str, _) = match e {
            nlsock::NetnsError::Open(errno) => (b"Cannot open network namespace \"", "\": ", errno),
            other => (b"setting the network namespace \"", "\" failed: ", other.errno()),
        };
        fail::say_around(lead, name, format_args!("{tail}{errno}\n"));
        Exit(fail::USAGE)
    })
}
