//! The message log: unique on the message key (the duplicate guard), and the outbox the
//! delivery worker (`crate::delivery`) reads from. Each message carries its delivery state
//! (`migrations/0003_delivery.sql`): queued, delivering, retrying, delivered or dead.

use jiff::Timestamp;
pub use journey_core::api::{DeadMessage, DeliveryCounts, DeliveryState};
use journey_core::journey::{ContactId, NodeId};
use serde::Serialize;
use sqlx::AnyConnection;

use super::{Backend, Placeholders, Result, opt_ts, parse_stored};
use crate::clock::{from_ms, to_ms};

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

/// A message the stale-message guard did not send (journey-core `release::stale_skip`): the
/// message as it would have been logged (its recipient not kept), and why not.
#[derive(Debug, Clone, Serialize)]
pub struct SkippedMessage<'a> {
    pub message: NewMessage<'a>,
    pub late_minutes: i64,
    pub reason: String,
}

/// Binds the columns a logged and a skipped message share: journey, generation, iteration,
/// contact, node, key, channel, template.
fn bind_message<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    m: &'q NewMessage<'_>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    q.bind(m.journey_id)
        .bind(m.generation)
        .bind(m.iteration)
        .bind(m.contact_id)
        .bind(m.node_id)
        .bind(&m.key)
        .bind(m.channel)
        .bind(m.template)
}

/// Rows per multi-row INSERT of [`log_skipped`] (11 bound values each).
const SKIPPED_PER_INSERT: usize = 2_000;

/// Records skipped messages (each unless its key is there: a step taken again records
/// nothing twice); returns how many were new. They are never delivered.
pub async fn log_skipped(conn: &mut AnyConnection, skipped: &[SkippedMessage<'_>], now: Timestamp) -> Result<u64> {
    let mut logged = 0;
    for chunk in skipped.chunks(SKIPPED_PER_INSERT) {
        let sql = format!(
            "INSERT INTO skipped_messages (journey_id, generation, iteration, contact_id, node_id, message_key, channel, template,
               created_at, late_minutes, reason)
             VALUES {} ON CONFLICT DO NOTHING",
            Placeholders::new(Backend::of(conn)).rows(chunk.len(), "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for m in chunk {
            q = bind_message(q, &m.message).bind(to_ms(now)).bind(m.late_minutes).bind(&m.reason);
        }
        logged += q.execute(&mut *conn).await?.rows_affected();
    }
    Ok(logged)
}

/// Rows per multi-row INSERT of [`log_messages`] (11 bound values each, under SQLite's 32,766
/// bound values per statement).
const MESSAGES_PER_INSERT: usize = 2_000;

/// Inserts messages into the log in bulk (multi-row `INSERT ... ON CONFLICT DO NOTHING`), each
/// unless its key is there; returns how many were new. New messages are queued for delivery
/// from `now`. The runner logs a batch's sends with one call.
pub async fn log_messages(conn: &mut AnyConnection, messages: &[NewMessage<'_>], now: Timestamp) -> Result<u64> {
    let now_ms = to_ms(now);
    let mut logged = 0;
    for chunk in messages.chunks(MESSAGES_PER_INSERT) {
        let sql = format!(
            "INSERT INTO message_log (journey_id, generation, iteration, contact_id, node_id, message_key, channel, template,
               recipient, created_at, next_attempt_at)
             VALUES {} ON CONFLICT DO NOTHING",
            Placeholders::new(Backend::of(conn)).rows(chunk.len(), "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for m in chunk {
            q = bind_message(q, m).bind(m.recipient).bind(now_ms).bind(now_ms);
        }
        logged += q.execute(&mut *conn).await?.rows_affected();
    }
    Ok(logged)
}

/// A logged message claimed for delivery (state `delivering`).
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
    /// Tries made before this one (the webhook body has `attempt`, this one's number).
    #[serde(skip)]
    pub attempts: i64,
}

/// Whether a message is due for delivery at `now` (a read: the worker opens a write
/// transaction only when there is work).
pub async fn any_due(conn: &mut AnyConnection, now: Timestamp) -> Result<bool> {
    let due: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT 1 FROM message_log WHERE delivery_state IN ('queued', 'retrying') AND next_attempt_at <= $1 LIMIT 1) AS due",
    )
    .bind(to_ms(now))
    .fetch_one(conn)
    .await?;
    Ok(due > 0)
}

