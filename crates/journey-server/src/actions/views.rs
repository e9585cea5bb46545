//! Reading journeys: the list, the journey page, the snapshot, the message log. Each reads in
//! one transaction, so what it shows is one consistent moment.

use jiff::Timestamp;
use journey_core::api::{JourneyDetail, JourneyListResponse};
use journey_core::explain::ContactFacts;
use journey_core::journey::JourneyId;
use journey_core::snapshot::JourneySnapshot;
use journey_core::state::JourneyState;
use sqlx::AnyConnection;

use super::{ActionError, Result, load};
use crate::clock::from_ms;
use crate::store::{self, JourneyRecord, LoggedMessage, Store};

/// How many activity lines the journey page shows.
pub const ACTIVITY_LIMIT: i64 = 50;

/// One tab of the list (journeys in `state` whose name contains `q`) and every state's count.
pub async fn list(store: &Store, state: Option<JourneyState>, q: Option<&str>) -> Result<JourneyListResponse> {
    let mut tx = store.read_tx().await?;
    let (rows, counts) = store::list_journeys(&mut tx, state, q).await?;
    Ok(JourneyListResponse { rows, counts })
}

/// The journey page's data.
pub async fn detail(store: &Store, id: u64) -> Result<JourneyDetail> {
    let mut tx = store.read_tx().await?;
    let rec = load(&mut tx, id).await?;
    detail_of(&mut tx, &rec).await
}

/// The journey page's data for a journey already read in this transaction.
pub async fn detail_of(conn: &mut AnyConnection, rec: &JourneyRecord) -> Result<JourneyDetail> {
    let def = rec.definition()?;
    Ok(JourneyDetail {
        id: JourneyId(rec.id as u64),
        version: rec.version(),
        name: rec.name.clone(),
        state: rec.state()?,
        node_counts: store::node_counts(&mut *conn, rec.id, &def).await?,
        schedule_text: def.schedule_text(),
        activity: store::activity(&mut *conn, rec.id, ACTIVITY_LIMIT).await?,
        generation: rec.generation(),
        next_run_at: rec.next_run_at.map(from_ms),
        frozen_at: rec.frozen_at.map(from_ms),
        last_run_at: rec.last_run_at.map(from_ms),
        definition: def,
        definition_version: rec.definition_version(),
        activated_definition_version: u32::try_from(rec.activated_definition_version).unwrap_or(0),
        applying: store::has_work(&mut *conn, rec.id).await?,
        pending: store::waiting_activation(&mut *conn, rec.id).await?.map(|p| p.view()).transpose()?,
    })
}

/// The aggregates the summary plans from, taken at `now`; or, for a later instant `at` (an
/// activation asked for then), projected to it from the facts read now.
pub async fn snapshot(store: &Store, id: u64, now: Timestamp, at: Option<Timestamp>) -> Result<JourneySnapshot> {
    if let Some(at) = at
        && at > now
    {
        journey_core::pending::check_run_at(at, now).map_err(|e| super::ActionError::Invalid(e.to_string()))?;
    }
    let mut tx = store.read_tx().await?;
    let rec = load(&mut tx, id).await?;
    Ok(match at.filter(|at| *at > now) {
        Some(at) => store::projected_snapshot(&mut tx, &rec, now, at).await?,
        None => store::snapshot(&mut tx, &rec, now).await?,
    })
}

/// One contact's facts for a journey (`GET /api/journeys/{id}/contact?email=`), read in one
/// transaction; an unknown email is [`ActionError::UnknownContact`].
pub async fn contact_facts(store: &Store, id: u64, email: &str) -> Result<ContactFacts> {
    let email = email.trim();
    if email.is_empty() || email.len() > 320 {
        return Err(ActionError::Invalid("Give the contact's email address (at most 320 characters).".into()));
    }
    let mut tx = store.read_tx().await?;
    let rec = load(&mut tx, id).await?;
    let def = rec.definition()?;
    store::contact_facts(&mut tx, &rec, &def, email).await?.ok_or(ActionError::UnknownContact)
}

/// One page of a journey's message log, oldest first: up to `limit` messages after the log
/// id `after`, and the id to continue from if the page was full.
pub async fn messages(
    store: &Store,
    id: u64,
    skipped: bool,
    after: i64,
    limit: i64,
) -> Result<(Vec<LoggedMessage>, Option<i64>)> {
    let mut tx = store.read_tx().await?;
    let rec = load(&mut tx, id).await?;
    let rows = if skipped {
        store::skipped_messages(&mut tx, rec.id, after, limit).await?
    } else {
        store::messages(&mut tx, rec.id, after, limit).await?
    };
    let next_after = if rows.len() as i64 == limit { rows.last().map(|r| r.0) } else { None };
    Ok((rows.into_iter().map(|r| r.1).collect(), next_after))
}
