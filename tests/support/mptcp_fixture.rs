//! `mptcp-fixture`: the MPTCP sockets the conformance scenarios need
//! (`MPTCP_LISTEN`, `MPTCP_CONN`, `MPTCP_SERVER`, `MPTCP_CLIENT`), with the exact sleeps
//! that keep the kernel's event order stable.

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr};

use mptcp_stack::mptcp_sock::{connect, listen};
use std::process::ExitCode;
use std::thread::sleep;
use std::time::{Duration, Instant};

/// How much longer every wait is: `MPTCP_TIME_SCALE` (a whole number, default 1), which
/// `cargo xtask cross`'s runner sets in its emulated machines, whose processors run
/// several times slower than their clocks.
fn time_scale() -> u32 {
    std::env::var("MPTCP_TIME_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1).max(1)
}

fn pause(ms: u64) {
    sleep(Duration::from_millis(ms) * time_scale());
}

fn addr(ip: &str, port: &str) -> Result<SocketAddr, String> {
    let ip: IpAddr = ip.parse().map_err(|_| format!("bad address {ip}"))?;
    let port: u16 = port.parse().map_err(|_| format!("bad port {port}"))?;
    Ok(SocketAddr::new(ip, port))
}

/// MPTCP_LISTEN ADDR PORT: listen, sleep 0.2 s, close.
fn cmd_listen(a: SocketAddr) -> std::io::Result<()> {
    let l = listen(a, 16)?;
    pause(200);
    drop(l);
    Ok(())
}

/// MPTCP_CONN SPORT CPORT on 127.0.0.1, with the README's sleeps.
fn cmd_conn(sport: u16, cport: u16) -> std::io::Result<()> {
    let lo = |p| SocketAddr::new(IpAddr::from([127, 0, 0, 1]), p);
    let l = listen(lo(sport), 16)?;
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
    let l = listen(a, 16)?;
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
    sleep(Duration::from_secs_f64(hold.max(0.0)) * time_scale());
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
