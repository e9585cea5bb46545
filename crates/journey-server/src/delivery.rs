//! The delivery worker: a background task of its own that hands logged messages to the sink
//! (`crate::sink`), and [`Delivery::deliver_due`], which tests call with a moved clock.
//!
//! The runner only *logs* a message (unique on its key, in the transaction that moves the
//! membership on); the message log is the outbox, and this worker reads it. Nothing here
//! makes the runner wait: audience runs, waits and event entries go on while requests are
//! slow or failing.
//!
//! ## Rules
//!
//! - **Order and parallelism.** Due messages (`queued`, or `retrying` whose next attempt has
//!   come) are claimed in the order they fell due, at most `--delivery-concurrency` (default 8)
//!   in flight at once. A message that fails never holds back another: it gets its own next
//!   attempt and the others go on.
//! - **Rate.** `--delivery-rate` (messages per second, 0 = unlimited) spaces the requests'
//!   starts evenly, `1/rate` s apart, for all journeys together.
//! - **Failures** (see `sink` for which answers are permanent). A permanent refusal (3xx, or a
//!   4xx other than 408 and 429) makes the message `dead` at once. Any other failure is tried
//!   again, up to `--delivery-max-attempts` tries in all (default 8); the message is `dead` when
//!   the last one fails. Dead messages are kept with their last error, counted and listed by
//!   `GET /api/journeys/{id}/delivery`, and put back in the queue (with a fresh count of
//!   attempts) only by a person (`POST .../delivery/retry`, `POST /api/messages/{key}/retry`).
//! - **Backoff.** After the n-th failed try the next one waits `min(5 s × 2^(n−1), 1 h)`,
//!   jittered uniformly between half and all of it (5 s, 10 s, 20 s ... : 8 tries span about
//!   5 to 11 minutes). A `Retry-After` answer (seconds or an HTTP date) replaces that wait,
//!   at least 1 s and at most 24 h.
//! - **Records.** Each try's end is written to its message's row (state, attempts, last error,
//!   `delivered_at`), in one small transaction per wake-up of the worker, together with the
//!   next claims: a group of at most the concurrency.
//!
//! ## After a crash
//!
//! A message is `delivering` from its claim until its try's end is committed, and at most
//! `concurrency` messages are `delivering` at any moment. A crash can therefore leave at most
//! `concurrency` messages whose request may have reached the receiver unrecorded; at the next
//! start they go back to the queue and are sent again. **At most `--delivery-concurrency`
//! (default 8) duplicate deliveries per crash**, each carrying the same `Idempotency-Key`
//! (the message key) as the first, so a receiver can drop it. (A committed transaction
//! survives a killed process; after a power loss SQLite's `synchronous = NORMAL` may lose the
//! last commits too, and with them the same bound no longer holds.)
//!
//! ## Several instances (PostgreSQL)
//!
//! Each claim names its instance (random per start) and a lease: the sink's timeout, plus the
//! wait for the rate's turn, plus 10 s. Instances claim with `FOR UPDATE SKIP LOCKED`, so no
//! message is claimed twice. An instance puts back its own claims after an interrupted pass,
//! and any instance's whose lease ran out (the instance died): those are sent again by
//! whichever instance claims them next, at most the lease after the death. A SQLite server is
//! alone on its file and puts back every leftover claim at its first pass, as above. The bound
//! is the same: at most `--delivery-concurrency` duplicates per instance killed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use tokio::sync::watch;
use tokio::task::{JoinError, JoinSet};

use crate::clock::Clock;
use crate::sink::{Failure, Sink};
use crate::store::{self, OutboxMessage, Store, StoreError, TryRecord};

/// The first retry's wait (before jitter); it doubles with each failed try.
pub const BACKOFF_BASE: Duration = Duration::from_secs(5);
/// The longest wait between two tries (before jitter).
pub const BACKOFF_CAP: Duration = Duration::from_secs(3600);
/// The shortest wait a `Retry-After` can ask for.
pub const RETRY_AFTER_MIN: Duration = Duration::from_secs(1);
/// The longest wait a `Retry-After` can ask for.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(24 * 3600);
/// How often an instance on PostgreSQL looks for other instances' expired claims.
const REQUEUE_EVERY: Duration = Duration::from_secs(1);
/// On shutdown, how long requests in flight may take to finish; those still running are
/// sent again after the next start.
pub const STOP_GRACE: Duration = Duration::from_secs(5);

