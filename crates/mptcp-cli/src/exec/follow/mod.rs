//! `endpoint follow`: keeps the path manager's endpoints in step with the addresses,
//! links and default routes of the namespace (plain `mptcp` only).
//!
//! One thread reads route netlink, decides ([`mptcp_follow`] is the policy) and sends
//! the path-manager requests (`request`); after each request that may wait in the
//! kernel (a DEL_ADDR waits 5-31 ms for an RCU grace period) it reads what route
//! netlink queued meanwhile before it plans again. One instance runs per
//! namespace (`record::guard`); it touches only the endpoints its record says it made
//! (`record::Record`). The kernel's table is the truth: any refusal, every SIGHUP and
//! a periodic check read it again. A failed re-dump or a full table leaves the picture
//! incomplete: nothing is deleted until it is whole again. Memory is fixed after start:
//! the policy's tables (two, for re-dumps), a 128 KiB receive buffer for route netlink,
//! the log's 64 KiB; path-manager answers land in the session's static 32 KiB buffer.

mod log;
mod model;
mod record;
mod request;
mod route;

use core::net::IpAddr;
use core::time::Duration;

use mptcp_follow::{
    Desired, Endpoint, MAX_ENDPOINTS, Op, Rules, Skip, State, limits_warning, plan,
};

pub use crate::command::follow::{FollowArgs, Mode};
use log::{Action, Log, Subject};
use model::Model;
use mptcp_follow::rtnl::Change;
use record::{Record, RecordError};
use request::{Job, MAX_TABLE, Outcome};
use route::Routes;

use crate::exec::session::Session;
use crate::os::sys::{self, Instant};
use crate::prelude::*;
use crate::print::fail::say;
use crate::print::out::Out;

/// Exit status when the kernel refused a request of `once`.
const REFUSED: u8 = 2;
/// Exit status when a socket failed.
const FAILED: u8 = 1;
/// Exit status when another `endpoint follow` runs in the namespace.
const RUNNING: u8 = 3;
/// First wait before a failed route-netlink dump is tried again; it doubles up to
/// [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// Longest wait between two tries of a failed dump.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Runs `endpoint follow`. `json` and `timestamps` are `-j` and `-t`.
pub fn run(args: &FollowArgs, pm: &mut Session, out: &mut Out, json: bool, timestamps: bool) -> u8 {
    out.flush();
    let rules = match args.all_rules() {
        Ok(r) => r,
        Err(e) => return e.0,
    };
    let follow = args.mode == Mode::Follow;
    let dry_run = args.mode == Mode::DryRun;
    // `once` changes the table too: it may not run beside a follower.
    let guard = if dry_run {
        None
    } else {
        match record::guard() {
            Ok(g) => Some(g),
            Err(libc::EADDRINUSE) => {
                say(format_args!(
                    "Error: another endpoint follow runs in this network namespace\n"
                ));
                return RUNNING;
            }
            Err(e) => {
                return failed("Cannot take the one-instance guard: ", &crate::os::io::Error(e));
            }
        }
    };
    let path = match args.state.clone().map_or_else(Record::default_path, Ok) {
        Ok(p) => p,
        Err(e) => return failed("Cannot name the ownership record: ", &e),
    };
    let record = match Record::open(path.clone(), !dry_run) {
        Ok(r) => r,
        Err(e) => {
            say(format_args!("Error: ownership record \"{path}\": {e}\n"));
            return FAILED;
        }
    };
    let mut routes = match Routes::open(follow) {
        Ok(r) => r,
        Err(e) => return failed("Cannot open route netlink socket: ", &e),
    };
    let mut rx = vec![0u8; route::SLOT * route::BATCH];
    let mut state = Box::new(State::new());
    if let Err(e) = routes.dump_all(&mut state, &rules, &mut rx) {
        return failed("Cannot read links, addresses and routes: ", &e);
    }
    let mut log = Log::new(json, timestamps, dry_run, follow);
    if let Some(what) = state.overflowed() {
        note_full(&mut log, what, "some were");
    }
    let status = if follow {
        Follower::start(args, pm, rules, state, routes, rx, record, &mut log)
    } else {
        once(pm, rules, &state, record, &mut log)
    };
    log.flush();
    drop(guard);
    status
}

