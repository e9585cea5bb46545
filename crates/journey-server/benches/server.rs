//! Server benchmarks: figures printed, nothing asserted about time.
//!
//! ```sh
//! cargo bench -p journey-server --profile server                  # 10 thousand contacts
//! JOURNEY_BENCH_MILLION=1 cargo bench -p journey-server --profile server   # also 1 million
//! ```
//! (`--profile server` is the workspace's fast native profile; plain `cargo bench` uses the
//! wasm-tuned release profile, which links far more slowly.)
//!
//! For each size: snapshot request latency over HTTP; then, at the same size, activation time
//! for Resume and for Restart, and the runner's throughput moving the restarted memberships
//! (each sends two messages). Peak memory is the process's peak resident set (the server runs
//! in-process), reset before each phase through `/proc/self/clear_refs`.

use std::sync::Arc;
use std::time::Instant;

use jiff::{SignedDuration, Timestamp};
use journey_server::{Config, TestClock};
use serde_json::{Value, json};
use sqlx::{QueryBuilder, Sqlite};

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

async fn populate(server: &journey_server::RunningServer, contacts: usize, now: Timestamp) -> u64 {
    let pool = server.store().pool();
    let mut tx = server.store().write().await.unwrap();
    let now_ms = now.as_millisecond();
    let ids: Vec<i64> = (1..=contacts as i64).collect();
    for chunk in ids.chunks(5000) {
        let mut qb: QueryBuilder<Sqlite> =
            QueryBuilder::new("INSERT INTO contacts (id, email, attributes, subscribed, created_at) ");
        qb.push_values(chunk, |mut b, id| {
            b.push_bind(*id)
                .push_bind(format!("c{id}@example.com"))
                .push("'{}'")
                .push_bind(i64::from(id % 25 != 0))
                .push_bind(now_ms);
        });
        qb.build().execute(&mut *tx).await.unwrap();
    }
    sqlx::query("INSERT INTO datasets (id, name, created_at) VALUES (1, 'Everyone', ?)")
        .bind(now_ms)
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("INSERT INTO dataset_members (dataset_id, contact_id) SELECT 1, id FROM contacts")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let def = json!({
        "name": "Bench", "time_zone": "Asia/Kolkata", "publish": true,
        "trigger": { "source": { "kind": "dataset", "dataset_id": 1, "name": "Everyone" }, "audience": "new_users",
                     "schedule": { "kind": "recurring", "frequency": { "kind": "daily" }, "time_of_day": "14:00", "start_date": "2025-12-01", "end": { "kind": "never" } } },
        "entry": "welcome",
        "nodes": [
            { "id": "welcome", "kind": { "type": "send", "channel": "email", "template": "w", "next": "wait" } },
            { "id": "wait", "kind": { "type": "wait", "minutes": 2880, "next": "followup" } },
            { "id": "followup", "kind": { "type": "send", "channel": "sms", "template": "f", "next": null } },
        ],
    });
    let http = operator_client(server, "Bench Populate").await;
    let created: Value =
        http.post(format!("{}/api/journeys", server.url())).json(&def).send().await.unwrap().json().await.unwrap();
    let id = created["id"].as_i64().unwrap();
    // 60% of the contacts in flight at the wait, deadlines spread over three days around now;
    // each got the welcome message. Then the journey is paused.
    let mut tx = server.store().write().await.unwrap();
    sqlx::query("UPDATE journeys SET state = 'paused', generation = 1, runs_in_generation = 10, frozen_at = ?, paused_at = ?, next_run_at = NULL WHERE id = ?")
        .bind(now_ms - 86_400_000)
        .bind(now_ms - 86_400_000)
        .bind(id)
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO memberships (journey_id, contact_id, generation, iteration, node, status, wait_until, entered_at, updated_at)
         SELECT ?1, id, 1, 1 + id % 10, 'wait', 'waiting', ?2 + (id % 4320) * 60000, ?2 - 86400000, ?2 FROM contacts WHERE id % 5 < 3 AND id % 25 <> 0",
    )
    .bind(id)
    .bind((now_ms / 60_000) * 60_000 - 2 * 86_400_000)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO message_log (journey_id, generation, iteration, contact_id, node_id, message_key, channel, template, created_at, delivered_at, delivery_state, attempts)
         SELECT journey_id, 1, iteration, contact_id, 'welcome', 'j' || journey_id || '/g1/i' || iteration || '/c' || contact_id || '/welcome', 'email', 'w', ?1, ?1, 'delivered', 1
         FROM memberships WHERE journey_id = ?2",
    )
    .bind(now_ms - 3 * 86_400_000)
    .bind(id)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    sqlx::query("ANALYZE").execute(pool).await.unwrap();
    id as u64
}

