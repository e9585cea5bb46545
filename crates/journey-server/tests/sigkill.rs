//! Crash safety: the real server binary, killed with SIGKILL in the middle of sending, and in
//! the middle of applying a Restart and a Resume to 100,000 contacts, then started again on the
//! same database. No message key is logged twice, no due message or contact is lost, nothing
//! is applied twice, and the maintained counts match the rows.

#![cfg(unix)]

mod common;

use std::time::{Duration, Instant};

use common::binary::{operator, post_json, start_binary};
use journey_server::store::Store;
use serde_json::{Value, json};

const CONTACTS: usize = 2000;
const SENDS: usize = 5;

/// A runner that ticks often in small batches, so a kill lands mid-batch.
const SERVER_ARGS: &[&str] = &["--runner-interval-ms", "5", "--runner-batch", "40"];

async fn counts(store: &Store) -> (i64, i64, i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM message_log), (SELECT COUNT(DISTINCT message_key) FROM message_log),
                (SELECT COUNT(*) FROM memberships WHERE status IN ('ready', 'waiting')),
                (SELECT COUNT(*) FROM message_log WHERE delivered_at IS NULL)",
    )
    .fetch_one(store.pool())
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_batch_and_restarted() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::fresh_database(dir.path()).await;
    let _check = common::AggregateCheckOnDrop(db.clone());
    journey_server::install_crypto_provider();
    let http = operator(&db);
    let (mut child, url) = start_binary(&db, SERVER_ARGS, None, &[]);

    let contacts: Vec<Value> = (0..CONTACTS).map(|i| json!({ "email": format!("c{i}@example.com") })).collect();
    let ids = post_json(&http, format!("{url}/api/contacts"), json!({ "contacts": contacts })).await["ids"].clone();
    let nodes: Vec<Value> = (0..SENDS)
        .map(|i| {
            json!({ "id": format!("s{i}"), "kind": { "type": "send", "channel": "email", "template": format!("t{i}"),
                         "next": if i + 1 < SENDS { json!(format!("s{}", i + 1)) } else { Value::Null } } })
        })
        .collect();
    let journey = post_json(
        &http,
        format!("{url}/api/journeys"),
        json!({
            "name": "Crash test", "time_zone": "UTC", "publish": true,
            "trigger": { "source": { "kind": "event", "event_name": "go" }, "audience": "new_users", "schedule": null },
            "entry": "s0", "nodes": nodes,
        }),
    )
    .await;
    assert_eq!(journey["state"], "active");
    let store = Store::open(&db, false).await.unwrap();
    // All the events at once (one transaction), so the runner has a long backlog to work on.
    let mut tx = store.write().await.unwrap();
    for id in ids.as_array().unwrap() {
        journey_server::store::insert_event(&mut tx, id.as_i64().unwrap(), "go", jiff::Timestamp::now()).await.unwrap();
    }
    tx.commit().await.unwrap();
    let total = (CONTACTS * SENDS) as i64;

    // Kill it three times while it sends.
    let mut kills = 0;
    for threshold in [total / 5, total / 2, total * 4 / 5] {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let (logged, ..) = counts(&store).await;
            if logged >= threshold {
                break;
            }
            assert!(Instant::now() < deadline, "no progress: {logged} logged");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let (logged, ..) = counts(&store).await;
        if logged >= total {
            break;
        }
        child.kill(); // SIGKILL
        kills += 1;
        let before = counts(&store).await;
        println!("killed at {} of {total} logged ({} undelivered)", before.0, before.3);
        (child, _) = start_binary(&db, SERVER_ARGS, None, &[]);
    }
    assert!(kills >= 1, "the server was killed while sending");

    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (logged, distinct, live, undelivered) = counts(&store).await;
        assert_eq!(logged, distinct, "no key twice");
        if logged == total && live == 0 && undelivered == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "did not finish: {logged}/{total} logged, {live} live, {undelivered} undelivered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let per_contact: Vec<(i64,)> =
        sqlx::query_as("SELECT COUNT(*) FROM message_log GROUP BY contact_id").fetch_all(store.pool()).await.unwrap();
    assert_eq!(per_contact.len(), CONTACTS);
    assert!(per_contact.iter().all(|(n,)| *n == SENDS as i64), "every contact got each message once");
    child.kill();
    store.close().await;
}

