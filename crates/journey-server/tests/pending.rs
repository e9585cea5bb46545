//! Activations that wait (journey-core `pending`), over HTTP with a moved clock: a resume
//! scheduled for Monday 09:00 in Berlin runs at that instant exactly once (across a restart
//! of the server, with two instances); a change to the journey cancels it; the drift guard
//! holds it; large activations wait for a second person, who cannot be the one who asked.

mod common;

use common::*;
use jiff::Timestamp;
use journey_core::access::Role;
use journey_core::pending::choose_instant;
use journey_core::plan::{ActivationMode, NextRun, WaitHandling, plan_activation};
use journey_core::snapshot::JourneySnapshot;
use journey_core::zone::Zone;
use serde_json::{Value, json};

/// 20 contacts enter the daily 14:00 Berlin journey on Thu 22 Oct 2026 and wait an hour for
/// their follow-up; the journey is paused at 14:10 with all 20 waiting. Returns the journey
/// and the contacts.
async fn paused_while_waiting(h: &Harness) -> (u64, Vec<u64>) {
    let (ds, contacts) = h.dataset("berlin", 20, &[]).await;
    let id = h.create(two_sends("Onboarding", ds, "Europe/Berlin", daily("14:00", "2026-10-01"), "new_users", 60), true).await;
    h.clock.set(ts("2026-10-22T12:00:00Z"));
    h.run_now().await;
    h.clock.set(ts("2026-10-22T12:10:00Z"));
    h.run_now().await;
    h.ok_post(&format!("/api/journeys/{id}/pause"), json!({})).await;
    assert_eq!(h.messages(id).await.len(), 20, "the welcomes");
    (id, contacts)
}

/// Monday 26 Oct 2026, 09:00 in Berlin: the first Monday after the clocks went back (CET,
/// UTC+1), read by journey-core's rule.
fn monday_nine() -> Timestamp {
    let berlin = Zone::bundled("Europe/Berlin").unwrap();
    let chosen = choose_instant(&berlin, jiff::civil::date(2026, 10, 26).at(9, 0, 0, 0)).unwrap();
    assert_eq!(chosen.note, None);
    chosen.at
}

async fn schedule(h: &Harness, id: u64, at: Timestamp, drift: Option<u32>, key: &str) -> (u16, Value) {
    schedule_from(h, id, at, drift, key, h.version(id).await).await
}

/// As [`schedule`], from the page of journey version `version`.
async fn schedule_from(h: &Harness, id: u64, at: Timestamp, drift: Option<u32>, key: &str, version: u64) -> (u16, Value) {
    let mut body = json!({ "mode": "resume", "at": at.to_string(), "expected_version": version });
    if let Some(percent) = drift {
        body["drift_guard"] = json!({ "percent": percent });
    }
    h.post_with(&format!("/api/journeys/{id}/activate"), body, &[("Idempotency-Key", key)]).await
}

fn activity(detail: &Value) -> Vec<Value> {
    detail["activity"].as_array().cloned().unwrap_or_default()
}

fn lines(detail: &Value, action: &str) -> Vec<Value> {
    activity(detail).into_iter().filter(|e| e["action"] == action).collect()
}

fn followups(messages: &[Value]) -> usize {
    messages.iter().filter(|m| m["node_id"] == "followup").count()
}