async fn bench(contacts: usize) {
    println!("\n== {contacts} contacts ==");
    let dir = tempfile::tempdir().unwrap();
    let now: Timestamp = "2026-01-15T10:00:00Z".parse().unwrap();
    let clock = TestClock::new(now);
    let config = Config::for_tests(dir.path().join("bench.db"), dir.path().join("dist"))
        .without_seed()
        .with_manual_runner()
        .with_manual_delivery()
        .with_clock(Arc::new(clock.clone()));
    let server = journey_server::spawn(config).await.unwrap();
    let started = Instant::now();
    let id = populate(&server, contacts, now).await;
    println!("populate: {:.1} s", started.elapsed().as_secs_f64());
    let http = operator_client(&server, "Bench Reader").await;
    let base = server.url();

    reset_peak();
    let mut times = Vec::new();
    let mut size = 0;
    for _ in 0..15 {
        let t = Instant::now();
        let body = http.get(format!("{base}/api/journeys/{id}/snapshot")).send().await.unwrap().bytes().await.unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        size = body.len();
    }
    times.sort_by(f64::total_cmp);
    println!(
        "snapshot: p50 {:.1} ms, max {:.1} ms, {} bytes; peak RSS {:.0} MB",
        times[times.len() / 2],
        times[times.len() - 1],
        size,
        peak_rss_mb()
    );

    let activate = |mode: &'static str| {
        let http = http.clone();
        let base = base.clone();
        async move {
            let detail: Value = http.get(format!("{base}/api/journeys/{id}")).send().await.unwrap().json().await.unwrap();
            let version = detail["version"].as_u64().unwrap();
            reset_peak();
            let t = Instant::now();
            let res: Value = http
                .post(format!("{base}/api/journeys/{id}/activate"))
                .json(&json!({ "mode": mode, "wait_handling": "extend_by_pause", "expected_version": version }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            println!(
                "activate {mode}: {:.0} ms, counts {}; peak RSS {:.0} MB",
                t.elapsed().as_secs_f64() * 1000.0,
                res["counts"],
                peak_rss_mb()
            );
        }
    };
    activate("resume").await;
    http.post(format!("{base}/api/journeys/{id}/pause")).send().await.unwrap();
    clock.advance(SignedDuration::from_mins(10));
    activate("restart").await;

    reset_peak();
    let t = Instant::now();
    let report = server.run_due_work(journey_server::Clock::now(&clock)).await.unwrap();
    let secs = t.elapsed().as_secs_f64();
    println!(
        "runner: {} memberships advanced, {} messages logged in {:.1} s = {:.0} memberships/s, {:.0} messages/s; peak RSS {:.0} MB",
        report.advanced,
        report.logged,
        secs,
        report.advanced as f64 / secs,
        report.logged as f64 / secs,
        peak_rss_mb()
    );
    server.shutdown().await;
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        if std::env::var("JOURNEY_BENCH_SKIP_SMALL").is_err() {
            bench(10_000).await;
        }
        if std::env::var("JOURNEY_BENCH_MILLION").is_ok() {
            bench(1_000_000).await;
        } else {
            println!("\n(set JOURNEY_BENCH_MILLION=1 for the 1-million-contact figures)");
        }
    });
}

/// A client acting as an operator (through an API token).
async fn operator_client(server: &journey_server::RunningServer, name: &str) -> reqwest::Client {
    let token = server.person_with_token(journey_core::access::Role::Operator, name).await.unwrap();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::AUTHORIZATION, format!("Bearer {token}").parse().unwrap());
    reqwest::Client::builder().default_headers(headers).build().unwrap()
}
