//! The reading room: global options, the word cursor, numbers, addresses, interface names and batch lines.

pub mod addr;
pub mod batch;
pub mod ifname;
pub mod num;
pub mod opts;
pub mod words;