#[tokio::test]
async fn a_resume_scheduled_for_monday_nine_in_berlin_runs_at_that_instant_once_across_a_restart_and_two_instances() {
    let mut h = Harness::start("2026-10-22T10:00:00Z").await;
    let (id, _) = paused_while_waiting(&h).await;
    let at = monday_nine();
    assert_eq!(at, ts("2026-10-26T08:00:00Z"), "09:00 CET");

    // The summary for Monday: the snapshot projected to it, the plan on it.
    let projected: JourneySnapshot = serde_json::from_value(h.ok(&format!("/api/journeys/{id}/snapshot?at={at}")).await).unwrap();
    assert_eq!(projected.projected_from, Some(h.clock.now_ts()));
    assert_eq!(projected.taken_at, at);
    let plan = plan_activation(&projected, at, ActivationMode::Resume, WaitHandling::KeepDeadlines).unwrap();
    assert_eq!(plan.projected_from, Some(h.clock.now_ts()), "labelled a projection");
    assert_eq!(plan.overdue, 20, "every wait will have ended by Monday");
    // The next run is exact: Monday 14:00 CET.
    assert_eq!(plan.next_run, NextRun::At { at: ts("2026-10-26T13:00:00Z") });

    let version = h.version(id).await;
    let (status, answer) = schedule_from(&h, id, at, None, "monday", version).await;
    assert_eq!(status, 202, "{answer}");
    let pending = &answer["pending"];
    assert_eq!(pending["status"], "scheduled");
    assert_eq!(pending["run_at"], json!(at.to_string()));
    assert_eq!(pending["figures"]["recipients"], 20);
    assert_eq!(pending["figures"]["projected_from"], json!(h.clock.now_ts().to_string()));
    assert_eq!(answer["journey"]["state"], "paused");
    // A double submit replays the same answer.
    let (again, replay) = schedule_from(&h, id, at, None, "monday", version).await;
    assert_eq!((again, &replay), (202, &answer));
    // The same page without the key: its version is out of date.
    let (again, conflict) = schedule_from(&h, id, at, None, "another", version).await;
    assert_eq!((again, conflict["error"]["code"].as_str()), (409, Some("version_conflict")));
    // On the journey page and in the list.
    let detail = h.ok(&format!("/api/journeys/{id}")).await;
    assert_eq!(detail["pending"]["id"], pending["id"]);
    let line = &lines(&detail, "schedule")[0];
    assert_eq!(line["actor"], "Olive Operator <olive.operator@test.example> (API token \"tests\")");
    assert_eq!(line["note"], "Scheduled a resume for Mon 26 Oct 2026, 09:00 CET: 20 recipients projected.");
    let list = h.ok("/api/journeys").await;
    let row = list["rows"].as_array().unwrap().iter().find(|r| r["id"] == id).unwrap().clone();
    assert_eq!(row["pending"], json!({ "status": "scheduled", "mode": "resume", "run_at": at.to_string() }));

    // A second before: nothing.
    h.clock.set(ts("2026-10-26T07:59:59Z"));
    assert_eq!(h.run_now().await.activated, 0);
    assert_eq!(h.state(id).await, "paused");

    // The server stops and starts again; then two instances reach the instant together.
    let restarted = h.another_instance().await;
    let old = std::mem::replace(&mut h.server, restarted);
    old.shutdown().await;
    let second = h.another_instance().await;
    h.clock.set(at);
    let (a, b) = tokio::join!(h.server.run_due_work(at), second.run_due_work(at));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.activated + b.activated, 1, "run once: {a:?} {b:?}");
    second.shutdown().await;
    h.run_now().await;
    assert_eq!(h.state(id).await, "active");
    let messages = h.messages(id).await;
    assert_eq!(followups(&messages), 20, "each follow-up once");
    let detail = h.ok(&format!("/api/journeys/{id}")).await;
    assert_eq!(detail["pending"], Value::Null);
    let resumes = lines(&detail, "resume");
    assert_eq!(resumes.len(), 1);
    assert_eq!(resumes[0]["at"], json!(at.to_string()));
    assert_eq!(resumes[0]["actor"], line["actor"], "the person who scheduled it");
    assert_eq!(resumes[0]["counts"]["overdue"], 20);
    assert!(resumes[0]["note"].as_str().unwrap().starts_with("Scheduled by Olive Operator"), "{}", resumes[0]);
    // Later passes do nothing more.
    h.clock.set(ts("2026-10-26T09:00:00Z"));
    assert_eq!(h.run_now().await.activated, 0);
    assert_eq!(followups(&h.messages(id).await), 20);
}

#[tokio::test]
async fn stopping_the_journey_cancels_its_scheduled_resume_in_words() {
    let h = Harness::start("2026-10-22T10:00:00Z").await;
    let (id, _) = paused_while_waiting(&h).await;
    let (status, _) = schedule(&h, id, monday_nine(), None, "stop-me").await;
    assert_eq!(status, 202);
    h.ok_post(&format!("/api/journeys/{id}/stop"), json!({})).await;
    let detail = h.ok(&format!("/api/journeys/{id}")).await;
    assert_eq!(detail["pending"], Value::Null);
    let cancel = &lines(&detail, "cancel_pending")[0];
    assert_eq!(cancel["actor"], "system");
    assert_eq!(
        cancel["note"],
        "Cancelled the resume Olive Operator <olive.operator@test.example> (API token \"tests\") scheduled for Mon 26 Oct 2026, 09:00 CET: Olive Operator <olive.operator@test.example> (API token \"tests\") stopped the journey."
    );
    h.clock.set(monday_nine());
    assert_eq!(h.run_now().await.activated, 0);
    assert_eq!(h.state(id).await, "stopped");
    assert_eq!(followups(&h.messages(id).await), 0);
}

