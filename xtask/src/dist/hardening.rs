//! What an ELF executable gets from the loader's hardening: its type, RELRO, BIND_NOW, W^X, code pages of its own.
//!
//! Read from the program and section headers and the dynamic section (32- and 64-bit,
//! either byte order), so that `cargo xtask dist` can print each binary's hardening and
//! refuse a release build that lost some of it.

use std::fmt;

/// The loader-facing hardening of one executable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hardening {
    /// How it is linked and loaded.
    pub kind: Kind,
    /// A `PT_GNU_RELRO` segment: data made read-only after relocation.
    pub relro: bool,
    /// `BIND_NOW` (`DT_BIND_NOW`, `DF_BIND_NOW` or `DF_1_NOW`): every relocation done at
    /// start, so that RELRO covers the GOT ("full RELRO").
    pub bind_now: bool,
    /// A loadable segment that is both writable and executable.
    pub writable_code: bool,
    /// An executable stack (`PT_GNU_STACK` with execute permission, or none at all).
    pub stack_exec: bool,
    /// Bytes that are not code (the ELF headers, read-only data, the GOT) in a 4 KiB file
    /// page that the loader maps executable: in the same segment as code (one `R E`
    /// segment), or in a page that a code segment shares with its neighbour (a linker
    /// that does not pad code to pages: lld's default, GNU ld's `-z noseparate-code`).
    /// Such bytes are executable although no segment says so.
    pub data_in_code_pages: bool,
}

/// How an executable is linked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `ET_EXEC` without an interpreter: loaded at a fixed address (no ASLR).
    Static,
    /// `ET_DYN` without an interpreter: relocates itself at start, loaded anywhere.
    StaticPie,
    /// `ET_DYN` with an interpreter: a dynamically linked PIE.
    DynamicPie,
    /// `ET_EXEC` with an interpreter.
    Dynamic,
}

impl Hardening {
    /// What a release binary must have and this one lacks (empty: nothing). With
    /// `separate_code`, code must also have its pages to itself ([`Self::data_in_code_pages`]).
    pub fn release_gaps(&self, separate_code: bool) -> Vec<&'static str> {
        let mut gaps = Vec::new();
        if self.kind != Kind::StaticPie {
            gaps.push("not static-pie");
        }
        if !self.relro {
            gaps.push("no RELRO segment");
        }
        if !self.bind_now {
            gaps.push("no BIND_NOW");
        }
        if self.writable_code {
            gaps.push("a writable and executable segment");
        }
        if self.stack_exec {
            gaps.push("an executable stack");
        }
        if separate_code && self.data_in_code_pages {
            gaps.push("data in executable pages");
        }
        gaps
    }
}

impl fmt::Display for Hardening {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            Kind::Static => "static (fixed address)",
            Kind::StaticPie => "static-pie",
            Kind::DynamicPie => "dynamic pie",
            Kind::Dynamic => "dynamic (fixed address)",
        };
        let relro = match (self.relro, self.bind_now) {
            (true, true) => "full RELRO",
            (true, false) => "partial RELRO",
            (false, _) => "no RELRO",
        };
        let now = if self.bind_now { "BIND_NOW" } else { "lazy binding" };
        let wx = if self.writable_code { "W+X segment" } else { "W^X" };
        let stack = if self.stack_exec { "executable stack" } else { "NX stack" };
        let pages = if self.data_in_code_pages { "data in code pages" } else { "code pages apart" };
        write!(f, "{kind}, {relro}, {now}, {wx}, {pages}, {stack}")
    }
}

const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const PT_INTERP: u32 = 3;
const PT_GNU_STACK: u32 = 0x6474_e551;
const PT_GNU_RELRO: u32 = 0x6474_e552;
const PF_X: u32 = 1;
const PF_W: u32 = 2;
const ET_EXEC: u16 = 2;
const ET_DYN: u16 = 3;
const DT_NULL: u64 = 0;
const DT_BIND_NOW: u64 = 24;
const DT_FLAGS: u64 = 30;
const DF_BIND_NOW: u64 = 0x8;
const DT_FLAGS_1: u64 = 0x6fff_fffb;
const DF_1_NOW: u64 = 0x1;
const SHT_NOBITS: u32 = 8;
const SHF_ALLOC: u64 = 0x2;
const SHF_EXECINSTR: u64 = 0x4;
/// The page the loader maps at: the smallest of every target's (and the only one of
/// most routers'). With larger pages more is shared.
const PAGE: u64 = 4096;

