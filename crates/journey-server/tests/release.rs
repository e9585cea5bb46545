//! A Resume that releases its backlog at a pace (journey-core `release`), over HTTP with a
//! moved clock: the runner sends, hour by hour, exactly the preview's numbers, each message
//! once; the policy is recorded with the activation (answer, replay, activity log).

mod common;

use common::*;
use jiff::{SignedDuration, Timestamp};
use journey_core::plan::{ActivationMode, WaitHandling, plan_activation};
use journey_core::release::{ReleasePolicy, VOLUME_HOURS, volume};
use journey_core::snapshot::JourneySnapshot;
use serde_json::{Value, json};

/// `n` subscribed contacts in a new data set, added in chunks under the body limit.
async fn big_dataset(h: &Harness, n: usize) -> u64 {
    let ds = h.ok_post("/api/datasets", json!({ "name": "Backlog" })).await["id"].as_u64().unwrap();
    for chunk in (0..n).collect::<Vec<_>>().chunks(2_500) {
        let contacts: Vec<Value> = chunk.iter().map(|i| json!({ "email": format!("backlog-{i}@example.com") })).collect();
        let ids = h.ok_post("/api/contacts", json!({ "contacts": contacts })).await;
        h.ok_post(&format!("/api/datasets/{ds}/contacts"), json!({ "contact_ids": ids["ids"] })).await;
    }
    ds
}

/// Follow-up messages (the step after the wait) in the log.
async fn followups(h: &Harness, id: u64) -> Vec<Value> {
    h.messages(id).await.into_iter().filter(|m| m["node_id"] == "followup").collect()
}

/// 10,000 contacts enter at the 14:00 Berlin run, wait an hour, and the journey is paused at
/// 14:10; resumed at 19:00:20 their waits have all ended. Returns the journey.
async fn paused_with_backlog(h: &Harness) -> u64 {
    let ds = big_dataset(h, 10_000).await;
    let id = h.create(two_sends("Backlog", ds, "Europe/Berlin", daily("14:00", "2026-03-01"), "new_users", 60), true).await;
    h.clock.set(ts("2026-03-27T13:00:00Z"));
    h.run_now().await;
    h.clock.set(ts("2026-03-27T13:10:00Z"));
    h.run_now().await;
    h.ok_post(&format!("/api/journeys/{id}/pause"), json!({})).await;
    assert_eq!(h.messages(id).await.len(), 10_000, "the welcomes");
    h.clock.set(ts("2026-03-27T18:00:20Z"));
    id
}

