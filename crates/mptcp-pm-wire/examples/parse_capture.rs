//! Reads an endpoint dump and an event captured from a Linux 6.18 kernel (x86_64,
//! little-endian) with the crate's `no_std`, allocation-free API: `read_dump` and
//! `read_event` below use nothing but `core`, as firmware would. `std` is linked only
//! so that `main` can print. `cargo run -p mptcp-pm-wire --example parse_capture`
#![no_std]
extern crate std;

use mptcp_pm_wire::{Endpoint, Error, Event, EventKind, Messages};

/// The `mptcp_pm` family id of the kernel the captures come from.
const FAMILY: u16 = 0x1c;

/// One `GET_ADDR` dump datagram: eight endpoint messages.
static DUMP: &[u8] = include_bytes!("../tests/fixtures/endpoint_dump.bin");
/// One `SUB_ESTABLISHED` event with an interface index.
static EVENT: &[u8] = include_bytes!("../tests/fixtures/event_sub_established_ifidx.bin");

/// Copies the endpoints of one dump datagram into `out`; returns how many there were.
fn read_dump(datagram: &[u8], out: &mut [Endpoint]) -> Result<usize, Error> {
    let mut n = 0;
    for msg in Messages::new(datagram) {
        let Some(endpoint) = Endpoint::from_message(&msg?.genl()?)? else { continue };
        *out.get_mut(n).ok_or(Error::Wire(nlwire::Error::NoRoom))? = endpoint;
        n += 1;
    }
    Ok(n)
}

/// The first `mptcp_pm` event of a datagram, borrowed from it (`None` if it has none).
fn read_event(datagram: &[u8]) -> Result<Option<Event<'_>>, Error> {
    for msg in Messages::new(datagram) {
        match Event::from_message(&msg?, FAMILY) {
            Err(Error::WrongFamily { .. }) => continue,
            other => return other.map(Some),
        }
    }
    Ok(None)
}

fn main() -> Result<(), Error> {
    let mut endpoints = [Endpoint::new(); 8];
    let n = read_dump(DUMP, &mut endpoints)?;
    for e in &endpoints[..n] {
        std::println!("endpoint {e}");
    }
    let event = read_event(EVENT)?.expect("the capture holds an event");
    assert_eq!(event.kind(), EventKind::SubEstablished);
    std::println!("{event}"); // the monitor's line
    let unknown = core::net::IpAddr::from([0, 0, 0, 0]);
    let (saddr, daddr) = (event.saddr().unwrap_or(unknown), event.daddr().unwrap_or(unknown));
    std::println!(
        "event {} token {:08x} {saddr}:{} -> {daddr}:{} ifindex {}",
        event.kind(),
        event.token().unwrap_or(0),
        event.sport().unwrap_or(0),
        event.dport().unwrap_or(0),
        event.if_idx().unwrap_or(0),
    );
    Ok(())
}