/// Reads fixed-width integers of the file's class and byte order.
struct Reader<'a> {
    bytes: &'a [u8],
    wide: bool,
    big: bool,
}

impl Reader<'_> {
    fn uint(&self, at: usize, len: usize) -> Result<u64, String> {
        let b = at
            .checked_add(len)
            .and_then(|end| self.bytes.get(at..end))
            .ok_or_else(|| format!("ELF file cut short at byte {at}"))?;
        let fold = |acc: u64, &x: &u8| acc << 8 | u64::from(x);
        Ok(if self.big { b.iter().fold(0, fold) } else { b.iter().rev().fold(0, fold) })
    }

    fn u16(&self, at: usize) -> Result<u16, String> {
        Ok(self.uint(at, 2)? as u16)
    }

    fn u32(&self, at: usize) -> Result<u32, String> {
        Ok(self.uint(at, 4)? as u32)
    }

    /// An address-sized word.
    fn word(&self, at: usize) -> Result<u64, String> {
        self.uint(at, if self.wide { 8 } else { 4 })
    }
}

/// The hardening of the ELF executable in `bytes`.
pub fn inspect(bytes: &[u8]) -> Result<Hardening, String> {
    if bytes.get(..4) != Some(b"\x7fELF") {
        return Err("not an ELF file".into());
    }
    let wide = match bytes.get(4) {
        Some(1) => false,
        Some(2) => true,
        _ => return Err("unknown ELF class".into()),
    };
    let big = match bytes.get(5) {
        Some(1) => false,
        Some(2) => true,
        _ => return Err("unknown ELF byte order".into()),
    };
    let r = Reader { bytes, wide, big };
    let e_type = r.u16(16)?;
    let (phoff, phentsize, phnum) = if wide {
        (r.uint(32, 8)?, r.u16(54)?, r.u16(56)?)
    } else {
        (r.uint(28, 4)?, r.u16(42)?, r.u16(44)?)
    };
    // File byte ranges: of the pages mapped executable, and of what is not code.
    let mut code_pages: Vec<(u64, u64)> = Vec::new();
    let headers_end = phoff.saturating_add(u64::from(phentsize) * u64::from(phnum));
    let mut not_code: Vec<(u64, u64)> = vec![(0, headers_end)];
    let mut interp = false;
    let mut relro = false;
    let mut bind_now = false;
    let mut writable_code = false;
    // No PT_GNU_STACK: the kernel makes the stack executable on some architectures.
    let mut stack_exec = true;
    for i in 0..usize::from(phnum) {
        let at = usize::try_from(phoff).map_err(|e| e.to_string())? + i * usize::from(phentsize);
        let p_type = r.u32(at)?;
        let (flags, offset, filesz) = if wide {
            (r.u32(at + 4)?, r.word(at + 8)?, r.word(at + 32)?)
        } else {
            (r.u32(at + 24)?, r.word(at + 4)?, r.word(at + 16)?)
        };
        match p_type {
            PT_INTERP => interp = true,
            PT_GNU_RELRO => relro = true,
            PT_GNU_STACK => stack_exec = flags & PF_X != 0,
            PT_LOAD => {
                writable_code |= flags & (PF_W | PF_X) == PF_W | PF_X;
                let end = offset.saturating_add(filesz);
                if filesz == 0 {
                } else if flags & PF_X != 0 {
                    code_pages.push((offset / PAGE * PAGE, end.div_ceil(PAGE) * PAGE));
                } else {
                    not_code.push((offset, end));
                }
            }
            PT_DYNAMIC => bind_now |= dynamic_binds_now(&r, offset, filesz)?,
            _ => {}
        }
    }
    let kind = match (e_type, interp) {
        (ET_EXEC, false) => Kind::Static,
        (ET_EXEC, true) => Kind::Dynamic,
        (ET_DYN, false) => Kind::StaticPie,
        (ET_DYN, true) => Kind::DynamicPie,
        (other, _) => return Err(format!("ELF type {other} is not an executable")),
    };
    not_code.extend(data_sections(&r)?);
    let data_in_code_pages = not_code
        .iter()
        .any(|&(start, end)| code_pages.iter().any(|&(from, to)| start < to && from < end));
    Ok(Hardening { kind, relro, bind_now, writable_code, stack_exec, data_in_code_pages })
}