#[tokio::test]
async fn a_resume_spread_over_three_hours_sends_each_hour_exactly_what_the_preview_showed() {
    let h = Harness::start("2026-03-27T12:00:00Z").await;
    let id = paused_with_backlog(&h).await;
    let t = h.clock.now_ts();

    // The preview, computed as the browser does, from the snapshot at the same instant.
    let snapshot: JourneySnapshot = serde_json::from_value(h.ok(&format!("/api/journeys/{id}/snapshot")).await).unwrap();
    let plan = plan_activation(&snapshot, t, ActivationMode::Resume, WaitHandling::KeepDeadlines).unwrap();
    let policy = ReleasePolicy::SpreadOver { hours: 3 };
    let preview = volume(&snapshot, &plan, policy);
    assert_eq!(plan.overdue, 10_000);
    let chart: Vec<u64> = preview.hours.iter().map(|h| h.messages).collect();
    assert_eq!(&chart[..4], [3_334, 3_333, 3_333, 0], "the preview");

    let version = h.version(id).await;
    // A pace that would take more than a week for this backlog is refused in words.
    let slow = json!({ "mode": "resume", "release": { "kind": "per_hour", "limit": 50 }, "expected_version": version });
    let (status, body) = h.post(&format!("/api/journeys/{id}/activate"), slow).await;
    assert_eq!(
        (status, body["error"]["message"].as_str()),
        (422, Some("At that pace the 10,000 contacts would take 200 hours; allow at least 60 an hour (at most 168 hours)."))
    );
    let body = json!({ "mode": "resume", "wait_handling": "keep_deadlines", "release": { "kind": "spread_over", "hours": 3 },
                       "expected_version": version });
    let (status, answer) =
        h.post_with(&format!("/api/journeys/{id}/activate"), body.clone(), &[("Idempotency-Key", "spread")]).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["release"], json!({ "kind": "spread_over", "hours": 3 }));
    assert_eq!(answer["last_release"], json!(preview.last_release.unwrap().to_string()));
    assert_eq!(answer["applying_in_batches"], true);
    // The same key replays the same answer, policy included.
    let (status, replay) = h.post_with(&format!("/api/journeys/{id}/activate"), body, &[("Idempotency-Key", "spread")]).await;
    assert_eq!((status, &replay), (200, &answer));

    // Hour by hour, the runner sends exactly the preview's numbers.
    h.server.run_due_work(t).await.unwrap();
    assert_eq!(followups(&h, id).await.len(), 0, "nobody moves on at the activation");
    let pool = h.server.store().pool();
    let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE journey_id = $1 AND late_since IS NOT NULL")
        .bind(id as i64)
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(held, 10_000, "every overdue contact is held, its ended deadline kept");
    let mut sent_before = 0;
    for hour in preview.hours.iter().take(VOLUME_HOURS) {
        // The last second of the hour: every release due in it has been made, none of the next.
        let end = hour.until - SignedDuration::from_secs(1);
        if end > h.clock.now_ts() {
            h.clock.set(end);
        }
        h.run_now().await;
        let sent = followups(&h, id).await;
        assert_eq!(sent.len() as u64 - sent_before, hour.messages, "the hour from {}", hour.from);
        for m in &sent[sent_before as usize..] {
            let at = Timestamp::from_millisecond(m["created_at"].as_i64().unwrap()).unwrap();
            assert!(at >= hour.from && at < hour.until, "{at} in the hour from {}", hour.from);
        }
        sent_before = sent.len() as u64;
    }
    // Each contact once, and nothing left behind.
    let sent = followups(&h, id).await;
    let contacts: std::collections::BTreeSet<u64> = sent.iter().map(|m| m["contact_id"].as_u64().unwrap()).collect();
    assert_eq!((sent.len(), contacts.len()), (10_000, 10_000));
    let late: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE journey_id = $1 AND late_since IS NOT NULL")
        .bind(id as i64)
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(late, 0, "a membership that moved on is no longer late");

    // The activity log says how the backlog was released.
    let detail = h.ok(&format!("/api/journeys/{id}")).await;
    let resume = detail["activity"].as_array().unwrap().iter().rfind(|e| e["action"] == "resume").unwrap().clone();
    assert_eq!(resume["release"], json!({ "kind": "spread_over", "hours": 3 }), "{resume}");
}

#[tokio::test]
async fn a_release_policy_out_of_range_is_refused_and_restart_ignores_the_policy() {
    let h = Harness::start("2026-03-27T12:00:00Z").await;
    let (ds, _) = h.dataset("small", 20, &[]).await;
    let id = h.create(two_sends("Small", ds, "Europe/Berlin", daily("14:00", "2026-03-01"), "new_users", 60), true).await;
    h.clock.set(ts("2026-03-27T13:00:00Z"));
    h.run_now().await;
    h.ok_post(&format!("/api/journeys/{id}/pause"), json!({})).await;
    h.clock.set(ts("2026-03-27T18:00:00Z"));
    let version = h.version(id).await;
    let path = format!("/api/journeys/{id}/activate");
    for (release, words) in [
        (json!({ "kind": "spread_over", "hours": 0 }), "Spread the backlog over 1 to 72 hours."),
        (json!({ "kind": "per_hour", "limit": 0 }), "The hourly limit must be from 1 to 10,000,000."),
    ] {
        let (status, body) = h.post(&path, json!({ "mode": "resume", "release": release, "expected_version": version })).await;
        assert_eq!((status, body["error"]["message"].as_str()), (422, Some(words)), "{body}");
    }
    let (status, body) =
        h.post(&path, json!({ "mode": "resume", "release": { "kind": "weekly" }, "expected_version": version })).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(h.state(id).await, "paused", "nothing changed");

    // Restart ignores the pace, even one out of range.
    let (status, answer) = h
        .post(&path, json!({ "mode": "restart", "release": { "kind": "per_hour", "limit": 0 }, "expected_version": version }))
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["release"], json!({ "kind": "all_at_once" }));
    assert!(answer.get("last_release").is_none());
}

