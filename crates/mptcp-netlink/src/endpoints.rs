//! [`Endpoints`]: an endpoint dump as an iterator of plain values.

use mptcp_pm_wire::Endpoint;
use nlsock::{Dump, Socket};

use crate::Error;

/// The endpoints of a GET_ADDR dump, from [`PathManager::endpoints`] and
/// [`PathManager::connection_endpoints`]. Each item is a plain [`Endpoint`] copied out
/// of the receive buffer; messages without an address nest are skipped.
///
/// It borrows the [`PathManager`](crate::PathManager) (its socket and buffer) until it
/// is dropped: finish or drop the loop before the next request, or copy the endpoints
/// out first (they are plain `Copy` values). Dropping it early is fine: the rest of
/// the dump is read and discarded, so the socket is ready for the next request. After
/// the first error it yields nothing more.
///
/// [`PathManager::endpoints`]: crate::PathManager::endpoints
/// [`PathManager::connection_endpoints`]: crate::PathManager::connection_endpoints
#[derive(Debug)]
pub struct Endpoints<'a> {
    dump: Dump<'a, Socket>,
    failed: bool,
}

impl<'a> Endpoints<'a> {
    pub(crate) fn new(dump: Dump<'a, Socket>) -> Self {
        Endpoints { dump, failed: false }
    }

    /// Whether the kernel flagged the dump as interrupted (`NLM_F_DUMP_INTR`): the
    /// endpoint table changed while it was read. Ask after the last item.
    pub fn is_interrupted(&self) -> bool {
        self.dump.is_interrupted()
    }

    /// Ends the iteration with `e`.
    #[cold]
    fn fail(&mut self, e: Error) -> Option<Result<Endpoint, Error>> {
        self.failed = true;
        Some(Err(e))
    }
}

impl Iterator for Endpoints<'_> {
    type Item = Result<Endpoint, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        // Each step matched on its own small result: an `Error` (72 bytes) is built only
        // on the cold path, not carried through a chain of `map_err`s per endpoint.
        loop {
            let msg = match self.dump.next_message()? {
                Ok(msg) => msg,
                Err(e) => return self.fail(e.into()),
            };
            let genl = match msg.genl() {
                Ok(genl) => genl,
                Err(e) => return self.fail(e.into()),
            };
            match Endpoint::from_message(&genl) {
                Ok(Some(e)) => return Some(Ok(e)),
                Ok(None) => continue,
                Err(e) => return self.fail(e.into()),
            }
        }
    }
}
