//! Activations that wait for their instant or for approval (journey-core `pending`), and the
//! workspace's settings. At most one waits per journey (a partial unique index); a finished
//! one (`done`, `cancelled`, `rejected`) stays as the record of what became of it.

use std::collections::HashMap;

use super::{Result, StoreError, parse_stored};
use crate::clock::{from_ms, to_ms};
use jiff::Timestamp;
use journey_core::api::{PendingActivation, PendingRow, PendingStatus, WorkspaceSettings};
use journey_core::pending::{ApprovalNeed, DriftGuard, PlanFigures};
use journey_core::plan::{ActivationMode, WaitHandling};
use journey_core::release::ReleasePolicy;
use journey_core::zone::Zone;
use sqlx::AnyConnection;

/// The statuses of an activation that still waits (SQL): every update here applies only to
/// one, so a second writer cannot end it twice.
macro_rules! waiting {
    () => {
        "('scheduled', 'awaiting_approval', 'held')"
    };
}

/// A waiting activation's row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingRecord {
    pub id: i64,
    pub journey_id: i64,
    pub status: String,
    pub mode: String,
    pub wait_handling: String,
    pub release: String,
    pub run_at: Option<i64>,
    pub drift_percent: Option<i64>,
    pub requested_by: String,
    pub requested_by_id: i64,
    pub requested_at: i64,
    pub figures: String,
    pub approval: Option<String>,
    pub approved_by: Option<String>,
    pub note: Option<String>,
}

/// A new waiting activation.
#[derive(Debug, Clone)]
pub struct NewPending<'a> {
    pub journey_id: i64,
    pub status: PendingStatus,
    pub mode: ActivationMode,
    pub wait_handling: WaitHandling,
    pub release: ReleasePolicy,
    pub run_at: Option<Timestamp>,
    pub drift_guard: Option<DriftGuard>,
    pub requested_by: &'a str,
    pub requested_by_id: i64,
    pub requested_at: Timestamp,
    pub figures: &'a PlanFigures,
    pub approval: Option<ApprovalNeed>,
}

/// How a waiting activation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finished {
    /// It ran.
    Done,
    /// Cancelled by a person, replaced, or overtaken by a change to the journey.
    Cancelled,
    /// Rejected by a second person.
    Rejected,
}

impl Finished {
    fn as_str(self) -> &'static str {
        match self {
            Finished::Done => "done",
            Finished::Cancelled => "cancelled",
            Finished::Rejected => "rejected",
        }
    }
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(corrupt)
}

impl PendingRecord {
    pub fn status(&self) -> Result<PendingStatus> {
        parse_stored(&self.status)
    }

    pub fn mode(&self) -> Result<ActivationMode> {
        parse_stored(&self.mode)
    }

    pub fn wait_handling(&self) -> Result<WaitHandling> {
        parse_stored(&self.wait_handling)
    }

    pub fn release(&self) -> Result<ReleasePolicy> {
        serde_json::from_str(&self.release).map_err(corrupt)
    }

    pub fn run_at(&self) -> Option<Timestamp> {
        self.run_at.map(from_ms)
    }

    pub fn drift_guard(&self) -> Option<DriftGuard> {
        self.drift_percent.and_then(|p| u32::try_from(p).ok()).map(|percent| DriftGuard { percent })
    }

    pub fn figures(&self) -> Result<PlanFigures> {
        serde_json::from_str(&self.figures).map_err(corrupt)
    }

    pub fn approval(&self) -> Result<Option<ApprovalNeed>> {
        self.approval.as_deref().map(serde_json::from_str).transpose().map_err(corrupt)
    }

    /// The API's view.
    pub fn view(&self) -> Result<PendingActivation> {
        Ok(PendingActivation {
            id: self.id as u64,
            status: self.status()?,
            mode: self.mode()?,
            wait_handling: self.wait_handling()?,
            release: self.release()?,
            run_at: self.run_at(),
            drift_guard: self.drift_guard(),
            requested_by: self.requested_by.clone(),
            requested_by_id: self.requested_by_id as u64,
            requested_at: from_ms(self.requested_at),
            figures: self.figures()?,
            approval: self.approval()?,
            approved_by: self.approved_by.clone(),
            note: self.note.clone(),
        })
    }

    /// "the resume Olive Operator <olive@example.com> scheduled for Mon 30 Nov 2026, 09:00 CET",
    /// "the restart Olive Operator <…> asked for": how activity lines name it.
    pub fn describe(&self, zone: &Zone) -> String {
        let what = self.mode.as_str();
        match self.run_at() {
            Some(at) => format!("the {what} {} scheduled for {}", self.requested_by, zone.format(at)),
            None => format!("the {what} {} asked for", self.requested_by),
        }
    }
}

/// The journey's waiting activation, if any.
pub async fn waiting_activation(conn: &mut AnyConnection, journey_id: i64) -> Result<Option<PendingRecord>> {
    Ok(sqlx::query_as(concat!("SELECT * FROM pending_activations WHERE journey_id = $1 AND status IN ", waiting!()))
        .bind(journey_id)
        .fetch_optional(conn)
        .await?)
}

/// Every journey's waiting activation, for the list.
pub async fn waiting_rows(conn: &mut AnyConnection) -> Result<HashMap<i64, PendingRow>> {
    let rows: Vec<PendingRecord> =
        sqlx::query_as(concat!("SELECT * FROM pending_activations WHERE status IN ", waiting!())).fetch_all(conn).await?;
    rows.into_iter()
        .map(|r| Ok((r.journey_id, PendingRow { status: r.status()?, mode: r.mode()?, run_at: r.run_at() })))
        .collect()
}

