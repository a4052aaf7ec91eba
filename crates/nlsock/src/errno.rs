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

    /// glibc's `strerror` text, so that output is identical whichever libc we link and
    /// whichever architecture we run on (MIPS numbers most errors from 35 up differently
    /// from x86 and ARM: the table is keyed by the target's `libc::E*` constants).
    /// `None` for numbers without a table entry.
    pub fn message(self) -> Option<&'static str> {
        let i = NUMBERS.iter().position(|&n| i32::from(n) == self.0)?;
        let start = if i == 0 { 0 } else { usize::from(ENDS[i - 1]) };
        core::str::from_utf8(TEXT.get(start..usize::from(ENDS[i]))?).ok()
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.message() {
            Some(m) => f.write_str(m),
            // As `i64`: the one signed formatter a binary printing `i64` already holds.
            None => write!(f, "Unknown error {}", i64::from(self.0)),
        }
    }
}

impl core::error::Error for Errno {}

/// The table as the binary keeps it, packed at compile time: every message's bytes in
/// one array ([`TEXT`]), each entry's number ([`NUMBERS`]) and where its message ends
/// ([`ENDS`]). Four bytes an entry instead of the 24 of an `(i32, &str)` pair:
/// [`MESSAGES`] itself is only read by the compiler. Looked up by a scan of 77 numbers:
/// only error paths print one.
static TEXT: [u8; TEXT_LEN] = pack_text();
static NUMBERS: [u16; MESSAGES.len()] = pack_numbers();
static ENDS: [u16; MESSAGES.len()] = pack_ends();

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

const fn pack_numbers() -> [u16; MESSAGES.len()] {
    let mut out = [0u16; MESSAGES.len()];
    let mut i = 0;
    while i < MESSAGES.len() {
        let n = MESSAGES[i].0;
        // Every number is positive, fits the packed form, and appears once (on no Linux
        // architecture do two of these names share a number).
        assert!(n > 0 && n <= u16::MAX as i32);
        let mut j = 0;
        while j < i {
            assert!(MESSAGES[j].0 != n);
            j += 1;
        }
        out[i] = n as u16;
        i += 1;
    }
    out
}

const fn pack_ends() -> [u16; MESSAGES.len()] {
    let mut ends = [0u16; MESSAGES.len()];
    let (mut i, mut at) = (0, 0);
    while i < MESSAGES.len() {
        at += MESSAGES[i].1.len();
        assert!(at <= u16::MAX as usize);
        ends[i] = at as u16;
        i += 1;
    }
    ends
}

