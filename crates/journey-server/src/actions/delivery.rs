//! A journey's delivery: what its messages' states are, which are dead and why, and putting
//! dead messages back in the queue once the receiver is fixed. The delivery worker
//! (`crate::delivery`) picks requeued messages up at its next look.

use jiff::Timestamp;

use super::{ActionError, Result, load, lock};
use crate::store::{self, DeadMessage, DeadOf, DeliveryCounts, DeliveryState, Store};

/// A journey's delivery counts and one page of its dead messages.
#[derive(Debug)]
pub struct DeliveryView {
    pub counts: DeliveryCounts,
    pub dead: Vec<DeadMessage>,
    /// The log id to continue the dead messages from, if the page was full.
    pub next_after: Option<i64>,
    /// Messages the stale-message guard did not send.
    pub skipped: u64,
}

/// Counts, and up to `limit` dead messages after the log id `after`, read in one transaction.
pub async fn view(store: &Store, journey: u64, after: i64, limit: i64) -> Result<DeliveryView> {
    let mut tx = store.read_tx().await?;
    let rec = load(&mut tx, journey).await?;
    let counts = store::delivery_counts(&mut tx, rec.id).await?;
    let rows = store::dead_messages(&mut tx, rec.id, after, limit).await?;
    let next_after = if rows.len() as i64 == limit { rows.last().map(|r| r.0) } else { None };
    let skipped = store::skipped_count(&mut tx, rec.id).await?;
    Ok(DeliveryView { counts, dead: rows.into_iter().map(|r| r.1).collect(), next_after, skipped })
}

/// Puts every dead message of a journey back in the queue, due at `now`; returns how many.
pub async fn retry_journey(store: &Store, journey: u64, now: Timestamp, actor: &str) -> Result<u64> {
    let mut tx = store.write().await?;
    let rec = lock(&mut tx, journey).await?;
    let n = store::requeue_dead(&mut tx, DeadOf::Journey(rec.id), now).await?;
    tx.commit().await?;
    tracing::info!(journey = rec.id, messages = n, actor, "dead messages queued again");
    Ok(n)
}

/// Puts one dead message back in the queue, due at `now`.
pub async fn retry_message(store: &Store, key: &str, now: Timestamp, actor: &str) -> Result<()> {
    let mut tx = store.write().await?;
    let (id, state) =
        store::delivery_state_of(&mut tx, key).await?.ok_or_else(|| ActionError::UnknownMessage { key: key.to_string() })?;
    if state != DeliveryState::Dead {
        return Err(ActionError::NotDead { key: key.to_string(), state });
    }
    store::requeue_dead(&mut tx, DeadOf::Message(id), now).await?;
    tx.commit().await?;
    tracing::info!(key, actor, "dead message queued again");
    Ok(())
}
