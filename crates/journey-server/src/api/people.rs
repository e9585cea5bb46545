//! The handlers for signing in and out, who is signed in, and (admins) people and API tokens.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use journey_core::access::Role;
use journey_core::api::{SessionResponse, SignInRequest, UserView};
use serde::{Deserialize, Serialize};

use crate::actions::people::{self, NewUser, UserChange};
use crate::auth::{self, Principal, Via};
use crate::error::{ApiError, ApiJson, ApiPath};
use crate::state::AppState;
use crate::store::TokenRecord;

/// `POST /api/sign-in`: a new session in an HttpOnly, SameSite=Strict cookie. A session the
/// browser already had ends (its token is never reused).
pub async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<SignInRequest>,
) -> Result<Response, ApiError> {
    if req.email.len() > 320 || req.password.len() > 4 * crate::auth::password::MAX_LENGTH {
        return Err(ApiError::invalid("The email or password is too long."));
    }
    let replaced = auth::session_token(&headers);
    let now = state.clock.now();
    let signed =
        people::sign_in(&state.store, &state.auth, &req.email, &req.password, client.ip(), replaced.as_deref(), now).await?;
    let body = SessionResponse { user: signed.user, expires_at: Some(signed.expires) };
    Ok(([(header::SET_COOKIE, auth::session_cookie(&state.auth, &signed.token))], Json(body)).into_response())
}

/// `POST /api/sign-out`: ends the session and clears the cookie (204). With an API token it
/// changes nothing (revoke the token instead).
pub async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    if let Some(token) = auth::session_token(&headers) {
        people::sign_out(&state.store, &token, state.clock.now()).await?;
    }
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, auth::cleared_cookie(&state.auth))]).into_response())
}

/// `GET /api/me`: who is signed in.
pub async fn me(Extension(who): Extension<Principal>) -> Json<SessionResponse> {
    let expires_at = match who.via {
        Via::Session { expires, .. } => Some(expires),
        Via::Token { .. } => None,
    };
    let user = UserView { id: who.user_id as u64, email: who.email, name: who.name, role: who.role, disabled: false };
    Json(SessionResponse { user, expires_at })
}

/// Everyone who can sign in.
#[derive(Debug, Serialize)]
pub struct UsersResponse {
    pub users: Vec<UserView>,
}

/// `GET /api/users`
pub async fn users(State(state): State<AppState>) -> Result<Json<UsersResponse>, ApiError> {
    Ok(Json(UsersResponse { users: people::list_users(&state.store).await? }))
}

/// `POST /api/users`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddUserRequest {
    email: String,
    name: String,
    role: Role,
    password: String,
}

/// `POST /api/users`: a new account (201).
pub async fn add_user(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<AddUserRequest>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    let new = NewUser { email: &req.email, name: &req.name, role: req.role, password: &req.password };
    Ok((StatusCode::CREATED, Json(people::add_user(&state.store, new, state.clock.now()).await?)))
}

/// `POST /api/users/{id}`: any of a new role, disabled or enabled, a new password.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeUserRequest {
    #[serde(default)]
    role: Option<Role>,
    #[serde(default)]
    disabled: Option<bool>,
    #[serde(default)]
    password: Option<String>,
}

/// `POST /api/users/{id}`
pub async fn change_user(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiPath(id): ApiPath<u64>,
    ApiJson(req): ApiJson<ChangeUserRequest>,
) -> Result<Json<UserView>, ApiError> {
    let change = UserChange { role: req.role, disabled: req.disabled, password: req.password.as_deref() };
    Ok(Json(people::change_user(&state.store, id, change, Some(who.user_id), state.clock.now()).await?))
}

/// Every API token (never the tokens themselves).
#[derive(Debug, Serialize)]
pub struct TokensResponse {
    pub tokens: Vec<TokenRecord>,
}

/// `GET /api/tokens`
pub async fn tokens(State(state): State<AppState>) -> Result<Json<TokensResponse>, ApiError> {
    Ok(Json(TokensResponse { tokens: people::list_tokens(&state.store).await? }))
}

/// `POST /api/tokens`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateTokenRequest {
    user_id: u64,
    name: String,
}

/// A new token, shown this once.
#[derive(Debug, Serialize)]
pub struct CreatedToken {
    pub id: i64,
    pub user_id: u64,
    pub name: String,
    pub token: String,
}

/// `POST /api/tokens`: a token acting as `user_id` (201); the answer is the only time the
/// token is shown.
pub async fn create_token(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<CreateTokenRequest>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let created = people::create_token(&state.store, req.user_id, &req.name, state.clock.now()).await?;
    let body = CreatedToken { id: created.id, user_id: req.user_id, name: req.name.trim().to_string(), token: created.token };
    Ok((StatusCode::CREATED, Json(body)))
}

/// A revoked token.
#[derive(Debug, Serialize)]
pub struct RevokedToken {
    pub id: u64,
    pub revoked: bool,
}

/// `POST /api/tokens/{id}/revoke`
pub async fn revoke_token(State(state): State<AppState>, ApiPath(id): ApiPath<u64>) -> Result<Json<RevokedToken>, ApiError> {
    people::revoke_token(&state.store, id, state.clock.now()).await?;
    Ok(Json(RevokedToken { id, revoked: true }))
}
