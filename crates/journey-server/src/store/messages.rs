//! The message log: unique on the message key (the duplicate guard), and the outbox the
//! delivery reads from.

use super::Result;
use crate::clock::to_ms;
use jiff::Timestamp;
use serde::Serialize;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

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
