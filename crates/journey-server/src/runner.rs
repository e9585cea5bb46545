//! The journey runner: a background task that executes due work, and [`Runner::run_due_work`]
//! which tests call with a moved clock.
//!
//! Each pass, in this order:
//! 1. **Scheduled activations** due (journey-core `pending`): each planned again now and
//!    executed, held by its drift guard, or sent for approval (`actions::activation::run_scheduled`).
//! 1. **Audience runs**: a Scheduled journey whose first run is due starts (journey-core's
//!    `Start` transition); an Active journey whose `next_run_at` is due records the entry of its
//!    audience as a new iteration (entered by step 2), and its next run is journey-core's first
//!    occurrence strictly after the run. Occurrences missed while the server was down are not
//!    back-filled: one run is made and the next is the first occurrence after now.
//! 1. **Activation work**: what an activation or an audience run left to do to the memberships
//!    (a Restart's exits and entry, a Resume's moved deadlines, a run's entry), a batch of
//!    `--activation-batch` contacts per transaction until done (`store::work`). A journey with
//!    work takes no other step.
//! 2. **Events**: event-triggered Active journeys enter contacts on events after their cursor.
//! 3. **Memberships**: ready ones, and waiting ones whose deadline is due, are moved by
//!    journey-core's `flow::advance` until they wait or end, `--runner-batch` at a time; the
//!    batch's sends go into the message log (unique on the key) with one bulk insert, in the
//!    same transaction as the bulk update that moves the memberships on.
//! 4. **Completion**: an Active scheduled journey with no further run and no live membership
//!    is completed.
//!
//! The runner only logs messages; handing them to the sink is the delivery worker's
//! (`crate::delivery`), a task of its own, so a slow or failing receiver never delays a run.
//!
//! Crash safety: every step is a `BEGIN IMMEDIATE` transaction that first re-reads the
//! journey and does nothing unless it is still Active (a paused or stopped journey does
//! nothing at all). A process killed at any moment loses at most an uncommitted batch, which
//! the next pass redoes; a redone send finds its key in the log and is not logged twice.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use jiff::Timestamp;
use journey_core::flow::{Advance, ContactFacts, Position, advance};
use journey_core::journey::{Channel, Condition, ContactId, JourneyId, NodeId, NodeKind, TriggerKind, TriggerSource};
use journey_core::membership::{Generation, Iteration};
use journey_core::plan::ActivationCounts;
use journey_core::release::stale_skip;
use journey_core::state::{JourneyAction, JourneyState, transition};
use serde::Serialize;

use crate::clock::{Clock, from_ms, to_ms};
use crate::store::{self, JourneyChange, JourneyRecord, NewMessage, Store, StoreError, WorkStep};

/// A write transaction of the runner.
type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RunReport {
    /// Audience runs made.
    pub audience_runs: u64,
    /// Memberships created (audience runs and events).
    pub entered: u64,
    /// Memberships moved.
    pub advanced: u64,
    /// Messages inserted into the log.
    pub logged: u64,
    /// Messages not sent: more than their step's stale-message guard late.
    pub skipped: u64,
    /// Journeys completed.
    pub completed: u64,
    /// Scheduled journeys started.
    pub started: u64,
    /// Activations whose work on the memberships finished.
    pub applied: u64,
    /// Scheduled activations executed at their instant (`actions::activation::run_scheduled`).
    pub activated: u64,
}

impl RunReport {
    fn add(&mut self, o: RunReport) {
        self.audience_runs += o.audience_runs;
        self.entered += o.entered;
        self.advanced += o.advanced;
        self.logged += o.logged;
        self.skipped += o.skipped;
        self.completed += o.completed;
        self.started += o.started;
        self.applied += o.applied;
        self.activated += o.activated;
    }
}

/// The runner.
#[derive(Debug)]
pub struct Runner {
    store: Store,
    clock: Arc<dyn Clock>,
    batch: i64,
    activation_batch: i64,
    lock: tokio::sync::Mutex<()>,
    health: RunnerHealth,
}

