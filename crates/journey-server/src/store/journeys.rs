//! Journeys: the row, reading it, creating it, changing its state, the list and the counts per node.

use super::{Activity, Backend, Result, StoreError, log_activity, opt_ts, parse_stored};
use crate::clock::{from_ms, to_ms};
use jiff::Timestamp;
use journey_core::api::{JourneyRow, StateCounts};
use journey_core::journey::JourneyDefinition;
use journey_core::membership::{Generation, Iteration};
use journey_core::plan::{ActivationCounts, ActivationMode, WaitHandling};
use journey_core::release::ReleasePolicy;
use journey_core::state::JourneyState;
use journey_core::zone::Zone;
use sqlx::AnyConnection;
use std::collections::HashMap;

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
    /// The current definition's number (1 at creation, +1 per save).
    pub definition_version: i64,
    /// The definition version the contacts move under (0: never activated).
    pub activated_definition_version: i64,
    /// The data set a data-set trigger reads (the maintained audience counts follow it).
    pub audience_dataset_id: Option<i64>,
}

/// The data set a definition's trigger reads, if it is a data-set trigger.
fn audience_dataset(def: &JourneyDefinition) -> Option<i64> {
    match &def.trigger.source {
        journey_core::journey::TriggerSource::Dataset { dataset_id, .. } => Some(dataset_id.0 as i64),
        _ => None,
    }
}

impl JourneyRecord {
    pub fn state(&self) -> Result<JourneyState> {
        parse_stored(&self.state)
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
    pub fn definition_version(&self) -> u32 {
        u32::try_from(self.definition_version).unwrap_or(0)
    }
    pub fn zone(&self) -> Result<Zone> {
        Zone::bundled(&self.time_zone).map_err(|e| StoreError::Corrupt(format!("journey {} zone: {e}", self.id)))
    }
}

pub async fn journey(conn: &mut AnyConnection, id: i64) -> Result<Option<JourneyRecord>> {
    Ok(sqlx::query_as::<_, JourneyRecord>("SELECT * FROM journeys WHERE id = $1").bind(id).fetch_optional(conn).await?)
}

/// How [`lock_journey`] treats a journey another transaction holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    /// Wait for it (up to the write wait): requests, which must answer about this journey.
    Wait,
    /// Skip it (`None`): the runner, which has other journeys to step and comes back next pass.
    Skip,
}

/// Reads a journey in a write transaction and holds it until the transaction ends: every
/// change to a journey (its state, its memberships, its activation work) starts here, so
/// changes to one journey never interleave. SQLite's write transaction already holds the whole
/// database; PostgreSQL locks the row (`FOR NO KEY UPDATE`: it conflicts with itself, not with
/// the key-share lock that inserting a membership or an activity line of the journey takes
/// through its foreign key, which would make a runner skip a journey for no reason), and the
/// runner of another instance skips
/// it rather than wait. `None`: no such journey, or held and skipped.
pub async fn lock_journey(conn: &mut AnyConnection, id: i64, held: Held) -> Result<Option<JourneyRecord>> {
    let sql = match (Backend::of(conn), held) {
        (Backend::Sqlite, _) => "SELECT * FROM journeys WHERE id = $1",
        (Backend::Postgres, Held::Wait) => "SELECT * FROM journeys WHERE id = $1 FOR NO KEY UPDATE",
        (Backend::Postgres, Held::Skip) => "SELECT * FROM journeys WHERE id = $1 FOR NO KEY UPDATE SKIP LOCKED",
    };
    Ok(sqlx::query_as::<_, JourneyRecord>(sql).bind(id).fetch_optional(conn).await?)
}

