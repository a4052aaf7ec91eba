//! A failed write to standard output: plain `mptcp` says so and exits 1; the `ip`
//! personality ignores it, as iproute2 (C stdio) does.

use std::fs::File;
use std::process::Command;

use mptcp_stack::Netns;

fn run(program: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(program)
        .args(args)
        .stdout(File::create("/dev/full").expect("/dev/full"))
        .output()
        .expect("run mptcp")
}

#[test]
fn a_full_disk_is_an_error_for_mptcp_and_ignored_as_ip() {
    let ns = Netns::new("stdout-full");
    let bin = mptcp_stack::mptcp_bin();
    let plain = run(&bin, &["-n", ns.name(), "limits", "show"]);
    assert_eq!(plain.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&plain.stderr),
        "mptcp: cannot write to standard output: No space left on device\n"
    );
    let dir = std::env::temp_dir().join(format!("stdout-full-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ip = dir.join("ip");
    std::os::unix::fs::symlink(&bin, &ip).unwrap();
    let as_ip = run(&ip, &["-n", ns.name(), "mptcp", "limits", "show"]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!((as_ip.status.code(), as_ip.stderr.len()), (Some(0), 0));
}
