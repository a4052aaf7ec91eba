//! `endpoint follow`: keeps the path manager's endpoints in step with the addresses,
//! links and default routes of the namespace (plain `mptcp` only).
//!
//! The main thread reads route netlink and decides ([`mptcp_follow`] is the policy);
//! two worker threads send the path-manager requests ([`worker`]), so the route socket
//! is never left unread while a slow DEL_ADDR is in the kernel. Memory is fixed at
//! start: the policy's tables, a 128 KiB receive buffer, the workers' 8 KiB buffers.

mod log;
mod model;
mod route;
mod worker;

use mptcp_follow::{
    Desired, Endpoint, MAX_ENDPOINTS, Op, Rules, Skip, State, limits_warning, plan,
};
use mptcp_netlink::{KernelError, PathManager, RECV_BUF};

pub use crate::command::follow::{FollowArgs, Mode};
use log::{Action, Log, Subject};
use model::Model;
use mptcp_follow::rtnl::Change;
use route::Routes;
use worker::{Job, MAX_TABLE, Outcome, Worker};

use crate::os::sys;
use crate::prelude::*;
use crate::print::fail::say;
use crate::print::out::Out;

/// Exit status when the kernel refused a request of `once`.
const REFUSED: u8 = 2;
/// Exit status when a socket failed.
const FAILED: u8 = 1;

/// Runs `endpoint follow`. `json` and `timestamps` are `-j` and `-t`.
pub fn run(args: &FollowArgs, out: &mut Out, json: bool, timestamps: bool) -> u8 {
    let rules = match args.all_rules() {
        Ok(r) => r,
        Err(e) => return e.0,
    };
    let follow = args.mode == Mode::Follow;
    let mut routes = match Routes::open(follow) {
        Ok(r) => r,
        Err(e) => {
            say(format_args!("Cannot open route netlink socket: {e}\n"));
            return FAILED;
        }
    };
    let mut rx = vec![0u8; route::SLOT * route::BATCH];
    let mut state = State::new();
    if let Err(e) = routes.dump_all(&mut state, &mut rx) {
        say(format_args!("Cannot read links, addresses and routes: {e}\n"));
        return FAILED;
    }
    let dry_run = args.mode == Mode::DryRun;
    let mut log = Log { out, json, timestamps, dry_run };
    let status = if follow {
        Follower::start(args, rules, state, routes, rx, &mut log)
    } else {
        once(rules, &state, &mut log)
    };
    log.out.flush();
    status
}

/// `once` and `dry-run`: one reconciliation on this thread.
fn once(rules: Rules, state: &State, log: &mut Log<'_>) -> u8 {
    let mut pm = match PathManager::open(vec![0u8; RECV_BUF]) {
        Ok(pm) => pm,
        Err(e) => {
            say(format_args!("{e}\n"));
            return FAILED;
        }
    };
    let table = match worker::run(&mut pm, Job::Dump) {
        Outcome::Table(t) => t,
        other => {
            report(log, &other, state);
            return FAILED;
        }
    };
    let mut model = Model::new();
    model.load(&table);
    let mut actual =
        [Endpoint { id: 0, ip: [0, 0, 0, 0].into(), ifindex: 0, flags: 0, port: 0 }; MAX_TABLE];
    let n = model.for_plan(&mut actual);
    let desired = state.desired(&rules, &actual[..n]);
    warn_limits(&mut pm, &desired, log);
    let mut ops = [Op::Nothing; 2 * MAX_TABLE];
    let k = plan(&desired, &actual[..n], state, &rules, &mut ops);
    let mut status = 0;
    for op in &ops[..k] {
        let (e, job, action, reason) = match *op {
            Op::Delete(e) => {
                (e, Job::Delete(e), Action::Delete, delete_reason(state, &rules, &desired, &e))
            }
            Op::Add(e) => (e, Job::Add(e), Action::Add, "start"),
            Op::Nothing => continue,
        };
        log.line(action, &Subject::endpoint(&e, state), format_args!("{reason}"));
        if log.dry_run {
            continue;
        }
        let outcome = worker::run(&mut pm, job);
        if !matches!(outcome, Outcome::Done(_)) {
            report(log, &outcome, state);
            status = REFUSED;
        }
    }
    log_waiting(log, &desired, state, None);
    status
}