/// Inserts a journey (Draft) and its creation in the activity log.
pub async fn insert_journey(conn: &mut AnyConnection, def: &JourneyDefinition, now: Timestamp, actor: &str) -> Result<i64> {
    let now_ms = to_ms(now);
    let definition = serde_json::to_string(def).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO journeys (name, state, definition, trigger_kind, audience, time_zone, audience_dataset_id, created_at, updated_at)
         VALUES ($1, 'draft', $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(&def.name)
    .bind(definition)
    .bind(def.trigger.source.kind().as_str())
    .bind(def.trigger.audience.as_str())
    .bind(&def.time_zone)
    .bind(audience_dataset(def))
    .bind(now_ms)
    .bind(now_ms)
    .fetch_one(&mut *conn)
    .await?;
    insert_definition_version(&mut *conn, id, 1, def, &[], false, now, actor).await?;
    let created = Activity {
        journey_id: id,
        at: now,
        actor,
        action: "create",
        from: None,
        to: JourneyState::Draft,
        activation: None,
        definition_version: Some(1),
        note: None,
        release: None,
    };
    log_activity(conn, &created).await?;
    Ok(id)
}

/// The list's rows (optionally one state, optionally names containing `q`) and the count of
/// every state (over all journeys, so the tabs always show their totals).
pub async fn list_journeys(
    conn: &mut AnyConnection,
    state: Option<JourneyState>,
    q: Option<&str>,
) -> Result<(Vec<JourneyRow>, StateCounts)> {
    let mut counts = StateCounts::default();
    let by_state: Vec<(String, i64)> =
        sqlx::query_as("SELECT state, COUNT(*) FROM journeys GROUP BY state").fetch_all(&mut *conn).await?;
    for (s, n) in by_state {
        let s: JourneyState = parse_stored(&s)?;
        for _ in 0..n {
            counts.add(s);
        }
    }
    let pattern =
        q.map(|q| format!("%{}%", q.trim().to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")));
    let records: Vec<JourneyRecord> = sqlx::query_as(
        "SELECT * FROM journeys
         WHERE ($1 IS NULL OR state = $1) AND ($2 IS NULL OR LOWER(name) LIKE $2 ESCAPE '\\')
         ORDER BY updated_at DESC, id DESC",
    )
    .bind(state.map(JourneyState::as_str))
    .bind(pattern)
    .fetch_all(&mut *conn)
    .await?;
    let live: HashMap<i64, i64> = sqlx::query_as::<_, (i64, i64)>(
        "SELECT journey_id, CAST(SUM(live) AS BIGINT) FROM journey_node_counts GROUP BY journey_id",
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .collect();
    let mut waiting = super::waiting_rows(&mut *conn).await?;
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
            pending: waiting.remove(&r.id),
        });
    }
    Ok((rows, counts))
}

/// A change to a journey: what an action or the runner does to the row. [`change_journey`]
/// applies it; nothing else writes a journey's state, generation, runs or instants.
#[derive(Debug, Clone, PartialEq)]
pub enum JourneyChange<'a> {
    /// Draft -> `to` (journey-core's `transition` chose Scheduled or Active). An Active
    /// journey starts generation 1 and reads events stored after `event_cursor`.
    Published { to: JourneyState, first_run: Option<Timestamp>, event_cursor: i64 },
    /// Active -> Paused. The frozen period starts now.
    Paused,
    /// Active or Paused -> Stopped. A journey paused first stays frozen since its pause.
    Stopped,
    /// Paused or Stopped -> Active, executing journey-core's plan (Resume or Restart).
    Activated {
        mode: ActivationMode,
        wait_handling: WaitHandling,
        generation: Generation,
        runs_done: u32,
        next_run: Option<Timestamp>,
        /// Restart's immediate run.
        last_run: Option<Timestamp>,
        /// Event triggers: the newest event id at activation (frozen-period events are not replayed).
        event_cursor: Option<i64>,
        counts: &'a ActivationCounts,
        /// How a Resume releases its backlog (recorded in the activity log when it holds any).
        release: Option<ReleasePolicy>,
        /// Who scheduled or approved it, when it waited (journey-core `pending`).
        note: Option<&'a str>,
    },
    /// Scheduled -> Active at its first run, due at `due`.
    Started { due: Timestamp },
    /// An audience run of an Active journey: run `iteration` of the generation happened now.
    AudienceRun { iteration: Iteration, next_run: Option<Timestamp> },
    /// Active -> Completed: no run left, nobody in flight.
    Completed,
    /// An activation's work on the memberships finished (`store::work`; the state does not
    /// change): the counts executed, with a sentence when they differ from the plan's.
    Applied { mode: ActivationMode, counts: &'a ActivationCounts, note: Option<String> },
    /// A new definition saved (the state does not change): version `definition_version`.
    /// `next_run` replaces a Scheduled journey's first run when its schedule changed.
    Edited { definition: &'a JourneyDefinition, definition_version: u32, next_run: Option<Option<Timestamp>> },
    /// Something happened to the journey's waiting activation (`store::pending`; the state does
    /// not change): `action` is the activity log's verb (`schedule`, `request_approval`,
    /// `approve`, `reject`, `cancel_pending`, `hold`), `note` the sentence.
    Waiting { action: &'static str, note: &'a str },
}

impl JourneyChange<'_> {
    /// The state after the change, from `from`.
    fn to(&self, from: JourneyState) -> JourneyState {
        match self {
            JourneyChange::Published { to, .. } => *to,
            JourneyChange::Paused => JourneyState::Paused,
            JourneyChange::Stopped => JourneyState::Stopped,
            JourneyChange::Activated { .. } | JourneyChange::Started { .. } => JourneyState::Active,
            JourneyChange::AudienceRun { .. }
            | JourneyChange::Edited { .. }
            | JourneyChange::Applied { .. }
            | JourneyChange::Waiting { .. } => from,
            JourneyChange::Completed => JourneyState::Completed,
        }
    }

    /// The activity log's verb; `None` for changes that are not a state change.
    fn verb(&self) -> Option<&'static str> {
        Some(match self {
            JourneyChange::Published { .. } => "publish",
            JourneyChange::Paused => "pause",
            JourneyChange::Stopped => "stop",
            JourneyChange::Activated { mode: ActivationMode::Resume, .. } => "resume",
            JourneyChange::Activated { mode: ActivationMode::Restart, .. } => "restart",
            JourneyChange::Started { .. } => "start",
            JourneyChange::AudienceRun { .. } => return None,
            JourneyChange::Completed => "complete",
            JourneyChange::Edited { .. } => "edit",
            JourneyChange::Applied { .. } => "applied",
            JourneyChange::Waiting { action, .. } => action,
        })
    }

    /// What a waiting activation reads when this change cancels it (a person changed the
    /// journey under it); `None` for changes that leave it waiting. Only a frozen journey has
    /// one, so only the changes a frozen journey takes are here.
    fn cancels_waiting(&self) -> Option<&'static str> {
        Some(match self {
            JourneyChange::Stopped => "stopped the journey",
            JourneyChange::Activated { .. } => "activated the journey",
            JourneyChange::Edited { .. } => "saved a new version of the journey",
            JourneyChange::Published { .. }
            | JourneyChange::Paused
            | JourneyChange::Started { .. }
            | JourneyChange::AudienceRun { .. }
            | JourneyChange::Completed
            | JourneyChange::Applied { .. }
            | JourneyChange::Waiting { .. } => return None,
        })
    }
}

