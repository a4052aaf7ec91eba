//! Prints netlink failures the way iproute2's libnetlink does (§4.4 of the reference).

use nlsock::{Error, KernelError};

use crate::print::fail::say;

/// Exit status of a command the kernel refused.
pub const KERNEL: u8 = 2;

/// Prints the answer to a failed request (`NLMSG_ERROR`): the extended-ack message
/// when there is one, else `RTNETLINK answers: <strerror>`.
pub fn print_request_error(e: &Error) {
    match e {
        Error::Kernel(k) => {
            if let Some(t) = k.miss_type {
                say(format_args!("Missing required attribute type {}\n", u64::from(t)));
            }
            match k.message() {
                Some(m) => print_ext_ack(m),
                None => answers(k),
            }
        }
        other => print_io_error(other),
    }
}

/// Prints a failed dump: an error inside the dump, or the status of `NLMSG_DONE`.
pub fn print_dump_error(e: &Error) {
    match e {
        Error::Kernel(k) if k.in_done => print_done_error(k),
        Error::Kernel(k) => answers(k),
        other => print_io_error(other),
    }
}

fn print_done_error(k: &KernelError) {
    if let Some(m) = k.message() {
        return print_ext_ack(m);
    }
    match k.errno {
        libc::ENOENT | libc::EOPNOTSUPP => {}
        libc::EMSGSIZE => say(format_args!("Error: Buffer too small for object.\n")),
        _ => answers(k),
    }
}

fn print_ext_ack(m: &str) {
    let dot = if m.ends_with('.') { "" } else { "." };
    say(format_args!("Error: {m}{dot}\n"));
}

/// `RTNETLINK answers: ERRNO`, libnetlink's line for an error without a message.
fn answers(k: &KernelError) {
    say(format_args!("RTNETLINK answers: {}\n", k.errno()));
}

fn print_io_error(e: &Error) {
    match e {
        Error::Os(errno) => {
            say(format_args!("netlink receive error {} ({})\n", errno, i64::from(errno.0)))
        }
        // `Error::Eof` among them: "EOF on netlink".
        other => say(format_args!("{other}\n")),
    }
}
