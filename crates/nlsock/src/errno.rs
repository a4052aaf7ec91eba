//! [`Errno`]: an OS error number, printed with glibc's `strerror` wording.

use core::fmt;

/// A positive `errno` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Errno(pub i32);

impl Errno {
    /// The calling thread's current `errno`.
    pub fn last() -> Self {
        Errno(crate::sys::errno())
    }

    /// glibc's `strerror` text, so that output is identical whichever libc we link.
    /// `None` for numbers without a table entry.
    pub fn message(self) -> Option<&'static str> {
        let n = usize::try_from(self.0).ok().filter(|n| (1..=MAX).contains(n))?;
        let (start, end) = (usize::from(ENDS[n - 1]), usize::from(ENDS[n]));
        if start == end {
            return None;
        }
        core::str::from_utf8(TEXT.get(start..end)?).ok()
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.message() {
            Some(m) => f.write_str(m),
            None => write!(f, "Unknown error {}", self.0),
        }
    }
}

impl core::error::Error for Errno {}

/// The table as the binary keeps it, packed at compile time: every message's bytes in
/// one array ([`TEXT`]) and where the messages of 1 to [`MAX`] end ([`ENDS`]; an empty
/// range is a number without an entry). Two bytes an errno instead of the 24 of a
/// `(i32, &str)` pair: [`MESSAGES`] itself is only read by the compiler.
static TEXT: [u8; TEXT_LEN] = pack_text();
static ENDS: [u16; MAX + 1] = pack_ends();

/// The largest errno with a message.
const MAX: usize = MESSAGES[MESSAGES.len() - 1].0 as usize;

const TEXT_LEN: usize = {
    let (mut n, mut i) = (0, 0);
    while i < MESSAGES.len() {
        n += MESSAGES[i].1.len();
        i += 1;
    }
    n
};

const fn pack_text() -> [u8; TEXT_LEN] {
    let mut out = [0u8; TEXT_LEN];
    let (mut at, mut i) = (0, 0);
    while i < MESSAGES.len() {
        let m = MESSAGES[i].1.as_bytes();
        let mut j = 0;
        while j < m.len() {
            out[at] = m[j];
            at += 1;
            j += 1;
        }
        i += 1;
    }
    out
}

const fn pack_ends() -> [u16; MAX + 1] {
    let mut ends = [0u16; MAX + 1];
    let (mut n, mut i, mut at) = (1, 0, 0);
    while n <= MAX {
        if i < MESSAGES.len() && MESSAGES[i].0 as usize == n {
            at += MESSAGES[i].1.len();
            i += 1;
        }
        assert!(at <= u16::MAX as usize);
        ends[n] = at as u16;
        n += 1;
    }
    // Every entry was taken: the numbers ascend, with no repeats.
    assert!(i == MESSAGES.len());
    ends
}

/// glibc's messages, by number, ascending.
const MESSAGES: &[(i32, &str)] = &[
    (1, "Operation not permitted"),
    (2, "No such file or directory"),
    (3, "No such process"),
    (4, "Interrupted system call"),
    (5, "Input/output error"),
    (6, "No such device or address"),
    (7, "Argument list too long"),
    (8, "Exec format error"),
    (9, "Bad file descriptor"),
    (10, "No child processes"),
    (11, "Resource temporarily unavailable"),
    (12, "Cannot allocate memory"),
    (13, "Permission denied"),
    (14, "Bad address"),
    (15, "Block device required"),
    (16, "Device or resource busy"),
    (17, "File exists"),
    (18, "Invalid cross-device link"),
    (19, "No such device"),
    (20, "Not a directory"),
    (21, "Is a directory"),
    (22, "Invalid argument"),
    (23, "Too many open files in system"),
    (24, "Too many open files"),
    (25, "Inappropriate ioctl for device"),
    (26, "Text file busy"),
    (27, "File too large"),
    (28, "No space left on device"),
    (29, "Illegal seek"),
    (30, "Read-only file system"),
    (31, "Too many links"),
    (32, "Broken pipe"),
    (33, "Numerical argument out of domain"),
    (34, "Numerical result out of range"),
    (35, "Resource deadlock avoided"),
    (36, "File name too long"),
    (37, "No locks available"),
    (38, "Function not implemented"),
    (39, "Directory not empty"),
    (40, "Too many levels of symbolic links"),
    (42, "No message of desired type"),
    (43, "Identifier removed"),
    (61, "No data available"),
    (62, "Timer expired"),
    (71, "Protocol error"),
    (74, "Bad message"),
    (75, "Value too large for defined data type"),
    (84, "Invalid or incomplete multibyte or wide character"),
    (88, "Socket operation on non-socket"),
    (89, "Destination address required"),
    (90, "Message too long"),
    (91, "Protocol wrong type for socket"),
    (92, "Protocol not available"),
    (93, "Protocol not supported"),
    (94, "Socket type not supported"),
    (95, "Operation not supported"),
    (96, "Protocol family not supported"),
    (97, "Address family not supported by protocol"),
    (98, "Address already in use"),
    (99, "Cannot assign requested address"),
    (100, "Network is down"),
    (101, "Network is unreachable"),
    (102, "Network dropped connection on reset"),
    (103, "Software caused connection abort"),
    (104, "Connection reset by peer"),
    (105, "No buffer space available"),
    (106, "Transport endpoint is already connected"),
    (107, "Transport endpoint is not connected"),
    (108, "Cannot send after transport endpoint shutdown"),
    (110, "Connection timed out"),
    (111, "Connection refused"),
    (112, "Host is down"),
    (113, "No route to host"),
    (114, "Operation already in progress"),
    (115, "Operation now in progress"),
    (122, "Disk quota exceeded"),
    (125, "Operation canceled"),
];

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::ToString;

    #[test]
    fn glibc_wording() {
        assert_eq!(Errno(2).to_string(), "No such file or directory");
        assert_eq!(Errno(1).to_string(), "Operation not permitted");
        assert_eq!(Errno(95).to_string(), "Operation not supported");
        assert_eq!(Errno(4242).to_string(), "Unknown error 4242");
        assert_eq!(Errno(125).to_string(), "Operation canceled");
        assert_eq!(Errno(41).to_string(), "Unknown error 41");
        assert_eq!(Errno(0).to_string(), "Unknown error 0");
        assert_eq!(Errno(-1).to_string(), "Unknown error -1");
        assert_eq!(Errno(126).to_string(), "Unknown error 126");
        for &(n, m) in MESSAGES {
            assert_eq!(Errno(n).message(), Some(m));
        }
    }
}
