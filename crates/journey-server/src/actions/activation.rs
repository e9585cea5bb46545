//! Resume and Restart: the preview, and the activation that executes exactly the plan the
//! preview showed.

use crate::clock::to_ms;
use crate::store::{Finished, JourneyRecord, WorkStep};
use jiff::Timestamp;
use journey_core::api::{ActivateRequest, ActivateResponse, JourneyDetail, PendingDecision, PendingResponse, PendingStatus};
use journey_core::edit::{Destination, wait_shifts};
use journey_core::journey::{TriggerSource, check_plain_text};
use journey_core::pending::{
    ApprovalNeed, MAX_LATE_MINUTES, PlanFigures, approval_needed, check_run_at, reapproval_needed, recipients, too_late,
};
use journey_core::plan::{ActivationMode, ActivationPlan, NextRun, PlanError, WaitHandling, format_count, plan_activation};
use journey_core::release::{ReleasePolicy, release_instant, volume};
use journey_core::snapshot::JourneySnapshot;
use journey_core::state::JourneyAction;

use super::{ActionError, Result, allowed, check_not_applying, check_version, load, lock, not_allowed, views};
use crate::store::{self, JourneyChange, Store};

/// journey-core's plan from a fresh snapshot taken `now`, for activating at `at`.
pub async fn preview(
    store: &Store,
    id: u64,
    mode: ActivationMode,
    wait: WaitHandling,
    at: Timestamp,
    now: Timestamp,
) -> Result<ActivationPlan> {
    let mut tx = store.read_tx().await?;
    let rec = load(&mut tx, id).await?;
    let snapshot = store::snapshot(&mut tx, &rec, now).await?;
    plan_activation(&snapshot, at, mode, wait).map_err(|e| match e {
        PlanError::NotActivatable(_) => not_allowed(&rec, JourneyAction::Activate),
        PlanError::StaleSnapshot { valid_until } => ActionError::Invalid(format!(
            "A preview can be computed from now ({now}) up to {valid_until}; `at` is later than that."
        )),
        other => ActionError::Storage(store::StoreError::Corrupt(format!("journey {id}: {other}"))),
    })
}

/// An activation's answer, as first given and as replayed for a repeated `Idempotency-Key`.
#[derive(Debug, Clone)]
pub enum Activation {
    /// Activated now (200).
    Done(Box<ActivateResponse>),
    /// Waits for its instant or for approval (202).
    Waiting(Box<PendingResponse>),
    /// A waiting activation was cancelled or rejected: the journey now (200).
    Decided(Box<JourneyDetail>),
    /// The stored answer to the first request with this key (the same status and JSON, byte
    /// for byte).
    Replayed { status: u16, body: serde_json::Value },
}

impl Activation {
    fn status(&self) -> u16 {
        match self {
            Activation::Waiting(_) => 202,
            Activation::Replayed { status, .. } => *status,
            Activation::Done(_) | Activation::Decided(_) => 200,
        }
    }

    fn body(&self) -> Result<String> {
        let body = match self {
            Activation::Done(r) => serde_json::to_string(r),
            Activation::Waiting(r) => serde_json::to_string(r),
            Activation::Decided(r) => serde_json::to_string(r),
            Activation::Replayed { body, .. } => serde_json::to_string(body),
        };
        body.map_err(|e| store::StoreError::Corrupt(e.to_string()).into())
    }
}

/// Who asks: the activity log's name for them and their user id (an approver must be another
/// person).
#[derive(Debug, Clone, Copy)]
pub struct Asker<'a> {
    pub actor: &'a str,
    pub user_id: i64,
}

/// The stored answer for `key`, if the same request was answered before; a different request
/// with the same key is refused. Call after taking the journey, so a second request with the
/// same key waits for the first one's commit and then finds its answer.
async fn replay(tx: &mut store::Tx, key: Option<&str>, fingerprint: &str) -> Result<Option<Activation>> {
    let Some(key) = key else { return Ok(None) };
    let Some(prev) = store::idempotent_answer(tx, key).await? else { return Ok(None) };
    if prev.fingerprint != fingerprint {
        return Err(ActionError::IdempotencyKeyReused);
    }
    let body = serde_json::from_str(&prev.response).map_err(|e| store::StoreError::Corrupt(e.to_string()))?;
    Ok(Some(Activation::Replayed { status: u16::try_from(prev.status).unwrap_or(200), body }))
}

