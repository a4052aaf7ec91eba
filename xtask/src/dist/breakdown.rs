//! Where a binary's bytes go: `nm` symbol sizes grouped by crate, the largest functions, and the ELF sections.

use std::collections::HashSet;
use std::path::Path;

use crate::util::Cmd;

/// One sized symbol from `nm -S -C`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    pub size: u64,
    /// Code (`t`/`T`/`w`/`W`/`i`), else data (read-only, initialised or zeroed).
    pub code: bool,
    pub name: String,
}

/// Bytes per crate (or C library), code and data apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrateSize {
    pub name: String,
    pub code: u64,
    pub data: u64,
}

/// Prints the crate table and the `top` largest functions of the unstripped `full`
/// binary, and the allocated sections of the shipped `stripped` one.
pub fn print(full: &Path, stripped: &Path, top: usize) -> Result<(), String> {
    let nm = Cmd::new("nm").args(["-S", "--size-sort", "-C"]).arg(full).read()?;
    let symbols = parse_nm(&nm);
    let total: u64 = symbols.iter().map(|s| s.size).sum();

    println!("{:<22} {:>9} {:>8} {:>6}  what", "crate", "code", "data", "share");
    for c in by_crate(&symbols) {
        println!(
            "{:<22} {:>9} {:>8} {:>5.1}%  {}",
            c.name,
            c.code,
            c.data,
            100.0 * (c.code + c.data) as f64 / total.max(1) as f64,
            about(&c.name)
        );
    }
    println!("{:<22} {:>9} bytes in sized symbols", "total", total);

    println!("\nlargest functions:");
    let mut code: Vec<&Symbol> = symbols.iter().filter(|s| s.code).collect();
    code.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.name.cmp(&b.name)));
    for s in code.iter().take(top) {
        println!("{:>7}  {:<20} {}", s.size, crate_of(&s.name), shorten(&s.name, 100));
    }

    let size = Cmd::new("size").arg("-A").arg(stripped).read()?;
    let sections = parse_sections(&size);
    let shown: Vec<String> = sections
        .iter()
        .filter(|(_, bytes)| *bytes >= 256)
        .map(|(name, bytes)| format!("{name} {bytes}"))
        .collect();
    println!("\nsections of the stripped binary (256 bytes and up): {}", shown.join(", "));
    Ok(())
}

/// Reads `nm -S --size-sort -C` output (`address size type name`), one symbol per
/// address: aliases such as `inet_pton` / `inet_pton.localalias` count once.
pub fn parse_nm(out: &str) -> Vec<Symbol> {
    let mut seen = HashSet::new();
    let mut symbols = Vec::new();
    for line in out.lines() {
        let mut parts = line.splitn(4, ' ');
        let (Some(addr), Some(size), Some(kind), Some(name)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let Ok(size) = u64::from_str_radix(size, 16) else {
            continue;
        };
        if size == 0 || !seen.insert(addr.to_string()) {
            continue;
        }
        let code = matches!(kind, "t" | "T" | "w" | "W" | "i");
        symbols.push(Symbol { size, code, name: name.to_string() });
    }
    symbols
}

/// Sums sizes per crate, largest first.
pub fn by_crate(symbols: &[Symbol]) -> Vec<CrateSize> {
    let mut crates: Vec<CrateSize> = Vec::new();
    for s in symbols {
        let name = crate_of(&s.name);
        let i = match crates.iter().position(|c| c.name == name) {
            Some(i) => i,
            None => {
                crates.push(CrateSize { name: name.to_string(), code: 0, data: 0 });
                crates.len() - 1
            }
        };
        if s.code {
            crates[i].code += s.size;
        } else {
            crates[i].data += s.size;
        }
    }
    crates.sort_by(|a, b| {
        (b.code + b.data).cmp(&(a.code + a.data)).then_with(|| a.name.cmp(&b.name))
    });
    crates
}

/// The crate a demangled symbol belongs to: the first path segment (of the `Self` type
/// for `<T as Trait>` impls), `core` for inherent impls on primitive types, `mptcp` for
/// the CLI's C `main`, and the C library for other unqualified names. std's panic and
/// backtrace code is its own group, since only the tiny profile can drop it.
pub fn crate_of(name: &str) -> &str {
    let Some((head, _)) = name.split_once("::") else {
        return match name {
            "main" => "mptcp",
            n if n.starts_with("_Unwind_") || n.starts_with("__unw_") => "libunwind",
            n if n.starts_with("__rust") || n.starts_with("rust_") => "std",
            "logAPIs" | "logUnwinding" | "logDWARF" => "libunwind",
            _ => "C: musl libc",
        };
    };
    // `bool libunwind::CFI_Parser<..>::parseCIE(..)`, `<&mut W as core::fmt::Write>`.
    let word = head.rsplit(' ').next().unwrap_or(head).trim_start_matches(['<', '&', '*', '(']);
    if word.starts_with('[') || word.ends_with('>') || PRIMITIVES.contains(&word) {
        return "core";
    }
    match word {
        "__rustc" => return "std",
        "logAPIs" | "logUnwinding" | "logDWARF" => return "libunwind",
        _ => {}
    }
    // std's own panic code, and core/alloc generics instantiated only for it.
    if matches!(word, "std" | "core" | "alloc") && PANIC_WORDS.iter().any(|w| name.contains(w)) {
        return "std: panic/backtrace";
    }
    word
}

/// Inherent impls on these print as `<u32>::..`: they are core's.
const PRIMITIVES: [&str; 17] = [
    "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize", "f32",
    "f64", "char", "bool", "str",
];

/// Paths that belong to reporting a panic (std's own, or the crates it uses for it).
const PANIC_WORDS: [&str; 8] = [
    "backtrace",
    "panicking",
    "panic::",
    "::symbolize",
    "gimli::",
    "addr2line::",
    "rustc_demangle::",
    "miniz_oxide::",
];

/// One line on what a crate is there for.
fn about(name: &str) -> &'static str {
    match name {
        "mptcp" => "the CLI",
        "nlwire" | "genl" | "nlsock" | "mptcp_pm" | "mptcp_diag" => "netlink stack",
        "core" | "alloc" | "std" => "Rust standard library",
        "C: musl libc" => "threads, time zones (-t), start-up",
        "std: panic/backtrace"
        | "gimli"
        | "addr2line"
        | "rustc_demangle"
        | "miniz_oxide"
        | "object"
        | "libunwind"
        | "adler2" => "panic messages and backtraces",
        "memchr" | "hashbrown" | "std_detect" => "used by std",
        _ => "",
    }
}