/// What `/api/health` says of the runner, kept in memory so health never waits for the
/// database.
#[derive(Debug, Default)]
pub struct RunnerHealth {
    /// When the last pass finished (milliseconds since the epoch; 0: none yet).
    last_pass_at_ms: AtomicI64,
    /// How long it took.
    last_pass_ms: AtomicU64,
    /// Passes that failed in a row (0 after a good one).
    failures_in_a_row: AtomicU64,
}

/// A snapshot of [`RunnerHealth`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RunnerStatus {
    /// When the last pass finished, if one did.
    pub last_pass_at: Option<Timestamp>,
    /// How long the last pass took, in milliseconds.
    pub last_pass_ms: u64,
    /// Milliseconds since the last pass finished (how far behind the runner may be).
    pub lag_ms: Option<u64>,
    /// Passes that failed in a row.
    pub failures_in_a_row: u64,
}

const SYSTEM: &str = "system";

/// Contacts per transaction when applying an activation's work (`--activation-batch`): large
/// enough to be quick overall, small enough that other writers wait tens of milliseconds at
/// most for each.
pub const DEFAULT_ACTIVATION_BATCH: u32 = 500;

impl Runner {
    pub fn new(store: Store, clock: Arc<dyn Clock>, batch: u32, activation_batch: u32) -> Runner {
        Runner {
            store,
            clock,
            batch: i64::from(batch.max(1)),
            activation_batch: i64::from(activation_batch.max(1)),
            lock: tokio::sync::Mutex::new(()),
            health: RunnerHealth::default(),
        }
    }

    /// The runner's state as of `now`, from memory.
    pub fn status(&self, now: Timestamp) -> RunnerStatus {
        let last = self.health.last_pass_at_ms.load(Ordering::Relaxed);
        let last_pass_at = (last != 0).then(|| from_ms(last));
        RunnerStatus {
            last_pass_at,
            last_pass_ms: self.health.last_pass_ms.load(Ordering::Relaxed),
            lag_ms: last_pass_at.map(|at| u64::try_from((now - at).as_millis()).unwrap_or(0)),
            failures_in_a_row: self.health.failures_in_a_row.load(Ordering::Relaxed),
        }
    }