/// Keeps `answer` under `key` (in the transaction that made it).
async fn remember(
    tx: &mut store::Tx,
    key: Option<&str>,
    journey_id: i64,
    fingerprint: &str,
    answer: &Activation,
    now: Timestamp,
) -> Result<()> {
    if let Some(key) = key
        && !store::store_idempotent_answer(tx, key, journey_id, fingerprint, answer.status(), &answer.body()?, now).await?
    {
        return Err(ActionError::IdempotencyKeyReused);
    }
    Ok(())
}

/// journey-core's plan, or the error a person reads.
fn plan_of(
    rec: &JourneyRecord,
    snapshot: &JourneySnapshot,
    at: Timestamp,
    mode: ActivationMode,
    wait: WaitHandling,
) -> Result<ActivationPlan> {
    match plan_activation(snapshot, at, mode, wait) {
        Ok(plan) => Ok(plan),
        Err(PlanError::NotActivatable(_)) => Err(not_allowed(rec, JourneyAction::Activate)),
        Err(e) => Err(store::StoreError::Corrupt(format!("journey {}: {e}", rec.id)).into()),
    }
}

/// Resume or Restart, now or later, in one write transaction.
///
/// Now: reads the snapshot, asks journey-core for the plan at `now`, sets the journey's new
/// state and records the plan's work on the memberships for the runner (`work_steps`), under
/// the asker's name. Later (`at`), or now when the plan's first hour exceeds the workspace's
/// approval threshold: records a waiting activation with the plan it was asked with (a
/// projection to `at`), replacing the journey's waiting one if any; the runner executes it at
/// its instant (`run_scheduled`), a second person approves it (`decide`). A journey whose
/// previous activation is still being applied is refused (409).
pub async fn activate(
    store: &Store,
    id: u64,
    req: &ActivateRequest,
    idempotency_key: Option<&str>,
    now: Timestamp,
    who: Asker<'_>,
) -> Result<Activation> {
    // Restart releases nothing: its policy is all at once, whatever was asked.
    let release = match req.mode {
        ActivationMode::Resume => req.release,
        ActivationMode::Restart => ReleasePolicy::AllAtOnce,
    };
    release.check().map_err(|e| ActionError::Invalid(e.to_string()))?;
    if let Some(guard) = req.drift_guard {
        guard.check().map_err(ActionError::Invalid)?;
        if req.at.is_none() {
            return Err(ActionError::Invalid(
                "A drift guard goes with a later instant (`at`): an activation now runs on the numbers you see.".into(),
            ));
        }
    }
    let mut fingerprint = serde_json::json!({
        "journey": id, "mode": req.mode, "wait_handling": req.wait_handling, "expected_version": req.expected_version,
    });
    // Only what was asked is part of it, so a key stored before paces or instants existed
    // still replays.
    if release.holds() {
        fingerprint["release"] = serde_json::json!(release);
    }
    if let Some(at) = req.at {
        fingerprint["at"] = serde_json::json!(at);
        fingerprint["drift_guard"] = serde_json::json!(req.drift_guard);
    }
    let fingerprint = fingerprint.to_string();
    let mut tx = store.write().await?;
    let rec = lock(&mut tx, id).await?;
    if let Some(answer) = replay(&mut tx, idempotency_key, &fingerprint).await? {
        return Ok(answer);
    }
    // A stale version first: the caller's page is out of date whatever the state is now.
    check_version(&rec, Some(req.expected_version))?;
    allowed(&rec, JourneyAction::Activate)?;
    check_not_applying(&mut tx, &rec).await?;
    // After the replay: a retry of a request answered before its instant passed still replays.
    if let Some(at) = req.at {
        check_run_at(at, now).map_err(|e| ActionError::Invalid(e.to_string()))?;
    }

    let (snapshot, at) = match req.at {
        Some(at) => (store::projected_snapshot(&mut tx, &rec, now, at).await?, at),
        None => (store::snapshot(&mut tx, &rec, now).await?, now),
    };
    let plan = plan_of(&rec, &snapshot, at, req.mode, req.wait_handling)?;
    // A pace that would take too long for this backlog is refused in words.
    release.check_for(plan.overdue).map_err(|e| ActionError::Invalid(e.to_string()))?;
    let volume = volume(&snapshot, &plan, release);
    let approval = approval_needed(snapshot.approval_threshold, &volume);
    let answer = if req.at.is_some() || approval.is_some() {
        let figures = PlanFigures::of(&plan, &volume);
        let waiting = store::NewPending {
            journey_id: rec.id,
            status: if approval.is_some() { PendingStatus::AwaitingApproval } else { PendingStatus::Scheduled },
            mode: req.mode,
            wait_handling: req.wait_handling,
            release,
            run_at: req.at,
            drift_guard: req.drift_guard,
            requested_by: who.actor,
            requested_by_id: who.user_id,
            requested_at: now,
            figures: &figures,
            approval,
        };
        Activation::Waiting(Box::new(wait_for(&mut tx, &rec, &waiting, now, who.actor).await?))
    } else {
        Activation::Done(Box::new(execute(&mut tx, &rec, &snapshot, &plan, release, who.actor, None).await?))
    };
    remember(&mut tx, idempotency_key, rec.id, &fingerprint, &answer, now).await?;
    tx.commit().await?;
    Ok(answer)
}

