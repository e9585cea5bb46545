//! What other systems feed in: contacts, their subscription, data sets and their members, and
//! events. Each is one write transaction; the request's shape was checked by the handler.

use jiff::Timestamp;
use journey_core::api::NewContact;

use super::{ActionError, Result};
use crate::store::{self, Store};

/// Adds contacts; an email that already exists refuses the whole batch. Returns their ids.
pub async fn create_contacts(store: &Store, contacts: &[NewContact], now: Timestamp) -> Result<Vec<i64>> {
    let mut tx = store.write().await?;
    // The unique index decides (an import racing this one on another instance included); the
    // transaction is dropped, so a refused batch adds nobody.
    let ids = store::insert_contacts(&mut tx, contacts, now)
        .await?
        .map_err(|store::EmailTaken(e)| ActionError::Duplicate(format!("A contact with the email {e} already exists.")))?;
    tx.commit().await?;
    Ok(ids)
}

fn contact_id(id: u64) -> Result<i64> {
    i64::try_from(id).map_err(|_| ActionError::NotFound { what: "contact", id })
}

/// Subscribes or unsubscribes a contact.
pub async fn set_subscription(store: &Store, id: u64, subscribed: bool) -> Result<()> {
    let key = contact_id(id)?;
    let mut tx = store.write().await?;
    if !store::set_subscription(&mut tx, key, subscribed).await? {
        return Err(ActionError::NotFound { what: "contact", id });
    }
    tx.commit().await?;
    Ok(())
}

/// Creates an empty data set; returns its id.
pub async fn create_dataset(store: &Store, name: &str, now: Timestamp) -> Result<i64> {
    let mut tx = store.write().await?;
    let id = store::insert_dataset(&mut tx, name, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Adds existing contacts to a data set; returns how many were not members yet.
pub async fn add_to_dataset(store: &Store, id: u64, contacts: &[u64]) -> Result<u64> {
    let missing = || ActionError::NotFound { what: "data set", id };
    let key = i64::try_from(id).map_err(|_| missing())?;
    let ids: Vec<i64> = contacts.iter().map(|c| i64::try_from(*c).unwrap_or(-1)).collect();
    let mut tx = store.write().await?;
    if !store::dataset_exists(&mut tx, key).await? {
        return Err(missing());
    }
    if let Some(unknown) = store::missing_contacts(&mut tx, &ids).await? {
        let shown = if unknown < 0 { u64::MAX.to_string() } else { unknown.to_string() };
        return Err(ActionError::Invalid(format!("There is no contact {shown}.")));
    }
    let added = store::add_to_dataset(&mut tx, key, &ids).await?;
    tx.commit().await?;
    Ok(added)
}

/// Records an event of a contact; event-triggered Active journeys judge it at the runner's
/// next pass. Returns its id.
pub async fn record_event(store: &Store, contact: u64, name: &str, at: Timestamp) -> Result<i64> {
    let key = contact_id(contact).map_err(|_| ActionError::Invalid(format!("There is no contact {contact}.")))?;
    let mut tx = store.write().await?;
    if !store::contact_exists(&mut tx, key).await? {
        return Err(ActionError::Invalid(format!("There is no contact {contact}.")));
    }
    let id = store::insert_event(&mut tx, key, name, at).await?;
    tx.commit().await?;
    Ok(id)
}