    /// Ticks every `interval` until `stop` fires.
    pub async fn run_forever(self: Arc<Self>, interval: Duration, mut stop: tokio::sync::watch::Receiver<bool>) {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                _ = stop.changed() => break,
            }
            if *stop.borrow() {
                break;
            }
            let now = self.clock.now();
            let started = std::time::Instant::now();
            match self.run_due_work(now).await {
                Ok(_) => self.health.failures_in_a_row.store(0, Ordering::Relaxed),
                Err(e) => {
                    self.health.failures_in_a_row.fetch_add(1, Ordering::Relaxed);
                    tracing::error!(error = %e, "runner pass failed; retrying at the next tick");
                }
            }
            let took = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            self.health.last_pass_ms.store(took, Ordering::Relaxed);
            self.health.last_pass_at_ms.store(to_ms(self.clock.now()), Ordering::Relaxed);
        }
    }

    /// Executes all work due at `now` (repeating batches until none is left).
    pub async fn run_due_work(&self, now: Timestamp) -> Result<RunReport, StoreError> {
        let _guard = self.lock.lock().await;
        let activated = crate::actions::activation::run_scheduled(&self.store, now).await?;
        let mut report = RunReport { activated, ..RunReport::default() };
        report.add(self.audience_runs(now).await?);
        report.add(self.activation_work(now).await?);
        report.add(self.events(now).await?);
        report.add(self.memberships(now).await?);
        report.add(self.complete(now).await?);
        Ok(report)
    }

    /// Opens a write transaction and re-reads the journey in it: `None` (nothing to do) unless
    /// the journey is still in one of `states` and has no activation work left. Every step of a
    /// pass but the work itself starts here, so a journey paused or stopped between the pass's
    /// read and its write does nothing at all.
    ///
    /// A transaction the runner does not commit it ends with [`release`]: dropped, PostgreSQL
    /// would keep the journey locked until the pool got round to rolling it back, and the next
    /// step (of this or another instance) would skip the journey meanwhile.
    async fn begin_in(&self, journey_id: i64, states: &[JourneyState]) -> Result<Option<(Tx, JourneyRecord)>, StoreError> {
        let mut tx = self.store.write().await?;
        match store::lock_journey(&mut tx, journey_id, store::Held::Skip).await? {
            Some(rec) if states.contains(&rec.state()?) && !store::has_work(&mut tx, journey_id).await? => Ok(Some((tx, rec))),
            _ => release(tx).await.map(|()| None),
        }
    }

    /// Only the first part of a pass: the pending activation work (benchmarks time it apart).
    pub async fn apply_activation_work(&self, now: Timestamp) -> Result<RunReport, StoreError> {
        let _guard = self.lock.lock().await;
        self.activation_work(now).await
    }

    /// Applies every journey's pending work, one batch per transaction (whatever the journey's
    /// state: the work belongs to an activation or a run already made). When an activation's
    /// work is done, its `applied` line records the counts executed.
    async fn activation_work(&self, now: Timestamp) -> Result<RunReport, StoreError> {
        let mut report = RunReport::default();
        let journeys = store::journeys_with_work(&mut *self.store.read().await?).await?;
        for id in journeys {
            loop {
                let mut tx = self.store.write().await?;
                // Locked first (another instance's runner skips it meanwhile), then its work.
                let Some(rec) = store::lock_journey(&mut tx, id, store::Held::Skip).await? else { break release(tx).await? };
                let Some(mut work) = store::work(&mut tx, id).await? else { break release(tx).await? };
                let batch = store::apply_work_batch(&mut tx, &mut work, &rec.definition()?, self.activation_batch, now).await?;
                report.entered += batch.entered;
                // An activation's work ends with its `applied` line; an audience run's entry
                // logs nothing, as a run never did.
                if let (true, Some(mode)) = (batch.finished, work.mode) {
                    let counts = work.executed();
                    let note = differences(&work.planned, &counts);
                    if let Some(note) = &note {
                        tracing::warn!(journey = id, %note, "activation executed other counts than planned");
                    }
                    let applied = JourneyChange::Applied { mode, counts: &counts, note };
                    store::change_journey(&mut tx, &rec, applied, now, SYSTEM).await?;
                    report.applied += 1;
                }
                tx.commit().await?;
                if batch.finished {
                    break;
                }
            }
        }
        Ok(report)
    }

    async fn audience_runs(&self, now: Timestamp) -> Result<RunReport, StoreError> {
        let mut report = RunReport::default();
        let due = store::journeys_due_for_run(&mut *self.store.read().await?, now).await?;
        for id in due {
            let Some((mut tx, mut rec)) = self.begin_in(id, &[JourneyState::Scheduled, JourneyState::Active]).await? else {
                continue;
            };
            let Some(due) = rec.next_run_at.map(from_ms).filter(|t| *t <= now) else {
                release(tx).await?;
                continue;
            };
            if rec.state()? == JourneyState::Scheduled {
                if transition(JourneyState::Scheduled, JourneyAction::Start).is_err() {
                    release(tx).await?;
                    continue;
                }
                rec = store::change_journey(&mut tx, &rec, JourneyChange::Started { due }, now, SYSTEM).await?;
                report.started += 1;
            }
            let def = rec.definition()?;
            let zone = rec.zone()?;
            let iteration = Iteration(rec.runs_done()).next();
            // The audience enters in batches right after this commits (the work step of this
            // pass), so a run of a million contacts holds the write lock for none of it.
            if !matches!(def.trigger.source, TriggerSource::Event { .. }) {
                let entry = WorkStep::Enter { generation: rec.generation, iteration: i64::from(iteration.0), at_ms: to_ms(now) };
                store::insert_work(&mut tx, rec.id, None, &[entry], &ActivationCounts::default(), SYSTEM, now).await?;
            }
            report.audience_runs += 1;
            let next_run = def.trigger.schedule.as_ref().and_then(|s| s.next_run_after(&zone, now, iteration.0));
            store::change_journey(&mut tx, &rec, JourneyChange::AudienceRun { iteration, next_run }, now, SYSTEM).await?;
            tx.commit().await?;
        }
        Ok(report)
    }

    async fn events(&self, now: Timestamp) -> Result<RunReport, StoreError> {
        let mut report = RunReport::default();
        let journeys = store::journeys_in(&mut *self.store.read().await?, JourneyState::Active).await?;
        for j in journeys.into_iter().filter(|j| j.trigger_kind == TriggerKind::Event.as_str()) {
            while let Some((mut tx, rec)) = self.begin_in(j.id, &[JourneyState::Active]).await? {
                let def = rec.definition()?;
                let TriggerSource::Event { event_name } = &def.trigger.source else {
                    release(tx).await?;
                    break;
                };
                let events = store::pending_events(&mut tx, event_name, rec.event_cursor, self.batch).await?;
                let Some(last) = events.last().map(|e| e.0) else {
                    release(tx).await?;
                    break;
                };
                for (_, contact_id, _) in &events {
                    // `pending_events` reads only events stored after the cursor: they arrived since
                    // the activation.
                    if store::enter_on_event(&mut tx, rec.id, &def, JourneyState::Active, rec.generation, *contact_id, true, now)
                        .await?
                    {
                        report.entered += 1;
                    }
                }
                store::set_event_cursor(&mut tx, rec.id, last).await?;
                tx.commit().await?;
            }
        }
        Ok(report)
    }

    async fn memberships(&self, now: Timestamp) -> Result<RunReport, StoreError> {
        let mut report = RunReport::default();
        let journeys = store::journeys_in(&mut *self.store.read().await?, JourneyState::Active).await?;
        for j in journeys {
            let mut seen = std::collections::HashSet::new();
            loop {
                let (r, more) = self.membership_batch(j.id, now, &mut seen).await?;
                report.add(r);
                if !more {
                    break;
                }
            }
        }
        Ok(report)
    }

    /// One batch of one journey; returns whether there may be more. `seen` holds the
    /// memberships moved in this pass: one that is due again at the same instant (which the
    /// flow's rules do not produce) waits for the next pass instead of looping.
    async fn membership_batch(
        &self,
        journey_id: i64,
        now: Timestamp,
        seen: &mut std::collections::HashSet<i64>,
    ) -> Result<(RunReport, bool), StoreError> {
        let mut report = RunReport::default();
        let Some((mut tx, rec)) = self.begin_in(journey_id, &[JourneyState::Active]).await? else { return Ok((report, false)) };
        let def = rec.definition()?;
        let needs_events =
            def.nodes.iter().any(|n| matches!(n.kind, NodeKind::Condition { condition: Condition::DidEvent { .. }, .. }));
        let due = store::due_memberships(&mut tx, rec.id, now, self.batch).await?;
        let repeat = due.iter().any(|m| !seen.insert(m.id));
        if repeat {
            tracing::warn!(journey = rec.id, "a membership was due twice in one pass; the rest waits for the next pass");
        }
        let more = due.len() as i64 == self.batch && !repeat;
        // journey-core decides every step; the runner then logs the batch's sends with one
        // bulk insert and stores its positions with one bulk update, in the same transaction.
        let mut advances = Vec::with_capacity(due.len());
        for m in &due {
            let attributes = m.attributes();
            let events =
                if needs_events { store::events_since(&mut tx, m.contact_id, m.entered_at).await? } else { Default::default() };
            let facts = ContactFacts { attributes: &attributes, subscribed: m.subscribed != 0, events_since_entry: &events };
            let position = Position {
                journey_id: JourneyId(rec.id as u64),
                contact_id: ContactId(m.contact_id as u64),
                generation: Generation(m.generation as u32),
                iteration: Iteration(m.iteration as u32),
                node: NodeId::new(m.node.clone()),
                status: m.status(),
            };
            advances.push(advance(&def, &position, now, &facts));
        }
        let mut messages = Vec::new();
        let mut skipped = Vec::new();
        for (m, Advance { sends, .. }) in due.iter().zip(&advances) {
            let late_by = m.late_by(rec.activated_at.map(from_ms), now);
            for send in sends {
                let message = NewMessage {
                    journey_id: rec.id,
                    generation: m.generation,
                    iteration: m.iteration,
                    contact_id: m.contact_id,
                    node_id: send.key.node_id.as_str(),
                    key: send.key.to_string(),
                    channel: send.channel.as_str(),
                    template: &send.template,
                    recipient: None,
                };
                match stale_skip(&def, &send.key.node_id, late_by) {
                    // Never sent: no address is kept with it.
                    Some(skip) => {
                        skipped.push(store::SkippedMessage { message, late_minutes: skip.late_minutes, reason: skip.reason() })
                    }
                    None => {
                        let recipient = match send.channel {
                            Channel::Email => m.email.as_deref(),
                            _ => m.phone.as_deref().or(m.email.as_deref()),
                        };
                        messages.push(NewMessage { recipient, ..message });
                    }
                }
            }
        }
        report.logged += store::log_messages(&mut tx, &messages, now).await?;
        report.skipped += store::log_skipped(&mut tx, &skipped, now).await?;
        let positions: Vec<(i64, &str, _)> =
            due.iter().zip(&advances).map(|(m, a)| (m.id, a.position.node.as_str(), a.position.status)).collect();
        store::set_memberships(&mut tx, &positions, now).await?;
        report.advanced += due.len() as u64;
        tx.commit().await?;
        Ok((report, more))
    }

    async fn complete(&self, now: Timestamp) -> Result<RunReport, StoreError> {
        let mut report = RunReport::default();
        let candidates = store::journeys_without_work(&mut *self.store.read().await?).await?;
        for id in candidates {
            let Some((mut tx, rec)) = self.begin_in(id, &[JourneyState::Active]).await? else { continue };
            if rec.next_run_at.is_some()
                || store::live_count(&mut tx, id).await? > 0
                || transition(JourneyState::Active, JourneyAction::Complete).is_err()
            {
                release(tx).await?;
                continue;
            }
            store::change_journey(&mut tx, &rec, JourneyChange::Completed, now, SYSTEM).await?;
            tx.commit().await?;
            report.completed += 1;
        }
        Ok(report)
    }
}

