//! Crash safety: the real server binary, killed with SIGKILL in the middle of sending, then
//! started again on the same database. No message key is logged twice and no due message is
//! lost.

#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use journey_server::store::Store;
use serde_json::{Value, json};

const CONTACTS: usize = 2000;
const SENDS: usize = 5;

/// The server binary's process: killed (SIGKILL) and reaped when dropped, so a failed
/// assertion leaves no server behind.
struct Process(Child);

impl Process {
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Starts the binary on `db`; returns the process and its base URL.
fn start(db: &Path) -> (Process, String) {
    let mut process = Process(
        Command::new(env!("CARGO_BIN_EXE_journey-server"))
            .args(["--database", db.to_str().unwrap(), "--no-seed", "--addr", "127.0.0.1:0", "--dist", "/nonexistent"])
            .args(["--runner-interval-ms", "5", "--runner-batch", "40"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("server binary starts"),
    );
    let mut line = String::new();
    BufReader::new(process.0.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().strip_prefix("Journey console running at ").expect("banner").trim_end_matches('/').to_string();
    (process, url)
}

async fn post(http: &reqwest::Client, url: String, body: Value) -> Value {
    let res = http.post(url).json(&body).send().await.unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    res.json().await.unwrap()
}

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
    let http = reqwest::Client::new();
    let (mut child, url) = start(&db);

    let contacts: Vec<Value> = (0..CONTACTS).map(|i| json!({ "email": format!("c{i}@example.com") })).collect();
    let ids = post(&http, format!("{url}/api/contacts"), json!({ "contacts": contacts })).await["ids"].clone();
    let nodes: Vec<Value> = (0..SENDS)
        .map(|i| {
            json!({ "id": format!("s{i}"), "kind": { "type": "send", "channel": "email", "template": format!("t{i}"),
                         "next": if i + 1 < SENDS { json!(format!("s{}", i + 1)) } else { Value::Null } } })
        })
        .collect();
    let journey = post(
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
        (child, _) = start(&db);
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
