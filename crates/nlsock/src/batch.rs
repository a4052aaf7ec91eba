//! [`Batch`]: several datagrams from one receive call, each in its own slot of the buffer.
//!
//! An event monitor that receives one datagram per system call and writes after each
//! spends most of its time in the kernel. With `recvmmsg` one call takes every queued
//! event (up to [`MAX_BATCH`]), and [`Wait::No`] tells the caller when the queue is
//! empty, which is the moment to flush its output.

use crate::Datagram;

/// The most datagrams one receive call takes.
pub const MAX_BATCH: usize = 16;

/// A slot size for event datagrams: each carries one message, and an MPTCP event with
/// every attribute is under 200 bytes. A longer datagram is reported as truncated,
/// never cut silently.
pub const EVENT_SLOT: usize = 4096;

/// Whether a receive may block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Take what is queued now; an empty queue gives an empty batch.
    No,
    /// Block until one datagram arrives, then take what else is queued.
    ForOne,
}

/// The datagrams one receive call stored: datagram `i` starts at `i * slot`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Batch {
    got: [Datagram; MAX_BATCH],
    count: usize,
}

impl Batch {
    /// No datagram.
    pub const EMPTY: Batch =
        Batch { got: [Datagram { len: 0, sender: 0, truncated: false }; MAX_BATCH], count: 0 };

    /// A batch of the first `count` entries of `got` (at most [`MAX_BATCH`]).
    pub fn new(got: &[Datagram]) -> Self {
        let mut b = Batch::EMPTY;
        b.count = got.len().min(MAX_BATCH);
        if let (Some(to), Some(from)) = (b.got.get_mut(..b.count), got.get(..b.count)) {
            to.copy_from_slice(from);
        }
        b
    }

    /// How many datagrams were received, from any sender.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether nothing was received.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// What was received, in order.
    pub fn datagrams(&self) -> &[Datagram] {
        // `count` is at most MAX_BATCH: `get` keeps no panic site.
        self.got.get(..self.count).unwrap_or_default()
    }

    /// The bytes of each datagram the kernel sent (sender port id 0), in order; the
    /// others are skipped. `rx` and `slot` must be those of the receive call.
    pub fn from_kernel<'r>(&self, rx: &'r [u8], slot: usize) -> impl Iterator<Item = &'r [u8]> {
        self.datagrams().iter().enumerate().filter(|(_, d)| d.sender == 0).filter_map(
            move |(i, d)| {
                let start = i.checked_mul(slot)?;
                rx.get(start..start.checked_add(d.len.min(slot))?)
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_datagrams_in_their_slots() {
        let mut rx = [0u8; 12];
        rx[..3].copy_from_slice(b"abc");
        rx[4..6].copy_from_slice(b"xy");
        rx[8..12].copy_from_slice(b"wxyz");
        let got = [
            Datagram { len: 3, sender: 0, truncated: false },
            Datagram { len: 2, sender: 77, truncated: false },
            Datagram { len: 4, sender: 0, truncated: false },
        ];
        let b = Batch::new(&got);
        assert_eq!(b.len(), 3);
        let mut it = b.from_kernel(&rx, 4);
        assert_eq!(it.next(), Some(&b"abc"[..]));
        assert_eq!(it.next(), Some(&b"wxyz"[..]));
        assert_eq!(it.next(), None);
    }

    #[test]
    fn lengths_never_reach_past_a_slot_or_the_buffer() {
        let rx = [7u8; 10];
        let got = [
            Datagram { len: 9, sender: 0, truncated: true },
            Datagram { len: 9, sender: 0, truncated: false },
            Datagram { len: 1, sender: 0, truncated: false },
        ];
        let b = Batch::new(&got);
        let lens: [usize; 2] = {
            let mut it = b.from_kernel(&rx, 5).map(<[u8]>::len);
            [it.next().unwrap(), it.next().unwrap()]
        };
        assert_eq!(lens, [5, 5]);
        assert_eq!(b.from_kernel(&rx, 5).count(), 2);
        assert!(Batch::EMPTY.is_empty());
        assert_eq!(Batch::new(&[got[0]; 20]).len(), MAX_BATCH);
    }
}