/// `two_sends` with the follow-up not sent more than `minutes` late.
fn guarded(ds: u64, minutes: u32) -> Value {
    let mut def = two_sends("Guarded", ds, "Europe/Berlin", daily("14:00", "2026-03-01"), "new_users", 60);
    def["nodes"][2]["stale_after_minutes"] = json!(minutes);
    def
}

#[tokio::test]
async fn the_stale_guard_skips_what_the_preview_counted_records_why_and_restart_ignores_it() {
    let h = Harness::start("2026-03-27T12:00:00Z").await;
    let (ds, _) = h.dataset("stale", 300, &[]).await;
    // Not more than 4 hours late: 300 contacts wait an hour from 14:00, paused at 14:10,
    // resumed at 18:00:20 (their waits ended 3 hours before).
    let id = h.create(guarded(ds, 240), true).await;
    h.clock.set(ts("2026-03-27T13:00:00Z"));
    h.run_now().await;
    h.clock.set(ts("2026-03-27T13:10:00Z"));
    h.run_now().await;
    h.ok_post(&format!("/api/journeys/{id}/pause"), json!({})).await;
    h.clock.set(ts("2026-03-27T17:00:20Z"));
    let t = h.clock.now_ts();

    // Spread over 2 hours: the second hour's releases are more than 4 hours late.
    let snapshot: JourneySnapshot = serde_json::from_value(h.ok(&format!("/api/journeys/{id}/snapshot")).await).unwrap();
    assert_eq!(snapshot.stale_horizon_minutes, 240);
    let plan = plan_activation(&snapshot, t, ActivationMode::Resume, WaitHandling::KeepDeadlines).unwrap();
    let preview = volume(&snapshot, &plan, ReleasePolicy::SpreadOver { hours: 2 });
    assert_eq!((preview.stale, preview.hours[0].stale, preview.hours[1].stale), (150, 0, 150), "{:?}", &preview.hours[..2]);
    let version = h.version(id).await;
    let body = json!({ "mode": "resume", "release": { "kind": "spread_over", "hours": 2 }, "expected_version": version });
    let (status, answer) = h.post(&format!("/api/journeys/{id}/activate"), body).await;
    assert_eq!(status, 200, "{answer}");
    h.server.run_due_work(t).await.unwrap();
    for hour in &preview.hours[..3] {
        h.clock.set(hour.until - SignedDuration::from_secs(1));
        h.run_now().await;
    }
    let sent = followups(&h, id).await;
    let skipped = h.ok(&format!("/api/journeys/{id}/messages?skipped=true&limit=10000")).await;
    let skipped = skipped["messages"].as_array().unwrap().clone();
    assert_eq!((sent.len(), skipped.len()), (150, 150), "sent and skipped as the preview said");
    let first = &skipped[0];
    assert_eq!((first["delivery_state"].as_str(), first["node_id"].as_str()), (Some("skipped"), Some("followup")));
    assert!(first["late_minutes"].as_i64().unwrap() > 240, "{first}");
    assert!(
        first["reason"].as_str().unwrap().starts_with("Not sent: it would have gone out 4 hours")
            && first["reason"].as_str().unwrap().ends_with("late, past the step's limit of 4 hours."),
        "{first}"
    );
    // A skipped message is in neither the log nor the outbox, and nobody is left behind.
    let keys: std::collections::BTreeSet<&str> =
        sent.iter().chain(&skipped).map(|m| m["message_key"].as_str().unwrap()).collect();
    assert_eq!(keys.len(), 300);
    let delivery = h.ok(&format!("/api/journeys/{id}/delivery")).await;
    let in_outbox: u64 = delivery["counts"].as_object().unwrap().values().map(|n| n.as_u64().unwrap()).sum();
    assert_eq!(in_outbox, 300 + 150, "the welcomes and the follow-ups sent, not the skipped ones");

    // Restart ignores the guard: a new generation is never late.
    let version = h.version(id).await;
    h.ok_post(&format!("/api/journeys/{id}/pause"), json!({ "expected_version": version })).await;
    h.clock.set(ts("2026-03-28T05:00:00Z"));
    let version = h.version(id).await;
    h.ok_post(&format!("/api/journeys/{id}/activate"), json!({ "mode": "restart", "expected_version": version })).await;
    h.run_until(ts("2026-03-28T06:30:00Z"), SignedDuration::from_mins(10)).await;
    let later = h.ok(&format!("/api/journeys/{id}/messages?skipped=true&limit=10000")).await;
    assert_eq!(later["messages"].as_array().unwrap().len(), 150, "nothing more skipped after the restart");
    let generation_2 = h.messages(id).await.into_iter().filter(|m| m["generation"] == 2 && m["node_id"] == "followup").count();
    assert_eq!(generation_2, 300, "every contact's follow-up in the new generation");
}

