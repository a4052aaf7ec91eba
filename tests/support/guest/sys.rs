//! The system calls of `mptcp-guest` that std does not wrap: namespaces, bind mounts and
//! the interface-flags ioctl (on the C library's `ifreq`). Every `unsafe` block of the program is here.

use std::ffi::CString;
use std::io::Error;

fn cstr(s: &str) -> Result<CString, String> {
    CString::new(s).map_err(|_| format!("{s:?}: has a NUL byte"))
}

fn check(r: libc::c_int, what: &str) -> Result<(), String> {
    if r < 0 { Err(format!("{what}: {}", Error::last_os_error())) } else { Ok(()) }
}

/// Moves the calling thread into a new network namespace.
pub fn unshare_net() -> Result<(), String> {
    // SAFETY: unshare(2) takes flags only.
    check(unsafe { libc::unshare(libc::CLONE_NEWNET) }, "unshare(CLONE_NEWNET)")
}

/// `mount --bind from to`.
pub fn bind(from: &str, to: &str) -> Result<(), String> {
    let (f, t, none) = (cstr(from)?, cstr(to)?, cstr("none")?);
    // SAFETY: every pointer is a NUL-terminated string that outlives the call; the data
    // argument may be null.
    let r = unsafe {
        libc::mount(f.as_ptr(), t.as_ptr(), none.as_ptr(), libc::MS_BIND, std::ptr::null())
    };
    check(r, &format!("mount --bind {from} {to}"))
}

/// `umount -l path`.
pub fn unmount(path: &str) -> Result<(), String> {
    let p = cstr(path)?;
    // SAFETY: `p` is a NUL-terminated string that outlives the call.
    check(unsafe { libc::umount2(p.as_ptr(), libc::MNT_DETACH) }, &format!("umount {path}"))
}

/// Sets `IFF_UP` on interface `name` of the calling thread's namespace.
pub fn link_up(name: &str) -> Result<(), String> {
    // SAFETY: all-zero is a valid `ifreq`.
    let mut ifr: libc::ifreq = unsafe { std::mem::zeroed() };
    if name.len() >= ifr.ifr_name.len() {
        return Err(format!("{name}: interface name too long"));
    }
    for (to, from) in ifr.ifr_name.iter_mut().zip(name.bytes()) {
        *to = from as libc::c_char;
    }
    // SAFETY: a plain socket call; the descriptor is closed below.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    check(fd, "socket(AF_INET)")?;
    // SAFETY: both ioctls read and write one `ifreq`, which `ifr` is; the flags member
    // of its union is the one SIOCGIFFLAGS wrote.
    let r = unsafe {
        let get = libc::ioctl(fd, libc::SIOCGIFFLAGS as _, &raw mut ifr);
        if get < 0 {
            get
        } else {
            ifr.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
            libc::ioctl(fd, libc::SIOCSIFFLAGS as _, &raw mut ifr)
        }
    };
    let result = check(r, &format!("set {name} up"));
    // SAFETY: `fd` is ours and closed once.
    unsafe { libc::close(fd) };
    result
}
