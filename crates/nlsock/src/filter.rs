//! [`Insn`]: one classic BPF instruction, for [`Socket::set_filter`](crate::Socket::set_filter).
//!
//! A socket filter runs in the kernel on every datagram before it is queued: one it
//! drops never wakes the reader and never takes room in the receive buffer. Loads
//! (`BPF_LD | BPF_B | BPF_ABS`) read the datagram from its first byte, the netlink
//! header; a load past the end drops the datagram. Multi-byte loads read in network
//! order, while netlink headers are in host order: load single bytes, as [`Insn::load_byte`]
//! does, and pick their offsets by `cfg!(target_endian)`.

/// One classic BPF instruction: the kernel's `struct sock_filter` (8 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Insn {
    /// Operation (`BPF_LD | BPF_B | BPF_ABS`, `BPF_JMP | BPF_JEQ | BPF_K`, `BPF_RET | BPF_K`, ...).
    pub code: u16,
    /// Instructions to skip when a jump's condition holds.
    pub jt: u8,
    /// Instructions to skip when it does not.
    pub jf: u8,
    /// The operand: an offset, a constant or a return value.
    pub k: u32,
}

impl Insn {
    /// `A = datagram[offset]` (one byte; past the end the datagram is dropped).
    pub const fn load_byte(offset: u32) -> Insn {
        Insn { code: (libc::BPF_LD | libc::BPF_B | libc::BPF_ABS) as u16, jt: 0, jf: 0, k: offset }
    }

    /// `if A == value` skip `jt` instructions, else skip `jf`.
    pub const fn jump_if_equal(value: u32, jt: u8, jf: u8) -> Insn {
        Insn { code: (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16, jt, jf, k: value }
    }

    /// Ends the program: keep the datagram (`true`, whole) or drop it.
    pub const fn keep(keep: bool) -> Insn {
        Insn {
            code: (libc::BPF_RET | libc::BPF_K) as u16,
            jt: 0,
            jf: 0,
            k: if keep { u32::MAX } else { 0 },
        }
    }
}

/// The most instructions [`Socket::set_filter`](crate::Socket::set_filter) takes (the
/// kernel's own limit is 4,096; a netlink filter needs a handful).
pub const MAX_INSNS: usize = 64;
