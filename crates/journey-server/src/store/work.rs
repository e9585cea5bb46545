//! Activation work: the membership rows an activation changes (or a scheduled audience run
//! enters), applied by the runner in batches after the activation or the run committed
//! (`migrations/0008_activation_work.sql`).
//!
//! Why: a Restart of a journey with a million contacts exits half a million live memberships
//! and enters a million new ones; a Resume with extend_by_pause moves every pending deadline.
//! Done inside the activation, that held SQLite's one write lock for seconds, so imports,
//! events and every other journey waited. Now the activation's transaction records the
//! journey's new state and these steps (a few rows, whatever the contact count) and the runner
//! applies them a batch at a time, each batch its own transaction.
//!
//! The promises kept:
//! - **Nothing else moves meanwhile.** While a journey has work, the runner takes no other step
//!   for it (no audience run, event entry, membership step or completion), and another
//!   activation of it is refused; so each step changes exactly the rows it would have changed
//!   inside the activation, and a Resume's counts are the plan's.
//! - **Crash safety.** A batch commits its rows with the step and cursor that say it is done;
//!   after a crash the next pass continues from the cursor. Exits and entries are idempotent
//!   (the live index and the admission facts), and no message is sent by this work.
//! - **Honest counts.** When the work is done, the activity log gets one `applied` line with the
//!   counts executed; if a Restart's entry differs from the plan (contacts subscribed, left or
//!   joined the data set in between), the line says so.

use jiff::Timestamp;
use journey_core::journey::{JourneyDefinition, NodeId};
use journey_core::membership::ExitReason;
use journey_core::plan::{ActivationCounts, ActivationMode};
use journey_core::release::{ReleasePolicy, release_instant};
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use super::{Backend, ContactRange, Placeholders, Result, StoreError, enter_audience, parse_stored};
use crate::clock::{from_ms, to_ms};

/// One step of an activation's work, applied to the journey's live memberships (or, for
/// [`WorkStep::Enter`], its audience) in contact-id order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum WorkStep {
    /// The live contacts at `from` (a node an edit removed) move to `to`, ready to carry it
    /// out as if they had just arrived.
    MoveNode { from: NodeId, to: NodeId },
    /// The live contacts at `node` (a node an edit removed, whose move says "out of the
    /// journey") exit.
    ExitNode { node: NodeId },
    /// The contacts waiting at `node` have their deadline moved by `ms` (a changed wait
    /// duration applied to those already waiting).
    ShiftNode { node: NodeId, ms: i64 },
    /// The contacts whose deadline is after `after_ms` (the freeze) have it moved by `ms`
    /// (Resume with extend_by_pause).
    ShiftAfter { after_ms: i64, ms: i64 },
    /// The live contacts of generations before `generation` exit (Restart).
    ExitBefore { generation: i64 },
    /// The audience as journey-core admits it enters as `iteration` of `generation` at `at_ms`
    /// (Restart's immediate run).
    Enter { generation: i64, iteration: i64, at_ms: i64 },
    /// The contacts waiting at `node` whose deadline is `<= bound_ms` (the backlog) are held
    /// until their release instant (journey-core `release`): in deadline order, then by
    /// membership, they take the ranks `first_rank ..` of `total` for an activation at `at_ms`.
    /// The deadline that ended is kept as `late_since`. Not in contact-id order: the rows it
    /// changes leave the range it selects from, so it needs no cursor.
    Release { node: NodeId, bound_ms: i64, at_ms: i64, first_rank: u64, total: u64, policy: ReleasePolicy },
}

/// A journey's pending activation work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Work {
    pub journey_id: i64,
    /// The activation's mode; none for a scheduled audience run's entry.
    pub mode: Option<ActivationMode>,
    pub steps: Vec<WorkStep>,
    /// The step in progress (== `steps.len()`: done).
    pub step: usize,
    /// The last contact id the step in progress finished.
    pub cursor: i64,
    /// Rows changed by each finished step, and the one in progress.
    pub done: Vec<u64>,
    /// The counts the activation answered with (the plan's).
    pub planned: ActivationCounts,
    /// Who activated.
    pub actor: String,
    pub created_at: Timestamp,
}

