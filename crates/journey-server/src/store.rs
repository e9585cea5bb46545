//! The store: every SQL statement of the server lives here. SQLite (WAL) through sqlx, with
//! portable SQL (integer ids, instants as INTEGER milliseconds, JSON as TEXT, partial indexes)
//! so a PostgreSQL backend can follow without touching the domain code.
//!
//! Writes run in `BEGIN IMMEDIATE` transactions ([`Store::write`]): SQLite then serialises
//! writers up front, so two activations of the same journey cannot interleave; the second
//! one sees the first one's new version and gets a 409.
//!
//! Aggregates for the snapshot are indexed group-bys (see `migrations/0001_init.sql`):
//! live memberships per node and wait deadlines use `memberships_by_status`; the audience
//! counts of a data set walk its members once with three index probes each. The benchmark
//! (`cargo bench -p journey-server`) prints their latency at 10 thousand and 1 million contacts.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use journey_core::api::{ActivityEntry, JourneyRow, StateCounts};
use journey_core::flow::{AdmissionFacts, admission_mask, admits, admits_on_event};
use journey_core::journey::{Attributes, JourneyDefinition, NodeId, NodeKind, SegmentRule, TriggerSource};
use journey_core::membership::{ExitReason, Generation, Iteration, MembershipStatus};
use journey_core::plan::{ActivationCounts, ActivationMode, WaitHandling};
use journey_core::snapshot::{AudienceCounts, DEFAULT_HORIZON_MINUTES, JourneySnapshot, NodeCount, WaitDeadlinesBuilder};
use journey_core::state::JourneyState;
use journey_core::zone::Zone;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, QueryBuilder, Sqlite, SqliteConnection, SqlitePool, Transaction};

use crate::clock::{from_ms, to_ms};

/// The migrations kept in the repo (`crates/journey-server/migrations`).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A store failure (always a fault of ours or of the disk, never of user input).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is not readable: {0}")]
    Corrupt(String),
    #[error("could not prepare the database folder: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The database.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
}

/// A journey as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JourneyRecord {
    pub id: i64,
    pub name: String,
    pub state: String,
    pub definition: String,
    pub trigger_kind: String,
    pub audience: String,
    pub time_zone: String,
    pub version: i64,
    pub generation: i64,
    pub runs_in_generation: i64,
    pub event_cursor: i64,
    pub next_run_at: Option<i64>,
    pub last_run_at: Option<i64>,
    pub frozen_at: Option<i64>,
    pub paused_at: Option<i64>,
    pub stopped_at: Option<i64>,
    pub activated_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl JourneyRecord {
    pub fn state(&self) -> Result<JourneyState> {
        enum_from_text(&self.state)
    }
    pub fn definition(&self) -> Result<JourneyDefinition> {
        serde_json::from_str(&self.definition).map_err(|e| StoreError::Corrupt(format!("journey {}: {e}", self.id)))
    }
    pub fn generation(&self) -> Generation {
        Generation(u32::try_from(self.generation).unwrap_or(0))
    }
    pub fn runs_done(&self) -> u32 {
        u32::try_from(self.runs_in_generation).unwrap_or(u32::MAX)
    }
    pub fn version(&self) -> u64 {
        u64::try_from(self.version).unwrap_or(0)
    }
    pub fn zone(&self) -> Result<Zone> {
        Zone::bundled(&self.time_zone).map_err(|e| StoreError::Corrupt(format!("journey {} zone: {e}", self.id)))
    }
}

/// The text form of a snake_case serde enum (`JourneyState::Active` -> "active").
pub fn enum_text<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        other => format!("{other:?}"),
    }
}

/// The enum of a snake_case text.
pub fn enum_from_text<T: DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(text.to_string()))
        .map_err(|_| StoreError::Corrupt(format!("unknown value {text:?}")))
}

fn opt_ts(ms: Option<i64>) -> Option<Timestamp> {
    ms.map(from_ms)
}

impl Store {
    /// Opens (creating the file and its folder) and migrates the database. `wipe` deletes it
    /// first.
    pub async fn open(path: &Path, wipe: bool) -> Result<Store> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        if wipe {
            for suffix in ["", "-wal", "-shm"] {
                let mut p = path.as_os_str().to_owned();
                p.push(suffix);
                match std::fs::remove_file(&p) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(30))
            .foreign_keys(true)
            .pragma("cache_size", "-65536")
            // Reads through memory-mapped pages: no read syscall per page on big scans.
            .pragma("mmap_size", "1073741824");
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await?;
        MIGRATOR.run(&pool).await?;
        Ok(Store { pool })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// A write transaction that holds SQLite's write lock from its first statement.
    pub async fn write(&self) -> Result<Transaction<'static, Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// A read connection.
    pub async fn read(&self) -> Result<sqlx::pool::PoolConnection<Sqlite>> {
        Ok(self.pool.acquire().await?)
    }

    /// A read transaction (a consistent view across several queries).
    pub async fn read_tx(&self) -> Result<Transaction<'static, Sqlite>> {
        Ok(self.pool.begin().await?)
    }

