//! Endpoint changes under tokio without stalling the executor. On one thread (tokio's
//! current-thread runtime), a task adds and deletes an endpoint ROUNDS times while
//! another handles the path manager's events and a third, a 1 ms timer, notes how late
//! it wakes. First with the blocking calls of `PathManager`, then with `Worker`, which
//! makes the same calls on a thread of its own and wakes the task through its
//! descriptor. The kernel runs each request inside `sendmsg`, and a delete waits there
//! for an RCU grace period: called on the executor, that wait stalls every task.
//! Then it handles events until QUIET seconds pass without one.
//!
//! `tokio-pm [ROUNDS [QUIET]]` (default 100 and 1), as root in a throw-away namespace:
//! `ip netns exec demo examples/tokio-pm/target/debug/tokio-pm`
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use mptcp_netlink::{
    EVENTS_BUF, Endpoint, Error, Events, MIN_BUF, Notice, PathManager, Reply, Request, Worker,
};
use tokio::io::unix::AsyncFd;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn main() -> Result<()> {
    let arg = |n: usize, default: u64| std::env::args().nth(n).map_or(Ok(default), |s| s.parse());
    let (rounds, quiet) = (arg(1, 100)?, Duration::from_secs(arg(2, 1)?));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let (seen, measured) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicBool::new(false)));
        let events = tokio::spawn(handle_events(Arc::clone(&seen), Arc::clone(&measured), quiet));
        println!("ready");
        let blocking = measure(rounds, false).await?;
        let worker = measure(rounds, true).await?;
        measured.store(true, Ordering::Relaxed);
        println!("{rounds} adds and deletes, worst timer lateness / slowest delete:");
        println!("  blocking calls: {:>6.2} ms / {:>6.2} ms", ms(blocking.0), ms(blocking.1));
        println!("  Worker:         {:>6.2} ms / {:>6.2} ms", ms(worker.0), ms(worker.1));
        events.await??;
        println!("events handled: {}", seen.load(Ordering::Relaxed));
        Ok(())
    })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Runs the rounds beside a 1 ms timer task: its worst lateness, and the slowest delete.
async fn measure(rounds: u64, worker: bool) -> Result<(Duration, Duration)> {
    let stop = Arc::new(AtomicBool::new(false));
    let timer = tokio::spawn(timer(Arc::clone(&stop)));
    tokio::time::sleep(Duration::from_millis(5)).await; // the timer is running
    let pm = PathManager::open(vec![0u8; MIN_BUF])?;
    let slowest = if worker { with_worker(pm, rounds).await } else { blocking(pm, rounds).await };
    stop.store(true, Ordering::Relaxed);
    Ok((timer.await?, slowest?))
}

/// Wakes every millisecond until `stop`; returns how late it woke at worst.
async fn timer(stop: Arc<AtomicBool>) -> Duration {
    let mut worst = Duration::ZERO;
    while !stop.load(Ordering::Relaxed) {
        let deadline = tokio::time::Instant::now() + Duration::from_millis(1);
        tokio::time::sleep_until(deadline).await;
        worst = worst.max(tokio::time::Instant::now() - deadline);
    }
    worst
}

fn endpoint() -> Endpoint {
    Endpoint { id: Some(50), ..Endpoint::with_addr(Ipv4Addr::new(10, 77, 0, 1)) }
}

/// The blocking calls, made on the executor's thread.
async fn blocking(mut pm: PathManager<Vec<u8>>, rounds: u64) -> Result<Duration> {
    let mut slowest = Duration::ZERO;
    for _ in 0..rounds {
        pm.add_endpoint(&endpoint())?;
        let start = Instant::now();
        pm.delete_endpoint(50)?;
        slowest = slowest.max(start.elapsed());
        tokio::task::yield_now().await; // let the other tasks run between rounds
    }
    Ok(slowest)
}

/// The same requests through a `Worker`: the task sleeps in the reactor until answered.
async fn with_worker(pm: PathManager<Vec<u8>>, rounds: u64) -> Result<Duration> {
    // SAFETY: tokio needs the descriptor to stay open and the same while registered.
    // The worker owns its end of the bell, never replaces it, and closes it only when
    // dropped, which happens inside the `AsyncFd`.
    let mut worker =
        unsafe { AsyncFd::register(Worker::spawn(pm)?) }.map_err(|e| e.into_parts().1)?;
    let mut slowest = Duration::ZERO;
    for _ in 0..rounds {
        ask(&mut worker, Request::AddAddr(endpoint())).await?;
        let start = Instant::now();
        ask(&mut worker, Request::DelAddr(Endpoint::with_id(50))).await?;
        slowest = slowest.max(start.elapsed());
    }
    Ok(slowest)
}

/// Submits `request` and waits, asleep in the reactor, for its answer.
async fn ask(worker: &mut AsyncFd<Worker>, request: Request) -> std::result::Result<Reply, Error> {
    let ticket = worker.get_mut().submit(request);
    loop {
        let mut ready = worker.readable_mut().await.map_err(|e| Error::Os(os(e)))?;
        if let Some((t, answer)) = ready.get_inner_mut().try_answer() {
            assert_eq!(t, ticket, "answers come in order, one request at a time here");
            return answer;
        }
        ready.clear_ready();
    }
}

fn os(e: std::io::Error) -> mptcp_netlink::Errno {
    mptcp_netlink::Errno(e.raw_os_error().unwrap_or(0))
}

/// Prints every event as the monitor does until `quiet` passes without one after the
/// measurements.
async fn handle_events(
    seen: Arc<AtomicU64>,
    measured: Arc<AtomicBool>,
    quiet: Duration,
) -> Result<()> {
    let mut events = Events::open(vec![0u8; EVENTS_BUF])?;
    events.set_nonblocking(true)?;
    // SAFETY: as for the worker: `Events` owns its socket and closes it only on drop.
    let mut events = unsafe { AsyncFd::register(events) }.map_err(|e| e.into_parts().1)?;
    loop {
        let mut ready = match tokio::time::timeout(quiet, events.readable_mut()).await {
            Ok(ready) => ready?,
            Err(_) if measured.load(Ordering::Relaxed) => return Ok(()),
            Err(_) => continue,
        };
        while let Some(notice) = ready.get_inner_mut().next(None)? {
            match notice {
                Notice::Event(e) => println!("{e}"),
                Notice::Lost => println!("events lost"),
            }
            seen.fetch_add(1, Ordering::Relaxed);
        }
        ready.clear_ready();
    }
}
