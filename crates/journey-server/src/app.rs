//! The router, assembled in one place: every `/api` route with its handler, then the console,
//! and the headers every response carries.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use tokio::sync::Semaphore;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;

use crate::config::BODY_LIMIT;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::BASE_CSP;
use crate::{api, openapi, web};

/// The router: `/api/...` (JSON everywhere, including unknown paths), then the console.
pub fn router(state: AppState, body_timeout: Duration) -> Router {
    // Batch imports (up to 10,000 contacts, 1 MiB of JSON each) are parsed on the server's few
    // threads: a few at a time, and the rest told at once to come back, so that everything
    // else (health, pages, activations) keeps answering under a flood of imports.
    let permits = Arc::new(Semaphore::new(CONCURRENT_IMPORTS));
    let imports = middleware::from_fn(move |req: Request, next: Next| {
        let permits = permits.clone();
        async move {
            match permits.try_acquire_owned() {
                Ok(_permit) => next.run(req).await,
                Err(_) => {
                    // Read the body (cheap, unlike parsing it): a client still sending it would
                    // otherwise see the connection reset instead of this answer.
                    let _ = axum::body::to_bytes(req.into_body(), BODY_LIMIT).await;
                    ApiError::busy(2).into_response()
                }
            }
        }
    });
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
        .route("/contacts", post(api::create_contacts).layer(imports.clone()))
        .route("/contacts/{id}/subscription", post(api::set_subscription))
        .route("/datasets", post(api::create_dataset))
        .route("/datasets/{id}/contacts", post(api::add_to_dataset).layer(imports))
        .route("/events", post(api::event))
        .route("/messages/{key}/retry", post(api::retry_message))
        .fallback(api::api_not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store")));

    Router::new()
        .nest("/api", api)
        // `/api` and `/api/` themselves are API paths too: JSON, not the console.
        .route("/api", any(api::api_not_found))
        .route("/api/", any(api::api_not_found))
        .fallback(web::serve_console)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(RequestBodyTimeoutLayer::new(body_timeout))
        .layer(middleware::from_fn(request_size_limits))
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

/// Batch imports handled at once; more are answered 503 with `Retry-After` at once.
pub const CONCURRENT_IMPORTS: usize = 2;

/// The longest address (path and query) a request may have: 414 beyond.
pub const MAX_URI: usize = 8 * 1024;

/// The most header bytes a request may send: 431 beyond.
pub const MAX_HEADERS: usize = 16 * 1024;

/// 414 and 431 as JSON sentences, before any handler runs (hyper's own, far larger limits
/// would answer with an empty body).
async fn request_size_limits(req: Request, next: Next) -> Response {
    if req.uri().to_string().len() > MAX_URI {
        let message = format!("The address is longer than {} KiB.", MAX_URI / 1024);
        return ApiError::new(StatusCode::URI_TOO_LONG, "uri_too_long", message).into_response();
    }
    let header_bytes: usize = req.headers().iter().map(|(k, v)| k.as_str().len() + v.len() + 4).sum();
    if header_bytes > MAX_HEADERS {
        let message = format!("The request's headers are larger than {} KiB.", MAX_HEADERS / 1024);
        return ApiError::new(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, "headers_too_large", message).into_response();
    }
    next.run(req).await
}
