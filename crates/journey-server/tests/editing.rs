//! Editing a frozen journey through the HTTP API, then Resume or Restart: who gets which
//! content, removed nodes and their moves, changed waits, versions, and the refusals.

mod common;

use common::*;
use jiff::SignedDuration;
use journey_core::edit::describe;
use journey_core::plan::{ActivationMode, WaitHandling, plan_activation};
use journey_core::snapshot::JourneySnapshot;
use serde_json::{Value, json};

const T0: &str = "2026-01-01T00:00:00Z";

/// Four contacts entered at 10:00Z, got the welcome (template "welcome") and wait two hours;
/// the journey was paused at 10:05Z.
async fn paused_after_welcome(h: &Harness) -> (u64, u64) {
    let (ds, _) = h.dataset("edit", 4, &[]).await;
    let id = h.create(two_sends("Edited", ds, "UTC", daily("10:00", "2026-01-01"), "new_users", 120), true).await;
    h.clock.set(ts("2026-01-01T10:00:00Z"));
    h.run_now().await;
    h.clock.set(ts("2026-01-01T10:05:00Z"));
    h.ok_post(&format!("/api/journeys/{id}/pause"), json!({})).await;
    (id, ds)
}

/// The journey's definition with the welcome's template and the wait's minutes replaced.
async fn edited(h: &Harness, id: u64, template: &str, wait_minutes: u32) -> Value {
    let mut def = h.ok(&format!("/api/journeys/{id}")).await["definition"].clone();
    for node in def["nodes"].as_array_mut().unwrap() {
        match node["id"].as_str().unwrap() {
            "welcome" => node["kind"]["template"] = json!(template),
            "wait" => node["kind"]["minutes"] = json!(wait_minutes),
            _ => {}
        }
    }
    def
}

/// The journey's definition without its wait: the welcome leads straight to the follow-up.
async fn without_wait(h: &Harness, id: u64) -> Value {
    let mut def = h.ok(&format!("/api/journeys/{id}")).await["definition"].clone();
    def["nodes"].as_array_mut().unwrap().retain(|n| n["id"] != "wait");
    def["nodes"][0]["kind"]["next"] = json!("followup");
    def
}