#[tokio::test]
async fn an_edit_or_an_activation_now_cancels_the_scheduled_one_and_a_new_schedule_replaces_it() {
    let h = Harness::start("2026-10-22T10:00:00Z").await;
    let (id, _) = paused_while_waiting(&h).await;
    schedule(&h, id, monday_nine(), None, "first").await;
    // Scheduling again replaces it.
    let (status, answer) = schedule(&h, id, ts("2026-10-27T08:00:00Z"), None, "second").await;
    assert_eq!(status, 202, "{answer}");
    let detail = h.ok(&format!("/api/journeys/{id}")).await;
    assert_eq!(detail["pending"]["run_at"], "2026-10-27T08:00:00Z");
    assert!(lines(&detail, "cancel_pending")[0]["note"].as_str().unwrap().ends_with("asked for another activation."));
    // Saving a new version cancels it.
    let mut definition = detail["definition"].clone();
    definition["name"] = json!("Onboarding, new copy");
    let save = json!({ "expected_version": detail["version"], "definition": definition });
    let res = h.http.put(h.url(&format!("/api/journeys/{id}/definition"))).json(&save).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let detail = h.ok(&format!("/api/journeys/{id}")).await;
    assert_eq!(detail["pending"], Value::Null);
    assert!(lines(&detail, "cancel_pending")[1]["note"].as_str().unwrap().ends_with("saved a new version of the journey."));
    // Activating now cancels a scheduled one too.
    schedule(&h, id, ts("2026-10-27T08:00:00Z"), None, "third").await;
    let (status, _) = h.activate(id, "resume", "keep_deadlines").await;
    assert_eq!(status, 200);
    let detail = h.ok(&format!("/api/journeys/{id}")).await;
    assert_eq!(detail["pending"], Value::Null);
    assert!(lines(&detail, "cancel_pending")[2]["note"].as_str().unwrap().ends_with("activated the journey."));
    h.clock.set(ts("2026-10-27T08:00:00Z"));
    assert_eq!(h.run_now().await.activated, 0);
    assert_eq!(lines(&h.ok(&format!("/api/journeys/{id}")).await, "resume").len(), 1);
}

#[tokio::test]
async fn an_instant_in_the_past_or_a_drift_guard_without_one_is_refused_in_words() {
    let h = Harness::start("2026-10-22T10:00:00Z").await;
    let (id, _) = paused_while_waiting(&h).await;
    let (status, body) = schedule(&h, id, ts("2026-10-22T12:00:00Z"), None, "past").await;
    assert_eq!((status, body["error"]["message"].as_str()), (422, Some("Choose a time in the future; that one has passed.")));
    let (status, body) = schedule(&h, id, ts("2027-03-01T12:00:00Z"), None, "far").await;
    assert_eq!((status, body["error"]["message"].as_str()), (422, Some("Choose a time within the next 90 days.")));
    let version = h.version(id).await;
    let now_with_guard = json!({ "mode": "resume", "drift_guard": { "percent": 10 }, "expected_version": version });
    let (status, body) = h.post(&format!("/api/journeys/{id}/activate"), now_with_guard).await;
    assert_eq!(status, 422, "{body}");
    let (status, _) = schedule(&h, id, monday_nine(), Some(0), "zero").await;
    assert_eq!(status, 422);
    let (status, body) = h.get(&format!("/api/journeys/{id}/snapshot?at=2027-03-01T12:00:00Z")).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(h.ok(&format!("/api/journeys/{id}")).await["pending"], Value::Null);
}

