//! Memberships: the ones due for a step and their new positions (what an activation does to
//! them is `work.rs`).

use super::Result;
use crate::clock::{from_ms, to_ms};
use jiff::Timestamp;
use journey_core::journey::Attributes;
use journey_core::membership::{ExitReason, MembershipStatus};
use sqlx::SqliteConnection;

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
        MembershipStatus::Exited { reason } => ("exited", None, Some(reason.as_str())),
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