/// Records a waiting activation; the journey must have none (the caller finishes the old one
/// first).
pub async fn insert_pending(conn: &mut AnyConnection, p: &NewPending<'_>) -> Result<PendingRecord> {
    Ok(sqlx::query_as(
        "INSERT INTO pending_activations (journey_id, status, mode, wait_handling, release, run_at, drift_percent,
           requested_by, requested_by_id, requested_at, figures, approval)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING *",
    )
    .bind(p.journey_id)
    .bind(p.status.as_str())
    .bind(p.mode.as_str())
    .bind(p.wait_handling.as_str())
    .bind(json(&p.release)?)
    .bind(p.run_at.map(to_ms))
    .bind(p.drift_guard.map(|g| i64::from(g.percent)))
    .bind(p.requested_by)
    .bind(p.requested_by_id)
    .bind(to_ms(p.requested_at))
    .bind(json(p.figures)?)
    .bind(p.approval.as_ref().map(json).transpose()?)
    .fetch_one(conn)
    .await?)
}

/// Puts a waiting activation in another waiting status with a sentence: held (its approval
/// kept), or awaiting approval again (`approval`: the need now; who approved it before is
/// cleared, the approval covered less).
pub async fn set_pending(
    conn: &mut AnyConnection,
    id: i64,
    status: PendingStatus,
    approval: Option<&ApprovalNeed>,
    note: &str,
) -> Result<()> {
    let again = status == PendingStatus::AwaitingApproval;
    sqlx::query(concat!(
        "UPDATE pending_activations SET status = $1, approval = COALESCE($2, approval),
           approved_by = CASE WHEN $3 = 1 THEN NULL ELSE approved_by END, note = $4
         WHERE id = $5 AND status IN ",
        waiting!()
    ))
    .bind(status.as_str())
    .bind(approval.map(json).transpose()?)
    .bind(i64::from(again))
    .bind(note)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// An activation awaiting approval, approved by `actor` for its instant ahead: scheduled.
pub async fn approve_pending(conn: &mut AnyConnection, id: i64, actor: &str) -> Result<PendingRecord> {
    Ok(sqlx::query_as(
        "UPDATE pending_activations SET status = 'scheduled', approved_by = $1, note = NULL
         WHERE id = $2 AND status = 'awaiting_approval' RETURNING *",
    )
    .bind(actor)
    .bind(id)
    .fetch_one(conn)
    .await?)
}

/// Ends a waiting activation.
pub async fn finish_pending(conn: &mut AnyConnection, id: i64, how: Finished, note: Option<&str>, at: Timestamp) -> Result<()> {
    sqlx::query(concat!(
        "UPDATE pending_activations SET status = $1, note = COALESCE($2, note), finished_at = $3
         WHERE id = $4 AND status IN ",
        waiting!()
    ))
    .bind(how.as_str())
    .bind(note)
    .bind(to_ms(at))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Ends the journey's waiting activation `id` (`how`) with its activity line (`action`,
/// `note`) under `actor`, in the caller's transaction, which holds the journey `rec`. Returns
/// the journey as it now is.
#[allow(clippy::too_many_arguments)]
pub async fn end_pending(
    conn: &mut AnyConnection,
    rec: &super::JourneyRecord,
    id: i64,
    how: Finished,
    action: &'static str,
    note: &str,
    at: Timestamp,
    actor: &str,
) -> Result<super::JourneyRecord> {
    finish_pending(&mut *conn, id, how, Some(note), at).await?;
    super::change_journey(conn, rec, super::JourneyChange::Waiting { action, note }, at, actor).await
}

/// The waiting activations `user_id` asked for (their account is being disabled or demoted).
pub async fn waiting_asked_by(conn: &mut AnyConnection, user_id: i64) -> Result<Vec<PendingRecord>> {
    Ok(sqlx::query_as(concat!(
        "SELECT * FROM pending_activations WHERE requested_by_id = $1 AND status IN ",
        waiting!(),
        " ORDER BY id"
    ))
    .bind(user_id)
    .fetch_all(conn)
    .await?)
}

/// Journeys with a scheduled activation due at `now`, earliest first.
pub async fn due_activations(conn: &mut AnyConnection, now: Timestamp) -> Result<Vec<(i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT id, journey_id FROM pending_activations WHERE status = 'scheduled' AND run_at <= $1 ORDER BY run_at, id",
    )
    .bind(to_ms(now))
    .fetch_all(conn)
    .await?)
}

/// The workspace's settings.
pub async fn workspace_settings(conn: &mut AnyConnection) -> Result<WorkspaceSettings> {
    let threshold: Option<Option<i64>> =
        sqlx::query_scalar("SELECT approval_threshold FROM workspace_settings WHERE id = 1").fetch_optional(conn).await?;
    Ok(WorkspaceSettings { approval_threshold: threshold.flatten().and_then(|t| u64::try_from(t).ok()) })
}

/// Saves the workspace's settings.
pub async fn save_workspace_settings(
    conn: &mut AnyConnection,
    settings: &WorkspaceSettings,
    actor: &str,
    now: Timestamp,
) -> Result<()> {
    let threshold = settings.approval_threshold.map(|t| i64::try_from(t).unwrap_or(i64::MAX));
    sqlx::query("UPDATE workspace_settings SET approval_threshold = $1, updated_by = $2, updated_at = $3 WHERE id = 1")
        .bind(threshold)
        .bind(actor)
        .bind(to_ms(now))
        .execute(conn)
        .await?;
    Ok(())
}