impl Work {
    /// The counts executed, from the rows each step changed (the plan's for what no step
    /// changes).
    pub fn executed(&self) -> ActivationCounts {
        let mut counts = self.planned;
        let changed = |pick: fn(&WorkStep) -> bool| -> u64 {
            self.steps.iter().zip(&self.done).filter(|(s, _)| pick(s)).map(|(_, n)| *n).sum()
        };
        match self.mode {
            None => {}
            Some(ActivationMode::Resume) => {
                counts.exited_by_edit = changed(|s| matches!(s, WorkStep::ExitNode { .. }));
                // A paced backlog: the contacts actually held are the overdue ones executed.
                if self.steps.iter().any(|s| matches!(s, WorkStep::Release { .. })) {
                    counts.overdue = changed(|s| matches!(s, WorkStep::Release { .. }));
                }
            }
            Some(ActivationMode::Restart) => {
                counts.exited_by_restart = changed(|s| matches!(s, WorkStep::ExitBefore { .. }));
                if self.steps.iter().any(|s| matches!(s, WorkStep::Enter { .. })) {
                    counts.entering = Some(changed(|s| matches!(s, WorkStep::Enter { .. })));
                }
            }
        }
        counts
    }
}

/// Records an activation's work (in the activation's transaction), or a scheduled audience
/// run's entry (`mode` none, in the run's transaction).
pub async fn insert_work(
    conn: &mut AnyConnection,
    journey_id: i64,
    mode: Option<ActivationMode>,
    steps: &[WorkStep],
    planned: &ActivationCounts,
    actor: &str,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO activation_work (journey_id, mode, steps, done, planned, actor, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(journey_id)
    .bind(mode.map(ActivationMode::as_str))
    .bind(to_json(&steps)?)
    .bind(to_json(&vec![0u64; steps.len()])?)
    .bind(to_json(planned)?)
    .bind(actor)
    .bind(to_ms(now))
    .execute(conn)
    .await?;
    Ok(())
}

fn to_json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// The pending work of a journey, if any.
pub async fn work(conn: &mut AnyConnection, journey_id: i64) -> Result<Option<Work>> {
    type Row = (i64, Option<String>, String, i64, i64, String, String, String, i64);
    let row: Option<Row> = sqlx::query_as(
        "SELECT journey_id, mode, steps, step, cursor, done, planned, actor, created_at FROM activation_work WHERE journey_id = $1",
    )
    .bind(journey_id)
    .fetch_optional(conn)
    .await?;
    let Some((journey_id, mode, steps, step, cursor, done, planned, actor, created_at)) = row else { return Ok(None) };
    let corrupt = |e: serde_json::Error| StoreError::Corrupt(format!("journey {journey_id} activation work: {e}"));
    Ok(Some(Work {
        journey_id,
        mode: mode.as_deref().map(parse_stored).transpose()?,
        steps: serde_json::from_str(&steps).map_err(corrupt)?,
        step: usize::try_from(step).unwrap_or(usize::MAX),
        cursor,
        done: serde_json::from_str(&done).map_err(corrupt)?,
        planned: serde_json::from_str(&planned).map_err(corrupt)?,
        actor,
        created_at: from_ms(created_at),
    }))
}

/// Journeys with pending activation work, oldest first.
pub async fn journeys_with_work(conn: &mut AnyConnection) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT journey_id FROM activation_work ORDER BY created_at, journey_id").fetch_all(conn).await?)
}

/// Whether a journey has pending activation work.
pub async fn has_work(conn: &mut AnyConnection, journey_id: i64) -> Result<bool> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM activation_work WHERE journey_id = $1").bind(journey_id).fetch_one(conn).await?;
    Ok(n > 0)
}

/// What one batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkBatch {
    /// The last step finished: the work row is deleted and the work holds its final counts.
    pub finished: bool,
    /// Memberships this batch created (an entry step).
    pub entered: u64,
}

