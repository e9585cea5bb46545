//! What people do to journeys, each in one write transaction: create, publish, pause, stop,
//! activate. Every decision is journey-core's (`state::transition`, `plan::plan_activation`,
//! the schedule's runs); this module reads the rows, calls the rules and writes what they say.

use axum::http::StatusCode;
use jiff::Timestamp;
use journey_core::api::{ActivateRequest, ActivateResponse, JourneyDetail, codes};
use journey_core::journey::{JourneyDefinition, JourneyId, TriggerSource};
use journey_core::membership::{ExitReason, Generation};
use journey_core::plan::{ActivationCounts, ActivationMode, NextRun, PlanError, WaitHandling, plan_activation};
use journey_core::state::{JourneyAction, JourneyState, transition};
use journey_core::zone::Zone;
use sqlx::SqliteConnection;

use crate::clock::{from_ms, to_ms};
use crate::error::ApiError;
use crate::store::{self, JourneyRecord, Store};

/// How many activity lines the journey page shows.
pub const ACTIVITY_LIMIT: i64 = 50;

/// Reads a journey or answers 404.
pub async fn load(conn: &mut SqliteConnection, id: u64) -> Result<JourneyRecord, ApiError> {
    let missing = || ApiError::new(StatusCode::NOT_FOUND, codes::NOT_FOUND, format!("There is no journey {id}."));
    let Ok(key) = i64::try_from(id) else { return Err(missing()) };
    store::journey(conn, key).await?.ok_or_else(missing)
}

/// The journey page's data.
pub async fn detail(conn: &mut SqliteConnection, rec: &JourneyRecord) -> Result<JourneyDetail, ApiError> {
    let def = rec.definition()?;
    Ok(JourneyDetail {
        id: JourneyId(rec.id as u64),
        version: rec.version(),
        name: rec.name.clone(),
        state: rec.state()?,
        node_counts: store::node_counts(&mut *conn, rec.id, &def).await?,
        schedule_text: def.schedule_text(),
        activity: store::activity(&mut *conn, rec.id, ACTIVITY_LIMIT).await?,
        generation: rec.generation(),
        next_run_at: rec.next_run_at.map(from_ms),
        frozen_at: rec.frozen_at.map(from_ms),
        last_run_at: rec.last_run_at.map(from_ms),
        definition: def,
    })
}

/// 409 for an action the state does not allow, with the current state and version.
pub fn not_allowed(rec: &JourneyRecord, state: JourneyState, action: JourneyAction) -> ApiError {
    let message = match transition(state, action) {
        Err(e) => e.to_string(),
        Ok(_) => format!("This journey is {state}."),
    };
    ApiError::conflict(codes::INVALID_TRANSITION, message).with_current(rec.version(), state)
}

/// 409 when the caller's version is not the current one.
pub fn check_version(rec: &JourneyRecord, expected: Option<u64>) -> Result<(), ApiError> {
    match expected {
        Some(v) if v != rec.version() => Err(ApiError::conflict(
            codes::VERSION_CONFLICT,
            format!(
                "This journey changed since you loaded it (you had version {v}, it is now version {}). Reload to see what changed.",
                rec.version()
            ),
        )
        .with_current(rec.version(), rec.state().unwrap_or(JourneyState::Draft))),
        _ => Ok(()),
    }
}

/// Checks a definition: journey-core's validation with a real zone, and that its data set exists.
pub async fn validate_definition(conn: &mut SqliteConnection, def: &JourneyDefinition) -> Result<(), ApiError> {
    let invalid = |m: String| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, codes::INVALID_DEFINITION, m);
    def.validate().map_err(|e| invalid(e.to_string()))?;
    let zone = Zone::bundled(def.time_zone.trim())
        .map_err(|_| invalid(format!("\"{}\" is not a known IANA time zone.", def.time_zone)))?;
    def.validate_with_zone(&zone).map_err(|e| invalid(e.to_string()))?;
    if let TriggerSource::Dataset { dataset_id, .. } = &def.trigger.source {
        let exists = i64::try_from(dataset_id.0).ok().map(|id| store::dataset_exists(&mut *conn, id));
        let exists = match exists {
            Some(f) => f.await?,
            None => false,
        };
        if !exists {
            return Err(invalid(format!("The trigger's data set {} does not exist.", dataset_id.0)));
        }
    }
    Ok(())
}

