//! The JSON API's handlers: thin, each reads its input, calls `actions`/`store`, and answers
//! with journey-core's `api` types.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use journey_core::api::{
    ActivateRequest, AddToDatasetRequest, CreateContactsRequest, CreateContactsResponse, CreateDatasetRequest,
    CreateDatasetResponse, CreateJourneyRequest, CreateJourneyResponse, EventRequest, JourneyDetail, JourneyListResponse,
    PauseRequest, SetSubscriptionRequest, StopRequest, codes,
};
use journey_core::journey::{ContactId, DatasetId, JourneyId, MAX_TEXT};
use journey_core::plan::{ActivationMode, ActivationPlan, PlanError, WaitHandling, plan_activation};
use journey_core::snapshot::JourneySnapshot;
use journey_core::state::{JourneyAction, JourneyState};
use serde::{Deserialize, Serialize};

use crate::actions;
use crate::app::AppState;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, OptionalJson};
use crate::store;

/// The most contacts one `POST /api/contacts` or data-set addition takes.
pub const MAX_BATCH: usize = 10_000;

fn actor(headers: &HeaderMap) -> String {
    headers
        .get("x-actor")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| v.chars().take(100).collect())
        .unwrap_or_else(|| "console".to_string())
}

/// `GET /api/health`
pub async fn health(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    let mut conn = state.store.read().await?;
    store::ping(&mut conn).await?;
    Ok(Json(serde_json::json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "now": state.clock.now(),
        "console_built": state.console_built(),
    })))
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
    if query.q.as_ref().is_some_and(|q| q.len() > MAX_TEXT) {
        return Err(ApiError::invalid(format!("The search text is too long (at most {MAX_TEXT} characters).")));
    }
    let mut conn = state.store.read().await?;
    let q = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let (rows, counts) = store::list_journeys(&mut conn, query.state, q).await?;
    Ok(Json(JourneyListResponse { rows, counts }))
}

/// `POST /api/journeys`
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CreateJourneyRequest>,
) -> Result<(StatusCode, Json<CreateJourneyResponse>), ApiError> {
    let id = actions::create(&state.store, req.definition, req.publish, state.clock.now(), &actor(&headers)).await?;
    let mut conn = state.store.read().await?;
    let rec = actions::load(&mut conn, id as u64).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreateJourneyResponse { id: JourneyId(id as u64), state: rec.state()?, version: rec.version() }),
    ))
}

/// `GET /api/journeys/{id}`
pub async fn detail(State(state): State<AppState>, ApiPath(id): ApiPath<u64>) -> Result<Json<JourneyDetail>, ApiError> {
    let mut tx = state.store.read_tx().await?;
    let rec = actions::load(&mut tx, id).await?;
    Ok(Json(actions::detail(&mut tx, &rec).await?))
}

