//! The activity log: who did what to a journey, and when.

use super::{Result, parse_stored};
use crate::clock::{from_ms, to_ms};
use jiff::Timestamp;
use journey_core::api::ActivityEntry;
use journey_core::plan::{ActivationCounts, ActivationMode, WaitHandling};
use journey_core::release::ReleasePolicy;
use journey_core::state::JourneyState;
use sqlx::AnyConnection;

/// One line of the activity log: who did what, from which state to which.
#[derive(Debug, Clone, Copy)]
pub struct Activity<'a> {
    pub journey_id: i64,
    pub at: Timestamp,
    pub actor: &'a str,
    pub action: &'static str,
    pub from: Option<JourneyState>,
    pub to: JourneyState,
    /// An activation's mode, wait handling (none on its `applied` line) and executed counts.
    pub activation: Option<(ActivationMode, Option<WaitHandling>, &'a ActivationCounts)>,
    /// The definition version created, saved or activated.
    pub definition_version: Option<u32>,
    /// A sentence for the reader (an activation's executed counts differing from its plan).
    pub note: Option<&'a str>,
    /// A Resume's backlog release policy, when it held contacts.
    pub release: Option<ReleasePolicy>,
}

/// Appends one line to the activity log.
pub async fn log_activity(conn: &mut AnyConnection, a: &Activity<'_>) -> Result<()> {
    // details: the counts, and the note and release beside them.
    let mut details = match a.activation {
        Some((_, _, counts)) => serde_json::to_value(counts).unwrap_or_default(),
        None => serde_json::Value::Object(serde_json::Map::new()),
    };
    if let Some(map) = details.as_object_mut() {
        if let Some(note) = a.note {
            map.insert("note".into(), note.into());
        }
        if let Some(release) = a.release {
            map.insert("release".into(), serde_json::to_value(release).unwrap_or_default());
        }
    }
    let details = details.as_object().is_some_and(|m| !m.is_empty()).then(|| details.to_string());
    sqlx::query(
        "INSERT INTO activity_log (journey_id, at, actor, action, from_state, to_state, mode, wait_handling, details,
           definition_version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(a.journey_id)
    .bind(to_ms(a.at))
    .bind(a.actor)
    .bind(a.action)
    .bind(a.from.map(JourneyState::as_str))
    .bind(a.to.as_str())
    .bind(a.activation.map(|(mode, _, _)| mode.as_str()))
    .bind(a.activation.and_then(|(_, wait, _)| wait).map(WaitHandling::as_str))
    .bind(details)
    .bind(a.definition_version.map(i64::from))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn activity(conn: &mut AnyConnection, journey_id: i64, limit: i64) -> Result<Vec<ActivityEntry>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        at: i64,
        actor: String,
        from_state: Option<String>,
        to_state: Option<String>,
        action: String,
        mode: Option<String>,
        details: Option<String>,
        definition_version: Option<i64>,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT at, actor, action, from_state, to_state, mode, details, definition_version FROM
           (SELECT * FROM activity_log WHERE journey_id = $1 ORDER BY id DESC LIMIT $2) AS latest ORDER BY id",
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
                from: r.from_state.as_deref().map(parse_stored).transpose()?,
                to: parse_stored(r.to_state.as_deref().unwrap_or("draft"))?,
                mode: r.mode.as_deref().map(parse_stored).transpose()?,
                counts: r.details.as_deref().and_then(|d| serde_json::from_str(d).ok()),
                note: r
                    .details
                    .as_deref()
                    .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok())
                    .and_then(|d| d.get("note").and_then(|n| n.as_str()).map(str::to_string)),
                release: r
                    .details
                    .as_deref()
                    .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok())
                    .and_then(|d| d.get("release").cloned())
                    .and_then(|r| serde_json::from_value(r).ok()),
                action: Some(r.action),
                definition_version: r.definition_version.and_then(|v| u32::try_from(v).ok()),
            })
        })
        .collect()
}