    pub async fn is_empty(&self) -> Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT (SELECT COUNT(*) FROM journeys) + (SELECT COUNT(*) FROM contacts)")
            .fetch_one(&self.pool)
            .await?;
        Ok(n == 0)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

// ---------------------------------------------------------------------------------------------
// Journeys

pub async fn journey(conn: &mut SqliteConnection, id: i64) -> Result<Option<JourneyRecord>> {
    Ok(sqlx::query_as::<_, JourneyRecord>("SELECT * FROM journeys WHERE id = ?").bind(id).fetch_optional(conn).await?)
}

/// Inserts a journey (Draft) and its creation in the activity log.
pub async fn insert_journey(conn: &mut SqliteConnection, def: &JourneyDefinition, now: Timestamp, actor: &str) -> Result<i64> {
    let now_ms = to_ms(now);
    let definition = serde_json::to_string(def).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO journeys (name, state, definition, trigger_kind, audience, time_zone, created_at, updated_at)
         VALUES (?, 'draft', ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(&def.name)
    .bind(definition)
    .bind(enum_text(&def.trigger.source.kind()))
    .bind(enum_text(&def.trigger.audience))
    .bind(&def.time_zone)
    .bind(now_ms)
    .bind(now_ms)
    .fetch_one(&mut *conn)
    .await?;
    log_activity(conn, id, now, actor, "create", None, JourneyState::Draft, None, None, None).await?;
    Ok(id)
}

/// One line of the activity log.
#[allow(clippy::too_many_arguments)]
pub async fn log_activity(
    conn: &mut SqliteConnection,
    journey_id: i64,
    at: Timestamp,
    actor: &str,
    action: &str,
    from: Option<JourneyState>,
    to: JourneyState,
    mode: Option<ActivationMode>,
    wait_handling: Option<WaitHandling>,
    counts: Option<&ActivationCounts>,
) -> Result<()> {
    let details = counts.map(|c| serde_json::to_string(c).unwrap_or_default());
    sqlx::query(
        "INSERT INTO activity_log (journey_id, at, actor, action, from_state, to_state, mode, wait_handling, details)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(journey_id)
    .bind(to_ms(at))
    .bind(actor)
    .bind(action)
    .bind(from.map(|s| enum_text(&s)))
    .bind(enum_text(&to))
    .bind(mode.map(|m| enum_text(&m)))
    .bind(wait_handling.map(|w| enum_text(&w)))
    .bind(details)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn activity(conn: &mut SqliteConnection, journey_id: i64, limit: i64) -> Result<Vec<ActivityEntry>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        at: i64,
        actor: String,
        from_state: Option<String>,
        to_state: Option<String>,
        mode: Option<String>,
        details: Option<String>,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT at, actor, from_state, to_state, mode, details FROM
           (SELECT * FROM activity_log WHERE journey_id = ? ORDER BY id DESC LIMIT ?) ORDER BY id",
    )
    .bind(journey_id)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(ActivityEntry {
                at: from_ms(r.at),
                actor: r.actor,
                from: r.from_state.as_deref().map(enum_from_text).transpose()?,
                to: enum_from_text(r.to_state.as_deref().unwrap_or("draft"))?,
                mode: r.mode.as_deref().map(enum_from_text).transpose()?,
                counts: r.details.as_deref().and_then(|d| serde_json::from_str(d).ok()),
            })
        })
        .collect()
}

