//! `GET /api/openapi.json`: the API described as OpenAPI 3.1.
//!
//! Kept by hand next to the router (journey-core's types carry no schema derive) and tested
//! to match: `tests/openapi.rs` checks every route of the router is documented and that real
//! responses validate against these schemas; schemathesis runs against it (see the README of
//! this crate's tests, `tests/openapi.rs`).

use axum::Json;
use serde_json::{Value, json};

pub async fn document() -> Json<Value> {
    Json(spec())
}

fn r(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn nullable(schema: Value) -> Value {
    json!({ "oneOf": [schema, { "type": "null" }] })
}

fn obj(required: &[&str], props: Value) -> Value {
    json!({ "type": "object", "required": required, "properties": props, "additionalProperties": false })
}

/// A response object whose body is JSON of `schema`.
fn resp(description: &str, schema: Value) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": schema } } })
}

fn err(description: &str) -> Value {
    resp(description, r("Error"))
}

fn body(schema: Value, required: bool) -> Value {
    json!({ "required": required, "content": { "application/json": { "schema": schema } } })
}

fn id_param(what: &str) -> Value {
    json!({ "name": "id", "in": "path", "required": true, "description": format!("The {what}'s id."),
            "schema": { "type": "integer", "minimum": 0, "format": "int64" } })
}

/// Responses common to every operation with a JSON body.
fn with_body_errors(mut responses: Value) -> Value {
    let extra = json!({
        "400": err("The body is not JSON, or the path or query is malformed."),
        "413": err("The body is larger than 1 MiB."),
        "415": err("The body is not sent as application/json."),
        "422": err("The body is well-formed JSON but not a valid request (including unknown fields)."),
    });
    if let (Some(map), Some(extra)) = (responses.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            map.entry(k.clone()).or_insert(v.clone());
        }
    }
    responses
}

/// The document.
pub fn spec() -> Value {
    with_common_answers(document_body())
}

/// Answers any operation may give: 414 and 431 for an oversized request (checked before any
/// handler), and, for every operation that reads or writes the database, 503 with
/// `Retry-After` when the database cannot take it in time (only the two answered from memory
/// never do).
fn with_common_answers(mut doc: Value) -> Value {
    let busy = err("The server is busy; nothing was changed. Try again after the `Retry-After` seconds.");
    let host = err("The request's host name is not one this server answers for (loopback names, or `--public-origin`).");
    let nobody = err("Nobody is signed in: no session cookie or API token, or an ended session, or a revoked token.");
    let role = err(
        "Signed in, but the role is not enough (the message names the role needed), or a cookie-authenticated change that did not come from the console.",
    );
    let not_json = err("A change must be sent with `Content-Type: application/json`, even with an empty body.");
    let uri = err("The address is longer than 8 KiB.");
    let headers = err("The request's headers are larger than 16 KiB.");
    if let Some(paths) = doc["paths"].as_object_mut() {
        for (path, ops) in paths.iter_mut() {
            let from_memory = path == "/api/health" || path == "/api/openapi.json";
            let public = from_memory || path == "/api/sign-in";
            for (method, op) in ops.as_object_mut().into_iter().flat_map(|o| o.iter_mut()) {
                if public {
                    op["security"] = json!([]);
                }
                if let Some(responses) = op["responses"].as_object_mut() {
                    responses.insert("414".to_string(), uri.clone());
                    responses.insert("431".to_string(), headers.clone());
                    responses.insert("421".to_string(), host.clone());
                    if !public {
                        responses.insert("401".to_string(), nobody.clone());
                        responses.entry("403".to_string()).or_insert(role.clone());
                    }
                    if method == "post" || method == "put" {
                        responses.entry("415".to_string()).or_insert(not_json.clone());
                        responses.entry("403".to_string()).or_insert(role.clone());
                    }
                    if !from_memory {
                        responses.insert("503".to_string(), busy.clone());
                    }
                }
            }
        }
    }
    doc
}

