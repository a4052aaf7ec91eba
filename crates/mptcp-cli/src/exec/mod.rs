//! The executing room: runs a [`Command`](crate::command::Command) against the kernel (session, requests, dumps, the monitor, batches, `endpoint follow`).

pub mod batch_run;
pub mod connection;
pub mod endpoint;
#[cfg(feature = "follow")]
pub mod follow;
pub mod limits;
pub mod monitor;
pub mod run;
pub mod session;
pub mod stat;
pub mod upm;
