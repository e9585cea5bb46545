//! The JSON API's handlers: thin. Each reads its input (the extractors in `error.rs` answer
//! what cannot be read), checks what only the request knows (sizes, headers), calls one
//! function of `actions`, and answers with journey-core's `api` types. Failures become JSON
//! through `ApiError`'s one status mapping.

mod editing;
mod pending;
mod people;

pub use editing::*;
pub use pending::*;
pub use people::*;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use jiff::Timestamp;
use journey_core::api::{
    ActivateRequest, AddToDatasetRequest, CreateContactsRequest, CreateContactsResponse, CreateDatasetRequest,
    CreateDatasetResponse, CreateJourneyRequest, CreateJourneyResponse, DeliveryResponse, DeliveryState, EventRequest,
    JourneyDetail, JourneyListResponse, MessageRetryResponse, PauseRequest, RequeuedResponse, SetSubscriptionRequest,
    StopRequest,
};
use journey_core::explain::ContactFacts;
use journey_core::journey::{ContactId, DatasetId, JourneyId, check_plain_text};
use journey_core::plan::{ActivationMode, ActivationPlan, WaitHandling};
use journey_core::snapshot::JourneySnapshot;
use journey_core::state::JourneyState;
use journey_core::zone::Zone;
use serde::{Deserialize, Serialize};

use crate::actions::activation::{self, Activation, Asker};
use crate::actions::{audience, delivery, lifecycle, views};
use crate::auth::Principal;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, OptionalJson};
use crate::state::AppState;
use crate::store::LoggedMessage;

/// The most contacts one `POST /api/contacts` or data-set addition takes.
pub const MAX_BATCH: usize = 10_000;

