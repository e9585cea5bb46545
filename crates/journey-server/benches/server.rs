//! Server benchmarks: figures printed, nothing asserted about time.
//!
//! ```sh
//! cargo bench -p journey-server --profile server                  # 10 thousand contacts
//! JOURNEY_BENCH_MILLION=1 cargo bench -p journey-server --profile server   # also 1 million
//! JOURNEY_BENCH_CONTACTS=200000 cargo bench -p journey-server --profile server  # one size only
//! ```
//!
//! With `JOURNEY_BENCH_POSTGRES` set to a PostgreSQL server's URL, every size runs on SQLite and
//! then on a fresh database of that server, and a table puts the two side by side; then two
//! runners on that database step the same backlog beside one. A throwaway server with
//! PostgreSQL's durable defaults (fsync on, as SQLite's commits are):
//!
//! ```sh
//! d=$(mktemp -u -d /tmp/bench-pg.XXXXXX); url=$(JOURNEY_PG_DURABLE=1 scripts/pg.sh start $d)
//! JOURNEY_BENCH_POSTGRES=$url cargo bench -p journey-server --profile server --bench server
//! scripts/pg.sh stop $d
//! ```
//! (`--profile server` is the workspace's fast native profile; plain `cargo bench` uses the
//! wasm-tuned release profile, which links far more slowly.)
//!
//! For each size: snapshot request latency over HTTP (p50, p99, max of 200), and of the
//! snapshot projected 4 days ahead (an activation scheduled for then); then, at the same
//! size, Resume (extend_by_pause) and Restart: the time to the answer (the activation's write
//! transaction is within it), the time the runner then takes to apply it to the contacts, and
//! meanwhile the latency of a POST /api/events and of a GET of another journey's snapshot;
//! then the runner's throughput moving the restarted memberships (one message each) beside
//! plain batched INSERTs of the same rows in the same run (the message rows alone, and the
//! message and membership rows a step writes); then a Resume paced evenly over 3 hours of the
//! restarted contacts, all due at the same minute (the time the runner takes to hold them). Peak memory is the
//! process's peak resident set (the server runs in-process), reset before each phase through
//! `/proc/self/clear_refs`.

use std::sync::Arc;
use std::time::Instant;

use jiff::{SignedDuration, Timestamp};
use journey_server::store::{Backend, Database, Placeholders};
use journey_server::{Config, TestClock};
use serde_json::{Value, json};

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

