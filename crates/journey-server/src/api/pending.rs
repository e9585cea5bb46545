//! Waiting activations (approve, reject, cancel) and the workspace's settings.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::{Extension, Json};
use journey_core::api::{PendingDecision, WorkspaceSettings};

use super::{idempotency_key, respond};
use crate::actions::activation::{self, Asker, Decision};
use crate::actions::settings;
use crate::auth::Principal;
use crate::error::{ApiError, ApiJson, ApiPath};
use crate::state::AppState;

async fn decide(
    state: AppState,
    who: Principal,
    headers: HeaderMap,
    id: u64,
    decision: Decision,
    body: PendingDecision,
) -> Result<Response, ApiError> {
    let key = idempotency_key(&headers, None, &who)?;
    let actor = who.actor();
    let asker = Asker { actor: &actor, user_id: who.user_id };
    let answer = activation::decide(&state.store, id, decision, &body, key.as_deref(), state.clock.now(), asker).await?;
    Ok(respond(answer))
}

/// `POST /api/journeys/{id}/pending/approve`: 200 with the activation when it runs now, 202
/// with the waiting activation when its instant is still ahead.
pub async fn approve_pending(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    headers: HeaderMap,
    ApiPath(id): ApiPath<u64>,
    ApiJson(body): ApiJson<PendingDecision>,
) -> Result<Response, ApiError> {
    decide(state, who, headers, id, Decision::Approve, body).await
}

/// `POST /api/journeys/{id}/pending/reject`: the journey, the request rejected with a reason.
pub async fn reject_pending(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    headers: HeaderMap,
    ApiPath(id): ApiPath<u64>,
    ApiJson(body): ApiJson<PendingDecision>,
) -> Result<Response, ApiError> {
    decide(state, who, headers, id, Decision::Reject, body).await
}

/// `POST /api/journeys/{id}/pending/cancel`: the journey, its waiting activation cancelled.
pub async fn cancel_pending(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    headers: HeaderMap,
    ApiPath(id): ApiPath<u64>,
    ApiJson(body): ApiJson<PendingDecision>,
) -> Result<Response, ApiError> {
    decide(state, who, headers, id, Decision::Cancel, body).await
}

/// `GET /api/settings`
pub async fn get_settings(State(state): State<AppState>) -> Result<Json<WorkspaceSettings>, ApiError> {
    Ok(Json(settings::settings(&state.store).await?))
}

/// `PUT /api/settings` (admins)
pub async fn put_settings(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiJson(body): ApiJson<WorkspaceSettings>,
) -> Result<Json<WorkspaceSettings>, ApiError> {
    Ok(Json(settings::save(&state.store, &body, &who.actor(), state.clock.now()).await?))
}