/// Applies one batch of `work` (up to `batch` contacts of its current step) and records how
/// far it got. `def` is the journey's current definition (what an entry admits by).
pub async fn apply_work_batch(
    conn: &mut AnyConnection,
    work: &mut Work,
    def: &JourneyDefinition,
    batch: i64,
    now: Timestamp,
) -> Result<WorkBatch> {
    let finished = WorkBatch { finished: true, entered: 0 };
    let Some(step) = work.steps.get(work.step).cloned() else {
        return finish(conn, work).await.map(|()| finished);
    };
    if let WorkStep::Release { node, bound_ms, at_ms, first_rank, total, policy } = &step {
        let done = work.done.get(work.step).copied().unwrap_or(0);
        let held =
            hold_backlog(conn, work.journey_id, node, *bound_ms, from_ms(*at_ms), first_rank + done, *total, *policy, batch, now)
                .await?;
        if held == 0 {
            work.step += 1;
            work.cursor = 0;
            if work.step == work.steps.len() {
                return finish(conn, work).await.map(|()| finished);
            }
        } else if let Some(n) = work.done.get_mut(work.step) {
            *n += held;
        }
        save_progress(conn, work).await?;
        return Ok(WorkBatch::default());
    }
    let after = work.cursor;
    // The batch: the next `batch` live contacts (or audience members) after the cursor.
    let up_to: Option<i64> = match &step {
        WorkStep::Enter { .. } => next_audience_range(conn, def, after, batch).await?,
        _ => {
            sqlx::query_scalar(
                "SELECT MAX(contact_id) FROM (SELECT contact_id FROM memberships
               WHERE journey_id = $1 AND status IN ('ready', 'waiting') AND contact_id > $2 ORDER BY contact_id LIMIT $3) AS batch",
            )
            .bind(work.journey_id)
            .bind(after)
            .bind(batch)
            .fetch_one(&mut *conn)
            .await?
        }
    };
    let Some(up_to) = up_to else {
        // The step is finished: the next one starts from the first contact.
        work.step += 1;
        work.cursor = 0;
        if work.step == work.steps.len() {
            return finish(conn, work).await.map(|()| finished);
        }
        save_progress(conn, work).await?;
        return Ok(WorkBatch::default());
    };
    let range = ContactRange { after, up_to };
    let changed = apply_step(conn, work.journey_id, &step, def, range, now).await?;
    if let Some(n) = work.done.get_mut(work.step) {
        *n += changed;
    }
    work.cursor = up_to;
    save_progress(conn, work).await?;
    Ok(WorkBatch { finished: false, entered: if matches!(step, WorkStep::Enter { .. }) { changed } else { 0 } })
}

/// The next range of at most `batch` audience members after `after` (None: none left).
async fn next_audience_range(conn: &mut AnyConnection, def: &JourneyDefinition, after: i64, batch: i64) -> Result<Option<i64>> {
    use journey_core::journey::TriggerSource;
    Ok(match &def.trigger.source {
        TriggerSource::Dataset { dataset_id, .. } => {
            sqlx::query_scalar(
                "SELECT MAX(contact_id) FROM (SELECT contact_id FROM dataset_members
               WHERE dataset_id = $1 AND contact_id > $2 ORDER BY contact_id LIMIT $3) AS batch",
            )
            .bind(dataset_id.0 as i64)
            .bind(after)
            .bind(batch)
            .fetch_one(conn)
            .await?
        }
        TriggerSource::Segment { .. } => {
            sqlx::query_scalar("SELECT MAX(id) FROM (SELECT id FROM contacts WHERE id > $1 ORDER BY id LIMIT $2) AS batch")
                .bind(after)
                .bind(batch)
                .fetch_one(conn)
                .await?
        }
        TriggerSource::Event { .. } => None,
    })
}

/// One step over the contacts in `range`; returns how many rows it changed.
async fn apply_step(
    conn: &mut AnyConnection,
    journey_id: i64,
    step: &WorkStep,
    def: &JourneyDefinition,
    range: ContactRange,
    now: Timestamp,
) -> Result<u64> {
    let now_ms = to_ms(now);
    // Every statement: ?1 the journey, ?2..?3 the contact range (on the live index), ?4 now,
    // then the step's own values.
    let on_range = |sql: &'static str| sqlx::query(sql).bind(journey_id).bind(range.after).bind(range.up_to).bind(now_ms);
    let query = match step {
        WorkStep::MoveNode { from, to } => on_range(
            "UPDATE memberships SET node = $5, status = 'ready', wait_until = NULL, updated_at = $4
             WHERE journey_id = $1 AND status IN ('ready', 'waiting') AND contact_id > $2 AND contact_id <= $3 AND node = $6",
        )
        .bind(to.as_str())
        .bind(from.as_str()),
        WorkStep::ExitNode { node } => on_range(
            "UPDATE memberships SET status = 'exited', exit_reason = $5, wait_until = NULL, updated_at = $4
             WHERE journey_id = $1 AND status IN ('ready', 'waiting') AND contact_id > $2 AND contact_id <= $3 AND node = $6",
        )
        .bind(ExitReason::NodeRemoved.as_str())
        .bind(node.as_str()),
        WorkStep::ShiftNode { node, ms } => on_range(
            "UPDATE memberships SET wait_until = wait_until + $5, updated_at = $4
             WHERE journey_id = $1 AND status IN ('ready', 'waiting') AND contact_id > $2 AND contact_id <= $3
               AND status = 'waiting' AND node = $6",
        )
        .bind(ms)
        .bind(node.as_str()),
        WorkStep::ShiftAfter { after_ms, ms } => on_range(
            "UPDATE memberships SET wait_until = wait_until + $5, updated_at = $4
             WHERE journey_id = $1 AND status IN ('ready', 'waiting') AND contact_id > $2 AND contact_id <= $3
               AND status = 'waiting' AND wait_until > $6",
        )
        .bind(ms)
        .bind(after_ms),
        WorkStep::ExitBefore { generation } => on_range(
            "UPDATE memberships SET status = 'exited', exit_reason = $5, wait_until = NULL, updated_at = $4
             WHERE journey_id = $1 AND status IN ('ready', 'waiting') AND contact_id > $2 AND contact_id <= $3 AND generation < $6",
        )
        .bind(ExitReason::Restarted.as_str())
        .bind(generation),
        WorkStep::Enter { generation, iteration, at_ms } => {
            return enter_audience(conn, journey_id, def, *generation, *iteration, from_ms(*at_ms), range).await;
        }
        // Applied by `hold_backlog`, not by contact range.
        WorkStep::Release { .. } => return Ok(0),
    };
    Ok(query.execute(conn).await?.rows_affected())
}

