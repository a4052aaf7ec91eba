//! [`TcpInfo`]: the fields of a subflow's `struct tcp_info` that tell how a path does.

use crate::raw::Raw;

/// Bytes of `struct tcp_info` up to the last field this view reads (`tcpi_bytes_retrans`).
pub const TCP_INFO_USED_LEN: usize = 216;

/// A subflow's `struct tcp_info` (the payload of `INET_DIAG_INFO` in a TCP reply), in
/// place, host byte order. Only the fields a path check needs have readers; each is
/// `None` when the kernel's struct ended before it. Times are in microseconds
/// (`rtt`, `rttvar`, `rto`) or milliseconds (`last_*`), as the kernel counts them.
///
/// ```
/// use mptcp_diag::TcpInfo;
///
/// let mut raw = [0u8; 232];
/// raw[68..72].copy_from_slice(&1_500u32.to_ne_bytes()); // tcpi_rtt, µs
/// raw[80..84].copy_from_slice(&10u32.to_ne_bytes()); // tcpi_snd_cwnd
/// let t = TcpInfo::new(&raw);
/// assert_eq!((t.rtt(), t.snd_cwnd()), (Some(1_500), Some(10)));
/// // A struct cut after tcpi_total_retrans has no byte counters.
/// assert_eq!(TcpInfo::new(&raw[..104]).bytes_acked(), None);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct TcpInfo<'a> {
    raw: Raw<'a>,
}

impl<'a> TcpInfo<'a> {
    /// Wraps the payload of `INET_DIAG_INFO` of a TCP socket.
    pub fn new(raw: &'a [u8]) -> Self {
        TcpInfo { raw: Raw(raw) }
    }

    /// The bytes the kernel sent.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.raw.0
    }

    /// `tcpi_state` (1 established, …).
    pub fn state(&self) -> Option<u8> {
        self.raw.u8(0)
    }

    /// `tcpi_ca_state`: congestion-avoidance state (0 open, 1 disorder, 2 CWR,
    /// 3 recovery, 4 loss).
    pub fn ca_state(&self) -> Option<u8> {
        self.raw.u8(1)
    }

    /// `tcpi_retransmits`: retransmissions of the current segment (timeouts in a row).
    pub fn retransmits(&self) -> Option<u8> {
        self.raw.u8(2)
    }

    /// `tcpi_rto`: retransmission timeout, µs.
    pub fn rto(&self) -> Option<u32> {
        self.raw.u32(8)
    }

    /// `tcpi_snd_mss`.
    pub fn snd_mss(&self) -> Option<u32> {
        self.raw.u32(16)
    }

    /// `tcpi_unacked`: segments in flight.
    pub fn unacked(&self) -> Option<u32> {
        self.raw.u32(24)
    }

    /// `tcpi_lost`: segments thought lost.
    pub fn lost(&self) -> Option<u32> {
        self.raw.u32(32)
    }

    /// `tcpi_last_data_sent`: ms since data was last sent.
    pub fn last_data_sent(&self) -> Option<u32> {
        self.raw.u32(44)
    }

    /// `tcpi_last_data_recv`: ms since data was last received.
    pub fn last_data_recv(&self) -> Option<u32> {
        self.raw.u32(52)
    }

    /// `tcpi_last_ack_recv`: ms since an ack was last received.
    pub fn last_ack_recv(&self) -> Option<u32> {
        self.raw.u32(56)
    }

    /// `tcpi_pmtu`.
    pub fn pmtu(&self) -> Option<u32> {
        self.raw.u32(60)
    }

    /// `tcpi_rtt`: smoothed round-trip time, µs.
    pub fn rtt(&self) -> Option<u32> {
        self.raw.u32(68)
    }

    /// `tcpi_rttvar`: round-trip time variation, µs.
    pub fn rttvar(&self) -> Option<u32> {
        self.raw.u32(72)
    }

    /// `tcpi_snd_ssthresh`.
    pub fn snd_ssthresh(&self) -> Option<u32> {
        self.raw.u32(76)
    }

    /// `tcpi_snd_cwnd`: congestion window, segments.
    pub fn snd_cwnd(&self) -> Option<u32> {
        self.raw.u32(80)
    }

    /// `tcpi_total_retrans`: segments retransmitted over the subflow's life.
    pub fn total_retrans(&self) -> Option<u32> {
        self.raw.u32(100)
    }

    /// `tcpi_bytes_acked`: bytes the peer acknowledged (kernel 4.1 and later).
    pub fn bytes_acked(&self) -> Option<u64> {
        self.raw.u64(120)
    }

    /// `tcpi_bytes_received`: bytes received (kernel 4.1 and later).
    pub fn bytes_received(&self) -> Option<u64> {
        self.raw.u64(128)
    }

    /// `tcpi_min_rtt`: the lowest round-trip time seen, µs (kernel 4.10 and later).
    pub fn min_rtt(&self) -> Option<u32> {
        self.raw.u32(148)
    }

    /// `tcpi_bytes_sent`: bytes sent, retransmissions included (kernel 4.19 and later).
    pub fn bytes_sent(&self) -> Option<u64> {
        self.raw.u64(200)
    }

    /// `tcpi_bytes_retrans`: bytes retransmitted (kernel 4.19 and later).
    pub fn bytes_retrans(&self) -> Option<u64> {
        self.raw.u64(208)
    }
}
