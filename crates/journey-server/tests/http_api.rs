//! Every endpoint's success path and every error status, over HTTP against a real SQLite file.

mod common;

use common::*;
use journey_core::access::Role;
use serde_json::json;

const T0: &str = "2026-01-01T08:00:00Z";

async fn paused_journey(h: &Harness) -> (u64, u64) {
    let (ds, _) = h.dataset("api", 10, &[9]).await;
    let id =
        h.create(two_sends("Onboarding series", ds, "Asia/Kolkata", daily("14:00", "2025-12-01"), "new_users", 60), true).await;
    assert_eq!(h.state(id).await, "scheduled");
    // First run at 14:00 IST = 08:30Z.
    h.clock.set(ts("2026-01-01T08:30:00Z"));
    h.run_now().await;
    assert_eq!(h.state(id).await, "active");
    h.ok_post(&format!("/api/journeys/{id}/pause"), json!({})).await;
    (id, ds)
}

#[tokio::test]
async fn health_list_detail_snapshot() {
    let h = Harness::start(T0).await;
    let health = h.ok("/api/health").await;
    assert_eq!(health["status"], "ok");

    let (id, _) = paused_journey(&h).await;
    let list = h.ok("/api/journeys").await;
    assert_eq!(list["counts"]["paused"], 1);
    assert_eq!(list["rows"][0]["name"], "Onboarding series");
    assert_eq!(list["rows"][0]["contacts_in_journey"], 9);
    assert!(list["rows"][0]["paused_at"].is_string());
    assert_eq!(h.ok("/api/journeys?state=active").await["rows"].as_array().unwrap().len(), 0);
    assert_eq!(h.ok("/api/journeys?state=paused&q=ONBOARD").await["rows"].as_array().unwrap().len(), 1);
    assert_eq!(h.ok("/api/journeys?q=nothing-like-it").await["rows"].as_array().unwrap().len(), 0);
    assert_eq!(h.ok("/api/journeys?q=%25").await["rows"].as_array().unwrap().len(), 0);
    let (status, body) = h.get("/api/journeys?state=sleeping").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "invalid_request");

    let detail = h.ok(&format!("/api/journeys/{id}")).await;
    assert_eq!(detail["state"], "paused");
    assert_eq!(detail["generation"], 1);
    assert_eq!(detail["node_counts"][0]["node"], "wait");
    assert_eq!(detail["node_counts"][0]["count"], 9);
    let actions: Vec<&str> = detail["activity"].as_array().unwrap().iter().map(|a| a["to"].as_str().unwrap()).collect();
    assert_eq!(actions, ["draft", "scheduled", "active", "paused"]);

    let snap = h.ok(&format!("/api/journeys/{id}/snapshot")).await;
    assert_eq!(snap["audience"]["subscribed"], 9);
    assert_eq!(snap["audience"]["suppressed"], 1);
    assert_eq!(snap["audience"]["in_flight"], 9);
    assert_eq!(snap["audience"]["already_received"], 9);
    assert_eq!(snap["waits"][0]["node"], "wait");
    let parsed: journey_core::snapshot::JourneySnapshot = serde_json::from_value(snap).unwrap();
    parsed.check().unwrap();

    for path in [
        "/api/journeys/999",
        "/api/journeys/999/snapshot",
        "/api/journeys/999/preview?mode=resume",
        "/api/journeys/18446744073709551615",
    ] {
        let (status, body) = h.get(path).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert_eq!(body["error"]["code"], "not_found");
    }
    let (status, body) = h.get("/api/journeys/abc").await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = h.get("/api/nothing/here").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");
    let res = h.http.delete(h.url("/api/journeys")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 405);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "method_not_allowed");
    let spec = h.ok("/api/openapi.json").await;
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
}