/// How the worker delivers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeliverySettings {
    /// Requests in flight at most (at least 1).
    pub concurrency: u32,
    /// Tries per message at most (at least 1).
    pub max_attempts: u32,
    /// Messages per second at most; 0 (or less) is unlimited.
    pub rate: f64,
    /// How long a claim is this instance's: longer than a try can take (the sink's timeout,
    /// plus the wait for the rate's turn). After it, another instance may take the message back.
    pub lease: Duration,
}

impl Default for DeliverySettings {
    fn default() -> DeliverySettings {
        DeliverySettings { concurrency: 8, max_attempts: 8, rate: 0.0, lease: Duration::from_secs(60) }
    }
}

/// The wait after the `failed`-th failed try (1 for the first), with `jitter` in [0, 1]:
/// `min(BACKOFF_BASE × 2^(failed−1), BACKOFF_CAP) × (1 + jitter) / 2`.
pub fn backoff(failed: u32, jitter: f64) -> Duration {
    let doublings = failed.saturating_sub(1).min(30);
    let full = BACKOFF_BASE.saturating_mul(1 << doublings).min(BACKOFF_CAP);
    full.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
}

/// What follows a failed try, the `tries`-th of a message: `None` when it is dead (a permanent
/// failure, or the last allowed try), else the wait before the next.
pub fn next_try(failure: &Failure, tries: u32, max_attempts: u32, jitter: f64) -> Option<Duration> {
    if failure.permanent || tries >= max_attempts.max(1) {
        return None;
    }
    Some(match failure.retry_after {
        Some(wait) => wait.clamp(RETRY_AFTER_MIN, RETRY_AFTER_CAP),
        None => backoff(tries, jitter),
    })
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DeliveryReport {
    /// Tries made.
    pub tried: u64,
    /// Messages the sink accepted.
    pub delivered: u64,
    /// Failed tries that will be tried again.
    pub retrying: u64,
    /// Messages that became dead.
    pub dead: u64,
    /// Messages found `delivering` from a crash (or an interrupted pass) and queued again.
    pub requeued: u64,
}

/// Spaces request starts `every` apart.
#[derive(Debug)]
struct Pacer {
    every: Duration,
    next: std::sync::Mutex<tokio::time::Instant>,
}

impl Pacer {
    fn new(rate: f64) -> Option<Pacer> {
        (rate.is_finite() && rate > 0.0).then(|| Pacer {
            every: Duration::from_secs_f64((1.0 / rate).min(86_400.0)),
            next: std::sync::Mutex::new(tokio::time::Instant::now()),
        })
    }

    /// Waits for this request's slot.
    async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            let slot = (*next).max(tokio::time::Instant::now());
            *next = slot + self.every;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

/// A finished try.
type Tried = (OutboxMessage, Result<(), Failure>);

/// What a finished try comes to.
#[derive(Debug)]
enum Decision {
    Delivered,
    Retry { wait: Duration, error: String },
    Dead { error: String },
}

/// The delivery worker.
#[derive(Debug)]
pub struct Delivery {
    store: Store,
    sink: Arc<Sink>,
    clock: Arc<dyn Clock>,
    settings: DeliverySettings,
    pacer: Option<Arc<Pacer>>,
    /// One pass at a time.
    lock: tokio::sync::Mutex<()>,
    /// Names this process's claims (`claimed_by`), random per start.
    instance: String,
    /// The first pass is still to come (it puts back what a previous process left).
    starting: AtomicBool,
    /// This instance's claims may be left `delivering` (after an interrupted pass).
    recover: AtomicBool,
    /// When this instance last looked for expired claims (PostgreSQL), at most every
    /// [`REQUEUE_EVERY`]: passes start every interval and a busy one loops, and neither should
    /// write to the database each time for that.
    expiry_checked: std::sync::Mutex<Option<tokio::time::Instant>>,
    health: DeliveryHealth,
}

/// What `/api/health` says of delivery, kept in memory so health never waits for the
/// database.
#[derive(Debug, Default)]
struct DeliveryHealth {
    /// Requests in flight now.
    in_flight: AtomicU64,
    /// When the worker last looked for due messages (milliseconds since the epoch; 0: never).
    last_look_at_ms: AtomicI64,
    /// Since the server started.
    delivered: AtomicU64,
    retried: AtomicU64,
    dead: AtomicU64,
}

/// A snapshot of the delivery worker's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DeliveryStatus {
    /// Requests in flight now.
    pub in_flight: u64,
    /// When the worker last looked for due messages, if it did.
    pub last_look_at: Option<Timestamp>,
    /// Milliseconds since then (how far behind delivery may be).
    pub lag_ms: Option<u64>,
    /// Messages delivered, tries that failed and will be retried, and messages that went
    /// dead, since the server started.
    pub delivered: u64,
    pub retried: u64,
    pub dead: u64,
}

impl Delivery {
    pub fn new(store: Store, sink: Sink, clock: Arc<dyn Clock>, settings: DeliverySettings) -> Delivery {
        Delivery {
            store,
            sink: Arc::new(sink),
            clock,
            pacer: Pacer::new(settings.rate).map(Arc::new),
            settings,
            lock: tokio::sync::Mutex::new(()),
            instance: crate::auth::random_hex(8),
            starting: AtomicBool::new(true),
            recover: AtomicBool::new(false),
            expiry_checked: std::sync::Mutex::new(None),
            health: DeliveryHealth::default(),
        }
    }

    /// The worker's state as of `now`, from memory.
    pub fn status(&self, now: Timestamp) -> DeliveryStatus {
        let h = &self.health;
        let last = h.last_look_at_ms.load(Ordering::Relaxed);
        let last_look_at = (last != 0).then(|| crate::clock::from_ms(last));
        DeliveryStatus {
            in_flight: h.in_flight.load(Ordering::Relaxed),
            last_look_at,
            lag_ms: last_look_at.map(|at| u64::try_from((now - at).as_millis()).unwrap_or(0)),
            delivered: h.delivered.load(Ordering::Relaxed),
            retried: h.retried.load(Ordering::Relaxed),
            dead: h.dead.load(Ordering::Relaxed),
        }
    }

    pub fn settings(&self) -> DeliverySettings {
        self.settings
    }

    /// Delivers every message due at `now` (tries that fail are scheduled after `now`), and
    /// returns when none is due and none in flight.
    pub async fn deliver_due(&self, now: Timestamp) -> Result<DeliveryReport, StoreError> {
        self.pass(Some(now), None).await
    }

    /// Delivers what is due, then looks again every `interval`, until `stop` fires.
    pub async fn run_forever(self: Arc<Self>, interval: Duration, mut stop: watch::Receiver<bool>) {
        loop {
            if *stop.borrow() {
                break;
            }
            if let Err(e) = self.pass(None, Some((interval, &mut stop))).await {
                tracing::error!(error = %e, "delivery pass failed; trying again shortly");
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                changed = stop.changed() => {
                    if changed.is_err() {
                        break; // the server is gone
                    }
                }
            }
        }
    }

    /// One pass: claims due messages as places free up, tries them, records each end. `live`
    /// (the background task): "now" is the clock's at each claim, new due messages are looked
    /// for every interval while requests are in flight, and `stop` ends the pass.
    async fn pass(
        &self,
        fixed: Option<Timestamp>,
        mut live: Option<(Duration, &mut watch::Receiver<bool>)>,
    ) -> Result<DeliveryReport, StoreError> {
        let _guard = self.lock.lock().await;
        let requeued = self.requeue_delivering(fixed.unwrap_or_else(|| self.clock.now())).await?;
        let mut report = DeliveryReport { requeued, ..DeliveryReport::default() };
        if report.requeued > 0 {
            tracing::warn!(messages = report.requeued, "messages left in flight by a stop are queued again");
        }
        let concurrency = self.settings.concurrency.max(1) as usize;
        let poll = live.as_ref().map(|(interval, _)| *interval);
        let mut flights: JoinSet<Tried> = JoinSet::new();
        let mut done: Vec<Tried> = Vec::new();
        let mut stop_by: Option<tokio::time::Instant> = None;
        let result = loop {
            let now = fixed.unwrap_or_else(|| self.clock.now());
            // A busy pass can run for hours: it looks for other instances' expired claims too.
            match self.requeue_delivering(now).await {
                Ok(n) => report.requeued += n,
                Err(e) => break Err(e),
            }
            let free = if stop_by.is_some() { 0 } else { concurrency - flights.len() };
            let claimed = match self.step(&mut done, free, now, &mut report).await {
                Ok(claimed) => claimed,
                Err(e) => break Err(e),
            };
            for m in claimed {
                let (sink, pacer, clock) = (self.sink.clone(), self.pacer.clone(), self.clock.clone());
                flights.spawn(async move {
                    if let Some(pacer) = pacer {
                        pacer.wait().await;
                    }
                    let at = fixed.unwrap_or_else(|| clock.now());
                    let outcome = sink.deliver(&m, at).await;
                    (m, outcome)
                });
            }
            self.health.in_flight.store(flights.len() as u64, Ordering::Relaxed);
            self.health.last_look_at_ms.store(crate::clock::to_ms(self.clock.now()), Ordering::Relaxed);
            if flights.is_empty() {
                break Ok(());
            }
            let look_again = poll.filter(|_| stop_by.is_none() && flights.len() < concurrency);
            tokio::select! {
                joined = flights.join_next() => {
                    self.collect(joined, &mut done);
                    while let Some(joined) = flights.try_join_next() {
                        self.collect(Some(joined), &mut done);
                    }
                }
                _ = tokio::time::sleep(look_again.unwrap_or_default()), if look_again.is_some() => {}
                _ = stopped(&mut live), if stop_by.is_none() => {
                    stop_by = Some(tokio::time::Instant::now() + STOP_GRACE);
                }
                _ = tokio::time::sleep_until(stop_by.unwrap_or_else(tokio::time::Instant::now)), if stop_by.is_some() => {
                    break Ok(());
                }
            }
        };
        if !flights.is_empty() || result.is_err() {
            // Stopped with requests in flight, or the store failed: what is not recorded stays
            // `delivering` and is queued again by the next pass.
            flights.abort_all();
            self.recover.store(true, Ordering::SeqCst);
        }
        result.map(|()| report)
    }

    /// Records the finished tries and claims up to `free` due messages, in one transaction
    /// (none when there is nothing to do).
    async fn step(
        &self,
        done: &mut Vec<Tried>,
        free: usize,
        now: Timestamp,
        report: &mut DeliveryReport,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        let claim = free > 0 && (!done.is_empty() || store::any_due(&mut *self.store.read().await?, now).await?);
        if !claim && done.is_empty() {
            return Ok(Vec::new());
        }
        let decided: Vec<(&OutboxMessage, Decision)> = done.iter().map(|(m, outcome)| (m, self.decide(m, outcome))).collect();
        let mut tx = self.store.write().await?;
        for (m, decision) in &decided {
            let record = match decision {
                Decision::Delivered => TryRecord::Delivered,
                Decision::Retry { wait, error } => TryRecord::Retry { at: later(now, *wait), error },
                Decision::Dead { error } => TryRecord::Dead { error },
            };
            store::record_try(&mut tx, m.id, &record, now).await?;
        }
        let claimed = if claim {
            let lease_until = later(now, self.settings.lease);
            store::claim_due(&mut tx, now, free as i64, &self.instance, lease_until).await?
        } else {
            Vec::new()
        };
        tx.commit().await?;
        for (m, decision) in &decided {
            report.tried += 1;
            let tries = m.attempts + 1;
            match decision {
                Decision::Delivered => {
                    report.delivered += 1;
                    self.health.delivered.fetch_add(1, Ordering::Relaxed);
                }
                Decision::Retry { wait, error } => {
                    report.retrying += 1;
                    self.health.retried.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(key = %m.message_key, attempt = tries, %error, retry_in = ?wait, "delivery failed; it will be tried again");
                }
                Decision::Dead { error } => {
                    report.dead += 1;
                    self.health.dead.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(key = %m.message_key, attempts = tries, %error, "delivery failed; the message is dead until it is retried");
                }
            }
        }
        done.clear();
        Ok(claimed)
    }

    fn decide(&self, m: &OutboxMessage, outcome: &Result<(), Failure>) -> Decision {
        let Err(failure) = outcome else { return Decision::Delivered };
        let tries = u32::try_from(m.attempts + 1).unwrap_or(u32::MAX);
        match next_try(failure, tries, self.settings.max_attempts, fastrand::f64()) {
            Some(wait) => Decision::Retry { wait, error: failure.error.clone() },
            None => Decision::Dead { error: failure.error.clone() },
        }
    }

    fn collect(&self, joined: Option<Result<Tried, JoinError>>, done: &mut Vec<Tried>) {
        match joined {
            Some(Ok(tried)) => done.push(tried),
            Some(Err(e)) => {
                // A try that panicked: its message stays `delivering` until the next pass.
                tracing::error!(error = %e, "a delivery try ended abnormally; its message is queued again at the next pass");
                self.recover.store(true, Ordering::SeqCst);
            }
            None => {}
        }
    }

    /// Whether it is time to look for expired claims again (and, if so, notes that it is done).
    fn expiry_due(&self) -> bool {
        let mut checked = self.expiry_checked.lock().unwrap_or_else(|e| e.into_inner());
        if checked.is_some_and(|at| at.elapsed() < REQUEUE_EVERY) {
            return false;
        }
        *checked = Some(tokio::time::Instant::now());
        true
    }

    /// Puts back in the queue the claims left `delivering` that nobody will finish: at the
    /// first pass, every one if this server is alone on its database (SQLite); after an
    /// interrupted pass, this instance's own; and on PostgreSQL, every [`REQUEUE_EVERY`], any
    /// instance's whose lease ran out (the instance died mid-try). Nothing to look for: no
    /// database work.
    async fn requeue_delivering(&self, now: Timestamp) -> Result<u64, StoreError> {
        let alone = self.store.backend() == store::Backend::Sqlite;
        let starting = self.starting.load(Ordering::SeqCst);
        let mine = self.recover.swap(false, Ordering::SeqCst);
        let mut which = Vec::new();
        if starting && alone {
            which.push(store::Requeue::All);
        }
        if mine {
            which.push(store::Requeue::Mine(&self.instance));
        }
        if !alone && self.expiry_due() {
            which.push(store::Requeue::Expired(now));
        }
        if which.is_empty() {
            return Ok(0);
        }
        let requeued = async {
            let mut tx = self.store.write().await?;
            let mut n = 0;
            for w in which {
                n += store::requeue_delivering(&mut tx, w).await?;
            }
            tx.commit().await?;
            Ok::<u64, StoreError>(n)
        }
        .await
        .inspect_err(|_| self.recover.store(mine, Ordering::SeqCst))?;
        self.starting.store(false, Ordering::SeqCst);
        Ok(requeued)
    }
}

/// `now + wait`, at most the end of time.
fn later(now: Timestamp, wait: Duration) -> Timestamp {
    SignedDuration::try_from(wait).ok().and_then(|d| now.checked_add(d).ok()).unwrap_or(Timestamp::MAX)
}

/// Resolves when the background task is told to stop (never for a test's pass).
async fn stopped(live: &mut Option<(Duration, &mut watch::Receiver<bool>)>) {
    match live {
        Some((_, stop)) => {
            let _ = stop.wait_for(|s| *s).await;
        }
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(permanent: bool, retry_after: Option<u64>) -> Failure {
        Failure { permanent, retry_after: retry_after.map(Duration::from_secs), error: "x".into() }
    }

    #[test]
    fn backoff_doubles_from_five_seconds_to_an_hour_with_jitter() {
        assert_eq!(backoff(1, 1.0), Duration::from_secs(5));
        assert_eq!(backoff(1, 0.0), Duration::from_millis(2500));
        assert_eq!(backoff(2, 1.0), Duration::from_secs(10));
        assert_eq!(backoff(4, 1.0), Duration::from_secs(40));
        assert_eq!(backoff(11, 1.0), Duration::from_secs(3600));
        assert_eq!(backoff(1000, 1.0), Duration::from_secs(3600));
        for n in 1..20 {
            let (lo, hi) = (backoff(n, 0.0), backoff(n, 1.0));
            let mid = backoff(n, 0.37);
            assert!(lo <= mid && mid <= hi && hi == lo * 2, "{n}");
        }
    }

    #[test]
    fn permanent_failures_and_the_last_try_are_dead() {
        assert_eq!(next_try(&failure(true, None), 1, 8, 0.5), None);
        assert_eq!(next_try(&failure(false, None), 8, 8, 0.5), None);
        assert_eq!(next_try(&failure(false, None), 1, 1, 0.5), None);
        assert_eq!(next_try(&failure(false, None), 7, 8, 1.0), Some(backoff(7, 1.0)));
    }

    #[test]
    fn retry_after_replaces_the_backoff_within_bounds() {
        assert_eq!(next_try(&failure(false, Some(2)), 1, 8, 1.0), Some(Duration::from_secs(2)));
        assert_eq!(next_try(&failure(false, Some(0)), 1, 8, 1.0), Some(RETRY_AFTER_MIN));
        assert_eq!(next_try(&failure(false, Some(10_000_000)), 1, 8, 1.0), Some(RETRY_AFTER_CAP));
        // A permanent refusal stays dead whatever it asks.
        assert_eq!(next_try(&failure(true, Some(2)), 1, 8, 1.0), None);
    }
}