/// Creates a Draft (and publishes it if asked). Returns its id.
pub async fn create(
    store: &Store,
    def: JourneyDefinition,
    publish_now: bool,
    now: Timestamp,
    actor: &str,
) -> Result<i64, ApiError> {
    let mut tx = store.write().await?;
    let mut def = def;
    def.time_zone = def.time_zone.trim().to_string();
    validate_definition(&mut tx, &def).await?;
    if let Ok(zone) = Zone::bundled(&def.time_zone) {
        // Store the zone's canonical spelling.
        def.time_zone = zone.name().to_string();
    }
    let id = store::insert_journey(&mut tx, &def, now, actor).await?;
    if publish_now {
        let rec = store::journey(&mut tx, id).await?.ok_or_else(|| ApiError::internal("journey vanished"))?;
        publish_in(&mut tx, rec, now, actor).await?;
    }
    tx.commit().await.map_err(ApiError::from)?;
    Ok(id)
}

/// Draft -> Scheduled (first run in the future) or Active (event trigger).
pub async fn publish(store: &Store, id: u64, expected: Option<u64>, now: Timestamp, actor: &str) -> Result<(), ApiError> {
    let mut tx = store.write().await?;
    let rec = load(&mut tx, id).await?;
    check_version(&rec, expected)?;
    publish_in(&mut tx, rec, now, actor).await?;
    tx.commit().await.map_err(ApiError::from)?;
    Ok(())
}

async fn publish_in(conn: &mut SqliteConnection, mut rec: JourneyRecord, now: Timestamp, actor: &str) -> Result<(), ApiError> {
    let state = rec.state()?;
    let def = rec.definition()?;
    let zone = rec.zone()?;
    let first_run = match (&def.trigger.source, &def.trigger.schedule) {
        (TriggerSource::Event { .. }, _) => None,
        (_, Some(schedule)) => match schedule.next_run_after(&zone, now, 0) {
            Some(at) => Some(at),
            None => {
                let reason = schedule.no_run_reason(&zone, now, 0).map(|r| r.message()).unwrap_or("The schedule has no run.");
                if state == JourneyState::Draft {
                    return Err(ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        codes::INVALID_DEFINITION,
                        format!("{reason} A journey can only be published with a run still to come."),
                    ));
                }
                None
            }
        },
        (_, None) => None,
    };
    let to = transition(state, JourneyAction::Publish { first_run_in_future: first_run.is_some() })
        .map_err(|_| not_allowed(&rec, state, JourneyAction::Publish { first_run_in_future: false }))?;
    rec.next_run_at = first_run.map(to_ms);
    if to == JourneyState::Active {
        rec.generation = i64::from(Generation::FIRST.0);
        rec.runs_in_generation = 0;
        rec.event_cursor = store::max_event_id(&mut *conn).await?;
        rec.activated_at = Some(to_ms(now));
    }
    store::update_journey_state(&mut *conn, &rec, to, now).await?;
    store::log_activity(conn, rec.id, now, actor, "publish", Some(state), to, None, None, None).await?;
    Ok(())
}

/// Active -> Paused, or Active/Paused -> Stopped.
pub async fn freeze(
    store: &Store,
    id: u64,
    action: JourneyAction,
    expected: Option<u64>,
    now: Timestamp,
    actor: &str,
) -> Result<(), ApiError> {
    let mut tx = store.write().await?;
    let mut rec = load(&mut tx, id).await?;
    let state = rec.state()?;
    let to = transition(state, action).map_err(|_| not_allowed(&rec, state, action))?;
    check_version(&rec, expected)?;
    let now_ms = to_ms(now);
    rec.frozen_at = Some(rec.frozen_at.unwrap_or(now_ms));
    match action {
        JourneyAction::Pause => rec.paused_at = Some(now_ms),
        _ => rec.stopped_at = Some(now_ms),
    }
    store::update_journey_state(&mut tx, &rec, to, now).await?;
    let verb = if action == JourneyAction::Pause { "pause" } else { "stop" };
    store::log_activity(&mut tx, rec.id, now, actor, verb, Some(state), to, None, None, None).await?;
    tx.commit().await.map_err(ApiError::from)?;
    Ok(())
}

/// The answer to an activation, with its status, as stored for idempotent replays.
pub struct Answer {
    pub status: StatusCode,
    pub body: serde_json::Value,
}

