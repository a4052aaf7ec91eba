//! Test support shared by the kernel-in-the-loop and conformance tests: throw-away
//! network namespaces, the binary under test, and a small JSON reader for the
//! recorded scenarios (no serde: we are small on purpose).

pub mod json;
pub mod netns;

pub use netns::Netns;

/// The `mptcp` binary under test: `MPTCP_BIN` (an absolute path, e.g. a static musl
/// build), else the workspace's debug build. Panics when it does not exist.
pub fn mptcp_bin() -> std::path::PathBuf {
    let bin = match std::env::var_os("MPTCP_BIN") {
        Some(b) => std::path::PathBuf::from(b),
        None => {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(std::path::PathBuf::from)
                .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
            target.join("debug").join("mptcp")
        }
    };
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p mptcp-cli` first, or set MPTCP_BIN",
        bin.display()
    );
    bin
}