/// Says `what` and `e` on a line of standard error; the status of a failed start.
#[inline(never)]
fn failed(what: &str, e: &dyn core::fmt::Display) -> u8 {
    say(format_args!("{what}{e}\n"));
    FAILED
}

/// `once` and `dry-run`: one reconciliation on this thread.
fn once(pm: &mut Session, rules: Rules, state: &State, mut record: Record, log: &mut Log) -> u8 {
    let table = match request::run(pm, Job::Dump) {
        Outcome::Table(t) => t,
        other => {
            report(log, &other, state);
            return FAILED;
        }
    };
    let mut model = Model::new();
    model.load(&table);
    let mut table = [NO_ENDPOINT; MAX_TABLE];
    let actual = model.for_plan(&mut table);
    if let Err(e) = record.prune(actual) {
        note_unwritten(log, &record, &e, "");
    }
    let owned = record.owned();
    let desired = state.desired(&rules, actual, owned);
    warn_limits(pm, &desired, log);
    log_foreign(log, &desired, state, None);
    let mut ops = [Op::Nothing; 2 * MAX_TABLE];
    let k = plan(&desired, actual, owned, &mut ops);
    let complete = state.overflowed().is_none();
    let mut status = 0;
    for op in ops.get(..k).unwrap_or_default() {
        let (e, job, action, reason) = match *op {
            Op::Delete(_) if !complete => continue,
            Op::Delete(e) => {
                (e, Job::Delete(e), Action::Delete, delete_reason(state, &rules, &desired, &e))
            }
            Op::SetFlags(e) => (e, Job::SetFlags(e), Action::Change, "rule changed"),
            Op::Add(e) => (e, Job::Add(e), Action::Add, "start"),
            Op::Nothing => continue,
        };
        log.endpoint(action, &e, state, reason);
        if log.dry_run {
            continue;
        }
        if let Job::Add(e) = job
            && let Err(err) = record.claim(&e)
        {
            note_unwritten(log, &record, &err, NOT_ADDING);
            status = FAILED;
            continue;
        }
        let outcome = request::run(pm, job);
        if let Err(err) = settle(&mut record, &outcome) {
            note_unwritten(log, &record, &err, "");
        }
        if !matches!(outcome, Outcome::Done(_)) {
            report(log, &outcome, state);
            status = REFUSED;
        }
    }
    log_waiting(log, &desired, state, None);
    status
}

/// Settles the record after `outcome`: an endpoint deleted (or found gone), or an add
/// that did not happen, is no longer this mode's.
fn settle(record: &mut Record, outcome: &Outcome) -> Result<(), RecordError> {
    match *outcome {
        Outcome::Done(Job::Delete(e)) | Outcome::Refused(Job::Add(e), _) => record.release(&e),
        Outcome::Refused(Job::Delete(e), k) if k.errno == libc::ENOENT => record.release(&e),
        Outcome::Failed(Job::Add(e), _) => record.release(&e),
        _ => Ok(()),
    }
}

const NO_ENDPOINT: Endpoint = Endpoint {
    id: 0,
    ip: IpAddr::V4(core::net::Ipv4Addr::UNSPECIFIED),
    ifindex: 0,
    flags: 0,
    port: 0,
};

/// Whether the picture of links, addresses and routes is whole, and when a failed
/// re-dump is tried again.
struct Picture {
    /// A full re-dump is due (lost notifications, a renamed link, room freed in a full
    /// table, SIGHUP).
    want_all: bool,
    /// A re-dump of the routes is due (a change that flushes routes silently).
    want_routes: bool,
    /// That re-dump must read the IPv6 routes too (a deleted nexthop object).
    want_v6_routes: bool,
    /// The last re-dump failed: the picture is old, so nothing is deleted.
    failed: bool,
    /// When the next try may run.
    retry_at: Option<Instant>,
    backoff: Duration,
}

/// What a planning pass did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// Planned and sent what it could: the loop may sleep.
    Done,
    /// Sent a request that may have waited in the kernel (a delete or a dump) and
    /// stopped there: route netlink may hold news.
    Waited,
}