/// Resume or Restart, in one transaction: reads the snapshot, asks journey-core for the plan
/// at the clock's instant, executes exactly that plan, and records it.
pub async fn activate(
    store: &Store,
    id: u64,
    req: &ActivateRequest,
    idempotency_key: Option<&str>,
    now: Timestamp,
    actor: &str,
) -> Result<Answer, ApiError> {
    let fingerprint = serde_json::json!({
        "journey": id, "mode": req.mode, "wait_handling": req.wait_handling, "expected_version": req.expected_version,
    })
    .to_string();
    let mut tx = store.write().await?;
    if let Some(key) = idempotency_key
        && let Some(prev) = store::idempotent_answer(&mut tx, key).await?
    {
        if prev.fingerprint != fingerprint {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                codes::INVALID_REQUEST,
                "This Idempotency-Key was already used for a different request; use a new key for a new activation.",
            ));
        }
        let body = serde_json::from_str(&prev.response).map_err(ApiError::internal)?;
        let status = StatusCode::from_u16(prev.status as u16).unwrap_or(StatusCode::OK);
        return Ok(Answer { status, body });
    }
    let mut rec = load(&mut tx, id).await?;
    let state = rec.state()?;
    // A stale version first: the caller's page is out of date whatever the state is now.
    check_version(&rec, Some(req.expected_version))?;
    if transition(state, JourneyAction::Activate).is_err() {
        return Err(not_allowed(&rec, state, JourneyAction::Activate));
    }

    let snapshot = store::snapshot(&mut tx, &rec, now).await?;
    let plan = match plan_activation(&snapshot, now, req.mode, req.wait_handling) {
        Ok(plan) => plan,
        Err(PlanError::NotActivatable(_)) => return Err(not_allowed(&rec, state, JourneyAction::Activate)),
        Err(e) => return Err(ApiError::internal(e)),
    };
    let t = plan.at;
    let def = &snapshot.definition;
    let mut counts = ActivationCounts { suppressed: plan.suppressed, re_receiving: plan.re_receiving, ..Default::default() };
    match req.mode {
        ActivationMode::Resume => {
            if let (WaitHandling::ExtendByPause, Some(shift), Some(frozen_at)) =
                (req.wait_handling, plan.deadline_shift, snapshot.frozen_at)
            {
                store::shift_deadlines(&mut tx, rec.id, frozen_at, shift, t).await?;
            }
            counts.continuing = store::live_count(&mut tx, rec.id).await?;
            counts.overdue = store::count_due(&mut tx, rec.id, t).await?;
            // Entering happens at the next run; the count is the plan's, as of now.
            counts.entering = plan.entering;
        }
        ActivationMode::Restart => {
            counts.exited_by_restart = store::exit_live(&mut tx, rec.id, ExitReason::Restarted, t).await?;
            rec.generation = i64::from(plan.generation.0);
            if let NextRun::Immediately { at } = plan.next_run {
                let entered = store::enter_audience(&mut tx, rec.id, def, rec.generation, 1, at).await?;
                counts.entering = Some(entered);
                rec.last_run_at = Some(to_ms(at));
            }
        }
    }
    if counts != plan.counts() {
        tracing::warn!(journey = rec.id, executed = ?counts, planned = ?plan.counts(), "activation counts differ from the plan");
    }
    rec.runs_in_generation = i64::from(plan.runs_done);
    rec.next_run_at = plan.next_scheduled_run.map(to_ms);
    if matches!(def.trigger.source, TriggerSource::Event { .. }) {
        // Events that arrived while frozen are not replayed.
        rec.event_cursor = store::max_event_id(&mut tx).await?;
    }
    rec.frozen_at = None;
    rec.paused_at = None;
    rec.stopped_at = None;
    rec.activated_at = Some(to_ms(t));
    store::update_journey_state(&mut tx, &rec, JourneyState::Active, t).await?;
    let action = if req.mode == ActivationMode::Resume { "resume" } else { "restart" };
    store::log_activity(
        &mut tx,
        rec.id,
        t,
        actor,
        action,
        Some(state),
        JourneyState::Active,
        Some(req.mode),
        Some(req.wait_handling),
        Some(&counts),
    )
    .await?;
    let rec = load(&mut tx, id).await?;
    let response = ActivateResponse { journey: detail(&mut tx, &rec).await?, counts, next_run: plan.next_run, plan_at: t };
    let body = serde_json::to_value(&response).map_err(ApiError::internal)?;
    if let Some(key) = idempotency_key {
        store::store_idempotent_answer(&mut tx, key, rec.id, &fingerprint, 200, &body.to_string(), t).await?;
    }
    tx.commit().await.map_err(ApiError::from)?;
    Ok(Answer { status: StatusCode::OK, body })
}
