//! `limits set|show`.

use crate::command::LimitArgs;
use crate::command::pm::{self, Limits, Request};
use crate::exec::session::Session;
use crate::print::kerr::{self, KERNEL};
use crate::print::out::Out;

/// `limits set`: absent values keep their current setting.
pub fn set(s: &mut Session, l: &LimitArgs) -> u8 {
    crate::exec::endpoint::modify(s, &Request::SetLimits(pm::limits(l)))
}

/// `limits show`: text always, as iproute2 ignores `-j` here; `json` (plain `mptcp -j`
/// only) prints an object instead.
pub fn show(s: &mut Session, out: &mut Out, l: &LimitArgs, json: bool) -> u8 {
    let mut buf = [0u8; pm::REQ_BUF];
    let Some(req) = pm::emit(&Request::GetLimits(pm::limits(l)), &mut buf, s.family) else {
        return 1;
    };
    let got = match s.request(req) {
        Ok(msg) => msg.genl().ok().and_then(|g| Limits::from_message(&g).ok()).unwrap_or_default(),
        Err(e) => {
            kerr::print_request_error(&e);
            return KERNEL;
        }
    };
    crate::print::limits::print(out, &got, json);
    0
}