/// Records a waiting activation (replacing the journey's waiting one, if any) and its
/// activity line.
async fn wait_for(
    tx: &mut store::Tx,
    rec: &JourneyRecord,
    new: &store::NewPending<'_>,
    now: Timestamp,
    actor: &str,
) -> Result<PendingResponse> {
    let zone = rec.zone()?;
    let mut rec = rec.clone();
    if let Some(old) = store::waiting_activation(tx, rec.id).await? {
        let note = format!("Cancelled {}: {actor} asked for another activation.", old.describe(&zone));
        rec = store::end_pending(tx, &rec, old.id, Finished::Cancelled, "cancel_pending", &note, now, actor).await?;
    }
    let pending = store::insert_pending(tx, new).await?;
    let what = new.mode.as_str();
    let figures = new.figures;
    let (action, note) = match (new.approval, new.run_at) {
        (None, Some(at)) => {
            let guard = new.drift_guard.map_or(String::new(), |g| {
                format!(" It is held if the recipients then differ by more than {}% from that.", g.percent)
            });
            (
                "schedule",
                format!(
                    "Scheduled a {what} for {}: {} recipients projected.{guard}",
                    zone.format(at),
                    format_count(figures.recipients)
                ),
            )
        }
        (Some(need), at) => (
            "request_approval",
            format!(
                "Asked for approval of a {what} {}: {}{} messages in its first hour, more than the limit of {}.",
                at.map_or("now".to_string(), |at| format!("at {}", zone.format(at))),
                if need.at_least { "at least " } else { "" },
                format_count(need.first_hour),
                format_count(need.threshold)
            ),
        ),
        (None, None) => {
            return Err(store::StoreError::Corrupt("a waiting activation with no instant and no approval".into()).into());
        }
    };
    let rec = store::change_journey(tx, &rec, JourneyChange::Waiting { action, note: &note }, now, actor).await?;
    Ok(PendingResponse { journey: views::detail_of(tx, &rec).await?, pending: pending.view()? })
}

