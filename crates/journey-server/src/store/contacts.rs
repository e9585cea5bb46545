//! Contacts and data sets.

use super::Result;
use super::{Backend, Placeholders};
use crate::clock::to_ms;
use jiff::Timestamp;
use sqlx::AnyConnection;

/// An email already taken (by another contact, or earlier in the same batch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailTaken(pub String);

/// Inserts contacts; their ids, or the first email that is taken (then the caller rolls back).
/// The unique index decides, so two imports racing on PostgreSQL get the same answer as one
/// after the other.
pub async fn insert_contacts(
    conn: &mut AnyConnection,
    contacts: &[journey_core::api::NewContact],
    now: Timestamp,
) -> Result<std::result::Result<Vec<i64>, EmailTaken>> {
    let mut ids = Vec::with_capacity(contacts.len());
    for c in contacts {
        let attrs = serde_json::to_string(&c.attributes).unwrap_or_else(|_| "{}".into());
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO contacts (email, phone, attributes, subscribed, created_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(c.email.as_deref())
        .bind(c.phone.as_deref())
        .bind(attrs)
        .bind(i64::from(c.subscribed))
        .bind(to_ms(now))
        .fetch_optional(&mut *conn)
        .await?;
        match id {
            Some(id) => ids.push(id),
            None => return Ok(Err(EmailTaken(c.email.clone().unwrap_or_default()))),
        }
    }
    Ok(Ok(ids))
}

pub async fn contact_exists(conn: &mut AnyConnection, id: i64) -> Result<bool> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT id FROM contacts WHERE id = $1").bind(id).fetch_optional(conn).await?.is_some())
}

pub async fn missing_contacts(conn: &mut AnyConnection, ids: &[i64]) -> Result<Option<i64>> {
    for id in ids {
        if !contact_exists(&mut *conn, *id).await? {
            return Ok(Some(*id));
        }
    }
    Ok(None)
}

pub async fn set_subscription(conn: &mut AnyConnection, id: i64, subscribed: bool) -> Result<bool> {
    let r = sqlx::query("UPDATE contacts SET subscribed = $1 WHERE id = $2")
        .bind(i64::from(subscribed))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn insert_dataset(conn: &mut AnyConnection, name: &str, now: Timestamp) -> Result<i64> {
    Ok(sqlx::query_scalar("INSERT INTO datasets (name, created_at) VALUES ($1, $2) RETURNING id")
        .bind(name)
        .bind(to_ms(now))
        .fetch_one(conn)
        .await?)
}

pub async fn dataset_exists(conn: &mut AnyConnection, id: i64) -> Result<bool> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT id FROM datasets WHERE id = $1").bind(id).fetch_optional(conn).await?.is_some())
}

pub async fn add_to_dataset(conn: &mut AnyConnection, dataset_id: i64, ids: &[i64]) -> Result<u64> {
    let mut added = 0;
    for chunk in ids.chunks(5000) {
        let sql = format!(
            "INSERT INTO dataset_members (dataset_id, contact_id) VALUES {} ON CONFLICT DO NOTHING",
            Placeholders::new(Backend::of(conn)).rows(chunk.len(), "(?, ?)")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(dataset_id).bind(*id);
        }
        added += q.execute(&mut *conn).await?.rows_affected();
    }
    Ok(added)
}

/// Stores a named segment rule (JSON of journey-core's `SegmentRule`).
pub async fn insert_segment(conn: &mut AnyConnection, name: &str, rule: &str, now: Timestamp) -> Result<i64> {
    Ok(sqlx::query_scalar("INSERT INTO segments (name, rule, created_at) VALUES ($1, $2, $3) RETURNING id")
        .bind(name)
        .bind(rule)
        .bind(to_ms(now))
        .fetch_one(conn)
        .await?)
}