/// Contacts 1 to `n` (`c{id}@example.com`), every `unsubscribed_every`-th unsubscribed if given.
async fn insert_contacts(server: &journey_server::RunningServer, n: i64, now_ms: i64, unsubscribed_every: Option<i64>) {
    let mut tx = server.store().write().await.unwrap();
    let ids: Vec<i64> = (1..=n).collect();
    for chunk in ids.chunks(5000) {
        let sql = format!(
            "INSERT INTO contacts (id, email, attributes, subscribed, created_at) VALUES {}",
            Placeholders::new(server.store().backend()).rows(chunk.len(), "(?, ?, '{}', ?, ?)")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            let subscribed = unsubscribed_every.is_none_or(|k| id % k != 0);
            q = q.bind(*id).bind(format!("c{id}@example.com")).bind(i64::from(subscribed)).bind(now_ms);
        }
        q.execute(&mut *tx).await.unwrap();
    }
    if server.store().backend() == Backend::Postgres {
        // The rows chose their ids: the identity sequence continues after them.
        sqlx::query("SELECT setval(pg_get_serial_sequence('contacts', 'id'), (SELECT MAX(id) FROM contacts))")
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

async fn populate(server: &journey_server::RunningServer, contacts: usize, now: Timestamp) -> u64 {
    let now_ms = now.as_millisecond();
    insert_contacts(server, contacts as i64, now_ms, Some(25)).await;
    let mut tx = server.store().write().await.unwrap();
    sqlx::query("INSERT INTO datasets (id, name, created_at) VALUES (1, 'Everyone', $1)")
        .bind(now_ms)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // PostgreSQL's row triggers update the same counter rows once per row, and a row updated n
    // times in one transaction costs n² (its versions chain until the commit): the bulk rows
    // go in 2,000 contacts per transaction there (SQLite: all at once, as before).
    let step = if server.store().backend() == Backend::Postgres { 2_000 } else { contacts as i64 };
    let ranges: Vec<(i64, i64)> =
        (0..contacts as i64).step_by(step as usize).map(|a| (a, (a + step).min(contacts as i64))).collect();
    for (after, up_to) in &ranges {
        let mut tx = server.store().write().await.unwrap();
        sqlx::query("INSERT INTO dataset_members (dataset_id, contact_id) SELECT 1, id FROM contacts WHERE id > $1 AND id <= $2")
            .bind(after)
            .bind(up_to)
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
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
    sqlx::query("UPDATE journeys SET state = 'paused', generation = 1, runs_in_generation = 10, frozen_at = $1, paused_at = $2, next_run_at = NULL WHERE id = $3")
        .bind(now_ms - 86_400_000)
        .bind(now_ms - 86_400_000)
        .bind(id)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    for (after, up_to) in &ranges {
        let mut tx = server.store().write().await.unwrap();
        sqlx::query(
            "INSERT INTO memberships (journey_id, contact_id, generation, iteration, node, status, wait_until, entered_at, updated_at)
             SELECT $1, id, 1, 1 + id % 10, 'wait', 'waiting', $2 + (id % 4320) * 60000, $2 - 86400000, $2 FROM contacts
             WHERE id % 5 < 3 AND id % 25 <> 0 AND id > $3 AND id <= $4",
        )
        .bind(id)
        .bind((now_ms / 60_000) * 60_000 - 2 * 86_400_000)
        .bind(after)
        .bind(up_to)
        .execute(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO message_log (journey_id, generation, iteration, contact_id, node_id, message_key, channel, template, created_at, delivered_at, delivery_state, attempts)
             SELECT journey_id, 1, iteration, contact_id, 'welcome', 'j' || journey_id || '/g1/i' || iteration || '/c' || contact_id || '/welcome', 'email', 'w', $1, $1, 'delivered', 1
             FROM memberships WHERE journey_id = $2 AND contact_id > $3 AND contact_id <= $4",
        )
        .bind(now_ms - 3 * 86_400_000)
        .bind(id)
        .bind(after)
        .bind(up_to)
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let mut tx = server.store().write().await.unwrap();
    if server.store().backend() == Backend::Postgres {
        // The data set above chose its id: the identity sequence continues after it.
        sqlx::query("SELECT setval(pg_get_serial_sequence('datasets', 'id'), (SELECT MAX(id) FROM datasets))")
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    sqlx::query("ANALYZE").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    id as u64
}

/// The figures the side-by-side table shows.
#[derive(Debug, Default, Clone)]
struct Figures {
    populate_s: f64,
    snapshot: String,
    snapshot_store: String,
    snapshot_projected: String,
    resume_answer_ms: f64,
    resume_apply_s: f64,
    restart_answer_ms: f64,
    restart_apply_s: f64,
    events_during_work: String,
    runner_per_s: f64,
    runner_vs_baseline: f64,
    check_s: f64,
    paced_hold_s: f64,
}

/// A fresh database for one run: a SQLite file in `dir`, or a new database on the PostgreSQL
/// server at `server`.
async fn fresh_database(dir: &std::path::Path, server: Option<&str>) -> Database {
    let Some(server) = server else { return Database::Sqlite(dir.join("bench.db")) };
    let name = format!("bench_{}_{}", std::process::id(), Timestamp::now().as_millisecond());
    Database::create_postgres(server, &name).await.expect("a database on the PostgreSQL server")
}

/// p50, p99 and max of latencies in milliseconds.
fn percentiles(mut ms: Vec<f64>) -> String {
    if ms.is_empty() {
        return "no samples".into();
    }
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() as f64 * q).ceil() as usize).clamp(1, ms.len()) - 1];
    format!("p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} samples)", at(0.5), at(0.99), ms[ms.len() - 1], ms.len())
}

/// While it runs: a POST /api/events and a GET of another journey's snapshot, one after the
/// other, as fast as they answer. Returns both latency lists when `stop` is set.
fn probe(
    http: reqwest::Client,
    base: String,
    other: u64,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> tokio::task::JoinHandle<(Vec<f64>, Vec<f64>)> {
    tokio::spawn(async move {
        let (mut events, mut snapshots) = (Vec::new(), Vec::new());
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            let t = Instant::now();
            let res =
                http.post(format!("{base}/api/events")).json(&json!({ "contact_id": 1, "name": "probe" })).send().await.unwrap();
            assert!(res.status().is_success(), "event: {}", res.status());
            events.push(t.elapsed().as_secs_f64() * 1000.0);
            let t = Instant::now();
            let res = http.get(format!("{base}/api/journeys/{other}/snapshot")).send().await.unwrap();
            assert!(res.status().is_success(), "snapshot: {}", res.status());
            res.bytes().await.unwrap();
            snapshots.push(t.elapsed().as_secs_f64() * 1000.0);
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        (events, snapshots)
    })
}

async fn bench(contacts: usize, postgres: Option<&str>) -> Figures {
    let mut figures = Figures::default();
    let dir = tempfile::tempdir().unwrap();
    let database = fresh_database(dir.path(), postgres).await;
    let backend = if postgres.is_some() { "PostgreSQL" } else { "SQLite" };
    println!("\n== {contacts} contacts, {backend} ==");
    let now: Timestamp = "2026-01-15T10:00:00Z".parse().unwrap();
    let clock = TestClock::new(now);
    let config = Config::for_tests(database, dir.path().join("dist"))
        .without_seed()
        .with_manual_runner()
        .with_manual_delivery()
        .with_clock(Arc::new(clock.clone()));
    let server = journey_server::spawn(config).await.unwrap();
    let started = Instant::now();
    let id = populate(&server, contacts, now).await;
    figures.populate_s = started.elapsed().as_secs_f64();
    println!("populate: {:.1} s", figures.populate_s);
    let http = operator_client(&server, "Bench Reader").await;
    let base = server.url();
    // Another journey on the same data set (a Draft), whose snapshot the probe reads.
    let mut other_def: Value = http.get(format!("{base}/api/journeys/{id}")).send().await.unwrap().json().await.unwrap();
    other_def = other_def["definition"].clone();
    other_def["name"] = json!("Bench other");
    let other: Value = http.post(format!("{base}/api/journeys")).json(&other_def).send().await.unwrap().json().await.unwrap();
    let other = other["id"].as_u64().unwrap();

    reset_peak();
    let mut times = Vec::new();
    let mut size = 0;
    for _ in 0..200 {
        let t = Instant::now();
        let body = http.get(format!("{base}/api/journeys/{id}/snapshot")).send().await.unwrap().bytes().await.unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        size = body.len();
    }
    figures.snapshot = percentiles(times);
    println!("snapshot: {}, {} bytes; peak RSS {:.0} MB", figures.snapshot, size, peak_rss_mb());
    // The same, without HTTP: the store's reads and journey-core's bucketing only.
    let mut store_times = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let mut tx = server.store().read_tx().await.unwrap();
        let rec = journey_server::store::journey(&mut tx, id as i64).await.unwrap().unwrap();
        let snapshot = journey_server::store::snapshot(&mut tx, &rec, now).await.unwrap();
        drop(tx);
        std::hint::black_box(snapshot);
        store_times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    figures.snapshot_store = percentiles(store_times);
    println!("  of which the store: {}", figures.snapshot_store);
    // The summary of an activation four days ahead: the snapshot projected to it (`?at=`),
    // beside the one above.
    let ahead = now + SignedDuration::from_hours(4 * 24);
    let mut projected_times = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let res = http.get(format!("{base}/api/journeys/{id}/snapshot?at={ahead}")).send().await.unwrap();
        assert!(res.status().is_success(), "projected snapshot: {}", res.status());
        res.bytes().await.unwrap();
        projected_times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    figures.snapshot_projected = percentiles(projected_times);
    println!("snapshot projected 4 days ahead: {}", figures.snapshot_projected);

    for (mode, wait) in [("resume", "extend_by_pause"), ("restart", "keep_deadlines")] {
        let detail: Value = http.get(format!("{base}/api/journeys/{id}")).send().await.unwrap().json().await.unwrap();
        let version = detail["version"].as_u64().unwrap();
        reset_peak();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let probing = probe(http.clone(), base.clone(), other, stop.clone());
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let t = Instant::now();
        let res: Value = http
            .post(format!("{base}/api/journeys/{id}/activate"))
            .json(&json!({ "mode": mode, "wait_handling": wait, "expected_version": version }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let answered = t.elapsed().as_secs_f64() * 1000.0;
        assert!(res["counts"].is_object(), "{mode}: {res}");
        let t = Instant::now();
        server.apply_activation_work(journey_server::Clock::now(&clock)).await.unwrap();
        let applied = t.elapsed().as_secs_f64();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let (events, snapshots) = probing.await.unwrap();
        println!(
            "activate {mode} ({wait}): answered in {answered:.0} ms (its transaction, the write lock, is within that), counts {}",
            res["counts"]
        );
        println!("  then applied to the contacts by the runner in {applied:.1} s, in transactions of 500 contacts");
        if mode == "resume" {
            (figures.resume_answer_ms, figures.resume_apply_s) = (answered, applied);
        } else {
            (figures.restart_answer_ms, figures.restart_apply_s) = (answered, applied);
            figures.events_during_work = percentiles(events.clone());
        }
        println!("  meanwhile POST /api/events: {}", percentiles(events));
        println!("  meanwhile GET another journey's snapshot: {}; peak RSS {:.0} MB", percentiles(snapshots), peak_rss_mb());
        if mode == "resume" {
            let t = Instant::now();
            let report = server.run_due_work(journey_server::Clock::now(&clock)).await.unwrap();
            println!("  runner after resume: {} memberships moved in {:.1} s", report.advanced, t.elapsed().as_secs_f64());
            http.post(format!("{base}/api/journeys/{id}/pause")).json(&json!({})).send().await.unwrap();
            clock.advance(SignedDuration::from_mins(10));
        }
    }

    reset_peak();
    let t = Instant::now();
    let report = server.run_due_work(journey_server::Clock::now(&clock)).await.unwrap();
    let secs = t.elapsed().as_secs_f64();
    let runner_rate = report.logged as f64 / secs;
    println!(
        "runner: {} memberships advanced, {} messages logged in {:.1} s = {:.0} memberships/s, {:.0} messages/s; peak RSS {:.0} MB",
        report.advanced,
        report.logged,
        secs,
        report.advanced as f64 / secs,
        runner_rate,
        peak_rss_mb()
    );
    figures.runner_per_s = report.advanced as f64 / secs;

    // A paced Resume of the restarted contacts, whose two-day waits all end at the same
    // minute: the backlog held in its order (deadline, then membership), a batch per
    // transaction; one group of equal deadlines is the worst case for that order.
    let version = |http: reqwest::Client, base: String| async move {
        let detail: Value = http.get(format!("{base}/api/journeys/{id}")).send().await.unwrap().json().await.unwrap();
        detail["version"].as_u64().unwrap()
    };
    let v = version(http.clone(), base.clone()).await;
    http.post(format!("{base}/api/journeys/{id}/pause")).json(&json!({ "expected_version": v })).send().await.unwrap();
    clock.advance(SignedDuration::from_hours(49));
    let v = version(http.clone(), base.clone()).await;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let probing = probe(http.clone(), base.clone(), other, stop.clone());
    let t = Instant::now();
    let res: Value = http
        .post(format!("{base}/api/journeys/{id}/activate"))
        .json(&json!({ "mode": "resume", "release": { "kind": "spread_over", "hours": 3 }, "expected_version": v }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let answered = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    server.apply_activation_work(journey_server::Clock::now(&clock)).await.unwrap();
    let held = t.elapsed().as_secs_f64();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (events, _) = probing.await.unwrap();
    println!(
        "paced resume (evenly over 3 hours) of {} overdue contacts due at the same minute: answered in {answered:.0} ms, held by the runner in {held:.1} s",
        res["counts"]["overdue"]
    );
    println!("  meanwhile POST /api/events: {}", percentiles(events));
    figures.paced_hold_s = held;

    let t = Instant::now();
    let check = server.store().check_aggregates().await.unwrap();
    figures.check_s = t.elapsed().as_secs_f64();
    println!(
        "journey-server check: {} counts compared with the rows in {:.1} s, {} differ",
        check.compared,
        t.elapsed().as_secs_f64(),
        check.drift.len()
    );
    let (messages_rate, both_rate) = raw_insert_rates(&server, id).await;
    println!(
        "baseline, in the same run: plain batched INSERTs (500 rows per statement and transaction) of the same {} message rows: {:.0}/s (the runner: {:.2}x); of the same message and membership rows, one of each per step: {:.0} steps/s (the runner: {:.2}x)",
        report.logged,
        messages_rate,
        runner_rate / messages_rate,
        both_rate,
        report.advanced as f64 / secs / both_rate,
    );
    figures.runner_vs_baseline = report.advanced as f64 / secs / both_rate;
    server.shutdown().await;
    figures
}

/// Both backends at one size, then the table.
async fn both(contacts: usize) {
    let postgres = std::env::var("JOURNEY_BENCH_POSTGRES").ok();
    let sqlite = bench(contacts, None).await;
    let Some(url) = postgres.as_deref() else { return };
    let pg = bench(contacts, Some(url)).await;
    println!("\n-- {contacts} contacts, side by side --");
    println!("| figure | SQLite | PostgreSQL |\n| --- | --- | --- |");
    let row = |name: &str, a: String, b: String| println!("| {name} | {a} | {b} |");
    row("populate (s)", format!("{:.1}", sqlite.populate_s), format!("{:.1}", pg.populate_s));
    row("snapshot over HTTP", sqlite.snapshot.clone(), pg.snapshot.clone());
    row("  of which the store", sqlite.snapshot_store.clone(), pg.snapshot_store.clone());
    row("snapshot projected 4 days ahead", sqlite.snapshot_projected.clone(), pg.snapshot_projected.clone());
    row("Resume answered (ms)", format!("{:.0}", sqlite.resume_answer_ms), format!("{:.0}", pg.resume_answer_ms));
    row("  then applied (s)", format!("{:.1}", sqlite.resume_apply_s), format!("{:.1}", pg.resume_apply_s));
    row("Restart answered (ms)", format!("{:.0}", sqlite.restart_answer_ms), format!("{:.0}", pg.restart_answer_ms));
    row("  then applied (s)", format!("{:.1}", sqlite.restart_apply_s), format!("{:.1}", pg.restart_apply_s));
    row("events while a Restart is applied", sqlite.events_during_work.clone(), pg.events_during_work.clone());
    row("runner (memberships/s)", format!("{:.0}", sqlite.runner_per_s), format!("{:.0}", pg.runner_per_s));
    row(
        "  vs plain INSERTs of its rows, same backend",
        format!("{:.2}x", sqlite.runner_vs_baseline),
        format!("{:.2}x", pg.runner_vs_baseline),
    );
    row("journey-server check (s)", format!("{:.1}", sqlite.check_s), format!("{:.1}", pg.check_s));
    row("paced Resume: backlog held (s)", format!("{:.1}", sqlite.paced_hold_s), format!("{:.1}", pg.paced_hold_s));
}

/// The baselines for the runner: the rows it just wrote for `journey` (generation 2) written
/// again with plain multi-row INSERTs, 500 rows per statement and per transaction (the
/// runner's batch), into copies of the tables with the same columns and indexes and no
/// triggers: the message rows alone, then the message and membership rows together (a step
/// writes one of each). Returns both rates (rows per second, steps per second).
async fn raw_insert_rates(server: &journey_server::RunningServer, journey: u64) -> (f64, f64) {
    type Message = (i64, i64, i64, i64, String, String, String, String, Option<String>, i64);
    type Membership = (i64, i64, i64, i64, String, String, Option<i64>, i64, i64);
    let messages: Vec<Message> = sqlx::query_as(
        "SELECT journey_id, generation, iteration, contact_id, node_id, message_key, channel, template, recipient, created_at
         FROM message_log WHERE journey_id = $1 AND generation = 2 ORDER BY id",
    )
    .bind(journey as i64)
    .fetch_all(server.store().pool())
    .await
    .unwrap();
    let memberships: Vec<Membership> = sqlx::query_as(
        "SELECT journey_id, contact_id, generation, iteration, node, status, wait_until, entered_at, updated_at
         FROM memberships WHERE journey_id = $1 AND generation = 2 ORDER BY id",
    )
    .bind(journey as i64)
    .fetch_all(server.store().pool())
    .await
    .unwrap();
    let mut tx = server.store().write().await.unwrap();
    for ddl in [
        "CREATE TABLE message_copy AS SELECT * FROM message_log WHERE 1 = 0",
        "CREATE UNIQUE INDEX message_copy_key ON message_copy (message_key)",
        "CREATE UNIQUE INDEX message_copy_position ON message_copy (journey_id, generation, iteration, contact_id, node_id)",
        "CREATE INDEX message_copy_contact ON message_copy (journey_id, contact_id)",
        "CREATE INDEX message_copy_due ON message_copy (next_attempt_at, id) WHERE delivery_state IN ('queued', 'retrying')",
        "CREATE INDEX message_copy_delivery ON message_copy (journey_id, delivery_state, id)",
        "CREATE TABLE membership_copy AS SELECT * FROM memberships WHERE 1 = 0",
        "CREATE UNIQUE INDEX membership_copy_live ON membership_copy (journey_id, contact_id) WHERE status IN ('ready', 'waiting')",
        "CREATE INDEX membership_copy_status ON membership_copy (journey_id, status, wait_until, node)",
        "CREATE INDEX membership_copy_generation ON membership_copy (journey_id, generation, contact_id)",
        "CREATE INDEX membership_copy_contact ON membership_copy (contact_id)",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(ddl)).execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    let insert_messages = |chunk: &[Message], journey_offset: i64| {
        let sql = format!(
            "INSERT INTO message_copy (journey_id, generation, iteration, contact_id, node_id, message_key, channel, template, recipient, created_at, next_attempt_at, delivery_state, attempts) VALUES {}",
            Placeholders::new(server.store().backend()).rows(chunk.len(), "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', 0)")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for r in chunk {
            q = q
                .bind(r.0 + journey_offset)
                .bind(r.1)
                .bind(r.2)
                .bind(r.3)
                .bind(r.4.clone())
                .bind(format!("{}/{journey_offset}", r.5))
                .bind(r.6.clone())
                .bind(r.7.clone())
                .bind(r.8.clone())
                .bind(r.9)
                .bind(r.9);
        }
        q
    };
    let t = Instant::now();
    for chunk in messages.chunks(500) {
        let mut tx = server.store().write().await.unwrap();
        insert_messages(chunk, 0).execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();
    }
    let messages_rate = messages.len() as f64 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    for (m, p) in messages.chunks(500).zip(memberships.chunks(500)) {
        let mut tx = server.store().write().await.unwrap();
        insert_messages(m, 1_000_000).execute(&mut *tx).await.unwrap();
        let sql = format!(
            "INSERT INTO membership_copy (journey_id, contact_id, generation, iteration, node, status, wait_until, entered_at, updated_at) VALUES {}",
            Placeholders::new(server.store().backend()).rows(p.len(), "(?, ?, ?, ?, ?, ?, ?, ?, ?)")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for r in p {
            q = q.bind(r.0).bind(r.1).bind(r.2).bind(r.3).bind(&r.4).bind(&r.5).bind(r.6).bind(r.7).bind(r.8);
        }
        q.execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();
    }
    let both_rate = messages.len().min(memberships.len()) as f64 / t.elapsed().as_secs_f64();
    (messages_rate, both_rate)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        if let Some(n) = std::env::var("JOURNEY_BENCH_CONTACTS").ok().and_then(|n| n.parse().ok()) {
            both(n).await;
        } else {
            if std::env::var("JOURNEY_BENCH_SKIP_SMALL").is_err() {
                both(10_000).await;
            }
            if std::env::var("JOURNEY_BENCH_MILLION").is_ok() {
                both(1_000_000).await;
            } else {
                println!("\n(set JOURNEY_BENCH_MILLION=1 for the 1-million-contact figures)");
            }
        }
        if let Ok(url) = std::env::var("JOURNEY_BENCH_POSTGRES") {
            instances(&url).await;
        } else {
            println!("(set JOURNEY_BENCH_POSTGRES to a PostgreSQL URL for the same figures on PostgreSQL, side by side)");
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

/// Several instances on one PostgreSQL database: the runner's throughput with two runners
/// (two in-process servers, each its own pools) stepping the same kind of backlog as one.
async fn instances(postgres: &str) {
    const JOURNEYS: usize = 4;
    const PER_JOURNEY: i64 = 25_000;
    println!("\n== runners on one PostgreSQL database: {JOURNEYS} journeys x {PER_JOURNEY} due memberships ==");
    let dir = tempfile::tempdir().unwrap();
    let database = fresh_database(dir.path(), Some(postgres)).await;
    let now: Timestamp = "2026-01-15T10:00:00Z".parse().unwrap();
    let clock = TestClock::new(now);
    let start = |name: &str| {
        let config = Config::for_tests(database.clone(), dir.path().join(name))
            .without_seed()
            .with_manual_runner()
            .with_manual_delivery()
            .with_clock(Arc::new(clock.clone()));
        journey_server::spawn(config)
    };
    let first = start("a").await.unwrap();
    let second = start("b").await.unwrap();
    let http = operator_client(&first, "Bench Instances").await;
    let now_ms = now.as_millisecond();
    insert_contacts(&first, PER_JOURNEY, now_ms, None).await;
    // A backlog: `JOURNEYS` active event journeys, every contact ready at a send node that ends.
    let backlog = || async {
        let mut journeys = Vec::new();
        for j in 0..JOURNEYS {
            let def = json!({
                "name": format!("Instances {j}"), "time_zone": "UTC", "publish": true,
                "trigger": { "source": { "kind": "event", "event_name": "never" }, "audience": "all_users", "schedule": null },
                "entry": "hello",
                "nodes": [ { "id": "hello", "kind": { "type": "send", "channel": "email", "template": "h", "next": null } } ],
            });
            let created: Value =
                http.post(format!("{}/api/journeys", first.url())).json(&def).send().await.unwrap().json().await.unwrap();
            journeys.push(created["id"].as_i64().unwrap());
        }
        let mut tx = first.store().write().await.unwrap();
        for id in &journeys {
            sqlx::query(
                "INSERT INTO memberships (journey_id, contact_id, generation, iteration, node, status, entered_at, updated_at)
                 SELECT $1, id, 1, 1, 'hello', 'ready', $2, $2 FROM contacts",
            )
            .bind(id)
            .bind(now_ms)
            .execute(&mut *tx)
            .await
            .unwrap();
        }
        sqlx::query("ANALYZE").execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();
    };
    let due = || async {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE status = 'ready'")
            .fetch_one(first.store().pool())
            .await
            .unwrap();
        n
    };
    let total = JOURNEYS as f64 * PER_JOURNEY as f64;

    backlog().await;
    let t = Instant::now();
    while due().await > 0 {
        first.run_due_work(now).await.unwrap();
    }
    let one = total / t.elapsed().as_secs_f64();
    println!("one runner: {total:.0} memberships stepped (one message each) at {one:.0}/s");

    backlog().await;
    let t = Instant::now();
    while due().await > 0 {
        let (a, b) = tokio::join!(first.run_due_work(now), second.run_due_work(now));
        a.unwrap();
        b.unwrap();
    }
    let two = total / t.elapsed().as_secs_f64();
    println!("two runners on the same database: {total:.0} memberships at {two:.0}/s ({:.2}x one)", two / one);
    // One runner again, on a database as warm as the two had it.
    backlog().await;
    let t = Instant::now();
    while due().await > 0 {
        first.run_due_work(now).await.unwrap();
    }
    let again = total / t.elapsed().as_secs_f64();
    println!("one runner again: {again:.0}/s (two runners: {:.2}x this)", two / again);
    let check = first.store().check_aggregates().await.unwrap();
    println!("journey-server check afterwards: {} counts compared, {} differ", check.compared, check.drift.len());
    first.shutdown().await;
    second.shutdown().await;
}