/// A sentence saying how an activation's executed counts differ from the planned ones (none
/// when they are equal). Only a Restart's exits and entry can differ: the runner judges each
/// contact when its batch comes, and contacts can subscribe, unsubscribe or join the data set
/// in between.
fn differences(planned: &ActivationCounts, executed: &ActivationCounts) -> Option<String> {
    use journey_core::plan::format_count as n;
    let mut parts = Vec::new();
    if let (Some(p), Some(e)) = (planned.entering, executed.entering)
        && p != e
    {
        parts.push(format!("{} contacts entered, not the {} planned", n(e), n(p)));
    }
    if planned.exited_by_restart != executed.exited_by_restart {
        parts.push(format!(
            "{} left by the restart, not the {} planned",
            n(executed.exited_by_restart),
            n(planned.exited_by_restart)
        ));
    }
    if planned.overdue != executed.overdue {
        parts.push(format!("{} overdue contacts held for the pace, not the {} planned", n(executed.overdue), n(planned.overdue)));
    }
    if planned.exited_by_edit != executed.exited_by_edit {
        parts.push(format!(
            "{} left their removed step, not the {} planned",
            n(executed.exited_by_edit),
            n(planned.exited_by_edit)
        ));
    }
    (!parts.is_empty()).then(|| {
        format!("{}: contacts changed (subscribed, unsubscribed or joined the data set) while it was applied.", parts.join("; "))
    })
}

/// Ends a transaction the runner does not commit (see `Runner::begin_in`).
async fn release(tx: Tx) -> Result<(), StoreError> {
    tx.rollback().await?;
    Ok(())
}