/// The list's rows (optionally one state, optionally names containing `q`) and the count of
/// every state (over all journeys, so the tabs always show their totals).
pub async fn list_journeys(
    conn: &mut SqliteConnection,
    state: Option<JourneyState>,
    q: Option<&str>,
) -> Result<(Vec<JourneyRow>, StateCounts)> {
    let mut counts = StateCounts::default();
    let by_state: Vec<(String, i64)> =
        sqlx::query_as("SELECT state, COUNT(*) FROM journeys GROUP BY state").fetch_all(&mut *conn).await?;
    for (s, n) in by_state {
        let s: JourneyState = enum_from_text(&s)?;
        for _ in 0..n {
            counts.add(s);
        }
    }
    let pattern =
        q.map(|q| format!("%{}%", q.trim().to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")));
    let records: Vec<JourneyRecord> = sqlx::query_as(
        "SELECT * FROM journeys
         WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR LOWER(name) LIKE ?2 ESCAPE '\\')
         ORDER BY updated_at DESC, id DESC",
    )
    .bind(state.map(|s| enum_text(&s)))
    .bind(pattern)
    .fetch_all(&mut *conn)
    .await?;
    let live: HashMap<i64, i64> = sqlx::query_as::<_, (i64, i64)>(
        "SELECT journey_id, COUNT(*) FROM memberships WHERE status IN ('ready', 'waiting') GROUP BY journey_id",
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .collect();
    let mut rows = Vec::with_capacity(records.len());
    for r in records {
        let def = r.definition()?;
        rows.push(JourneyRow {
            id: journey_core::journey::JourneyId(r.id as u64),
            name: r.name.clone(),
            state: r.state()?,
            trigger_kind: def.trigger.source.kind(),
            audience: def.trigger.audience,
            schedule_text: def.schedule_text(),
            time_zone: def.time_zone.clone(),
            contacts_in_journey: live.get(&r.id).copied().unwrap_or(0) as u64,
            last_run_at: opt_ts(r.last_run_at),
            paused_at: opt_ts(r.paused_at),
            stopped_at: opt_ts(r.stopped_at),
        });
    }
    Ok((rows, counts))
}

/// Live memberships per node, in the definition's order.
pub async fn node_counts(conn: &mut SqliteConnection, journey_id: i64, def: &JourneyDefinition) -> Result<Vec<NodeCount>> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT node, COUNT(*) FROM memberships WHERE journey_id = ? AND status IN ('ready', 'waiting') GROUP BY node",
    )
    .bind(journey_id)
    .fetch_all(conn)
    .await?;
    let map: HashMap<String, i64> = rows.into_iter().collect();
    let mut out: Vec<NodeCount> = def
        .nodes
        .iter()
        .filter_map(|n| map.get(n.id.as_str()).map(|c| NodeCount { node: n.id.clone(), count: *c as u64 }))
        .collect();
    // Nodes no longer in the definition still count.
    for (node, c) in &map {
        if def.node(&NodeId::new(node.clone())).is_none() {
            out.push(NodeCount { node: NodeId::new(node.clone()), count: *c as u64 });
        }
    }
    Ok(out)
}

/// Changes a journey's state fields and bumps its version.
pub async fn update_journey_state(
    conn: &mut SqliteConnection,
    rec: &JourneyRecord,
    to: JourneyState,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "UPDATE journeys SET state = ?, version = version + 1, generation = ?, runs_in_generation = ?,
           event_cursor = ?, next_run_at = ?, last_run_at = ?, frozen_at = ?, paused_at = ?, stopped_at = ?,
           activated_at = ?, updated_at = ? WHERE id = ?",
    )
    .bind(enum_text(&to))
    .bind(rec.generation)
    .bind(rec.runs_in_generation)
    .bind(rec.event_cursor)
    .bind(rec.next_run_at)
    .bind(rec.last_run_at)
    .bind(rec.frozen_at)
    .bind(rec.paused_at)
    .bind(rec.stopped_at)
    .bind(rec.activated_at)
    .bind(to_ms(now))
    .bind(rec.id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn max_event_id(conn: &mut SqliteConnection) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM events").fetch_one(conn).await?)
}

// ---------------------------------------------------------------------------------------------
// Snapshot

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

/// Per-contact facts of one journey, for segment audiences.
struct MemberFacts {
    entered: HashSet<i64>,
    live: HashSet<i64>,
    received: HashSet<i64>,
}

impl MemberFacts {
    /// The admission facts of one segment member.
    fn admission(&self, id: i64, subscribed: bool) -> AdmissionFacts {
        AdmissionFacts { subscribed, in_flight: self.live.contains(&id), entered_in_generation: self.entered.contains(&id) }
    }

    async fn load(conn: &mut SqliteConnection, journey_id: i64, generation: i64) -> Result<MemberFacts> {
        let ids = |v: Vec<(i64,)>| v.into_iter().map(|(i,)| i).collect::<HashSet<i64>>();
        let entered = ids(sqlx::query_as("SELECT DISTINCT contact_id FROM memberships WHERE journey_id = ? AND generation = ?")
            .bind(journey_id)
            .bind(generation)
            .fetch_all(&mut *conn)
            .await?);
        let live =
            ids(sqlx::query_as("SELECT contact_id FROM memberships WHERE journey_id = ? AND status IN ('ready', 'waiting')")
                .bind(journey_id)
                .fetch_all(&mut *conn)
                .await?);
        let received = ids(sqlx::query_as("SELECT DISTINCT contact_id FROM message_log WHERE journey_id = ?")
            .bind(journey_id)
            .fetch_all(&mut *conn)
            .await?);
        Ok(MemberFacts { entered, live, received })
    }
}

