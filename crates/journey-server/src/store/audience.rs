//! Who enters a journey: the facts journey-core's `flow::admits` decides on, read for a
//! data set, a segment or one contact, and the memberships created for the admitted.

use super::Result;
use super::{Backend, Placeholders};
use crate::clock::to_ms;
use jiff::Timestamp;
use journey_core::flow::{AdmissionFacts, admission_mask, admits, admits_on_event};
use journey_core::journey::{Attributes, JourneyDefinition, SegmentRule, TriggerSource};
use journey_core::membership::Iteration;
use journey_core::state::JourneyState;
use sqlx::AnyConnection;
use std::collections::HashSet;

/// Per-contact facts of one journey, for segment audiences.
pub(super) struct MemberFacts {
    pub(super) entered: HashSet<i64>,
    pub(super) live: HashSet<i64>,
    pub(super) received: HashSet<i64>,
}

impl MemberFacts {
    /// The admission facts of one segment member.
    fn admission(&self, id: i64, subscribed: bool) -> AdmissionFacts {
        AdmissionFacts { subscribed, in_flight: self.live.contains(&id), entered_in_generation: self.entered.contains(&id) }
    }

    /// The facts of the contacts with ids in `range`.
    pub(super) async fn load(
        conn: &mut AnyConnection,
        journey_id: i64,
        generation: i64,
        range: ContactRange,
    ) -> Result<MemberFacts> {
        let ids = |v: Vec<(i64,)>| v.into_iter().map(|(i,)| i).collect::<HashSet<i64>>();
        let entered = ids(sqlx::query_as(
            "SELECT DISTINCT contact_id FROM memberships WHERE journey_id = $1 AND generation = $2 AND contact_id > $3 AND contact_id <= $4",
        )
        .bind(journey_id)
        .bind(generation)
        .bind(range.after)
        .bind(range.up_to)
        .fetch_all(&mut *conn)
        .await?);
        let live = ids(sqlx::query_as(
            "SELECT contact_id FROM memberships WHERE journey_id = $1 AND status IN ('ready', 'waiting')
             AND contact_id > $2 AND contact_id <= $3",
        )
        .bind(journey_id)
        .bind(range.after)
        .bind(range.up_to)
        .fetch_all(&mut *conn)
        .await?);
        let received = ids(sqlx::query_as(
            "SELECT DISTINCT contact_id FROM message_log WHERE journey_id = $1 AND contact_id > $2 AND contact_id <= $3",
        )
        .bind(journey_id)
        .bind(range.after)
        .bind(range.up_to)
        .fetch_all(&mut *conn)
        .await?);
        Ok(MemberFacts { entered, live, received })
    }
}

/// Contacts with ids in `after < id <= up_to`: an audience entered in batches (a Restart's
/// entry, applied by the runner) takes one range at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContactRange {
    pub after: i64,
    pub up_to: i64,
}

impl ContactRange {
    /// Every contact.
    pub const ALL: ContactRange = ContactRange { after: i64::MIN, up_to: i64::MAX };
}

/// Every contact in `range` the segment rule matches (the rule is evaluated by journey-core),
/// with its subscription.
pub async fn segment_members(conn: &mut AnyConnection, rule: &SegmentRule, range: ContactRange) -> Result<Vec<(i64, bool)>> {
    let mut out = Vec::new();
    let mut after = range.after;
    loop {
        let rows: Vec<(i64, String, i64)> =
            sqlx::query_as("SELECT id, attributes, subscribed FROM contacts WHERE id > $1 AND id <= $2 ORDER BY id LIMIT 5000")
                .bind(after)
                .bind(range.up_to)
                .fetch_all(&mut *conn)
                .await?;
        let Some(last) = rows.last() else { break };
        after = last.0;
        for (id, attrs, subscribed) in rows {
            let attributes: Attributes = serde_json::from_str(&attrs).unwrap_or_default();
            if rule.matches(&attributes) {
                out.push((id, subscribed != 0));
            }
        }
    }
    Ok(out)
}