/// A journey whose first 10 contacts went through, paused, then 100 new contacts joined the
/// data set: a resume enters them at the next run (new users only).
async fn paused_with_newcomers(h: &Harness) -> (u64, Vec<u64>) {
    let (ds, _) = h.dataset("first", 10, &[]).await;
    let id = h.create(two_sends("Newcomers", ds, "Europe/Berlin", daily("14:00", "2026-10-01"), "new_users", 60), true).await;
    h.clock.set(ts("2026-10-22T12:00:00Z"));
    h.run_now().await;
    h.clock.set(ts("2026-10-22T13:05:00Z"));
    h.run_now().await;
    h.ok_post(&format!("/api/journeys/{id}/pause"), json!({})).await;
    let contacts: Vec<Value> = (0..100).map(|i| json!({ "email": format!("new-{i}@example.com") })).collect();
    let ids = h.ok_post("/api/contacts", json!({ "contacts": contacts })).await;
    h.ok_post(&format!("/api/datasets/{ds}/contacts"), json!({ "contact_ids": ids["ids"] })).await;
    (id, ids["ids"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect())
}

#[tokio::test]
async fn the_drift_guard_holds_a_scheduled_resume_when_thirty_percent_of_the_audience_unsubscribes() {
    let h = Harness::start("2026-10-22T10:00:00Z").await;
    let (id, newcomers) = paused_with_newcomers(&h).await;
    let (status, answer) = schedule(&h, id, monday_nine(), Some(20), "guarded").await;
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["pending"]["figures"]["recipients"], 100);
    assert_eq!(answer["pending"]["drift_guard"], json!({ "percent": 20 }));
    for contact in &newcomers[..30] {
        h.ok_post(&format!("/api/contacts/{contact}/subscription"), json!({ "subscribed": false })).await;
    }
    let before = h.messages(id).await.len();
    h.clock.set(monday_nine());
    assert_eq!(h.run_now().await.activated, 0);
    assert_eq!(h.state(id).await, "paused", "held, not resumed");
    assert_eq!(h.messages(id).await.len(), before, "nothing sent");
    let detail = h.ok(&format!("/api/journeys/{id}")).await;
    assert_eq!(detail["pending"]["status"], "held");
    let note = "Held the resume Olive Operator <olive.operator@test.example> (API token \"tests\") scheduled for Mon 26 Oct 2026, 09:00 CET: \
                100 recipients were projected and 70 are there now (30% fewer), more than the 20% allowed. \
                Nothing was sent; Olive Operator <olive.operator@test.example> (API token \"tests\") can activate it again or cancel it.";
    assert_eq!(detail["pending"]["note"], note);
    let hold = &lines(&detail, "hold")[0];
    assert_eq!((hold["actor"].as_str(), hold["note"].as_str()), (Some("system"), Some(note)));
    let row = h.ok("/api/journeys").await["rows"].as_array().unwrap().iter().find(|r| r["id"] == id).unwrap().clone();
    assert_eq!(row["pending"]["status"], "held");
    // Held stays held; the person cancels it.
    h.clock.set(ts("2026-10-26T09:00:00Z"));
    assert_eq!(h.run_now().await.activated, 0);
    let cancel = json!({ "pending_id": detail["pending"]["id"], "expected_version": detail["version"] });
    let detail = h.ok_post(&format!("/api/journeys/{id}/pending/cancel"), cancel).await;
    assert_eq!(detail["pending"], Value::Null);
}

#[tokio::test]
async fn within_its_drift_guard_a_scheduled_resume_runs() {
    let h = Harness::start("2026-10-22T10:00:00Z").await;
    let (id, newcomers) = paused_with_newcomers(&h).await;
    schedule(&h, id, monday_nine(), Some(20), "guarded").await;
    for contact in &newcomers[..10] {
        h.ok_post(&format!("/api/contacts/{contact}/subscription"), json!({ "subscribed": false })).await;
    }
    h.clock.set(monday_nine());
    assert_eq!(h.run_now().await.activated, 1);
    assert_eq!(h.state(id).await, "active");
    let resume = lines(&h.ok(&format!("/api/journeys/{id}")).await, "resume")[0].clone();
    assert_eq!(resume["counts"]["entering"], 90);
}

async fn set_threshold(h: &Harness, threshold: Option<u64>) {
    let admin = h.client_as(Role::Admin, "Ada Admin").await;
    let (status, body) = h.put_by(&admin, "/api/settings", json!({ "approval_threshold": threshold })).await;
    assert_eq!((status, body), (200, json!({ "approval_threshold": threshold })));
}