/// A paused journey on `contacts` contacts in one data set (every 25th unsubscribed), three in
/// five of the subscribed waiting at its wait node with deadlines spread over the next two days
/// and their welcome logged, frozen an hour ago. Returns its id and the freeze instant (ms).
async fn paused_at_scale(store: &Store, http: &reqwest::Client, url: &str, contacts: i64) -> (i64, i64) {
    let now_ms = jiff::Timestamp::now().as_millisecond();
    let frozen_ms = now_ms - 3_600_000;
    let mut tx = store.write().await.unwrap();
    sqlx::query(
        "WITH RECURSIVE n(id) AS (SELECT 1 UNION ALL SELECT id + 1 FROM n WHERE id < $1)
         INSERT INTO contacts (id, email, attributes, subscribed, created_at)
         SELECT id, 'c' || id || '@example.com', '{}', CASE WHEN id % 25 <> 0 THEN 1 ELSE 0 END, $2 FROM n",
    )
    .bind(contacts)
    .bind(now_ms)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query("INSERT INTO datasets (id, name, created_at) VALUES (1, 'Everyone', $1)")
        .bind(now_ms)
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("INSERT INTO dataset_members (dataset_id, contact_id) SELECT 1, id FROM contacts")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let journey = post_json(
        http,
        format!("{url}/api/journeys"),
        json!({
            "name": "At scale", "time_zone": "UTC", "publish": false,
            "trigger": { "source": { "kind": "dataset", "dataset_id": 1, "name": "Everyone" }, "audience": "all_users",
                         "schedule": { "kind": "recurring", "frequency": { "kind": "daily" }, "time_of_day": "03:00",
                                       "start_date": "2026-01-01", "end": { "kind": "never" } } },
            "entry": "wait",
            "nodes": [
                { "id": "wait", "kind": { "type": "wait", "minutes": 2880, "next": "followup" } },
                { "id": "followup", "kind": { "type": "send", "channel": "email", "template": "f", "next": null } },
            ],
        }),
    )
    .await;
    let id = journey["id"].as_i64().unwrap();
    let mut tx = store.write().await.unwrap();
    sqlx::query(
        "UPDATE journeys SET state = 'paused', generation = 1, runs_in_generation = 1, frozen_at = $1, paused_at = $1,
           activated_at = $1, activated_definition_version = 1, version = version + 1 WHERE id = $2",
    )
    .bind(frozen_ms)
    .bind(id)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO memberships (journey_id, contact_id, generation, iteration, node, status, wait_until, entered_at, updated_at)
         SELECT $1, id, 1, 1, 'wait', 'waiting', $2 + (id % 2880) * 60000, $2 - 86400000, $2
         FROM contacts WHERE id % 5 < 3 AND id % 25 <> 0",
    )
    .bind(id)
    .bind(frozen_ms - 3_600_000)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (id, frozen_ms)
}

