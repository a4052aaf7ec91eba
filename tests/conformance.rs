//! The `ip mptcp` conformance suite: every recorded scenario of iproute2 7.1
//! (`tests/conformance/scenarios.json`) and our extra recordings (`extra.json`, when
//! present, and `bytes.json`: words and interface names that are not UTF-8, whose
//! expected outputs use the `_bytes` fields of `mptcp_stack::scenario`) run against the
//! binary under test, reached through a symlink named `ip`, each in a fresh network
//! namespace. stdout, stderr and the exit status must match byte for byte.
//!
//! `MPTCP_BIN` selects the binary (e.g. a static build); `CONFORMANCE_FILTER=B0` runs
//! only the scenarios whose id starts with `B0`.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use mptcp_stack::scenario::{self, Expect, Scenario, escaped_text, substitute};
use mptcp_stack::{Captured, Netns, bash, diff::diff, json, mptcp_bin};

/// How many scenarios run at once: most of their time is spent sleeping.
const THREADS: usize = 6;

/// Reads a recorded scenario file (every field required).
fn load(path: &Path) -> Vec<Scenario> {
    scenario::load(path, true).unwrap_or_else(|e| panic!("{e}"))
}

/// The recording of a scenario `load` accepted.
fn expect(s: &Scenario) -> &Expect {
    s.expect.as_ref().expect("recorded scenarios have an expectation")
}

/// Runs one scenario in a namespace of its own (deleted on return, or on a panic).
fn run(s: &Scenario, ip: &Path, fixture: &str) -> Captured {
    let ns = Netns::new(&format!("cf-{}", s.id));
    for step in &s.setup {
        bash(&substitute(step, ns.name(), ip, fixture));
    }
    bash(&substitute(&s.cmd, ns.name(), ip, fixture))
}

/// A directory holding a symlink named `ip` to the binary under test, removed on drop.
struct IpLink(PathBuf);

impl IpLink {
    /// A link in a directory of its own: `tag` tells apart the tests that run at once.
    fn new(bin: &Path, tag: &str) -> IpLink {
        let dir =
            std::env::temp_dir().join(format!("mptcp-conformance-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        std::os::unix::fs::symlink(bin, dir.join("ip")).expect("symlink ip");
        IpLink(dir)
    }

    fn path(&self) -> PathBuf {
        self.0.join("ip")
    }
}

impl Drop for IpLink {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The failure report of one scenario: what ran, then a diff of each stream that differs.
fn report(s: &Scenario, got: &Captured) -> String {
    let mut r = format!("FAIL {} {}\n", s.id, s.title);
    for step in &s.setup {
        r += &format!("  setup: {step}\n");
    }
    r += &format!("  cmd:   {}\n", s.cmd);
    let want = expect(s);
    for (name, want, got) in
        [("stdout", &want.stdout, &got.stdout), ("stderr", &want.stderr, &got.stderr)]
    {
        if want != got {
            let (want, got) = (escaped_text(want), escaped_text(got));
            r += &format!("  {name} (- expected, + actual):\n{}", diff(&want, &got, "    "));
        }
    }
    if got.status != want.rc {
        r += &format!("  status: expected {}, actual {}\n", want.rc, got.status);
    }
    r
}

#[test]
fn conformance() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance");
    let mut scenarios = load(&root.join("scenarios.json"));
    assert_eq!(scenarios.len(), 136, "scenarios.json must hold the 136 recorded scenarios");
    let extra = root.join("extra.json");
    if extra.exists() {
        scenarios.extend(load(&extra));
    }
    scenarios.extend(load(&root.join("bytes.json")));
    let mut ids: Vec<&str> = scenarios.iter().map(|s| s.id.as_str()).collect();
    ids.sort_unstable();
    if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
        panic!("scenario id {} is used twice", w[0]);
    }
    if let Ok(prefix) = std::env::var("CONFORMANCE_FILTER") {
        scenarios.retain(|s| s.id.starts_with(&prefix));
        assert!(!scenarios.is_empty(), "CONFORMANCE_FILTER={prefix} matches no scenario");
    }
    let ip = IpLink::new(&mptcp_bin(), "all");
    let ip = ip.path();
    let fixture = env!("CARGO_BIN_EXE_mptcp-fixture");
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| {
                while let Some(s) = scenarios.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let got = run(s, &ip, fixture);
                    let want = expect(s);
                    let same = got.stdout == want.stdout
                        && got.stderr == want.stderr
                        && got.status == want.rc;
                    if !same {
                        failures.lock().unwrap().push((s, got));
                    }
                }
            });
        }
    });
    let mut failures = failures.into_inner().unwrap();
    failures.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    for (s, got) in &failures {
        eprintln!("{}", report(s, got));
    }
    let failed: Vec<&str> = failures.iter().map(|f| f.0.id.as_str()).collect();
    if !failed.is_empty() {
        eprintln!("failed: {}", failed.join(" "));
    }
    println!("conformance: {} passed, {} failed", scenarios.len() - failed.len(), failed.len());
    assert!(failed.is_empty(), "{} conformance scenarios failed", failed.len());
}