#[tokio::test]
async fn create_and_publish_errors() {
    let h = Harness::start(T0).await;
    let (ds, _) = h.dataset("c", 2, &[]).await;
    let def = two_sends("New", ds, "Europe/Berlin", daily("09:00", "2026-01-05"), "all_users", 30);

    // 422: invalid definitions, each named in words.
    let mut bad_zone = def.clone();
    bad_zone["time_zone"] = json!("Mars/Olympus");
    let (status, body) = h.post("/api/journeys", bad_zone).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("Mars/Olympus"));
    let mut bad_node = def.clone();
    bad_node["entry"] = json!("nowhere");
    let (status, body) = h.post("/api/journeys", bad_node).await;
    assert_eq!(status, 422);
    assert!(body["error"]["message"].as_str().unwrap().contains("nowhere"), "{body}");
    let mut bad_ds = def.clone();
    bad_ds["trigger"]["source"]["dataset_id"] = json!(4242);
    assert_eq!(h.post("/api/journeys", bad_ds).await.0, 422);
    let mut wrong_type = def.clone();
    wrong_type["nodes"] = json!("three");
    assert_eq!(h.post("/api/journeys", wrong_type).await.0, 422);
    // 422: unknown field, at the top and nested.
    let mut unknown = def.clone();
    unknown["colour"] = json!("blue");
    let (status, body) = h.post("/api/journeys", unknown).await;
    assert_eq!(status, 422);
    assert!(body["error"]["message"].as_str().unwrap().contains("colour"), "{body}");
    let mut nested = def.clone();
    nested["trigger"]["source"]["extra"] = json!(1);
    assert_eq!(h.post("/api/journeys", nested).await.0, 422);
    // Every level of the definition is strict, and the message names the field.
    for pointer in
        ["/trigger", "/trigger/schedule", "/trigger/schedule/frequency", "/trigger/schedule/end", "/nodes/0", "/nodes/0/kind"]
    {
        let mut deep = def.clone();
        let Some(serde_json::Value::Object(at)) = deep.pointer_mut(pointer) else { panic!("{pointer} in {def}") };
        at.insert("flavour".into(), json!("x"));
        let (status, body) = h.post("/api/journeys", deep).await;
        assert_eq!(status, 422, "{pointer}: {body}");
        assert!(body["error"]["message"].as_str().unwrap().contains("unknown field `flavour`"), "{pointer}: {body}");
    }
    // The other request bodies too.
    for (path, body) in [
        ("/api/contacts", json!({ "contacts": [{ "email": "x@example.com", "nickname": "x" }] })),
        ("/api/datasets", json!({ "name": "x", "nickname": "x" })),
        ("/api/events", json!({ "contact_id": 1, "name": "x", "nickname": "x" })),
    ] {
        let (status, body) = h.post(path, body).await;
        assert_eq!(status, 422, "{path}: {body}");
        assert!(body["error"]["message"].as_str().unwrap().contains("nickname"), "{path}: {body}");
    }
    // 400: malformed JSON; 415: wrong content type; 413: oversized.
    let (status, body) = h.post_raw("/api/journeys", Some("application/json"), b"{\"name\": ".to_vec()).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "invalid_request");
    let (status, body) = h.post_raw("/api/journeys", Some("text/plain"), serde_json::to_vec(&def).unwrap()).await;
    assert_eq!(status, 415, "{body}");
    let (status, _) = h.post_raw("/api/journeys", None, serde_json::to_vec(&def).unwrap()).await;
    assert_eq!(status, 415);
    let mut huge = def.clone();
    huge["name"] = json!("x".repeat(2 * 1024 * 1024));
    let (status, body) = h.post_raw("/api/journeys", Some("application/json"), serde_json::to_vec(&huge).unwrap()).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"]["code"], "payload_too_large");

    // 201 Draft, then publish -> Scheduled, publish again -> 409.
    let (status, created) = h.post("/api/journeys", def.clone()).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["state"], "draft");
    let id = created["id"].as_u64().unwrap();
    let (status, body) = h.post(&format!("/api/journeys/{id}/pause"), json!({})).await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["code"], "invalid_transition");
    let (status, body) = h.post(&format!("/api/journeys/{id}/publish"), json!({ "expected_version": 99 })).await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["code"], "version_conflict");
    assert_eq!(body["error"]["current_version"], 1);
    let published = h.ok_post(&format!("/api/journeys/{id}/publish"), json!({})).await;
    assert_eq!(published["state"], "scheduled");
    assert_eq!(published["next_run_at"], "2026-01-05T08:00:00Z");
    let (status, body) = h.post(&format!("/api/journeys/{id}/publish"), json!({})).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(h.post("/api/journeys/77/publish", json!({})).await.0, 404);
    // A once journey in the past cannot be published.
    let past = two_sends("Past", ds, "UTC", once("2025-06-01T10:00:00"), "new_users", 30);
    let id = h.create(past, false).await;
    let (status, body) = h.post(&format!("/api/journeys/{id}/publish"), json!({})).await;
    assert_eq!(status, 422, "{body}");
}