#[tokio::test]
async fn an_activation_above_the_threshold_waits_for_another_person_and_the_asker_cannot_approve_it() {
    let h = Harness::start("2026-10-22T10:00:00Z").await;
    let (id, _) = paused_while_waiting(&h).await;
    // Only admins set the threshold; anyone reads it.
    let (status, _) = h.put_by(&h.http, "/api/settings", json!({ "approval_threshold": 5 })).await;
    assert_eq!(status, 403);
    set_threshold(&h, Some(5)).await;
    assert_eq!(h.ok("/api/settings").await, json!({ "approval_threshold": 5 }));
    h.clock.set(ts("2026-10-22T14:00:00Z"));
    let snapshot = h.ok(&format!("/api/journeys/{id}/snapshot")).await;
    assert_eq!(snapshot["approval_threshold"], 5);

    // 20 follow-ups in the first hour: above 5.
    let (status, asked) = h.activate(id, "resume", "keep_deadlines").await;
    assert_eq!(status, 202, "{asked}");
    let pending = asked["pending"].clone();
    assert_eq!(pending["status"], "awaiting_approval");
    assert_eq!(pending["run_at"], Value::Null);
    assert_eq!(pending["approval"], json!({ "first_hour": 20, "threshold": 5, "at_least": false }));
    assert_eq!(h.state(id).await, "paused");
    let version = asked["journey"]["version"].as_u64().unwrap();
    let decision = json!({ "pending_id": pending["id"], "expected_version": version, "reason": "Checked the copy" });

    // The asker cannot approve (nor reject) it; a viewer may not either.
    let (status, body) = h.post(&format!("/api/journeys/{id}/pending/approve"), decision.clone()).await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("own_request")));
    let (status, _) = h.post(&format!("/api/journeys/{id}/pending/reject"), decision.clone()).await;
    assert_eq!(status, 403);
    let viewer = h.client_as(Role::Viewer, "Vic Viewer").await;
    let (status, _) = h.post_by(&viewer, &format!("/api/journeys/{id}/pending/approve"), decision.clone(), &[]).await;
    assert_eq!(status, 403);

    // Another operator approves, from the page they saw.
    let oscar = h.client_as(Role::Operator, "Oscar Second").await;
    let stale = json!({ "pending_id": pending["id"], "expected_version": version - 1 });
    let (status, body) = h.post_by(&oscar, &format!("/api/journeys/{id}/pending/approve"), stale, &[]).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("version_conflict")));
    let key = [("Idempotency-Key", "approve-1")];
    let (status, ran) = h.post_by(&oscar, &format!("/api/journeys/{id}/pending/approve"), decision.clone(), &key).await;
    assert_eq!(status, 200, "{ran}");
    assert_eq!(ran["counts"]["overdue"], 20);
    assert_eq!(ran["journey"]["state"], "active");
    // The same click again: the same answer; without the key: it no longer waits (said
    // before the page's version is).
    let (status, replay) = h.post_by(&oscar, &format!("/api/journeys/{id}/pending/approve"), decision.clone(), &key).await;
    assert_eq!((status, &replay), (200, &ran));
    let (status, body) = h.post_by(&oscar, &format!("/api/journeys/{id}/pending/approve"), decision.clone(), &[]).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("not_pending")));

    // Both names in the activity log.
    let detail = h.ok(&format!("/api/journeys/{id}")).await;
    let olive = "Olive Operator <olive.operator@test.example> (API token \"tests\")";
    let oscar_name = "Oscar Second <oscar.second@test.example> (API token \"tests\")";
    let request = &lines(&detail, "request_approval")[0];
    assert_eq!(request["actor"], olive);
    assert_eq!(request["note"], "Asked for approval of a resume now: 20 messages in its first hour, more than the limit of 5.");
    let approve = &lines(&detail, "approve")[0];
    assert_eq!(approve["actor"], oscar_name);
    assert_eq!(approve["note"], format!("Approved the resume {olive} asked for. Reason: Checked the copy"));
    let resume = &lines(&detail, "resume")[0];
    assert_eq!(resume["actor"], olive);
    assert_eq!(resume["note"], format!("Asked for by {olive}; approved by {oscar_name}."));
    h.run_now().await;
    assert_eq!(followups(&h.messages(id).await), 20);
}

