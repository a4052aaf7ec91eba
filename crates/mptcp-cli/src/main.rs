//! `mptcp`: configure the kernel's MPTCP path manager; called as `ip`, a drop-in for
//! `ip mptcp` of iproute2 7.1. Everything but the C entry point is in the library
//! (`lib.rs`); the entry point's code is in `os/sys.rs`, expanded here by [`mptcp_cli::c_main!`].
#![cfg_attr(not(test), no_std)]
#![cfg_attr(not(test), no_main)]

mptcp_cli::c_main!();