/// Claims up to `limit` messages due at `now`, in the order they fell due: they become
/// `delivering`, claimed by `instance` until `lease_until` (after which any instance may put
/// them back in the queue: see [`requeue_delivering`]).
pub async fn claim_due(
    conn: &mut AnyConnection,
    now: Timestamp,
    limit: i64,
    instance: &str,
    lease_until: Timestamp,
) -> Result<Vec<OutboxMessage>> {
    // PostgreSQL: rows another instance is claiming are skipped, not waited for; the outer
    // state test keeps a row claimed once even if two claims raced.
    let sql = match Backend::of(conn) {
        Backend::Sqlite => {
            "UPDATE message_log SET delivery_state = 'delivering', claimed_by = $3, lease_until = $4
             WHERE id IN (SELECT id FROM message_log WHERE delivery_state IN ('queued', 'retrying') AND next_attempt_at <= $1
                          ORDER BY next_attempt_at, id LIMIT $2)
             RETURNING id, journey_id, contact_id, message_key, channel, template, recipient, created_at, attempts"
        }
        Backend::Postgres => {
            "UPDATE message_log SET delivery_state = 'delivering', claimed_by = $3, lease_until = $4
             WHERE id IN (SELECT id FROM message_log WHERE delivery_state IN ('queued', 'retrying') AND next_attempt_at <= $1
                          ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
               AND delivery_state IN ('queued', 'retrying')
             RETURNING id, journey_id, contact_id, message_key, channel, template, recipient, created_at, attempts"
        }
    };
    let mut rows: Vec<OutboxMessage> =
        sqlx::query_as(sql).bind(to_ms(now)).bind(limit).bind(instance).bind(to_ms(lease_until)).fetch_all(conn).await?;
    rows.sort_by_key(|m| m.id);
    Ok(rows)
}

/// What one try came to, as the log records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TryRecord<'a> {
    /// Accepted: `delivered`.
    Delivered,
    /// Failed; tried again at `at`: `retrying`.
    Retry { at: Timestamp, error: &'a str },
    /// Failed for good: `dead`.
    Dead { error: &'a str },
}

/// Records the end of a try of a `delivering` message (one attempt more).
pub async fn record_try(conn: &mut AnyConnection, id: i64, record: &TryRecord<'_>, now: Timestamp) -> Result<()> {
    let (state, next, error) = match record {
        TryRecord::Delivered => (DeliveryState::Delivered, None, None),
        TryRecord::Retry { at, error } => (DeliveryState::Retrying, Some(to_ms(*at)), Some(*error)),
        TryRecord::Dead { error } => (DeliveryState::Dead, None, Some(*error)),
    };
    let delivered_at = (state == DeliveryState::Delivered).then_some(to_ms(now));
    sqlx::query(
        "UPDATE message_log SET delivery_state = $1, attempts = attempts + 1, last_attempt_at = $2,
                delivered_at = COALESCE($3, delivered_at), next_attempt_at = COALESCE($4, next_attempt_at),
                last_error = COALESCE($5, last_error)
         WHERE id = $6 AND delivery_state = 'delivering'",
    )
    .bind(state.as_str())
    .bind(to_ms(now))
    .bind(delivered_at)
    .bind(next)
    .bind(error)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Which messages left `delivering` [`requeue_delivering`] puts back in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requeue<'a> {
    /// Every one: a server alone on its database, starting (they are a dead process's).
    All,
    /// This instance's own (a pass it interrupted).
    Mine(&'a str),
    /// Any instance's whose lease ended by then (an instance that died mid-try).
    Expired(Timestamp),
}

/// Puts messages left `delivering` back in the queue, due at once; returns how many.
pub async fn requeue_delivering(conn: &mut AnyConnection, which: Requeue<'_>) -> Result<u64> {
    let query = match which {
        Requeue::All => sqlx::query(
            "UPDATE message_log SET delivery_state = CASE WHEN attempts = 0 THEN 'queued' ELSE 'retrying' END
             WHERE delivery_state = 'delivering'",
        ),
        Requeue::Mine(instance) => sqlx::query(
            "UPDATE message_log SET delivery_state = CASE WHEN attempts = 0 THEN 'queued' ELSE 'retrying' END
             WHERE delivery_state = 'delivering' AND claimed_by = $1",
        )
        .bind(instance),
        Requeue::Expired(now) => sqlx::query(
            "UPDATE message_log SET delivery_state = CASE WHEN attempts = 0 THEN 'queued' ELSE 'retrying' END
             WHERE delivery_state = 'delivering' AND lease_until <= $1",
        )
        .bind(to_ms(now)),
    };
    Ok(query.execute(conn).await?.rows_affected())
}

pub async fn delivery_counts(conn: &mut AnyConnection, journey_id: i64) -> Result<DeliveryCounts> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT delivery_state, COUNT(*) FROM message_log WHERE journey_id = $1 GROUP BY delivery_state")
            .bind(journey_id)
            .fetch_all(conn)
            .await?;
    let mut counts = DeliveryCounts::default();
    for (state, n) in rows {
        counts.set(parse_stored::<DeliveryState>(&state)?, n.max(0) as u64);
    }
    Ok(counts)
}

/// Up to `limit` dead messages of a journey after the log id `after`, oldest first, with
/// their log ids.
pub async fn dead_messages(conn: &mut AnyConnection, journey_id: i64, after: i64, limit: i64) -> Result<Vec<(i64, DeadMessage)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        message_key: String,
        contact_id: i64,
        node_id: String,
        channel: String,
        template: String,
        attempts: i64,
        last_error: Option<String>,
        last_attempt_at: Option<i64>,
        created_at: i64,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, message_key, contact_id, node_id, channel, template, attempts, last_error, last_attempt_at, created_at
         FROM message_log WHERE journey_id = $1 AND delivery_state = 'dead' AND id > $2 ORDER BY id LIMIT $3",
    )
    .bind(journey_id)
    .bind(after)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let m = DeadMessage {
                message_key: r.message_key,
                contact_id: ContactId(r.contact_id.max(0) as u64),
                node_id: NodeId(r.node_id),
                channel: r.channel,
                template: r.template,
                attempts: r.attempts.max(0) as u64,
                last_error: r.last_error,
                last_attempt_at: opt_ts(r.last_attempt_at),
                created_at: from_ms(r.created_at),
            };
            (r.id, m)
        })
        .collect())
}