impl JourneyRecord {
    /// The row after `change` at `at` (the version is bumped; nothing is written).
    pub fn changed(&self, change: &JourneyChange<'_>, at: Timestamp) -> Result<JourneyRecord> {
        let at_ms = to_ms(at);
        let mut next = self.clone();
        next.state = change.to(self.state()?).as_str().to_string();
        next.version += 1;
        next.updated_at = at_ms;
        match change {
            JourneyChange::Published { to, first_run, event_cursor } => {
                next.next_run_at = first_run.map(to_ms);
                if *to == JourneyState::Active {
                    next.generation = i64::from(Generation::FIRST.0);
                    next.runs_in_generation = 0;
                    next.event_cursor = *event_cursor;
                    next.activated_at = Some(at_ms);
                    next.activated_definition_version = self.definition_version;
                }
            }
            JourneyChange::Paused => {
                next.frozen_at = Some(self.frozen_at.unwrap_or(at_ms));
                next.paused_at = Some(at_ms);
            }
            JourneyChange::Stopped => {
                next.frozen_at = Some(self.frozen_at.unwrap_or(at_ms));
                next.stopped_at = Some(at_ms);
            }
            JourneyChange::Activated { generation, runs_done, next_run, last_run, event_cursor, .. } => {
                next.generation = i64::from(generation.0);
                next.runs_in_generation = i64::from(*runs_done);
                next.next_run_at = next_run.map(to_ms);
                next.last_run_at = last_run.map(to_ms).or(self.last_run_at);
                next.event_cursor = event_cursor.unwrap_or(self.event_cursor);
                next.frozen_at = None;
                next.paused_at = None;
                next.stopped_at = None;
                next.activated_at = Some(at_ms);
                next.activated_definition_version = self.definition_version;
            }
            JourneyChange::Started { due } => {
                next.generation = self.generation.max(i64::from(Generation::FIRST.0));
                next.runs_in_generation = 0;
                next.activated_at = Some(to_ms(*due));
                next.activated_definition_version = self.definition_version;
            }
            JourneyChange::AudienceRun { iteration, next_run } => {
                next.runs_in_generation = i64::from(iteration.0);
                next.last_run_at = Some(at_ms);
                next.next_run_at = next_run.map(to_ms);
            }
            JourneyChange::Completed | JourneyChange::Applied { .. } | JourneyChange::Waiting { .. } => {}
            JourneyChange::Edited { definition, definition_version, next_run } => {
                next.definition = serde_json::to_string(definition).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                next.name = definition.name.clone();
                next.trigger_kind = definition.trigger.source.kind().as_str().to_string();
                next.audience = definition.trigger.audience.as_str().to_string();
                next.time_zone = definition.time_zone.clone();
                next.audience_dataset_id = audience_dataset(definition);
                next.definition_version = i64::from(*definition_version);
                if let Some(run) = next_run {
                    next.next_run_at = run.map(to_ms);
                }
            }
        }
        Ok(next)
    }
}

