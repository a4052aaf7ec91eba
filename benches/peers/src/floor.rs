//! The floor: the same system calls as a library makes, with every request's bytes built
//! before the clock starts and the answers not parsed (only the dump's end is found, by
//! the type of each datagram's last header).

use mptcp_netlink::nlsock::{Conn, Link, Socket};
use mptcp_netlink::{Endpoint, Limits, PathManager, RECV_BUF, Request};

use crate::{ENDPOINTS, Lib};

/// `NLMSG_DONE`.
const DONE: u16 = 3;

/// One socket, the pre-built requests and a receive buffer.
pub struct Floor {
    socket: Socket,
    get_limits: Vec<u8>,
    set_limits: Vec<u8>,
    dump: Vec<u8>,
    delete: Vec<u8>,
    add: Vec<u8>,
    rx: Box<[u8; RECV_BUF]>,
}

impl Floor {
    /// Resolves the family (with our crate: outside the clock) and builds the requests.
    pub fn open() -> Result<Self, String> {
        let family = PathManager::open(vec![0u8; RECV_BUF]).map_err(|e| e.to_string())?.family();
        let bytes = |r: Request| -> Result<Vec<u8>, String> {
            let mut buf = [0u8; mptcp_netlink::wire::MAX_REQUEST_LEN];
            let mut msg = r.emit(&mut buf, family, 0).map_err(|e| e.to_string())?.to_vec();
            msg[8..12].copy_from_slice(&1u32.to_ne_bytes());
            Ok(msg)
        };
        let limits = Limits { subflows: Some(2), rcv_add_addrs: Some(2) };
        Ok(Floor {
            socket: Conn::new(Socket::generic().map_err(|e| e.to_string())?, 0).into_link(),
            get_limits: bytes(Request::GetLimits(Limits::default()))?,
            set_limits: bytes(Request::SetLimits(limits))?,
            dump: bytes(Request::DumpAddrs)?,
            delete: bytes(Request::DelAddr(Endpoint::with_id(ENDPOINTS)))?,
            add: bytes(Request::AddAddr(crate::ours::endpoint(ENDPOINTS)))?,
            rx: Box::new([0u8; RECV_BUF]),
        })
    }

    /// Sends `request` and receives one datagram.
    fn exchange(socket: &mut Socket, request: &[u8], rx: &mut [u8]) -> Result<usize, String> {
        socket.send(request).map_err(|e| e.to_string())?;
        socket.recv(rx).map(|d| d.len).map_err(|e| e.to_string())
    }
}

impl Lib for Floor {
    fn name(&self) -> &'static str {
        "floor"
    }
    fn get_limits(&mut self) -> Result<(), String> {
        Self::exchange(&mut self.socket, &self.get_limits, &mut self.rx[..]).map(drop)
    }
    fn set_limits(&mut self) -> Result<(), String> {
        Self::exchange(&mut self.socket, &self.set_limits, &mut self.rx[..]).map(drop)
    }
    fn dump(&mut self) -> Result<usize, String> {
        self.socket.send(&self.dump).map_err(|e| e.to_string())?;
        loop {
            let len = self.socket.recv(&mut self.rx[..]).map_err(|e| e.to_string())?.len;
            // Walk the headers' lengths to the last message: is it NLMSG_DONE?
            let (mut at, mut last) = (0, 0);
            while at + 16 <= len {
                let n = u32::from_ne_bytes(self.rx[at..at + 4].try_into().unwrap()) as usize;
                last = u16::from_ne_bytes([self.rx[at + 4], self.rx[at + 5]]);
                at += n.max(16).next_multiple_of(4);
            }
            if last == DONE {
                return Ok(ENDPOINTS as usize);
            }
        }
    }
    fn delete_add(&mut self) -> Result<(), String> {
        Self::exchange(&mut self.socket, &self.delete, &mut self.rx[..])?;
        Self::exchange(&mut self.socket, &self.add, &mut self.rx[..]).map(drop)
    }
}
