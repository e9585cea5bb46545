//! Memberships: the ones due for a step and their new positions (what an activation does to
//! them is `work.rs`).

use super::{Backend, Placeholders, Result};
use crate::clock::{from_ms, to_ms};
use jiff::{SignedDuration, Timestamp};
use journey_core::journey::Attributes;
use journey_core::membership::{ExitReason, MembershipStatus};
use journey_core::release::late_by;
use sqlx::AnyConnection;

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
    /// The deadline that ended while the journey was frozen, for a membership held until its
    /// release instant (`wait_until`).
    pub late_since: Option<i64>,
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
    /// How late its next step is at `now`, for the stale-message guard (journey-core
    /// `release::late_by`; `activated_at` is the journey's latest activation).
    pub fn late_by(&self, activated_at: Option<Timestamp>, now: Timestamp) -> SignedDuration {
        match (self.status.as_str(), self.wait_until) {
            ("waiting", Some(until)) => late_by(from_ms(until), self.late_since.map(from_ms), activated_at, now),
            _ => SignedDuration::ZERO,
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
    conn: &mut AnyConnection,
    journey_id: i64,
    now: Timestamp,
    limit: i64,
) -> Result<Vec<DueMembership>> {
    let mut rows: Vec<DueMembership> = sqlx::query_as(
        "SELECT m.id, m.contact_id, m.generation, m.iteration, m.node, m.status, m.wait_until, m.late_since, m.entered_at,
                c.attributes, c.subscribed, c.email, c.phone
         FROM memberships m JOIN contacts c ON c.id = m.contact_id
         WHERE m.journey_id = $1 AND m.status = 'ready' LIMIT $2",
    )
    .bind(journey_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let left = limit - rows.len() as i64;
    if left > 0 {
        let waiting: Vec<DueMembership> = sqlx::query_as(
            "SELECT m.id, m.contact_id, m.generation, m.iteration, m.node, m.status, m.wait_until, m.late_since, m.entered_at,
                    c.attributes, c.subscribed, c.email, c.phone
             FROM memberships m JOIN contacts c ON c.id = m.contact_id
             WHERE m.journey_id = $1 AND m.status = 'waiting' AND m.wait_until <= $2 LIMIT $3",
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

/// Memberships per multi-row UPDATE of [`set_memberships`] (5 bound values each).
const POSITIONS_PER_UPDATE: usize = 1_000;

/// Stores many memberships' new positions with one `UPDATE ... FROM (VALUES ...)` per
/// thousand (the runner stores a batch's positions with one call).
pub async fn set_memberships(
    conn: &mut AnyConnection,
    positions: &[(i64, &str, MembershipStatus)],
    now: Timestamp,
) -> Result<()> {
    for chunk in positions.chunks(POSITIONS_PER_UPDATE) {
        // VALUES columns are column1, column2, ... on both backends.
        let mut p = Placeholders::new(Backend::of(conn));
        let sql = format!(
            "UPDATE memberships SET node = v.column2, status = v.column3, wait_until = v.column4, exit_reason = v.column5,
               late_since = NULL, updated_at = {}
             FROM (VALUES {}) AS v WHERE memberships.id = v.column1",
            p.one(),
            p.rows(chunk.len(), "(?, ?, ?, ?, ?)")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(to_ms(now));
        for (id, node, status) in chunk {
            let (status_text, until, reason) = stored_status(status);
            q = q.bind(*id).bind(*node).bind(status_text).bind(until).bind(reason);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// A status as stored: its text, the deadline of a wait, the reason of an exit.
fn stored_status(status: &MembershipStatus) -> (&'static str, Option<i64>, Option<&'static str>) {
    match status {
        MembershipStatus::Ready => ("ready", None, None),
        MembershipStatus::Waiting { until } => ("waiting", Some(to_ms(*until)), None),
        MembershipStatus::Completed => ("completed", None, None),
        MembershipStatus::Exited { reason } => ("exited", None, Some(reason.as_str())),
    }
}
