//! The router, assembled in one place: every `/api` route with its handler, then the console,
//! and the headers every response carries.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::Request;
use axum::handler::Handler;
use axum::http::Method;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{self, MethodRouter, any};
use journey_core::access::Role;
use tokio::sync::Semaphore;
use tower_http::CompressionLevel;
use tower_http::compression::predicate::{NotForContentType, Predicate};
use tower_http::compression::{CompressionLayer, DefaultPredicate};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;

use crate::auth::guard::{self, Access};
use crate::config::BODY_LIMIT;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::BASE_CSP;
use crate::{api, openapi, web};

/// The router: `/api/...` (JSON everywhere, including unknown paths), then the console.
pub fn router(state: AppState, body_timeout: Duration) -> Router {
    let (api, _) = api_routes(&state);
    let api = api
        .fallback(api::api_not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
        // Answers are not cached, unless a handler says otherwise (a time zone's rules).
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")));

    Router::new()
        .nest("/api", api)
        // `/api` and `/api/` themselves are API paths too: JSON, not the console.
        .route("/api", any(api::api_not_found))
        .route("/api/", any(api::api_not_found))
        .fallback(web::serve_console)
        // The API's JSON and index.html, compressed as they go (Brotli at quality 4: most of
        // quality 11's gain on small JSON at a fraction of its time). The console's files come
        // compressed already (`web::precompress`, left as they are); the wasm, megabytes, is
        // never compressed per request (before its copies exist it goes as it is).
        .layer(
            CompressionLayer::new()
                .br(true)
                .gzip(true)
                .quality(CompressionLevel::Precise(4))
                .compress_when(DefaultPredicate::new().and(NotForContentType::const_new("application/wasm"))),
        )
        // Only a GET or HEAD answer is compressed: the compression layer answers 406 when no
        // encoding is acceptable, which must never replace the answer of a change already made.
        .layer(middleware::from_fn(compress_only_reads))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(RequestBodyTimeoutLayer::new(body_timeout))
        .layer(middleware::from_fn(request_size_limits))
        // Before anything else: a request for a host name the server does not answer.
        .layer(middleware::from_fn_with_state(state.auth.clone(), guard::check_host))
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

/// Takes `Accept-Encoding` off a request that may change something (see the router).
async fn compress_only_reads(mut req: Request, next: Next) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        req.headers_mut().remove(header::ACCEPT_ENCODING);
    }
    next.run(req).await
}

/// A route of the API and who may call it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteAccess {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

/// Every `/api` route, each with the access it needs, declared here and nowhere else: the
/// router and the table of routes (for the authorization test) come from the same list.
pub fn api_routes(state: &AppState) -> (Router<AppState>, Vec<RouteAccess>) {
    use Access::Public;
    const VIEWER: Access = Access::Role(Role::Viewer);
    const OPERATOR: Access = Access::Role(Role::Operator);
    const ADMIN: Access = Access::Role(Role::Admin);
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
    let routes = ApiRoutes { state: state.clone(), router: Router::new(), table: Vec::new() }
        .get("/health", Public, api::health)
        .get("/openapi.json", Public, openapi::document)
        .post("/sign-in", Public, api::sign_in)
        .post("/sign-out", VIEWER, api::sign_out)
        .get("/me", VIEWER, api::me)
        .get("/journeys", VIEWER, api::list)
        .post("/journeys", OPERATOR, api::create)
        .get("/journeys/{id}", VIEWER, api::detail)
        .get("/journeys/{id}/snapshot", VIEWER, api::snapshot)
        .get("/journeys/{id}/preview", VIEWER, api::preview)
        .get("/journeys/{id}/messages", VIEWER, api::messages)
        .get("/journeys/{id}/contact", VIEWER, api::contact)
        .get("/zone", VIEWER, api::zone)
        .get("/journeys/{id}/delivery", VIEWER, api::delivery)
        .post("/journeys/{id}/delivery/retry", OPERATOR, api::retry_journey_delivery)
        .post("/journeys/{id}/publish", OPERATOR, api::publish)
        .post("/journeys/{id}/pause", OPERATOR, api::pause)
        .post("/journeys/{id}/stop", OPERATOR, api::stop)
        .post("/journeys/{id}/activate", OPERATOR, api::activate)
        .post("/journeys/{id}/pending/approve", OPERATOR, api::approve_pending)
        .post("/journeys/{id}/pending/reject", OPERATOR, api::reject_pending)
        .post("/journeys/{id}/pending/cancel", OPERATOR, api::cancel_pending)
        .get("/settings", VIEWER, api::get_settings)
        .put("/settings", ADMIN, api::put_settings)
        .put("/journeys/{id}/definition", OPERATOR, api::save_definition)
        .get("/journeys/{id}/versions", VIEWER, api::versions)
        .get("/journeys/{id}/diff", VIEWER, api::diff)
        .post_layered("/contacts", OPERATOR, api::create_contacts, imports.clone())
        .post("/contacts/{id}/subscription", OPERATOR, api::set_subscription)
        .post("/datasets", OPERATOR, api::create_dataset)
        .post_layered("/datasets/{id}/contacts", OPERATOR, api::add_to_dataset, imports)
        .post("/events", OPERATOR, api::event)
        .post("/messages/{key}/retry", OPERATOR, api::retry_message)
        .get("/users", ADMIN, api::users)
        .post("/users", ADMIN, api::add_user)
        .post("/users/{id}", ADMIN, api::change_user)
        .get("/tokens", ADMIN, api::tokens)
        .post("/tokens", ADMIN, api::create_token)
        .post("/tokens/{id}/revoke", ADMIN, api::revoke_token);
    (routes.router, routes.table)
}

/// Builds the API router and its table together, each route behind [`guard::require`] with
/// its access.
struct ApiRoutes {
    state: AppState,
    router: Router<AppState>,
    table: Vec<RouteAccess>,
}

impl ApiRoutes {
    fn get<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, access: Access, handler: H) -> ApiRoutes {
        self.add(Method::GET, path, access, routing::get(handler))
    }

    fn post<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, access: Access, handler: H) -> ApiRoutes {
        self.add(Method::POST, path, access, routing::post(handler))
    }

    fn put<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, access: Access, handler: H) -> ApiRoutes {
        self.add(Method::PUT, path, access, routing::put(handler))
    }

    /// A POST route with a layer of its own (inside the access check).
    fn post_layered<H, T, L>(self, path: &'static str, access: Access, handler: H, layer: L) -> ApiRoutes
    where
        H: Handler<T, AppState>,
        T: 'static,
        L: tower::Layer<axum::routing::Route> + Clone + Send + Sync + 'static,
        L::Service: tower::Service<Request, Error = std::convert::Infallible> + Clone + Send + Sync + 'static,
        <L::Service as tower::Service<Request>>::Response: IntoResponse + 'static,
        <L::Service as tower::Service<Request>>::Future: Send + 'static,
    {
        self.add(Method::POST, path, access, routing::post(handler).layer(layer))
    }

    fn add(mut self, method: Method, path: &'static str, access: Access, route: MethodRouter<AppState>) -> ApiRoutes {
        let guarded = route.route_layer(middleware::from_fn_with_state((self.state.clone(), access), guard::require));
        self.router = self.router.route(path, guarded);
        self.table.push(RouteAccess { method, path, access });
        self
    }
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
