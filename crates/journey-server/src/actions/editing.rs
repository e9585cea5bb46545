//! Editing a frozen journey (journey-core's `edit` states the rules): saving a new definition
//! version, listing versions, and the diff between two.
//!
//! Rules stated here: Draft, Scheduled, Paused and Stopped journeys can be edited; an Active
//! one must be paused first, a Completed one cannot be (it has nothing left to run). A save
//! never moves a contact and never sends: the next activation applies it. A journey whose
//! last activation is still being applied to its contacts cannot be saved until it is done. A Scheduled
//! journey whose schedule or zone changed gets the new schedule's first run after the save.

use jiff::Timestamp;
use journey_core::api::{DefinitionDiff, DefinitionVersion, DefinitionVersions, JourneyDetail};
use journey_core::edit::{self, Revision};
use journey_core::journey::TriggerSource;
use journey_core::state::JourneyState;
use journey_core::zone::Zone;

use super::{ActionError, Current, Result, check_not_applying, check_version, load, lock, views};
use crate::store::{self, JourneyChange, Store};

/// Saves `revision` as the journey's next definition version.
pub async fn save(
    store: &Store,
    id: u64,
    revision: &Revision,
    expected: u64,
    now: Timestamp,
    actor: &str,
) -> Result<JourneyDetail> {
    let mut tx = store.write().await?;
    let rec = lock(&mut tx, id).await?;
    check_version(&rec, Some(expected))?;
    let state = rec.state()?;
    let refuse = |message: &str| ActionError::WrongState {
        message: message.to_string(),
        current: Current { version: rec.version(), state },
    };
    match state {
        JourneyState::Active => return Err(refuse("This journey is Active: pause it first, then edit it.")),
        JourneyState::Completed => {
            return Err(refuse("This journey is Completed: it has nothing left to run, so it cannot be edited."));
        }
        JourneyState::Draft | JourneyState::Scheduled | JourneyState::Paused | JourneyState::Stopped => {}
    }
    // The work still being applied moves contacts by the definition it was planned with.
    check_not_applying(&mut tx, &rec).await?;
    let def = &revision.definition;
    let live = store::node_counts(&mut tx, rec.id, def).await?;
    edit::check_revision(revision, &live).map_err(|e| ActionError::InvalidDefinition(e.to_string()))?;
    let zone = Zone::bundled(&def.time_zone).map_err(|e| ActionError::InvalidDefinition(e.to_string()))?;
    def.validate_with_zone(&zone).map_err(|e| ActionError::InvalidDefinition(e.to_string()))?;
    let before = rec.definition()?;
    let rescheduled = before.trigger.schedule != def.trigger.schedule || before.time_zone != def.time_zone;
    let next_run = match (state, &def.trigger.source, &def.trigger.schedule) {
        (JourneyState::Scheduled, TriggerSource::Event { .. }, _) | (JourneyState::Scheduled, _, None) => {
            return Err(ActionError::InvalidDefinition(
                "A Scheduled journey needs a schedule: it is waiting for its first run.".to_string(),
            ));
        }
        (JourneyState::Scheduled, _, Some(schedule)) if rescheduled => match schedule.next_run_after(&zone, now, 0) {
            Some(at) => Some(Some(at)),
            None => return Err(ActionError::InvalidDefinition("The new schedule has no run still to come.".to_string())),
        },
        _ => None,
    };
    let version = rec.definition_version() + 1;
    store::insert_definition_version(&mut tx, rec.id, version, def, &revision.moves, revision.apply_new_waits, now, actor)
        .await?;
    let change = JourneyChange::Edited { definition: def, definition_version: version, next_run };
    let rec = store::change_journey(&mut tx, &rec, change, now, actor).await?;
    let detail = views::detail_of(&mut tx, &rec).await?;
    tx.commit().await?;
    tracing::info!(journey = rec.id, definition_version = version, "definition saved");
    Ok(detail)
}

/// Every definition version of a journey, oldest first.
pub async fn versions(store: &Store, id: u64) -> Result<DefinitionVersions> {
    let mut tx = store.read_tx().await?;
    let rec = load(&mut tx, id).await?;
    let versions = store::definition_versions(&mut tx, rec.id, None).await?;
    Ok(DefinitionVersions {
        current: rec.definition_version(),
        activated: u32::try_from(rec.activated_definition_version).unwrap_or(0),
        versions: versions
            .into_iter()
            .map(|v| DefinitionVersion {
                version: v.version,
                saved_at: v.saved_at,
                saved_by: v.saved_by,
                definition: v.definition,
                moves: v.moves,
                apply_new_waits: v.apply_new_waits,
            })
            .collect(),
    })
}

/// What changed from definition version `from` to `to` (defaults: the activated one, or 1,
/// to the current one).
pub async fn diff(store: &Store, id: u64, from: Option<u32>, to: Option<u32>) -> Result<DefinitionDiff> {
    let mut tx = store.read_tx().await?;
    let rec = load(&mut tx, id).await?;
    let from = from.unwrap_or(u32::try_from(rec.activated_definition_version).unwrap_or(0).max(1));
    let to = to.unwrap_or(rec.definition_version());
    let mut read = async |v: u32| {
        store::definition_versions(&mut tx, rec.id, Some(v))
            .await?
            .pop()
            .map(|v| v.definition)
            .ok_or_else(|| ActionError::Invalid(format!("This journey has no definition version {v}.")))
    };
    let before = read(from).await?;
    let after = read(to).await?;
    Ok(DefinitionDiff { from, to, changes: edit::diff(&before, &after) })
}
