//! The printing room: stdout, JSON, colours, timestamps, usage texts, error messages and exit codes.

pub mod addr;
pub mod color;
pub mod connection;
pub mod endpoint;
pub mod event;
pub mod fail;
pub mod json;
pub mod kerr;
pub mod label;
pub mod limits;
pub mod out;
pub mod stat;
pub mod timefmt;
pub mod usage;
