//! The handlers for editing a frozen journey: save a definition version, list the versions,
//! diff two of them.

use axum::extract::State;
use axum::{Extension, Json};
use journey_core::api::{DefinitionDiff, DefinitionVersions, JourneyDetail, SaveDefinitionRequest};
use serde::Deserialize;

use crate::actions::editing;
use crate::auth::Principal;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;

/// `PUT /api/journeys/{id}/definition`: the next definition version (409 on a stale
/// `expected_version` or an Active journey; 422 with a sentence for an invalid definition or
/// a removed node whose contacts have nowhere to go).
pub async fn save_definition(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiPath(id): ApiPath<u64>,
    ApiJson(req): ApiJson<SaveDefinitionRequest>,
) -> Result<Json<JourneyDetail>, ApiError> {
    let revision = req.revision();
    Ok(Json(editing::save(&state.store, id, &revision, req.expected_version, state.clock.now(), &who.actor()).await?))
}

/// `GET /api/journeys/{id}/versions`
pub async fn versions(State(state): State<AppState>, ApiPath(id): ApiPath<u64>) -> Result<Json<DefinitionVersions>, ApiError> {
    Ok(Json(editing::versions(&state.store, id).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiffQuery {
    from: Option<u32>,
    to: Option<u32>,
}

/// `GET /api/journeys/{id}/diff?from=&to=` (defaults: the activated version to the current).
pub async fn diff(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<u64>,
    ApiQuery(query): ApiQuery<DiffQuery>,
) -> Result<Json<DefinitionDiff>, ApiError> {
    Ok(Json(editing::diff(&state.store, id, query.from, query.to).await?))
}