/// Contacts per multi-row `INSERT` (4,000 rows x 7 bound values stays under SQLite's 32,766
/// bound values per statement).
const ENTRY_BATCH: usize = 4000;

/// A data set's members (`$3`) with contact ids in `$4 < id <= $5`, with their
/// [`AdmissionFacts::bits`] for journey `$1` in generation `$2`: subscribed 1, in flight 2,
/// entered in the generation 4. Facts only, no decision; both [`enter_audience`] and
/// [`dataset_admission_facts`] read through it.
macro_rules! dataset_facts_sql {
    () => {
        "SELECT c.id AS id,
                CASE WHEN c.subscribed <> 0 THEN 1 ELSE 0 END
                + CASE WHEN EXISTS (SELECT 1 FROM memberships m WHERE m.journey_id = $1 AND m.contact_id = c.id
                                    AND m.status IN ('ready', 'waiting')) THEN 2 ELSE 0 END
                + CASE WHEN EXISTS (SELECT 1 FROM memberships m WHERE m.journey_id = $1 AND m.generation = $2
                                    AND m.contact_id = c.id) THEN 4 ELSE 0 END AS facts
         FROM dataset_members dm JOIN contacts c ON c.id = dm.contact_id
         WHERE dm.dataset_id = $3 AND dm.contact_id > $4 AND dm.contact_id <= $5"
    };
}

/// An audience run, or one batch of it: enters the trigger's audience members with contact
/// ids in `range` (`ContactRange::ALL`: all of them) that journey-core's
/// [`journey_core::flow::admits`] admits, as `iteration` of `generation` at the entry node.
/// Returns how many entered. The runner enters a run's or a Restart's audience one range at a
/// time (`store::work`).
///
/// The store decides nothing. Data sets: one `INSERT ... SELECT` computes each member's
/// facts (`dataset_facts_sql!`, two index probes) and keeps the members whose facts
/// journey-core admits, through [`journey_core::flow::admission_mask`] (`admits` evaluated
/// once per combination of the facts), so the members never leave SQLite. Segments: the rule
/// is evaluated in Rust anyway, so `admits` is called per member with facts from the
/// journey's membership sets, and the admitted are inserted [`ENTRY_BATCH`] rows at a time.
/// `tests/admission.rs` checks every combination of the facts through this function.
pub async fn enter_audience(
    conn: &mut AnyConnection,
    journey_id: i64,
    def: &JourneyDefinition,
    generation: i64,
    iteration: i64,
    at: Timestamp,
    range: ContactRange,
) -> Result<u64> {
    let audience = def.trigger.audience;
    let entry = def.entry.as_str();
    match &def.trigger.source {
        TriggerSource::Event { .. } => Ok(0),
        TriggerSource::Dataset { dataset_id, .. } => {
            let at_ms = to_ms(at);
            let sql = concat!(
                "INSERT INTO memberships (journey_id, contact_id, generation, iteration, node, status, entered_at, updated_at)
                 SELECT $1, f.id, $2, $6, $7, 'ready', $8, $8 FROM (",
                dataset_facts_sql!(),
                ") f WHERE ($9 >> f.facts) & 1 = 1"
            );
            let r = sqlx::query(sql)
                .bind(journey_id)
                .bind(generation)
                .bind(dataset_id.0 as i64)
                .bind(range.after)
                .bind(range.up_to)
                .bind(iteration)
                .bind(entry)
                .bind(at_ms)
                .bind(i64::from(admission_mask(audience)))
                .execute(conn)
                .await?;
            Ok(r.rows_affected())
        }
        TriggerSource::Segment { rule, .. } => {
            let members = segment_members(&mut *conn, rule, range).await?;
            let facts = MemberFacts::load(&mut *conn, journey_id, generation, range).await?;
            let ids: Vec<i64> = members
                .into_iter()
                .filter(|(id, subscribed)| admits(audience, &facts.admission(*id, *subscribed)).enters())
                .map(|(id, _)| id)
                .collect();
            let mut entered = 0;
            for chunk in ids.chunks(ENTRY_BATCH) {
                entered += insert_memberships(&mut *conn, journey_id, generation, iteration, entry, at, chunk).await?;
            }
            Ok(entered)
        }
    }
}

/// Every member of a data set with its admission facts for `journey_id` in `generation`, in
/// contact-id order (what [`enter_audience`] judges; for tests and scripts).
pub async fn dataset_admission_facts(
    conn: &mut AnyConnection,
    journey_id: i64,
    generation: i64,
    dataset_id: i64,
) -> Result<Vec<(i64, AdmissionFacts)>> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(concat!("SELECT id, facts FROM (", dataset_facts_sql!(), ") AS f ORDER BY id"))
        .bind(journey_id)
        .bind(generation)
        .bind(dataset_id)
        .bind(ContactRange::ALL.after)
        .bind(ContactRange::ALL.up_to)
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().map(|(id, bits)| (id, AdmissionFacts::from_bits(bits as u8))).collect())
}