async fn save(h: &Harness, id: u64, body: Value) -> (u16, Value) {
    let res = h.http.put(h.url(&format!("/api/journeys/{id}/definition"))).json(&body).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

/// (contact, generation, node, template) of every logged message, in log order.
async fn sent(h: &Harness, id: u64) -> Vec<(i64, i64, String, String)> {
    sqlx::query_as("SELECT contact_id, generation, node_id, template FROM message_log WHERE journey_id = $1 ORDER BY id")
        .bind(id as i64)
        .fetch_all(h.server.store().pool())
        .await
        .unwrap()
}

async fn activate(h: &Harness, id: u64, mode: &str) -> Value {
    let (status, body) = h.activate(id, mode, "keep_deadlines").await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn resume_after_an_edit_never_resends_and_later_arrivals_get_the_new_content() {
    let h = Harness::start(T0).await;
    let (id, ds) = paused_after_welcome(&h).await;
    // Two people sign up while it is paused: they enter at the next run.
    let (_, newcomers) = h.dataset("late", 2, &[]).await;
    h.ok_post(&format!("/api/datasets/{ds}/contacts"), json!({ "contact_ids": newcomers })).await;

    let version = h.version(id).await;
    let def = edited(&h, id, "welcome-v2", 30).await;
    let (status, detail) = save(&h, id, json!({ "expected_version": version, "definition": def })).await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["state"], "paused", "an edit changes no state");
    assert_eq!(detail["version"], version + 1);
    assert_eq!((detail["definition_version"].as_u64(), detail["activated_definition_version"].as_u64()), (Some(2), Some(1)));
    let last = detail["activity"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["action"].as_str(), last["definition_version"].as_u64()), (Some("edit"), Some(2)));
    assert_eq!(last["actor"], "Olive Operator <olive.operator@test.example> (API token \"tests\")");
    assert_eq!(sent(&h, id).await.len(), 4, "saving sends nothing");

    // The diff and the snapshot's pending edit say what changed.
    let diff = h.ok(&format!("/api/journeys/{id}/diff")).await;
    let kinds: Vec<&str> = diff["changes"].as_array().unwrap().iter().map(|c| c["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["content_changed", "wait_changed"], "{diff}");
    let snapshot = h.ok(&format!("/api/journeys/{id}/snapshot")).await;
    assert_eq!(snapshot["edit"]["activated_version"], 1);
    assert_eq!(snapshot["edit"]["sent"], json!([{ "node": "welcome", "count": 4 }]));

    let answer = activate(&h, id, "resume").await;
    assert_eq!(answer["counts"]["continuing"], 4);
    let last = answer["journey"]["activity"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["action"].as_str(), last["definition_version"].as_u64()), (Some("resume"), Some(2)));
    assert_eq!(answer["journey"]["activated_definition_version"], 2);

    // A day on: the four kept their two-hour deadline (12:00) and got the follow-up; the
    // newcomers entered at the next run and got the new welcome.
    h.run_until(ts("2026-01-02T10:00:00Z"), SignedDuration::from_mins(30)).await;
    let messages = sent(&h, id).await;
    let welcomes: Vec<_> = messages.iter().filter(|m| m.2 == "welcome").collect();
    assert_eq!(welcomes.iter().filter(|m| m.3 == "welcome").count(), 4, "{messages:?}");
    assert_eq!(welcomes.iter().filter(|m| m.3 == "welcome-v2").count(), 2, "{messages:?}");
    for contact in welcomes.iter().map(|m| m.0) {
        assert_eq!(welcomes.iter().filter(|m| m.0 == contact).count(), 1, "contact {contact} got the welcome once");
    }
    assert!(welcomes.iter().filter(|m| m.3 == "welcome-v2").all(|m| newcomers.contains(&(m.0 as u64))));
    h.server.shutdown().await;
}

#[tokio::test]
async fn restart_after_an_edit_sends_the_new_content_to_everyone_in_the_new_generation() {
    let h = Harness::start(T0).await;
    let (id, _) = paused_after_welcome(&h).await;
    let version = h.version(id).await;
    let (status, body) =
        save(&h, id, json!({ "expected_version": version, "definition": edited(&h, id, "welcome-v2", 120).await })).await;
    assert_eq!(status, 200, "{body}");
    h.clock.set(ts("2026-01-01T11:00:00Z"));
    let answer = activate(&h, id, "restart").await;
    assert_eq!(answer["counts"]["exited_by_restart"], 4);
    h.run_now().await;
    let messages = sent(&h, id).await;
    let generation_2: Vec<_> = messages.iter().filter(|m| m.1 == 2).collect();
    assert_eq!(generation_2.len(), 4, "{messages:?}");
    assert!(generation_2.iter().all(|m| m.2 == "welcome" && m.3 == "welcome-v2"), "{messages:?}");
    h.server.shutdown().await;
}

#[tokio::test]
async fn removing_a_node_that_holds_contacts_needs_a_move_and_resume_carries_it_out() {
    let h = Harness::start(T0).await;
    let (id, _) = paused_after_welcome(&h).await;
    let def = without_wait(&h, id).await;
    let version = h.version(id).await;

    let (status, body) = save(&h, id, json!({ "expected_version": version, "definition": def.clone() })).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        body["error"]["message"],
        "The node \"wait\" is removed but 4 contacts stand there: choose where they go (another node, or out of the journey)."
    );
    let to_missing = json!([{ "from": "wait", "to": { "kind": "node", "node": "nowhere" } }]);
    let (status, body) =
        save(&h, id, json!({ "expected_version": version, "definition": def.clone(), "moves": to_missing })).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(h.version(id).await, version, "a refused save changes nothing");

    let moves = json!([{ "from": "wait", "to": { "kind": "node", "node": "followup" } }]);
    let (status, body) = save(&h, id, json!({ "expected_version": version, "definition": def, "moves": moves })).await;
    assert_eq!(status, 200, "{body}");
    let preview = h.ok(&format!("/api/journeys/{id}/preview?mode=resume")).await;
    assert_eq!(preview["continuing"], 4);
    assert_eq!(preview["continuing_by_node"], json!([{ "node": "followup", "count": 4 }]));
    let answer = activate(&h, id, "resume").await;
    assert_eq!(answer["counts"]["continuing"], 4);
    h.run_now().await;
    let followups = sent(&h, id).await.into_iter().filter(|m| m.2 == "followup").count();
    assert_eq!(followups, 4, "the moved contacts carried out the follow-up");
    h.server.shutdown().await;
}