/// Holds the next `batch` backlog memberships at `node` (deadline `<= bound_ms`, in deadline
/// then membership order) until their release instants, numbering them from `rank`; returns
/// how many. A held membership's deadline is its release instant, after the activation, so it
/// leaves the range this selects from.
#[allow(clippy::too_many_arguments)]
async fn hold_backlog(
    conn: &mut AnyConnection,
    journey_id: i64,
    node: &NodeId,
    bound_ms: i64,
    at: Timestamp,
    rank: u64,
    total: u64,
    policy: ReleasePolicy,
    batch: i64,
    now: Timestamp,
) -> Result<u64> {
    // In the order of `memberships_by_status` (journey, status, deadline, node, membership):
    // a batch is a range read that stops at `batch`. `node || ''` keeps the node a filter, not
    // an index constraint: as a constraint after the deadline's range, SQLite would sort every
    // row of an equal deadline again for each batch (a million contacts due at one minute:
    // quadratic).
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT id, wait_until FROM memberships
         WHERE journey_id = $1 AND status = 'waiting' AND wait_until <= $2 AND node || '' = $3
         ORDER BY wait_until, node, id LIMIT $4",
    )
    .bind(journey_id)
    .bind(bound_ms)
    .bind(node.as_str())
    .bind(batch)
    .fetch_all(&mut *conn)
    .await?;
    for (c, chunk) in rows.chunks(HOLDS_PER_UPDATE).enumerate() {
        let mut p = Placeholders::new(Backend::of(conn));
        let sql = format!(
            "UPDATE memberships SET wait_until = v.column2, late_since = v.column3, updated_at = {}
             FROM (VALUES {}) AS v WHERE memberships.id = v.column1",
            p.one(),
            p.rows(chunk.len(), "(?, ?, ?)")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(to_ms(now));
        let first = rank + (c * HOLDS_PER_UPDATE) as u64;
        for (i, (id, deadline)) in chunk.iter().enumerate() {
            let release = release_instant(policy, at, first + i as u64, total);
            q = q.bind(*id).bind(to_ms(release)).bind(*deadline);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(rows.len() as u64)
}

/// Memberships per multi-row UPDATE of [`hold_backlog`] (3 bound values each).
const HOLDS_PER_UPDATE: usize = 1_000;

async fn save_progress(conn: &mut AnyConnection, work: &Work) -> Result<()> {
    sqlx::query("UPDATE activation_work SET step = $1, cursor = $2, done = $3 WHERE journey_id = $4")
        .bind(i64::try_from(work.step).unwrap_or(i64::MAX))
        .bind(work.cursor)
        .bind(to_json(&work.done)?)
        .bind(work.journey_id)
        .execute(conn)
        .await?;
    Ok(())
}

async fn finish(conn: &mut AnyConnection, work: &Work) -> Result<()> {
    sqlx::query("DELETE FROM activation_work WHERE journey_id = $1").bind(work.journey_id).execute(conn).await?;
    Ok(())
}