/// Executes `plan` (made from `snapshot` in this transaction): records its work on the
/// memberships (`work_steps`) and the journey's new state under `actor`. The counts are the
/// plan's; the runner applies the rows after the commit and logs the counts it executed
/// (`store::work`).
async fn execute(
    tx: &mut store::Tx,
    rec: &JourneyRecord,
    snapshot: &JourneySnapshot,
    plan: &ActivationPlan,
    release: ReleasePolicy,
    actor: &str,
    note: Option<&str>,
) -> Result<ActivateResponse> {
    let counts = plan.counts();
    let steps = work_steps(snapshot, plan, release);
    let held = if release.holds() { plan.overdue } else { 0 };
    if !steps.is_empty() {
        store::insert_work(tx, rec.id, Some(plan.mode), &steps, &counts, actor, plan.at).await?;
    }
    let change = JourneyChange::Activated {
        mode: plan.mode,
        wait_handling: plan.wait_handling,
        generation: plan.generation,
        runs_done: plan.runs_done,
        next_run: plan.next_scheduled_run,
        last_run: match plan.next_run {
            NextRun::Immediately { at } if plan.mode == ActivationMode::Restart => Some(at),
            _ => None,
        },
        // Events that arrived while frozen are not replayed.
        event_cursor: match snapshot.definition.trigger.source {
            TriggerSource::Event { .. } => Some(store::max_event_id(tx).await?),
            _ => None,
        },
        counts: &counts,
        release: (held > 0).then_some(release),
        note,
    };
    let rec = store::change_journey(tx, rec, change, plan.at, actor).await?;
    Ok(ActivateResponse {
        journey: views::detail_of(tx, &rec).await?,
        counts,
        next_run: plan.next_run,
        plan_at: plan.at,
        applying_in_batches: !steps.is_empty(),
        release,
        last_release: (held > 0).then(|| release_instant(release, plan.at, held - 1, held)),
    })
}

/// What a second person (or the asker, to cancel) decides about a waiting activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Run it (now, or at its instant if that is still ahead).
    Approve,
    /// Refuse it, with a reason.
    Reject,
    /// Withdraw it (anyone who may activate).
    Cancel,
}

impl Decision {
    fn as_str(self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::Reject => "reject",
            Decision::Cancel => "cancel",
        }
    }
}

/// Approves, rejects or cancels the journey's waiting activation `body.pending_id`, from the
/// journey at `body.expected_version`, in one write transaction.
///
/// Approve (awaiting approval only, by someone other than the asker): when its instant is
/// still ahead it becomes scheduled; otherwise it runs now, planned again now from a fresh
/// snapshot (what the approver's page showed, recomputed). Reject (awaiting approval, another
/// person, a reason): it ends. Cancel (any waiting one): it ends.
pub async fn decide(
    store: &Store,
    id: u64,
    decision: Decision,
    body: &PendingDecision,
    idempotency_key: Option<&str>,
    now: Timestamp,
    who: Asker<'_>,
) -> Result<Activation> {
    let reason = body.reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
    if let Some(r) = reason {
        check_plain_text("reason", r).map_err(|e| ActionError::Invalid(e.to_string()))?;
    }
    if decision == Decision::Reject && reason.is_none() {
        return Err(ActionError::Invalid("Say why you reject it: the reason goes in the activity log.".into()));
    }
    let fingerprint = serde_json::json!({
        "journey": id, "decision": decision.as_str(), "pending": body.pending_id, "expected_version": body.expected_version, "reason": reason,
    })
    .to_string();
    let mut tx = store.write().await?;
    let rec = lock(&mut tx, id).await?;
    if let Some(answer) = replay(&mut tx, idempotency_key, &fingerprint).await? {
        return Ok(answer);
    }
    // Whether it still waits first: a decision on one that ran or was cancelled is told so,
    // rather than that the page is out of date.
    let waiting = store::waiting_activation(&mut tx, rec.id).await?.filter(|p| p.id as u64 == body.pending_id);
    let Some(waiting) = waiting else { return Err(ActionError::NotPending(NOT_WAITING.into())) };
    check_version(&rec, Some(body.expected_version))?;
    let zone = rec.zone()?;
    let status = waiting.status()?;
    if decision != Decision::Cancel {
        if status != PendingStatus::AwaitingApproval {
            return Err(ActionError::NotPending("This activation does not wait for approval.".into()));
        }
        if waiting.requested_by_id == who.user_id {
            return Err(ActionError::OwnRequest);
        }
    }
    let because = reason.map_or(String::new(), |r| format!(" Reason: {r}"));
    let answer = match decision {
        Decision::Cancel | Decision::Reject => {
            let (how, action, verb) = match decision {
                Decision::Cancel => (Finished::Cancelled, "cancel_pending", "Cancelled"),
                _ => (Finished::Rejected, "reject", "Rejected"),
            };
            let note = format!("{verb} {}.{because}", waiting.describe(&zone));
            let rec = store::end_pending(&mut tx, &rec, waiting.id, how, action, &note, now, who.actor).await?;
            Activation::Decided(Box::new(views::detail_of(&mut tx, &rec).await?))
        }
        Decision::Approve => {
            let note = format!("Approved {}.{because}", waiting.describe(&zone));
            let later = waiting.run_at().filter(|at| *at > now);
            if later.is_some() {
                let approved = store::approve_pending(&mut tx, waiting.id, who.actor).await?;
                let change = JourneyChange::Waiting { action: "approve", note: &note };
                let rec = store::change_journey(&mut tx, &rec, change, now, who.actor).await?;
                Activation::Waiting(Box::new(PendingResponse {
                    journey: views::detail_of(&mut tx, &rec).await?,
                    pending: approved.view()?,
                }))
            } else {
                check_not_applying(&mut tx, &rec).await?;
                let (snapshot, plan, release) = plan_now(&mut tx, &rec, &waiting, now).await?;
                store::finish_pending(&mut tx, waiting.id, Finished::Done, None, now).await?;
                let rec = store::change_journey(
                    &mut tx,
                    &rec,
                    JourneyChange::Waiting { action: "approve", note: &note },
                    now,
                    who.actor,
                )
                .await?;
                let ran = format!("Asked for by {}; approved by {}.", waiting.requested_by, who.actor);
                Activation::Done(Box::new(
                    execute(&mut tx, &rec, &snapshot, &plan, release, &waiting.requested_by, Some(&ran)).await?,
                ))
            }
        }
    };
    remember(&mut tx, idempotency_key, rec.id, &fingerprint, &answer, now).await?;
    tx.commit().await?;
    Ok(answer)
}

