//! [`MptcpInfo`]: a view of `struct mptcp_info` (host byte order, grows over kernels).

use crate::raw::Raw;

/// `MPTCP_INFO_FLAG_FALLBACK`: the connection fell back to plain TCP.
pub const FLAG_FALLBACK: u32 = 1 << 0;
/// `MPTCP_INFO_FLAG_REMOTE_KEY_RECEIVED`: the peer's key arrived (MPTCP is in use).
pub const FLAG_REMOTE_KEY_RECEIVED: u32 = 1 << 1;

/// Bytes of `struct mptcp_info` this crate knows (kernel 6.10 and later send 96).
pub const MPTCP_INFO_LEN: usize = 96;
/// `sizeof(struct mptcp_info)` when the byte counters came (6.5).
const SIZE_6_5: usize = 80;
/// `sizeof(struct mptcp_info)` when `subflows_total` came (6.7).
const SIZE_6_7: usize = 88;
/// `sizeof(struct mptcp_info)` when the `last_*` times came (6.10).
const SIZE_6_10: usize = 96;

/// `struct mptcp_info` as the kernel sent it, in place. The struct grew over kernel
/// releases, so every field is an `Option`: `None` when the kernel's struct ended before
/// it (an older kernel), never a made-up zero. A field that fell in an older struct's
/// trailing padding (6.1's 48 bytes end with four zero bytes where `retransmits` now
/// is) counts only when the struct is as long as the version that added it. Fields are
/// in host byte order.
///
/// | field | offset | first kernel |
/// |---|---|---|
/// | `subflows` … `rcv_nxt` | 0 … 32 | 5.9 |
/// | `local_addr_used`, `local_addr_max`, `csum_enabled` | 40 … 42 | later 5.x |
/// | `retransmits`, `bytes_retrans`, `bytes_sent`, `bytes_received`, `bytes_acked` | 44 … 72 | 6.5 |
/// | `subflows_total` | 80 | 6.7 |
/// | `last_data_sent`, `last_data_recv`, `last_ack_recv` | 84 … 92 | 6.10 |
///
/// ```
/// use mptcp_diag::MptcpInfo;
///
/// // A 6.1 kernel's 48-byte struct: the token is there, the byte counters are not.
/// let mut raw = [0u8; 48];
/// raw[12..16].copy_from_slice(&0x1234_5678u32.to_ne_bytes());
/// let info = MptcpInfo::new(&raw).unwrap();
/// assert_eq!(info.token(), Some(0x1234_5678));
/// assert_eq!(info.bytes_sent(), None);
/// assert_eq!(info.subflow_count(), Some(1));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct MptcpInfo<'a> {
    raw: Raw<'a>,
}

impl<'a> MptcpInfo<'a> {
    /// Wraps the payload of `INET_DIAG_INFO`; `None` if too short for the token (16
    /// bytes, what every kernel sends).
    pub fn new(raw: &'a [u8]) -> Option<Self> {
        (raw.len() >= 16).then_some(MptcpInfo { raw: Raw(raw) })
    }

