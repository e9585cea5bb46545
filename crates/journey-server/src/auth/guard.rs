//! The middleware that enforces [`super`]'s rules: [`check_host`] on every request, and
//! [`require`] on every `/api` route with the access the router declares for it.

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use journey_core::access::Role;
use journey_core::api::codes;

use super::{Identity, Principal, SharedSettings, Via};
use crate::error::ApiError;
use crate::state::AppState;

/// Who may call a route, as the router declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (health, the API document, sign-in).
    Public,
    /// A signed-in person (or token) with at least this role.
    Role(Role),
}

/// Refuses a request whose `Host` the server does not answer (421), before anything else.
pub async fn check_host(State(settings): State<SharedSettings>, req: Request, next: Next) -> Response {
    let host =
        req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).or_else(|| req.uri().authority().map(|a| a.as_str()));
    match host {
        Some(host) if settings.answers_host(host) => next.run(req).await,
        _ => ApiError::new(
            StatusCode::MISDIRECTED_REQUEST,
            "unknown_host",
            "This server does not answer for that host name. Use the address it was configured with (--public-origin).",
        )
        .into_response(),
    }
}

/// Checks a request against its route's [`Access`], then lets it through with the
/// [`Principal`] in its extensions (handlers take it with `Extension<Principal>`):
///
/// 1. a change (any method but GET and HEAD) must be `Content-Type: application/json`, empty
///    bodies included (415): a form or a beacon cannot send that without the browser asking;
/// 2. on a non-public route, nobody -> 401; a role too low -> 403 naming the role needed;
/// 3. a change authenticated by the session cookie must carry the console's header and the
///    server's own `Origin` -> otherwise 403 `cross_site`. The public sign-in, too, refuses a
///    foreign `Origin`.
pub async fn require(State((state, access)): State<(AppState, Access)>, mut req: Request, next: Next) -> Response {
    let changes = !matches!(*req.method(), Method::GET | Method::HEAD);
    if changes && !is_json(&req) {
        return ApiError::unsupported_media_type().into_response();
    }
    let needed = match access {
        Access::Public => {
            if changes && has_foreign_origin(&state, &req) {
                return cross_site().into_response();
            }
            return next.run(req).await;
        }
        Access::Role(role) => role,
    };
    let identity = match super::identify(&state.store, &state.auth, req.headers(), state.clock.now()).await {
        Ok(identity) => identity,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let principal = match identity {
        Identity::Known(p) => p,
        Identity::Anonymous(why) => {
            return ApiError::new(StatusCode::UNAUTHORIZED, codes::UNAUTHENTICATED, why).into_response();
        }
    };
    if !principal.role.may(needed) {
        return forbidden(&principal, needed).into_response();
    }
    if changes && matches!(principal.via, Via::Session { from_console: false, .. }) {
        return cross_site().into_response();
    }
    req.extensions_mut().insert(principal);
    next.run(req).await
}

/// 403: "Only operators and admins may do this. You are signed in as a viewer."
pub fn forbidden(principal: &Principal, needed: Role) -> ApiError {
    let message = format!("{} You are signed in as {}.", needed.needed_sentence(), principal.role.with_article());
    ApiError::new(StatusCode::FORBIDDEN, codes::FORBIDDEN, message)
}

fn cross_site() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        codes::CROSS_SITE,
        "This change did not come from the console, so it was refused. Use the console, or an API token.",
    )
}

/// `application/json`, with or without parameters (`; charset=utf-8`).
fn is_json(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

/// An `Origin` header naming another site.
fn has_foreign_origin(state: &AppState, req: &Request) -> bool {
    match req.headers().get(header::ORIGIN).map(|v| v.to_str()) {
        Some(Ok(origin)) => !state.auth.is_own_origin(origin),
        Some(Err(_)) => true,
        None => false,
    }
}