/// Every contact the segment rule matches (the rule is evaluated by journey-core), with its
/// subscription.
pub async fn segment_members(conn: &mut SqliteConnection, rule: &SegmentRule) -> Result<Vec<(i64, bool)>> {
    let mut out = Vec::new();
    let mut after = 0i64;
    loop {
        let rows: Vec<(i64, String, i64)> =
            sqlx::query_as("SELECT id, attributes, subscribed FROM contacts WHERE id > ? ORDER BY id LIMIT 5000")
                .bind(after)
                .fetch_all(&mut *conn)
                .await?;
        let Some(last) = rows.last() else { break };
        after = last.0;
        for (id, attrs, subscribed) in rows {
            let attributes: Attributes = serde_json::from_str(&attrs).unwrap_or_default();
            if rule.matches(&attributes) {
                out.push((id, subscribed != 0));
            }
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Activation and audience runs

/// Counts of what an activation did to the rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Executed {
    pub overdue: u64,
    pub shifted: u64,
    pub exited: u64,
    pub entered: u64,
}

/// Pending deadlines `<= t` (the overdue contacts under keep_deadlines).
pub async fn count_due(conn: &mut SqliteConnection, journey_id: i64, t: Timestamp) -> Result<u64> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE journey_id = ? AND status = 'waiting' AND wait_until <= ?")
            .bind(journey_id)
            .bind(to_ms(t))
            .fetch_one(conn)
            .await?;
    Ok(n as u64)
}

/// Shifts every pending deadline after `after` by `shift`; returns how many moved.
pub async fn shift_deadlines(
    conn: &mut SqliteConnection,
    journey_id: i64,
    after: Timestamp,
    shift: SignedDuration,
    now: Timestamp,
) -> Result<u64> {
    let ms = shift.as_millis() as i64;
    let r = sqlx::query(
        "UPDATE memberships SET wait_until = wait_until + ?, updated_at = ?
         WHERE journey_id = ? AND status = 'waiting' AND wait_until > ?",
    )
    .bind(ms)
    .bind(to_ms(now))
    .bind(journey_id)
    .bind(to_ms(after))
    .execute(conn)
    .await?;
    Ok(r.rows_affected())
}

/// Exits every live membership (a Restart); returns how many.
pub async fn exit_live(conn: &mut SqliteConnection, journey_id: i64, reason: ExitReason, now: Timestamp) -> Result<u64> {
    let r = sqlx::query(
        "UPDATE memberships SET status = 'exited', exit_reason = ?, wait_until = NULL, updated_at = ?
         WHERE journey_id = ? AND status IN ('ready', 'waiting')",
    )
    .bind(enum_text(&reason))
    .bind(to_ms(now))
    .bind(journey_id)
    .execute(conn)
    .await?;
    Ok(r.rows_affected())
}

/// Contacts per multi-row `INSERT` (4,000 rows x 6 bound values stays under SQLite's 32,766
/// bound values per statement).
const ENTRY_BATCH: usize = 4000;

/// A data set's members (`?3`) with their [`AdmissionFacts::bits`] for journey `?1` in
/// generation `?2`: subscribed 1, in flight 2, entered in the generation 4. Facts only, no
/// decision; both [`enter_audience`] and [`dataset_admission_facts`] read through it.
macro_rules! dataset_facts_sql {
    () => {
        "SELECT c.id AS id,
                (c.subscribed <> 0)
                | (EXISTS (SELECT 1 FROM memberships m WHERE m.journey_id = ?1 AND m.contact_id = c.id
                           AND m.status IN ('ready', 'waiting')) << 1)
                | (EXISTS (SELECT 1 FROM memberships m WHERE m.journey_id = ?1 AND m.generation = ?2
                           AND m.contact_id = c.id) << 2) AS facts
         FROM dataset_members dm JOIN contacts c ON c.id = dm.contact_id
         WHERE dm.dataset_id = ?3"
    };
}

/// An audience run: enters the trigger's audience members that journey-core's
/// [`journey_core::flow::admits`] admits, as `iteration` of `generation` at the entry node.
/// Returns how many entered.
///
/// The store decides nothing. Data sets: one `INSERT ... SELECT` computes each member's
/// facts (`dataset_facts_sql!`, two index probes) and keeps the members whose facts
/// journey-core admits, through [`journey_core::flow::admission_mask`] (`admits` evaluated
/// once per combination of the facts), so a million members never leave SQLite. Segments:
/// the rule is evaluated in Rust anyway, so `admits` is called per member with facts from the
/// journey's membership sets, and the admitted are inserted [`ENTRY_BATCH`] rows at a time.
/// `tests/admission.rs` checks every combination of the facts through this function.
pub async fn enter_audience(
    conn: &mut SqliteConnection,
    journey_id: i64,
    def: &JourneyDefinition,
    generation: i64,
    iteration: i64,
    at: Timestamp,
) -> Result<u64> {
    let audience = def.trigger.audience;
    let entry = def.entry.as_str();
    match &def.trigger.source {
        TriggerSource::Event { .. } => Ok(0),
        TriggerSource::Dataset { dataset_id, .. } => {
            let at_ms = to_ms(at);
            let sql = concat!(
                "INSERT INTO memberships (journey_id, contact_id, generation, iteration, node, status, entered_at, updated_at)
                 SELECT ?1, f.id, ?2, ?4, ?5, 'ready', ?6, ?6 FROM (",
                dataset_facts_sql!(),
                ") f WHERE (?7 >> f.facts) & 1 = 1"
            );
            let r = sqlx::query(sql)
                .bind(journey_id)
                .bind(generation)
                .bind(dataset_id.0 as i64)
                .bind(iteration)
                .bind(entry)
                .bind(at_ms)
                .bind(i64::from(admission_mask(audience)))
                .execute(conn)
                .await?;
            Ok(r.rows_affected())
        }
        TriggerSource::Segment { rule, .. } => {
            let members = segment_members(&mut *conn, rule).await?;
            let facts = MemberFacts::load(&mut *conn, journey_id, generation).await?;
            let ids: Vec<i64> = members
                .into_iter()
                .filter(|(id, subscribed)| admits(audience, &facts.admission(*id, *subscribed)).enters())
                .map(|(id, _)| id)
                .collect();
            let mut entered = 0;
            for chunk in ids.chunks(ENTRY_BATCH) {
                entered += insert_memberships(&mut *conn, journey_id, generation, iteration, entry, at, chunk).await?;
            }
            Ok(entered)
        }
    }
}

/// Every member of a data set with its admission facts for `journey_id` in `generation`, in
/// contact-id order (what [`enter_audience`] judges; for tests and scripts).
pub async fn dataset_admission_facts(
    conn: &mut SqliteConnection,
    journey_id: i64,
    generation: i64,
    dataset_id: i64,
) -> Result<Vec<(i64, AdmissionFacts)>> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(concat!("SELECT id, facts FROM (", dataset_facts_sql!(), ") ORDER BY id"))
        .bind(journey_id)
        .bind(generation)
        .bind(dataset_id)
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().map(|(id, bits)| (id, AdmissionFacts::from_bits(bits as u8))).collect())
}