/// glibc's messages, by the target's constant: the numbers differ between
/// architectures (`EOPNOTSUPP` is 95 on x86 and ARM, 122 on MIPS, where 122 is
/// `EDQUOT` elsewhere), the names and texts do not.
const MESSAGES: &[(i32, &str)] = &[
    (libc::EPERM, "Operation not permitted"),
    (libc::ENOENT, "No such file or directory"),
    (libc::ESRCH, "No such process"),
    (libc::EINTR, "Interrupted system call"),
    (libc::EIO, "Input/output error"),
    (libc::ENXIO, "No such device or address"),
    (libc::E2BIG, "Argument list too long"),
    (libc::ENOEXEC, "Exec format error"),
    (libc::EBADF, "Bad file descriptor"),
    (libc::ECHILD, "No child processes"),
    (libc::EAGAIN, "Resource temporarily unavailable"),
    (libc::ENOMEM, "Cannot allocate memory"),
    (libc::EACCES, "Permission denied"),
    (libc::EFAULT, "Bad address"),
    (libc::ENOTBLK, "Block device required"),
    (libc::EBUSY, "Device or resource busy"),
    (libc::EEXIST, "File exists"),
    (libc::EXDEV, "Invalid cross-device link"),
    (libc::ENODEV, "No such device"),
    (libc::ENOTDIR, "Not a directory"),
    (libc::EISDIR, "Is a directory"),
    (libc::EINVAL, "Invalid argument"),
    (libc::ENFILE, "Too many open files in system"),
    (libc::EMFILE, "Too many open files"),
    (libc::ENOTTY, "Inappropriate ioctl for device"),
    (libc::ETXTBSY, "Text file busy"),
    (libc::EFBIG, "File too large"),
    (libc::ENOSPC, "No space left on device"),
    (libc::ESPIPE, "Illegal seek"),
    (libc::EROFS, "Read-only file system"),
    (libc::EMLINK, "Too many links"),
    (libc::EPIPE, "Broken pipe"),
    (libc::EDOM, "Numerical argument out of domain"),
    (libc::ERANGE, "Numerical result out of range"),
    (libc::EDEADLK, "Resource deadlock avoided"),
    (libc::ENAMETOOLONG, "File name too long"),
    (libc::ENOLCK, "No locks available"),
    (libc::ENOSYS, "Function not implemented"),
    (libc::ENOTEMPTY, "Directory not empty"),
    (libc::ELOOP, "Too many levels of symbolic links"),
    (libc::ENOMSG, "No message of desired type"),
    (libc::EIDRM, "Identifier removed"),
    (libc::ENODATA, "No data available"),
    (libc::ETIME, "Timer expired"),
    (libc::EPROTO, "Protocol error"),
    (libc::EBADMSG, "Bad message"),
    (libc::EOVERFLOW, "Value too large for defined data type"),
    (libc::EILSEQ, "Invalid or incomplete multibyte or wide character"),
    (libc::ENOTSOCK, "Socket operation on non-socket"),
    (libc::EDESTADDRREQ, "Destination address required"),
    (libc::EMSGSIZE, "Message too long"),
    (libc::EPROTOTYPE, "Protocol wrong type for socket"),
    (libc::ENOPROTOOPT, "Protocol not available"),
    (libc::EPROTONOSUPPORT, "Protocol not supported"),
    (libc::ESOCKTNOSUPPORT, "Socket type not supported"),
    (libc::EOPNOTSUPP, "Operation not supported"),
    (libc::EPFNOSUPPORT, "Protocol family not supported"),
    (libc::EAFNOSUPPORT, "Address family not supported by protocol"),
    (libc::EADDRINUSE, "Address already in use"),
    (libc::EADDRNOTAVAIL, "Cannot assign requested address"),
    (libc::ENETDOWN, "Network is down"),
    (libc::ENETUNREACH, "Network is unreachable"),
    (libc::ENETRESET, "Network dropped connection on reset"),
    (libc::ECONNABORTED, "Software caused connection abort"),
    (libc::ECONNRESET, "Connection reset by peer"),
    (libc::ENOBUFS, "No buffer space available"),
    (libc::EISCONN, "Transport endpoint is already connected"),
    (libc::ENOTCONN, "Transport endpoint is not connected"),
    (libc::ESHUTDOWN, "Cannot send after transport endpoint shutdown"),
    (libc::ETIMEDOUT, "Connection timed out"),
    (libc::ECONNREFUSED, "Connection refused"),
    (libc::EHOSTDOWN, "Host is down"),
    (libc::EHOSTUNREACH, "No route to host"),
    (libc::EALREADY, "Operation already in progress"),
    (libc::EINPROGRESS, "Operation now in progress"),
    (libc::EDQUOT, "Disk quota exceeded"),
    (libc::ECANCELED, "Operation canceled"),
];

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::ToString;

    /// Every entry by its name: `(NAME => text)` checks `Errno(libc::NAME)`, whatever
    /// number the target gives the name.
    macro_rules! by_name {
        ($($name:ident => $text:literal,)*) => {
            &[$((stringify!($name), libc::$name, $text)),*]
        };
    }

    const BY_NAME: &[(&str, i32, &str)] = by_name! {
        EPERM => "Operation not permitted",
        ENOENT => "No such file or directory",
        ESRCH => "No such process",
        EINTR => "Interrupted system call",
        EIO => "Input/output error",
        ENXIO => "No such device or address",
        E2BIG => "Argument list too long",
        ENOEXEC => "Exec format error",
        EBADF => "Bad file descriptor",
        ECHILD => "No child processes",
        EAGAIN => "Resource temporarily unavailable",
        ENOMEM => "Cannot allocate memory",
        EACCES => "Permission denied",
        EFAULT => "Bad address",
        ENOTBLK => "Block device required",
        EBUSY => "Device or resource busy",
        EEXIST => "File exists",
        EXDEV => "Invalid cross-device link",
        ENODEV => "No such device",
        ENOTDIR => "Not a directory",
        EISDIR => "Is a directory",
        EINVAL => "Invalid argument",
        ENFILE => "Too many open files in system",
        EMFILE => "Too many open files",
        ENOTTY => "Inappropriate ioctl for device",
        ETXTBSY => "Text file busy",
        EFBIG => "File too large",
        ENOSPC => "No space left on device",
        ESPIPE => "Illegal seek",
        EROFS => "Read-only file system",
        EMLINK => "Too many links",
        EPIPE => "Broken pipe",
        EDOM => "Numerical argument out of domain",
        ERANGE => "Numerical result out of range",
        EDEADLK => "Resource deadlock avoided",
        ENAMETOOLONG => "File name too long",
        ENOLCK => "No locks available",
        ENOSYS => "Function not implemented",
        ENOTEMPTY => "Directory not empty",
        ELOOP => "Too many levels of symbolic links",
        ENOMSG => "No message of desired type",
        EIDRM => "Identifier removed",
        ENODATA => "No data available",
        ETIME => "Timer expired",
        EPROTO => "Protocol error",
        EBADMSG => "Bad message",
        EOVERFLOW => "Value too large for defined data type",
        EILSEQ => "Invalid or incomplete multibyte or wide character",
        ENOTSOCK => "Socket operation on non-socket",
        EDESTADDRREQ => "Destination address required",
        EMSGSIZE => "Message too long",
        EPROTOTYPE => "Protocol wrong type for socket",
        ENOPROTOOPT => "Protocol not available",
        EPROTONOSUPPORT => "Protocol not supported",
        ESOCKTNOSUPPORT => "Socket type not supported",
        EOPNOTSUPP => "Operation not supported",
        EPFNOSUPPORT => "Protocol family not supported",
        EAFNOSUPPORT => "Address family not supported by protocol",
        EADDRINUSE => "Address already in use",
        EADDRNOTAVAIL => "Cannot assign requested address",
        ENETDOWN => "Network is down",
        ENETUNREACH => "Network is unreachable",
        ENETRESET => "Network dropped connection on reset",
        ECONNABORTED => "Software caused connection abort",
        ECONNRESET => "Connection reset by peer",
        ENOBUFS => "No buffer space available",
        EISCONN => "Transport endpoint is already connected",
        ENOTCONN => "Transport endpoint is not connected",
        ESHUTDOWN => "Cannot send after transport endpoint shutdown",
        ETIMEDOUT => "Connection timed out",
        ECONNREFUSED => "Connection refused",
        EHOSTDOWN => "Host is down",
        EHOSTUNREACH => "No route to host",
        EALREADY => "Operation already in progress",
        EINPROGRESS => "Operation now in progress",
        EDQUOT => "Disk quota exceeded",
        ECANCELED => "Operation canceled",
    };

    #[test]
    fn the_table_by_name() {
        assert_eq!(BY_NAME.len(), MESSAGES.len());
        for &(name, n, text) in BY_NAME {
            assert_eq!(Errno(n).message(), Some(text), "{name} ({n})");
            assert_eq!(Errno(n).to_string(), text, "{name} ({n})");
        }
    }

    /// What issue 22 found on MIPS: these names have other numbers there, and the old
    /// table, keyed by x86's numbers, printed `EDQUOT`'s text for `EOPNOTSUPP`.
    #[test]
    fn names_whose_numbers_differ_on_mips() {
        let mips = cfg!(any(target_arch = "mips", target_arch = "mips64"));
        let (eopnotsupp, eaddrinuse, edquot) = if mips { (122, 125, 1133) } else { (95, 98, 122) };
        assert_eq!(libc::EOPNOTSUPP, eopnotsupp);
        assert_eq!(libc::EADDRINUSE, eaddrinuse);
        assert_eq!(libc::EDQUOT, edquot);
        assert_eq!(Errno(libc::EOPNOTSUPP).to_string(), "Operation not supported");
        assert_eq!(Errno(libc::EADDRINUSE).to_string(), "Address already in use");
        assert_eq!(Errno(libc::EDQUOT).to_string(), "Disk quota exceeded");
        assert_eq!(Errno(libc::ECANCELED).to_string(), "Operation canceled");
    }

    /// Against the C library itself where it is glibc (std's error text is its
    /// `strerror_r`, followed by ` (os error N)`): the same text for every entry.
    #[cfg(target_env = "gnu")]
    #[test]
    fn every_entry_is_glibcs_strerror() {
        for &(n, text) in MESSAGES {
            let theirs = std::io::Error::from_raw_os_error(n).to_string();
            assert_eq!(theirs, std::format!("{text} (os error {n})"), "errno {n}");
        }
    }

    #[test]
    fn unknown_numbers() {
        for n in [0, -1, 4242, i32::MAX, i32::MIN, 65_535] {
            assert_eq!(Errno(n).message(), None, "{n}");
            assert_eq!(Errno(n).to_string(), std::format!("Unknown error {n}"));
        }
    }
}