/// `GET /api/health`: answered from memory (never waits for the database), with the runner's
/// last pass and the delivery worker's requests in flight, each with how far behind it may be.
pub async fn health(State(state): State<AppState>) -> Json<serde_json::Value> {
    let now = state.clock.now();
    Json(serde_json::json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "now": now,
        "console_built": state.console.is_built(),
        "runner": state.runner.status(now),
        "delivery": state.delivery.status(now),
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    state: Option<JourneyState>,
    q: Option<String>,
}

/// `GET /api/journeys?state=&q=`
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<JourneyListResponse>, ApiError> {
    if let Some(q) = &query.q {
        plain_text("search text", q)?;
    }
    let q = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    Ok(Json(views::list(&state.store, query.state, q).await?))
}

/// `POST /api/journeys`
pub async fn create(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiJson(req): ApiJson<CreateJourneyRequest>,
) -> Result<(StatusCode, Json<CreateJourneyResponse>), ApiError> {
    let rec = lifecycle::create(&state.store, req.definition, req.publish, state.clock.now(), &who.actor()).await?;
    let created = CreateJourneyResponse { id: JourneyId(rec.id as u64), state: rec.state()?, version: rec.version() };
    Ok((StatusCode::CREATED, Json(created)))
}

/// `GET /api/journeys/{id}`
pub async fn detail(State(state): State<AppState>, ApiPath(id): ApiPath<u64>) -> Result<Json<JourneyDetail>, ApiError> {
    Ok(Json(views::detail(&state.store, id).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactQuery {
    email: String,
}

/// `GET /api/journeys/{id}/contact?email=`: one contact's facts for the journey, for the
/// summary's "explain one contact" (journey-core `explain`).
pub async fn contact(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<u64>,
    ApiQuery(query): ApiQuery<ContactQuery>,
) -> Result<Json<ContactFacts>, ApiError> {
    Ok(Json(views::contact_facts(&state.store, id, &query.email).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneQuery {
    name: String,
}

/// `GET /api/zone?name=America/Havana`: a time zone's rules (TZif) from the server's bundled
/// database, the one journey times come from, so the console writes the viewer's times with
/// the same data and code (`Zone`). Cacheable for a day: the data changes with a new build.
pub async fn zone(ApiQuery(query): ApiQuery<ZoneQuery>) -> Result<impl IntoResponse, ApiError> {
    let name = query.name.trim();
    let zone = journey_core::zone::tzif_bytes(name)
        .and_then(|bytes| Zone::from_tzif(name, bytes).ok())
        .ok_or_else(|| ApiError::not_found(format!("No time zone is named “{}”.", name.chars().take(64).collect::<String>())))?;
    Ok(([(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=86400"))], Json(zone)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotQuery {
    /// A later instant to project the snapshot to (journey-core `pending`).
    at: Option<Timestamp>,
}

/// `GET /api/journeys/{id}/snapshot`, or `?at=` a later instant: the snapshot projected to it.
pub async fn snapshot(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<u64>,
    ApiQuery(query): ApiQuery<SnapshotQuery>,
) -> Result<Json<JourneySnapshot>, ApiError> {
    Ok(Json(views::snapshot(&state.store, id, state.clock.now(), query.at).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviewQuery {
    mode: ActivationMode,
    #[serde(default)]
    wait_handling: WaitHandling,
    at: Option<Timestamp>,
}

/// `GET /api/journeys/{id}/preview?mode=&wait_handling=&at=`: journey-core's plan from a fresh
/// snapshot, at `at` (default now).
pub async fn preview(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<u64>,
    ApiQuery(query): ApiQuery<PreviewQuery>,
) -> Result<Json<ActivationPlan>, ApiError> {
    let now = state.clock.now();
    let at = query.at.unwrap_or(now);
    Ok(Json(activation::preview(&state.store, id, query.mode, query.wait_handling, at, now).await?))
}

/// `POST /api/journeys/{id}/publish`'s optional body.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PublishRequest {
    #[serde(default)]
    expected_version: Option<u64>,
}

/// `POST /api/journeys/{id}/publish`
pub async fn publish(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiPath(id): ApiPath<u64>,
    OptionalJson(body): OptionalJson<PublishRequest>,
) -> Result<Json<JourneyDetail>, ApiError> {
    let expected = body.and_then(|b| b.expected_version);
    Ok(Json(lifecycle::publish(&state.store, id, expected, state.clock.now(), &who.actor()).await?))
}

/// `POST /api/journeys/{id}/pause`
pub async fn pause(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiPath(id): ApiPath<u64>,
    OptionalJson(body): OptionalJson<PauseRequest>,
) -> Result<Json<JourneyDetail>, ApiError> {
    let expected = body.and_then(|b| b.expected_version);
    Ok(Json(lifecycle::pause(&state.store, id, expected, state.clock.now(), &who.actor()).await?))
}

/// `POST /api/journeys/{id}/stop`
pub async fn stop(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiPath(id): ApiPath<u64>,
    OptionalJson(body): OptionalJson<StopRequest>,
) -> Result<Json<JourneyDetail>, ApiError> {
    let expected = body.and_then(|b| b.expected_version);
    Ok(Json(lifecycle::stop(&state.store, id, expected, state.clock.now(), &who.actor()).await?))
}

/// `POST /api/journeys/{id}/activate` with an `Idempotency-Key` header (or body field).
pub async fn activate(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    headers: HeaderMap,
    ApiPath(id): ApiPath<u64>,
    ApiJson(req): ApiJson<ActivateRequest>,
) -> Result<Response, ApiError> {
    let key = idempotency_key(&headers, req.idempotency_key.as_deref(), &who)?;
    let actor = who.actor();
    let asker = Asker { actor: &actor, user_id: who.user_id };
    let answer = activation::activate(&state.store, id, &req, key.as_deref(), state.clock.now(), asker).await?;
    Ok(respond(answer))
}

/// The request's idempotency key (the header, else the body's field), as the person's own:
/// two people who happen to pick the same key do not collide.
fn idempotency_key(headers: &HeaderMap, body_key: Option<&str>, who: &Principal) -> Result<Option<String>, ApiError> {
    let header_key = headers.get("idempotency-key").map(|v| v.to_str().map(str::trim));
    let key = match header_key {
        Some(Ok(k)) if !k.is_empty() => Some(k.to_string()),
        Some(_) => return Err(ApiError::bad_request("The Idempotency-Key header must be non-empty visible text.")),
        None => body_key.filter(|k| !k.trim().is_empty()).map(str::to_string),
    };
    if key.as_ref().is_some_and(|k| k.len() > 200) {
        return Err(ApiError::invalid("The idempotency key is too long (at most 200 characters)."));
    }
    Ok(key.map(|k| format!("user-{}/{k}", who.user_id)))
}

/// An activation's answer: 200 (activated, or decided), 202 (waiting), or the stored one.
fn respond(answer: Activation) -> Response {
    match answer {
        Activation::Done(response) => Json(response).into_response(),
        Activation::Waiting(response) => (StatusCode::ACCEPTED, Json(response)).into_response(),
        Activation::Decided(detail) => Json(detail).into_response(),
        Activation::Replayed { status, body } => {
            (StatusCode::from_u16(status).unwrap_or(StatusCode::OK), Json(body)).into_response()
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessagesQuery {
    #[serde(default)]
    after: Option<i64>,
    #[serde(default)]
    limit: Option<i64>,
    /// `true`: the messages the stale-message guard did not send, with the reason.
    #[serde(default)]
    skipped: Option<bool>,
}

/// One page of a journey's message log.
#[derive(Debug, Serialize)]
pub struct MessagesResponse {
    pub messages: Vec<LoggedMessage>,
    /// Pass as `after` for the next page (none: this was the last).
    pub next_after: Option<i64>,
}

/// `GET /api/journeys/{id}/messages?after=&limit=&skipped=`: the message log, oldest first;
/// with `skipped=true`, the messages the stale-message guard did not send.
pub async fn messages(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<u64>,
    ApiQuery(query): ApiQuery<MessagesQuery>,
) -> Result<Json<MessagesResponse>, ApiError> {
    let limit = query.limit.unwrap_or(1000);
    if !(1..=10_000).contains(&limit) {
        return Err(ApiError::invalid("`limit` must be from 1 to 10000."));
    }
    let (messages, next_after) =
        views::messages(&state.store, id, query.skipped.unwrap_or(false), query.after.unwrap_or(0), limit).await?;
    Ok(Json(MessagesResponse { messages, next_after }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryQuery {
    #[serde(default)]
    after: Option<i64>,
    #[serde(default)]
    limit: Option<i64>,
}

/// `GET /api/journeys/{id}/delivery?after=&limit=`
pub async fn delivery(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<u64>,
    ApiQuery(query): ApiQuery<DeliveryQuery>,
) -> Result<Json<DeliveryResponse>, ApiError> {
    let limit = query.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::invalid("`limit` must be from 1 to 1000."));
    }
    let view = delivery::view(&state.store, id, query.after.unwrap_or(0), limit).await?;
    Ok(Json(DeliveryResponse {
        journey_id: JourneyId(id),
        counts: view.counts,
        dead: view.dead,
        next_after: view.next_after,
        skipped: view.skipped,
    }))
}

/// `POST /api/journeys/{id}/delivery/retry`: every dead message of the journey back in the
/// queue.
pub async fn retry_journey_delivery(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiPath(id): ApiPath<u64>,
) -> Result<Json<RequeuedResponse>, ApiError> {
    let requeued = delivery::retry_journey(&state.store, id, state.clock.now(), &who.actor()).await?;
    Ok(Json(RequeuedResponse { requeued }))
}

/// `POST /api/messages/{key}/retry` (the key percent-encoded: `/` as `%2F`): one dead message
/// back in the queue.
pub async fn retry_message(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiPath(key): ApiPath<String>,
) -> Result<Json<MessageRetryResponse>, ApiError> {
    if key.len() > 200 {
        return Err(ApiError::not_found("There is no message with that key."));
    }
    delivery::retry_message(&state.store, &key, state.clock.now(), &who.actor()).await?;
    Ok(Json(MessageRetryResponse { message_key: key, delivery_state: DeliveryState::Queued }))
}

/// journey-core's rule for any text given to the product (length in characters, no control
/// characters), as a 422.
fn plain_text(what: &str, text: &str) -> Result<(), ApiError> {
    check_plain_text(what, text).map_err(|e| ApiError::invalid(e.to_string()))
}

/// Text that must also not be blank.
fn named(what: &str, text: &str) -> Result<(), ApiError> {
    if text.trim().is_empty() {
        return Err(ApiError::invalid(format!("The {what} must not be empty.")));
    }
    plain_text(what, text)
}

/// `POST /api/contacts`
pub async fn create_contacts(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<CreateContactsRequest>,
) -> Result<(StatusCode, Json<CreateContactsResponse>), ApiError> {
    if req.contacts.len() > MAX_BATCH {
        return Err(ApiError::invalid(format!("At most {MAX_BATCH} contacts per request.")));
    }
    let mut seen = std::collections::HashSet::new();
    for c in &req.contacts {
        for (what, text) in [("contact's email", &c.email), ("contact's phone", &c.phone)] {
            if let Some(text) = text {
                plain_text(what, text)?;
            }
        }
        if c.email.as_deref().is_none_or(|e| e.trim().is_empty()) && c.phone.as_deref().is_none_or(|p| p.trim().is_empty()) {
            return Err(ApiError::invalid("Every contact needs an email or a phone number."));
        }
        for (k, v) in &c.attributes {
            plain_text("attribute name", k)?;
            plain_text("attribute value", v)?;
        }
        if c.attributes.len() > 100 {
            return Err(ApiError::invalid("A contact may have at most 100 attributes."));
        }
        // Emails are compared without regard to case: Ana@Example.com is ana@example.com.
        if let Some(e) = &c.email
            && !seen.insert(e.to_lowercase())
        {
            return Err(ApiError::invalid(format!("The email {e} appears twice in the request.")));
        }
    }
    let ids = audience::create_contacts(&state.store, &req.contacts, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(CreateContactsResponse { ids: ids.into_iter().map(|i| ContactId(i as u64)).collect() })))
}

/// `POST /api/contacts/{id}/subscription`
pub async fn set_subscription(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<u64>,
    ApiJson(req): ApiJson<SetSubscriptionRequest>,
) -> Result<Json<SetSubscriptionRequest>, ApiError> {
    audience::set_subscription(&state.store, id, req.subscribed).await?;
    Ok(Json(req))
}

/// `POST /api/datasets`
pub async fn create_dataset(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<CreateDatasetRequest>,
) -> Result<(StatusCode, Json<CreateDatasetResponse>), ApiError> {
    let name = req.name.trim();
    named("data set name", name)?;
    let id = audience::create_dataset(&state.store, name, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(CreateDatasetResponse { id: DatasetId(id as u64) })))
}

/// How many contacts were added.
#[derive(Debug, Serialize)]
pub struct AddedResponse {
    pub added: u64,
}

/// `POST /api/datasets/{id}/contacts`
pub async fn add_to_dataset(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<u64>,
    ApiJson(req): ApiJson<AddToDatasetRequest>,
) -> Result<Json<AddedResponse>, ApiError> {
    if req.contact_ids.len() > MAX_BATCH {
        return Err(ApiError::invalid(format!("At most {MAX_BATCH} contacts per request.")));
    }
    let contacts: Vec<u64> = req.contact_ids.iter().map(|c| c.0).collect();
    let added = audience::add_to_dataset(&state.store, id, &contacts).await?;
    Ok(Json(AddedResponse { added }))
}

/// The stored event.
#[derive(Debug, Serialize)]
pub struct EventResponse {
    pub id: i64,
    pub at: Timestamp,
}

/// `POST /api/events`: records an event; event-triggered Active journeys enter the contact at
/// the runner's next pass.
pub async fn event(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<EventRequest>,
) -> Result<(StatusCode, Json<EventResponse>), ApiError> {
    let name = req.name.trim();
    named("event name", name)?;
    let at = req.at.unwrap_or_else(|| state.clock.now());
    let id = audience::record_event(&state.store, req.contact_id.0, name, at).await?;
    Ok((StatusCode::ACCEPTED, Json(EventResponse { id, at })))
}

/// Any unknown `/api/...` path.
pub async fn api_not_found() -> ApiError {
    ApiError::not_found("There is no such API endpoint.")
}

/// A known `/api/...` path with the wrong method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "This endpoint does not take that method.")
}