const NOT_WAITING: &str = "This activation no longer waits: it ran, or was cancelled, rejected or replaced. Reload the journey.";

/// Executes the scheduled activations due at `now` (the runner's first step): each in its own
/// write transaction that takes the journey (another instance's runner skips it), so each runs
/// once. Planned again at `now` from a fresh snapshot; held instead when its drift guard says
/// so or when the runner reaches it too late, sent for approval when its first hour now needs
/// one it does not have, cancelled when a rule refuses it; every outcome has its activity line.
/// One that fails is logged and tried again next pass; it holds up no other. Returns how many
/// ran.
pub async fn run_scheduled(store: &Store, now: Timestamp) -> Result<u64, store::StoreError> {
    let due = {
        let mut conn = store.read_tx().await?;
        store::due_activations(&mut conn, now).await?
    };
    let mut ran = 0;
    for (pending_id, journey_id) in due {
        match run_due(store, pending_id, journey_id, now).await {
            Ok(done) => ran += u64::from(done),
            Err(e) => tracing::error!(
                journey = journey_id,
                pending = pending_id,
                error = %e,
                "a scheduled activation could not be executed; trying again at the next pass"
            ),
        }
    }
    Ok(ran)
}

/// One due scheduled activation, in one transaction: true when it ran.
async fn run_due(store: &Store, pending_id: i64, journey_id: i64, now: Timestamp) -> Result<bool, store::StoreError> {
    let mut tx = store.write().await?;
    let Some(rec) = store::lock_journey(&mut tx, journey_id, store::Held::Skip).await? else {
        tx.rollback().await?;
        return Ok(false);
    };
    // Ran or changed meanwhile (another instance), or the journey's last activation is still
    // being applied: nothing now (the next pass).
    let waiting = store::waiting_activation(&mut tx, journey_id).await?.filter(|p| {
        p.id == pending_id && p.status == PendingStatus::Scheduled.as_str() && p.run_at.is_some_and(|t| t <= to_ms(now))
    });
    let Some(waiting) = waiting else {
        tx.rollback().await?;
        return Ok(false);
    };
    if store::has_work(&mut tx, journey_id).await? {
        tx.rollback().await?;
        return Ok(false);
    }
    let outcome = match run_one(&mut tx, &rec, &waiting, now).await {
        Ok(ran) => Ok(ran),
        Err(ActionError::Storage(e)) => Err(e),
        // A rule refused it before anything was written (the journey can no longer be
        // activated so, a pace too slow for the backlog now): cancelled, in words.
        Err(refused) => match rec.zone() {
            Ok(zone) => {
                let note = format!("Cancelled {}: {refused}", waiting.describe(&zone));
                store::end_pending(&mut tx, &rec, waiting.id, Finished::Cancelled, "cancel_pending", &note, now, SYSTEM)
                    .await
                    .map(|_| false)
            }
            Err(e) => Err(e),
        },
    };
    match outcome {
        Ok(ran) => {
            tx.commit().await?;
            Ok(ran)
        }
        Err(e) => {
            tx.rollback().await?;
            Err(e)
        }
    }
}

