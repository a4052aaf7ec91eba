//! `mptcp-fixture`: the MPTCP sockets the conformance scenarios need
//! (`MPTCP_LISTEN`, `MPTCP_CONN`, `MPTCP_SERVER`, `MPTCP_CLIENT`), with the exact sleeps
//! that keep the kernel's event order stable.

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::os::fd::FromRawFd;
use std::process::ExitCode;
use std::thread::sleep;
use std::time::{Duration, Instant};

/// `IPPROTO_MPTCP`.
const IPPROTO_MPTCP: i32 = 262;

fn pause(ms: u64) {
    sleep(Duration::from_millis(ms));
}

/// A raw MPTCP stream socket for `addr`'s family.
fn socket(addr: &SocketAddr) -> std::io::Result<i32> {
    let family = if addr.is_ipv4() { libc::AF_INET } else { libc::AF_INET6 };
    // SAFETY: a plain socket call; the descriptor is owned by the caller.
    let fd = unsafe { libc::socket(family, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, IPPROTO_MPTCP) };
    if fd < 0 { Err(std::io::Error::last_os_error()) } else { Ok(fd) }
}

/// Fills a `sockaddr_storage` for `addr`; returns its length.
fn raw_addr(addr: &SocketAddr, storage: &mut libc::sockaddr_storage) -> libc::socklen_t {
    match addr {
        SocketAddr::V4(a) => {
            let sin = (storage as *mut libc::sockaddr_storage).cast::<libc::sockaddr_in>();
            // SAFETY: sockaddr_storage is large and aligned enough for sockaddr_in.
            unsafe {
                (*sin).sin_family = libc::AF_INET as libc::sa_family_t;
                (*sin).sin_port = a.port().to_be();
                (*sin).sin_addr.s_addr = u32::from_ne_bytes(a.ip().octets());
            }
            std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t
        }
        SocketAddr::V6(a) => {
            let sin6 = (storage as *mut libc::sockaddr_storage).cast::<libc::sockaddr_in6>();
            // SAFETY: sockaddr_storage is large and aligned enough for sockaddr_in6.
            unsafe {
                (*sin6).sin6_family = libc::AF_INET6 as libc::sa_family_t;
                (*sin6).sin6_port = a.port().to_be();
                (*sin6).sin6_addr.s6_addr = a.ip().octets();
            }
            std::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t
        }
    }
}

fn check(ret: i32) -> std::io::Result<()> {
    if ret < 0 { Err(std::io::Error::last_os_error()) } else { Ok(()) }
}

/// An MPTCP listener on `addr` with `SO_REUSEADDR`.
fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let fd = socket(&addr)?;
    // SAFETY: `fd` is ours; std closes it from here on.
    let listener = unsafe { TcpListener::from_raw_fd(fd) };
    // SAFETY: all-zero is a valid sockaddr_storage.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = raw_addr(&addr, &mut storage);
    let one: libc::c_int = 1;
    // SAFETY: valid descriptor, pointers and lengths for each call.
    unsafe {
        check(libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_REUSEADDR,
            (&raw const one).cast(),
            4,
        ))?;
        check(libc::bind(fd, (&raw const storage).cast(), len))?;
        check(libc::listen(fd, 16))?;
    }
    Ok(listener)
}

/// An MPTCP connection to `to`, from `from` when given.
fn connect(to: SocketAddr, from: Option<SocketAddr>) -> std::io::Result<TcpStream> {
    let fd = socket(&to)?;
    // SAFETY: `fd` is ours; std closes it from here on.
    let stream = unsafe { TcpStream::from_raw_fd(fd) };
    // SAFETY: all-zero is a valid sockaddr_storage.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    if let Some(from) = from {
        let len = raw_addr(&from, &mut storage);
        let one: libc::c_int = 1;
        // SAFETY: valid descriptor, pointers and lengths.
        unsafe {
            check(libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_REUSEADDR,
                (&raw const one).cast(),
                4,
            ))?;
            check(libc::bind(fd, (&raw const storage).cast(), len))?;
        }
    }
    let len = raw_addr(&to, &mut storage);
    // SAFETY: valid descriptor, pointer and length.
    check(unsafe { libc::connect(fd, (&raw const storage).cast(), len) })?;
    Ok(stream)
}