#[tokio::test]
async fn a_removed_node_whose_contacts_leave_counts_them_as_exited_by_the_edit() {
    let h = Harness::start(T0).await;
    let (id, _) = paused_after_welcome(&h).await;
    let def = without_wait(&h, id).await;
    let version = h.version(id).await;
    let moves = json!([{ "from": "wait", "to": { "kind": "exit" } }]);
    assert_eq!(save(&h, id, json!({ "expected_version": version, "definition": def, "moves": moves })).await.0, 200);
    let preview = h.ok(&format!("/api/journeys/{id}/preview?mode=resume")).await;
    assert_eq!((preview["continuing"].as_u64(), preview["exited_by_edit"].as_u64()), (Some(0), Some(4)));
    let answer = activate(&h, id, "resume").await;
    assert_eq!((answer["counts"]["continuing"].as_u64(), answer["counts"]["exited_by_edit"].as_u64()), (Some(0), Some(4)));
    assert_eq!(answer["applying_in_batches"], true, "the runner exits them after the answer");
    h.run_now().await;
    let applied = h.applied_line(id).await;
    assert_eq!((applied["counts"]["exited_by_edit"].as_u64(), applied["actor"].as_str()), (Some(4), Some("system")));
    assert!(applied.get("note").is_none(), "executed as planned: {applied}");
    let reasons: Vec<String> = sqlx::query_scalar("SELECT DISTINCT exit_reason FROM memberships WHERE journey_id = $1")
        .bind(id as i64)
        .fetch_all(h.server.store().pool())
        .await
        .unwrap();
    assert_eq!(reasons, ["node_removed"]);
    h.server.shutdown().await;
}

#[tokio::test]
async fn a_new_wait_applies_to_contacts_already_waiting_only_when_asked_and_the_preview_counts_it() {
    for (apply, overdue) in [(false, 0), (true, 4)] {
        let h = Harness::start(T0).await;
        let (id, _) = paused_after_welcome(&h).await;
        let version = h.version(id).await;
        // Two hours -> 30 minutes: applied, the deadlines become 10:30, overdue at 11:00.
        let body =
            json!({ "expected_version": version, "definition": edited(&h, id, "welcome", 30).await, "apply_new_waits": apply });
        assert_eq!(save(&h, id, body).await.0, 200);
        h.clock.set(ts("2026-01-01T11:00:00Z"));
        let preview = h.ok(&format!("/api/journeys/{id}/preview?mode=resume")).await;
        assert_eq!(preview["overdue"], overdue, "apply_new_waits = {apply}");
        // The summary's line, computed as the browser does, counts both choices: the saved
        // one's overdue and the other's (which the other iteration of this loop executes).
        let snapshot: JourneySnapshot = serde_json::from_value(h.ok(&format!("/api/journeys/{id}/snapshot")).await).unwrap();
        let plan =
            plan_activation(&snapshot, ts("2026-01-01T11:00:00Z"), ActivationMode::Resume, WaitHandling::KeepDeadlines).unwrap();
        let line = describe(&snapshot, &plan).into_iter().find(|l| l.text.starts_with("wait:")).expect("a line for the wait");
        let other = 4 - overdue;
        let expected = if apply {
            format!(
                "wait: 30 minutes instead of 2 hours, also for the 4 contacts already waiting ({overdue} overdue); {other} would be overdue if they kept their deadlines."
            )
        } else {
            format!(
                "wait: 30 minutes instead of 2 hours; the 4 contacts waiting there keep their deadlines ({overdue} overdue); {other} would be overdue if the new duration applied to them."
            )
        };
        assert_eq!(line.text, expected);
        let answer = activate(&h, id, "resume").await;
        assert_eq!(answer["counts"]["overdue"], overdue, "preview = execution (apply_new_waits = {apply})");
        h.server.shutdown().await;
    }
}

#[tokio::test]
async fn saves_are_refused_on_a_stale_version_or_an_active_journey_and_every_version_is_kept() {
    let h = Harness::start(T0).await;
    let (id, _) = paused_after_welcome(&h).await;
    let version = h.version(id).await;
    let (status, body) =
        save(&h, id, json!({ "expected_version": version - 1, "definition": edited(&h, id, "v2", 120).await })).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("version_conflict")), "{body}");
    for (i, template) in ["v2", "v3"].iter().enumerate() {
        let v = h.version(id).await;
        let (status, body) =
            save(&h, id, json!({ "expected_version": v, "definition": edited(&h, id, template, 120).await })).await;
        assert_eq!(status, 200, "save {i}: {body}");
    }
    let versions = h.ok(&format!("/api/journeys/{id}/versions")).await;
    assert_eq!((versions["current"].as_u64(), versions["activated"].as_u64()), (Some(3), Some(1)));
    let templates: Vec<&str> = versions["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["definition"]["nodes"][0]["kind"]["template"].as_str().unwrap())
        .collect();
    assert_eq!(templates, ["welcome", "v2", "v3"]);
    let diff = h.ok(&format!("/api/journeys/{id}/diff?from=2&to=3")).await;
    assert_eq!(diff["changes"][0]["from"]["template"], "v2");
    assert_eq!(h.get(&format!("/api/journeys/{id}/diff?from=9")).await.0, 422);

    activate(&h, id, "resume").await;
    let v = h.version(id).await;
    let (status, body) = save(&h, id, json!({ "expected_version": v, "definition": edited(&h, id, "v4", 120).await })).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["message"], "This journey is Active: pause it first, then edit it.");
    assert_eq!(body["error"]["current_state"], "active");
    h.server.shutdown().await;
}