    /// The fields from `at` of a struct version at least `size` bytes long: a shorter
    /// struct's padding is zeroed, so a field in it is absent, not zero.
    fn since(&self, size: usize) -> Option<Raw<'a>> {
        (self.raw.0.len() >= size).then_some(self.raw)
    }

    /// The bytes the kernel sent (they may be longer than [`MPTCP_INFO_LEN`]).
    pub fn as_bytes(&self) -> &'a [u8] {
        self.raw.0
    }

    /// `mptcpi_subflows`: subflows beyond the initial one.
    pub fn subflows(&self) -> Option<u8> {
        self.raw.u8(0)
    }

    /// `mptcpi_add_addr_signal`: ADD_ADDRs this side sent.
    pub fn add_addr_signal(&self) -> Option<u8> {
        self.raw.u8(1)
    }

    /// `mptcpi_add_addr_accepted`: ADD_ADDRs from the peer that were accepted.
    pub fn add_addr_accepted(&self) -> Option<u8> {
        self.raw.u8(2)
    }

    /// `mptcpi_subflows_max`: the subflow limit in force.
    pub fn subflows_max(&self) -> Option<u8> {
        self.raw.u8(3)
    }

    /// `mptcpi_add_addr_signal_max`: signal endpoints the in-kernel PM may announce.
    pub fn add_addr_signal_max(&self) -> Option<u8> {
        self.raw.u8(4)
    }

    /// `mptcpi_add_addr_accepted_max`: the `add_addr_accepted` limit in force.
    pub fn add_addr_accepted_max(&self) -> Option<u8> {
        self.raw.u8(5)
    }

    /// `mptcpi_flags` ([`FLAG_FALLBACK`], [`FLAG_REMOTE_KEY_RECEIVED`]).
    pub fn flags(&self) -> Option<u32> {
        self.raw.u32(8)
    }

    /// Whether the connection fell back to plain TCP.
    pub fn fallback(&self) -> Option<bool> {
        self.flags().map(|f| f & FLAG_FALLBACK != 0)
    }

    /// `mptcpi_token`: the connection's local token.
    pub fn token(&self) -> Option<u32> {
        self.raw.u32(12)
    }

    /// `mptcpi_write_seq`: the next data sequence number to write.
    pub fn write_seq(&self) -> Option<u64> {
        self.raw.u64(16)
    }

    /// `mptcpi_snd_una`: the oldest unacknowledged data sequence number.
    pub fn snd_una(&self) -> Option<u64> {
        self.raw.u64(24)
    }

    /// `mptcpi_rcv_nxt`: the next data sequence number expected.
    pub fn rcv_nxt(&self) -> Option<u64> {
        self.raw.u64(32)
    }

    /// `mptcpi_local_addr_used`: local addresses in use by subflows.
    pub fn local_addr_used(&self) -> Option<u8> {
        self.raw.u8(40)
    }

    /// `mptcpi_local_addr_max`: the local address limit in force.
    pub fn local_addr_max(&self) -> Option<u8> {
        self.raw.u8(41)
    }

    /// `mptcpi_csum_enabled`: whether DSS checksums are on.
    pub fn csum_enabled(&self) -> Option<bool> {
        self.raw.u8(42).map(|c| c != 0)
    }

    /// `mptcpi_retransmits`: data-level retransmissions.
    pub fn retransmits(&self) -> Option<u32> {
        self.since(SIZE_6_5)?.u32(44)
    }

    /// `mptcpi_bytes_retrans`: bytes retransmitted at the data level.
    pub fn bytes_retrans(&self) -> Option<u64> {
        self.since(SIZE_6_5)?.u64(48)
    }

    /// `mptcpi_bytes_sent`: bytes sent at the data level, retransmissions included.
    pub fn bytes_sent(&self) -> Option<u64> {
        self.since(SIZE_6_5)?.u64(56)
    }

    /// `mptcpi_bytes_received`: bytes received at the data level.
    pub fn bytes_received(&self) -> Option<u64> {
        self.since(SIZE_6_5)?.u64(64)
    }

    /// `mptcpi_bytes_acked`: bytes the peer acknowledged at the data level.
    pub fn bytes_acked(&self) -> Option<u64> {
        self.since(SIZE_6_5)?.u64(72)
    }

    /// `mptcpi_subflows_total`: every subflow, the initial one included.
    pub fn subflows_total(&self) -> Option<u8> {
        self.since(SIZE_6_7)?.u8(80)
    }

    /// `mptcpi_last_data_sent`: milliseconds since data was last sent.
    pub fn last_data_sent(&self) -> Option<u32> {
        self.since(SIZE_6_10)?.u32(84)
    }

    /// `mptcpi_last_data_recv`: milliseconds since data was last received.
    pub fn last_data_recv(&self) -> Option<u32> {
        self.since(SIZE_6_10)?.u32(88)
    }

    /// `mptcpi_last_ack_recv`: milliseconds since a data ack was last received.
    pub fn last_ack_recv(&self) -> Option<u32> {
        self.since(SIZE_6_10)?.u32(92)
    }

    /// Subflows in use: `subflows_total`, or `subflows + 1` from older kernels.
    pub fn subflow_count(&self) -> Option<u8> {
        self.subflows_total().or_else(|| self.subflows().map(|s| s.saturating_add(1)))
    }
}