/// The long-running mode's state.
struct Follower<'a> {
    rules: Rules,
    state: Box<State>,
    /// The state a re-dump fills; swapped in only when the dump succeeded.
    spare: Box<State>,
    routes: Routes,
    rx: Vec<u8>,
    model: Model,
    record: Record,
    wake: sys::Fd,
    /// Goes off at the next check, retry or log flush ([`Follower::deadline`]).
    timer: sys::Timer,
    /// What `timer` is set to.
    armed: Option<Instant>,
    /// The route events socket, `wake` and `timer`, waited for together.
    ready: sys::Epoll,
    log: &'a mut Log,
    args: &'a FollowArgs,
    started: bool,
    waiting: Option<(usize, Option<IpAddr>)>,
    foreign: [Option<(IpAddr, u8)>; MAX_ENDPOINTS],
    picture: Picture,
    next_check: Option<Instant>,
    pm: &'a mut Session,
}

impl<'a> Follower<'a> {
    // Everything `run` opened and read, moved in once; a struct for it would only be
    // taken apart again here.
    #[allow(clippy::too_many_arguments)]
    fn start(
        args: &'a FollowArgs,
        pm: &'a mut Session,
        rules: Rules,
        state: Box<State>,
        routes: Routes,
        rx: Vec<u8>,
        record: Record,
        log: &'a mut Log,
    ) -> u8 {
        let opened = (|| {
            let (wake, wake_tx) = sys::socket_pair().ok()?;
            wake.set_nonblocking().ok()?;
            sys::install_follow_handlers(wake_tx.raw());
            // The signal handler writes into `wake_tx`: it must outlive the loop.
            core::mem::forget(wake_tx);
            let timer = sys::Timer::new().ok()?;
            let ready = sys::Epoll::new(&[routes.fd(), wake.raw(), timer.raw()]).ok()?;
            Some((wake, timer, ready))
        })();
        let Some((wake, timer, ready)) = opened else {
            say(format_args!(
                "Cannot start endpoint follow: no signal socket, timer or wait set\n"
            ));
            return FAILED;
        };
        let mut f = Follower {
            rules,
            state,
            spare: Box::new(State::new()),
            routes,
            rx,
            model: Model::new(),
            record,
            wake,
            timer,
            armed: None,
            ready,
            log,
            args,
            started: false,
            waiting: None,
            foreign: [None; MAX_ENDPOINTS],
            picture: Picture {
                want_all: false,
                want_routes: false,
                want_v6_routes: false,
                failed: false,
                retry_at: None,
                backoff: FIRST_BACKOFF,
            },
            next_check: None,
            pm,
        };
        f.schedule_check();
        f.log.note(format_args!(
            "following {} rules, {} links, {} addresses",
            f.rules.len(),
            f.state.links().count(),
            f.state.addresses().count()
        ));
        f.run()
    }

    fn schedule_check(&mut self) {
        self.next_check = (self.args.check > 0)
            .then(|| Instant::now().after(Duration::from_secs(self.args.check.into())));
    }

    fn run(&mut self) -> u8 {
        loop {
            if sys::stop_requested() {
                break;
            }
            if sys::take_reload() {
                self.reload();
            }
            self.redump();
            if self.next_check.is_some_and(|t| t <= Instant::now()) {
                // Drift made by hand (a deleted, flushed or changed endpoint) shows in
                // the table: read it, and the plan repairs it.
                self.model.want_dump = true;
                self.schedule_check();
            }
            if self.decide() == Pass::Waited {
                // The request waited in the kernel: take what route netlink queued
                // meanwhile (without sleeping), then plan again on the new picture.
                self.read_routes();
                continue;
            }
            self.log.flush_due();
            let at = self.deadline();
            if at != self.armed {
                if let Err(e) = self.timer.set(at) {
                    return failed("timerfd_settime: ", &e);
                }
                self.armed = at;
            }
            let ready = match self.ready.wait::<3>(-1) {
                Ok(r) => r,
                Err(e) => return failed("epoll_wait: ", &e),
            };
            if ready[2] {
                self.timer.clear();
                self.armed = None;
            }
            if ready[1] {
                // One byte per signal: one read takes them all (more than 64 waiting
                // leave the socket readable, and the next wait comes back here).
                let _ = self.wake.read(&mut [0u8; 64]);
            }
            if ready[0] {
                self.read_routes();
            }
        }
        self.stop()
    }