/// Random edits between random activations (three seeds, eight rounds each): every preview
/// equals the activation that follows it, nothing fails, and no contact receives one send
/// node twice in one generation and iteration.
#[tokio::test]
async fn random_edits_and_activations_keep_preview_equal_to_execution_and_never_resend() {
    for seed in [7_u64, 23, 101] {
        let mut rng = fastrand::Rng::with_seed(seed);
        let h = Harness::start(T0).await;
        let (id, ds) = paused_after_welcome(&h).await;
        let mut now = ts("2026-01-01T10:05:00Z");
        for round in 0..8 {
            let mut def = h.ok(&format!("/api/journeys/{id}")).await["definition"].clone();
            let has_wait = def["nodes"].as_array().unwrap().iter().any(|n| n["id"] == "wait");
            let mut moves = json!([]);
            match rng.u8(0..4) {
                0 => def["nodes"][0]["kind"]["template"] = json!(format!("welcome-{seed}-{round}")),
                1 => {
                    for n in def["nodes"].as_array_mut().unwrap() {
                        if n["id"] == "followup" {
                            n["kind"]["template"] = json!(format!("followup-{seed}-{round}"));
                        }
                    }
                }
                2 if has_wait => {
                    let nodes = def["nodes"].as_array_mut().unwrap();
                    nodes.retain(|n| n["id"] != "wait");
                    nodes[0]["kind"]["next"] = json!("followup");
                    let to = if rng.bool() { json!({ "kind": "node", "node": "followup" }) } else { json!({ "kind": "exit" }) };
                    moves = json!([{ "from": "wait", "to": to }]);
                }
                _ if has_wait => {
                    for n in def["nodes"].as_array_mut().unwrap() {
                        if n["id"] == "wait" {
                            n["kind"]["minutes"] = json!(rng.u32(5..300));
                        }
                    }
                }
                _ => {
                    let nodes = def["nodes"].as_array_mut().unwrap();
                    nodes[0]["kind"]["next"] = json!("wait");
                    nodes.push(
                        json!({ "id": "wait", "kind": { "type": "wait", "minutes": rng.u32(5..300), "next": "followup" } }),
                    );
                }
            }
            let version = h.version(id).await;
            let body = json!({ "expected_version": version, "definition": def, "moves": moves, "apply_new_waits": rng.bool() });
            let (status, saved) = save(&h, id, body).await;
            assert_eq!(status, 200, "seed {seed} round {round}: {saved}");
            if rng.u8(0..3) == 0 {
                let (_, more) = h.dataset(&format!("more-{seed}-{round}"), 2, &[]).await;
                h.ok_post(&format!("/api/datasets/{ds}/contacts"), json!({ "contact_ids": more })).await;
            }

            now += SignedDuration::from_mins(i64::from(rng.u32(1..90)));
            h.clock.set(now);
            let mode = if rng.u8(0..3) == 0 { "restart" } else { "resume" };
            let wait = if rng.bool() { "keep_deadlines" } else { "extend_by_pause" };
            let preview = h.ok(&format!("/api/journeys/{id}/preview?mode={mode}&wait_handling={wait}")).await;
            let (status, answer) = h.activate(id, mode, wait).await;
            assert_eq!(status, 200, "seed {seed} round {round}: {answer}");
            for field in ["continuing", "overdue", "entering", "exited_by_restart", "exited_by_edit", "re_receiving"] {
                assert_eq!(answer["counts"][field], preview[field], "seed {seed} round {round} {mode}: {field}");
            }
            now += SignedDuration::from_mins(i64::from(rng.u32(10..600)));
            h.run_until(now, SignedDuration::from_mins(30)).await;
            h.ok_post(&format!("/api/journeys/{id}/pause"), json!({})).await;
        }
        let duplicates: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT contact_id, generation, iteration, node_id FROM message_log
             WHERE journey_id = $1 GROUP BY 1, 2, 3, 4 HAVING COUNT(*) > 1) AS twice",
        )
        .bind(id as i64)
        .fetch_one(h.server.store().pool())
        .await
        .unwrap();
        assert_eq!(duplicates, 0, "seed {seed}");
        h.server.shutdown().await;
    }
}