/// Inserts ready memberships at `entry` for `ids` (at most a few thousand per call).
async fn insert_memberships(
    conn: &mut SqliteConnection,
    journey_id: i64,
    generation: i64,
    iteration: i64,
    entry: &str,
    at: Timestamp,
    ids: &[i64],
) -> Result<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let at_ms = to_ms(at);
    let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
        "INSERT INTO memberships (journey_id, contact_id, generation, iteration, node, status, entered_at, updated_at) ",
    );
    qb.push_values(ids, |mut b, id| {
        b.push_bind(journey_id)
            .push_bind(*id)
            .push_bind(generation)
            .push_bind(iteration)
            .push_bind(entry)
            .push("'ready'")
            .push_bind(at_ms)
            .push_bind(at_ms);
    });
    Ok(qb.build().execute(&mut *conn).await?.rows_affected())
}

// ---------------------------------------------------------------------------------------------
// Runner work

/// A live membership with what the step function needs about its contact.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DueMembership {
    pub id: i64,
    pub contact_id: i64,
    pub generation: i64,
    pub iteration: i64,
    pub node: String,
    pub status: String,
    pub wait_until: Option<i64>,
    pub entered_at: i64,
    pub attributes: String,
    pub subscribed: i64,
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl DueMembership {
    pub fn status(&self) -> MembershipStatus {
        match (self.status.as_str(), self.wait_until) {
            ("waiting", Some(until)) => MembershipStatus::Waiting { until: from_ms(until) },
            ("completed", _) => MembershipStatus::Completed,
            ("exited", _) => MembershipStatus::Exited { reason: ExitReason::Condition },
            _ => MembershipStatus::Ready,
        }
    }
    pub fn attributes(&self) -> Attributes {
        serde_json::from_str(&self.attributes).unwrap_or_default()
    }
}