/// Applies `change` to the journey `rec` at `at`, bumps its version, and records a state change
/// in the activity log under `actor`. Returns the journey as it now is. `rec` must have been
/// read in the same write transaction.
pub async fn change_journey(
    conn: &mut AnyConnection,
    rec: &JourneyRecord,
    change: JourneyChange<'_>,
    at: Timestamp,
    actor: &str,
) -> Result<JourneyRecord> {
    let next = rec.changed(&change, at)?;
    sqlx::query(
        "UPDATE journeys SET state = $1, version = $2, generation = $3, runs_in_generation = $4,
           event_cursor = $5, next_run_at = $6, last_run_at = $7, frozen_at = $8, paused_at = $9, stopped_at = $10,
           activated_at = $11, updated_at = $12, name = $13, definition = $14, trigger_kind = $15, audience = $16, time_zone = $17,
           definition_version = $18, activated_definition_version = $19, audience_dataset_id = $20 WHERE id = $21",
    )
    .bind(&next.state)
    .bind(next.version)
    .bind(next.generation)
    .bind(next.runs_in_generation)
    .bind(next.event_cursor)
    .bind(next.next_run_at)
    .bind(next.last_run_at)
    .bind(next.frozen_at)
    .bind(next.paused_at)
    .bind(next.stopped_at)
    .bind(next.activated_at)
    .bind(next.updated_at)
    .bind(&next.name)
    .bind(&next.definition)
    .bind(&next.trigger_kind)
    .bind(&next.audience)
    .bind(&next.time_zone)
    .bind(next.definition_version)
    .bind(next.activated_definition_version)
    .bind(next.audience_dataset_id)
    .bind(next.id)
    .execute(&mut *conn)
    .await?;
    if let Some(action) = change.verb() {
        let activation = match &change {
            JourneyChange::Activated { mode, wait_handling, counts, .. } => Some((*mode, Some(*wait_handling), *counts)),
            JourneyChange::Applied { mode, counts, .. } => Some((*mode, None, *counts)),
            _ => None,
        };
        let note = match &change {
            JourneyChange::Applied { note, .. } => note.as_deref(),
            JourneyChange::Activated { note, .. } => *note,
            JourneyChange::Waiting { note, .. } => Some(*note),
            _ => None,
        };
        let release = match &change {
            JourneyChange::Activated { release, .. } => *release,
            _ => None,
        };
        // Edits and activations name the definition version they saved or activated.
        let definition_version = match &change {
            JourneyChange::Edited { definition_version, .. } => Some(*definition_version),
            JourneyChange::Activated { .. } | JourneyChange::Published { .. } => Some(next.definition_version()),
            _ => None,
        };
        let activity = Activity {
            journey_id: rec.id,
            at,
            actor,
            action,
            from: Some(rec.state()?),
            to: next.state()?,
            activation,
            definition_version,
            note,
            release,
        };
        log_activity(conn, &activity).await?;
    }
    // A change a person makes under a waiting activation cancels it, with a sentence: what
    // it was planned on is gone (journey-core `pending`).
    if let Some(what) = change.cancels_waiting()
        && let Some(waiting) = super::waiting_activation(&mut *conn, rec.id).await?
    {
        let note = format!("Cancelled {}: {actor} {what}.", waiting.describe(&rec.zone()?));
        super::finish_pending(&mut *conn, waiting.id, super::Finished::Cancelled, Some(&note), at).await?;
        let to = next.state()?;
        let line = Activity {
            journey_id: rec.id,
            at,
            actor: "system",
            action: "cancel_pending",
            from: Some(to),
            to,
            activation: None,
            definition_version: None,
            note: Some(&note),
            release: None,
        };
        log_activity(conn, &line).await?;
    }
    Ok(next)
}

