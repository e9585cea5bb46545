//! Shared helpers: a real server in-process on a fresh database, with a test clock and a
//! manual runner, and a small JSON client.
//!
//! The backend: a SQLite file in the test's temporary folder, or, when `JOURNEY_TEST_POSTGRES`
//! names a PostgreSQL server (`scripts/test.sh` starts a throwaway one and runs the suite a
//! second time with it), a fresh database on that server per test. The same tests, both
//! backends.
#![allow(dead_code)]

pub mod binary;

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use journey_core::access::Role;
use journey_server::store::Database;
use journey_server::{Config, RunningServer, TestClock};
use serde_json::{Value, json};

pub struct Harness {
    /// First, so it is dropped first: the check runs while the temporary folder still exists.
    _check: AggregateCheckOnDrop,
    pub server: RunningServer,
    pub clock: TestClock,
    pub http: reqwest::Client,
    pub dir: tempfile::TempDir,
    pub database: Database,
}

/// A fresh, empty database for one test (see the module's doc for which backend).
pub async fn fresh_database(dir: &std::path::Path) -> Database {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let Ok(server) = std::env::var("JOURNEY_TEST_POSTGRES") else {
        return Database::Sqlite(dir.join("journeys.db"));
    };
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("test_{}_{}_{n}", std::process::id(), jiff::Timestamp::now().as_millisecond());
    Database::create_postgres(&server, &name).await.expect("a database on the test PostgreSQL server")
}

/// Whether this run of the suite is on PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var_os("JOURNEY_TEST_POSTGRES").is_some()
}

pub fn ts(s: &str) -> Timestamp {
    s.parse().expect("timestamp")
}

/// Every scenario ends with the maintained aggregates compared with counts recomputed from the
/// rows (`journey-server check`): a drift fails the test that caused it.
pub struct AggregateCheckOnDrop(pub Database);

impl Drop for AggregateCheckOnDrop {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            assert_aggregates_consistent(&self.0);
        }
    }
}

/// Opens the database on its own runtime (callable from `Drop`) and fails on any drift.
pub fn assert_aggregates_consistent(db: &Database) {
    let db = db.clone();
    let check = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async {
            let store = journey_server::store::Store::open(&db, false).await.expect("open the database");
            let check = store.check_aggregates().await.expect("check");
            store.close().await;
            check
        })
    })
    .join()
    .expect("the check ran");
    let drift: Vec<String> = check.drift.iter().map(ToString::to_string).collect();
    assert!(drift.is_empty(), "maintained counts differ from the rows:\n{}", drift.join("\n"));
}

impl Harness {
    /// No demo data, manual runner, clock at `now`, no dist folder.
    pub async fn start(now: &str) -> Harness {
        let dir = tempfile::tempdir().expect("tempdir");
        Harness::start_in(dir, now, |c| c).await
    }

    pub async fn start_in(dir: tempfile::TempDir, now: &str, f: impl FnOnce(Config) -> Config) -> Harness {
        let clock = TestClock::new(ts(now));
        let database = fresh_database(dir.path()).await;
        let config = Config::for_tests(database.clone(), dir.path().join("dist"))
            .without_seed()
            .with_manual_runner()
            .with_clock(Arc::new(clock.clone()));
        let server = journey_server::spawn(f(config)).await.expect("server starts");
        let token = person(&server, Role::Operator, "Olive Operator").await;
        Harness { _check: AggregateCheckOnDrop(database.clone()), server, clock, http: bearer_client(&token), dir, database }
    }

    /// Another server on the same database and clock (a second instance, or the first one
    /// started again), with a manual runner.
    pub async fn another_instance(&self) -> RunningServer {
        let config = Config::for_tests(self.database.clone(), self.dir.path().join("dist"))
            .without_seed()
            .with_manual_runner()
            .with_clock(Arc::new(self.clock.clone()));
        journey_server::spawn(config).await.expect("another instance starts")
    }

