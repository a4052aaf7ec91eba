//! Links the static musl `mptcp` with `static.ld` added to the default linker script: it
//! drops the unwind tables nothing reads (the binary aborts on panic). Only the `mptcp`
//! binary (a test harness must unwind), only on musl, where it ships static.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=static.ld");
    if std::env::var("CARGO_CFG_TARGET_ENV").as_deref() == Ok("musl") {
        let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
        println!("cargo:rustc-link-arg-bins=-T{dir}/static.ld");
    }
}
