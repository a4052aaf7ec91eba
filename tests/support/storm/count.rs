//! `count`: the independent event count, a listener on `mptcp_pm_events` with a very
//! large receive buffer that counts what the kernel multicasts, by event type.

use std::time::{Duration, Instant};

use nlsock::{Conn, Error, Socket};

use crate::stop;

/// Opens a generic netlink socket in namespace `ns` (the current one when `None`) and
/// resolves `mptcp_pm`: the connection, the family id and the events group.
pub fn open_pm(ns: Option<&str>) -> Result<(Conn<Socket>, u16, u32), String> {
    if let Some(ns) = ns {
        nlsock::enter_netns(ns).map_err(|e| format!("netns {ns}: {e:?}"))?;
    }
    let socket = Socket::generic().map_err(|e| format!("netlink socket: {e}"))?;
    let mut conn = Conn::new(socket, 0);
    let mut rx = [0u8; 4096];
    let f = genl::resolve(&mut conn, mptcp_pm_wire::FAMILY_NAME, &mut rx)
        .map_err(|e| format!("resolve mptcp_pm: {e}"))?;
    let group = f.group(mptcp_pm_wire::EVENTS_GROUP).ok().flatten().ok_or("no events group")?;
    Ok((conn, f.id, group))
}

/// Sets a receive timeout on `fd`, so a blocked receive wakes up to check the stop flag.
fn set_recv_timeout(fd: i32, ms: i64) -> Result<(), String> {
    let tv = libc::timeval { tv_sec: ms / 1000, tv_usec: (ms % 1000) * 1000 };
    let len = std::mem::size_of::<libc::timeval>() as libc::socklen_t;
    // SAFETY: `fd` is an open socket; the pointer and length describe a live `timeval`.
    let r = unsafe {
        libc::setsockopt(fd, libc::SOL_SOCKET, libc::SO_RCVTIMEO, (&raw const tv).cast(), len)
    };
    if r < 0 { Err(format!("SO_RCVTIMEO: {}", std::io::Error::last_os_error())) } else { Ok(()) }
}

/// The receive buffer the kernel actually granted (`SO_RCVBUF` reads back doubled).
fn granted_rcvbuf(fd: i32) -> i64 {
    let mut v: libc::c_int = 0;
    let mut len = 4 as libc::socklen_t;
    // SAFETY: `fd` is an open socket; `v` and `len` are live locals of the sizes given.
    let r = unsafe {
        libc::getsockopt(fd, libc::SOL_SOCKET, libc::SO_RCVBUF, (&raw mut v).cast(), &mut len)
    };
    if r < 0 { -1 } else { i64::from(v) }
}

/// `count NS RCVBUF SECONDS`: counts events until SIGINT/SIGTERM or SECONDS pass, then
/// prints `events N lost L rcvbuf B` and one `kind K N` line per event type seen.
pub fn count(ns: &str, rcvbuf: u32, seconds: f64) -> Result<(), String> {
    let (mut conn, family, group) = open_pm(Some(ns))?;
    let fd = conn.link().fd();
    conn.link().join_group(group).map_err(|e| format!("join group: {e}"))?;
    conn.link().set_recv_buffer(rcvbuf).map_err(|e| format!("SO_RCVBUFFORCE: {e}"))?;
    set_recv_timeout(fd, 100)?;
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let mut rx = vec![0u8; nlsock::RECV_BUF];
    let (mut total, mut lost) = (0u64, 0u64);
    let mut by_kind = [0u64; 256];
    while !stop::requested() && Instant::now() < deadline {
        match conn.recv_events(&mut rx) {
            Ok(msgs) => {
                for m in msgs.flatten() {
                    if m.kind() != family {
                        continue;
                    }
                    if let Ok(g) = m.genl() {
                        by_kind[usize::from(g.cmd())] += 1;
                        total += 1;
                    }
                }
            }
            Err(Error::EventsLost) => lost += 1,
            // The receive timeout ends as EAGAIN, which nlsock reports as `WouldBlock`.
            Err(Error::WouldBlock) => {}
            Err(Error::Os(e)) if e.0 == libc::EAGAIN || e.0 == libc::EINTR => {}
            Err(e) => return Err(format!("receive: {e}")),
        }
    }
    println!("events {total} lost {lost} rcvbuf {}", granted_rcvbuf(fd));
    for (kind, n) in by_kind.iter().enumerate().filter(|(_, n)| **n > 0) {
        println!("kind {kind} {n}");
    }
    Ok(())
}