/// Waits until the activation work of `journey` is at `step` past its first batch.
async fn work_reaches(store: &Store, journey: i64, step: i64) -> bool {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let at: Option<(i64, i64)> = sqlx::query_as("SELECT step, cursor FROM activation_work WHERE journey_id = $1")
            .bind(journey)
            .fetch_optional(store.pool())
            .await
            .unwrap();
        match at {
            None => return false,
            Some((s, cursor)) if s > step || (s == step && cursor > 0) => return true,
            _ => {}
        }
        assert!(Instant::now() < deadline, "the activation work did not progress: {at:?}");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

async fn wait_for_work_done(store: &Store, journey: i64) {
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM activation_work WHERE journey_id = $1")
            .bind(journey)
            .fetch_one(store.pool())
            .await
            .unwrap();
        if left == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "the activation work did not finish");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn activate(http: &reqwest::Client, url: &str, journey: i64, mode: &str, wait: &str) -> Value {
    let detail: Value = http.get(format!("{url}/api/journeys/{journey}")).send().await.unwrap().json().await.unwrap();
    let body = json!({ "mode": mode, "wait_handling": wait, "expected_version": detail["version"] });
    post_json(http, format!("{url}/api/journeys/{journey}/activate"), body).await
}

/// Small activation batches, so a kill lands in the middle of an activation's work.
const WORK_ARGS: &[&str] = &["--runner-interval-ms", "5", "--activation-batch", "500"];
const AT_SCALE: i64 = 100_000;

/// The server binary on a new database holding [`paused_at_scale`]'s journey.
struct AtScale {
    _dir: tempfile::TempDir,
    db: journey_server::store::Database,
    http: reqwest::Client,
    child: common::binary::Process,
    url: String,
    store: Store,
    id: i64,
    frozen_ms: i64,
}

impl AtScale {
    async fn start() -> AtScale {
        let dir = tempfile::tempdir().unwrap();
        let db = common::fresh_database(dir.path()).await;
        journey_server::install_crypto_provider();
        let http = operator(&db);
        let (child, url) = start_binary(&db, WORK_ARGS, None, &[]);
        let store = Store::open(&db, false).await.unwrap();
        let (id, frozen_ms) = paused_at_scale(&store, &http, &url, AT_SCALE).await;
        AtScale { _dir: dir, db, http, child, url, store, id, frozen_ms }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_while_a_restart_is_applied_to_100_000_contacts_and_restarted() {
    let AtScale { _dir, db, http, mut child, url, store, id, .. } = AtScale::start().await;

    let answer = activate(&http, &url, id, "restart", "keep_deadlines").await;
    assert_eq!(answer["applying_in_batches"], true);
    let planned = answer["counts"].clone();
    // Once while the old generation exits, once while the audience enters.
    let mut kills = 0;
    for step in [0, 1] {
        if work_reaches(&store, id, step).await {
            child.kill(); // SIGKILL
            kills += 1;
            let at: (i64, i64) =
                sqlx::query_as("SELECT step, cursor FROM activation_work").fetch_one(store.pool()).await.unwrap();
            println!("killed at step {} after contact {}", at.0, at.1);
            (child, _) = start_binary(&db, WORK_ARGS, None, &[]);
        }
    }
    assert_eq!(kills, 2, "killed during both steps");
    wait_for_work_done(&store, id).await;
    child.kill();

    // Nobody lost, nobody twice: every subscribed member entered generation 2 once, nobody of
    // generation 1 is live, and the applied line has the plan's counts.
    let (entered, distinct, old_live): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM memberships WHERE journey_id = $1 AND generation = 2),
                (SELECT COUNT(DISTINCT contact_id) FROM memberships WHERE journey_id = $1 AND generation = 2),
                (SELECT COUNT(*) FROM memberships WHERE journey_id = $1 AND generation = 1 AND status IN ('ready', 'waiting'))",
    )
    .bind(id)
    .fetch_one(store.pool())
    .await
    .unwrap();
    let subscribed = AT_SCALE - AT_SCALE / 25;
    assert_eq!((entered, distinct, old_live), (subscribed, subscribed, 0));
    assert_eq!(planned["entering"], subscribed);
    let details: String = sqlx::query_scalar("SELECT details FROM activity_log WHERE journey_id = $1 AND action = 'applied'")
        .bind(id)
        .fetch_one(store.pool())
        .await
        .unwrap();
    let details: Value = serde_json::from_str(&details).unwrap();
    assert_eq!((&details["entering"], &details["exited_by_restart"]), (&planned["entering"], &planned["exited_by_restart"]));
    assert!(details.get("note").is_none(), "executed as planned: {details}");
    let (logged, keys): (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), COUNT(DISTINCT message_key) FROM message_log").fetch_one(store.pool()).await.unwrap();
    assert_eq!(logged, keys, "no message key twice");
    store.close().await;
    let check = common::binary::command(&db, &["check"]);
    assert!(check.starts_with("Consistent"), "{check}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_while_a_resume_shifts_100_000_contacts_deadlines_and_restarted() {
    let AtScale { _dir, db, http, mut child, url, store, id, frozen_ms } = AtScale::start().await;

    let answer = activate(&http, &url, id, "resume", "extend_by_pause").await;
    assert_eq!(answer["applying_in_batches"], true);
    let mut kills = 0;
    while kills < 2 && work_reaches(&store, id, 0).await {
        child.kill(); // SIGKILL
        kills += 1;
        (child, _) = start_binary(&db, WORK_ARGS, None, &[]);
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    assert!(kills >= 1, "killed while the deadlines moved");
    wait_for_work_done(&store, id).await;
    child.kill();

    // Every deadline after the freeze moved exactly once, by the same shift (the pause); the
    // ones before it did not move. (The original deadline is known from the contact id.)
    let shifts: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT wait_until - ($2 - 3600000 + (contact_id % 2880) * 60000) AS moved, COUNT(*) FROM memberships
         WHERE journey_id = $1 AND generation = 1 AND status = 'waiting' AND ($2 - 3600000 + (contact_id % 2880) * 60000) > $2
         GROUP BY moved",
    )
    .bind(id)
    .bind(frozen_ms)
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert_eq!(shifts.len(), 1, "one shift for all: {shifts:?}");
    assert!(shifts[0].0 >= 3_600_000, "by the pause (an hour or more): {shifts:?}");
    let unmoved: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT wait_until - ($2 - 3600000 + (contact_id % 2880) * 60000) AS moved, COUNT(*) FROM memberships
         WHERE journey_id = $1 AND generation = 1 AND ($2 - 3600000 + (contact_id % 2880) * 60000) <= $2
           AND wait_until IS NOT NULL GROUP BY moved",
    )
    .bind(id)
    .bind(frozen_ms)
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert!(unmoved.iter().all(|(moved, _)| *moved == 0), "deadlines before the freeze stay: {unmoved:?}");
    store.close().await;
    let check = common::binary::command(&db, &["check"]);
    assert!(check.starts_with("Consistent"), "{check}");
}