/// Journeys in a state.
pub async fn journeys_in(conn: &mut AnyConnection, state: JourneyState) -> Result<Vec<JourneyRecord>> {
    Ok(sqlx::query_as("SELECT * FROM journeys WHERE state = $1 ORDER BY id").bind(state.as_str()).fetch_all(conn).await?)
}

/// Scheduled and Active journeys whose next audience run is due at `now`.
pub async fn journeys_due_for_run(conn: &mut AnyConnection, now: Timestamp) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM journeys WHERE state IN ('scheduled', 'active') AND next_run_at IS NOT NULL AND next_run_at <= $1 ORDER BY id",
    )
    .bind(to_ms(now))
    .fetch_all(conn)
    .await?)
}

/// Active journeys with a schedule, no run left and nobody in flight: candidates to complete.
pub async fn journeys_without_work(conn: &mut AnyConnection) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT j.id FROM journeys j WHERE j.state = 'active' AND j.trigger_kind <> 'event' AND j.next_run_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.journey_id = j.id AND m.status IN ('ready', 'waiting'))",
    )
    .fetch_all(conn)
    .await?)
}

/// A saved definition: its number, the definition, the moves and wait choice saved with it,
/// and who saved it when.
#[derive(Debug, Clone)]
pub struct DefinitionVersionRecord {
    pub version: u32,
    pub definition: JourneyDefinition,
    pub moves: Vec<journey_core::edit::NodeMove>,
    pub apply_new_waits: bool,
    pub saved_at: Timestamp,
    pub saved_by: String,
}

/// Stores definition version `version` of a journey.
#[allow(clippy::too_many_arguments)]
pub async fn insert_definition_version(
    conn: &mut AnyConnection,
    journey_id: i64,
    version: u32,
    def: &JourneyDefinition,
    moves: &[journey_core::edit::NodeMove],
    apply_new_waits: bool,
    now: Timestamp,
    actor: &str,
) -> Result<()> {
    let corrupt = |e: serde_json::Error| StoreError::Corrupt(e.to_string());
    sqlx::query(
        "INSERT INTO definition_versions (journey_id, version, definition, moves, apply_new_waits, saved_at, saved_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(journey_id)
    .bind(i64::from(version))
    .bind(serde_json::to_string(def).map_err(corrupt)?)
    .bind(serde_json::to_string(moves).map_err(corrupt)?)
    .bind(i64::from(apply_new_waits))
    .bind(to_ms(now))
    .bind(actor)
    .execute(conn)
    .await?;
    Ok(())
}

/// Every definition version of a journey, oldest first (`only`: just that one).
pub async fn definition_versions(
    conn: &mut AnyConnection,
    journey_id: i64,
    only: Option<u32>,
) -> Result<Vec<DefinitionVersionRecord>> {
    let rows: Vec<(i64, String, String, i64, i64, String)> = sqlx::query_as(
        "SELECT version, definition, moves, apply_new_waits, saved_at, saved_by FROM definition_versions
         WHERE journey_id = $1 AND ($2 IS NULL OR version = $2) ORDER BY version",
    )
    .bind(journey_id)
    .bind(only.map(i64::from))
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|(version, definition, moves, apply_new_waits, saved_at, saved_by)| {
            let corrupt = |e: serde_json::Error| StoreError::Corrupt(format!("journey {journey_id} definition {version}: {e}"));
            Ok(DefinitionVersionRecord {
                version: u32::try_from(version).unwrap_or(0),
                definition: serde_json::from_str(&definition).map_err(corrupt)?,
                moves: serde_json::from_str(&moves).map_err(corrupt)?,
                apply_new_waits: apply_new_waits != 0,
                saved_at: from_ms(saved_at),
                saved_by,
            })
        })
        .collect()
}
