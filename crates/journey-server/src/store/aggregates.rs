//! Maintained aggregates: the counts a snapshot reads, kept by triggers in the transaction of
//! every change that moves them (`migrations/0007_aggregates.sql` says which change moves
//! which count), and [`check_aggregates`], which recomputes every one of them from the rows.
//!
//! Reading them costs a few index lookups whatever the number of contacts; the benchmark
//! (`cargo bench -p journey-server`) prints the snapshot's latency at 1 million.

use std::collections::BTreeMap;

use journey_core::journey::{JourneyDefinition, NodeId};
use journey_core::snapshot::{AudienceCounts, NodeCount};
use sqlx::AnyConnection;

use super::Result;

/// Live memberships per node, in the definition's order; nodes no longer in the definition
/// (an edit removed them, their contacts not moved yet) after them.
pub async fn node_counts(conn: &mut AnyConnection, journey_id: i64, def: &JourneyDefinition) -> Result<Vec<NodeCount>> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT node, live FROM journey_node_counts WHERE journey_id = $1 AND live > 0 ORDER BY node")
            .bind(journey_id)
            .fetch_all(conn)
            .await?;
    let count = |(node, live): &(String, i64)| NodeCount { node: NodeId::new(node.clone()), count: *live as u64 };
    let mut out: Vec<NodeCount> =
        def.nodes.iter().filter_map(|n| rows.iter().find(|(node, _)| node == n.id.as_str()).map(count)).collect();
    out.extend(rows.iter().filter(|(node, _)| def.node(&NodeId::new(node.clone())).is_none()).map(count));
    Ok(out)
}

/// Live (ready or waiting) memberships of a journey.
pub async fn live_count(conn: &mut AnyConnection, journey_id: i64) -> Result<u64> {
    let n: i64 =
        sqlx::query_scalar("SELECT CAST(COALESCE(SUM(live), 0) AS BIGINT) FROM journey_node_counts WHERE journey_id = $1")
            .bind(journey_id)
            .fetch_one(conn)
            .await?;
    Ok(n.max(0) as u64)
}

/// Messages logged per send node in a generation (who already received each send).
pub async fn sent_per_node(conn: &mut AnyConnection, journey_id: i64, generation: i64) -> Result<Vec<NodeCount>> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT node, sent FROM journey_sent_counts WHERE journey_id = $1 AND generation = $2 AND sent > 0 ORDER BY node",
    )
    .bind(journey_id)
    .bind(generation)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|(node, count)| NodeCount { node: NodeId::new(node), count: count as u64 }).collect())
}

/// The audience counts of a data-set journey in `generation`: the data set's subscribed and
/// unsubscribed members, and of the subscribed, those in flight, those who entered in the
/// generation (the rest never did) and those who received a message from the journey.
pub async fn dataset_audience(
    conn: &mut AnyConnection,
    journey_id: i64,
    generation: i64,
    dataset_id: i64,
) -> Result<AudienceCounts> {
    let (subscribed, suppressed, in_flight, received, entered): (i64, i64, i64, i64, i64) = sqlx::query_as(
        "SELECT COALESCE((SELECT subscribed FROM dataset_counts WHERE dataset_id = $3), 0),
                COALESCE((SELECT suppressed FROM dataset_counts WHERE dataset_id = $3), 0),
                COALESCE((SELECT in_flight FROM journey_audience_counts WHERE journey_id = $1), 0),
                COALESCE((SELECT received FROM journey_audience_counts WHERE journey_id = $1), 0),
                COALESCE((SELECT entered FROM journey_entered_counts WHERE journey_id = $1 AND generation = $2), 0)",
    )
    .bind(journey_id)
    .bind(generation)
    .bind(dataset_id)
    .fetch_one(conn)
    .await?;
    let u = |v: i64| v.max(0) as u64;
    Ok(AudienceCounts {
        subscribed: u(subscribed),
        suppressed: u(suppressed),
        never_entered: u(subscribed - entered),
        in_flight: u(in_flight),
        already_received: u(received),
    })
}

/// One maintained count that differs from the count recomputed from the rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    /// The aggregate's table.
    pub table: &'static str,
    /// Which of its counts, e.g. `journey 3 node wait1`.
    pub key: String,
    /// What the table holds (0 when it has no row).
    pub maintained: i64,
    /// What the rows say.
    pub recomputed: i64,
}

impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: maintained {}, recomputed from the rows {}", self.table, self.key, self.maintained, self.recomputed)
    }
}

/// What [`check_aggregates`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AggregateCheck {
    /// Non-zero counts compared (maintained or recomputed).
    pub compared: u64,
    /// The counts that differ (empty: consistent).
    pub drift: Vec<Drift>,
}