/// The long-running mode's state.
struct Follower<'a, 'o> {
    rules: Rules,
    state: State,
    routes: Routes,
    rx: Vec<u8>,
    model: Model,
    adder: Worker,
    deleter: Worker,
    wake: sys::Fd,
    log: &'a mut Log<'o>,
    args: &'a FollowArgs,
    started: bool,
    waiting: Option<(usize, Option<core::net::IpAddr>)>,
    pm: PathManager<Vec<u8>>,
}

impl<'a, 'o> Follower<'a, 'o> {
    fn start(
        args: &'a FollowArgs,
        rules: Rules,
        state: State,
        routes: Routes,
        rx: Vec<u8>,
        log: &'a mut Log<'o>,
    ) -> u8 {
        let opened = (|| {
            let (wake, wake_tx) = sys::socket_pair().ok()?;
            wake.set_nonblocking().ok()?;
            let adder = Worker::start()?;
            let deleter = Worker::start()?;
            sys::install_follow_handlers(wake_tx.raw());
            let pm = PathManager::open(vec![0u8; mptcp_netlink::MIN_BUF]).ok()?;
            // The signal handler writes into `wake_tx`: it must outlive the loop.
            core::mem::forget(wake_tx);
            Some((wake, adder, deleter, pm))
        })();
        let Some((wake, adder, deleter, pm)) = opened else {
            say(format_args!(
                "Cannot start endpoint follow: no MPTCP path manager or no threads\n"
            ));
            return FAILED;
        };
        let mut f = Follower {
            rules,
            state,
            routes,
            rx,
            model: Model::new(),
            adder,
            deleter,
            wake,
            log,
            args,
            started: false,
            waiting: None,
            pm,
        };
        f.log.note(format_args!(
            "following {} rules, {} links, {} addresses",
            f.rules.len(),
            f.state.links().count(),
            f.state.addresses().count()
        ));
        f.run()
    }

    fn run(&mut self) -> u8 {
        loop {
            if sys::stop_requested() {
                break;
            }
            if sys::take_reload() {
                self.reload();
            }
            self.decide();
            self.log.out.flush();
            let fds = [self.routes.fd(), self.wake.raw(), self.adder.fd(), self.deleter.fd()];
            let ready = match sys::poll_readable(fds, -1) {
                Ok(r) => r,
                Err(e) => {
                    say(format_args!("poll: {e}\n"));
                    return FAILED;
                }
            };
            if ready[1] {
                let mut sink = [0u8; 64];
                while matches!(self.wake.read(&mut sink), Ok(n) if n > 0) {}
            }
            if ready[2] {
                if let Some(outcome) = self.adder.take() {
                    self.finished(outcome);
                }
            }
            if ready[3] {
                if let Some(outcome) = self.deleter.take() {
                    self.finished(outcome);
                }
            }
            if ready[0] {
                self.read_routes();
            }
        }
        self.stop()
    }

    /// Takes what route netlink queued (a bounded number of batches, so decisions are
    /// not starved by a storm).
    fn read_routes(&mut self) {
        let mut stale_routes = false;
        for _ in 0..8 {
            let Follower { routes, state, rx, model, log, .. } = self;
            let rules = &self.rules;
            let got = routes.take(state, rx, |st, change| {
                stale_routes |= route::flushes_routes(st, change);
                note_change(log, model, st, rules, change);
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
                    if let Err(e) = self.routes.dump_all(&mut self.state, &mut self.rx) {
                        say(format_args!("Cannot read links, addresses and routes: {e}\n"));
                    }
                    self.model.want_dump = true;
                    self.model.forget_refusals(None);
                    return;
                }
                Err(e) => {
                    say(format_args!("route netlink: {e}\n"));
                    return;
                }
            }
        }
        if stale_routes {
            if let Err(e) = self.routes.dump_routes(&mut self.state, &mut self.rx) {
                say(format_args!("Cannot read routes: {e}\n"));
            }
        }
    }