    /// When the wait must end: at the next check or retry, when held log lines are due,
    /// shortly while they wait for a slow reader; `None`: only an event ends it.
    fn deadline(&self) -> Option<Instant> {
        let now = Instant::now();
        let mut at = self.next_check;
        let mut until = |t: Instant| at = Some(at.map_or(t, |a| a.min(t)));
        if self.picture.want_all || self.picture.want_routes {
            until(self.picture.retry_at.unwrap_or(now));
        }
        // Held lines wait until they are due; lines a slow reader left are tried
        // again shortly.
        if let Some(t) = self.log.due() {
            until(if t > now { t } else { now.after(Duration::from_millis(50)) });
        }
        at
    }

    /// Takes what route netlink queued (a bounded number of batches, so decisions are
    /// not starved by a storm).
    fn read_routes(&mut self) {
        for _ in 0..8 {
            let Follower { routes, state, rx, model, log, picture, .. } = self;
            let rules = &self.rules;
            let got = routes.take(state, rules, rx, |st, change| {
                picture.want_routes |= route::flushes_routes(st, change);
                picture.want_v6_routes |= route::flushes_v6_routes(change);
                note_change(log, model, picture, st, rules, change);
            });
            match got {
                Ok(true) => continue,
                Ok(false) => break,
                Err(nlsock::Error::EventsLost) | Err(nlsock::Error::Truncated) => {
                    self.log.note(format_args!(
                        "route notifications lost: reading links, addresses, routes and endpoints again"
                    ));
                    // What is still queued is older than the dump: drop it first.
                    self.routes.discard_queued(&mut self.rx);
                    self.picture.want_all = true;
                    self.model.want_dump = true;
                    self.model.forget_refusals(None);
                    return;
                }
                Err(e) => {
                    self.log.note(format_args!("route netlink: {e}"));
                    return;
                }
            }
        }
    }

    /// Runs a re-dump that is due, into the spare state: the picture changes only when
    /// it succeeded. A failure keeps the old picture, marks it incomplete (nothing is
    /// deleted meanwhile) and is tried again after a growing pause.
    fn redump(&mut self) {
        let p = &mut self.picture;
        if !(p.want_all || p.want_routes) || p.retry_at.is_some_and(|t| t > Instant::now()) {
            return;
        }
        let all = p.want_all;
        let got = if all {
            self.routes.dump_all(&mut self.spare, &self.rules, &mut self.rx)
        } else {
            let v6 = p.want_v6_routes;
            self.routes.dump_routes(&mut self.spare, &self.state, v6, &self.rules, &mut self.rx)
        };
        let what = if all { "links, addresses and routes" } else { "routes" };
        match got {
            Ok(()) => {
                if all {
                    self.spare.carry_ages(&self.state);
                    core::mem::swap(&mut self.state, &mut self.spare);
                    if let Some(t) = self.state.overflowed() {
                        note_full(self.log, t, "some were");
                    }
                } else {
                    self.state.take_routes(&self.spare);
                }
                let p = &mut self.picture;
                if p.failed {
                    self.log.note(format_args!("read the {what} again: the picture is whole"));
                }
                let p = &mut self.picture;
                p.want_all = false;
                p.want_routes = false;
                p.want_v6_routes = false;
                p.failed = false;
                p.retry_at = None;
                p.backoff = FIRST_BACKOFF;
            }
            Err(e) => {
                let p = &mut self.picture;
                p.failed = true;
                p.retry_at = Some(Instant::now().after(p.backoff));
                // u64, not `as_millis`' u128: no 128-bit formatting in the binary (the backoff is
                // at most MAX_BACKOFF).
                let ms = p.backoff.as_millis() as u64;
                p.backoff = p.backoff.saturating_mul(2).min(MAX_BACKOFF);
                self.log.note(format_args!(
                    "cannot read the {what}: {e}; keeping the last picture, deleting nothing, trying again in {ms} ms"
                ));
            }
        }
    }

    /// Whether the picture is whole: no failed re-dump, no full table.
    fn complete(&self) -> bool {
        !self.picture.failed && self.state.overflowed().is_none()
    }

