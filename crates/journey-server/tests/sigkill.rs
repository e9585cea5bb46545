//! Crash safety: the real server binary, killed with SIGKILL in the middle of sending, then
//! started again on the same database. No message key is logged twice and no due message is
//! lost.

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
    let db = dir.path().join("journeys.db");
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