/// `GET /api/journeys/{id}/snapshot`
pub async fn snapshot(State(state): State<AppState>, ApiPath(id): ApiPath<u64>) -> Result<Json<JourneySnapshot>, ApiError> {
    let mut tx = state.store.read_tx().await?;
    let rec = actions::load(&mut tx, id).await?;
    Ok(Json(store::snapshot(&mut tx, &rec, state.clock.now()).await?))
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
    let mut tx = state.store.read_tx().await?;
    let rec = actions::load(&mut tx, id).await?;
    let now = state.clock.now();
    let at = query.at.unwrap_or(now);
    let snapshot = store::snapshot(&mut tx, &rec, now).await?;
    match plan_activation(&snapshot, at, query.mode, query.wait_handling) {
        Ok(plan) => Ok(Json(plan)),
        Err(PlanError::NotActivatable(_)) => Err(actions::not_allowed(&rec, snapshot.state, JourneyAction::Activate)),
        Err(PlanError::StaleSnapshot { valid_until }) => Err(ApiError::invalid(format!(
            "A preview can be computed from now ({now}) up to {valid_until}; `at` is later than that."
        ))),
        Err(e) => Err(ApiError::internal(e)),
    }
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct PublishRequest {
    #[serde(default)]
    expected_version: Option<u64>,
}

/// `POST /api/journeys/{id}/publish`
pub async fn publish(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiPath(id): ApiPath<u64>,
    OptionalJson(body): OptionalJson<PublishRequest>,
) -> Result<Json<JourneyDetail>, ApiError> {
    let expected = body.and_then(|b| b.expected_version);
    actions::publish(&state.store, id, expected, state.clock.now(), &actor(&headers)).await?;
    detail(State(state), ApiPath(id)).await
}

/// `POST /api/journeys/{id}/pause`
pub async fn pause(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiPath(id): ApiPath<u64>,
    OptionalJson(body): OptionalJson<PauseRequest>,
) -> Result<Json<JourneyDetail>, ApiError> {
    let expected = body.and_then(|b| b.expected_version);
    actions::freeze(&state.store, id, JourneyAction::Pause, expected, state.clock.now(), &actor(&headers)).await?;
    detail(State(state), ApiPath(id)).await
}

/// `POST /api/journeys/{id}/stop`
pub async fn stop(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiPath(id): ApiPath<u64>,
    OptionalJson(body): OptionalJson<StopRequest>,
) -> Result<Json<JourneyDetail>, ApiError> {
    let expected = body.and_then(|b| b.expected_version);
    actions::freeze(&state.store, id, JourneyAction::Stop, expected, state.clock.now(), &actor(&headers)).await?;
    detail(State(state), ApiPath(id)).await
}

/// `POST /api/journeys/{id}/activate` with an `Idempotency-Key` header (or body field).
pub async fn activate(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiPath(id): ApiPath<u64>,
    ApiJson(req): ApiJson<ActivateRequest>,
) -> Result<Response, ApiError> {
    let header_key = headers.get("idempotency-key").map(|v| v.to_str().map(str::trim));
    let key = match header_key {
        Some(Ok(k)) if !k.is_empty() => Some(k.to_string()),
        Some(_) => return Err(ApiError::bad_request("The Idempotency-Key header must be non-empty visible text.")),
        None => req.idempotency_key.clone().filter(|k| !k.trim().is_empty()),
    };
    if key.as_ref().is_some_and(|k| k.len() > 200) {
        return Err(ApiError::invalid("The idempotency key is too long (at most 200 characters)."));
    }
    let answer = actions::activate(&state.store, id, &req, key.as_deref(), state.clock.now(), &actor(&headers)).await?;
    Ok((answer.status, Json(answer.body)).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessagesQuery {
    #[serde(default)]
    after: Option<i64>,
    #[serde(default)]
    limit: Option<i64>,
}

/// One page of a journey's message log.
#[derive(Debug, Serialize)]
pub struct MessagesResponse {
    pub messages: Vec<store::LoggedMessage>,
    /// Pass as `after` for the next page (none: this was the last).
    pub next_after: Option<i64>,
}

/// `GET /api/journeys/{id}/messages?after=&limit=`: the message log, oldest first.
pub async fn messages(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<u64>,
    ApiQuery(query): ApiQuery<MessagesQuery>,
) -> Result<Json<MessagesResponse>, ApiError> {
    let limit = query.limit.unwrap_or(1000);
    if !(1..=10_000).contains(&limit) {
        return Err(ApiError::invalid("`limit` must be from 1 to 10000."));
    }
    let mut conn = state.store.read().await?;
    let rec = actions::load(&mut conn, id).await?;
    let rows = store::messages(&mut conn, rec.id, query.after.unwrap_or(0), limit).await?;
    let next_after = if rows.len() as i64 == limit { rows.last().map(|r| r.0) } else { None };
    Ok(Json(MessagesResponse { messages: rows.into_iter().map(|r| r.1).collect(), next_after }))
}

fn check_contact_text(what: &str, v: Option<&str>) -> Result<(), ApiError> {
    if v.is_some_and(|v| v.len() > MAX_TEXT) {
        return Err(ApiError::invalid(format!("A contact's {what} is too long (at most {MAX_TEXT} characters).")));
    }
    Ok(())
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
        check_contact_text("email", c.email.as_deref())?;
        check_contact_text("phone", c.phone.as_deref())?;
        if c.email.as_deref().is_none_or(|e| e.trim().is_empty()) && c.phone.as_deref().is_none_or(|p| p.trim().is_empty()) {
            return Err(ApiError::invalid("Every contact needs an email or a phone number."));
        }
        if c.attributes.len() > 100 || c.attributes.iter().any(|(k, v)| k.len() > MAX_TEXT || v.len() > MAX_TEXT) {
            return Err(ApiError::invalid(format!(
                "A contact may have at most 100 attributes of at most {MAX_TEXT} characters."
            )));
        }
        if let Some(e) = &c.email
            && !seen.insert(e.clone())
        {
            return Err(ApiError::invalid(format!("The email {e} appears twice in the request.")));
        }
    }
    let mut tx = state.store.write().await?;
    let emails: Vec<&str> = req.contacts.iter().filter_map(|c| c.email.as_deref()).collect();
    if let Some(e) = store::email_exists(&mut tx, &emails).await? {
        return Err(ApiError::conflict("conflict", format!("A contact with the email {e} already exists.")));
    }
    let ids = store::insert_contacts(&mut tx, &req.contacts, state.clock.now()).await?;
    tx.commit().await.map_err(ApiError::from)?;
    Ok((StatusCode::CREATED, Json(CreateContactsResponse { ids: ids.into_iter().map(|i| ContactId(i as u64)).collect() })))
}

fn contact_not_found(id: u64) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, codes::NOT_FOUND, format!("There is no contact {id}."))
}