/// Inserts ready memberships at `entry` for `ids` (at most a few thousand per call).
async fn insert_memberships(
    conn: &mut AnyConnection,
    journey_id: i64,
    generation: i64,
    iteration: i64,
    entry: &str,
    at: Timestamp,
    ids: &[i64],
) -> Result<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let at_ms = to_ms(at);
    let sql = format!(
        "INSERT INTO memberships (journey_id, contact_id, generation, iteration, node, status, entered_at, updated_at)
         VALUES {}",
        Placeholders::new(Backend::of(conn)).rows(ids.len(), "(?, ?, ?, ?, ?, 'ready', ?, ?)")
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in ids {
        q = q.bind(journey_id).bind(*id).bind(generation).bind(iteration).bind(entry).bind(at_ms).bind(at_ms);
    }
    Ok(q.execute(&mut *conn).await?.rows_affected())
}

/// Enters one contact on an event (event triggers) if journey-core's
/// [`journey_core::flow::admits_on_event`] admits it. Returns whether it entered.
///
/// `state` is the journey's state; `arrived_since_activation` is whether the event was stored
/// after the journey's event cursor (set to the newest event id at activation, so events that
/// arrived while frozen are not replayed). The store reads the contact's [`AdmissionFacts`]
/// (two index probes) and decides nothing. Events of one batch are entered one after the
/// other in the same transaction, so a second event of the same contact sees it in flight.
#[allow(clippy::too_many_arguments)]
pub async fn enter_on_event(
    conn: &mut AnyConnection,
    journey_id: i64,
    def: &JourneyDefinition,
    state: JourneyState,
    generation: i64,
    contact_id: i64,
    arrived_since_activation: bool,
    at: Timestamp,
) -> Result<bool> {
    let row: Option<(i64, i64, i64)> = sqlx::query_as(
        "SELECT c.subscribed,
                CASE WHEN EXISTS (SELECT 1 FROM memberships m WHERE m.journey_id = $1 AND m.contact_id = c.id
                                  AND m.status IN ('ready', 'waiting')) THEN 1 ELSE 0 END,
                (SELECT COUNT(*) FROM memberships m WHERE m.journey_id = $1 AND m.contact_id = c.id AND m.generation = $2)
         FROM contacts c WHERE c.id = $3",
    )
    .bind(journey_id)
    .bind(generation)
    .bind(contact_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((subscribed, live, entries)) = row else { return Ok(false) };
    let facts = AdmissionFacts { subscribed: subscribed != 0, in_flight: live != 0, entered_in_generation: entries > 0 };
    if !admits_on_event(def.trigger.audience, state, arrived_since_activation, &facts).enters() {
        return Ok(false);
    }
    // Event-trigger iterations count this contact's entries in the generation (journey-core's
    // `Iteration` docs).
    let iteration = Iteration(u32::try_from(entries).unwrap_or(u32::MAX - 1)).next();
    let entered =
        insert_memberships(conn, journey_id, generation, i64::from(iteration.0), def.entry.as_str(), at, &[contact_id]).await?;
    Ok(entered == 1)
}
