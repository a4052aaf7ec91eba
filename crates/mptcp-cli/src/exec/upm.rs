//! Runs the userspace path-manager commands of plain `mptcp` (see [`Upm`]), with a hint
//! when the namespace runs the in-kernel path manager instead.

use crate::command::upm::Upm;
use crate::exec::session::Session;
use crate::names::etc::Etc;
use crate::print::fail::say;
use crate::print::out::Out;

/// Runs a userspace-PM command.
pub fn run(s: &mut Session, out: &mut Out, u: &Upm, resolve: Option<&Etc>) -> u8 {
    let request = u.request();
    let status = if let Upm::Show { .. } = u {
        crate::exec::endpoint::dump_request(s, out, resolve, &request)
    } else {
        crate::exec::endpoint::modify(s, &request)
    };
    if status != 0 {
        hint_pm_type();
    }
    status
}

/// After a failure: if this namespace runs the in-kernel path manager, say which
/// sysctl selects the userspace one.
fn hint_pm_type() {
    // The sysctl files are ASCII: compared as bytes, trimmed of ASCII blanks. The newer
    // `path_manager` decides when it exists, else `pm_type`.
    let userspace: [(&str, &[u8]); 2] =
        [("/proc/sys/net/mptcp/path_manager", b"userspace"), ("/proc/sys/net/mptcp/pm_type", b"1")];
    let kernel_pm = userspace.iter().find_map(|&(path, user)| {
        let v = crate::os::sys::read_file(path, 4096).ok()?;
        Some(v.trim_ascii() != user)
    });
    if kernel_pm == Some(true) {
        say(format_args!(
            "Error: this namespace uses the in-kernel path manager; the userspace path manager \
             is selected with sysctl net.mptcp.pm_type=1 (net.mptcp.path_manager=userspace), \
             before the connection is made.\n"
        ));
    }
}
