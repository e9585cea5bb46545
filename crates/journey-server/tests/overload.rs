//! Overload degrades with 503 and `Retry-After`, never 500: many large imports at once (one
//! writer, a short write wait) and hundreds of snapshot reads, while `/api/health` keeps
//! answering from memory. Timings are printed, not asserted (shared machines are noisy).

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};

const T0: &str = "2026-01-01T08:00:00Z";

/// One import of `n` new contacts, numbered from `first`.
fn import(first: usize, n: usize) -> Value {
    let contacts: Vec<Value> = (first..first + n).map(|i| json!({ "email": format!("c{i}@example.com") })).collect();
    json!({ "contacts": contacts })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overload_answers_503_with_retry_after_and_never_500() {
    let h = Harness::start_in(tempfile::tempdir().unwrap(), T0, |c| {
        let mut c = c;
        c.write_wait_ms = 200;
        c
    })
    .await;
    let (ds, _) = h.dataset("overload", 50, &[]).await;
    let journey = h.create(two_sends("Overload", ds, "UTC", daily("10:00", "2026-01-01"), "new_users", 60), true).await;

    const IMPORTS: usize = 30;
    const PER_IMPORT: usize = 2_000;
    const READS: usize = 400;
    let http = h.http.clone();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..IMPORTS {
        let (http, url, body) = (http.clone(), h.url("/api/contacts"), import(1_000_000 + i * PER_IMPORT, PER_IMPORT));
        tasks.spawn(async move {
            let res = http.post(url).json(&body).send().await.expect("import answered");
            ("import", res.status().as_u16(), res.headers().get("retry-after").cloned(), res.text().await.unwrap_or_default())
        });
    }
    for _ in 0..READS {
        let (http, url) = (http.clone(), h.url(&format!("/api/journeys/{journey}/snapshot")));
        tasks.spawn(async move {
            let res = http.get(url).send().await.expect("snapshot answered");
            ("snapshot", res.status().as_u16(), res.headers().get("retry-after").cloned(), String::new())
        });
    }

    // Health throughout, from memory: print the slowest answer.
    let mut slowest = Duration::ZERO;
    let mut health_checks = 0;
    let mut answers = Vec::new();
    while !tasks.is_empty() && health_checks < 2_000 {
        let started = Instant::now();
        let (status, body) = h.get("/api/health").await;
        slowest = slowest.max(started.elapsed());
        assert_eq!(status, 200, "{body}");
        health_checks += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
        while let Some(answer) = tasks.try_join_next() {
            answers.push(answer.unwrap());
        }
    }
    while let Some(answer) = tasks.join_next().await {
        answers.push(answer.unwrap());
    }

    let (mut created, mut busy, mut read) = (0, 0, 0);
    for (what, status, retry_after, body) in answers {
        match (what, status) {
            ("import", 201) => created += 1,
            ("snapshot", 200) => read += 1,
            (_, 503) => {
                busy += 1;
                let seconds: u32 = retry_after.expect("a 503 says when to retry").to_str().unwrap().parse().unwrap();
                assert!(seconds >= 1);
                if what == "import" {
                    let error: Value = serde_json::from_str(&body).unwrap();
                    assert_eq!(error["error"]["code"], "busy", "{body}");
                    assert!(error["error"]["message"].as_str().unwrap().contains("nothing was changed"));
                }
            }
            _ => panic!("{what} answered {status}: {body}"),
        }
    }
    println!(
        "{IMPORTS} imports of {PER_IMPORT}: {created} created, {busy} busy (503); {READS} snapshots: {read} read; \
         /api/health slowest of {health_checks}: {slowest:?}"
    );
    // Two imports at a time and one writer with a 200 ms wait cannot take 30 imports of 2,000
    // rows at once: some were told to come back.
    assert!(busy > 0 && created > 0, "created {created}, busy {busy}");
    // What was refused changed nothing: exactly the accepted imports are in the store.
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM contacts WHERE email LIKE 'c%@example.com'")
        .fetch_one(h.server.store().pool())
        .await
        .unwrap();
    assert_eq!(stored as usize, created * PER_IMPORT);
}
