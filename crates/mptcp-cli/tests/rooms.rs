//! The CLI's layout holds: each room (a folder of `src/`) uses only itself and the rooms
//! below it, no module imports itself through a circle, and each room's `mod.rs` opens
//! with a one-line `//!` saying what it owns.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// The rooms from the bottom up: a room may use the ones before it, never those after.
const ROOMS: [&str; 6] = ["os", "print", "names", "args", "command", "exec"];

/// Every `.rs` file under `src/`, as (module path like `exec::follow::log`, source).
fn modules() -> Vec<(String, String)> {
    fn walk(dir: &Path, prefix: &str, out: &mut Vec<(String, String)>) {
        let mut entries: Vec<_> = fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for path in entries {
            let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
            let join =
                |n: &str| if prefix.is_empty() { n.to_owned() } else { format!("{prefix}::{n}") };
            if path.is_dir() {
                walk(&path, &join(&name), out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let module = match name.as_str() {
                    "mod" | "lib" | "main" => prefix.to_owned(),
                    _ => join(&name),
                };
                out.push((module, fs::read_to_string(&path).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), "", &mut out);
    out
}

/// The module paths a source names through `crate::…` (and `super::…`, resolved against
/// `module`), cut to the longest path that is a module. Grouped `crate::{…}` imports are
/// refused so that nothing escapes the check.
fn uses(module: &str, source: &str, known: &BTreeSet<String>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let code: String =
        source.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
    for (start, prefix) in [("crate::", String::new()), ("super::", parent(module))] {
        let mut rest = code.as_str();
        while let Some(at) = rest.find(start) {
            let before = rest[..at].chars().last();
            rest = &rest[at + start.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            assert!(!rest.starts_with('{'), "{module}: grouped `{start}{{…}}` import");
            let path: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let mut target = String::new();
            let mut best = None;
            for part in path.split("::").filter(|p| !p.is_empty()) {
                target = match (prefix.is_empty(), target.is_empty()) {
                    (true, true) => part.to_owned(),
                    (false, true) => format!("{prefix}::{part}"),
                    _ => format!("{target}::{part}"),
                };
                if known.contains(&target) {
                    best = Some(target.clone());
                }
            }
            if let Some(t) = best {
                found.insert(t);
            }
        }
    }
    // A folder's own code naming a child module by its short path (`upm::parse`), not
    // counting the `mod`/`pub use` lines that only declare and re-export it.
    for child in known.iter().filter(|k| !module.is_empty() && parent(k) == module) {
        let short = child.rsplit("::").next().unwrap();
        let named = code.lines().filter(|l| !is_declaration(l)).any(|l| {
            l.match_indices(&format!("{short}::")).any(|(at, _)| {
                !l[..at].chars().last().is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
            })
        });
        if named {
            found.insert(child.clone());
        }
    }
    found
}

/// `mod x;`, `pub mod x;` and `pub use x::…;` lines: a folder declaring its children.
fn is_declaration(line: &str) -> bool {
    let l = line.trim_start();
    l.starts_with("mod ") || l.starts_with("pub mod ") || l.starts_with("pub use ")
}

fn parent(module: &str) -> String {
    module.rsplit_once("::").map_or(String::new(), |(p, _)| p.to_owned())
}

/// The room of a module: its first path segment when that is a room.
fn room(module: &str) -> Option<usize> {
    let first = module.split("::").next()?;
    ROOMS.iter().position(|r| *r == first)
}

#[test]
fn rooms_only_use_rooms_below() {
    let mods = modules();
    let known: BTreeSet<String> = mods.iter().map(|(m, _)| m.clone()).collect();
    let mut wrong = Vec::new();
    for (module, source) in &mods {
        let Some(mine) = room(module) else { continue };
        for target in uses(module, source, &known) {
            if room(&target).is_some_and(|theirs| theirs > mine) {
                wrong.push(format!("{module} uses {target}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports up the rooms ({ROOMS:?}, bottom first):\n{}",
        wrong.join("\n")
    );
    // The check sees the rooms: exec uses something of every room below it.
    let exec = ROOMS.len() - 1;
    let exec_uses: BTreeSet<usize> = mods
        .iter()
        .filter(|(m, _)| room(m) == Some(exec))
        .flat_map(|(m, s)| uses(m, s, &known))
        .filter_map(|t| room(&t))
        .collect();
    assert_eq!(exec_uses, (0..ROOMS.len()).collect());
}

#[test]
fn no_module_imports_itself_through_a_circle() {
    let mods = modules();
    let known: BTreeSet<String> = mods.iter().map(|(m, _)| m.clone()).collect();
    let graph: BTreeMap<String, BTreeSet<String>> = mods
        .iter()
        .map(|(m, s)| {
            let targets =
                uses(m, s, &known).into_iter().filter(|t| t != m && !m.is_empty()).collect();
            (m.clone(), targets)
        })
        .collect();
    // Depth-first search with colours: grey on the stack, black done.
    fn visit<'g>(
        node: &'g str,
        graph: &'g BTreeMap<String, BTreeSet<String>>,
        grey: &mut Vec<&'g str>,
        black: &mut BTreeSet<&'g str>,
    ) -> Option<Vec<String>> {
        if black.contains(node) {
            return None;
        }
        if let Some(at) = grey.iter().position(|g| *g == node) {
            let mut circle: Vec<String> = grey[at..].iter().map(|s| s.to_string()).collect();
            circle.push(node.to_owned());
            return Some(circle);
        }
        grey.push(node);
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, grey, black) {
                return Some(c);
            }
        }
        grey.pop();
        black.insert(node);
        None
    }
    let mut black = BTreeSet::new();
    let circles: Vec<String> = graph
        .keys()
        .filter_map(|node| visit(node, &graph, &mut Vec::new(), &mut black))
        .map(|c| c.join(" -> "))
        .collect();
    assert!(circles.is_empty(), "import circles:\n{}", circles.join("\n"));
}

#[test]
fn each_room_says_what_it_owns() {
    for room in ROOMS {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(room).join("mod.rs");
        let source = fs::read_to_string(&path).unwrap();
        let first = source.lines().next().unwrap_or("");
        assert!(
            first.starts_with("//! ") && first.len() > 20,
            "{}: the first line says what the room owns",
            path.display()
        );
    }
}