const SYSTEM: &str = "system";

/// Puts a waiting activation back to `status` with a sentence (held, or awaiting approval),
/// under `system`.
#[allow(clippy::too_many_arguments)]
async fn set_waiting(
    tx: &mut store::Tx,
    rec: &JourneyRecord,
    waiting: &store::PendingRecord,
    status: PendingStatus,
    approval: Option<&ApprovalNeed>,
    action: &'static str,
    note: &str,
    now: Timestamp,
) -> Result<()> {
    store::set_pending(tx, waiting.id, status, approval, note).await?;
    store::change_journey(tx, rec, JourneyChange::Waiting { action, note }, now, SYSTEM).await?;
    Ok(())
}

/// The plan at `now` from a fresh snapshot, with the pace checked against its backlog.
async fn plan_now(
    tx: &mut store::Tx,
    rec: &JourneyRecord,
    waiting: &store::PendingRecord,
    now: Timestamp,
) -> Result<(JourneySnapshot, ActivationPlan, ReleasePolicy)> {
    let release = waiting.release()?;
    let snapshot = store::snapshot(tx, rec, now).await?;
    let plan = plan_of(rec, &snapshot, now, waiting.mode()?, waiting.wait_handling()?)?;
    release.check_for(plan.overdue).map_err(|e| ActionError::Invalid(e.to_string()))?;
    Ok((snapshot, plan, release))
}

/// One scheduled activation at its instant: true when it ran. Rule refusals come before any
/// write (the caller cancels on them).
async fn run_one(tx: &mut store::Tx, rec: &JourneyRecord, waiting: &store::PendingRecord, now: Timestamp) -> Result<bool> {
    let zone = rec.zone()?;
    allowed(rec, JourneyAction::Activate)?;
    let (snapshot, plan, release) = plan_now(tx, rec, waiting, now).await?;
    let volume = volume(&snapshot, &plan, release);
    let asker = &waiting.requested_by;
    if let Some(late) = waiting.run_at().and_then(|at| too_late(at, now)) {
        let note = format!(
            "Held {}: it was reached {} late (the server was not running), more than {} minutes. Nothing was sent; {asker} can activate it again or cancel it.",
            waiting.describe(&zone),
            describe_late(late),
            MAX_LATE_MINUTES
        );
        set_waiting(tx, rec, waiting, PendingStatus::Held, None, "hold", &note, now).await?;
        return Ok(false);
    }
    if let Some(guard) = waiting.drift_guard() {
        let drift = guard.judge(waiting.figures()?.recipients, recipients(&plan));
        if drift.holds {
            let note = format!(
                "Held {}: {} Nothing was sent; {asker} can activate it again or cancel it.",
                waiting.describe(&zone),
                drift.sentence()
            );
            set_waiting(tx, rec, waiting, PendingStatus::Held, None, "hold", &note, now).await?;
            return Ok(false);
        }
    }
    // An approval covers the first hour the approver saw, not more.
    let approved = match &waiting.approved_by {
        Some(_) => waiting.approval()?.map(|a| a.first_hour),
        None => None,
    };
    if let Some(need) = reapproval_needed(snapshot.approval_threshold, &volume, approved) {
        let note = need.at_instant_sentence(approved);
        set_waiting(tx, rec, waiting, PendingStatus::AwaitingApproval, Some(&need), "request_approval", &note, now).await?;
        return Ok(false);
    }
    store::finish_pending(tx, waiting.id, Finished::Done, None, now).await?;
    let mut note = format!("Scheduled by {asker} for {}", waiting.run_at().map_or_else(String::new, |t| zone.format(t)));
    if let Some(approver) = &waiting.approved_by {
        note.push_str(&format!("; approved by {approver}"));
    }
    note.push('.');
    execute(tx, rec, &snapshot, &plan, release, asker, Some(&note)).await?;
    Ok(true)
}