    /// Plans and sends the requests: every add and flag change, and at most one request
    /// that may wait in the kernel (a delete or a table dump), after which the picture
    /// is read again before the rest.
    fn decide(&mut self) -> Pass {
        if self.model.want_dump {
            self.model.want_dump = false;
            self.run_here(Job::Dump);
            return Pass::Waited;
        }
        if !self.model.known {
            return Pass::Done;
        }
        let mut table = [NO_ENDPOINT; MAX_TABLE];
        let actual = self.model.for_plan(&mut table);
        let owned = self.record.owned();
        let desired = self.state.desired(&self.rules, actual, owned);
        if !self.started {
            self.started = true;
            warn_limits(self.pm, &desired, self.log);
        }
        log_foreign(self.log, &desired, &self.state, Some(&mut self.foreign));
        let mut ops = [Op::Nothing; 2 * MAX_TABLE];
        let k = plan(&desired, actual, owned, &mut ops);
        let complete = self.complete();
        for op in ops.get(..k).unwrap_or_default() {
            match *op {
                Op::Delete(e) if complete => {
                    let reason = delete_reason(&self.state, &self.rules, &desired, &e);
                    self.log.endpoint(Action::Delete, &e, &self.state, reason);
                    self.run_here(Job::Delete(e));
                    // The plan's only step: nothing is left to plan again on the new
                    // picture until route netlink says something (what it queued
                    // meanwhile wakes the wait at once).
                    return if k > 1 { Pass::Waited } else { Pass::Done };
                }
                Op::SetFlags(e) => {
                    // A SET_FLAGS waits for no grace period (65-99 µs): it goes first,
                    // and its line is written before its outcome is taken in.
                    let outcome = request::run(self.pm, Job::SetFlags(e));
                    self.log.endpoint(Action::Change, &e, &self.state, "flags changed in place");
                    self.finished(outcome);
                }
                Op::Add(mut e) => {
                    let ok = self.model.occupied() < MAX_ENDPOINTS
                        && !self.model.holds_ip(e.ip)
                        && !self.model.is_refused(e.ip, e.ifindex);
                    let Some(id) = self.model.free_id().filter(|_| ok) else {
                        continue;
                    };
                    e.id = id;
                    // The record first: killed after the request, a restart still
                    // knows the endpoint as its own.
                    if let Err(err) = self.record.claim(&e) {
                        note_unwritten(self.log, &self.record, &err, NOT_ADDING);
                        self.model.refuse(e.ip, e.ifindex);
                        continue;
                    }
                    // An ADD_ADDR waits for no grace period (about 40 µs): it goes first
                    // (a line formatted cold takes microseconds the add would wait for),
                    // and its line is written before its outcome is taken in, so a
                    // refusal still follows it.
                    let outcome = request::run(self.pm, Job::Add(e));
                    self.log.endpoint(Action::Add, &e, &self.state, "address usable");
                    self.finished(outcome);
                }
                Op::Delete(_) | Op::Nothing => {}
            }
        }
        log_waiting(self.log, &desired, &self.state, Some(&mut self.waiting));
        Pass::Done
    }

    /// Sends `job` and takes its outcome into the model and the record.
    #[inline(never)]
    fn run_here(&mut self, job: Job) {
        let outcome = request::run(self.pm, job);
        self.finished(outcome);
    }

    /// Takes a request's outcome into the model and the record.
    fn finished(&mut self, outcome: Outcome) {
        let mut settled = settle(&mut self.record, &outcome);
        match outcome {
            Outcome::Table(t) => {
                self.model.load(&t);
                let mut table = [NO_ENDPOINT; MAX_TABLE];
                settled = self.record.prune(self.model.for_plan(&mut table));
            }
            Outcome::Done(Job::Add(e)) => self.model.added(e),
            Outcome::Done(Job::SetFlags(e)) => self.model.changed(e),
            Outcome::Done(Job::Delete(e)) => self.model.remove(e.id),
            Outcome::Refused(Job::Delete(e), k) if k.errno == libc::ENOENT => {
                self.model.remove(e.id);
                self.model.want_dump = true;
            }
            Outcome::Refused(job, _) | Outcome::Failed(job, _) => {
                report(self.log, &outcome, &self.state);
                self.job_failed(job, matches!(outcome, Outcome::Refused(..)));
            }
            Outcome::Done(Job::Dump) => {}
        }
        if let Err(e) = settled {
            note_unwritten(self.log, &self.record, &e, "");
        }
    }

