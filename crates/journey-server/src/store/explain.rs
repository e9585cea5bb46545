//! One contact's facts for one journey (journey-core `explain::ContactFacts`): the contact by
//! email, whether it is in the trigger's audience, its live membership and its place in the
//! backlog's order at its step, whether it entered in this generation, its latest messages.

use journey_core::explain::{ContactFacts, LAST_MESSAGES, MembershipFacts, SentMessage};
use journey_core::journey::{Attributes, ContactId, JourneyDefinition, NodeId, TriggerSource};
use journey_core::membership::Generation;
use sqlx::AnyConnection;

use super::{Backend, JourneyRecord, Result};
use crate::clock::from_ms;

/// The facts of the contact with `email` (matched without regard to case), or `None`.
pub async fn contact_facts(
    conn: &mut AnyConnection,
    rec: &JourneyRecord,
    def: &JourneyDefinition,
    email: &str,
) -> Result<Option<ContactFacts>> {
    // The unique index on contacts' emails: NOCASE on SQLite, LOWER(email) on PostgreSQL.
    let sql = match Backend::of(conn) {
        Backend::Sqlite => "SELECT id, email, subscribed, attributes FROM contacts WHERE email = $1 COLLATE NOCASE",
        Backend::Postgres => "SELECT id, email, subscribed, attributes FROM contacts WHERE LOWER(email) = LOWER($1)",
    };
    // No stored email holds a NUL, and PostgreSQL refuses one in text: nobody, not an error.
    if email.contains('\0') {
        return Ok(None);
    }
    let row: Option<(i64, Option<String>, i64, String)> = sqlx::query_as(sql).bind(email).fetch_optional(&mut *conn).await?;
    let Some((contact, stored_email, subscribed, attributes)) = row else { return Ok(None) };
    let in_audience = match &def.trigger.source {
        TriggerSource::Dataset { dataset_id, .. } => {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM dataset_members WHERE dataset_id = $1 AND contact_id = $2")
                .bind(dataset_id.0 as i64)
                .bind(contact)
                .fetch_one(&mut *conn)
                .await?;
            n > 0
        }
        TriggerSource::Segment { rule, .. } => rule.matches(&serde_json::from_str::<Attributes>(&attributes).unwrap_or_default()),
        TriggerSource::Event { .. } => false,
    };
    /// id, generation, node, wait_until, late_since.
    type Live = (i64, i64, String, Option<i64>, Option<i64>);
    let live: Option<Live> = sqlx::query_as(
        "SELECT id, generation, node, wait_until, late_since FROM memberships
         WHERE journey_id = $1 AND contact_id = $2 AND status IN ('ready', 'waiting')",
    )
    .bind(rec.id)
    .bind(contact)
    .fetch_optional(&mut *conn)
    .await?;
    let membership = match live {
        Some((id, generation, node, wait_until, late_since)) => {
            // The backlog's order at a step: deadline, then membership (store::work).
            let due_before: i64 = match wait_until {
                Some(until) => {
                    sqlx::query_scalar(
                        "SELECT COUNT(*) FROM memberships WHERE journey_id = $1 AND status = 'waiting' AND node = $2
                           AND (wait_until < $3 OR (wait_until = $3 AND id < $4))",
                    )
                    .bind(rec.id)
                    .bind(&node)
                    .bind(until)
                    .bind(id)
                    .fetch_one(&mut *conn)
                    .await?
                }
                None => 0,
            };
            Some(MembershipFacts {
                generation: Generation(generation as u32),
                node: NodeId::new(node),
                wait_until: wait_until.map(from_ms),
                late_since: late_since.map(from_ms),
                due_before_at_node: due_before as u64,
            })
        }
        None => None,
    };
    let entered: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE journey_id = $1 AND contact_id = $2 AND generation = $3")
            .bind(rec.id)
            .bind(contact)
            .bind(rec.generation)
            .fetch_one(&mut *conn)
            .await?;
    let limit = LAST_MESSAGES as i64;
    type Row = (String, String, String, i64, String);
    let mut messages: Vec<Row> = sqlx::query_as(
        "SELECT node_id, channel, template, created_at, delivery_state FROM message_log
         WHERE journey_id = $1 AND contact_id = $2 ORDER BY id DESC LIMIT $3",
    )
    .bind(rec.id)
    .bind(contact)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let skipped: Vec<Row> = sqlx::query_as(
        "SELECT node_id, channel, template, created_at, 'skipped' FROM skipped_messages
         WHERE journey_id = $1 AND contact_id = $2 ORDER BY id DESC LIMIT $3",
    )
    .bind(rec.id)
    .bind(contact)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    messages.extend(skipped);
    messages.sort_by_key(|m| std::cmp::Reverse(m.3));
    messages.truncate(LAST_MESSAGES);
    Ok(Some(ContactFacts {
        contact_id: ContactId(contact as u64),
        email: stored_email.unwrap_or_default(),
        subscribed: subscribed != 0,
        in_audience,
        membership,
        entered_this_generation: entered > 0,
        last_messages: messages
            .into_iter()
            .filter_map(|(node, channel, template, at, state)| {
                Some(SentMessage { node: NodeId::new(node), channel: channel.parse().ok()?, template, at: from_ms(at), state })
            })
            .collect(),
    }))
}
