//! Overload benchmark: `/api/health` latency idle (the baseline) and while 100 imports of
//! 10,000 contacts and 400 snapshot reads arrive at once; and what those requests were
//! answered (created, 503 busy, anything else). Figures printed, nothing asserted about time.
//!
//! ```sh
//! cargo bench -p journey-server --profile server --bench overload
//! ```

use std::time::{Duration, Instant};

use journey_server::Config;
use serde_json::{Value, json};

const IMPORTS: usize = 100;
const PER_IMPORT: usize = 10_000;
const READS: usize = 400;

fn percentiles(mut v: Vec<Duration>) -> String {
    v.sort();
    let at = |p: f64| v[((v.len() as f64 - 1.0) * p).round() as usize];
    format!("p50 {:>7.2?}  p99 {:>7.2?}  max {:>7.2?}  ({} calls)", at(0.5), at(0.99), at(1.0), v.len())
}

async fn health_once(http: &reqwest::Client, url: &str) -> Duration {
    let started = Instant::now();
    let res = http.get(url).send().await.expect("health answers");
    assert_eq!(res.status(), 200);
    let _ = res.bytes().await;
    started.elapsed()
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::for_tests(dir.path().join("bench.db"), dir.path().join("dist")).with_demo_contacts(1_000);
    let server = journey_server::spawn(config).await.unwrap();
    let http = operator_client(&server).await;
    let health = format!("{}/api/health", server.url());
    let list: Value = http.get(format!("{}/api/journeys", server.url())).send().await.unwrap().json().await.unwrap();
    let journey = list["rows"][0]["id"].as_u64().unwrap();

    let mut idle = Vec::new();
    for _ in 0..200 {
        idle.push(health_once(&http, &health).await);
    }

    let mut tasks = tokio::task::JoinSet::new();
    let started = Instant::now();
    for i in 0..IMPORTS {
        let contacts: Vec<Value> =
            (0..PER_IMPORT).map(|j| json!({ "email": format!("bench{}@example.com", i * PER_IMPORT + j) })).collect();
        let (http, url) = (http.clone(), format!("{}/api/contacts", server.url()));
        tasks.spawn(
            async move { http.post(url).json(&json!({ "contacts": contacts })).send().await.map(|r| r.status().as_u16()) },
        );
    }
    for _ in 0..READS {
        let (http, url) = (http.clone(), format!("{}/api/journeys/{journey}/snapshot", server.url()));
        tasks.spawn(async move { http.get(url).send().await.map(|r| r.status().as_u16()) });
    }
    let mut loaded = Vec::new();
    let mut statuses = std::collections::BTreeMap::new();
    let mut count = |done: Result<Result<u16, reqwest::Error>, tokio::task::JoinError>| {
        let status = done.unwrap().map(|s| s.to_string()).unwrap_or_else(|e| {
            let cause = std::error::Error::source(&e).map(|c| format!("{c:?}")).unwrap_or_default();
            format!("error: {}", cause.chars().take(160).collect::<String>())
        });
        *statuses.entry(status).or_insert(0) += 1;
    };
    while !tasks.is_empty() && loaded.len() < 20_000 {
        loaded.push(health_once(&http, &health).await);
        tokio::time::sleep(Duration::from_millis(10)).await;
        while let Some(done) = tasks.try_join_next() {
            count(done);
        }
        if started.elapsed() > Duration::from_secs(600) {
            break;
        }
    }
    let elapsed = started.elapsed();
    while let Some(done) = tasks.join_next().await {
        count(done);
    }
    println!("overload: {IMPORTS} imports of {PER_IMPORT} contacts + {READS} snapshot reads at once, done in {elapsed:.1?}");
    println!("  answers by status (imports and reads together): {statuses:?}");
    println!("  /api/health idle (baseline): {}", percentiles(idle));
    println!("  /api/health under overload:  {}", percentiles(loaded));
    server.shutdown().await;
}

/// A client acting as an operator (through an API token).
async fn operator_client(server: &journey_server::RunningServer) -> reqwest::Client {
    let token = server.person_with_token(journey_core::access::Role::Operator, "Bench Operator").await.unwrap();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::AUTHORIZATION, format!("Bearer {token}").parse().unwrap());
    reqwest::Client::builder().default_headers(headers).build().unwrap()
}