#[tokio::test]
async fn pause_stop_preview_activate_statuses() {
    let h = Harness::start(T0).await;
    let (id, _) = paused_journey(&h).await;
    let path = |p: &str| format!("/api/journeys/{id}/{p}");
    // Pause a paused journey: 409 with a sentence.
    let (status, body) = h.post(&path("pause"), json!({})).await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["current_state"], "paused");
    assert!(body["error"]["message"].as_str().unwrap().contains("only Active journeys can be paused"));
    // An empty body is accepted, but only as JSON (a form or beacon could send it otherwise);
    // an unknown field in the body is rejected.
    assert_eq!(h.post(&path("stop"), json!({ "expected_version": 1, "why": "x" })).await.0, 422);
    let res = h.http.post(h.url(&path("stop"))).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 415);
    assert_eq!(h.state(id).await, "paused");
    let res = h.http.post(h.url(&path("stop"))).header("content-type", "application/json").send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(h.state(id).await, "stopped");

    // Preview.
    let plan = h.ok(&path("preview?mode=resume")).await;
    assert_eq!(plan["next_run"]["kind"], "at");
    assert_eq!(plan["next_run"]["at"], "2026-01-02T08:30:00Z");
    assert_eq!(plan["continuing"], 9);
    let restart = h.ok(&path("preview?mode=restart&at=2026-01-01T09:00:00Z")).await;
    assert_eq!(restart["next_run"]["kind"], "immediately");
    assert_eq!(restart["exited_by_restart"], 9);
    assert_eq!(h.get(&path("preview?mode=sideways")).await.0, 400);
    assert_eq!(h.get(&path("preview")).await.0, 400);
    assert_eq!(h.get(&path("preview?mode=resume&at=yesterday")).await.0, 400);
    assert_eq!(h.get(&path("preview?mode=resume&at=2027-01-01T00:00:00Z")).await.0, 422);

    // Activate: errors first.
    let version = h.version(id).await;
    let url = path("activate");
    let (status, body) = h.post(&url, json!({ "mode": "resume", "expected_version": version - 1 })).await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["code"], "version_conflict");
    assert_eq!(body["error"]["current_version"], version);
    assert_eq!(h.post(&url, json!({ "mode": "again", "expected_version": version })).await.0, 422);
    assert_eq!(h.post(&url, json!({ "mode": "resume" })).await.0, 422);
    assert_eq!(h.post(&url, json!({ "mode": "resume", "expected_version": version, "force": true })).await.0, 422);
    assert_eq!(h.post_raw(&url, Some("text/plain"), b"{}".to_vec()).await.0, 415);
    assert_eq!(h.post_raw(&url, Some("application/json"), b"[1,".to_vec()).await.0, 400);
    assert_eq!(h.post("/api/journeys/999/activate", json!({ "mode": "resume", "expected_version": 1 })).await.0, 404);

    // Success, then the same key answers the same, a reused key for another request is 422,
    // and a second activation is 409.
    let body = json!({ "mode": "resume", "wait_handling": "keep_deadlines", "expected_version": version });
    let (status, first) = h.post_with(&url, body.clone(), &[("Idempotency-Key", "abc")]).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["journey"]["state"], "active");
    assert_eq!(first["counts"]["continuing"], 9);
    let last = first["journey"]["activity"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["actor"], "Olive Operator <olive.operator@test.example> (API token \"tests\")");
    assert_eq!(last["mode"], "resume");
    assert_eq!(last["counts"]["continuing"], 9);
    let (status, again) = h.post_with(&url, body.clone(), &[("Idempotency-Key", "abc")]).await;
    assert_eq!(status, 200);
    assert_eq!(again, first);
    let mut other = body.clone();
    other["mode"] = json!("restart");
    assert_eq!(h.post_with(&url, other, &[("Idempotency-Key", "abc")]).await.0, 422);
    let (status, body) = h.post_with(&url, body, &[("Idempotency-Key", "def")]).await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["code"], "version_conflict");
    let (status, body) = h.post(&url, json!({ "mode": "resume", "expected_version": h.version(id).await })).await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["code"], "invalid_transition");
    assert_eq!(h.get(&path("preview?mode=resume")).await.0, 409);
}

