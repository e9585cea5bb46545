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
use sqlx::SqliteConnection;

/// The snapshot of a journey at `taken_at`: aggregates only.
pub async fn snapshot(conn: &mut SqliteConnection, rec: &JourneyRecord, taken_at: Timestamp) -> Result<JourneySnapshot> {
    let def = rec.definition()?;
    let zone = rec.zone()?;
    let frozen_at = opt_ts(rec.frozen_at);
    let horizon = DEFAULT_HORIZON_MINUTES;
    let nodes = node_counts(&mut *conn, rec.id, &def).await?;
    let mut edit = pending_edit(&mut *conn, rec).await?;
    // A saved edit that applies new wait durations to contacts already waiting: their
    // deadlines as the activation will set them. `applied` holds the changed waits' shifts;
    // the saved choice's deadlines go into `waits`, the other choice's (changed waits only)
    // with the edit, so the summary can show both.
    let applied = edit.as_ref().map(|e| journey_core::edit::wait_shifts(&e.activated, &def, true)).unwrap_or_default();
    let saved_applies = edit.as_ref().is_some_and(|e| e.apply_new_waits);
    let (shifts, other): (&[_], &[_]) = if saved_applies { (&applied, &[]) } else { (&[], &applied) };
    let waits = wait_deadlines(&mut *conn, rec, &def, taken_at, horizon, shifts).await?;
    if let Some(e) = edit.as_mut()
        && !applied.is_empty()
    {
        let other = wait_deadlines(&mut *conn, rec, &def, taken_at, horizon, other).await?;
        e.other_choice_waits = other.into_iter().filter(|w| applied.iter().any(|(n, _)| n == &w.node)).collect();
    }

    let audience = audience_counts(&mut *conn, rec, &def).await?;
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
    })
}

/// What was saved since the journey was last activated (none if nothing was, or if it never
/// was: without contacts an edit concerns nobody).
pub async fn pending_edit(conn: &mut SqliteConnection, rec: &JourneyRecord) -> Result<Option<PendingEdit>> {
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
pub async fn audience_counts(
    conn: &mut SqliteConnection,
    rec: &JourneyRecord,
    def: &JourneyDefinition,
) -> Result<AudienceCounts> {
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
/// moved by its node's shift in minutes (a saved edit's new wait durations).
async fn wait_deadlines(
    conn: &mut SqliteConnection,
    rec: &JourneyRecord,
    def: &JourneyDefinition,
    taken_at: Timestamp,
    horizon: u32,
    shifts: &[(NodeId, i64)],
) -> Result<Vec<WaitDeadlines>> {
    let frozen_at = opt_ts(rec.frozen_at);
    let shifts: serde_json::Map<String, serde_json::Value> =
        shifts.iter().map(|(node, minutes)| (node.0.clone(), serde_json::Value::from(minutes * 60_000))).collect();
    let shifts = serde_json::Value::Object(shifts).to_string();
    // Wait deadlines (the maintained counts per deadline), summed in SQL into the builder's
    // classes.
    let origin = journey_core::flow::floor_to_minute(taken_at);
    let horizon_end = origin.checked_add(SignedDuration::from_mins(i64::from(horizon))).unwrap_or(taken_at);
    let frozen_ms = rec.frozen_at.unwrap_or(i64::MIN);
    let taken_ms = to_ms(taken_at);
    let end_ms = to_ms(horizon_end);
    let rows: Vec<(String, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT node,
                SUM(CASE WHEN until <= ?2 THEN waiting ELSE 0 END),
                SUM(CASE WHEN until > ?2 AND until <= ?3 THEN waiting ELSE 0 END),
                SUM(CASE WHEN until > ?4 THEN waiting ELSE 0 END),
                SUM(waiting)
         FROM (SELECT w.node, w.until + COALESCE(s.value, 0) AS until, w.waiting
               FROM journey_wait_counts w LEFT JOIN json_each(?5) s ON s.key = w.node
               WHERE w.journey_id = ?1)
         GROUP BY node",
    )
    .bind(rec.id)
    .bind(frozen_ms)
    .bind(taken_ms)
    .bind(end_ms)
    .bind(&shifts)
    .fetch_all(&mut *conn)
    .await?;
    let buckets: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT node, until, SUM(waiting) FROM
           (SELECT w.node, w.until + COALESCE(s.value, 0) AS until, w.waiting
            FROM journey_wait_counts w LEFT JOIN json_each(?4) s ON s.key = w.node
            WHERE w.journey_id = ?1)
         WHERE until > ?2 AND until <= ?3
         GROUP BY node, until",
    )
    .bind(rec.id)
    .bind(taken_ms)
    .bind(end_ms)
    .bind(&shifts)
    .fetch_all(&mut *conn)
    .await?;
    let mut waits = Vec::new();
    for (node, by_frozen, frozen_to_taken, beyond, _total) in rows {
        let is_wait = def.node(&NodeId::new(node.clone())).is_some_and(|n| matches!(n.kind, NodeKind::Wait { .. }));
        if !is_wait {
            continue;
        }
        let mut b = WaitDeadlinesBuilder::new(NodeId::new(node.clone()), taken_at, frozen_at, horizon);
        if let Some(f) = frozen_at {
            b.add(f.min(taken_at), by_frozen as u64);
        }
        b.add(taken_at, frozen_to_taken as u64);
        b.add(horizon_end + SignedDuration::from_mins(1), beyond as u64);
        for (_, until, count) in buckets.iter().filter(|(n, _, _)| *n == node) {
            b.add(from_ms(*until), *count as u64);
        }
        waits.push(b.build());
    }

    Ok(waits)
}