/// Each aggregate as (table, maintained, recomputed): both queries answer `(key, count)` rows.
const CHECKS: &[(&str, &str, &str)] = &[
    (
        "dataset_counts",
        "SELECT 'data set ' || dataset_id || ' subscribed', subscribed FROM dataset_counts
         UNION ALL SELECT 'data set ' || dataset_id || ' suppressed', suppressed FROM dataset_counts",
        "SELECT 'data set ' || dm.dataset_id || ' subscribed', SUM(CASE WHEN c.subscribed <> 0 THEN 1 ELSE 0 END)
           FROM dataset_members dm JOIN contacts c ON c.id = dm.contact_id GROUP BY dm.dataset_id
         UNION ALL SELECT 'data set ' || dm.dataset_id || ' suppressed', SUM(CASE WHEN c.subscribed = 0 THEN 1 ELSE 0 END)
           FROM dataset_members dm JOIN contacts c ON c.id = dm.contact_id GROUP BY dm.dataset_id",
    ),
    (
        "journey_node_counts",
        "SELECT 'journey ' || journey_id || ' node ' || node, live FROM journey_node_counts",
        "SELECT 'journey ' || journey_id || ' node ' || node, COUNT(*) FROM memberships
         WHERE status IN ('ready', 'waiting') GROUP BY journey_id, node",
    ),
    (
        "journey_wait_counts",
        "SELECT 'journey ' || journey_id || ' node ' || node || ' until ' || until, waiting FROM journey_wait_counts",
        "SELECT 'journey ' || journey_id || ' node ' || node || ' until ' || wait_until, COUNT(*) FROM memberships
         WHERE status = 'waiting' GROUP BY journey_id, node, wait_until",
    ),
    (
        "journey_sent_counts",
        "SELECT 'journey ' || journey_id || ' generation ' || generation || ' node ' || node, sent FROM journey_sent_counts",
        "SELECT 'journey ' || journey_id || ' generation ' || generation || ' node ' || node_id, COUNT(*) FROM message_log
         GROUP BY journey_id, generation, node_id",
    ),
    (
        "journey_audience_counts",
        "SELECT 'journey ' || journey_id || ' in flight', in_flight FROM journey_audience_counts
         UNION ALL SELECT 'journey ' || journey_id || ' received', received FROM journey_audience_counts",
        "SELECT 'journey ' || j.id || ' in flight', (SELECT COUNT(*) FROM dataset_members dm JOIN contacts c ON c.id = dm.contact_id
              WHERE dm.dataset_id = j.audience_dataset_id AND c.subscribed <> 0
                AND EXISTS (SELECT 1 FROM memberships m WHERE m.journey_id = j.id AND m.contact_id = c.id
                            AND m.status IN ('ready', 'waiting')))
           FROM journeys j WHERE j.audience_dataset_id IS NOT NULL
         UNION ALL
         SELECT 'journey ' || j.id || ' received', (SELECT COUNT(*) FROM dataset_members dm JOIN contacts c ON c.id = dm.contact_id
              WHERE dm.dataset_id = j.audience_dataset_id AND c.subscribed <> 0
                AND EXISTS (SELECT 1 FROM message_log l WHERE l.journey_id = j.id AND l.contact_id = c.id))
           FROM journeys j WHERE j.audience_dataset_id IS NOT NULL",
    ),
    (
        "journey_entered_counts",
        "SELECT 'journey ' || journey_id || ' generation ' || generation, entered FROM journey_entered_counts",
        "SELECT 'journey ' || m.journey_id || ' generation ' || m.generation, COUNT(DISTINCT m.contact_id)
           FROM memberships m JOIN journeys j ON j.id = m.journey_id
           JOIN dataset_members dm ON dm.dataset_id = j.audience_dataset_id AND dm.contact_id = m.contact_id
           JOIN contacts c ON c.id = m.contact_id AND c.subscribed <> 0
          GROUP BY m.journey_id, m.generation",
    ),
];

/// Recomputes every maintained aggregate from the rows and compares (a full pass over
/// memberships, messages and data-set members: for `journey-server check` and the tests, not
/// for requests). Run it in a read transaction so both sides see the same rows.
pub async fn check_aggregates(conn: &mut AnyConnection) -> Result<AggregateCheck> {
    let mut check = AggregateCheck::default();
    for (table, maintained, recomputed) in CHECKS {
        let read = |rows: Vec<(String, i64)>| rows.into_iter().filter(|(_, n)| *n != 0).collect::<BTreeMap<String, i64>>();
        let kept = read(sqlx::query_as(*maintained).fetch_all(&mut *conn).await?);
        let counted = read(sqlx::query_as(*recomputed).fetch_all(&mut *conn).await?);
        let mut keys: Vec<&String> = kept.keys().chain(counted.keys()).collect();
        keys.sort();
        keys.dedup();
        for key in keys {
            check.compared += 1;
            let (m, r) = (kept.get(key).copied().unwrap_or(0), counted.get(key).copied().unwrap_or(0));
            if m != r {
                check.drift.push(Drift { table, key: key.clone(), maintained: m, recomputed: r });
            }
        }
    }
    Ok(check)
}
