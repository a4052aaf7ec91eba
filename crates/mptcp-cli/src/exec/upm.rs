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
    let read = |p: &str| crate::os::sys::read_file(p, 4096).ok();
    let path_manager = read("/proc/sys/net/mptcp/path_manager");
    let pm_type = read("/proc/sys/net/mptcp/pm_type");
    // The sysctl files are ASCII: compared as bytes, trimmed of ASCII blanks.
    let kernel_pm = match (path_manager.as_deref(), pm_type.as_deref()) {
        (Some(pm), _) => pm.trim_ascii() != b"userspace",
        (None, Some(t)) => t.trim_ascii() != b"1",
        (None, None) => false,
    };
    if kernel_pm {
        say(format_args!(
            "Error: this namespace uses the in-kernel path manager; the userspace path manager \
             is selected with sysctl net.mptcp.pm_type=1 (net.mptcp.path_manager=userspace), \
             before the connection is made.\n"
        ));
    }
}