    /// Plans and hands requests to idle workers.
    fn decide(&mut self) {
        if self.model.want_dump {
            if self.adder.is_busy() || self.deleter.is_busy() || self.model.dumping {
                return;
            }
            self.model.want_dump = false;
            self.model.dumping = true;
            self.deleter.send(Job::Dump);
            return;
        }
        if !self.model.known || self.model.dumping {
            return;
        }
        let mut actual =
            [Endpoint { id: 0, ip: [0, 0, 0, 0].into(), ifindex: 0, flags: 0, port: 0 }; MAX_TABLE];
        let n = self.model.for_plan(&mut actual);
        let desired = self.state.desired(&self.rules, &actual[..n]);
        if !self.started {
            self.started = true;
            warn_limits(&mut self.pm, &desired, self.log);
        }
        let mut ops = [Op::Nothing; 2 * MAX_TABLE];
        let k = plan(&desired, &actual[..n], &self.state, &self.rules, &mut ops);
        for op in &ops[..k] {
            match *op {
                Op::Delete(e) if !self.deleter.is_busy() && !self.model.is_pending(e.id) => {
                    let reason = delete_reason(&self.state, &self.rules, &desired, &e);
                    self.log.line(
                        Action::Delete,
                        &Subject::endpoint(&e, &self.state),
                        format_args!("{reason}"),
                    );
                    self.model.begin_delete(e.id);
                    self.deleter.send(Job::Delete(e));
                }
                Op::Add(mut e) => {
                    let ok = !self.adder.is_busy()
                        && self.model.occupied() < MAX_ENDPOINTS
                        && !self.model.holds_ip(e.ip)
                        && !self.model.is_refused(e.ip, e.ifindex);
                    let Some(id) = self.model.free_id().filter(|_| ok) else { continue };
                    e.id = id;
                    self.log.line(
                        Action::Add,
                        &Subject::endpoint(&e, &self.state),
                        format_args!("address usable"),
                    );
                    self.model.begin_add(e);
                    if self.deleter.is_busy() {
                        // A DEL_ADDR may hold the kernel's lock for an RCU grace period:
                        // the add waits on the add worker, and this thread reads on.
                        self.adder.send(Job::Add(e));
                    } else {
                        // Nothing in flight: an ADD_ADDR takes about 40 µs, less than
                        // waking the add worker, so it goes from here.
                        let outcome = worker::run(&mut self.pm, Job::Add(e));
                        self.finished(outcome);
                    }
                }
                _ => {}
            }
        }
        log_waiting(self.log, &desired, &self.state, Some(&mut self.waiting));
    }

