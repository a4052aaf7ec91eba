//! A `newc` cpio archive writer: the initramfs format the kernel unpacks.
//!
//! Each entry is a 110-byte ASCII header (`070701` and thirteen 8-digit hex fields),
//! the NUL-terminated name padded to four bytes, then the data padded to four bytes;
//! `TRAILER!!!` ends the archive. Owners are root, times zero, so the same inputs give
//! the same bytes.

/// File types and permission bits (`st_mode`).
pub const DIR: u32 = 0o040_755;
pub const FILE: u32 = 0o100_644;
pub const EXEC: u32 = 0o100_755;
pub const LINK: u32 = 0o120_777;
pub const CHAR: u32 = 0o020_600;

/// An archive being written into memory.
#[derive(Default)]
pub struct Archive {
    bytes: Vec<u8>,
    ino: u32,
}

impl Archive {
    /// A directory.
    pub fn dir(&mut self, name: &str) {
        self.entry(name, DIR, 2, (0, 0), &[]);
    }

    /// A regular file with `mode` ([`FILE`] or [`EXEC`]).
    pub fn file(&mut self, name: &str, mode: u32, data: &[u8]) {
        self.entry(name, mode, 1, (0, 0), data);
    }

    /// A symbolic link to `target`.
    pub fn symlink(&mut self, name: &str, target: &str) {
        self.entry(name, LINK, 1, (0, 0), target.as_bytes());
    }

    /// A character device node.
    pub fn char_dev(&mut self, name: &str, major: u32, minor: u32) {
        self.entry(name, CHAR, 1, (major, minor), &[]);
    }

    fn entry(&mut self, name: &str, mode: u32, nlink: u32, rdev: (u32, u32), data: &[u8]) {
        self.ino += 1;
        let fields = [
            self.ino,
            mode,
            0, // uid
            0, // gid
            nlink,
            0, // mtime
            data.len() as u32,
            0, // devmajor
            0, // devminor
            rdev.0,
            rdev.1,
            name.len() as u32 + 1,
            0, // check
        ];
        self.bytes.extend_from_slice(b"070701");
        for f in fields {
            self.bytes.extend_from_slice(format!("{f:08x}").as_bytes());
        }
        self.bytes.extend_from_slice(name.as_bytes());
        self.bytes.push(0);
        self.pad();
        self.bytes.extend_from_slice(data);
        self.pad();
    }

    fn pad(&mut self) {
        while !self.bytes.len().is_multiple_of(4) {
            self.bytes.push(0);
        }
    }

    /// Ends the archive and returns its bytes.
    pub fn finish(mut self) -> Vec<u8> {
        self.entry("TRAILER!!!", 0, 1, (0, 0), &[]);
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_aligned_and_end_with_the_trailer() {
        let mut a = Archive::default();
        a.file("init", EXEC, b"#!/bin/sh\n");
        a.symlink("bin/sh", "busybox");
        let bytes = a.finish();
        assert_eq!(&bytes[..6], b"070701");
        // The first header: ino 1, mode 100755, a 10-byte file, a 5-byte name.
        let header = std::str::from_utf8(&bytes[..110]).unwrap();
        assert_eq!(&header[6..14], "00000001");
        assert_eq!(&header[14..22], "000081ed");
        assert_eq!(&header[54..62], "0000000a");
        assert_eq!(&header[94..102], "00000005");
        // header + "init\0" = 115, padded to 116; data 10 bytes padded to 12.
        assert_eq!(&bytes[110..115], b"init\0");
        assert_eq!(&bytes[116..126], b"#!/bin/sh\n");
        assert_eq!(&bytes[128..134], b"070701");
        assert_eq!(bytes.len() % 4, 0);
        let tail = String::from_utf8_lossy(&bytes[bytes.len() - 16..]).into_owned();
        assert!(tail.contains("TRAILER!!!"), "{tail:?}");
    }
}
