//! `multi`: the several-requests-per-datagram experiment. K `mptcp_pm` requests are
//! written back to back into one buffer and sent with one `sendto`, as YNL's `--multi`
//! does; the kernel still answers each one on its own (an ACK, an error or a reply,
//! each carrying the request's sequence number), so errors stay per request.

use std::net::Ipv4Addr;
use std::time::Instant;

use mptcp_pm_wire::{Endpoint, EndpointFlags, Limits, MAX_REQUEST_LEN, Request};
use nlsock::{Conn, Link, Socket};

use crate::count::open_pm;

/// `NLMSG_ERROR`: an ACK (code 0) or an error (negative errno).
const NLMSG_ERROR: u16 = 2;

/// The request of command `i` of a workload.
fn request(workload: &str, i: u64) -> Result<Request, String> {
    Ok(match (workload, i % 2) {
        ("addr", 0) => {
            let mut e = Endpoint::with_addr(Ipv4Addr::new(10, 123, 0, 1));
            e.id = Some(200);
            e.flags = EndpointFlags::SUBFLOW;
            Request::AddAddr(e)
        }
        ("addr", _) => Request::DelAddr(Endpoint::with_id(200)),
        ("limits", 0) => Request::SetLimits(Limits { rcv_add_addrs: Some(2), subflows: Some(2) }),
        ("limits", _) => Request::GetLimits(Limits::default()),
        _ => return Err(format!("unknown workload {workload} (addr or limits)")),
    })
}

/// One answered request: its index in the chunk and its errno (0 = success).
type Answer = (usize, i32);

/// Sends `reqs` in one datagram with sequence numbers `seq0..` and collects one answer
/// per request, in the order the kernel sends them.
fn exchange(
    conn: &mut Conn<Socket>,
    family: u16,
    reqs: &[Request],
    seq0: u32,
    tx: &mut Vec<u8>,
    rx: &mut [u8],
    answers: &mut Vec<Answer>,
) -> Result<(), String> {
    tx.clear();
    let mut one = [0u8; MAX_REQUEST_LEN];
    for (i, r) in reqs.iter().enumerate() {
        let msg =
            r.emit(&mut one, family, seq0.wrapping_add(i as u32)).map_err(|e| format!("{e:?}"))?;
        tx.extend_from_slice(msg);
        tx.resize(tx.len().next_multiple_of(4), 0);
    }
    conn.link_mut().send(tx).map_err(|e| format!("send: {e}"))?;
    answers.clear();
    while answers.len() < reqs.len() {
        let msgs = conn.recv_events(rx).map_err(|e| format!("receive: {e}"))?;
        for m in msgs.map_while(Result::ok) {
            let idx = m.seq().wrapping_sub(seq0) as usize;
            if idx >= reqs.len() {
                continue;
            }
            let errno = if m.kind() == NLMSG_ERROR {
                let code = m
                    .payload()
                    .get(..4)
                    .map_or(0, |b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]]));
                -code
            } else {
                0
            };
            answers.push((idx, errno));
        }
    }
    Ok(())
}

/// `multi NS WORKLOAD N K`: runs N commands of WORKLOAD (`addr`: endpoint add/delete
/// cycles; `limits`: limits set/show) K per datagram; prints
/// `k K commands N seconds S us_per_cmd X errors E`.
pub fn multi(ns: &str, workload: &str, n: u64, k: usize) -> Result<(), String> {
    let (mut conn, family, _) = open_pm(Some(ns))?;
    let k = k.max(1);
    let mut tx = Vec::with_capacity(k * MAX_REQUEST_LEN);
    let mut rx = vec![0u8; nlsock::RECV_BUF];
    let mut answers = Vec::with_capacity(k);
    let mut reqs = Vec::with_capacity(k);
    let (mut done, mut errors, mut seq) = (0u64, 0u64, 1u32);
    let start = Instant::now();
    while done < n {
        reqs.clear();
        for i in done..(done + k as u64).min(n) {
            reqs.push(request(workload, i)?);
        }
        exchange(&mut conn, family, &reqs, seq, &mut tx, &mut rx, &mut answers)?;
        errors += answers.iter().filter(|a| a.1 != 0).count() as u64;
        seq = seq.wrapping_add(reqs.len() as u32);
        done += reqs.len() as u64;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "k {k} commands {done} seconds {secs:.4} us_per_cmd {:.3} errors {errors}",
        secs * 1e6 / done as f64
    );
    Ok(())
}

/// `multi-errors NS`: one datagram of three requests whose middle one fails (delete of
/// an id that does not exist). Prints each answer as `seq-offset errno`, showing that
/// the error is reported for its own request and that the later request still ran.
pub fn multi_errors(ns: &str) -> Result<(), String> {
    let (mut conn, family, _) = open_pm(Some(ns))?;
    let mut e = Endpoint::with_addr(Ipv4Addr::new(10, 123, 0, 2));
    e.id = Some(201);
    let reqs = [
        Request::AddAddr(e),
        Request::DelAddr(Endpoint::with_id(202)),
        Request::DelAddr(Endpoint::with_id(201)),
    ];
    let (mut tx, mut rx, mut answers) = (Vec::new(), vec![0u8; nlsock::RECV_BUF], Vec::new());
    exchange(&mut conn, family, &reqs, 1, &mut tx, &mut rx, &mut answers)?;
    for (idx, errno) in &answers {
        println!("request {} errno {errno}", idx + 1);
    }
    Ok(())
}