#[tokio::test]
async fn a_rejection_needs_a_reason_and_is_recorded_with_both_names() {
    let h = Harness::start("2026-10-22T10:00:00Z").await;
    let (id, _) = paused_while_waiting(&h).await;
    set_threshold(&h, Some(5)).await;
    let (status, asked) = h.activate(id, "restart", "keep_deadlines").await;
    assert_eq!(status, 202, "{asked}");
    let oscar = h.client_as(Role::Operator, "Oscar Second").await;
    let path = format!("/api/journeys/{id}/pending/reject");
    let without = json!({ "pending_id": asked["pending"]["id"], "expected_version": asked["journey"]["version"] });
    let (status, body) = h.post_by(&oscar, &path, without, &[]).await;
    assert_eq!(
        (status, body["error"]["message"].as_str()),
        (422, Some("Say why you reject it: the reason goes in the activity log."))
    );
    let with = json!({ "pending_id": asked["pending"]["id"], "expected_version": asked["journey"]["version"], "reason": "Not before the fix ships" });
    let (status, detail) = h.post_by(&oscar, &path, with, &[]).await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["pending"], Value::Null);
    assert_eq!(detail["state"], "paused");
    let reject = &lines(&detail, "reject")[0];
    assert_eq!(reject["actor"], "Oscar Second <oscar.second@test.example> (API token \"tests\")");
    assert_eq!(
        reject["note"],
        "Rejected the restart Olive Operator <olive.operator@test.example> (API token \"tests\") asked for. Reason: Not before the fix ships"
    );
}

#[tokio::test]
async fn a_scheduled_activation_above_the_threshold_is_approved_ahead_and_runs_at_its_instant() {
    let h = Harness::start("2026-10-22T10:00:00Z").await;
    let (id, _) = paused_while_waiting(&h).await;
    set_threshold(&h, Some(5)).await;
    let (status, asked) = schedule(&h, id, monday_nine(), None, "big-monday").await;
    assert_eq!(status, 202);
    assert_eq!(asked["pending"]["status"], "awaiting_approval");
    // Approved ahead: scheduled again, and it runs at its instant.
    let oscar = h.client_as(Role::Operator, "Oscar Second").await;
    let decision = json!({ "pending_id": asked["pending"]["id"], "expected_version": h.version(id).await });
    let (status, approved) = h.post_by(&oscar, &format!("/api/journeys/{id}/pending/approve"), decision, &[]).await;
    assert_eq!(status, 202, "{approved}");
    assert_eq!(approved["pending"]["status"], "scheduled");
    assert_eq!(approved["pending"]["approved_by"], "Oscar Second <oscar.second@test.example> (API token \"tests\")");
    h.clock.set(monday_nine());
    assert_eq!(h.run_now().await.activated, 1);
    let resume = lines(&h.ok(&format!("/api/journeys/{id}")).await, "resume")[0].clone();
    assert!(resume["note"].as_str().unwrap().contains("approved by Oscar Second"), "{resume}");
}

#[tokio::test]
async fn a_scheduled_activation_that_grew_past_the_threshold_waits_for_approval_at_its_instant() {
    let h = Harness::start("2026-10-22T10:00:00Z").await;
    let (id, _) = paused_while_waiting(&h).await;
    schedule(&h, id, monday_nine(), None, "small-then-big").await;
    set_threshold(&h, Some(5)).await;
    h.clock.set(monday_nine());
    assert_eq!(h.run_now().await.activated, 0);
    assert_eq!(h.state(id).await, "paused");
    let detail = h.ok(&format!("/api/journeys/{id}")).await;
    assert_eq!(detail["pending"]["status"], "awaiting_approval");
    let line = &lines(&detail, "request_approval")[0];
    assert_eq!(line["actor"], "system");
    assert_eq!(
        line["note"],
        "At its instant it sends 20 messages in its first hour, more than this workspace's limit of 5: it waits for another operator or admin to approve it."
    );
    // Approved after its instant: it runs at the approval, planned again then, once.
    h.clock.set(ts("2026-10-26T08:30:00Z"));
    let oscar = h.client_as(Role::Operator, "Oscar Second").await;
    let decision = json!({ "pending_id": detail["pending"]["id"], "expected_version": detail["version"] });
    let (status, ran) = h.post_by(&oscar, &format!("/api/journeys/{id}/pending/approve"), decision, &[]).await;
    assert_eq!(status, 200, "{ran}");
    assert_eq!(ran["plan_at"], "2026-10-26T08:30:00Z");
    h.run_now().await;
    h.clock.set(ts("2026-10-26T09:30:00Z"));
    assert_eq!(h.run_now().await.activated, 0);
    assert_eq!(followups(&h.messages(id).await), 20);
    assert_eq!(lines(&h.ok(&format!("/api/journeys/{id}")).await, "resume").len(), 1);
}

