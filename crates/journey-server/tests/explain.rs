//! `GET /api/journeys/{id}/contact?email=`: one contact's facts, and journey-core's sentence
//! from them matching what the runner then does.

mod common;

use common::*;
use jiff::SignedDuration;
use journey_core::explain::{ContactFacts, explain};
use journey_core::plan::{ActivationMode, WaitHandling, plan_activation};
use journey_core::release::ReleasePolicy;
use journey_core::snapshot::JourneySnapshot;
use serde_json::json;

#[tokio::test]
async fn a_contacts_facts_explain_when_the_runner_moves_it_and_an_unknown_email_says_so() {
    let h = Harness::start("2026-03-27T12:00:00Z").await;
    let (ds, ids) = h.dataset("explain", 40, &[39]).await;
    let id = h.create(two_sends("Explained", ds, "Europe/Berlin", daily("14:00", "2026-03-01"), "new_users", 60), true).await;
    h.clock.set(ts("2026-03-27T13:00:00Z"));
    h.run_now().await;
    h.ok_post(&format!("/api/journeys/{id}/pause"), json!({})).await;
    h.clock.set(ts("2026-03-27T18:00:00Z"));

    // The 11th contact (any case): waiting at `wait`, its deadline (15:00 Berlin) passed, 10 before it.
    let facts: ContactFacts =
        serde_json::from_value(h.ok(&format!("/api/journeys/{id}/contact?email=EXPLAIN-10@Example.com")).await).unwrap();
    assert_eq!((facts.contact_id.0, facts.email.as_str()), (ids[10], "explain-10@example.com"));
    assert!(facts.subscribed && facts.in_audience && facts.entered_this_generation);
    let m = facts.membership.clone().expect("in the journey");
    assert_eq!((m.node.as_str(), m.due_before_at_node), ("wait", 10));
    assert_eq!(m.wait_until, Some(ts("2026-03-27T14:00:00Z")));
    assert_eq!(facts.last_messages.len(), 1);
    assert_eq!(facts.last_messages[0].template, "welcome");
    // The delivery worker runs meanwhile: queued, or already on its way.
    assert!(["queued", "delivering", "delivered"].contains(&facts.last_messages[0].state.as_str()), "{:?}", facts.last_messages);

    // What journey-core says, spread over 3 hours, is what the runner does.
    let t = h.clock.now_ts();
    let snapshot: JourneySnapshot = serde_json::from_value(h.ok(&format!("/api/journeys/{id}/snapshot")).await).unwrap();
    let plan = plan_activation(&snapshot, t, ActivationMode::Resume, WaitHandling::KeepDeadlines).unwrap();
    let policy = ReleasePolicy::SpreadOver { hours: 3 };
    let said = explain(&snapshot, &plan, policy, &facts, &|t| t.to_string());
    assert!(said.sentence.contains("its wait ended while the journey was frozen"), "{}", said.sentence);
    let version = h.version(id).await;
    h.ok_post(
        &format!("/api/journeys/{id}/activate"),
        json!({ "mode": "resume", "release": { "kind": "spread_over", "hours": 3 }, "expected_version": version }),
    )
    .await;
    h.server.run_due_work(t).await.unwrap();
    let held: ContactFacts =
        serde_json::from_value(h.ok(&format!("/api/journeys/{id}/contact?email=explain-10@example.com")).await).unwrap();
    let held = held.membership.unwrap();
    assert_eq!(held.wait_until, said.next_message_at, "held until the instant the sentence gave: {}", said.sentence);
    assert_eq!(held.late_since, Some(ts("2026-03-27T14:00:00Z")));
    h.clock.set(said.next_message_at.unwrap() - SignedDuration::from_secs(1));
    h.run_now().await;
    assert_eq!(followups_to(&h, id, ids[10]).await, 0, "not a second early");
    h.clock.set(said.next_message_at.unwrap());
    h.run_now().await;
    assert_eq!(followups_to(&h, id, ids[10]).await, 1, "at its release instant");

    // Unsubscribed; unknown; empty.
    let last: ContactFacts =
        serde_json::from_value(h.ok(&format!("/api/journeys/{id}/contact?email=explain-39@example.com")).await).unwrap();
    assert!(!last.subscribed && last.membership.is_none());
    let (status, body) = h.get(&format!("/api/journeys/{id}/contact?email=nobody@example.com")).await;
    assert_eq!((status, body["error"]["message"].as_str()), (404, Some("No contact has this email address.")));
    assert!(!body.to_string().contains("nobody@"), "the answer does not repeat the email: {body}");
    let (status, _) = h.get(&format!("/api/journeys/{id}/contact?email=%20")).await;
    assert_eq!(status, 422);
    let (status, _) = h.get("/api/journeys/999/contact?email=explain-1@example.com").await;
    assert_eq!(status, 404);
}

async fn followups_to(h: &Harness, journey: u64, contact: u64) -> usize {
    h.messages(journey).await.iter().filter(|m| m["contact_id"] == contact && m["node_id"] == "followup").count()
}

#[tokio::test]
async fn a_zones_rules_come_from_the_bundled_database_cacheable_for_a_day() {
    let h = Harness::start("2026-03-27T12:00:00Z").await;
    let res = h.http.get(h.url("/api/zone?name=America/Havana")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "private, max-age=86400");
    let zone: journey_core::zone::Zone = res.json().await.unwrap();
    assert_eq!(zone.name(), "America/Havana");
    assert_eq!(zone.tzif(), journey_core::zone::tzif_bytes("America/Havana").unwrap());
    let (status, body) = h.get("/api/zone?name=Mars/Olympus").await;
    assert_eq!((status, body["error"]["message"].as_str()), (404, Some("No time zone is named “Mars/Olympus”.")));
    // Every other answer is still not cached.
    let res = h.http.get(h.url("/api/journeys")).send().await.unwrap();
    assert_eq!(res.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn an_email_with_a_nul_finds_nobody_on_either_backend() {
    let h = Harness::start("2026-03-27T12:00:00Z").await;
    let (ds, _) = h.dataset("nul", 1, &[]).await;
    let id = h.create(two_sends("Nul", ds, "UTC", daily("14:00", "2026-03-01"), "new_users", 60), false).await;
    let (status, _) = h.get(&format!("/api/journeys/{id}/contact?email=a%00b@example.com")).await;
    assert_eq!(status, 404);
    let anonymous = reqwest::Client::new();
    let res = anonymous
        .post(h.url("/api/sign-in"))
        .header("X-Journey-Console", "1")
        .json(&json!({ "email": "a\u{0}b@example.com", "password": "a long test password" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}