/// Up to `limit` memberships of a journey that have work at `now`: ready ones first, then
/// waiting ones whose deadline is `<= now`. Both are index range scans on
/// `memberships_by_status`; a membership the runner moves leaves both ranges, so repeated
/// calls walk the backlog without rescanning it.
pub async fn due_memberships(
    conn: &mut SqliteConnection,
    journey_id: i64,
    now: Timestamp,
    limit: i64,
) -> Result<Vec<DueMembership>> {
    let mut rows: Vec<DueMembership> = sqlx::query_as(
        "SELECT m.id, m.contact_id, m.generation, m.iteration, m.node, m.status, m.wait_until, m.entered_at,
                c.attributes, c.subscribed, c.email, c.phone
         FROM memberships m JOIN contacts c ON c.id = m.contact_id
         WHERE m.journey_id = ?1 AND m.status = 'ready' LIMIT ?2",
    )
    .bind(journey_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let left = limit - rows.len() as i64;
    if left > 0 {
        let waiting: Vec<DueMembership> = sqlx::query_as(
            "SELECT m.id, m.contact_id, m.generation, m.iteration, m.node, m.status, m.wait_until, m.entered_at,
                    c.attributes, c.subscribed, c.email, c.phone
             FROM memberships m JOIN contacts c ON c.id = m.contact_id
             WHERE m.journey_id = ?1 AND m.status = 'waiting' AND m.wait_until <= ?2 LIMIT ?3",
        )
        .bind(journey_id)
        .bind(to_ms(now))
        .bind(left)
        .fetch_all(&mut *conn)
        .await?;
        rows.extend(waiting);
    }
    Ok(rows)
}

/// Event names a contact did at or after `since`.
pub async fn events_since(conn: &mut SqliteConnection, contact_id: i64, since: i64) -> Result<BTreeSet<String>> {
    let rows: Vec<(String,)> = sqlx::query_as("SELECT DISTINCT name FROM events WHERE contact_id = ? AND at >= ?")
        .bind(contact_id)
        .bind(since)
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().map(|(n,)| n).collect())
}

/// Stores a membership's new position.
pub async fn set_membership(
    conn: &mut SqliteConnection,
    id: i64,
    node: &str,
    status: &MembershipStatus,
    now: Timestamp,
) -> Result<()> {
    let (status_text, until, reason) = match status {
        MembershipStatus::Ready => ("ready", None, None),
        MembershipStatus::Waiting { until } => ("waiting", Some(to_ms(*until)), None),
        MembershipStatus::Completed => ("completed", None, None),
        MembershipStatus::Exited { reason } => ("exited", None, Some(enum_text(reason))),
    };
    sqlx::query("UPDATE memberships SET node = ?, status = ?, wait_until = ?, exit_reason = ?, updated_at = ? WHERE id = ?")
        .bind(node)
        .bind(status_text)
        .bind(until)
        .bind(reason)
        .bind(to_ms(now))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A message to log.
#[derive(Debug, Clone, Serialize)]
pub struct NewMessage<'a> {
    pub journey_id: i64,
    pub generation: i64,
    pub iteration: i64,
    pub contact_id: i64,
    pub node_id: &'a str,
    pub key: String,
    pub channel: &'a str,
    pub template: &'a str,
    pub recipient: Option<&'a str>,
}

/// Inserts a message into the log unless its key is there; returns whether it was new.
pub async fn log_message(conn: &mut SqliteConnection, m: &NewMessage<'_>, now: Timestamp) -> Result<bool> {
    let r = sqlx::query(
        "INSERT INTO message_log (journey_id, generation, iteration, contact_id, node_id, message_key, channel, template, recipient, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
    )
    .bind(m.journey_id)
    .bind(m.generation)
    .bind(m.iteration)
    .bind(m.contact_id)
    .bind(m.node_id)
    .bind(&m.key)
    .bind(m.channel)
    .bind(m.template)
    .bind(m.recipient)
    .bind(to_ms(now))
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// A logged message not yet accepted by the delivery sink.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct OutboxMessage {
    pub id: i64,
    pub journey_id: i64,
    pub contact_id: i64,
    pub message_key: String,
    pub channel: String,
    pub template: String,
    pub recipient: Option<String>,
    pub created_at: i64,
}

