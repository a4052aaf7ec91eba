//! The OS room: what std gave, over the C library (every `unsafe` call of the CLI), and byte I/O.

pub mod io;
#[allow(unsafe_code)]
pub mod sys;
pub mod text;
