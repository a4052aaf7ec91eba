//! [`SubflowInfo`]: the `MPTCP_SUBFLOW_ATTR_*` attributes the kernel nests in a TCP
//! subflow's `INET_DIAG_ULP_INFO`, and [`SubflowRepr`], their plain-data builder.

use nlwire::{Attr, Attrs, Error, MessageBuilder};

use crate::msg::payload_of;

/// `INET_ULP_INFO_NAME`: the ULP's name (`"mptcp"`), inside `INET_DIAG_ULP_INFO`.
pub const INET_ULP_INFO_NAME: u16 = 1;
/// `INET_ULP_INFO_MPTCP`: the nest of `MPTCP_SUBFLOW_ATTR_*`, inside `INET_DIAG_ULP_INFO`.
pub const INET_ULP_INFO_MPTCP: u16 = 3;

/// `MPTCP_SUBFLOW_ATTR_*` attribute types (all host byte order).
pub mod attr {
    /// `u32`: the peer's token.
    pub const TOKEN_REM: u16 = 1;
    /// `u32`: the local token (the connection's `mptcpi_token`).
    pub const TOKEN_LOC: u16 = 2;
    /// `u32`: data sequence of the last write, relative.
    pub const RELWRITE_SEQ: u16 = 3;
    /// `u64`: data sequence number of the current mapping.
    pub const MAP_SEQ: u16 = 4;
    /// `u32`: subflow sequence number of the current mapping.
    pub const MAP_SFSEQ: u16 = 5;
    /// `u32`: subflow sequence offset.
    pub const SSN_OFFSET: u16 = 6;
    /// `u16`: length of the current mapping.
    pub const MAP_DATALEN: u16 = 7;
    /// `u32`: `MPTCP_SUBFLOW_FLAG_*` (see [`crate::subflow_flag`]).
    pub const FLAGS: u16 = 8;
    /// `u8`: the peer's address id.
    pub const ID_REM: u16 = 9;
    /// `u8`: the local address id.
    pub const ID_LOC: u16 = 10;
    /// Padding before 64-bit values.
    pub const PAD: u16 = 11;
}

/// `MPTCP_SUBFLOW_FLAG_*` bits of [`SubflowInfo::flags`].
pub mod subflow_flag {
    /// The peer's SYN or SYN-ACK carried MP_CAPABLE.
    pub const MCAP_REM: u32 = 1 << 0;
    /// This side asked for MP_CAPABLE (the connection's client side).
    pub const MCAP_LOC: u32 = 1 << 1;
    /// The peer sent MP_JOIN.
    pub const JOIN_REM: u32 = 1 << 2;
    /// This side asked for MP_JOIN (this side opened the subflow).
    pub const JOIN_LOC: u32 = 1 << 3;
    /// The peer marked the subflow backup.
    pub const BKUP_REM: u32 = 1 << 4;
    /// This side marked the subflow backup.
    pub const BKUP_LOC: u32 = 1 << 5;
    /// The MPTCP handshake of the subflow completed.
    pub const FULLY_ESTABLISHED: u32 = 1 << 6;
    /// The TCP handshake of the subflow completed.
    pub const CONNECTED: u32 = 1 << 7;
    /// A valid DSS mapping is in use.
    pub const MAPVALID: u32 = 1 << 8;
}

/// The MPTCP attributes of one TCP subflow, in place. Each reader walks the nest (at most
/// eleven attributes) and returns `None` when the attribute is absent or malformed.
///
/// ```
/// use mptcp_diag::{SubflowInfo, SubflowRepr, subflow_flag};
/// use nlwire::MessageBuilder;
///
/// let repr = SubflowRepr {
///     token_loc: Some(0xa907_9844),
///     id_loc: Some(2),
///     flags: Some(subflow_flag::JOIN_LOC | subflow_flag::BKUP_LOC),
///     ..SubflowRepr::default()
/// };
/// let mut buf = [0u8; 128];
/// let mut b = MessageBuilder::new(&mut buf, 20, 0, 0)?;
/// repr.emit(&mut b)?;
/// let msg = b.finish()?;
/// // INET_DIAG_ULP_INFO is the first attribute after the 16-byte netlink header.
/// let ulp = nlwire::Attrs::new(&msg[16..]).next().unwrap()?;
/// let info = SubflowInfo::from_ulp(ulp.payload()).unwrap();
/// assert_eq!(info.token_loc(), Some(0xa907_9844));
/// assert!(info.backup_local() && !info.backup_remote());
/// assert_eq!(SubflowRepr::parse(&info), repr);
/// # Ok::<(), nlwire::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct SubflowInfo<'a> {
    nest: &'a [u8],
}