/// Whether `word` is `ip`'s `-json` option (any prefix, one or two dashes).
fn is_json_option(word: &str) -> bool {
    let opt = if word.starts_with("--") { &word[1..] } else { word };
    opt.len() >= 2 && "-json".starts_with(opt)
}

/// Every recorded `-j` output (which the binary reproduces byte for byte) is strict
/// JSON, one document per command, laid out exactly as iproute2's writer lays out that
/// document: compact, or pretty with `-p`. `ip` ignores `-j` for `limits`, which prints
/// text.
#[test]
fn json_outputs_are_strict_json() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance");
    let mut scenarios = load(&root.join("scenarios.json"));
    scenarios.extend(load(&root.join("extra.json")));
    let mut checked = 0;
    for s in &scenarios {
        let words: Vec<&str> = s.cmd.split_whitespace().collect();
        if !words.iter().any(|w| is_json_option(w)) || expect(s).stdout.is_empty() {
            continue;
        }
        if words.iter().any(|w| "limits".starts_with(w) && w.starts_with('l')) {
            assert!(!expect(s).stdout.starts_with(b"{"), "{}: limits printed JSON", s.id);
            assert!(!expect(s).stdout.starts_with(b"["), "{}: limits printed JSON", s.id);
            continue;
        }
        let stdout = std::str::from_utf8(&expect(s).stdout).expect("a recorded -j output is UTF-8");
        let docs = json::parse_stream(stdout)
            .unwrap_or_else(|e| panic!("{}: not strict JSON: {e}\n{stdout}", s.id));
        assert!(!docs.is_empty(), "{}", s.id);
        let pretty = words.iter().any(|w| "-pretty".starts_with(w) && w.len() >= 2);
        let layout: String =
            docs.iter().map(|d| if pretty { json::pretty(d) } else { json::compact(d) }).collect();
        assert_eq!(layout, stdout, "{}: not iproute2's layout", s.id);
        checked += 1;
    }
    assert!(checked >= 12, "only {checked} JSON outputs checked");
}

/// `-j -p` is `-j` re-indented: every recorded `endpoint show` with `-j` runs again with
/// `-p` toggled, in the same namespace, against the binary under test.
#[test]
fn pretty_json_is_compact_json_reindented() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance");
    let mut scenarios = load(&root.join("scenarios.json"));
    scenarios.extend(load(&root.join("extra.json")));
    let link = IpLink::new(&mptcp_bin(), "json");
    let ip = &link.path();
    let fixture = env!("CARGO_BIN_EXE_mptcp-fixture");
    let mut pairs = 0;
    for s in &scenarios {
        let words: Vec<&str> = s.cmd.split_whitespace().collect();
        let simple = words.first() == Some(&"IP")
            && words.iter().any(|w| is_json_option(w))
            && words.iter().any(|w| "endpoint".starts_with(w) && w.starts_with('e'))
            && expect(s).rc == 0;
        if !simple {
            continue;
        }
        let ns = Netns::new(&format!("cj-{}", s.id));
        for step in &s.setup {
            bash(&substitute(step, ns.name(), ip, fixture));
        }
        let pretty = words.contains(&"-p");
        let other: Vec<&str> = if pretty {
            words.iter().copied().filter(|w| *w != "-p").collect()
        } else {
            words
                .iter()
                .flat_map(|w| if is_json_option(w) { vec![*w, "-p"] } else { vec![*w] })
                .collect()
        };
        let a = bash(&substitute(&s.cmd, ns.name(), ip, fixture)).stdout_text();
        let b = bash(&substitute(&other.join(" "), ns.name(), ip, fixture)).stdout_text();
        let (compact, pretty) = if pretty { (b, a) } else { (a, b) };
        let doc = json::parse(&compact).unwrap_or_else(|e| panic!("{}: {e}: {compact}", s.id));
        assert_eq!(pretty, json::pretty(&doc), "{}: -j -p is not -j re-indented", s.id);
        assert_eq!(json::parse(&pretty), Ok(doc), "{}", s.id);
        pairs += 1;
    }
    assert!(pairs >= 8, "only {pairs} endpoint show scenarios with -j");
}

#[test]
fn failure_report_shows_the_differences() {
    let s = Scenario {
        id: "Z1".into(),
        title: "t".into(),
        setup: vec!["ip link".into()],
        cmd: "IP x".into(),
        expect: Some(Expect { stdout: b"a \n".to_vec(), stderr: Vec::new(), rc: 0 }),
    };
    let got = Captured { stdout: b"a\n".to_vec(), stderr: Vec::new(), status: 255 };
    assert_eq!(
        report(&s, &got),
        "FAIL Z1 t\n  setup: ip link\n  cmd:   IP x\n  stdout (- expected, + actual):\n    \
         - \"a \\n\"\n    + \"a\\n\"\n  status: expected 0, actual 255\n"
    );
}
