//! The demo workspace looks like a real one, and every Paused or Stopped journey in it can be
//! previewed and activated.

mod common;

use std::collections::BTreeSet;

use common::*;
use journey_core::plan::{ActivationMode, WaitHandling, plan_activation};
use journey_core::snapshot::JourneySnapshot;

#[tokio::test]
async fn demo_workspace_is_complete() {
    let contacts: u32 = std::env::var("DEMO_CONTACTS").ok().and_then(|v| v.parse().ok()).unwrap_or(3000);
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let h = Harness::start_in(dir, "2026-01-15T10:00:00Z", |mut c| {
        c.no_seed = false;
        c.demo_contacts = contacts;
        c
    })
    .await;
    println!("seeded {contacts} contacts in {:?}", started.elapsed());
    let list = h.ok("/api/journeys").await;
    let rows = list["rows"].as_array().unwrap();
    assert!(rows.len() >= 8);
    let states: BTreeSet<&str> = rows.iter().map(|r| r["state"].as_str().unwrap()).collect();
    assert_eq!(states.len(), 6, "all six states: {states:?}");
    let triggers: BTreeSet<&str> = rows.iter().map(|r| r["trigger_kind"].as_str().unwrap()).collect();
    assert_eq!(triggers.len(), 3);
    let audiences: BTreeSet<&str> = rows.iter().map(|r| r["audience"].as_str().unwrap()).collect();
    assert_eq!(audiences.len(), 2);
    let zones: BTreeSet<&str> = rows.iter().map(|r| r["time_zone"].as_str().unwrap()).collect();
    assert!(zones.len() >= 3);
    for r in rows {
        println!(
            "{:<28} {:<10} {:<8} {:<10} {:<40} {:>6}",
            r["name"].as_str().unwrap(),
            r["state"].as_str().unwrap(),
            r["trigger_kind"].as_str().unwrap(),
            r["audience"].as_str().unwrap(),
            r["schedule_text"].as_str().unwrap(),
            r["contacts_in_journey"]
        );
    }
    let mut schedule_kinds = BTreeSet::new();
    let mut overdue_total = 0;
    for r in rows {
        let id = r["id"].as_u64().unwrap();
        let detail = h.ok(&format!("/api/journeys/{id}")).await;
        if let Some(s) = detail["definition"]["trigger"]["schedule"].as_object() {
            schedule_kinds.insert(match s["kind"].as_str().unwrap() {
                "once" => "once".to_string(),
                _ => s["frequency"]["kind"].as_str().unwrap().to_string(),
            });
        }
        if matches!(r["state"].as_str().unwrap(), "paused" | "stopped") {
            let snap: JourneySnapshot = serde_json::from_value(h.ok(&format!("/api/journeys/{id}/snapshot")).await).unwrap();
            snap.check().unwrap();
            for mode in [ActivationMode::Resume, ActivationMode::Restart] {
                let plan = plan_activation(&snap, snap.taken_at, mode, WaitHandling::KeepDeadlines).unwrap();
                overdue_total += plan.overdue;
            }
            assert!(snap.live_total() > 0 || snap.definition.name.contains("Re-engagement"), "{}", snap.definition.name);
        }
    }
    assert_eq!(schedule_kinds.len(), 5, "{schedule_kinds:?}");
    assert!(overdue_total > 0, "some waits ran out during a pause");
    let unsubscribed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM contacts WHERE subscribed = 0")
        .fetch_one(h.server.store().pool())
        .await
        .unwrap();
    assert!(unsubscribed > 0);
    let messages: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM message_log").fetch_one(h.server.store().pool()).await.unwrap();
    println!("{messages} messages in the log, {unsubscribed} unsubscribed");
    assert!(messages > 0);
    h.server.shutdown().await;
}

#[tokio::test]
async fn reseeding_starts_again_from_fresh_demo_data() {
    let dir = tempfile::tempdir().unwrap();
    let database = fresh_database(dir.path()).await;
    let mut journeys = Vec::new();
    for _ in 0..2 {
        let mut config = journey_server::Config::for_tests(database.clone(), dir.path().join("dist")).with_demo_contacts(300);
        config.reseed = true;
        let server = journey_server::spawn(config).await.expect("the server starts");
        let counts: (i64, i64) = sqlx::query_as("SELECT (SELECT COUNT(*) FROM journeys), (SELECT COUNT(*) FROM contacts)")
            .fetch_one(server.store().pool())
            .await
            .unwrap();
        journeys.push(counts);
        server.shutdown().await;
    }
    assert!(journeys[0].0 >= 8, "{journeys:?}");
    assert_eq!(journeys[0], journeys[1], "the second start wiped the first one's data, then seeded the same");
    assert_aggregates_consistent(&database);
}
