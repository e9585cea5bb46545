//! A journey's life before and between activations: create a Draft, publish it, pause it,
//! stop it. Each is one write transaction that reads the journey once, asks journey-core's
//! `state::transition` whether the action is allowed, and applies one `store::JourneyChange`.

use jiff::Timestamp;
use journey_core::api::JourneyDetail;
use journey_core::journey::{JourneyDefinition, TriggerSource};
use journey_core::state::{JourneyAction, JourneyState};
use journey_core::zone::Zone;
use sqlx::AnyConnection;

use super::{ActionError, Result, allowed, check_version, lock, views};
use crate::store::{self, JourneyChange, JourneyRecord, Store};

/// Checks a definition: journey-core's validation with a real zone, and that its data set
/// exists. Returns the definition with its zone's canonical spelling.
async fn validated(conn: &mut AnyConnection, mut def: JourneyDefinition) -> Result<JourneyDefinition> {
    let invalid = |m: String| ActionError::InvalidDefinition(m);
    def.time_zone = def.time_zone.trim().to_string();
    def.validate().map_err(|e| invalid(e.to_string()))?;
    let zone =
        Zone::bundled(&def.time_zone).map_err(|_| invalid(format!("\"{}\" is not a known IANA time zone.", def.time_zone)))?;
    def.validate_with_zone(&zone).map_err(|e| invalid(e.to_string()))?;
    if let TriggerSource::Dataset { dataset_id, .. } = &def.trigger.source {
        let exists = match i64::try_from(dataset_id.0) {
            Ok(id) => store::dataset_exists(&mut *conn, id).await?,
            Err(_) => false,
        };
        if !exists {
            return Err(invalid(format!("The trigger's data set {} does not exist.", dataset_id.0)));
        }
    }
    def.time_zone = zone.name().to_string();
    Ok(def)
}

/// Creates a Draft, and publishes it if asked. Returns the journey as it now is.
pub async fn create(
    store: &Store,
    def: JourneyDefinition,
    publish_now: bool,
    now: Timestamp,
    actor: &str,
) -> Result<JourneyRecord> {
    let mut tx = store.write().await?;
    let def = validated(&mut tx, def).await?;
    let id = store::insert_journey(&mut tx, &def, now, actor).await?;
    let mut rec = lock(&mut tx, id as u64).await?;
    if publish_now {
        rec = publish_in(&mut tx, &rec, now, actor).await?;
    }
    tx.commit().await?;
    Ok(rec)
}

/// Draft -> Scheduled (first run in the future) or Active (first run now, or an event trigger).
pub async fn publish(store: &Store, id: u64, expected: Option<u64>, now: Timestamp, actor: &str) -> Result<JourneyDetail> {
    let mut tx = store.write().await?;
    let rec = lock(&mut tx, id).await?;
    check_version(&rec, expected)?;
    let rec = publish_in(&mut tx, &rec, now, actor).await?;
    let detail = views::detail_of(&mut tx, &rec).await?;
    tx.commit().await?;
    Ok(detail)
}

async fn publish_in(conn: &mut AnyConnection, rec: &JourneyRecord, now: Timestamp, actor: &str) -> Result<JourneyRecord> {
    let def = rec.definition()?;
    let zone = rec.zone()?;
    let first_run = match (&def.trigger.source, &def.trigger.schedule) {
        (TriggerSource::Event { .. }, _) | (_, None) => None,
        (_, Some(schedule)) => match schedule.next_run_after(&zone, now, 0) {
            Some(at) => Some(at),
            None if rec.state()? == JourneyState::Draft => {
                let reason = schedule.no_run_reason(&zone, now, 0).map(|r| r.message()).unwrap_or("The schedule has no run.");
                let message = format!("{reason} A journey can only be published with a run still to come.");
                return Err(ActionError::InvalidDefinition(message));
            }
            None => None,
        },
    };
    let to = allowed(rec, JourneyAction::Publish { first_run_in_future: first_run.is_some() })
        .map_err(|_| super::not_allowed(rec, JourneyAction::Publish { first_run_in_future: false }))?;
    let event_cursor = store::max_event_id(&mut *conn).await?;
    Ok(store::change_journey(conn, rec, JourneyChange::Published { to, first_run, event_cursor }, now, actor).await?)
}

/// Active -> Paused.
pub async fn pause(store: &Store, id: u64, expected: Option<u64>, now: Timestamp, actor: &str) -> Result<JourneyDetail> {
    freeze(store, id, JourneyAction::Pause, expected, now, actor).await
}

/// Active or Paused -> Stopped.
pub async fn stop(store: &Store, id: u64, expected: Option<u64>, now: Timestamp, actor: &str) -> Result<JourneyDetail> {
    freeze(store, id, JourneyAction::Stop, expected, now, actor).await
}

/// Pause or Stop: the state is checked before the version (a stopped journey says so, whatever
/// version the page had).
async fn freeze(
    store: &Store,
    id: u64,
    action: JourneyAction,
    expected: Option<u64>,
    now: Timestamp,
    actor: &str,
) -> Result<JourneyDetail> {
    let mut tx = store.write().await?;
    let rec = lock(&mut tx, id).await?;
    allowed(&rec, action)?;
    check_version(&rec, expected)?;
    let change = if action == JourneyAction::Pause { JourneyChange::Paused } else { JourneyChange::Stopped };
    let rec = store::change_journey(&mut tx, &rec, change, now, actor).await?;
    let detail = views::detail_of(&mut tx, &rec).await?;
    tx.commit().await?;
    Ok(detail)
}