/// The file byte ranges of the sections that are loaded but are not code (read-only
/// data, relocations, the GOT, ...): none when the file has no section headers.
fn data_sections(r: &Reader<'_>) -> Result<Vec<(u64, u64)>, String> {
    let (shoff, shentsize, shnum) = if r.wide {
        (r.uint(40, 8)?, r.u16(58)?, r.u16(60)?)
    } else {
        (r.uint(32, 4)?, r.u16(46)?, r.u16(48)?)
    };
    let mut ranges = Vec::new();
    if shoff == 0 {
        return Ok(ranges);
    }
    let shoff = usize::try_from(shoff).map_err(|e| e.to_string())?;
    for i in 0..usize::from(shnum) {
        let at = shoff + i * usize::from(shentsize);
        let sh_type = r.u32(at + 4)?;
        let (flags, offset, size) = if r.wide {
            (r.word(at + 8)?, r.word(at + 24)?, r.word(at + 32)?)
        } else {
            (r.word(at + 8)?, r.word(at + 16)?, r.word(at + 20)?)
        };
        if flags & (SHF_ALLOC | SHF_EXECINSTR) == SHF_ALLOC && sh_type != SHT_NOBITS && size > 0 {
            ranges.push((offset, offset.saturating_add(size)));
        }
    }
    Ok(ranges)
}