fn document_body() -> Value {
    let ts = json!({ "type": "string", "format": "date-time" });
    let count = json!({ "type": "integer", "minimum": 0 });
    let text = json!({ "type": "string" });
    let node_id = json!({ "type": "string" });
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Journey console API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Journeys, their reactivation (Resume or Restart) and the data that feeds them. Every error is {\"error\": {\"code\", \"message\"}}.",
        },
        "servers": [{ "url": "/" }],
        "security": [{ "bearerToken": [] }, { "sessionCookie": [] }],
        "paths": {
            "/api/sign-in": { "post": {
                "operationId": "signIn", "summary": "Starts a session: sets the `journey_session` cookie (HttpOnly, SameSite=Strict). Limited per account and per address.",
                "requestBody": body(r("SignInRequest"), true),
                "responses": with_body_errors(json!({
                    "200": resp("Signed in; the cookie is set.", r("SessionResponse")),
                    "401": err("The email or password is not right (the same answer for an unknown email)."),
                    "429": err("Too many attempts; try again after the `Retry-After` seconds."),
                })),
            }},
            "/api/sign-out": { "post": {
                "operationId": "signOut", "summary": "Ends the session and clears the cookie. Takes no body (but `Content-Type: application/json`).",
                "responses": { "204": { "description": "Signed out." } },
            }},
            "/api/me": { "get": {
                "operationId": "me", "summary": "Who is signed in (the session's person, or the API token's owner).",
                "responses": { "200": resp("The person.", r("SessionResponse")) },
            }},
            "/api/users": {
                "get": {
                    "operationId": "listUsers", "summary": "Everyone who can sign in (admins).",
                    "responses": { "200": resp("The people.", obj(&["users"], json!({ "users": { "type": "array", "items": r("UserView") } }))) },
                },
                "post": {
                    "operationId": "addUser", "summary": "Adds a person (admins).",
                    "requestBody": body(r("AddUserRequest"), true),
                    "responses": with_body_errors(json!({
                        "201": resp("Added.", r("UserView")),
                        "409": err("Someone already signs in with that email."),
                    })),
                },
            },
            "/api/users/{id}": { "post": {
                "operationId": "changeUser", "summary": "Changes a person's role, disables or enables them, or sets a new password (admins).",
                "parameters": [id_param("person")],
                "requestBody": body(r("ChangeUserRequest"), true),
                "responses": with_body_errors(json!({
                    "200": resp("Changed.", r("UserView")),
                    "404": err("No such person."),
                })),
            }},
            "/api/tokens": {
                "get": {
                    "operationId": "listTokens", "summary": "Every API token, never the token itself (admins).",
                    "responses": { "200": resp("The tokens.", obj(&["tokens"], json!({ "tokens": { "type": "array", "items": r("TokenRecord") } }))) },
                },
                "post": {
                    "operationId": "createToken", "summary": "Creates an API token acting as a person with their role; the answer is the only time it is shown (admins).",
                    "requestBody": body(r("CreateTokenRequest"), true),
                    "responses": with_body_errors(json!({
                        "201": resp("Created.", obj(&["id", "user_id", "name", "token"], json!({ "id": count, "user_id": count, "name": text, "token": text }))),
                        "404": err("No such person."),
                    })),
                },
            },
            "/api/tokens/{id}/revoke": { "post": {
                "operationId": "revokeToken", "summary": "Revokes an API token at once (admins). Takes no body.",
                "parameters": [id_param("token")],
                "responses": {
                    "200": resp("Revoked.", obj(&["id", "revoked"], json!({ "id": count, "revoked": { "const": true } }))),
                    "400": err("A malformed id."),
                    "404": err("No such live token."),
                },
            }},
            "/api/health": { "get": {
                "operationId": "health", "summary": "The server answers; the runner's last pass and lag (from memory).",
                "responses": { "200": resp("Healthy.", r("Health")) },
            }},
            "/api/openapi.json": { "get": {
                "operationId": "openapi", "summary": "This document.",
                "responses": { "200": resp("The OpenAPI document.", json!({ "type": "object" })) },
            }},
            "/api/journeys": {
                "get": {
                    "operationId": "listJourneys", "summary": "The rows of one tab (or all) and the count of every state.",
                    "parameters": [
                        { "name": "state", "in": "query", "required": false, "schema": r("JourneyState") },
                        { "name": "q", "in": "query", "required": false, "description": "Part of the name (case-insensitive).", "schema": { "type": "string", "maxLength": 200 } },
                    ],
                    "responses": {
                        "200": resp("The list.", r("JourneyListResponse")),
                        "400": err("A malformed query."),
                        "422": err("The search text is too long."),
                    },
                },
                "post": {
                    "operationId": "createJourney", "summary": "Creates a Draft from a definition (published at once with `publish: true`).",
                    "requestBody": body(r("CreateJourneyRequest"), true),
                    "responses": with_body_errors(json!({
                        "201": resp("Created.", r("CreateJourneyResponse")),
                        "409": err("Publishing is not allowed."),
                    })),
                },
            },
            "/api/journeys/{id}": { "get": {
                "operationId": "getJourney", "summary": "The journey page: definition, per-node counts, schedule, version, activity.",
                "parameters": [id_param("journey")],
                "responses": { "200": resp("The journey.", r("JourneyDetail")), "400": err("A malformed id."), "404": err("No such journey.") },
            }},
            "/api/journeys/{id}/snapshot": { "get": {
                "operationId": "getSnapshot", "summary": "The aggregates the browser computes the activation preview from (journey-core's JourneySnapshot); with `at` a later instant, projected to it from today's facts (`projected_from`).",
                "parameters": [
                    id_param("journey"),
                    { "name": "at", "in": "query", "required": false, "description": "A later instant (within 90 days) to project to.", "schema": ts },
                ],
                "responses": {
                    "200": resp("The snapshot.", r("JourneySnapshot")),
                    "400": err("A malformed id or query."),
                    "404": err("No such journey."),
                    "422": err("`at` is more than 90 days ahead."),
                },
            }},
            "/api/journeys/{id}/preview": { "get": {
                "operationId": "previewActivation", "summary": "journey-core's activation plan from a fresh snapshot, at `at` (default now).",
                "parameters": [
                    id_param("journey"),
                    { "name": "mode", "in": "query", "required": true, "schema": r("ActivationMode") },
                    { "name": "wait_handling", "in": "query", "required": false, "schema": r("WaitHandling") },
                    { "name": "at", "in": "query", "required": false, "schema": ts },
                ],
                "responses": {
                    "200": resp("The plan.", r("ActivationPlan")),
                    "400": err("A malformed id or query."),
                    "404": err("No such journey."),
                    "409": err("The journey is not Paused or Stopped."),
                    "422": err("`at` is past the snapshot's horizon."),
                },
            }},
            "/api/journeys/{id}/messages": { "get": {
                "operationId": "listMessages", "summary": "The journey's message log, oldest first, a page at a time.",
                "parameters": [
                    id_param("journey"),
                    { "name": "after", "in": "query", "required": false, "schema": { "type": "integer", "format": "int64" } },
                    { "name": "limit", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1, "maximum": 10000 } },
                    { "name": "skipped", "in": "query", "required": false, "description": "true: the messages the stale-message guard did not send, each with its reason.", "schema": { "type": "boolean" } },
                ],
                "responses": {
                    "200": resp("A page.", r("MessagesResponse")),
                    "400": err("A malformed id or query."),
                    "404": err("No such journey."),
                    "422": err("`limit` out of range."),
                },
            }},
            "/api/zone": { "get": {
                "operationId": "getZone",
                "summary": "A time zone's rules (TZif, base64) from the server's bundled database, the one journey times come from: the console writes the viewer's times with them. Cacheable for a day.",
                "parameters": [
                    { "name": "name", "in": "query", "required": true, "description": "An IANA zone name, e.g. America/Havana.", "schema": { "type": "string" } },
                ],
                "responses": {
                    "200": resp("The zone.", obj(&["name", "tzif"], json!({ "name": text, "tzif": { "type": "string", "contentEncoding": "base64" } }))),
                    "400": err("A malformed query."),
                    "404": err("No zone has this name."),
                },
            }},
            "/api/journeys/{id}/contact": { "get": {
                "operationId": "explainContact",
                "summary": "One contact's facts for the journey (membership, step, deadline, subscription, audience, entered in this generation, latest messages): what the summary needs to say what an activation will do to them.",
                "parameters": [
                    id_param("journey"),
                    { "name": "email", "in": "query", "required": true, "description": "The contact's email, matched without regard to case.", "schema": { "type": "string", "minLength": 1, "maxLength": 320 } },
                ],
                "responses": {
                    "200": resp("The contact's facts.", r("ContactFacts")),
                    "400": err("A malformed id or query."),
                    "404": err("No such journey, or no contact has this email."),
                    "422": err("An empty or overlong email."),
                },
            }},
            "/api/journeys/{id}/delivery": { "get": {
                "operationId": "getDelivery",
                "summary": "How many of the journey's messages are queued, delivering (in flight), retrying, delivered and dead, and its dead messages with their last error, oldest first, a page at a time.",
                "parameters": [
                    id_param("journey"),
                    { "name": "after", "in": "query", "required": false, "description": "Continue after this `next_after`.", "schema": { "type": "integer", "format": "int64" } },
                    { "name": "limit", "in": "query", "required": false, "description": "Dead messages per page (default 100).", "schema": { "type": "integer", "minimum": 1, "maximum": 1000 } },
                ],
                "responses": {
                    "200": resp("The counts and a page of dead messages.", r("DeliveryResponse")),
                    "400": err("A malformed id or query."),
                    "404": err("No such journey."),
                    "422": err("`limit` out of range."),
                },
            }},
            "/api/journeys/{id}/delivery/retry": { "post": {
                "operationId": "retryJourneyDelivery",
                "summary": "Puts every dead message of the journey back in the delivery queue, with a fresh count of attempts. Takes no body.",
                "parameters": [id_param("journey")],
                "responses": {
                    "200": resp("How many were queued again (0 when none was dead).", obj(&["requeued"], json!({ "requeued": count }))),
                    "400": err("A malformed id."),
                    "404": err("No such journey."),
                },
            }},
            "/api/journeys/{id}/publish": { "post": {
                "operationId": "publishJourney", "summary": "Draft to Scheduled (first run in the future) or Active (event trigger).",
                "parameters": [id_param("journey")],
                "requestBody": body(r("VersionRequest"), false),
                "responses": with_body_errors(json!({
                    "200": resp("The journey after publishing.", r("JourneyDetail")),
                    "404": err("No such journey."),
                    "409": err("Not a Draft, or a stale `expected_version`."),
                })),
            }},
            "/api/journeys/{id}/pause": { "post": {
                "operationId": "pauseJourney", "summary": "Active to Paused.",
                "parameters": [id_param("journey")],
                "requestBody": body(r("VersionRequest"), false),
                "responses": with_body_errors(json!({
                    "200": resp("The journey after pausing.", r("JourneyDetail")),
                    "404": err("No such journey."),
                    "409": err("Not Active, or a stale `expected_version`."),
                })),
            }},
            "/api/journeys/{id}/stop": { "post": {
                "operationId": "stopJourney", "summary": "Active or Paused to Stopped.",
                "parameters": [id_param("journey")],
                "requestBody": body(r("VersionRequest"), false),
                "responses": with_body_errors(json!({
                    "200": resp("The journey after stopping.", r("JourneyDetail")),
                    "404": err("No such journey."),
                    "409": err("Not Active or Paused, or a stale `expected_version`."),
                })),
            }},
            "/api/journeys/{id}/activate": { "post": {
                "operationId": "activateJourney",
                "summary": "Resume or Restart a Paused or Stopped journey, in one transaction; the same Idempotency-Key returns the first answer.",
                "parameters": [
                    id_param("journey"),
                    { "name": "Idempotency-Key", "in": "header", "required": false, "schema": { "type": "string", "minLength": 1, "maxLength": 200 } },
                ],
                "requestBody": body(r("ActivateRequest"), true),
                "responses": with_body_errors(json!({
                    "200": resp("What the activation did.", r("ActivateResponse")),
                    "202": resp("It waits: for its instant (`at`), or for a second operator's approval (the plan's first hour is above the workspace's threshold).", r("PendingResponse")),
                    "404": err("No such journey."),
                    "409": err("Not Paused or Stopped, or a stale `expected_version` (the body has the current version and state), or `still_applying`: the last activation is still being applied to the contacts (with `Retry-After`)."),
                })),
            }},
            "/api/journeys/{id}/pending/approve": { "post": {
                "operationId": "approvePending",
                "summary": "Approves the journey's activation awaiting approval (not the asker's own): it runs now, planned again from a fresh snapshot, or at its instant if that is still ahead.",
                "parameters": [
                    id_param("journey"),
                    { "name": "Idempotency-Key", "in": "header", "required": false, "schema": { "type": "string", "minLength": 1, "maxLength": 200 } },
                ],
                "requestBody": body(r("PendingDecision"), true),
                "responses": with_body_errors(json!({
                    "200": resp("It ran: what the activation did.", r("ActivateResponse")),
                    "202": resp("Approved; it waits for its instant.", r("PendingResponse")),
                    "403": err("The asker's own request (`own_request`), or the role is not enough."),
                    "404": err("No such journey."),
                    "409": err("A stale `expected_version`; `not_pending`: it no longer waits for approval; the journey cannot be activated; `still_applying`."),
                })),
            }},
            "/api/journeys/{id}/pending/reject": { "post": {
                "operationId": "rejectPending",
                "summary": "Rejects the journey's activation awaiting approval (not the asker's own), with a reason.",
                "parameters": [
                    id_param("journey"),
                    { "name": "Idempotency-Key", "in": "header", "required": false, "schema": { "type": "string", "minLength": 1, "maxLength": 200 } },
                ],
                "requestBody": body(r("PendingDecision"), true),
                "responses": with_body_errors(json!({
                    "200": resp("The journey, the request rejected.", r("JourneyDetail")),
                    "403": err("The asker's own request (`own_request`), or the role is not enough."),
                    "404": err("No such journey."),
                    "409": err("A stale `expected_version`; `not_pending`: it no longer waits for approval."),
                })),
            }},
            "/api/journeys/{id}/pending/cancel": { "post": {
                "operationId": "cancelPending",
                "summary": "Cancels the journey's waiting activation (scheduled, awaiting approval or held).",
                "parameters": [
                    id_param("journey"),
                    { "name": "Idempotency-Key", "in": "header", "required": false, "schema": { "type": "string", "minLength": 1, "maxLength": 200 } },
                ],
                "requestBody": body(r("PendingDecision"), true),
                "responses": with_body_errors(json!({
                    "200": resp("The journey, its waiting activation cancelled.", r("JourneyDetail")),
                    "404": err("No such journey."),
                    "409": err("A stale `expected_version`; `not_pending`: it no longer waits."),
                })),
            }},
            "/api/settings": {
                "get": {
                    "operationId": "getSettings", "summary": "The workspace's settings.",
                    "responses": { "200": resp("The settings.", r("WorkspaceSettings")) },
                },
                "put": {
                    "operationId": "putSettings", "summary": "Saves the workspace's settings (admins).",
                    "requestBody": body(r("WorkspaceSettings"), true),
                    "responses": with_body_errors(json!({ "200": resp("The saved settings.", r("WorkspaceSettings")) })),
                },
            },
            "/api/contacts": { "post": {
                "operationId": "createContacts", "summary": "Creates contacts (at most 10,000 per request).",
                "requestBody": body(r("CreateContactsRequest"), true),
                "responses": with_body_errors(json!({
                    "201": resp("Their ids, in order.", r("CreateContactsResponse")),
                    "409": err("An email already exists."),
                })),
            }},
            "/api/contacts/{id}/subscription": { "post": {
                "operationId": "setSubscription", "summary": "Subscribes or unsubscribes a contact.",
                "parameters": [id_param("contact")],
                "requestBody": body(r("SetSubscriptionRequest"), true),
                "responses": with_body_errors(json!({
                    "200": resp("The new subscription.", r("SetSubscriptionRequest")),
                    "404": err("No such contact."),
                })),
            }},
            "/api/datasets": { "post": {
                "operationId": "createDataset", "summary": "Creates a data set.",
                "requestBody": body(r("CreateDatasetRequest"), true),
                "responses": with_body_errors(json!({ "201": resp("Its id.", r("CreateDatasetResponse")) })),
            }},
            "/api/datasets/{id}/contacts": { "post": {
                "operationId": "addToDataset", "summary": "Adds contacts to a data set.",
                "parameters": [id_param("data set")],
                "requestBody": body(r("AddToDatasetRequest"), true),
                "responses": with_body_errors(json!({
                    "200": resp("How many were added.", obj(&["added"], json!({ "added": count }))),
                    "404": err("No such data set."),
                })),
            }},
            "/api/messages/{key}/retry": { "post": {
                "operationId": "retryMessage",
                "summary": "Puts one dead message back in the delivery queue, with a fresh count of attempts. Takes no body.",
                "parameters": [
                    { "name": "key", "in": "path", "required": true, "description": "The message key, percent-encoded (`j1/g1/i1/c7/welcome` as `j1%2Fg1%2Fi1%2Fc7%2Fwelcome`).",
                      "schema": { "type": "string" } },
                ],
                "responses": {
                    "200": resp("Queued again.", obj(&["message_key", "delivery_state"], json!({ "message_key": text, "delivery_state": { "const": "queued" } }))),
                    "400": err("A malformed key."),
                    "404": err("No message has this key."),
                    "409": err("The message is not dead."),
                },
            }},
            "/api/journeys/{id}/definition": { "put": {
                "operationId": "saveDefinition",
                "summary": "Saves the next definition version of a Draft, Scheduled, Paused or Stopped journey. Nothing moves or is sent until the next activation.",
                "parameters": [id_param("journey")],
                "requestBody": body(r("SaveDefinitionRequest"), true),
                "responses": with_body_errors(json!({
                    "200": resp("Saved; the journey with its new definition version.", r("JourneyDetail")),
                    "404": err("No such journey."),
                    "409": err("A stale `expected_version`, or a journey that cannot be edited in its state (Active: pause it first), or `still_applying` (its last activation is still being applied)."),
                    "422": err("An invalid definition, or a removed node holding contacts without a move (the message names the node and the count)."),
                })),
            }},
            "/api/journeys/{id}/versions": { "get": {
                "operationId": "definitionVersions", "summary": "Every saved definition version, oldest first.",
                "parameters": [id_param("journey")],
                "responses": { "200": resp("The versions.", r("DefinitionVersions")), "400": err("A malformed id."), "404": err("No such journey.") },
            }},
            "/api/journeys/{id}/diff": { "get": {
                "operationId": "definitionDiff", "summary": "What changed between two definition versions (default: the activated one to the current one).",
                "parameters": [
                    id_param("journey"),
                    { "name": "from", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1, "maximum": 4294967295_u64 } },
                    { "name": "to", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1, "maximum": 4294967295_u64 } },
                ],
                "responses": {
                    "200": resp("The changes.", r("DefinitionDiff")),
                    "400": err("A malformed id or query."),
                    "404": err("No such journey."),
                    "422": err("No such definition version."),
                },
            }},
            "/api/events": { "post": {
                "operationId": "recordEvent", "summary": "Records an event; event-triggered Active journeys enter the contact at the runner's next pass.",
                "requestBody": body(r("EventRequest"), true),
                "responses": with_body_errors(json!({
                    "202": resp("Recorded.", obj(&["id", "at"], json!({ "id": { "type": "integer" }, "at": ts }))),
                })),
            }},
        },
        "components": {
          "securitySchemes": {
            "bearerToken": { "type": "http", "scheme": "bearer", "description": "A per-person API token (`jt_...`), from `journey-server tokens create` or `POST /api/tokens`; it acts with its owner's role." },
            "sessionCookie": { "type": "apiKey", "in": "cookie", "name": "journey_session", "description": "The console's session, from `POST /api/sign-in`. A change made with it must also send `X-Journey-Console: 1` and the server's own `Origin`." },
          },
          "schemas": {
            "Role": { "type": "string", "enum": ["viewer", "operator", "admin"] },
            "SignInRequest": obj(&["email", "password"], json!({ "email": text, "password": text })),
            "UserView": obj(&["id", "email", "name", "role", "disabled"], json!({ "id": count, "email": text, "name": text, "role": r("Role"), "disabled": { "type": "boolean" } })),
            "SessionResponse": obj(&["user", "expires_at"], json!({ "user": r("UserView"), "expires_at": nullable(ts.clone()) })),
            "AddUserRequest": obj(&["email", "name", "role", "password"], json!({ "email": text, "name": text, "role": r("Role"), "password": text })),
            "ChangeUserRequest": obj(&[], json!({ "role": r("Role"), "disabled": { "type": "boolean" }, "password": text })),
            "CreateTokenRequest": obj(&["user_id", "name"], json!({ "user_id": count, "name": text })),
            "TokenRecord": obj(&["id", "user_id", "user_email", "name", "created_at", "last_used_at", "revoked_at"], json!({
                "id": count, "user_id": count, "user_email": text, "name": text, "created_at": ts,
                "last_used_at": nullable(ts.clone()), "revoked_at": nullable(ts.clone()),
            })),
            "Error": obj(&["error"], json!({ "error": obj(&["code", "message", "current_version", "current_state"], json!({
                "code": text, "message": text,
                "current_version": nullable(count.clone()),
                "current_state": nullable(r("JourneyState")),
            })) })),
            "Health": { "type": "object", "required": ["status", "runner", "delivery"], "properties": {
                "status": { "const": "ok" },
                "delivery": { "type": "object", "required": ["in_flight", "last_look_at", "lag_ms", "delivered", "retried", "dead"], "properties": {
                    "in_flight": count, "last_look_at": nullable(ts.clone()), "lag_ms": nullable(count.clone()),
                    "delivered": count, "retried": count, "dead": count,
                } },
                "runner": { "type": "object", "required": ["last_pass_at", "last_pass_ms", "lag_ms", "failures_in_a_row"], "properties": {
                    "last_pass_at": nullable(ts.clone()), "last_pass_ms": count, "lag_ms": nullable(count.clone()), "failures_in_a_row": count,
                } },
            } },
            "JourneyState": { "type": "string", "enum": ["draft", "scheduled", "active", "paused", "stopped", "completed"] },
            "ActivationMode": { "type": "string", "enum": ["resume", "restart"] },
            "WaitHandling": { "type": "string", "enum": ["keep_deadlines", "extend_by_pause"] },
            "ContactFacts": obj(&["contact_id", "email", "subscribed", "in_audience", "membership", "entered_this_generation", "last_messages"], json!({
                "contact_id": count, "email": text, "subscribed": { "type": "boolean" }, "in_audience": { "type": "boolean" },
                "membership": nullable(obj(&["generation", "node", "wait_until", "due_before_at_node"], json!({
                    "generation": count, "node": node_id, "wait_until": nullable(ts.clone()), "late_since": nullable(ts.clone()),
                    "due_before_at_node": count,
                }))),
                "entered_this_generation": { "type": "boolean" },
                "last_messages": { "type": "array", "items": obj(&["node", "channel", "template", "at", "state"], json!({
                    "node": node_id, "channel": text, "template": text, "at": ts, "state": text,
                })) },
            })),
            "ReleasePolicy": { "oneOf": [
                obj(&["kind"], json!({ "kind": { "const": "all_at_once" } })),
                obj(&["kind", "hours"], json!({ "kind": { "const": "spread_over" },
                    "hours": { "type": "integer", "minimum": 1, "maximum": journey_core::release::MAX_SPREAD_HOURS } })),
                obj(&["kind", "limit"], json!({ "kind": { "const": "per_hour" },
                    "limit": { "type": "integer", "minimum": 1, "maximum": journey_core::release::MAX_PER_HOUR } })),
            ]},
            "AudienceMode": { "type": "string", "enum": ["new_users", "all_users"] },
            "TriggerKind": { "type": "string", "enum": ["dataset", "segment", "event"] },
            "Channel": { "type": "string", "enum": ["email", "sms", "push", "whatsapp"] },
            "StateCounts": obj(&["active", "scheduled", "paused", "stopped", "draft", "completed"], json!({
                "active": count, "scheduled": count, "paused": count, "stopped": count, "draft": count, "completed": count,
            })),
            "JourneyRow": obj(&["id", "name", "state", "trigger_kind", "audience", "schedule_text", "time_zone", "contacts_in_journey", "last_run_at", "paused_at", "stopped_at"], json!({
                "id": count, "name": text, "state": r("JourneyState"), "trigger_kind": r("TriggerKind"), "audience": r("AudienceMode"),
                "schedule_text": text, "time_zone": text, "contacts_in_journey": count,
                "last_run_at": nullable(ts.clone()), "paused_at": nullable(ts.clone()), "stopped_at": nullable(ts.clone()),
                "pending": r("PendingRow"),
            })),
            "JourneyListResponse": obj(&["rows", "counts"], json!({ "rows": { "type": "array", "items": r("JourneyRow") }, "counts": r("StateCounts") })),
            "NodeCount": obj(&["node", "count"], json!({ "node": node_id, "count": count })),
            "ActivationCounts": obj(&["continuing", "overdue", "entering", "suppressed", "exited_by_restart", "re_receiving", "exited_by_edit"], json!({
                "continuing": count, "overdue": count, "entering": nullable(count.clone()), "suppressed": count, "exited_by_restart": count, "re_receiving": count,
                "exited_by_edit": count,
            })),
            "ActivityEntry": obj(&["at", "actor", "from", "to", "mode", "counts", "action", "definition_version"], json!({
                "at": ts, "actor": text, "from": nullable(r("JourneyState")), "to": r("JourneyState"),
                "mode": nullable(r("ActivationMode")), "counts": nullable(r("ActivationCounts")),
                "action": nullable(text.clone()), "definition_version": nullable(count.clone()),
                "note": text, "release": r("ReleasePolicy"),
            })),
            "Destination": { "oneOf": [
                obj(&["kind", "node"], json!({ "kind": { "const": "node" }, "node": node_id })),
                obj(&["kind"], json!({ "kind": { "const": "exit" } })),
            ]},
            "WaitDeadlines": obj(&["node", "due_by_frozen_at", "due_by_taken_at", "per_minute", "beyond_horizon"], json!({
                "node": node_id, "due_by_frozen_at": count, "due_by_taken_at": count,
                "per_minute": { "type": "array", "items": { "type": "array", "prefixItems": [count, count], "minItems": 2, "maxItems": 2 } },
                "beyond_horizon": count,
                "late_per_minute": { "type": "array", "items": { "type": "array", "prefixItems": [count, count], "minItems": 2, "maxItems": 2 } },
                "late_older": count,
            })),
            "NodeMove": obj(&["from", "to"], json!({ "from": node_id, "to": r("Destination") })),
            "SaveDefinitionRequest": obj(&["expected_version", "definition"], json!({
                "expected_version": count, "definition": r("JourneyDefinition"),
                "moves": { "type": "array", "items": r("NodeMove") }, "apply_new_waits": { "type": "boolean", "default": false },
            })),
            "DefinitionVersions": obj(&["current", "activated", "versions"], json!({
                "current": count, "activated": count,
                "versions": { "type": "array", "items": obj(&["version", "saved_at", "saved_by", "definition", "moves", "apply_new_waits"], json!({
                    "version": count, "saved_at": ts, "saved_by": text, "definition": r("JourneyDefinition"),
                    "moves": { "type": "array", "items": r("NodeMove") }, "apply_new_waits": { "type": "boolean" },
                })) },
            })),
            "Change": { "type": "object", "required": ["kind"], "properties": { "kind": { "type": "string", "enum": [
                "renamed", "node_added", "node_removed", "content_changed", "wait_changed", "condition_changed", "rewired",
                "entry_changed", "schedule_changed", "time_zone_changed", "audience_changed", "source_changed",
            ] } } },
            "DefinitionDiff": obj(&["from", "to", "changes"], json!({ "from": count, "to": count, "changes": { "type": "array", "items": r("Change") } })),
            "AttributeTest": { "oneOf": [
                obj(&["op", "attribute", "value"], json!({ "op": { "const": "equals" }, "attribute": text, "value": text })),
                obj(&["op", "attribute", "value"], json!({ "op": { "const": "contains" }, "attribute": text, "value": text })),
                obj(&["op", "attribute"], json!({ "op": { "const": "exists" }, "attribute": text })),
            ]},
            "SegmentRule": obj(&["all"], json!({ "all": { "type": "array", "items": r("AttributeTest") } })),
            "TriggerSource": { "oneOf": [
                obj(&["kind", "dataset_id", "name"], json!({ "kind": { "const": "dataset" }, "dataset_id": count, "name": text })),
                obj(&["kind", "name", "rule"], json!({ "kind": { "const": "segment" }, "segment_id": nullable(count.clone()), "name": text, "rule": r("SegmentRule") })),
                obj(&["kind", "event_name"], json!({ "kind": { "const": "event" }, "event_name": text })),
            ]},
            "Schedule": { "oneOf": [
                obj(&["kind", "at"], json!({ "kind": { "const": "once" }, "at": { "type": "string", "description": "Local date-time, e.g. 2026-01-10T08:00:00." } })),
                obj(&["kind", "frequency", "time_of_day", "start_date", "end"], json!({
                    "kind": { "const": "recurring" },
                    "frequency": { "oneOf": [
                        obj(&["kind"], json!({ "kind": { "const": "daily" } })),
                        obj(&["kind", "days"], json!({ "kind": { "const": "weekly" }, "days": { "type": "array", "items": { "type": "string", "enum": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] } } })),
                        obj(&["kind", "day"], json!({ "kind": { "const": "monthly" }, "day": { "oneOf": [{ "type": "integer", "minimum": 1, "maximum": 31 }, { "const": "last" }] } })),
                        obj(&["kind", "hours"], json!({ "kind": { "const": "every_hours" }, "hours": { "type": "integer", "minimum": 1 } })),
                    ]},
                    "time_of_day": { "type": "string", "description": "Local time, e.g. 14:00." },
                    "start_date": { "type": "string", "description": "Local date, e.g. 2026-01-01." },
                    "end": { "oneOf": [
                        obj(&["kind"], json!({ "kind": { "const": "never" } })),
                        obj(&["kind", "date"], json!({ "kind": { "const": "on" }, "date": text })),
                        obj(&["kind", "runs"], json!({ "kind": { "const": "after" }, "runs": { "type": "integer", "minimum": 1 } })),
                    ]},
                })),
            ]},
            "Trigger": obj(&["source", "audience"], json!({ "source": r("TriggerSource"), "audience": r("AudienceMode"), "schedule": nullable(r("Schedule")) })),
            "Condition": { "oneOf": [
                obj(&["kind", "test"], json!({ "kind": { "const": "attribute" }, "test": r("AttributeTest") })),
                obj(&["kind", "event_name"], json!({ "kind": { "const": "did_event" }, "event_name": text })),
            ]},
            "NodeKind": { "oneOf": [
                obj(&["type", "channel", "template"], json!({ "type": { "const": "send" }, "channel": r("Channel"), "template": text, "next": nullable(node_id.clone()) })),
                obj(&["type", "minutes"], json!({ "type": { "const": "wait" }, "minutes": { "type": "integer", "minimum": 1 }, "next": nullable(node_id.clone()) })),
                obj(&["type", "condition"], json!({ "type": { "const": "condition" }, "condition": r("Condition"), "yes": nullable(node_id.clone()), "no": nullable(node_id.clone()) })),
                obj(&["type"], json!({ "type": { "const": "exit" } })),
            ]},
            "Node": obj(&["id", "kind"], json!({ "id": node_id, "label": nullable(text.clone()), "kind": r("NodeKind"),
                "stale_after_minutes": { "type": "integer", "minimum": 1, "maximum": journey_core::journey::MAX_STALE_MINUTES,
                    "description": "Send steps only: the message is not sent if it would go out more than this many minutes late." } })),
            "JourneyDefinition": obj(&["name", "time_zone", "trigger", "entry", "nodes"], json!({
                "name": text, "time_zone": text, "trigger": r("Trigger"), "entry": node_id, "nodes": { "type": "array", "items": r("Node") },
            })),
            "CreateJourneyRequest": obj(&["name", "time_zone", "trigger", "entry", "nodes"], json!({
                "name": text, "time_zone": text, "trigger": r("Trigger"), "entry": node_id, "nodes": { "type": "array", "items": r("Node") },
                "publish": { "type": "boolean", "default": false },
            })),
            "CreateJourneyResponse": obj(&["id", "state", "version"], json!({ "id": count, "state": r("JourneyState"), "version": count })),
            "JourneyDetail": obj(&["id", "version", "name", "state", "definition", "node_counts", "schedule_text", "activity", "generation", "next_run_at", "frozen_at", "last_run_at", "definition_version", "activated_definition_version", "applying"], json!({
                "definition_version": count, "activated_definition_version": count,
                "id": count, "version": count, "name": text, "state": r("JourneyState"), "definition": r("JourneyDefinition"),
                "node_counts": { "type": "array", "items": r("NodeCount") }, "schedule_text": text,
                "activity": { "type": "array", "items": r("ActivityEntry") }, "generation": count,
                "next_run_at": nullable(ts.clone()), "frozen_at": nullable(ts.clone()), "last_run_at": nullable(ts.clone()),
                "applying": { "type": "boolean" },
                "pending": r("PendingActivation"),
            })),
            "PendingStatus": { "type": "string", "enum": ["scheduled", "awaiting_approval", "held"] },
            "DriftGuard": obj(&["percent"], json!({ "percent": { "type": "integer", "minimum": 1, "maximum": journey_core::pending::MAX_DRIFT_PERCENT } })),
            "PlanFigures": obj(&["at", "counts", "recipients", "first_hour"], json!({
                "at": ts, "projected_from": nullable(ts.clone()), "counts": r("ActivationCounts"), "recipients": count, "first_hour": count,
                "next_run": nullable(ts.clone()),
            })),
            "ApprovalNeed": obj(&["first_hour", "threshold", "at_least"], json!({
                "first_hour": count, "threshold": count, "at_least": { "type": "boolean" },
            })),
            "PendingActivation": obj(&["id", "status", "mode", "wait_handling", "release", "run_at", "drift_guard", "requested_by", "requested_by_id", "requested_at", "figures", "approval", "approved_by", "note"], json!({
                "id": count, "status": r("PendingStatus"), "mode": r("ActivationMode"), "wait_handling": r("WaitHandling"),
                "release": r("ReleasePolicy"), "run_at": nullable(ts.clone()), "drift_guard": nullable(r("DriftGuard")),
                "requested_by": text, "requested_by_id": count, "requested_at": ts, "figures": r("PlanFigures"),
                "approval": nullable(r("ApprovalNeed")), "approved_by": nullable(text.clone()), "note": nullable(text.clone()),
            })),
            "PendingRow": obj(&["status", "mode", "run_at"], json!({
                "status": r("PendingStatus"), "mode": r("ActivationMode"), "run_at": nullable(ts.clone()),
            })),
            "PendingResponse": obj(&["journey", "pending"], json!({ "journey": r("JourneyDetail"), "pending": r("PendingActivation") })),
            "PendingDecision": obj(&["pending_id", "expected_version"], json!({
                "pending_id": count, "expected_version": count, "reason": nullable(json!({ "type": "string", "maxLength": 200 })),
            })),
            "WorkspaceSettings": obj(&[], json!({
                "approval_threshold": nullable(json!({ "type": "integer", "minimum": 0, "maximum": journey_core::pending::MAX_APPROVAL_THRESHOLD })),
            })),
            "JourneySnapshot": { "type": "object",
                "required": ["journey_id", "version", "taken_at", "state", "frozen_at", "definition", "zone", "generation", "runs_done", "last_run_at", "audience", "nodes", "waits", "horizon_minutes"],
                "properties": {
                    "journey_id": count, "version": count, "taken_at": ts, "state": r("JourneyState"), "frozen_at": nullable(ts.clone()),
                    "definition": r("JourneyDefinition"),
                    "zone": obj(&["name", "tzif"], json!({ "name": text, "tzif": { "type": "string", "contentEncoding": "base64" } })),
                    "generation": count, "runs_done": count, "last_run_at": nullable(ts.clone()),
                    "audience": obj(&["subscribed", "suppressed", "never_entered", "in_flight", "already_received"], json!({
                        "subscribed": count, "suppressed": count, "never_entered": count, "in_flight": count, "already_received": count,
                    })),
                    "nodes": { "type": "array", "items": r("NodeCount") },
                    "waits": { "type": "array", "items": r("WaitDeadlines") },
                    "horizon_minutes": { "type": "integer", "minimum": 1 },
                    "stale_horizon_minutes": count,
                    "projected_from": ts, "approval_threshold": count,
                    "edit": nullable(obj(&["activated_version", "saved_version", "activated", "moves", "apply_new_waits", "sent", "other_choice_waits"], json!({
                        "activated_version": count, "saved_version": count, "activated": r("JourneyDefinition"),
                        "moves": { "type": "array", "items": r("NodeMove") }, "apply_new_waits": { "type": "boolean" },
                        "sent": { "type": "array", "items": r("NodeCount") },
                        "other_choice_waits": { "type": "array", "items": r("WaitDeadlines") },
                    }))),
                },
                "additionalProperties": false,
            },
            "NextRun": { "oneOf": [
                obj(&["kind", "at"], json!({ "kind": { "const": "immediately" }, "at": ts })),
                obj(&["kind", "at"], json!({ "kind": { "const": "at" }, "at": ts })),
                obj(&["kind"], json!({ "kind": { "const": "on_each_event" } })),
                obj(&["kind", "reason"], json!({ "kind": { "const": "no_further_runs" }, "reason": text })),
            ]},
            "ActivationPlan": { "type": "object",
                "required": ["journey_id", "version", "mode", "wait_handling", "at", "zone", "generation", "next_run", "following_runs", "next_scheduled_run", "runs_done",
                             "continuing", "overdue", "entering", "suppressed", "exited_by_restart", "re_receiving", "wait_options", "warnings", "valid_until"],
                "properties": {
                    "journey_id": count, "version": count, "mode": r("ActivationMode"), "wait_handling": r("WaitHandling"), "at": ts, "zone": text,
                    "generation": count, "next_run": r("NextRun"), "following_runs": { "type": "array", "items": ts },
                    "next_scheduled_run": nullable(ts.clone()), "runs_done": count, "deadline_shift": nullable(text.clone()), "projected_from": ts,
                    "continuing": count, "continuing_by_node": { "type": "array", "items": r("NodeCount") },
                    "overdue": count, "overdue_by_node": { "type": "array", "items": r("NodeCount") },
                    "entering": nullable(count.clone()), "audience_total": count, "suppressed": count, "not_entering": count,
                    "in_flight_skipped": count, "exited_by_restart": count, "re_receiving": count, "exited_by_edit": count,
                    "wait_options": { "type": "array", "items": { "type": "object", "required": ["handling", "overdue"], "properties": {
                        "handling": r("WaitHandling"), "overdue": count, "deadline_shift": nullable(text.clone()) } } },
                    "warnings": { "type": "array", "items": { "type": "object", "required": ["kind"], "properties": { "kind": text } } },
                    "valid_until": ts,
                },
            },
            "ActivateRequest": obj(&["mode", "expected_version"], json!({
                "mode": r("ActivationMode"), "wait_handling": r("WaitHandling"), "release": r("ReleasePolicy"), "expected_version": count,
                "idempotency_key": nullable(json!({ "type": "string", "maxLength": 200 })),
                "at": nullable(ts.clone()), "drift_guard": nullable(r("DriftGuard")),
            })),
            "ActivateResponse": obj(&["journey", "counts", "next_run", "plan_at", "applying_in_batches"], json!({
                "journey": r("JourneyDetail"), "counts": r("ActivationCounts"), "next_run": r("NextRun"), "plan_at": ts,
                "applying_in_batches": { "type": "boolean" }, "release": r("ReleasePolicy"), "last_release": ts,
            })),
            "VersionRequest": obj(&[], json!({ "expected_version": nullable(count.clone()) })),
            "NewContact": obj(&[], json!({
                "email": nullable(text.clone()), "phone": nullable(text.clone()),
                "attributes": { "type": "object", "additionalProperties": { "type": "string" } },
                "subscribed": { "type": "boolean", "default": true },
            })),
            "CreateContactsRequest": obj(&["contacts"], json!({ "contacts": { "type": "array", "items": r("NewContact") } })),
            "CreateContactsResponse": obj(&["ids"], json!({ "ids": { "type": "array", "items": count } })),
            "SetSubscriptionRequest": obj(&["subscribed"], json!({ "subscribed": { "type": "boolean" } })),
            "CreateDatasetRequest": obj(&["name"], json!({ "name": text })),
            "CreateDatasetResponse": obj(&["id"], json!({ "id": count })),
            "AddToDatasetRequest": obj(&["contact_ids"], json!({ "contact_ids": { "type": "array", "items": count } })),
            "EventRequest": obj(&["contact_id", "name"], json!({ "contact_id": count, "name": text, "at": nullable(ts.clone()) })),
            "MessagesResponse": obj(&["messages", "next_after"], json!({
                "messages": { "type": "array", "items": obj(&["message_key", "generation", "iteration", "contact_id", "node_id", "channel", "created_at", "delivered_at", "delivery_state", "attempts"], json!({
                    "message_key": text, "generation": count, "iteration": count, "contact_id": count, "node_id": node_id,
                    "channel": text, "created_at": { "type": "integer" }, "delivered_at": nullable(json!({ "type": "integer" })),
                    "delivery_state": { "type": "string", "enum": ["queued", "delivering", "retrying", "delivered", "dead", "skipped"] },
                    "attempts": count, "reason": text, "late_minutes": { "type": "integer" },
                })) },
                "next_after": nullable(json!({ "type": "integer" })),
            })),
            "DeliveryState": { "type": "string", "enum": ["queued", "delivering", "retrying", "delivered", "dead"] },
            "DeliveryResponse": obj(&["journey_id", "counts", "dead", "next_after"], json!({
                "journey_id": count,
                "counts": obj(&["queued", "delivering", "retrying", "delivered", "dead"], json!({
                    "queued": count, "delivering": count, "retrying": count, "delivered": count, "dead": count,
                })),
                "dead": { "type": "array", "items": obj(&["message_key", "contact_id", "node_id", "channel", "template", "attempts", "last_error", "last_attempt_at", "created_at"], json!({
                    "message_key": text, "contact_id": count, "node_id": node_id, "channel": text, "template": text, "attempts": count,
                    "last_error": nullable(text.clone()), "last_attempt_at": nullable(ts.clone()), "created_at": ts,
                })) },
                "next_after": nullable(json!({ "type": "integer" })),
                "skipped": count,
            })),
          },
        },
    })
}