impl<'a> SubflowInfo<'a> {
    /// Finds `INET_ULP_INFO_MPTCP` in the payload of `INET_DIAG_ULP_INFO`; `None` for
    /// another ULP (such as TLS) or when absent.
    pub fn from_ulp(ulp_payload: &'a [u8]) -> Option<Self> {
        Some(SubflowInfo { nest: payload_of(ulp_payload, INET_ULP_INFO_MPTCP)? })
    }

    /// Wraps the payload of `INET_ULP_INFO_MPTCP` itself.
    pub fn new(nest: &'a [u8]) -> Self {
        SubflowInfo { nest }
    }

    /// Every attribute of the nest, unknown ones included.
    pub fn attrs(&self) -> Attrs<'a> {
        Attrs::new(self.nest)
    }

    fn get(&self, kind: u16) -> Option<Attr<'a>> {
        self.attrs().find(kind).ok().flatten()
    }

    /// `MPTCP_SUBFLOW_ATTR_TOKEN_REM`.
    pub fn token_rem(&self) -> Option<u32> {
        self.get(attr::TOKEN_REM)?.u32().ok()
    }

    /// `MPTCP_SUBFLOW_ATTR_TOKEN_LOC`: matches the connection's `mptcpi_token`.
    pub fn token_loc(&self) -> Option<u32> {
        self.get(attr::TOKEN_LOC)?.u32().ok()
    }

    /// `MPTCP_SUBFLOW_ATTR_RELWRITE_SEQ`.
    pub fn relwrite_seq(&self) -> Option<u32> {
        self.get(attr::RELWRITE_SEQ)?.u32().ok()
    }

    /// `MPTCP_SUBFLOW_ATTR_MAP_SEQ`.
    pub fn map_seq(&self) -> Option<u64> {
        self.get(attr::MAP_SEQ)?.u64().ok()
    }

    /// `MPTCP_SUBFLOW_ATTR_MAP_SFSEQ`.
    pub fn map_sfseq(&self) -> Option<u32> {
        self.get(attr::MAP_SFSEQ)?.u32().ok()
    }

    /// `MPTCP_SUBFLOW_ATTR_SSN_OFFSET`.
    pub fn ssn_offset(&self) -> Option<u32> {
        self.get(attr::SSN_OFFSET)?.u32().ok()
    }

    /// `MPTCP_SUBFLOW_ATTR_MAP_DATALEN`.
    pub fn map_datalen(&self) -> Option<u16> {
        self.get(attr::MAP_DATALEN)?.u16().ok()
    }

    /// `MPTCP_SUBFLOW_ATTR_FLAGS` (`subflow_flag::*`; unknown bits kept).
    pub fn flags(&self) -> Option<u32> {
        self.get(attr::FLAGS)?.u32().ok()
    }

    /// `MPTCP_SUBFLOW_ATTR_ID_REM`: the peer's address id.
    pub fn id_rem(&self) -> Option<u8> {
        self.get(attr::ID_REM)?.u8().ok()
    }

    /// `MPTCP_SUBFLOW_ATTR_ID_LOC`: the local address id.
    pub fn id_loc(&self) -> Option<u8> {
        self.get(attr::ID_LOC)?.u8().ok()
    }

    fn flag(&self, bit: u32) -> bool {
        self.flags().is_some_and(|f| f & bit != 0)
    }

    /// This side marked the subflow backup (`MPTCP_SUBFLOW_FLAG_BKUP_LOC`).
    pub fn backup_local(&self) -> bool {
        self.flag(subflow_flag::BKUP_LOC)
    }

    /// The peer marked the subflow backup (`MPTCP_SUBFLOW_FLAG_BKUP_REM`).
    pub fn backup_remote(&self) -> bool {
        self.flag(subflow_flag::BKUP_REM)
    }

    /// The subflow's MPTCP handshake completed.
    pub fn fully_established(&self) -> bool {
        self.flag(subflow_flag::FULLY_ESTABLISHED)
    }

    /// The subflow joined an existing connection (MP_JOIN, either side).
    pub fn is_join(&self) -> bool {
        self.flag(subflow_flag::JOIN_LOC | subflow_flag::JOIN_REM)
    }
}

/// Bytes of each `MPTCP_SUBFLOW_ATTR_*` value, by kind (0: none such; `PAD` and above are
/// not read).
const WIDTH: [u8; attr::ID_LOC as usize + 1] = [0, 4, 4, 4, 8, 4, 4, 2, 4, 1, 1];

/// A host-order unsigned value of exactly `width` bytes (at most 8), widened.
fn host_order(payload: &[u8], width: usize) -> Option<u64> {
    let mut b = [0u8; 8];
    // The value's bytes go where a u64 of the same value has them.
    let at = if cfg!(target_endian = "little") { 0 } else { 8usize.checked_sub(width)? };
    let to = b.get_mut(at..at.checked_add(width)?)?;
    if payload.len() != width {
        return None;
    }
    to.copy_from_slice(payload);
    Some(u64::from_ne_bytes(b))
}