    /// Takes a worker's outcome into the model.
    fn finished(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Table(t) => {
                self.model.load(&t);
            }
            Outcome::Done(Job::Add(e)) => {
                self.model.settle(e.id);
            }
            Outcome::Done(Job::Delete(e)) => {
                self.model.remove(e.id);
            }
            Outcome::Refused(Job::Delete(e), k) if k.errno == libc::ENOENT => {
                self.model.remove(e.id);
            }
            Outcome::Refused(job, k) => {
                report(self.log, &outcome, &self.state);
                self.job_failed(job, Some(&k));
            }
            Outcome::Failed(job, _) => {
                report(self.log, &outcome, &self.state);
                self.job_failed(job, None);
            }
            Outcome::Done(Job::Dump) => {}
        }
    }

    fn job_failed(&mut self, job: Job, k: Option<&KernelError>) {
        match job {
            Job::Add(e) => {
                self.model.remove(e.id);
                self.model.refuse(e.ip, e.ifindex);
            }
            Job::Delete(e) => {
                self.model.settle(e.id);
            }
            Job::Dump => {
                self.model.dumping = false;
            }
        }
        // Someone else changed the table (a full table, a duplicate, a missing id):
        // read it again before the next decision.
        if k.is_some_and(|k| {
            matches!(k.errno, libc::EEXIST | libc::ERANGE | libc::ENOENT | libc::EINVAL)
        }) {
            self.model.want_dump = true;
        }
    }

    fn reload(&mut self) {
        match self.args.all_rules() {
            Ok(r) => {
                self.rules = r;
                self.model.forget_refusals(None);
                self.started = false;
                self.log.note(format_args!("config reloaded: {} rules", self.rules.len()));
            }
            Err(_) => self.log.note(format_args!("config not reloaded: the old rules stay")),
        }
    }

    /// After a stop signal: finish what is in flight, and with `cleanup` delete every
    /// endpoint this mode owns.
    fn stop(&mut self) -> u8 {
        self.adder.stop();
        self.deleter.stop();
        for outcome in [self.adder.take(), self.deleter.take()].into_iter().flatten() {
            self.finished(outcome);
        }
        let mut status = 0;
        if self.args.cleanup {
            let mut table = worker::run(&mut self.pm, Job::Dump);
            if let Outcome::Table(t) = &mut table {
                for e in t.endpoints.iter().flatten() {
                    if !self.state.owns(&self.rules, e) {
                        continue;
                    }
                    self.log.line(
                        Action::Delete,
                        &Subject::endpoint(e, &self.state),
                        format_args!("cleanup"),
                    );
                    let outcome = worker::run(&mut self.pm, Job::Delete(*e));
                    if !matches!(outcome, Outcome::Done(_)) {
                        report(self.log, &outcome, &self.state);
                        status = REFUSED;
                    }
                }
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
/// no endpoint, and why. Also forgets refusals of an address that changed.
fn note_change(log: &mut Log<'_>, model: &mut Model, state: &State, rules: &Rules, change: Change) {
    match change {
        Change::AddressUp(ifindex, ip) => {
            model.forget_refusals(Some(ip));
            let Some(a) = state.addresses().find(|a| a.ifindex == ifindex && a.ip == ip) else {
                return;
            };
            if let Err(skip) = state.judge(a, rules) {
                if skip != Skip::UnknownLink {
                    log.line(
                        Action::Skip,
                        &Subject::address(ip, ifindex, state),
                        format_args!("{skip}"),
                    );
                }
            }
        }
        Change::AddressGone(_, ip) => model.forget_refusals(Some(ip)),
        Change::TableFull(what) => {
            log.note(format_args!("too many {what} to track: one was left out"))
        }
        Change::Link(_) | Change::LinkGone(_) | Change::Route(_) | Change::None => {}
    }
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

/// Logs the best waiting address when the waiting set changed (`last` holds what was
/// logged; `None` logs always).
fn log_waiting(
    log: &mut Log<'_>,
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
            format_args!("no free endpoint slot; {} address(es) waiting", desired.waiting()),
        );
    }
}

/// Says when the limits make the wanted endpoints useless (they stay the user's).
fn warn_limits(pm: &mut PathManager<Vec<u8>>, desired: &Desired, log: &mut Log<'_>) {
    if let Ok(l) = pm.limits() {
        if let Some(text) = limits_warning(l.subflows, desired) {
            log.note(format_args!("{text}"));
        }
    }
}

/// Logs a refused or failed request.
fn report(log: &mut Log<'_>, outcome: &Outcome, state: &State) {
    let (job, why): (Job, &dyn core::fmt::Display) = match outcome {
        Outcome::Refused(job, k) => (*job, k),
        Outcome::Failed(job, e) => (*job, e),
        Outcome::Done(_) | Outcome::Table(_) => return,
    };
    match job {
        Job::Add(e) => {
            log.line(Action::AddRefused, &Subject::endpoint(&e, state), format_args!("{why}"))
        }
        Job::Delete(e) => {
            log.line(Action::DeleteRefused, &Subject::endpoint(&e, state), format_args!("{why}"))
        }
        Job::Dump => log.note(format_args!("cannot read the endpoint table: {why}")),
    }
}