    /// A refused (`refused`) or failed job: the model as it was before it (the record
    /// is settled by [`settle`]).
    fn job_failed(&mut self, job: Job, refused: bool) {
        match job {
            Job::Add(e) => self.model.refuse(e.ip, e.ifindex),
            Job::Delete(_) | Job::SetFlags(_) | Job::Dump => {}
        }
        // Any refusal (EBUSY, EEXIST, ERANGE, one never seen before): the table is not
        // what this process believed. Read it again and plan on what is there; a
        // refusal the new table does not explain is not retried until something changes.
        if refused && job != Job::Dump {
            self.model.want_dump = true;
        }
    }

    /// SIGHUP: the config again, and every table read afresh (the rules decide which
    /// links are kept, and the endpoint table may have drifted).
    fn reload(&mut self) {
        match self.args.all_rules() {
            Ok(r) => {
                self.rules = r;
                self.started = false;
                self.log.note(format_args!("config reloaded: {} rules", self.rules.len()));
            }
            Err(_) => self.log.note(format_args!("config not reloaded: the old rules stay")),
        }
        self.model.forget_refusals(None);
        self.model.want_dump = true;
        self.picture.want_all = true;
        self.picture.retry_at = None;
    }

    /// After a stop signal (nothing is in flight: requests are answered where they are
    /// sent): with `cleanup`, delete every endpoint the record says this mode made.
    fn stop(&mut self) -> u8 {
        let mut status = 0;
        if self.args.cleanup {
            let mut table = request::run(self.pm, Job::Dump);
            if let Outcome::Table(t) = &mut table {
                for e in t.endpoints.iter().flatten() {
                    if !self.record.owned().owns(e) {
                        continue;
                    }
                    self.log.endpoint(Action::Delete, e, &self.state, "cleanup");
                    let outcome = request::run(self.pm, Job::Delete(*e));
                    let gone = match &outcome {
                        Outcome::Done(_) => true,
                        Outcome::Refused(_, k) => k.errno == libc::ENOENT,
                        _ => false,
                    };
                    let _ = settle(&mut self.record, &outcome);
                    if !gone {
                        report(self.log, &outcome, &self.state);
                        status = REFUSED;
                    }
                }
                let _ = self.record.prune(&[]);
            } else {
                report(self.log, &table, &self.state);
                status = FAILED;
            }
        }
        self.log.note(format_args!("stopped"));
        status
    }
}

/// Logs what a route notification changed when it is a decision: an address that gets
/// no endpoint, and why. Also forgets refusals of an address that changed, and asks for
/// a re-dump where the notification alone cannot tell (a renamed link became usable,
/// room freed in a full table).
fn note_change(
    log: &mut Log,
    model: &mut Model,
    picture: &mut Picture,
    state: &State,
    rules: &Rules,
    change: Change,
) {
    let freed = matches!(change, Change::AddressGone(..) | Change::LinkGone(_));
    if freed && state.overflowed().is_some() {
        picture.want_all = true;
    }
    match change {
        Change::AddressUp(ifindex, ip) => {
            model.forget_refusals(Some(ip));
            let Some(a) = state.addresses().find(|a| a.ifindex == ifindex && a.ip == ip) else {
                return;
            };
            if let Err(skip) = state.judge(a, rules)
                && skip != Skip::UnknownLink
            {
                log.line(Action::Skip, &Subject::address(ip, ifindex, state), &skip);
            }
        }
        Change::AddressGone(_, ip, _) => model.forget_refusals(Some(ip)),
        Change::TableFull(what) => note_full(log, what, "one was"),
        Change::LinkAdmitted(_) => picture.want_all = true,
        Change::Link(_)
        | Change::LinkGone(_)
        | Change::Route(_)
        | Change::NexthopGone
        | Change::None => {}
    }
}

/// Says that a table was full: `left` is "some were" (a dump) or "one was" (a
/// notification).
#[inline(never)]
fn note_full(log: &mut Log, what: &str, left: &str) {
    log.note(format_args!(
        "too many {what} to track: {left} left out; nothing is deleted until there is room"
    ));
}

