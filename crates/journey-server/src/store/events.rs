//! Events: stored as they arrive; event triggers read them after a cursor, `did_event`
//! conditions read a contact's since it entered.

use super::Result;
use crate::clock::to_ms;
use jiff::Timestamp;
use sqlx::SqliteConnection;
use std::collections::BTreeSet;

pub async fn insert_event(conn: &mut SqliteConnection, contact_id: i64, name: &str, at: Timestamp) -> Result<i64> {
    Ok(sqlx::query_scalar("INSERT INTO events (contact_id, name, at) VALUES (?, ?, ?) RETURNING id")
        .bind(contact_id)
        .bind(name)
        .bind(to_ms(at))
        .fetch_one(conn)
        .await?)
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

/// Event names a contact did at or after `since`.
pub async fn events_since(conn: &mut SqliteConnection, contact_id: i64, since: i64) -> Result<BTreeSet<String>> {
    let rows: Vec<(String,)> = sqlx::query_as("SELECT DISTINCT name FROM events WHERE contact_id = ? AND at >= ?")
        .bind(contact_id)
        .bind(since)
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().map(|(n,)| n).collect())
}

pub async fn max_event_id(conn: &mut SqliteConnection) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM events").fetch_one(conn).await?)
}

/// Moves an event trigger's cursor: events up to `cursor` have been judged for entry.
pub async fn set_event_cursor(conn: &mut SqliteConnection, journey_id: i64, cursor: i64) -> Result<()> {
    sqlx::query("UPDATE journeys SET event_cursor = ? WHERE id = ?").bind(cursor).bind(journey_id).execute(conn).await?;
    Ok(())
}
