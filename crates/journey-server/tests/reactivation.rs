//! Resume and Restart end to end with a moved clock: the message log holds exactly what the
//! spec says, and the activation's counts equal journey-core's plan from the snapshot fetched
//! just before, at the same T.

mod common;

use std::collections::BTreeSet;

use common::*;
use jiff::SignedDuration;
use journey_core::plan::{ActivationMode, WaitHandling, plan_activation};
use journey_core::snapshot::JourneySnapshot;
use serde_json::{Value, json};

const HALF_HOUR: SignedDuration = SignedDuration::from_mins(30);

/// (generation, iteration, contact, node, created_at) of every logged message.
async fn log(h: &Harness, id: u64) -> Vec<(u64, u64, u64, String, String)> {
    let mut rows: Vec<_> = h
        .messages(id)
        .await
        .into_iter()
        .map(|m| {
            (
                m["generation"].as_u64().unwrap(),
                m["iteration"].as_u64().unwrap(),
                m["contact_id"].as_u64().unwrap(),
                m["node_id"].as_str().unwrap().to_string(),
                jiff::Timestamp::from_millisecond(m["created_at"].as_i64().unwrap()).unwrap().to_string(),
            )
        })
        .collect();
    rows.sort();
    rows
}

fn keys(rows: &[(u64, u64, u64, String, String)]) -> BTreeSet<(u64, u64, u64, String)> {
    rows.iter().map(|r| (r.0, r.1, r.2, r.3.clone())).collect()
}

/// Activates at the clock's instant after checking the counts against journey-core's plan on
/// the snapshot fetched just before.
async fn activate_checked(h: &Harness, id: u64, mode: &str, wait: &str) -> Value {
    let snapshot: JourneySnapshot = serde_json::from_value(h.ok(&format!("/api/journeys/{id}/snapshot")).await).unwrap();
    let m = if mode == "resume" { ActivationMode::Resume } else { ActivationMode::Restart };
    let w = if wait == "extend_by_pause" { WaitHandling::ExtendByPause } else { WaitHandling::KeepDeadlines };
    let t = h.clock.now_ts();
    let plan = plan_activation(&snapshot, t, m, w).unwrap();
    let preview = h.ok(&format!("/api/journeys/{id}/preview?mode={mode}&wait_handling={wait}")).await;
    assert_eq!(serde_json::to_value(&plan).unwrap(), preview, "the server's preview is journey-core's plan");
    let (status, answer) = h.activate(id, mode, wait).await;
    assert_eq!(status, 200, "{answer}");
    let counts: journey_core::plan::ActivationCounts = serde_json::from_value(answer["counts"].clone()).unwrap();
    assert_eq!(counts, plan.counts(), "the answer carries the plan's counts");
    assert_eq!(answer["next_run"], serde_json::to_value(plan.next_run).unwrap());
    // The runner applies the work at the same instant; what it did, counted from the rows and
    // from its `applied` line, is what the preview said.
    h.server.apply_activation_work(t).await.unwrap();
    let pool = h.server.store().pool();
    let (live, due): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COUNT(*) FILTER (WHERE status = 'waiting' AND wait_until <= $2) FROM memberships
         WHERE journey_id = $1 AND status IN ('ready', 'waiting')",
    )
    .bind(id as i64)
    .bind(t.as_millisecond())
    .fetch_one(pool)
    .await
    .unwrap();
    let detail = h.ok(&format!("/api/journeys/{id}")).await;
    assert_eq!(detail["applying"], false, "applied");
    if m == ActivationMode::Resume {
        assert_eq!((live as u64, due as u64), (plan.continuing, plan.overdue), "preview = execution, from the rows");
    } else if let Some(entering) = plan.entering {
        assert_eq!(live as u64, entering, "preview = execution: the restart's entry, from the rows");
    }
    if answer["applying_in_batches"] == true {
        let applied = h.applied_line(id).await;
        let executed: journey_core::plan::ActivationCounts = serde_json::from_value(applied["counts"].clone()).unwrap();
        assert_eq!(executed, plan.counts(), "the applied line's counts are the preview's: {applied}");
        assert!(applied.get("note").is_none(), "{applied}");
    }
    answer
}