/// Whether the dynamic section at `offset` (of `len` bytes) asks for BIND_NOW.
fn dynamic_binds_now(r: &Reader<'_>, offset: u64, len: u64) -> Result<bool, String> {
    let entry = if r.wide { 16 } else { 8 };
    let half = entry / 2;
    let start = usize::try_from(offset).map_err(|e| e.to_string())?;
    let count = usize::try_from(len).map_err(|e| e.to_string())? / entry;
    for i in 0..count {
        let at = start + i * entry;
        let (tag, value) = (r.word(at)?, r.word(at + half)?);
        match tag {
            DT_NULL => break,
            DT_BIND_NOW => return Ok(true),
            DT_FLAGS if value & DF_BIND_NOW != 0 => return Ok(true),
            DT_FLAGS_1 if value & DF_1_NOW != 0 => return Ok(true),
            _ => {}
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes the low `len` bytes of `v` at `at`, in the file's byte order.
    fn put_int(out: &mut [u8], at: usize, v: u64, len: usize, big: bool) {
        let bytes = v.to_be_bytes();
        let mut b = bytes[8 - len..].to_vec();
        if !big {
            b.reverse();
        }
        out[at..at + len].copy_from_slice(&b);
    }

    /// One program header: (type, flags, file offset, file size).
    type Phdr = (u32, u32, u64, u64);

    /// A minimal ELF file: the header, the program headers and a dynamic section.
    fn elf(wide: bool, big: bool, e_type: u16, phdrs: &[Phdr], dynamic: &[(u64, u64)]) -> Vec<u8> {
        let put = |out: &mut Vec<u8>, at: usize, v: u64, len: usize| put_int(out, at, v, len, big);
        let (ehsize, phentsize) = if wide { (64, 56) } else { (52, 32) };
        let dyn_at = ehsize + phdrs.len() * phentsize;
        let entry = if wide { 16 } else { 8 };
        let mut out = vec![0u8; dyn_at + dynamic.len() * entry];
        out[..4].copy_from_slice(b"\x7fELF");
        out[4] = if wide { 2 } else { 1 };
        out[5] = if big { 2 } else { 1 };
        put(&mut out, 16, e_type.into(), 2);
        let word = if wide { 8 } else { 4 };
        if wide {
            put(&mut out, 32, ehsize as u64, 8);
            put(&mut out, 54, phentsize as u64, 2);
            put(&mut out, 56, phdrs.len() as u64, 2);
        } else {
            put(&mut out, 28, ehsize as u64, 4);
            put(&mut out, 42, phentsize as u64, 2);
            put(&mut out, 44, phdrs.len() as u64, 2);
        }
        for (i, &(p_type, flags, offset, size)) in phdrs.iter().enumerate() {
            let at = ehsize + i * phentsize;
            let (offset, size) = if p_type == PT_DYNAMIC {
                (dyn_at as u64, (dynamic.len() * entry) as u64)
            } else {
                (offset, size)
            };
            put(&mut out, at, p_type.into(), 4);
            if wide {
                put(&mut out, at + 4, flags.into(), 4);
                put(&mut out, at + 8, offset, 8);
                put(&mut out, at + 32, size, 8);
            } else {
                put(&mut out, at + 4, offset, 4);
                put(&mut out, at + 16, size, 4);
                put(&mut out, at + 24, flags.into(), 4);
            }
        }
        for (i, &(tag, value)) in dynamic.iter().enumerate() {
            put(&mut out, dyn_at + i * entry, tag, word);
            put(&mut out, dyn_at + i * entry + word, value, word);
        }
        out
    }

    const R: u32 = 4;

    fn hardened() -> Vec<Phdr> {
        vec![
            (PT_LOAD, R, 0, 0),
            (PT_LOAD, R | PF_X, 0, 0),
            (PT_LOAD, R | PF_W, 0, 0),
            (PT_DYNAMIC, R | PF_W, 0, 0),
            (PT_GNU_RELRO, R, 0, 0),
            (PT_GNU_STACK, R | PF_W, 0, 0),
        ]
    }

    #[test]
    fn a_hardened_static_pie_has_no_gaps_in_any_class_or_byte_order() {
        for (wide, big) in [(true, false), (true, true), (false, false), (false, true)] {
            let file = elf(wide, big, ET_DYN, &hardened(), &[(DT_FLAGS_1, 0x0800_0001), (0, 0)]);
            let h = inspect(&file).unwrap();
            assert_eq!(h.kind, Kind::StaticPie, "wide {wide} big {big}");
            assert!(h.relro && h.bind_now);
            assert!(h.release_gaps(true).is_empty(), "{:?}", h.release_gaps(true));
            assert_eq!(
                h.to_string(),
                "static-pie, full RELRO, BIND_NOW, W^X, code pages apart, NX stack"
            );
        }
    }

    #[test]
    fn each_lost_protection_is_named() {
        let mut phdrs = hardened();
        phdrs.retain(|p| p.0 != PT_GNU_RELRO && p.0 != PT_GNU_STACK);
        phdrs.push((PT_LOAD, R | PF_W | PF_X, 0, 0x100));
        let file = elf(true, false, ET_EXEC, &phdrs, &[(DT_FLAGS, 0), (0, 0)]);
        let h = inspect(&file).unwrap();
        assert_eq!(
            h.release_gaps(true),
            [
                "not static-pie",
                "no RELRO segment",
                "no BIND_NOW",
                "a writable and executable segment",
                "an executable stack",
                "data in executable pages"
            ]
        );
        assert_eq!(h.release_gaps(false).len(), 5, "data in code pages counts only if asked");
        let bind_now = elf(false, true, ET_DYN, &hardened(), &[(DT_FLAGS, DF_BIND_NOW)]);
        assert!(inspect(&bind_now).unwrap().bind_now);
        let after_null = elf(true, false, ET_DYN, &hardened(), &[(0, 0), (DT_BIND_NOW, 0)]);
        assert!(!inspect(&after_null).unwrap().bind_now, "entries after DT_NULL do not count");
    }

    /// Appends section headers (type, flags, file offset, size) to `file` and points the
    /// ELF header at them.
    fn with_sections(mut file: Vec<u8>, wide: bool, big: bool, sections: &[Phdr]) -> Vec<u8> {
        let put = |out: &mut Vec<u8>, at: usize, v: u64, len: usize| put_int(out, at, v, len, big);
        let shoff = file.len();
        let entry = if wide { 64 } else { 40 };
        file.resize(shoff + sections.len() * entry, 0);
        if wide {
            put(&mut file, 40, shoff as u64, 8);
            put(&mut file, 58, entry as u64, 2);
            put(&mut file, 60, sections.len() as u64, 2);
        } else {
            put(&mut file, 32, shoff as u64, 4);
            put(&mut file, 46, entry as u64, 2);
            put(&mut file, 48, sections.len() as u64, 2);
        }
        for (i, &(sh_type, flags, offset, size)) in sections.iter().enumerate() {
            let at = shoff + i * entry;
            put(&mut file, at + 4, sh_type.into(), 4);
            if wide {
                put(&mut file, at + 8, flags.into(), 8);
                put(&mut file, at + 24, offset, 8);
                put(&mut file, at + 32, size, 8);
            } else {
                put(&mut file, at + 8, flags.into(), 4);
                put(&mut file, at + 16, offset, 4);
                put(&mut file, at + 20, size, 4);
            }
        }
        file
    }

    #[test]
    fn data_in_a_page_mapped_executable_is_found_from_segments_or_sections() {
        let shares = |phdrs: &[Phdr], sections: &[Phdr]| {
            [(true, false), (false, true)].iter().all(|&(wide, big)| {
                let file = elf(wide, big, ET_DYN, phdrs, &[(DT_FLAGS_1, 1)]);
                let h = inspect(&with_sections(file, wide, big, sections)).unwrap();
                h.data_in_code_pages
            })
        };
        const SHF_WRITE: u32 = 1;
        let (data, code, relro) = (SHF_ALLOC as u32, (SHF_ALLOC | SHF_EXECINSTR) as u32, 3);
        // lld's default: code starts in the page where read-only data ends.
        let lld = [(PT_LOAD, R, 0, 0x5ae0), (PT_LOAD, R | PF_X, 0x5ae0, 0x2b000)];
        assert!(shares(&lld, &[]));
        // -z separate-code: code starts on a page of its own and the RELRO data after it.
        let padded = [
            (PT_LOAD, R, 0, 0x5ae0),
            (PT_LOAD, R | PF_X, 0x6000, 0x2ba46),
            (PT_LOAD, R | PF_W, 0x32000, 0x1c70),
        ];
        let sections =
            [(1, data, 0x2e0, 0x57dc), (1, code, 0x6000, 0x2ba40), (1, relro, 0x32000, 8)];
        assert!(!shares(&padded, &sections));
        // The RELRO data (the GOT) in code's last page.
        let got = [(PT_LOAD, R | PF_X, 0x6000, 0x2ba46), (PT_LOAD, R | PF_W, 0x31a50, 0x100)];
        assert!(shares(&got, &[]));
        // One `R E` segment from the start of the file: the headers are executable, and
        // so is .rodata inside it, which only the section headers show.
        assert!(shares(&[(PT_LOAD, R | PF_X, 0, 0x33000)], &[]));
        let one = [(PT_LOAD, R, 0, 0x400), (PT_LOAD, R | PF_X, 0x1000, 0x33000)];
        assert!(!shares(&one, &[(1, code, 0x1000, 0x30000)]));
        assert!(shares(&one, &[(1, code, 0x1000, 0x30000), (1, data, 0x31000, 0x2000)]));
        // Sections not loaded, or without file bytes (.bss), do not count.
        let bss = [(1, 0, 0x1000, 0x10), (SHT_NOBITS, data | SHF_WRITE, 0x2000, 0x10)];
        assert!(!shares(&one, &bss));
    }

    #[test]
    fn a_cut_or_foreign_file_is_an_error_not_a_panic() {
        let file = elf(true, false, ET_DYN, &hardened(), &[(DT_FLAGS_1, 1)]);
        for len in 0..file.len() {
            let _ = inspect(&file[..len]);
        }
        assert!(inspect(b"#!/bin/sh\n").is_err());
        assert!(inspect(&file[..40]).is_err());
    }
}