/// A message's log id and delivery state, by key.
pub async fn delivery_state_of(conn: &mut AnyConnection, key: &str) -> Result<Option<(i64, DeliveryState)>> {
    let row: Option<(i64, String)> = sqlx::query_as("SELECT id, delivery_state FROM message_log WHERE message_key = $1")
        .bind(key)
        .fetch_optional(conn)
        .await?;
    row.map(|(id, state)| Ok((id, parse_stored(&state)?))).transpose()
}

/// Puts dead messages back in the queue, due at `now`, with a fresh count of attempts (the
/// last error stays until the next try); returns how many.
pub async fn requeue_dead(conn: &mut AnyConnection, which: DeadOf, now: Timestamp) -> Result<u64> {
    let (sql, value) = match which {
        DeadOf::Journey(id) => (
            "UPDATE message_log SET delivery_state = 'queued', attempts = 0, next_attempt_at = $1
             WHERE journey_id = $2 AND delivery_state = 'dead'",
            id,
        ),
        DeadOf::Message(id) => (
            "UPDATE message_log SET delivery_state = 'queued', attempts = 0, next_attempt_at = $1
             WHERE id = $2 AND delivery_state = 'dead'",
            id,
        ),
    };
    let r = sqlx::query(sql).bind(to_ms(now)).bind(value).execute(conn).await?;
    Ok(r.rows_affected())
}

/// Which dead messages [`requeue_dead`] puts back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadOf {
    /// All of a journey's.
    Journey(i64),
    /// One, by log id.
    Message(i64),
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
    /// A delivery state, or `skipped` (the stale-message guard).
    pub delivery_state: String,
    pub attempts: i64,
    /// Why a skipped message was not sent.
    #[sqlx(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// How late a skipped message would have gone out, in whole minutes.
    #[sqlx(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub late_minutes: Option<i64>,
}

pub async fn messages(conn: &mut AnyConnection, journey_id: i64, after_id: i64, limit: i64) -> Result<Vec<(i64, LoggedMessage)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        #[sqlx(flatten)]
        m: LoggedMessage,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, message_key, generation, iteration, contact_id, node_id, channel, created_at, delivered_at, delivery_state, attempts
         FROM message_log WHERE journey_id = $1 AND id > $2 ORDER BY id LIMIT $3",
    )
    .bind(journey_id)
    .bind(after_id)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.m)).collect())
}

/// How many messages of a journey the stale-message guard did not send.
pub async fn skipped_count(conn: &mut AnyConnection, journey_id: i64) -> Result<u64> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM skipped_messages WHERE journey_id = $1")
        .bind(journey_id)
        .fetch_one(conn)
        .await?;
    Ok(n as u64)
}

/// The messages the stale-message guard did not send, as [`LoggedMessage`]s in state
/// `skipped` with the reason, oldest first.
pub async fn skipped_messages(
    conn: &mut AnyConnection,
    journey_id: i64,
    after_id: i64,
    limit: i64,
) -> Result<Vec<(i64, LoggedMessage)>> {
    type Row = (i64, String, i64, i64, i64, String, String, i64, i64, String);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, message_key, generation, iteration, contact_id, node_id, channel, created_at, late_minutes, reason
         FROM skipped_messages WHERE journey_id = $1 AND id > $2 ORDER BY id LIMIT $3",
    )
    .bind(journey_id)
    .bind(after_id)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, message_key, generation, iteration, contact_id, node_id, channel, created_at, late, reason)| {
            let m = LoggedMessage {
                message_key,
                generation,
                iteration,
                contact_id,
                node_id,
                channel,
                created_at,
                delivered_at: None,
                delivery_state: "skipped".into(),
                attempts: 0,
                reason: Some(reason),
                late_minutes: Some(late),
            };
            (id, m)
        })
        .collect())
}
