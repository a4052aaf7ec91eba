//! [`Raw`]: fixed-offset reads from a kernel struct that may be shorter than we know.

/// A kernel struct's bytes; each read is `None` when the struct ends before the field.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Raw<'a>(pub(crate) &'a [u8]);

impl Raw<'_> {
    /// The byte at `at`.
    pub(crate) fn u8(self, at: usize) -> Option<u8> {
        self.0.get(at).copied()
    }

    /// The host-order `u32` at `at`. Not inlined (nor [`Raw::u64`]): a caller reading
    /// many fields gets one call each instead of a tree of length checks.
    #[inline(never)]
    pub(crate) fn u32(self, at: usize) -> Option<u32> {
        self.array(at).map(u32::from_ne_bytes)
    }

    /// The host-order `u64` at `at`.
    #[inline(never)]
    pub(crate) fn u64(self, at: usize) -> Option<u64> {
        self.array(at).map(u64::from_ne_bytes)
    }

    fn array<const N: usize>(self, at: usize) -> Option<[u8; N]> {
        self.0.get(at..at.checked_add(N)?)?.try_into().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::Raw;

    #[test]
    fn reads_stop_at_the_end_of_the_struct() {
        let b = [1u8, 0, 0, 0, 2, 0, 0, 0];
        let r = Raw(&b);
        assert_eq!(r.u32(0), Some(u32::from_ne_bytes([1, 0, 0, 0])));
        assert_eq!(r.u32(4), Some(u32::from_ne_bytes([2, 0, 0, 0])));
        assert_eq!((r.u32(5), r.u64(1), r.u8(8)), (None, None, None));
        assert_eq!(r.u64(usize::MAX), None);
    }
}
