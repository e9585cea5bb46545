//! Who enters is journey-core's rule (`flow::admits`, `flow::admits_on_event`): through the
//! store, against a real SQLite file, every combination of the admission facts (subscribed,
//! in flight, entered in the current generation) under both audience modes and every trigger
//! kind enters exactly the contacts the core function admits, and the facts the store reads
//! are the facts the rows say.

mod common;

use jiff::Timestamp;
use journey_core::flow::{AdmissionFacts, admits, admits_on_event};
use journey_core::journey::{AudienceMode, JourneyDefinition};
use journey_core::state::JourneyState;
use journey_server::store::{self, Store};
use serde_json::json;

const GENERATION: i64 = 2;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn definition(source: serde_json::Value, audience: AudienceMode) -> JourneyDefinition {
    let schedule = if source["kind"] == "event" {
        serde_json::Value::Null
    } else {
        json!({ "kind": "recurring", "frequency": { "kind": "daily" }, "time_of_day": "14:00",
                "start_date": "2026-01-01", "end": { "kind": "never" } })
    };
    serde_json::from_value(json!({
        "name": "Admission", "time_zone": "UTC",
        "trigger": { "source": source, "audience": audience, "schedule": schedule },
        "entry": "hello",
        "nodes": [ { "id": "hello", "kind": { "type": "send", "channel": "email", "template": "h", "next": null } } ],
    }))
    .unwrap()
}

/// One contact per combination of the facts (plus contacts outside the audience), a data set
/// of the combination contacts, and a journey. Returns the store, the journey and
/// (contact id, facts) per combination.
async fn setup(db: &journey_server::store::Database, def: &JourneyDefinition) -> (Store, i64, Vec<(i64, AdmissionFacts)>) {
    let store = Store::open(db, false).await.unwrap();
    let now = ts("2026-01-05T10:00:00Z");
    let mut tx = store.write().await.unwrap();
    // An outsider first, not in the data set nor in the segment.
    let outsider = journey_core::api::NewContact {
        email: Some("outsider@example.com".into()),
        phone: None,
        attributes: Default::default(),
        subscribed: true,
    };
    store::insert_contacts(&mut tx, &[outsider], now).await.unwrap().unwrap();
    let dataset = store::insert_dataset(&mut tx, "combinations", now).await.unwrap();
    assert_eq!(dataset, 1, "the definitions name data set 1");
    let journey = store::insert_journey(&mut tx, def, now, "test").await.unwrap();
    let mut cases = Vec::new();
    for (k, facts) in AdmissionFacts::all().enumerate() {
        let mut attributes = journey_core::journey::Attributes::new();
        attributes.insert("group".into(), "combinations".into());
        let c = journey_core::api::NewContact {
            email: Some(format!("c{k}@example.com")),
            phone: None,
            attributes,
            subscribed: facts.subscribed,
        };
        let id = store::insert_contacts(&mut tx, &[c], now).await.unwrap().unwrap()[0];
        store::add_to_dataset(&mut tx, dataset, &[id]).await.unwrap();
        let membership = |generation: i64, status: &str| {
            sqlx::query(
                "INSERT INTO memberships (journey_id, contact_id, generation, iteration, node, status, wait_until, entered_at, updated_at)
                 VALUES ($1, $2, $3, 1, 'hello', $4, CASE WHEN $4 = 'waiting' THEN 0 END, 0, 0)",
            )
            .bind(journey)
            .bind(id)
            .bind(generation)
            .bind(status.to_string())
        };
        match (facts.in_flight, facts.entered_in_generation) {
            // Live in the current generation.
            (true, true) => {
                membership(GENERATION, "waiting").execute(&mut *tx).await.unwrap();
            }
            // Live from the previous generation only (finished rows of older generations do
            // not count either).
            (true, false) => {
                membership(GENERATION - 1, "ready").execute(&mut *tx).await.unwrap();
            }
            // Entered and finished in this generation; also live nowhere.
            (false, true) => {
                membership(GENERATION - 1, "completed").execute(&mut *tx).await.unwrap();
                membership(GENERATION, "exited").execute(&mut *tx).await.unwrap();
            }
            (false, false) => {
                membership(GENERATION - 1, "completed").execute(&mut *tx).await.unwrap();
            }
        }
        cases.push((id, facts));
    }
    tx.commit().await.unwrap();
    (store, journey, cases)
}