pub async fn undelivered(conn: &mut SqliteConnection, limit: i64) -> Result<Vec<OutboxMessage>> {
    Ok(sqlx::query_as(
        "SELECT id, journey_id, contact_id, message_key, channel, template, recipient, created_at
         FROM message_log WHERE delivered_at IS NULL ORDER BY id LIMIT ?",
    )
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

pub async fn mark_delivered(conn: &mut SqliteConnection, ids: &[i64], now: Timestamp) -> Result<()> {
    for chunk in ids.chunks(500) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new("UPDATE message_log SET delivered_at = ");
        qb.push_bind(to_ms(now)).push(", attempts = attempts + 1 WHERE id IN (");
        let mut sep = qb.separated(", ");
        for id in chunk {
            sep.push_bind(*id);
        }
        qb.push(")");
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

pub async fn mark_attempt_failed(conn: &mut SqliteConnection, id: i64) -> Result<()> {
    sqlx::query("UPDATE message_log SET attempts = attempts + 1 WHERE id = ?").bind(id).execute(conn).await?;
    Ok(())
}

/// Journeys in a state.
pub async fn journeys_in(conn: &mut SqliteConnection, state: JourneyState) -> Result<Vec<JourneyRecord>> {
    Ok(sqlx::query_as("SELECT * FROM journeys WHERE state = ? ORDER BY id").bind(enum_text(&state)).fetch_all(conn).await?)
}

pub async fn live_count(conn: &mut SqliteConnection, journey_id: i64) -> Result<u64> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE journey_id = ? AND status IN ('ready', 'waiting')")
        .bind(journey_id)
        .fetch_one(conn)
        .await?;
    Ok(n as u64)
}

/// Events for an event trigger after the journey's cursor.
pub async fn pending_events(conn: &mut SqliteConnection, name: &str, after_id: i64, limit: i64) -> Result<Vec<(i64, i64, i64)>> {
    Ok(sqlx::query_as("SELECT id, contact_id, at FROM events WHERE name = ? AND id > ? ORDER BY id LIMIT ?")
        .bind(name)
        .bind(after_id)
        .bind(limit)
        .fetch_all(conn)
        .await?)
}

/// Enters one contact on an event (event triggers) if journey-core's
/// [`journey_core::flow::admits_on_event`] admits it. Returns whether it entered.
///
/// `state` is the journey's state; `arrived_since_activation` is whether the event was stored
/// after the journey's event cursor (set to the newest event id at activation, so events that
/// arrived while frozen are not replayed). The store reads the contact's [`AdmissionFacts`]
/// (two index probes) and decides nothing. Events of one batch are entered one after the
/// other in the same transaction, so a second event of the same contact sees it in flight.
#[allow(clippy::too_many_arguments)]
pub async fn enter_on_event(
    conn: &mut SqliteConnection,
    journey_id: i64,
    def: &JourneyDefinition,
    state: JourneyState,
    generation: i64,
    contact_id: i64,
    arrived_since_activation: bool,
    at: Timestamp,
) -> Result<bool> {
    let row: Option<(i64, i64, i64)> = sqlx::query_as(
        "SELECT c.subscribed,
                EXISTS (SELECT 1 FROM memberships m WHERE m.journey_id = ?1 AND m.contact_id = c.id AND m.status IN ('ready', 'waiting')),
                (SELECT COUNT(*) FROM memberships m WHERE m.journey_id = ?1 AND m.contact_id = c.id AND m.generation = ?2)
         FROM contacts c WHERE c.id = ?3",
    )
    .bind(journey_id)
    .bind(generation)
    .bind(contact_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((subscribed, live, entries)) = row else { return Ok(false) };
    let facts = AdmissionFacts { subscribed: subscribed != 0, in_flight: live != 0, entered_in_generation: entries > 0 };
    if !admits_on_event(def.trigger.audience, state, arrived_since_activation, &facts).enters() {
        return Ok(false);
    }
    // Event-trigger iterations count this contact's entries in the generation (journey-core's
    // `Iteration` docs).
    let iteration = Iteration(u32::try_from(entries).unwrap_or(u32::MAX - 1)).next();
    let entered =
        insert_memberships(conn, journey_id, generation, i64::from(iteration.0), def.entry.as_str(), at, &[contact_id]).await?;
    Ok(entered == 1)
}

// ---------------------------------------------------------------------------------------------
// Contacts, data sets, events, idempotency

pub async fn insert_contacts(
    conn: &mut SqliteConnection,
    contacts: &[journey_core::api::NewContact],
    now: Timestamp,
) -> Result<Vec<i64>> {
    let mut ids = Vec::with_capacity(contacts.len());
    for c in contacts {
        let attrs = serde_json::to_string(&c.attributes).unwrap_or_else(|_| "{}".into());
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO contacts (email, phone, attributes, subscribed, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(c.email.as_deref())
        .bind(c.phone.as_deref())
        .bind(attrs)
        .bind(i64::from(c.subscribed))
        .bind(to_ms(now))
        .fetch_one(&mut *conn)
        .await?;
        ids.push(id);
    }
    Ok(ids)
}

pub async fn email_exists(conn: &mut SqliteConnection, emails: &[&str]) -> Result<Option<String>> {
    for e in emails {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT id FROM contacts WHERE email = ?").bind(*e).fetch_optional(&mut *conn).await?;
        if found.is_some() {
            return Ok(Some(e.to_string()));
        }
    }
    Ok(None)
}

pub async fn contact_exists(conn: &mut SqliteConnection, id: i64) -> Result<bool> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT id FROM contacts WHERE id = ?").bind(id).fetch_optional(conn).await?.is_some())
}

pub async fn missing_contacts(conn: &mut SqliteConnection, ids: &[i64]) -> Result<Option<i64>> {
    for id in ids {
        if !contact_exists(&mut *conn, *id).await? {
            return Ok(Some(*id));
        }
    }
    Ok(None)
}

pub async fn set_subscription(conn: &mut SqliteConnection, id: i64, subscribed: bool) -> Result<bool> {
    let r =
        sqlx::query("UPDATE contacts SET subscribed = ? WHERE id = ?").bind(i64::from(subscribed)).bind(id).execute(conn).await?;
    Ok(r.rows_affected() == 1)
}

pub async fn insert_dataset(conn: &mut SqliteConnection, name: &str, now: Timestamp) -> Result<i64> {
    Ok(sqlx::query_scalar("INSERT INTO datasets (name, created_at) VALUES (?, ?) RETURNING id")
        .bind(name)
        .bind(to_ms(now))
        .fetch_one(conn)
        .await?)
}

pub async fn dataset_exists(conn: &mut SqliteConnection, id: i64) -> Result<bool> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT id FROM datasets WHERE id = ?").bind(id).fetch_optional(conn).await?.is_some())
}

pub async fn add_to_dataset(conn: &mut SqliteConnection, dataset_id: i64, ids: &[i64]) -> Result<u64> {
    let mut added = 0;
    for chunk in ids.chunks(5000) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new("INSERT INTO dataset_members (dataset_id, contact_id) ");
        qb.push_values(chunk, |mut b, id| {
            b.push_bind(dataset_id).push_bind(*id);
        });
        qb.push(" ON CONFLICT DO NOTHING");
        added += qb.build().execute(&mut *conn).await?.rows_affected();
    }
    Ok(added)
}

pub async fn insert_event(conn: &mut SqliteConnection, contact_id: i64, name: &str, at: Timestamp) -> Result<i64> {
    Ok(sqlx::query_scalar("INSERT INTO events (contact_id, name, at) VALUES (?, ?, ?) RETURNING id")
        .bind(contact_id)
        .bind(name)
        .bind(to_ms(at))
        .fetch_one(conn)
        .await?)
}

/// A stored answer to an idempotent request.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IdempotentAnswer {
    pub journey_id: i64,
    pub fingerprint: String,
    pub status: i64,
    pub response: String,
}

