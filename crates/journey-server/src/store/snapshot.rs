//! The snapshot of a journey: aggregates only, never contact rows (journey-core's
//! `snapshot` module says what it holds and why it is bounded).

use super::{
    ContactRange, JourneyRecord, MemberFacts, Result, dataset_audience, definition_versions, node_counts, opt_ts,
    segment_members, sent_per_node,
};
use crate::clock::{from_ms, to_ms};
use jiff::{SignedDuration, Timestamp};
use journey_core::edit::PendingEdit;
use journey_core::journey::{JourneyDefinition, NodeId, NodeKind, TriggerSource};
use journey_core::snapshot::{AudienceCounts, DEFAULT_HORIZON_MINUTES, JourneySnapshot, WaitDeadlines, WaitDeadlinesBuilder};
use sqlx::AnyConnection;

/// The snapshot of a journey at `taken_at`: aggregates only.
pub async fn snapshot(conn: &mut AnyConnection, rec: &JourneyRecord, taken_at: Timestamp) -> Result<JourneySnapshot> {
    let def = rec.definition()?;
    let zone = rec.zone()?;
    let frozen_at = opt_ts(rec.frozen_at);
    let horizon = DEFAULT_HORIZON_MINUTES;
    // The overdue deadlines per minute, as far back as the largest stale-message guard.
    let stale_horizon = def.nodes.iter().filter_map(|n| n.stale_after_minutes).max().unwrap_or(0);
    let nodes = node_counts(&mut *conn, rec.id, &def).await?;
    let mut edit = pending_edit(&mut *conn, rec).await?;
    // A saved edit that applies new wait durations to contacts already waiting: their
    // deadlines as the activation will set them. `applied` holds the changed waits' shifts;
    // the saved choice's deadlines go into `waits`, the other choice's (changed waits only)
    // with the edit, so the summary can show both.
    let applied = edit.as_ref().map(|e| journey_core::edit::wait_shifts(&e.activated, &def, true)).unwrap_or_default();
    let saved_applies = edit.as_ref().is_some_and(|e| e.apply_new_waits);
    let (shifts, other): (&[_], &[_]) = if saved_applies { (&applied, &[]) } else { (&[], &applied) };
    let waits = wait_deadlines(&mut *conn, rec, &def, taken_at, horizon, stale_horizon, shifts).await?;
    if let Some(e) = edit.as_mut()
        && !applied.is_empty()
    {
        let other = wait_deadlines(&mut *conn, rec, &def, taken_at, horizon, stale_horizon, other).await?;
        e.other_choice_waits = other.into_iter().filter(|w| applied.iter().any(|(n, _)| n == &w.node)).collect();
    }

    let audience = audience_counts(&mut *conn, rec, &def).await?;
    let approval_threshold = super::workspace_settings(&mut *conn).await?.approval_threshold;
    Ok(JourneySnapshot {
        journey_id: journey_core::journey::JourneyId(rec.id as u64),
        version: rec.version(),
        taken_at,
        state: rec.state()?,
        frozen_at,
        definition: def,
        zone,
        generation: rec.generation(),
        runs_done: rec.runs_done(),
        last_run_at: opt_ts(rec.last_run_at),
        audience,
        nodes,
        waits,
        horizon_minutes: horizon,
        edit,
        stale_horizon_minutes: stale_horizon,
        projected_from: None,
        approval_threshold,
    })
}

/// The snapshot of a journey projected to `at` (later than `now`) from the facts read now:
/// the wait deadlines that will have ended by `at` are counted as of `at`; the audience,
/// subscriptions and positions are today's (journey-core `pending`). Labelled by
/// `projected_from`.
pub async fn projected_snapshot(
    conn: &mut AnyConnection,
    rec: &JourneyRecord,
    now: Timestamp,
    at: Timestamp,
) -> Result<JourneySnapshot> {
    let mut projected = snapshot(conn, rec, at.max(now)).await?;
    projected.projected_from = Some(now);
    Ok(projected)
}

/// What was saved since the journey was last activated (none if nothing was, or if it never
/// was: without contacts an edit concerns nobody).
pub async fn pending_edit(conn: &mut AnyConnection, rec: &JourneyRecord) -> Result<Option<PendingEdit>> {
    let (activated, saved) = (rec.activated_definition_version, rec.definition_version);
    if activated == 0 || activated == saved {
        return Ok(None);
    }
    let activated_version = u32::try_from(activated).unwrap_or(0);
    let Some(before) = definition_versions(&mut *conn, rec.id, Some(activated_version)).await?.pop() else {
        return Ok(None);
    };
    let Some(latest) = definition_versions(&mut *conn, rec.id, Some(rec.definition_version())).await?.pop() else {
        return Ok(None);
    };
    Ok(Some(PendingEdit {
        activated_version,
        saved_version: latest.version,
        activated: before.definition,
        moves: latest.moves,
        apply_new_waits: latest.apply_new_waits,
        sent: sent_per_node(&mut *conn, rec.id, rec.generation).await?,
        other_choice_waits: Vec::new(),
    }))
}