/// Daily 14:00 Asia/Kolkata (08:30Z), wait one day between two sends. 5 contacts (A) enter at
/// the Dec 30 run; paused Dec 30 12:00Z; 2 contacts (B) join the data set while paused; one
/// unsubscribed contact is always in the data set. Clock left at Jan 1 08:30Z (14:00 IST).
async fn kolkata(h: &Harness, audience: &str) -> (u64, Vec<u64>, Vec<u64>) {
    let (ds, ids) = h.dataset("k", 6, &[5]).await;
    let id = h.create(two_sends("Onboarding", ds, "Asia/Kolkata", daily("14:00", "2025-12-01"), audience, 1440), true).await;
    h.clock.set(ts("2025-12-30T08:30:00Z"));
    h.run_now().await;
    h.run_until(ts("2025-12-30T12:00:00Z"), HALF_HOUR).await;
    h.ok_post(&format!("/api/journeys/{id}/pause"), json!({})).await;
    let b =
        h.ok_post("/api/contacts", json!({ "contacts": [{ "email": "b1@example.com" }, { "email": "b2@example.com" }] })).await;
    let b: Vec<u64> = b["ids"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
    h.ok_post(&format!("/api/datasets/{ds}/contacts"), json!({ "contact_ids": b })).await;
    // Frozen: nothing happens, not even at the missed Dec 31 run or the deadlines.
    h.run_until(ts("2026-01-01T08:30:00Z"), HALF_HOUR).await;
    let a: Vec<u64> = ids[..5].to_vec();
    let rows = log(h, id).await;
    assert_eq!(rows.len(), 5, "only the Dec 30 welcomes: {rows:?}");
    (id, a, b)
}

#[tokio::test]
async fn resume_new_users_keep_deadlines() {
    let h = Harness::start("2025-12-29T00:00:00Z").await;
    let (id, a, b) = kolkata(&h, "new_users").await;
    let answer = activate_checked(&h, id, "resume", "keep_deadlines").await;
    assert_eq!(answer["counts"]["continuing"], 5);
    assert_eq!(answer["counts"]["overdue"], 5);
    assert_eq!(answer["counts"]["entering"], 2);
    assert_eq!(answer["counts"]["suppressed"], 1);
    assert_eq!(answer["next_run"]["at"], "2026-01-02T08:30:00Z", "the seed's example: the next scheduled iteration");
    h.run_until(ts("2026-01-04T09:00:00Z"), HALF_HOUR).await;
    let rows = log(&h, id).await;
    let mut expected = BTreeSet::new();
    for c in &a {
        expected.insert((1, 1, *c, "welcome".to_string()));
        expected.insert((1, 1, *c, "followup".to_string()));
    }
    for c in &b {
        expected.insert((1, 2, *c, "welcome".to_string()));
        expected.insert((1, 2, *c, "followup".to_string()));
    }
    assert_eq!(keys(&rows), expected);
    assert_eq!(rows.len(), expected.len(), "no duplicate");
    // Overdue contacts moved on at T; B entered at the next run.
    for r in &rows {
        match (r.1, r.3.as_str()) {
            (1, "welcome") => assert_eq!(r.4, "2025-12-30T08:30:00Z"),
            (1, "followup") => assert_eq!(r.4, "2026-01-01T08:30:00Z"),
            (2, "welcome") => assert_eq!(r.4, "2026-01-02T08:30:00Z"),
            (2, "followup") => assert_eq!(r.4, "2026-01-03T08:30:00Z"),
            other => panic!("unexpected {other:?}"),
        }
    }
    h.server.shutdown().await;
}

#[tokio::test]
async fn resume_all_users_extend_by_pause() {
    let h = Harness::start("2025-12-29T00:00:00Z").await;
    let (id, a, b) = kolkata(&h, "all_users").await;
    let answer = activate_checked(&h, id, "resume", "extend_by_pause").await;
    assert_eq!(answer["counts"]["overdue"], 0);
    assert_eq!(answer["counts"]["entering"], 2, "all users not in flight");
    h.run_until(ts("2026-01-02T09:00:00Z"), HALF_HOUR).await;
    let rows = log(&h, id).await;
    // A's deadline (Dec 31 08:30Z) moved by the frozen time (Dec 30 12:00Z -> Jan 1 08:30Z,
    // 44 h 30 min) to Jan 2 05:00Z. At the Jan 2 08:30Z run, all users not in flight enter:
    // A finished at 05:00 and re-enters (iteration 2) with B.
    for c in &a {
        assert!(rows.contains(&(1, 1, *c, "followup".into(), "2026-01-02T05:00:00Z".into())), "{rows:?}");
        assert!(rows.contains(&(1, 2, *c, "welcome".into(), "2026-01-02T08:30:00Z".into())), "{rows:?}");
    }
    for c in &b {
        assert!(rows.contains(&(1, 2, *c, "welcome".into(), "2026-01-02T08:30:00Z".into())), "{rows:?}");
    }
    assert_eq!(rows.len(), 5 + 5 + 5 + 2);
    h.server.shutdown().await;
}

#[tokio::test]
async fn restart_recurring() {
    let h = Harness::start("2025-12-29T00:00:00Z").await;
    let (id, a, b) = kolkata(&h, "new_users").await;
    let answer = activate_checked(&h, id, "restart", "keep_deadlines").await;
    assert_eq!(answer["counts"]["exited_by_restart"], 5);
    assert_eq!(answer["counts"]["entering"], 7);
    assert_eq!(answer["counts"]["re_receiving"], 5);
    assert_eq!(answer["next_run"]["kind"], "immediately");
    assert_eq!(answer["next_run"]["at"], "2026-01-01T08:30:00Z");
    assert_eq!(answer["journey"]["generation"], 2);
    assert_eq!(answer["journey"]["next_run_at"], "2026-01-02T08:30:00Z");
    h.run_until(ts("2026-01-03T09:00:00Z"), HALF_HOUR).await;
    let rows = log(&h, id).await;
    let t = "2026-01-01T08:30:00Z".to_string();
    assert!(rows.iter().filter(|r| r.0 == 1).all(|r| r.4 < t), "nothing sent for generation 1 after T: {rows:?}");
    for c in a.iter().chain(&b) {
        assert!(rows.contains(&(2, 1, *c, "welcome".into(), t.clone())), "{rows:?}");
        assert!(rows.contains(&(2, 1, *c, "followup".into(), "2026-01-02T08:30:00Z".into())), "{rows:?}");
    }
    assert_eq!(rows.len(), 5 + 14, "new users only at later runs: nobody new");
    let detail = h.ok(&format!("/api/journeys/{id}")).await;
    assert_eq!(detail["state"], "active");
    h.server.shutdown().await;
}

fn once_journey(ds: u64) -> Value {
    two_sends("Launch", ds, "UTC", once("2026-01-10T08:00:00"), "new_users", 7 * 1440)
}

#[tokio::test]
async fn once_resume_and_restart() {
    for mode in ["resume", "restart"] {
        let h = Harness::start("2026-01-09T00:00:00Z").await;
        let (ds, ids) = h.dataset("o", 3, &[]).await;
        let id = h.create(once_journey(ds), true).await;
        h.run_until(ts("2026-01-10T09:00:00Z"), HALF_HOUR).await;
        assert_eq!(log(&h, id).await.len(), 3);
        h.ok_post(&format!("/api/journeys/{id}/stop"), json!({})).await;
        h.run_until(ts("2026-01-20T08:00:00Z"), SignedDuration::from_hours(6)).await;
        assert_eq!(log(&h, id).await.len(), 3, "stopped: nothing");
        let answer = activate_checked(&h, id, mode, "keep_deadlines").await;
        h.run_until(ts("2026-01-30T08:00:00Z"), SignedDuration::from_hours(1)).await;
        let rows = log(&h, id).await;
        if mode == "resume" {
            assert_eq!(answer["next_run"]["kind"], "no_further_runs");
            assert_eq!(answer["counts"]["overdue"], 3, "deadline Jan 17 passed while stopped");
            for c in &ids {
                assert!(rows.contains(&(1, 1, *c, "followup".into(), "2026-01-20T08:00:00Z".into())), "{rows:?}");
            }
            assert_eq!(rows.len(), 6);
        } else {
            assert_eq!(answer["next_run"]["at"], "2026-01-20T08:00:00Z");
            for c in &ids {
                assert!(rows.contains(&(2, 1, *c, "welcome".into(), "2026-01-20T08:00:00Z".into())), "{rows:?}");
                assert!(rows.contains(&(2, 1, *c, "followup".into(), "2026-01-27T08:00:00Z".into())), "{rows:?}");
            }
            assert_eq!(rows.len(), 9, "the old generation's follow-up never goes: {rows:?}");
        }
        // Nothing left to do: the runner completes the journey.
        assert_eq!(h.state(id).await, "completed");
        h.server.shutdown().await;
    }
}

#[tokio::test]
async fn event_trigger_resume_and_restart() {
    let h = Harness::start("2026-01-01T00:00:00Z").await;
    let (_, ids) = h.dataset("e", 3, &[]).await;
    let def = json!({
        "name": "Cart abandonment",
        "time_zone": "America/New_York",
        "trigger": { "source": { "kind": "event", "event_name": "cart_abandoned" }, "audience": "new_users", "schedule": null },
        "entry": "nudge",
        "nodes": [
            { "id": "nudge", "kind": { "type": "send", "channel": "push", "template": "cart", "next": null } },
        ],
    });
    let id = h.create(def, true).await;
    assert_eq!(h.state(id).await, "active");
    let event = |c: u64| json!({ "contact_id": c, "name": "cart_abandoned" });
    h.ok_post("/api/events", event(ids[0])).await;
    h.ok_post("/api/events", json!({ "contact_id": ids[1], "name": "other_event" })).await;
    h.run_now().await;
    assert_eq!(log(&h, id).await.len(), 1);
    h.ok_post(&format!("/api/journeys/{id}/pause"), json!({})).await;
    h.ok_post("/api/events", event(ids[1])).await; // while paused: not replayed
    h.run_now().await;
    h.clock.set(ts("2026-01-02T00:00:00Z"));
    let answer = activate_checked(&h, id, "resume", "keep_deadlines").await;
    assert_eq!(answer["next_run"]["kind"], "on_each_event");
    h.run_now().await;
    assert_eq!(log(&h, id).await.len(), 1, "events from the frozen period are not replayed");
    h.ok_post("/api/events", event(ids[2])).await;
    h.ok_post("/api/events", event(ids[0])).await; // new_users: already entered in generation 1
    h.run_now().await;
    let rows = log(&h, id).await;
    assert_eq!(keys(&rows), BTreeSet::from([(1, 1, ids[0], "nudge".into()), (1, 1, ids[2], "nudge".into())]));
    // Restart: contacts who completed in generation 1 enter again on new events.
    h.ok_post(&format!("/api/journeys/{id}/stop"), json!({})).await;
    h.clock.set(ts("2026-01-03T00:00:00Z"));
    let answer = activate_checked(&h, id, "restart", "keep_deadlines").await;
    assert_eq!(answer["journey"]["generation"], 2);
    h.ok_post("/api/events", event(ids[0])).await;
    h.run_now().await;
    let rows = log(&h, id).await;
    assert!(keys(&rows).contains(&(2, 1, ids[0], "nudge".into())), "{rows:?}");
    assert_eq!(rows.len(), 3);
    h.server.shutdown().await;
}

#[tokio::test]
async fn concurrent_activations_and_retries() {
    let h = Harness::start("2025-12-29T00:00:00Z").await;
    let (id, _, _) = kolkata(&h, "new_users").await;
    let version = h.version(id).await;
    let url = format!("/api/journeys/{id}/activate");
    let body = json!({ "mode": "resume", "expected_version": version });
    // The same key sent twice at once: both get the first answer.
    let (r1, r2) = tokio::join!(
        h.post_with(&url, body.clone(), &[("Idempotency-Key", "same")]),
        h.post_with(&url, body.clone(), &[("Idempotency-Key", "same")]),
    );
    assert_eq!((r1.0, r2.0), (200, 200));
    assert_eq!(r1.1, r2.1);
    h.ok_post(&format!("/api/journeys/{id}/pause"), json!({})).await;
    // Two clients with different keys at the same moment: one wins, the other gets 409.
    let version = h.version(id).await;
    let body = json!({ "mode": "restart", "expected_version": version });
    let (r1, r2) = tokio::join!(
        h.post_with(&url, body.clone(), &[("Idempotency-Key", "tab-1")]),
        h.post_with(&url, body.clone(), &[("Idempotency-Key", "tab-2")]),
    );
    let mut statuses = [r1.0, r2.0];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{r1:?} {r2:?}");
    h.run_until(ts("2026-01-04T09:00:00Z"), HALF_HOUR).await;
    let rows = log(&h, id).await;
    assert_eq!(keys(&rows).len(), rows.len(), "no duplicate key");
    assert_eq!(h.ok(&format!("/api/journeys/{id}")).await["generation"], 2, "one restart only");
    h.server.shutdown().await;
}

#[tokio::test]
async fn while_an_activation_is_applied_another_activation_and_a_save_are_refused_with_a_sentence() {
    let h = Harness::start("2025-12-29T00:00:00Z").await;
    let (id, _, _) = kolkata(&h, "new_users").await;
    let (status, answer) = h.activate(id, "restart", "keep_deadlines").await;
    assert_eq!((status, &answer["applying_in_batches"], &answer["journey"]["applying"]), (200, &json!(true), &json!(true)));
    h.ok_post(&format!("/api/journeys/{id}/pause"), json!({})).await;
    assert_eq!(h.ok(&format!("/api/journeys/{id}")).await["applying"], true, "the detail says so");

    let (status, body) = h.activate(id, "resume", "keep_deadlines").await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("still_applying")), "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("still moving contacts"), "{body}");
    let detail = h.ok(&format!("/api/journeys/{id}")).await;
    let body = json!({ "expected_version": detail["version"], "definition": detail["definition"] });
    let res = h.http.put(h.url(&format!("/api/journeys/{id}/definition"))).json(&body).send().await.unwrap();
    assert_eq!(res.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string()), Some("2".into()));
    assert_eq!(res.status(), 409);

    // Paused meanwhile: the work still finishes (it belongs to the restart), nothing is sent.
    let sent_before = log(&h, id).await.len();
    h.run_now().await;
    let detail = h.ok(&format!("/api/journeys/{id}")).await;
    assert_eq!((detail["applying"].as_bool(), detail["state"].as_str()), (Some(false), Some("paused")));
    assert_eq!(log(&h, id).await.len(), sent_before, "a paused journey sends nothing");
    assert_eq!(h.activate(id, "resume", "keep_deadlines").await.0, 200, "accepted once applied");
}

#[tokio::test]
async fn a_restart_whose_audience_changes_before_its_entry_says_what_it_executed() {
    let h = Harness::start("2025-12-29T00:00:00Z").await;
    let (id, a, _) = kolkata(&h, "new_users").await;
    let (status, answer) = h.activate(id, "restart", "keep_deadlines").await;
    assert_eq!((status, answer["counts"]["entering"].as_u64()), (200, Some(7)));
    // Before the runner's first batch, one of the seven unsubscribes.
    h.ok_post(&format!("/api/contacts/{}/subscription", a[0]), json!({ "subscribed": false })).await;
    h.run_now().await;
    let applied = h.applied_line(id).await;
    assert_eq!(applied["counts"]["entering"], 6, "{applied}");
    let note = applied["note"].as_str().unwrap_or_default();
    assert!(note.starts_with("6 contacts entered, not the 7 planned"), "{note}");
    let welcomed: BTreeSet<u64> = log(&h, id).await.iter().filter(|r| r.0 == 2).map(|r| r.2).collect();
    assert!(!welcomed.contains(&a[0]) && welcomed.len() == 6, "the unsubscribed contact is not messaged: {welcomed:?}");
}
