//! Events: stored as they arrive; event triggers read them after a cursor, `did_event`
//! conditions read a contact's since it entered.

use super::{Backend, Result};
use crate::clock::to_ms;
use jiff::Timestamp;
use sqlx::AnyConnection;
use std::collections::BTreeSet;

pub async fn insert_event(conn: &mut AnyConnection, contact_id: i64, name: &str, at: Timestamp) -> Result<i64> {
    // Event triggers read events after a cursor (an id), so ids must become visible in order.
    // SQLite's single writer gives that; on PostgreSQL two inserts could commit out of id
    // order and the later-committing lower id be skipped, so event inserts take turns: this
    // lock conflicts with itself (only), until the transaction ends.
    if Backend::of(conn) == Backend::Postgres {
        sqlx::query("LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE").execute(&mut *conn).await?;
    }
    Ok(sqlx::query_scalar("INSERT INTO events (contact_id, name, at) VALUES ($1, $2, $3) RETURNING id")
        .bind(contact_id)
        .bind(name)
        .bind(to_ms(at))
        .fetch_one(conn)
        .await?)
}

/// Events for an event trigger after the journey's cursor.
pub async fn pending_events(conn: &mut AnyConnection, name: &str, after_id: i64, limit: i64) -> Result<Vec<(i64, i64, i64)>> {
    Ok(sqlx::query_as("SELECT id, contact_id, at FROM events WHERE name = $1 AND id > $2 ORDER BY id LIMIT $3")
        .bind(name)
        .bind(after_id)
        .bind(limit)
        .fetch_all(conn)
        .await?)
}

/// Event names a contact did at or after `since`.
pub async fn events_since(conn: &mut AnyConnection, contact_id: i64, since: i64) -> Result<BTreeSet<String>> {
    let rows: Vec<(String,)> = sqlx::query_as("SELECT DISTINCT name FROM events WHERE contact_id = $1 AND at >= $2")
        .bind(contact_id)
        .bind(since)
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().map(|(n,)| n).collect())
}

pub async fn max_event_id(conn: &mut AnyConnection) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM events").fetch_one(conn).await?)
}

/// Moves an event trigger's cursor: events up to `cursor` have been judged for entry.
pub async fn set_event_cursor(conn: &mut AnyConnection, journey_id: i64, cursor: i64) -> Result<()> {
    sqlx::query("UPDATE journeys SET event_cursor = $1 WHERE id = $2").bind(cursor).bind(journey_id).execute(conn).await?;
    Ok(())
}