pub async fn idempotent_answer(conn: &mut SqliteConnection, key: &str) -> Result<Option<IdempotentAnswer>> {
    Ok(sqlx::query_as("SELECT journey_id, fingerprint, status, response FROM idempotency_keys WHERE idem_key = ?")
        .bind(key)
        .fetch_optional(conn)
        .await?)
}

pub async fn store_idempotent_answer(
    conn: &mut SqliteConnection,
    key: &str,
    journey_id: i64,
    fingerprint: &str,
    status: u16,
    response: &str,
    now: Timestamp,
) -> Result<()> {
    sqlx::query("INSERT INTO idempotency_keys (idem_key, journey_id, fingerprint, status, response, created_at) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(key)
        .bind(journey_id)
        .bind(fingerprint)
        .bind(i64::from(status))
        .bind(response)
        .bind(to_ms(now))
        .execute(conn)
        .await?;
    Ok(())
}

/// Message log rows of a journey (for scripts and tests), newest last.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct LoggedMessage {
    pub message_key: String,
    pub generation: i64,
    pub iteration: i64,
    pub contact_id: i64,
    pub node_id: String,
    pub channel: String,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
}

pub async fn messages(
    conn: &mut SqliteConnection,
    journey_id: i64,
    after_id: i64,
    limit: i64,
) -> Result<Vec<(i64, LoggedMessage)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        #[sqlx(flatten)]
        m: LoggedMessage,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, message_key, generation, iteration, contact_id, node_id, channel, created_at, delivered_at
         FROM message_log WHERE journey_id = ? AND id > ? ORDER BY id LIMIT ?",
    )
    .bind(journey_id)
    .bind(after_id)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.m)).collect())
}

/// Checks the database answers (for /api/health).
pub async fn ping(conn: &mut SqliteConnection) -> Result<()> {
    conn.ping().await?;
    Ok(())
}