#[tokio::test]
async fn an_approval_covers_the_first_hour_it_saw_and_a_larger_one_waits_again_at_the_instant() {
    let h = Harness::start("2026-10-22T10:00:00Z").await;
    let (id, _) = paused_while_waiting(&h).await;
    set_threshold(&h, Some(5)).await;
    // Monday 13:30 CET: the 14:00 run falls in the first hour, so who enters then counts.
    let at = ts("2026-10-26T12:30:00Z");
    let (status, asked) = schedule(&h, id, at, None, "before-the-run").await;
    assert_eq!(status, 202, "{asked}");
    assert_eq!(asked["pending"]["approval"]["first_hour"], 20);
    let oscar = h.client_as(Role::Operator, "Oscar Second").await;
    let decision = json!({ "pending_id": asked["pending"]["id"], "expected_version": asked["journey"]["version"] });
    let (status, _) = h.post_by(&oscar, &format!("/api/journeys/{id}/pending/approve"), decision, &[]).await;
    assert_eq!(status, 202);
    // 30 newcomers join the data set before Monday: 50 messages in the first hour.
    let contacts: Vec<Value> = (0..30).map(|i| json!({ "email": format!("late-{i}@example.com") })).collect();
    let ids = h.ok_post("/api/contacts", json!({ "contacts": contacts })).await;
    let dataset = h.ok(&format!("/api/journeys/{id}")).await["definition"]["trigger"]["source"]["dataset_id"].as_u64().unwrap();
    h.ok_post(&format!("/api/datasets/{dataset}/contacts"), json!({ "contact_ids": ids["ids"] })).await;
    h.clock.set(at);
    assert_eq!(h.run_now().await.activated, 0);
    let detail = h.ok(&format!("/api/journeys/{id}")).await;
    assert_eq!(detail["state"], "paused");
    assert_eq!(detail["pending"]["status"], "awaiting_approval");
    assert_eq!(detail["pending"]["approved_by"], Value::Null, "the earlier approval covered less");
    assert_eq!(
        detail["pending"]["note"],
        "At its instant it sends 50 messages in its first hour, more than the 20 approved and this workspace's limit of 5: it waits for another operator or admin to approve it."
    );
}

#[tokio::test]
async fn a_scheduled_activation_the_runner_reaches_hours_late_is_held_not_run() {
    let h = Harness::start("2026-10-22T10:00:00Z").await;
    let (id, _) = paused_while_waiting(&h).await;
    schedule(&h, id, monday_nine(), None, "monday").await;
    // The servers were down from Sunday to Thursday 03:00.
    h.clock.set(ts("2026-10-29T02:00:00Z"));
    assert_eq!(h.run_now().await.activated, 0);
    let detail = h.ok(&format!("/api/journeys/{id}")).await;
    assert_eq!(detail["state"], "paused");
    assert_eq!(detail["pending"]["status"], "held");
    let note = detail["pending"]["note"].as_str().unwrap();
    assert!(
        note.contains(
            "it was reached 2 days 18 hours late (the server was not running), more than 60 minutes. Nothing was sent;"
        ),
        "{note}"
    );
    assert_eq!(followups(&h.messages(id).await), 0);
}

#[tokio::test]
async fn disabling_the_person_who_scheduled_it_cancels_it() {
    let h = Harness::start("2026-10-22T10:00:00Z").await;
    let (id, _) = paused_while_waiting(&h).await;
    let ana = h.client_as(Role::Operator, "Ana Planner").await;
    let version = h.version(id).await;
    let body = json!({ "mode": "resume", "at": monday_nine().to_string(), "expected_version": version });
    let (status, asked) = h.post_by(&ana, &format!("/api/journeys/{id}/activate"), body, &[]).await;
    assert_eq!(status, 202, "{asked}");
    let admin = h.client_as(Role::Admin, "Ada Admin").await;
    let ana_id = asked["pending"]["requested_by_id"].as_u64().unwrap();
    let (status, _) = h.post_by(&admin, &format!("/api/users/{ana_id}"), json!({ "disabled": true }), &[]).await;
    assert_eq!(status, 200);
    let detail = h.ok(&format!("/api/journeys/{id}")).await;
    assert_eq!(detail["pending"], Value::Null);
    let cancel = &lines(&detail, "cancel_pending")[0];
    assert_eq!(cancel["actor"], "system");
    assert!(cancel["note"].as_str().unwrap().ends_with(": the account of Ana Planner was disabled."), "{cancel}");
    h.clock.set(monday_nine());
    assert_eq!(h.run_now().await.activated, 0);
}