    /// A client acting as a new person with this role (through an API token).
    pub async fn client_as(&self, role: Role, name: &str) -> reqwest::Client {
        bearer_client(&person(&self.server, role, name).await)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.server.url(), path)
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let res = self.http.get(self.url(path)).send().await.expect("request");
        decode(res).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let res = self.http.post(self.url(path)).json(&body).send().await.expect("request");
        decode(res).await
    }

    pub async fn post_with(&self, path: &str, body: Value, headers: &[(&str, &str)]) -> (u16, Value) {
        let mut req = self.http.post(self.url(path)).json(&body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        decode(req.send().await.expect("request")).await
    }

    /// POST as another client (another person), with extra headers.
    pub async fn post_by(&self, client: &reqwest::Client, path: &str, body: Value, headers: &[(&str, &str)]) -> (u16, Value) {
        let mut req = client.post(self.url(path)).json(&body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        decode(req.send().await.expect("request")).await
    }

    pub async fn put_by(&self, client: &reqwest::Client, path: &str, body: Value) -> (u16, Value) {
        let res = client.put(self.url(path)).json(&body).send().await.expect("request");
        decode(res).await
    }

    pub async fn post_raw(&self, path: &str, content_type: Option<&str>, body: Vec<u8>) -> (u16, Value) {
        let mut req = self.http.post(self.url(path)).body(body);
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        decode(req.send().await.expect("request")).await
    }

    pub async fn ok(&self, path: &str) -> Value {
        let (status, body) = self.get(path).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    pub async fn ok_post(&self, path: &str, body: Value) -> Value {
        let (status, answer) = self.post(path, body).await;
        assert!((200..300).contains(&status), "POST {path}: {status} {answer}");
        answer
    }

    /// Moves the clock to `to` in steps of `step`, running the due work at each step.
    pub async fn run_until(&self, to: Timestamp, step: SignedDuration) {
        loop {
            let now = self.clock.now_ts();
            self.server.run_due_work(now).await.expect("runner");
            if now >= to {
                break;
            }
            let next = (now + step).min(to);
            self.clock.set(next);
        }
    }

    pub async fn run_now(&self) -> journey_server::RunReport {
        self.server.run_due_work(self.clock.now_ts()).await.expect("runner")
    }

    /// `n` contacts (every `unsub_every`-th unsubscribed if given) in a new data set.
    pub async fn dataset(&self, name: &str, n: usize, unsubscribed: &[usize]) -> (u64, Vec<u64>) {
        let contacts: Vec<Value> = (0..n)
            .map(|i| json!({ "email": format!("{name}-{i}@example.com"), "attributes": { "plan": if i % 2 == 0 { "pro" } else { "free" } }, "subscribed": !unsubscribed.contains(&i) }))
            .collect();
        let ids = self.ok_post("/api/contacts", json!({ "contacts": contacts })).await;
        let ids: Vec<u64> = ids["ids"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
        let ds = self.ok_post("/api/datasets", json!({ "name": name })).await["id"].as_u64().unwrap();
        self.ok_post(&format!("/api/datasets/{ds}/contacts"), json!({ "contact_ids": ids })).await;
        (ds, ids)
    }

    /// Every message-log row of a journey.
    pub async fn messages(&self, journey: u64) -> Vec<Value> {
        let mut out = Vec::new();
        let mut after = 0;
        loop {
            let page = self.ok(&format!("/api/journeys/{journey}/messages?after={after}&limit=10000")).await;
            out.extend(page["messages"].as_array().unwrap().iter().cloned());
            match page["next_after"].as_i64() {
                Some(a) => after = a,
                None => break,
            }
        }
        out
    }

    pub async fn state(&self, journey: u64) -> String {
        self.ok(&format!("/api/journeys/{journey}")).await["state"].as_str().unwrap().to_string()
    }

    /// The journey's latest `applied` activity line (the runner finished an activation's work).
    pub async fn applied_line(&self, journey: u64) -> Value {
        let detail = self.ok(&format!("/api/journeys/{journey}")).await;
        let activity = detail["activity"].as_array().cloned().unwrap_or_default();
        activity.into_iter().rfind(|e| e["action"] == "applied").expect("an applied line")
    }

    pub async fn version(&self, journey: u64) -> u64 {
        self.ok(&format!("/api/journeys/{journey}")).await["version"].as_u64().unwrap()
    }

    pub async fn create(&self, def: Value, publish: bool) -> u64 {
        let mut body = def;
        body["publish"] = json!(publish);
        let (status, answer) = self.post("/api/journeys", body).await;
        assert_eq!(status, 201, "create: {answer}");
        answer["id"].as_u64().unwrap()
    }

    pub async fn activate(&self, journey: u64, mode: &str, wait: &str) -> (u16, Value) {
        let version = self.version(journey).await;
        self.post_with(
            &format!("/api/journeys/{journey}/activate"),
            json!({ "mode": mode, "wait_handling": wait, "expected_version": version }),
            &[("Idempotency-Key", &format!("k-{journey}-{mode}-{version}"))],
        )
        .await
    }
}

/// Adds a person with this role (email from the name, password "a long test password") and
/// returns an API token acting as them.
pub async fn person(server: &RunningServer, role: Role, name: &str) -> String {
    server.person_with_token(role, name).await.expect("person and token")
}

/// A client that sends `Authorization: Bearer <token>` with every request.
pub fn bearer_client(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::AUTHORIZATION, format!("Bearer {token}").parse().expect("header"));
    reqwest::Client::builder().default_headers(headers).build().expect("client")
}

pub trait NowTs {
    fn now_ts(&self) -> Timestamp;
}

impl NowTs for TestClock {
    fn now_ts(&self) -> Timestamp {
        journey_server::Clock::now(self)
    }
}

async fn decode(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let bytes = res.bytes().await.expect("body");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
    };
    (status, body)
}

/// Onboarding-like journey: send welcome, wait `wait_minutes`, send follow-up.
pub fn two_sends(name: &str, dataset: u64, zone: &str, schedule: Value, audience: &str, wait_minutes: u32) -> Value {
    json!({
        "name": name,
        "time_zone": zone,
        "trigger": {
            "source": { "kind": "dataset", "dataset_id": dataset, "name": "Signups" },
            "audience": audience,
            "schedule": schedule,
        },
        "entry": "welcome",
        "nodes": [
            { "id": "welcome", "kind": { "type": "send", "channel": "email", "template": "welcome", "next": "wait" } },
            { "id": "wait", "kind": { "type": "wait", "minutes": wait_minutes, "next": "followup" } },
            { "id": "followup", "kind": { "type": "send", "channel": "sms", "template": "followup", "next": null } },
        ],
    })
}

pub fn daily(time: &str, start: &str) -> Value {
    json!({ "kind": "recurring", "frequency": { "kind": "daily" }, "time_of_day": time, "start_date": start, "end": { "kind": "never" } })
}

pub fn once(at: &str) -> Value {
    json!({ "kind": "once", "at": at })
}