#[tokio::test]
async fn contacts_datasets_events() {
    let h = Harness::start(T0).await;
    let (status, body) =
        h.post("/api/contacts", json!({ "contacts": [{ "email": "a@example.com" }, { "phone": "+4912345" }] })).await;
    assert_eq!(status, 201, "{body}");
    let ids = body["ids"].clone();
    assert_eq!(h.post("/api/contacts", json!({ "contacts": [{ "email": "a@example.com" }] })).await.0, 409);
    assert_eq!(h.post("/api/contacts", json!({ "contacts": [{ "attributes": {} }] })).await.0, 422);
    assert_eq!(h.post("/api/contacts", json!({ "contacts": [{ "email": "b@example.com", "age": 3 }] })).await.0, 422);
    assert_eq!(
        h.post("/api/contacts", json!({ "contacts": [{ "email": "b@example.com", "attributes": { "n": 1 } }] })).await.0,
        422
    );
    let id0 = ids[0].as_u64().unwrap();
    assert_eq!(h.post(&format!("/api/contacts/{id0}/subscription"), json!({ "subscribed": false })).await.0, 200);
    assert_eq!(h.post("/api/contacts/999/subscription", json!({ "subscribed": false })).await.0, 404);
    let (status, ds) = h.post("/api/datasets", json!({ "name": "VIP" })).await;
    assert_eq!(status, 201);
    let ds = ds["id"].as_u64().unwrap();
    assert_eq!(h.post("/api/datasets", json!({ "name": "  " })).await.0, 422);
    let added = h.ok_post(&format!("/api/datasets/{ds}/contacts"), json!({ "contact_ids": ids })).await;
    assert_eq!(added["added"], 2);
    assert_eq!(h.post("/api/datasets/999/contacts", json!({ "contact_ids": [] })).await.0, 404);
    assert_eq!(h.post(&format!("/api/datasets/{ds}/contacts"), json!({ "contact_ids": [12345] })).await.0, 422);
    let (status, ev) = h.post("/api/events", json!({ "contact_id": id0, "name": "cart_abandoned" })).await;
    assert_eq!(status, 202, "{ev}");
    assert_eq!(ev["at"], T0);
    assert_eq!(h.post("/api/events", json!({ "contact_id": 999, "name": "x" })).await.0, 422);
    assert_eq!(h.post("/api/events", json!({ "contact_id": id0, "name": "" })).await.0, 422);
}

