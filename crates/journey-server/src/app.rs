//! The router, assembled in one place: every `/api` route with its handler, then the console,
//! and the headers every response carries.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use axum::routing::{get, post};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::config::BODY_LIMIT;
use crate::state::AppState;
use crate::web::BASE_CSP;
use crate::{api, openapi, web};

/// The router: `/api/...` (JSON everywhere, including unknown paths), then the console.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/health", get(api::health))
        .route("/openapi.json", get(openapi::document))
        .route("/journeys", get(api::list).post(api::create))
        .route("/journeys/{id}", get(api::detail))
        .route("/journeys/{id}/snapshot", get(api::snapshot))
        .route("/journeys/{id}/preview", get(api::preview))
        .route("/journeys/{id}/messages", get(api::messages))
        .route("/journeys/{id}/delivery", get(api::delivery))
        .route("/journeys/{id}/delivery/retry", post(api::retry_journey_delivery))
        .route("/journeys/{id}/publish", post(api::publish))
        .route("/journeys/{id}/pause", post(api::pause))
        .route("/journeys/{id}/stop", post(api::stop))
        .route("/journeys/{id}/activate", post(api::activate))
        .route("/contacts", post(api::create_contacts))
        .route("/contacts/{id}/subscription", post(api::set_subscription))
        .route("/datasets", post(api::create_dataset))
        .route("/datasets/{id}/contacts", post(api::add_to_dataset))
        .route("/events", post(api::event))
        .route("/messages/{key}/retry", post(api::retry_message))
        .fallback(api::api_not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store")));

    Router::new()
        .nest("/api", api)
        .fallback(web::serve_console)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(BASE_CSP)))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ))
        .with_state(state)
}
