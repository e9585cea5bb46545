//! The snapshot of a journey: aggregates only, never contact rows (journey-core's
//! `snapshot` module says what it holds and why it is bounded).

use super::{JourneyRecord, MemberFacts, Result, node_counts, opt_ts, segment_members};
use crate::clock::{from_ms, to_ms};
use jiff::{SignedDuration, Timestamp};
use journey_core::journey::{JourneyDefinition, NodeId, NodeKind, TriggerSource};
use journey_core::snapshot::{AudienceCounts, DEFAULT_HORIZON_MINUTES, JourneySnapshot, WaitDeadlinesBuilder};
use sqlx::SqliteConnection;

/// The snapshot of a journey at `taken_at`: aggregates only.
pub async fn snapshot(conn: &mut SqliteConnection, rec: &JourneyRecord, taken_at: Timestamp) -> Result<JourneySnapshot> {
    let def = rec.definition()?;
    let zone = rec.zone()?;
    let frozen_at = opt_ts(rec.frozen_at);
    let horizon = DEFAULT_HORIZON_MINUTES;
    let nodes = node_counts(&mut *conn, rec.id, &def).await?;

    // Wait deadlines, aggregated in SQL into the builder's classes.
    let origin = journey_core::flow::floor_to_minute(taken_at);
    let horizon_end = origin.checked_add(SignedDuration::from_mins(i64::from(horizon))).unwrap_or(taken_at);
    let frozen_ms = rec.frozen_at.unwrap_or(i64::MIN);
    let taken_ms = to_ms(taken_at);
    let end_ms = to_ms(horizon_end);
    let rows: Vec<(String, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT node,
                SUM(CASE WHEN wait_until <= ?2 THEN 1 ELSE 0 END),
                SUM(CASE WHEN wait_until > ?2 AND wait_until <= ?3 THEN 1 ELSE 0 END),
                SUM(CASE WHEN wait_until > ?4 THEN 1 ELSE 0 END),
                COUNT(*)
         FROM memberships WHERE journey_id = ?1 AND status = 'waiting' GROUP BY node",
    )
    .bind(rec.id)
    .bind(frozen_ms)
    .bind(taken_ms)
    .bind(end_ms)
    .fetch_all(&mut *conn)
    .await?;
    let buckets: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT node, wait_until, COUNT(*) FROM memberships
         WHERE journey_id = ?1 AND status = 'waiting' AND wait_until > ?2 AND wait_until <= ?3
         GROUP BY node, wait_until",
    )
    .bind(rec.id)
    .bind(taken_ms)
    .bind(end_ms)
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
    })
}

/// The trigger's audience counted now.
pub async fn audience_counts(
    conn: &mut SqliteConnection,
    rec: &JourneyRecord,
    def: &JourneyDefinition,
) -> Result<AudienceCounts> {
    match &def.trigger.source {
        TriggerSource::Event { .. } => Ok(AudienceCounts::default()),
        TriggerSource::Dataset { dataset_id, .. } => {
            type Sums = (Option<i64>, Option<i64>, Option<i64>, Option<i64>, Option<i64>);
            let row: Sums = sqlx::query_as(
                "SELECT
                   SUM(c.subscribed),
                   SUM(1 - c.subscribed),
                   SUM(CASE WHEN c.subscribed = 1 AND NOT EXISTS (SELECT 1 FROM memberships m
                        WHERE m.journey_id = ?1 AND m.generation = ?2 AND m.contact_id = c.id) THEN 1 ELSE 0 END),
                   SUM(CASE WHEN c.subscribed = 1 AND EXISTS (SELECT 1 FROM memberships m
                        WHERE m.journey_id = ?1 AND m.contact_id = c.id AND m.status IN ('ready', 'waiting')) THEN 1 ELSE 0 END),
                   SUM(CASE WHEN c.subscribed = 1 AND EXISTS (SELECT 1 FROM message_log l
                        WHERE l.journey_id = ?1 AND l.contact_id = c.id) THEN 1 ELSE 0 END)
                 FROM dataset_members dm JOIN contacts c ON c.id = dm.contact_id
                 WHERE dm.dataset_id = ?3",
            )
            .bind(rec.id)
            .bind(rec.generation)
            .bind(dataset_id.0 as i64)
            .fetch_one(conn)
            .await?;
            let u = |v: Option<i64>| v.unwrap_or(0).max(0) as u64;
            Ok(AudienceCounts {
                subscribed: u(row.0),
                suppressed: u(row.1),
                never_entered: u(row.2),
                in_flight: u(row.3),
                already_received: u(row.4),
            })
        }
        TriggerSource::Segment { rule, .. } => {
            let members = segment_members(&mut *conn, rule).await?;
            let facts = MemberFacts::load(&mut *conn, rec.id, rec.generation).await?;
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