/// The trigger's audience counted now.
pub async fn audience_counts(conn: &mut AnyConnection, rec: &JourneyRecord, def: &JourneyDefinition) -> Result<AudienceCounts> {
    match &def.trigger.source {
        TriggerSource::Event { .. } => Ok(AudienceCounts::default()),
        TriggerSource::Dataset { dataset_id, .. } => dataset_audience(conn, rec.id, rec.generation, dataset_id.0 as i64).await,
        TriggerSource::Segment { rule, .. } => {
            let members = segment_members(&mut *conn, rule, ContactRange::ALL).await?;
            let facts = MemberFacts::load(&mut *conn, rec.id, rec.generation, ContactRange::ALL).await?;
            let mut a = AudienceCounts::default();
            for (id, subscribed) in members {
                if !subscribed {
                    a.suppressed += 1;
                    continue;
                }
                a.subscribed += 1;
                if !facts.entered.contains(&id) {
                    a.never_entered += 1;
                }
                if facts.live.contains(&id) {
                    a.in_flight += 1;
                }
                if facts.received.contains(&id) {
                    a.already_received += 1;
                }
            }
            Ok(a)
        }
    }
}

/// The pending wait deadlines per wait node, bucketed (journey-core's `WaitDeadlines`), each
/// moved by its node's shift in minutes (a saved edit's new wait durations). Reads the
/// maintained count per deadline: per wait node, one pass in SQL for the classes before the
/// horizon and beyond it, and the deadlines within the horizon (at most one row per minute).
async fn wait_deadlines(
    conn: &mut AnyConnection,
    rec: &JourneyRecord,
    def: &JourneyDefinition,
    taken_at: Timestamp,
    horizon: u32,
    stale_horizon: u32,
    shifts: &[(NodeId, i64)],
) -> Result<Vec<WaitDeadlines>> {
    let frozen_at = opt_ts(rec.frozen_at);
    let origin = journey_core::flow::floor_to_minute(taken_at);
    let horizon_end = origin.checked_add(SignedDuration::from_mins(i64::from(horizon))).unwrap_or(taken_at);
    let (frozen_ms, taken_ms, end_ms) = (rec.frozen_at.unwrap_or(i64::MIN), to_ms(taken_at), to_ms(horizon_end));
    let mut waits = Vec::new();
    for node in def.nodes.iter().filter(|n| matches!(n.kind, NodeKind::Wait { .. })).map(|n| &n.id) {
        let shift = shifts.iter().find(|(n, _)| n == node).map_or(0, |(_, minutes)| minutes * 60_000);
        // Due by the freeze, due between the freeze and now, beyond the horizon, all.
        let (by_frozen, frozen_to_taken, beyond, total): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(CASE WHEN until + $3 <= $4 THEN waiting END), 0) AS BIGINT),
                    CAST(COALESCE(SUM(CASE WHEN until + $3 > $4 AND until + $3 <= $5 THEN waiting END), 0) AS BIGINT),
                    CAST(COALESCE(SUM(CASE WHEN until + $3 > $6 THEN waiting END), 0) AS BIGINT),
                    CAST(COALESCE(SUM(waiting), 0) AS BIGINT)
             FROM journey_wait_counts WHERE journey_id = $1 AND node = $2",
        )
        .bind(rec.id)
        .bind(node.as_str())
        .bind(shift)
        .bind(frozen_ms)
        .bind(taken_ms)
        .bind(end_ms)
        .fetch_one(&mut *conn)
        .await?;
        if total == 0 {
            continue;
        }
        let within: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT until + $3, waiting FROM journey_wait_counts
             WHERE journey_id = $1 AND node = $2 AND until > $4 - $3 AND until <= $5 - $3 AND waiting > 0",
        )
        .bind(rec.id)
        .bind(node.as_str())
        .bind(shift)
        .bind(taken_ms.max(frozen_ms))
        .bind(end_ms)
        .fetch_all(&mut *conn)
        .await?;
        let mut b = WaitDeadlinesBuilder::new(node.clone(), taken_at, frozen_at, horizon).with_stale_horizon(stale_horizon);
        if stale_horizon > 0 {
            // The deadlines due by now, per minute within the stale horizon; the rest older.
            let since = to_ms(origin) - i64::from(stale_horizon) * 60_000;
            let late: Vec<(i64, i64)> = sqlx::query_as(
                "SELECT until + $3, waiting FROM journey_wait_counts
                 WHERE journey_id = $1 AND node = $2 AND until > $4 - $3 AND until <= $5 - $3 AND waiting > 0",
            )
            .bind(rec.id)
            .bind(node.as_str())
            .bind(shift)
            .bind(since - 60_000)
            .bind(taken_ms)
            .fetch_all(&mut *conn)
            .await?;
            let mut older = by_frozen + frozen_to_taken;
            for (until, count) in late {
                b.add_late(from_ms(until), count as u64);
                older -= count;
            }
            b.add_late(origin - SignedDuration::from_mins(i64::from(stale_horizon) + 1), older.max(0) as u64);
        }
        if let Some(f) = frozen_at {
            b.add(f.min(taken_at), by_frozen as u64);
        }
        b.add(taken_at, frozen_to_taken as u64);
        b.add(horizon_end + SignedDuration::from_mins(1), beyond as u64);
        for (until, count) in within {
            b.add(from_ms(until), count as u64);
        }
        waits.push(b.build());
    }
    Ok(waits)
}