/// 300 contacts due at 14:00Z, not to be sent more than 5 hours late; resumed at 18:00:20Z
/// spread over 3 hours (4 to 7 hours late: the first half hour is sent), paused again after
/// half an hour. Returns the journey and the follow-ups sent before the second pause.
async fn paused_during_its_release(h: &Harness) -> (u64, usize) {
    let (ds, _) = h.dataset("repause", 300, &[]).await;
    let id = h.create(guarded(ds, 300), true).await;
    h.clock.set(ts("2026-03-27T13:00:00Z"));
    h.run_now().await;
    h.ok_post(&format!("/api/journeys/{id}/pause"), json!({})).await;
    h.clock.set(ts("2026-03-27T18:00:20Z"));
    let version = h.version(id).await;
    let body = json!({ "mode": "resume", "release": { "kind": "spread_over", "hours": 3 }, "expected_version": version });
    h.ok_post(&format!("/api/journeys/{id}/activate"), body).await;
    h.run_until(ts("2026-03-27T18:31:00Z"), SignedDuration::from_mins(1)).await;
    let first = followups(h, id).await.len();
    assert!(first > 0 && first < 300, "{first} released before the second pause");
    let version = h.version(id).await;
    h.ok_post(&format!("/api/journeys/{id}/pause"), json!({ "expected_version": version })).await;
    (id, first)
}

#[tokio::test]
async fn a_journey_paused_again_during_its_release_skips_exactly_what_the_next_preview_counts() {
    // Resumed at 01:00:20: the rest were promised 18:32 to 21:00, so those promised before
    // 20:00 are now more than 5 hours past it. All at once, or paced again over an hour (each
    // then late from the release it was promised to the new one), the preview counts what the
    // runner skips.
    for (policy, release) in [
        (ReleasePolicy::AllAtOnce, json!({ "kind": "all_at_once" })),
        (ReleasePolicy::SpreadOver { hours: 1 }, json!({ "kind": "spread_over", "hours": 1 })),
    ] {
        let h = Harness::start("2026-03-27T12:00:00Z").await;
        let (id, first) = paused_during_its_release(&h).await;
        let t = ts("2026-03-28T01:00:20Z");
        h.clock.set(t);
        let snapshot: JourneySnapshot = serde_json::from_value(h.ok(&format!("/api/journeys/{id}/snapshot")).await).unwrap();
        let plan = plan_activation(&snapshot, t, ActivationMode::Resume, WaitHandling::KeepDeadlines).unwrap();
        assert_eq!(plan.overdue, 300 - first as u64);
        let preview = volume(&snapshot, &plan, policy);
        assert!(preview.stale > 0 && preview.stale < plan.overdue, "{policy:?}: {} of {}", preview.stale, plan.overdue);
        let version = h.version(id).await;
        let body = json!({ "mode": "resume", "release": release, "expected_version": version });
        h.ok_post(&format!("/api/journeys/{id}/activate"), body).await;
        h.run_until(ts("2026-03-28T02:30:00Z"), SignedDuration::from_mins(5)).await;
        let skipped = h.ok(&format!("/api/journeys/{id}/messages?skipped=true&limit=10000")).await;
        let skipped = skipped["messages"].as_array().unwrap().len() as u64;
        assert_eq!(skipped, preview.stale, "{policy:?}: skipped as the preview counted");
        assert_eq!(followups(&h, id).await.len() as u64 + skipped, 300, "each contact once, sent or skipped");
    }
}