#[tokio::test]
async fn every_change_to_a_journey_is_in_the_activity_log_with_who_made_it() {
    let h = Harness::start(T0).await;
    let (ds, _) = h.dataset("activity", 4, &[]).await;
    let def = two_sends("Who did it", ds, "Europe/Berlin", daily("10:00", "2026-01-01"), "new_users", 60);
    // Five operators, each with their own token; each also sends an `X-Actor` header naming
    // someone else, which changes nothing.
    let mut people = std::collections::HashMap::new();
    for name in ["Ana Alves", "Ben Brook", "Chen Chu", "Dara Diaz", "Emil Eck"] {
        people.insert(name.split(' ').next().unwrap().to_lowercase(), h.client_as(Role::Operator, name).await);
    }
    let forged = [("X-Actor", "mallory")];
    let (status, created) = h.post_by(&people["ana"], "/api/journeys", def, &forged).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_u64().unwrap();
    let mut version = created["version"].as_u64().unwrap();
    for (action, who) in [("publish", "ben"), ("pause", "chen"), ("stop", "dara")] {
        if action == "pause" {
            // The first run (10:00 Berlin = 09:00Z) starts the journey, under the name "system".
            h.clock.set(ts("2026-01-01T09:00:00Z"));
            h.run_now().await;
            version = h.version(id).await;
        }
        let (status, detail) = h.post_by(&people[who], &format!("/api/journeys/{id}/{action}"), json!({}), &forged).await;
        assert_eq!(status, 200, "{action}: {detail}");
        // One change, one new version: the page that sent it can go on without reloading.
        assert_eq!(detail["version"].as_u64().unwrap(), version + 1, "{action}");
        version += 1;
    }
    let body = json!({ "mode": "restart", "wait_handling": "keep_deadlines", "expected_version": version });
    let (status, activated) = h.post_by(&people["emil"], &format!("/api/journeys/{id}/activate"), body, &forged).await;
    assert_eq!(status, 200, "{activated}");
    assert_eq!(activated["journey"]["version"].as_u64().unwrap(), version + 1);

    let detail = h.ok(&format!("/api/journeys/{id}")).await;
    let log: Vec<(String, Option<String>, String)> = detail["activity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["actor"].as_str().unwrap().to_string(),
                a["from"].as_str().map(str::to_string),
                a["to"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = [
        ("Ana Alves", None, "draft"),
        ("Ben Brook", Some("draft"), "scheduled"),
        ("system", Some("scheduled"), "active"),
        ("Chen Chu", Some("active"), "paused"),
        ("Dara Diaz", Some("paused"), "stopped"),
        ("Emil Eck", Some("stopped"), "active"),
    ];
    let named = |who: &str| match who {
        "system" => who.to_string(),
        _ => format!("{who} <{}@test.example> (API token \"tests\")", who.to_lowercase().replace(' ', ".")),
    };
    let expected: Vec<(String, Option<String>, String)> =
        expected.iter().map(|(w, f, t)| (named(w), f.map(str::to_string), t.to_string())).collect();
    assert_eq!(log, expected);
    // The restart's line carries what it did: 4 contacts entered at once.
    assert_eq!(detail["activity"][5]["mode"], "restart");
    assert_eq!(detail["activity"][5]["counts"]["entering"], 4);
}

#[tokio::test]
async fn bodies_are_objects_texts_are_plain_and_emails_ignore_case() {
    let h = Harness::start(T0).await;
    let (id, _) = paused_journey(&h).await;

    // `[]` reads as an empty struct to serde; here it is refused and the journey stays paused.
    let (status, body) = h.post_raw(&format!("/api/journeys/{id}/stop"), Some("application/json"), b"[]".to_vec()).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("JSON object"), "{body}");
    assert_eq!(h.state(id).await, "paused");
    let (status, _) = h.post_raw("/api/datasets", Some("application/json"), b"[\"Signups\"]".to_vec()).await;
    assert_eq!(status, 422);

    // A line break cannot reach a log line or a screen as itself.
    let (status, body) = h.post("/api/datasets", json!({ "name": "Signups\nINFO forged line" })).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["message"], "The data set name contains a control character (such as a line break); remove it.");
    let (status, body) = h.post("/api/contacts", json!({ "contacts": [{ "email": "a\u{0}@example.com" }] })).await;
    assert_eq!(status, 422, "{body}");
    let mut def = two_sends("Spring\tsale", 1, "UTC", daily("10:00", "2026-01-01"), "new_users", 60);
    let (status, body) = h.post("/api/journeys", def.clone()).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("invalid_definition")), "{body}");

    // Limits count characters, not bytes: 200 "é" (400 bytes) is a valid name, 201 is not.
    let (status, body) = h.post("/api/datasets", json!({ "name": "é".repeat(200) })).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = h.post("/api/datasets", json!({ "name": "é".repeat(201) })).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["message"], "The data set name is too long (at most 200 characters).");
    def["name"] = json!("é".repeat(200));
    let (status, body) = h.post("/api/journeys", def).await;
    assert_eq!(status, 201, "{body}");

    // Emails are one contact whatever their case, in one request and across requests.
    let (status, body) = h.post("/api/contacts", json!({ "contacts": [{ "email": "Ana@Example.com" }] })).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = h.post("/api/contacts", json!({ "contacts": [{ "email": "ana@example.com" }] })).await;
    assert_eq!(status, 409, "{body}");
    let both = json!({ "contacts": [{ "email": "bo@example.com" }, { "email": "BO@example.com" }] });
    let (status, body) = h.post("/api/contacts", both).await;
    assert_eq!(status, 422, "{body}");
}
