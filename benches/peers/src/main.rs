//! Our crates beside the peer libraries (`mptcp-pm`, `nlink`, `neli`): the same
//! path-manager operations in the same rounds, each library in turn (the order rotates
//! every round), the allocations of each call counted, and a floor: the same system
//! calls with request bytes built before the clock starts and answers not parsed, i.e.
//! what the kernel alone costs.
//!
//! `peers-bench ROUNDS`, as root inside a throw-away namespace (`cargo xtask bench
//! --only peers` makes one). Prints one tab-separated line per operation and library:
//! `op lib median_us p10_us p90_us allocs_per_call`.

mod count;
mod floor;
mod neli_socket;
mod ours;
mod peers;

use std::time::Instant;

#[global_allocator]
static ALLOC: count::Counting = count::Counting;

/// The endpoints the dump reads (the kernel's most), ids 1 to 8.
pub const ENDPOINTS: u8 = 8;

/// One library's way of doing each operation.
pub trait Lib {
    /// Its name in the table.
    fn name(&self) -> &'static str;
    /// GET_LIMITS, answer read.
    fn get_limits(&mut self) -> Result<(), String>;
    /// SET_LIMITS subflows 2 add_addr_accepted 2, acknowledged.
    fn set_limits(&mut self) -> Result<(), String>;
    /// The endpoint dump; how many endpoints it read.
    fn dump(&mut self) -> Result<usize, String>;
    /// DEL_ADDR of id 8, then ADD_ADDR of it again, each acknowledged.
    fn delete_add(&mut self) -> Result<(), String>;
    /// Whether the library has operation `op` (an index of `OPS`).
    fn supports(&self, op: usize) -> bool {
        let _ = op;
        true
    }
}

const OPS: [&str; 4] = ["get limits", "set limits", "dump 8 endpoints", "delete+add"];

fn run(lib: &mut dyn Lib, op: usize) -> Result<(), String> {
    match op {
        0 => lib.get_limits(),
        1 => lib.set_limits(),
        2 => match lib.dump()? {
            n if n == ENDPOINTS as usize => Ok(()),
            n => Err(format!("{}: the dump read {n} endpoints", lib.name())),
        },
        _ => lib.delete_add(),
    }
}

fn main() -> Result<(), String> {
    let rounds: usize =
        std::env::args().nth(1).map_or(Ok(2000), |s| s.parse()).map_err(|_| "ROUNDS")?;
    count::mark_caller();
    ours::prepare()?;
    let mut libs: Vec<Box<dyn Lib>> = vec![
        Box::new(floor::Floor::open()?),
        Box::new(ours::Ours::open()?),
        Box::new(peers::MptcpPm::open()?),
        Box::new(peers::Nlink::open()?),
        Box::new(neli_socket::Neli::open()?),
    ];
    for (op, name) in OPS.iter().enumerate() {
        // Deletes wait for an RCU grace period in the kernel: fewer rounds.
        let n = if op == 3 { (rounds / 20).max(20) } else { rounds };
        let mut times: Vec<Vec<u64>> = libs.iter().map(|_| Vec::with_capacity(n)).collect();
        let mut allocs = vec![0u64; libs.len()];
        // Another thread's allocations (neli's router thread goes on after its call
        // returns) are put to the call that ran last: counted from a call's start to the
        // next call's start.
        let mut open: Option<(usize, u64)> = None;
        let settle = |open: &mut Option<(usize, u64)>, allocs: &mut [u64]| {
            if let Some((i, others)) = open.take() {
                allocs[i] += count::others() - others;
            }
        };
        for round in 0..n + 10 {
            for k in 0..libs.len() {
                let i = (k + round) % libs.len();
                if !libs[i].supports(op) {
                    continue;
                }
                settle(&mut open, &mut allocs);
                let (caller, others) = (count::caller(), count::others());
                let t = Instant::now();
                run(libs[i].as_mut(), op)?;
                let took = t.elapsed().as_nanos() as u64;
                let made = count::caller() - caller;
                // The first 10 rounds warm up caches and the kernel's paths.
                if round >= 10 {
                    times[i].push(took);
                    allocs[i] += made;
                    open = Some((i, others));
                }
            }
        }
        // Time for the last call's other threads to finish what it started.
        std::thread::sleep(std::time::Duration::from_millis(20));
        settle(&mut open, &mut allocs);
        for (i, lib) in libs.iter().enumerate().filter(|(_, l)| l.supports(op)) {
            let t = &mut times[i];
            t.sort_unstable();
            let at = |q: f64| t[((t.len() - 1) as f64 * q) as usize] as f64 / 1000.0;
            let per_call = allocs[i] as f64 / t.len() as f64;
            println!(
                "{name}\t{}\t{:.2}\t{:.2}\t{:.2}\t{per_call:.1}",
                lib.name(),
                at(0.5),
                at(0.1),
                at(0.9)
            );
        }
    }
    Ok(())
}