fn addr(ip: &str, port: &str) -> Result<SocketAddr, String> {
    let ip: IpAddr = ip.parse().map_err(|_| format!("bad address {ip}"))?;
    let port: u16 = port.parse().map_err(|_| format!("bad port {port}"))?;
    Ok(SocketAddr::new(ip, port))
}

/// MPTCP_LISTEN ADDR PORT: listen, sleep 0.2 s, close.
fn cmd_listen(a: SocketAddr) -> std::io::Result<()> {
    let l = listen(a)?;
    pause(200);
    drop(l);
    Ok(())
}

/// MPTCP_CONN SPORT CPORT on 127.0.0.1, with the README's sleeps.
fn cmd_conn(sport: u16, cport: u16) -> std::io::Result<()> {
    let lo = |p| SocketAddr::new(IpAddr::from([127, 0, 0, 1]), p);
    let l = listen(lo(sport))?;
    pause(200);
    let mut client = connect(lo(sport), Some(lo(cport)))?;
    let (mut server, _) = l.accept()?;
    let mut byte = [0u8; 1];
    client.write_all(b"x")?;
    server.read_exact(&mut byte)?;
    server.write_all(b"y")?;
    client.read_exact(&mut byte)?;
    pause(200);
    drop(client);
    pause(200);
    drop(server);
    pause(200);
    drop(l);
    pause(200);
    Ok(())
}

/// MPTCP_SERVER ADDR PORT: accept one connection (10 s timeout), echo until EOF.
fn cmd_server(a: SocketAddr) -> std::io::Result<()> {
    let l = listen(a)?;
    l.set_nonblocking(true)?;
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut conn = loop {
        match l.accept() {
            Ok((c, _)) => break c,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock && Instant::now() < deadline => {
                pause(20);
            }
            Err(e) => return Err(e),
        }
    };
    conn.set_nonblocking(false)?;
    let mut buf = [0u8; 4096];
    loop {
        let n = conn.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        conn.write_all(&buf[..n])?;
    }
}

/// MPTCP_CLIENT ADDR PORT HOLD: connect (50 tries, 0.1 s apart), send `hello`, read
/// the echo, hold the connection HOLD seconds, close.
fn cmd_client(a: SocketAddr, hold: f64) -> std::io::Result<()> {
    let mut tries = 0;
    let mut s = loop {
        match connect(a, None) {
            Ok(s) => break s,
            Err(_) if tries < 49 => {
                tries += 1;
                pause(100);
            }
            Err(e) => return Err(e),
        }
    };
    s.write_all(b"hello")?;
    let mut echo = [0u8; 5];
    s.read_exact(&mut echo)?;
    sleep(Duration::from_secs_f64(hold.max(0.0)));
    Ok(())
}

fn run(args: &[String]) -> Result<(), String> {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    let io = |e: std::io::Error| e.to_string();
    match words.as_slice() {
        ["listen", ip, port] => cmd_listen(addr(ip, port)?).map_err(io),
        ["conn", sport, cport] => {
            let p = |s: &str| s.parse::<u16>().map_err(|_| format!("bad port {s}"));
            cmd_conn(p(sport)?, p(cport)?).map_err(io)
        }
        ["server", ip, port] => cmd_server(addr(ip, port)?).map_err(io),
        ["client", ip, port, hold] => {
            let hold = hold.parse::<f64>().map_err(|_| format!("bad hold time {hold}"))?;
            cmd_client(addr(ip, port)?, hold).map_err(io)
        }
        _ => Err("usage: mptcp-fixture listen ADDR PORT | conn SPORT CPORT | server ADDR PORT | client ADDR PORT HOLD".into()),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mptcp-fixture: {e}");
            ExitCode::FAILURE
        }
    }
}
