//! Stored answers to requests sent with an `Idempotency-Key`.

use super::Result;
use crate::clock::to_ms;
use jiff::Timestamp;
use sqlx::AnyConnection;

/// A stored answer to an idempotent request.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IdempotentAnswer {
    pub journey_id: i64,
    pub fingerprint: String,
    pub status: i64,
    pub response: String,
}

pub async fn idempotent_answer(conn: &mut AnyConnection, key: &str) -> Result<Option<IdempotentAnswer>> {
    Ok(sqlx::query_as("SELECT journey_id, fingerprint, status, response FROM idempotency_keys WHERE idem_key = $1")
        .bind(key)
        .fetch_optional(conn)
        .await?)
}

/// Stores the answer to an idempotent request; false when the key already has one (another
/// request with it, for another journey, committed first: the caller rolls back).
pub async fn store_idempotent_answer(
    conn: &mut AnyConnection,
    key: &str,
    journey_id: i64,
    fingerprint: &str,
    status: u16,
    response: &str,
    now: Timestamp,
) -> Result<bool> {
    let stored = sqlx::query(
        "INSERT INTO idempotency_keys (idem_key, journey_id, fingerprint, status, response, created_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT DO NOTHING",
    )
        .bind(key)
        .bind(journey_id)
        .bind(fingerprint)
        .bind(i64::from(status))
        .bind(response)
        .bind(to_ms(now))
        .execute(conn)
        .await?;
    Ok(stored.rows_affected() == 1)
}
