//! Resume and Restart: the preview, and the activation that executes exactly the plan the
//! preview showed.

use jiff::Timestamp;
use journey_core::api::{ActivateRequest, ActivateResponse};
use journey_core::edit::{Destination, wait_shifts};
use journey_core::journey::TriggerSource;
use journey_core::membership::ExitReason;
use journey_core::plan::{ActivationCounts, ActivationMode, ActivationPlan, NextRun, PlanError, WaitHandling, plan_activation};
use journey_core::snapshot::JourneySnapshot;
use journey_core::state::JourneyAction;
use sqlx::SqliteConnection;

use super::{ActionError, Result, allowed, check_version, load, not_allowed, views};
use crate::store::{self, JourneyChange, JourneyRecord, Store};

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
/// plan at `now`, executes exactly that plan, and records it under `actor` (and under the
/// idempotency key, if any).
pub async fn activate(
    store: &Store,
    id: u64,
    req: &ActivateRequest,
    idempotency_key: Option<&str>,
    now: Timestamp,
    actor: &str,
) -> Result<Activation> {
    let fingerprint = serde_json::json!({
        "journey": id, "mode": req.mode, "wait_handling": req.wait_handling, "expected_version": req.expected_version,
    })
    .to_string();
    let mut tx = store.write().await?;
    if let Some(key) = idempotency_key
        && let Some(prev) = store::idempotent_answer(&mut tx, key).await?
    {
        if prev.fingerprint != fingerprint {
            return Err(ActionError::IdempotencyKeyReused);
        }
        let body = serde_json::from_str(&prev.response).map_err(|e| store::StoreError::Corrupt(e.to_string()))?;
        return Ok(Activation::Replayed(body));
    }
    let rec = load(&mut tx, id).await?;
    // A stale version first: the caller's page is out of date whatever the state is now.
    check_version(&rec, Some(req.expected_version))?;
    allowed(&rec, JourneyAction::Activate)?;

    let snapshot = store::snapshot(&mut tx, &rec, now).await?;
    let plan = match plan_activation(&snapshot, now, req.mode, req.wait_handling) {
        Ok(plan) => plan,
        Err(PlanError::NotActivatable(_)) => return Err(not_allowed(&rec, JourneyAction::Activate)),
        Err(e) => return Err(store::StoreError::Corrupt(format!("journey {id}: {e}")).into()),
    };
    let counts = execute(&mut tx, &rec, &snapshot, &plan, req).await?;
    if counts != plan.counts() {
        tracing::warn!(journey = rec.id, executed = ?counts, planned = ?plan.counts(), "activation counts differ from the plan");
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
    };
    let rec = store::change_journey(&mut tx, &rec, change, plan.at, actor).await?;
    let response =
        ActivateResponse { journey: views::detail_of(&mut tx, &rec).await?, counts, next_run: plan.next_run, plan_at: plan.at };
    if let Some(key) = idempotency_key {
        let body = serde_json::to_string(&response).map_err(|e| store::StoreError::Corrupt(e.to_string()))?;
        store::store_idempotent_answer(&mut tx, key, rec.id, &fingerprint, 200, &body, plan.at).await?;
    }
    tx.commit().await?;
    Ok(Activation::Done(Box::new(response)))
}

/// Does to the memberships what the plan says; returns what was done, counted from the rows.
async fn execute(
    conn: &mut SqliteConnection,
    rec: &JourneyRecord,
    snapshot: &JourneySnapshot,
    plan: &ActivationPlan,
    req: &ActivateRequest,
) -> Result<ActivationCounts> {
    let t = plan.at;
    let mut counts = ActivationCounts { suppressed: plan.suppressed, re_receiving: plan.re_receiving, ..Default::default() };
    match req.mode {
        ActivationMode::Resume => {
            // A saved edit first: removed nodes' contacts where the moves say, changed waits
            // applied to those already waiting if the revision said so (the snapshot the plan
            // came from already counted them so).
            if let Some(edit) = &snapshot.edit {
                for m in edit.moves.iter().filter(|m| snapshot.definition.node(&m.from).is_none()) {
                    match &m.to {
                        Destination::Node { node } => {
                            store::move_node(&mut *conn, rec.id, &m.from, node, t).await?;
                        }
                        Destination::Exit => {
                            counts.exited_by_edit +=
                                store::exit_live(&mut *conn, rec.id, Some(&m.from), ExitReason::NodeRemoved, t).await?;
                        }
                    }
                }
                for (node, minutes) in wait_shifts(&edit.activated, &snapshot.definition, edit.apply_new_waits) {
                    store::shift_node_deadlines(&mut *conn, rec.id, &node, minutes * 60_000, t).await?;
                }
            }
            if let (WaitHandling::ExtendByPause, Some(shift), Some(frozen_at)) =
                (req.wait_handling, plan.deadline_shift, snapshot.frozen_at)
            {
                store::shift_deadlines(&mut *conn, rec.id, frozen_at, shift, t).await?;
            }
            counts.continuing = store::live_count(&mut *conn, rec.id).await?;
            counts.overdue = store::count_due(&mut *conn, rec.id, t).await?;
            // Entering happens at the next run; the count is the plan's, as of now.
            counts.entering = plan.entering;
        }
        ActivationMode::Restart => {
            counts.exited_by_restart = store::exit_live(&mut *conn, rec.id, None, ExitReason::Restarted, t).await?;
            if let NextRun::Immediately { at } = plan.next_run {
                let generation = i64::from(plan.generation.0);
                counts.entering = Some(store::enter_audience(&mut *conn, rec.id, &snapshot.definition, generation, 1, at).await?);
            }
        }
    }
    Ok(counts)
}