/// "3 days 18 hours", "2 hours 5 minutes".
fn describe_late(late: jiff::SignedDuration) -> String {
    let minutes = late.as_secs() / 60;
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let part = |n: i64, one: &str| if n == 1 { format!("1 {one}") } else { format!("{n} {one}s") };
    match (days, hours, mins) {
        (0, 0, m) => part(m, "minute"),
        (0, h, 0) => part(h, "hour"),
        (0, h, m) => format!("{} {}", part(h, "hour"), part(m, "minute")),
        (d, 0, _) => part(d, "day"),
        (d, h, _) => format!("{} {}", part(d, "day"), part(h, "hour")),
    }
}

/// The membership rows the plan changes, as steps the runner applies in batches after the
/// activation commits (`store::work`): a Restart exits the older generation's live contacts and
/// enters the audience; a Resume moves a saved edit's removed nodes' contacts, applies its new
/// wait durations if the revision said so, and shifts deadlines for extend_by_pause. Nothing
/// here reads or writes a membership, so the activation takes the same time at any size.
fn work_steps(snapshot: &JourneySnapshot, plan: &ActivationPlan, release: ReleasePolicy) -> Vec<WorkStep> {
    let mut steps = Vec::new();
    match plan.mode {
        ActivationMode::Resume => {
            // A saved edit first (the snapshot the plan came from already counted it so).
            if let Some(edit) = &snapshot.edit {
                for m in edit.moves.iter().filter(|m| snapshot.definition.node(&m.from).is_none()) {
                    steps.push(match &m.to {
                        Destination::Node { node } => WorkStep::MoveNode { from: m.from.clone(), to: node.clone() },
                        Destination::Exit => WorkStep::ExitNode { node: m.from.clone() },
                    });
                }
                for (node, minutes) in wait_shifts(&edit.activated, &snapshot.definition, edit.apply_new_waits) {
                    steps.push(WorkStep::ShiftNode { node, ms: minutes * 60_000 });
                }
            }
            if let (WaitHandling::ExtendByPause, Some(shift), Some(frozen_at)) =
                (plan.wait_handling, plan.deadline_shift, snapshot.frozen_at)
            {
                steps.push(WorkStep::ShiftAfter { after_ms: to_ms(frozen_at), ms: shift.as_millis() as i64 });
            }
            // The backlog last, wait node by wait node in the definition's order (the ranks'
            // order, journey-core `release`): the deadlines due by T, or by the freeze when
            // they were extended (the shift above moved only later ones).
            if release.holds() && plan.overdue > 0 {
                let bound = match (plan.wait_handling, plan.deadline_shift, snapshot.frozen_at) {
                    (WaitHandling::ExtendByPause, Some(_), Some(frozen_at)) => frozen_at,
                    _ => plan.at,
                };
                let mut first_rank = 0;
                for node in &snapshot.definition.nodes {
                    let Some(c) = plan.overdue_by_node.iter().find(|c| c.node == node.id) else { continue };
                    steps.push(WorkStep::Release {
                        node: node.id.clone(),
                        bound_ms: to_ms(bound),
                        at_ms: to_ms(plan.at),
                        first_rank,
                        total: plan.overdue,
                        policy: release,
                    });
                    first_rank += c.count;
                }
            }
        }
        ActivationMode::Restart => {
            let generation = i64::from(plan.generation.0);
            steps.push(WorkStep::ExitBefore { generation });
            if let NextRun::Immediately { at } = plan.next_run {
                steps.push(WorkStep::Enter { generation, iteration: 1, at_ms: to_ms(at) });
            }
        }
    }
    steps
}