/// The subflow attributes as plain data: what [`SubflowInfo`] reads, and what
/// [`SubflowRepr::emit`] writes as a whole `INET_DIAG_ULP_INFO` (name `"mptcp"`, then
/// the nest in the kernel's order). `None` fields are left out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SubflowRepr {
    /// `TOKEN_REM`.
    pub token_rem: Option<u32>,
    /// `TOKEN_LOC`.
    pub token_loc: Option<u32>,
    /// `RELWRITE_SEQ`.
    pub relwrite_seq: Option<u32>,
    /// `MAP_SEQ`.
    pub map_seq: Option<u64>,
    /// `MAP_SFSEQ`.
    pub map_sfseq: Option<u32>,
    /// `SSN_OFFSET`.
    pub ssn_offset: Option<u32>,
    /// `MAP_DATALEN`.
    pub map_datalen: Option<u16>,
    /// `FLAGS`.
    pub flags: Option<u32>,
    /// `ID_REM`.
    pub id_rem: Option<u8>,
    /// `ID_LOC`.
    pub id_loc: Option<u8>,
}

impl SubflowRepr {
    /// Copies every field out of a view, in one pass over the nest: each field is what
    /// [`SubflowInfo`]'s reader of it gives (the first attribute of its kind decides,
    /// and a malformed attribute ends the nest).
    pub fn parse(v: &SubflowInfo<'_>) -> Self {
        // Each kind's value, as wide as its payload must be (a table, not a match of
        // ten typed reads: this is inlined where the CLI reads every subflow).
        let mut f = [None::<u64>; WIDTH.len()];
        let mut seen = 0u32;
        for a in v.attrs() {
            let Ok(a) = a else { break };
            let kind = usize::from(a.kind());
            let Some(&width) = WIDTH.get(kind) else { continue };
            if seen & 1 << kind != 0 {
                continue;
            }
            seen |= 1 << kind;
            if let Some(slot) = f.get_mut(kind) {
                *slot = host_order(a.payload(), width.into());
            }
        }
        let [
            _,
            token_rem,
            token_loc,
            relwrite_seq,
            map_seq,
            map_sfseq,
            ssn_offset,
            map_datalen,
            flags,
            id_rem,
            id_loc,
        ] = f;
        SubflowRepr {
            token_rem: token_rem.map(|v| v as u32),
            token_loc: token_loc.map(|v| v as u32),
            relwrite_seq: relwrite_seq.map(|v| v as u32),
            map_seq,
            map_sfseq: map_sfseq.map(|v| v as u32),
            ssn_offset: ssn_offset.map(|v| v as u32),
            map_datalen: map_datalen.map(|v| v as u16),
            flags: flags.map(|v| v as u32),
            id_rem: id_rem.map(|v| v as u8),
            id_loc: id_loc.map(|v| v as u8),
        }
    }

    /// Appends `INET_DIAG_ULP_INFO` with these attributes to a message (at most 120
    /// bytes).
    pub fn emit(&self, b: &mut MessageBuilder<'_>) -> Result<(), Error> {
        let ulp = b.begin_nested(crate::INET_DIAG_ULP_INFO)?;
        b.put_str(INET_ULP_INFO_NAME, "mptcp")?;
        let nest = b.begin_nested(INET_ULP_INFO_MPTCP)?;
        let u32s = [
            (attr::TOKEN_REM, self.token_rem),
            (attr::TOKEN_LOC, self.token_loc),
            (attr::RELWRITE_SEQ, self.relwrite_seq),
        ];
        for (kind, v) in u32s {
            if let Some(v) = v {
                b.put_u32(kind, v)?;
            }
        }
        if let Some(v) = self.map_seq {
            b.put_u64(attr::MAP_SEQ, v)?;
        }
        for (kind, v) in [(attr::MAP_SFSEQ, self.map_sfseq), (attr::SSN_OFFSET, self.ssn_offset)] {
            if let Some(v) = v {
                b.put_u32(kind, v)?;
            }
        }
        if let Some(v) = self.map_datalen {
            b.put_u16(attr::MAP_DATALEN, v)?;
        }
        if let Some(v) = self.flags {
            b.put_u32(attr::FLAGS, v)?;
        }
        if let Some(v) = self.id_rem {
            b.put_u8(attr::ID_REM, v)?;
        }
        if let Some(v) = self.id_loc {
            b.put_u8(attr::ID_LOC, v)?;
        }
        b.end_nested(nest)?;
        b.end_nested(ulp)
    }
}
