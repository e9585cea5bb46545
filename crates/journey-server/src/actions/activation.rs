//! Resume and Restart: the preview, and the activation that executes exactly the plan the
//! preview showed.

use crate::clock::to_ms;
use crate::store::WorkStep;
use jiff::Timestamp;
use journey_core::api::{ActivateRequest, ActivateResponse};
use journey_core::edit::{Destination, wait_shifts};
use journey_core::journey::TriggerSource;
use journey_core::plan::{ActivationMode, ActivationPlan, NextRun, PlanError, WaitHandling, plan_activation};
use journey_core::release::{ReleasePolicy, release_instant};
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
    /// Activated now.
    Done(Box<ActivateResponse>),
    /// The stored answer to the first request with this key (the same JSON, byte for byte).
    Replayed(serde_json::Value),
}

/// Resume or Restart, in one write transaction: reads the snapshot, asks journey-core for the
/// plan at `now`, sets the journey's new state and records the plan's work on the memberships
/// for the runner (`work_steps`), under `actor` (and under the idempotency key, if any). A
/// journey whose previous activation is still being applied is refused (409).
pub async fn activate(
    store: &Store,
    id: u64,
    req: &ActivateRequest,
    idempotency_key: Option<&str>,
    now: Timestamp,
    actor: &str,
) -> Result<Activation> {
    // Restart releases nothing: its policy is all at once, whatever was asked.
    let release = match req.mode {
        ActivationMode::Resume => req.release,
        ActivationMode::Restart => ReleasePolicy::AllAtOnce,
    };
    release.check().map_err(|e| ActionError::Invalid(e.to_string()))?;
    let mut fingerprint = serde_json::json!({
        "journey": id, "mode": req.mode, "wait_handling": req.wait_handling, "expected_version": req.expected_version,
    });
    // Only a pace is part of it, so a key stored before paces existed still replays.
    if release.holds() {
        fingerprint["release"] = serde_json::json!(release);
    }
    let fingerprint = fingerprint.to_string();
    let mut tx = store.write().await?;
    // The journey first: a second request with the same key waits here for the first one's
    // commit (PostgreSQL, another instance included), then finds its answer below.
    let rec = lock(&mut tx, id).await?;
    if let Some(key) = idempotency_key
        && let Some(prev) = store::idempotent_answer(&mut tx, key).await?
    {
        if prev.fingerprint != fingerprint {
            return Err(ActionError::IdempotencyKeyReused);
        }
        let body = serde_json::from_str(&prev.response).map_err(|e| store::StoreError::Corrupt(e.to_string()))?;
        return Ok(Activation::Replayed(body));
    }
    // A stale version first: the caller's page is out of date whatever the state is now.
    check_version(&rec, Some(req.expected_version))?;
    allowed(&rec, JourneyAction::Activate)?;
    check_not_applying(&mut tx, &rec).await?;

    let snapshot = store::snapshot(&mut tx, &rec, now).await?;
    let plan = match plan_activation(&snapshot, now, req.mode, req.wait_handling) {
        Ok(plan) => plan,
        Err(PlanError::NotActivatable(_)) => return Err(not_allowed(&rec, JourneyAction::Activate)),
        Err(e) => return Err(store::StoreError::Corrupt(format!("journey {id}: {e}")).into()),
    };
    // A pace that would take too long for this backlog is refused in words.
    release.check_for(plan.overdue).map_err(|e| ActionError::Invalid(e.to_string()))?;
    // The counts are the plan's, from the snapshot read in this transaction; the runner applies
    // the rows after the commit and logs the counts it executed (`store::work`).
    let counts = plan.counts();
    let steps = work_steps(&snapshot, &plan, req, release);
    let held = if release.holds() { plan.overdue } else { 0 };
    if !steps.is_empty() {
        store::insert_work(&mut tx, rec.id, Some(req.mode), &steps, &counts, actor, plan.at).await?;
    }
    let change = JourneyChange::Activated {
        mode: req.mode,
        wait_handling: req.wait_handling,
        generation: plan.generation,
        runs_done: plan.runs_done,
        next_run: plan.next_scheduled_run,
        last_run: match plan.next_run {
            NextRun::Immediately { at } if req.mode == ActivationMode::Restart => Some(at),
            _ => None,
        },
        // Events that arrived while frozen are not replayed.
        event_cursor: match snapshot.definition.trigger.source {
            TriggerSource::Event { .. } => Some(store::max_event_id(&mut tx).await?),
            _ => None,
        },
        counts: &counts,
        release: (held > 0).then_some(release),
    };
    let rec = store::change_journey(&mut tx, &rec, change, plan.at, actor).await?;
    let response = ActivateResponse {
        journey: views::detail_of(&mut tx, &rec).await?,
        counts,
        next_run: plan.next_run,
        plan_at: plan.at,
        applying_in_batches: !steps.is_empty(),
        release,
        last_release: (held > 0).then(|| release_instant(release, plan.at, held - 1, held)),
    };
    if let Some(key) = idempotency_key {
        let body = serde_json::to_string(&response).map_err(|e| store::StoreError::Corrupt(e.to_string()))?;
        if !store::store_idempotent_answer(&mut tx, key, rec.id, &fingerprint, 200, &body, plan.at).await? {
            return Err(ActionError::IdempotencyKeyReused);
        }
    }
    tx.commit().await?;
    Ok(Activation::Done(Box::new(response)))
}

/// The membership rows the plan changes, as steps the runner applies in batches after the
/// activation commits (`store::work`): a Restart exits the older generation's live contacts and
/// enters the audience; a Resume moves a saved edit's removed nodes' contacts, applies its new
/// wait durations if the revision said so, and shifts deadlines for extend_by_pause. Nothing
/// here reads or writes a membership, so the activation takes the same time at any size.
fn work_steps(snapshot: &JourneySnapshot, plan: &ActivationPlan, req: &ActivateRequest, release: ReleasePolicy) -> Vec<WorkStep> {
    let mut steps = Vec::new();
    match req.mode {
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
                (req.wait_handling, plan.deadline_shift, snapshot.frozen_at)
            {
                steps.push(WorkStep::ShiftAfter { after_ms: to_ms(frozen_at), ms: shift.as_millis() as i64 });
            }
            // The backlog last, wait node by wait node in the definition's order (the ranks'
            // order, journey-core `release`): the deadlines due by T, or by the freeze when
            // they were extended (the shift above moved only later ones).
            if release.holds() && plan.overdue > 0 {
                let bound = match (req.wait_handling, plan.deadline_shift, snapshot.frozen_at) {
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