/// What [`note_unwritten`] adds when the record was to be written before an add.
const NOT_ADDING: &str = "; not adding";

/// Says that the ownership record could not be written (`then`: what follows from it).
#[inline(never)]
fn note_unwritten(log: &mut Log, record: &Record, e: &RecordError, then: &str) {
    log.note(format_args!("cannot write the ownership record {}: {e}{then}", record.path()));
}

/// Why an endpoint this mode owns is deleted.
fn delete_reason(state: &State, rules: &Rules, desired: &Desired, e: &Endpoint) -> &'static str {
    if state.link(e.ifindex).is_none() && e.ifindex != 0 {
        return "interface gone";
    }
    let Some(a) =
        state.addresses().find(|a| a.ip == e.ip && (e.ifindex == 0 || a.ifindex == e.ifindex))
    else {
        return "address removed";
    };
    match state.judge(a, rules) {
        Err(skip) => skip.reason(),
        Ok(w) if w.flags != e.flags || w.port != e.port || w.ifindex != e.ifindex => "rule changed",
        Ok(_) if !desired.contains(e.ip, a.ifindex) => "outranked: no free endpoint slot",
        Ok(_) => "replaced",
    }
}

/// Says once per address that an endpoint this mode did not make holds an address it
/// would use: that endpoint is left, and no second one is added. `said` remembers what
/// was said (`None`: say all).
fn log_foreign(
    log: &mut Log,
    desired: &Desired,
    state: &State,
    said: Option<&mut [Option<(IpAddr, u8)>; MAX_ENDPOINTS]>,
) {
    let mut now = [None; MAX_ENDPOINTS];
    for (slot, held) in now.iter_mut().zip(desired.held_by_others()) {
        *slot = Some(held);
    }
    let before = said.as_ref().map(|s| **s);
    for (ip, id) in now.iter().flatten() {
        if before.is_some_and(|b| b.contains(&Some((*ip, *id)))) {
            continue;
        }
        let ifindex = state.addresses().find(|a| a.ip == *ip).map_or(0, |a| a.ifindex);
        let mut s = Subject::address(*ip, ifindex, state);
        s.id = Some(*id);
        log.line(Action::Skip, &s, &"an endpoint follow did not make holds it: left as it is");
    }
    if let Some(said) = said {
        *said = now;
    }
}

/// Logs the best waiting address when the waiting set changed (`last` holds what was
/// logged; `None` logs always).
fn log_waiting(
    log: &mut Log,
    desired: &Desired,
    state: &State,
    last: Option<&mut Option<(usize, Option<core::net::IpAddr>)>>,
) {
    let now = (desired.waiting(), desired.first_waiting().map(|w| w.ip));
    if let Some(last) = last {
        if *last == Some(now) {
            return;
        }
        *last = Some(now);
    }
    if let Some(w) = desired.first_waiting() {
        let s = Subject {
            ip: w.ip,
            id: None,
            dev: log::dev_name(state, w.ifindex),
            flags: w.flags,
            port: w.port,
        };
        log.line(
            Action::Wait,
            &s,
            &format_args!("no free endpoint slot; {} address(es) waiting", desired.waiting()),
        );
    }
}

/// Says when the limits make the wanted endpoints useless (they stay the user's).
fn warn_limits(pm: &mut Session, desired: &Desired, log: &mut Log) {
    if let Some(l) = request::limits(pm)
        && let Some(text) = limits_warning(l.subflows, desired)
    {
        log.note(format_args!("{text}"));
    }
}

/// Logs a refused or failed request.
fn report(log: &mut Log, outcome: &Outcome, state: &State) {
    let (job, why): (Job, &dyn core::fmt::Display) = match outcome {
        Outcome::Refused(job, k) => (*job, k),
        Outcome::Failed(job, e) => (*job, e),
        Outcome::Done(_) | Outcome::Table(_) => return,
    };
    let (action, e) = match job {
        Job::Add(e) => (Action::AddRefused, e),
        Job::Delete(e) => (Action::DeleteRefused, e),
        Job::SetFlags(e) => (Action::ChangeRefused, e),
        Job::Dump => return log.note(format_args!("cannot read the endpoint table: {why}")),
    };
    log.line(action, &Subject::endpoint(&e, log::dev_name(state, e.ifindex)), why);
}