/// `POST /api/contacts/{id}/subscription`
pub async fn set_subscription(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<u64>,
    ApiJson(req): ApiJson<SetSubscriptionRequest>,
) -> Result<Json<SetSubscriptionRequest>, ApiError> {
    let key = i64::try_from(id).map_err(|_| contact_not_found(id))?;
    let mut tx = state.store.write().await?;
    if !store::set_subscription(&mut tx, key, req.subscribed).await? {
        return Err(contact_not_found(id));
    }
    tx.commit().await.map_err(ApiError::from)?;
    Ok(Json(req))
}

/// `POST /api/datasets`
pub async fn create_dataset(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<CreateDatasetRequest>,
) -> Result<(StatusCode, Json<CreateDatasetResponse>), ApiError> {
    let name = req.name.trim();
    if name.is_empty() || name.len() > MAX_TEXT {
        return Err(ApiError::invalid(format!("A data set needs a name of 1 to {MAX_TEXT} characters.")));
    }
    let mut tx = state.store.write().await?;
    let id = store::insert_dataset(&mut tx, name, state.clock.now()).await?;
    tx.commit().await.map_err(ApiError::from)?;
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
    let not_found = || ApiError::new(StatusCode::NOT_FOUND, codes::NOT_FOUND, format!("There is no data set {id}."));
    let key = i64::try_from(id).map_err(|_| not_found())?;
    if req.contact_ids.len() > MAX_BATCH {
        return Err(ApiError::invalid(format!("At most {MAX_BATCH} contacts per request.")));
    }
    let ids: Vec<i64> = req.contact_ids.iter().map(|c| i64::try_from(c.0).unwrap_or(-1)).collect();
    let mut tx = state.store.write().await?;
    if !store::dataset_exists(&mut tx, key).await? {
        return Err(not_found());
    }
    if let Some(missing) = store::missing_contacts(&mut tx, &ids).await? {
        return Err(ApiError::invalid(format!(
            "There is no contact {}.",
            if missing < 0 { u64::MAX.to_string() } else { missing.to_string() }
        )));
    }
    let added = store::add_to_dataset(&mut tx, key, &ids).await?;
    tx.commit().await.map_err(ApiError::from)?;
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
    if name.is_empty() || name.len() > MAX_TEXT {
        return Err(ApiError::invalid(format!("An event needs a name of 1 to {MAX_TEXT} characters.")));
    }
    let at = req.at.unwrap_or_else(|| state.clock.now());
    let contact = i64::try_from(req.contact_id.0).map_err(|_| contact_not_found(req.contact_id.0))?;
    let mut tx = state.store.write().await?;
    if !store::contact_exists(&mut tx, contact).await? {
        return Err(ApiError::invalid(format!("There is no contact {}.", req.contact_id.0)));
    }
    let id = store::insert_event(&mut tx, contact, name, at).await?;
    tx.commit().await.map_err(ApiError::from)?;
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
