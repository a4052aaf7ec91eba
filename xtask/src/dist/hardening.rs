//! What an ELF executable gets from the loader's hardening: its type, RELRO, BIND_NOW, W^X.
//!
//! Read from the program headers and the dynamic section (32- and 64-bit, either byte
//! order), so that `cargo xtask dist` can print each binary's hardening and refuse a
//! release build that lost some of it.

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
    /// What a release binary must have and this one lacks (empty: nothing).
    pub fn release_gaps(&self) -> Vec<&'static str> {
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
        write!(f, "{kind}, {relro}, {now}, {wx}, {stack}")
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
            PT_LOAD => writable_code |= flags & (PF_W | PF_X) == PF_W | PF_X,
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
    Ok(Hardening { kind, relro, bind_now, writable_code, stack_exec })
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

    /// One program header: (type, flags, file offset, file size).
    type Phdr = (u32, u32, u64, u64);

    /// A minimal ELF file: the header, the program headers and a dynamic section.
    fn elf(wide: bool, big: bool, e_type: u16, phdrs: &[Phdr], dynamic: &[(u64, u64)]) -> Vec<u8> {
        let put = |out: &mut Vec<u8>, at: usize, v: u64, len: usize| {
            let bytes = v.to_be_bytes();
            let mut b = bytes[8 - len..].to_vec();
            if !big {
                b.reverse();
            }
            out[at..at + len].copy_from_slice(&b);
        };
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
            assert!(h.release_gaps().is_empty(), "{:?}", h.release_gaps());
            assert_eq!(h.to_string(), "static-pie, full RELRO, BIND_NOW, W^X, NX stack");
        }
    }

    #[test]
    fn each_lost_protection_is_named() {
        let mut phdrs = hardened();
        phdrs.retain(|p| p.0 != PT_GNU_RELRO && p.0 != PT_GNU_STACK);
        phdrs.push((PT_LOAD, R | PF_W | PF_X, 0, 0));
        let file = elf(true, false, ET_EXEC, &phdrs, &[(DT_FLAGS, 0), (0, 0)]);
        let h = inspect(&file).unwrap();
        assert_eq!(
            h.release_gaps(),
            [
                "not static-pie",
                "no RELRO segment",
                "no BIND_NOW",
                "a writable and executable segment",
                "an executable stack"
            ]
        );
        let bind_now = elf(false, true, ET_DYN, &hardened(), &[(DT_FLAGS, DF_BIND_NOW)]);
        assert!(inspect(&bind_now).unwrap().bind_now);
        let after_null = elf(true, false, ET_DYN, &hardened(), &[(0, 0), (DT_BIND_NOW, 0)]);
        assert!(!inspect(&after_null).unwrap().bind_now, "entries after DT_NULL do not count");
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