/// `size -A` output as (section, bytes) for allocated sections (address not 0).
pub fn parse_sections(out: &str) -> Vec<(String, u64)> {
    out.lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let (name, size, addr) = (f.next()?, f.next()?, f.next()?);
            if !name.starts_with('.') || addr == "0" {
                return None;
            }
            Some((name.to_string(), size.parse().ok()?))
        })
        .collect()
}

/// Cuts a long demangled name to `max` characters.
fn shorten(name: &str, max: usize) -> String {
    if name.chars().count() <= max {
        return name.to_string();
    }
    let cut: String = name.chars().take(max - 1).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_land_in_their_crate() {
        let cases = [
            ("main", "mptcp"),
            ("mptcp::monitor::run", "mptcp"),
            ("<mptcp::addr::Display as core::fmt::Display>::fmt", "mptcp"),
            ("<nlsock::conn::Conn<nlsock::socket::Socket>>::request", "nlsock"),
            ("<&str as core::str::pattern::Pattern>::is_contained_in", "core"),
            ("<str>::trim_matches::<<char>::is_whitespace>", "core"),
            ("<[u8]>::to_vec", "core"),
            ("<u32>::fmt", "core"),
            ("bool libunwind::CFI_Parser<libunwind::LocalAddressSpace>::parseCIE(x)", "libunwind"),
            ("_Unwind_Backtrace", "libunwind"),
            ("<std::backtrace_rs::symbolize::gimli::Cache>::with_global", "std: panic/backtrace"),
            ("std::panicking::default_hook", "std: panic/backtrace"),
            ("std::fs::read_to_string::inner", "std"),
            (
                "<core::cell::once::OnceCell<addr2line::line::Lines>>::try_init",
                "std: panic/backtrace",
            ),
            (
                "core::slice::sort::stable::quicksort::<addr2line::unit::UnitRange>",
                "std: panic/backtrace",
            ),
            ("core::fmt::write", "core"),
            ("__rust_alloc", "std"),
            ("__rustc::__rust_alloc_error_handler", "std"),
            ("logAPIs::log", "libunwind"),
            ("logDWARF", "libunwind"),
            ("getnameinfo", "C: musl libc"),
            (
                "<alloc::boxed::Box<dyn core::error::Error> as core::convert::From<x>>::from",
                "alloc",
            ),
            ("gimli::read::unit::parse_attribute::<x>", "gimli"),
            ("some_new_crate::f", "some_new_crate"),
        ];
        for (name, want) in cases {
            assert_eq!(crate_of(name), want, "{name}");
        }
    }

    #[test]
    fn nm_output_is_read_once_per_address() {
        let out = "0000000000001000 0000000000000010 T inet_pton\n\
                   0000000000001000 0000000000000010 t inet_pton.localalias\n\
                   0000000000002000 0000000000000100 t mptcp::monitor::run\n\
                   0000000000003000 0000000000000008 B __libc\n\
                   0000000000004000 0000000000000000 T empty\n\
                   garbage\n";
        let syms = parse_nm(out);
        assert_eq!(syms.len(), 3);
        assert_eq!(syms[0], Symbol { size: 16, code: true, name: "inet_pton".into() });
        assert!(!syms[2].code);
        let crates = by_crate(&syms);
        assert_eq!(crates[0], CrateSize { name: "mptcp".into(), code: 256, data: 0 });
        assert_eq!(crates[1], CrateSize { name: "C: musl libc".into(), code: 16, data: 8 });
    }

    #[test]
    fn size_output_keeps_allocated_sections() {
        let out = "mptcp  :\nsection   size   addr\n.text   388105   16448\n\
                   .rodata   46128   405504\n.comment  61  0\nTotal  434294\n";
        assert_eq!(
            parse_sections(out),
            [(".text".to_string(), 388_105), (".rodata".to_string(), 46_128)]
        );
    }

    #[test]
    fn long_names_are_cut() {
        assert_eq!(shorten("abc", 5), "abc");
        assert_eq!(shorten("abcdefgh", 5), "abcd…");
    }
}