async fn new_rows(store: &Store, journey: i64, contact: i64, iteration: i64) -> i64 {
    let mut conn = store.read().await.unwrap();
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM memberships WHERE journey_id = $1 AND contact_id = $2 AND generation = $3 AND iteration = $4",
    )
    .bind(journey)
    .bind(contact)
    .bind(GENERATION)
    .bind(iteration)
    .fetch_one(&mut *conn)
    .await
    .unwrap()
}

#[tokio::test]
async fn audience_runs_enter_exactly_whom_core_admits() {
    let sources = [
        json!({ "kind": "dataset", "dataset_id": 1, "name": "combinations" }),
        json!({ "kind": "segment", "name": "combinations", "rule": { "all": [ { "op": "equals", "attribute": "group", "value": "combinations" } ] } }),
    ];
    for source in sources {
        for audience in [AudienceMode::NewUsers, AudienceMode::AllUsers] {
            let dir = tempfile::tempdir().unwrap();
            let db = common::fresh_database(dir.path()).await;
            let _check = common::AggregateCheckOnDrop(db.clone());
            let def = definition(source.clone(), audience);
            let (store, journey, cases) = setup(&db, &def).await;
            let label = format!("{} {audience:?}", source["kind"]);

            // The facts the store reads are the facts the rows say.
            let mut conn = store.read().await.unwrap();
            let read = store::dataset_admission_facts(&mut conn, journey, GENERATION, 1).await.unwrap();
            drop(conn);
            assert_eq!(read, cases, "{label}: facts read");

            let mut tx = store.write().await.unwrap();
            let entered = store::enter_audience(
                &mut tx,
                journey,
                &def,
                GENERATION,
                7,
                ts("2026-01-05T14:00:00Z"),
                store::ContactRange::ALL,
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
            let mut expected = 0;
            for (id, facts) in &cases {
                let admitted = admits(audience, facts).enters();
                expected += u64::from(admitted);
                assert_eq!(new_rows(&store, journey, *id, 7).await, i64::from(admitted), "{label}: {facts:?}");
            }
            assert_eq!(entered, expected, "{label}");
            assert!(expected > 0, "{label}: the table has admitted contacts");
            store.close().await;
        }
    }
}

#[tokio::test]
async fn events_enter_exactly_whom_core_admits() {
    let states = [JourneyState::Active, JourneyState::Paused, JourneyState::Stopped];
    for audience in [AudienceMode::NewUsers, AudienceMode::AllUsers] {
        for state in states {
            for arrived_since_activation in [true, false] {
                let dir = tempfile::tempdir().unwrap();
                let db = common::fresh_database(dir.path()).await;
                let _check = common::AggregateCheckOnDrop(db.clone());
                let def = definition(json!({ "kind": "event", "event_name": "signed_up" }), audience);
                let (store, journey, cases) = setup(&db, &def).await;
                for (id, facts) in &cases {
                    let mut tx = store.write().await.unwrap();
                    let entries_before: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM memberships WHERE journey_id = $1 AND contact_id = $2 AND generation = $3",
                    )
                    .bind(journey)
                    .bind(id)
                    .bind(GENERATION)
                    .fetch_one(&mut *tx)
                    .await
                    .unwrap();
                    let entered = store::enter_on_event(
                        &mut tx,
                        journey,
                        &def,
                        state,
                        GENERATION,
                        *id,
                        arrived_since_activation,
                        ts("2026-01-05T14:00:00Z"),
                    )
                    .await
                    .unwrap();
                    tx.commit().await.unwrap();
                    let admitted = admits_on_event(audience, state, arrived_since_activation, facts).enters();
                    let label = format!("{audience:?} {state:?} arrived={arrived_since_activation} {facts:?}");
                    assert_eq!(entered, admitted, "{label}");
                    // An entry is the contact's next iteration in the generation.
                    assert_eq!(new_rows(&store, journey, *id, entries_before + 1).await, i64::from(admitted), "{label}");
                }
                store.close().await;
            }
        }
    }
}
