//! The event storm: a server that accepts, echoes one byte and closes, and a client that
//! opens and closes MPTCP connections as fast as it can, from several threads.

use std::io::{Read, Write};
use std::net::SocketAddrV4;
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::{sock, stop};

/// Counters shared by the worker threads.
#[derive(Default)]
struct Tally {
    done: AtomicU64,
    failed: AtomicU64,
}

/// `server ADDR:PORT THREADS SECONDS`: accepts until SECONDS pass or SIGINT/SIGTERM,
/// then prints `accepted N failed M`.
pub fn server(addr: SocketAddrV4, threads: usize, seconds: f64) -> Result<(), String> {
    let listener = sock::listen(addr, 4096).map_err(|e| format!("listen {addr}: {e}"))?;
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let listener = Arc::new(listener);
    let tally = Arc::new(Tally::default());
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let workers: Vec<_> = (0..threads.max(1))
        .map(|_| {
            let (listener, tally) = (Arc::clone(&listener), Arc::clone(&tally));
            std::thread::spawn(move || {
                while !stop::requested() && Instant::now() < deadline {
                    if !sock::readable(listener.as_raw_fd(), 100) {
                        continue;
                    }
                    let Ok((mut conn, _)) = listener.accept() else { continue };
                    let ok = conn.set_nonblocking(false).is_ok()
                        && conn.set_read_timeout(Some(Duration::from_secs(2))).is_ok()
                        && echo_once(&mut conn);
                    let slot = if ok { &tally.done } else { &tally.failed };
                    slot.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
    println!(
        "accepted {} failed {}",
        tally.done.load(Ordering::Relaxed),
        tally.failed.load(Ordering::Relaxed)
    );
    Ok(())
}

/// Reads one byte and writes it back; true when both worked.
fn echo_once(conn: &mut std::net::TcpStream) -> bool {
    let mut b = [0u8; 1];
    conn.read_exact(&mut b).is_ok() && conn.write_all(&b).is_ok()
}

/// How the client paces its connections.
#[derive(Clone, Copy)]
pub struct Pace {
    /// Connections each thread opens and holds before it closes them all at once.
    pub wave: usize,
    /// How long a wave is held open before the closes.
    pub hold: Duration,
}

/// `client ADDR:PORT THREADS SECONDS MAX WAVE HOLD_US`: each thread opens WAVE
/// connections (connect, send one byte, read the echo), holds them HOLD_US microseconds
/// and closes them all, until SECONDS pass, MAX connections are done, or SIGINT/SIGTERM.
/// WAVE 1 with HOLD_US 0 is a steady open/close loop; larger waves make bursts of close
/// events. Prints `connections N failed M seconds S rate R`.
pub fn client(
    to: SocketAddrV4,
    threads: usize,
    seconds: f64,
    max: u64,
    pace: Pace,
) -> Result<(), String> {
    let tally = Arc::new(Tally::default());
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(seconds);
    let workers: Vec<_> = (0..threads.max(1))
        .map(|_| {
            let tally = Arc::clone(&tally);
            std::thread::spawn(move || {
                let mut open = Vec::with_capacity(pace.wave.max(1));
                while !stop::requested()
                    && Instant::now() < deadline
                    && tally.done.load(Ordering::Relaxed) < max
                {
                    while open.len() < pace.wave.max(1) {
                        match one_connection(to) {
                            Ok(s) => {
                                open.push(s);
                                tally.done.fetch_add(1, Ordering::Relaxed);
                            }
                            Err(_) => {
                                // Out of ports or refused: back off a little, then go on.
                                tally.failed.fetch_add(1, Ordering::Relaxed);
                                std::thread::sleep(Duration::from_millis(1));
                                break;
                            }
                        }
                    }
                    if !pace.hold.is_zero() {
                        std::thread::sleep(pace.hold);
                    }
                    open.clear();
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
    let secs = start.elapsed().as_secs_f64();
    let done = tally.done.load(Ordering::Relaxed);
    println!(
        "connections {done} failed {} seconds {secs:.3} rate {:.0}",
        tally.failed.load(Ordering::Relaxed),
        done as f64 / secs.max(1e-9)
    );
    Ok(())
}

/// Connects, sends one byte and reads the echo: the connection is then established on
/// both sides.
fn one_connection(to: SocketAddrV4) -> std::io::Result<std::net::TcpStream> {
    let mut s = sock::connect(to)?;
    s.set_read_timeout(Some(Duration::from_secs(2)))?;
    s.write_all(b"x")?;
    let mut b = [0u8; 1];
    s.read_exact(&mut b)?;
    Ok(s)
}
