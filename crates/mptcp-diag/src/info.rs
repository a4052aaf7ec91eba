//! [`MptcpInfo`]: a view of `struct mptcp_info` (host byte order, grows over kernels).

/// `MPTCP_INFO_FLAG_FALLBACK`: the connection fell back to plain TCP.
pub const FLAG_FALLBACK: u32 = 1 << 0;
/// `MPTCP_INFO_FLAG_REMOTE_KEY_RECEIVED`.
pub const FLAG_REMOTE_KEY_RECEIVED: u32 = 1 << 1;

/// `struct mptcp_info` as the kernel sent it. Older kernels send a shorter struct, so
/// every field past the first ones is an `Option`.
#[derive(Debug, Clone, Copy)]
pub struct MptcpInfo<'a> {
    raw: &'a [u8],
}

impl<'a> MptcpInfo<'a> {
    /// Wraps the payload of `INET_DIAG_INFO`; `None` if too short for the token.
    pub fn new(raw: &'a [u8]) -> Option<Self> {
        (raw.len() >= 16).then_some(MptcpInfo { raw })
    }

    fn u8_at(&self, at: usize) -> Option<u8> {
        self.raw.get(at).copied()
    }

    fn u32_at(&self, at: usize) -> Option<u32> {
        let b = self.raw.get(at..at + 4)?;
        Some(u32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64_at(&self, at: usize) -> Option<u64> {
        let b: [u8; 8] = self.raw.get(at..at + 8)?.try_into().ok()?;
        Some(u64::from_ne_bytes(b))
    }

    /// `mptcpi_subflows`: subflows beyond the initial one.
    pub fn subflows(&self) -> Option<u8> {
        self.u8_at(0)
    }

    /// `mptcpi_add_addr_signal`.
    pub fn add_addr_signal(&self) -> Option<u8> {
        self.u8_at(1)
    }

    /// `mptcpi_add_addr_accepted`.
    pub fn add_addr_accepted(&self) -> Option<u8> {
        self.u8_at(2)
    }

    /// `mptcpi_subflows_max`.
    pub fn subflows_max(&self) -> Option<u8> {
        self.u8_at(3)
    }

    /// `mptcpi_flags` (`FLAG_*`).
    pub fn flags(&self) -> Option<u32> {
        self.u32_at(8)
    }

    /// `mptcpi_token`: the connection's local token.
    pub fn token(&self) -> Option<u32> {
        self.u32_at(12)
    }

    /// `mptcpi_bytes_sent` (kernel 6.5 and later).
    pub fn bytes_sent(&self) -> Option<u64> {
        self.u64_at(56)
    }

    /// `mptcpi_bytes_received` (kernel 6.5 and later).
    pub fn bytes_received(&self) -> Option<u64> {
        self.u64_at(64)
    }

    /// `mptcpi_subflows_total`: every subflow, the initial one included (kernel 6.7
    /// and later).
    pub fn subflows_total(&self) -> Option<u8> {
        self.u8_at(80)
    }

    /// Subflows in use: `subflows_total`, or `subflows + 1` from older kernels.
    pub fn subflow_count(&self) -> Option<u8> {
        self.subflows_total().or_else(|| self.subflows().map(|s| s.saturating_add(1)))
    }
}
