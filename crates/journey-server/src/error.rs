//! The one error type of the API and its one status mapping. Every failure reaches the client
//! as `{ "error": { "code": "...", "message": "..." } }` with the right status; a server fault
//! is logged and answered with a sentence that reveals nothing of the internals.
//!
//! Domain failures arrive as [`ActionError`]s and get their status in
//! `From<ActionError> for ApiError`; the request extractors ([`ApiJson`], [`OptionalJson`],
//! [`ApiPath`], [`ApiQuery`]) answer a request that cannot be read with the same JSON body.

use axum::body::{Body, Bytes};
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use journey_core::api::codes;
use journey_core::state::JourneyState;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use crate::actions::ActionError;
use crate::config::BODY_LIMIT;
use crate::store::StoreError;

/// What a busy answer tells the client to wait, in seconds.
const BUSY_RETRY_AFTER: u32 = 2;
/// How soon a client may retry an activation refused because the last one is still being applied.
const STILL_APPLYING_RETRY_AFTER: u32 = 2;

/// An API failure: a status, a stable machine-readable code, a sentence, and, on a conflict,
/// the journey's current version and state.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub current: Option<(u64, JourneyState)>,
    /// Seconds after which the request may be tried again (sent as `Retry-After`).
    pub retry_after: Option<u32>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into(), current: None, retry_after: None }
    }
    /// 400: the request could not be read.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, codes::INVALID_REQUEST, message)
    }
    /// 404: no such thing.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, codes::NOT_FOUND, message)
    }
    /// 422: well-formed but invalid.
    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, codes::INVALID_REQUEST, message)
    }
    /// 500: a fault of ours. The cause is logged, not sent.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        tracing::error!(%cause, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::INTERNAL,
            "Something went wrong on the server; nothing was changed. Please try again.",
        )
    }
    /// 503 with `Retry-After`: the server cannot take the request now; nothing was changed.
    pub fn busy(retry_after: u32) -> ApiError {
        ApiError {
            retry_after: Some(retry_after),
            ..ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                format!("The server is busy right now; nothing was changed. Please try again in {retry_after} seconds."),
            )
        }
    }
    /// 413 with the limit in words.
    pub fn too_large() -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("The request body is larger than the limit of {} KiB.", BODY_LIMIT / 1024),
        )
    }
    /// 415: the body is not sent as JSON.
    pub fn unsupported_media_type() -> ApiError {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "The request body must be JSON, sent with `Content-Type: application/json`.",
        )
    }

    /// The JSON body (journey-core's `api::ApiError`).
    pub fn body(&self) -> journey_core::api::ApiError {
        let mut body = journey_core::api::ApiError::new(self.code, self.message.clone());
        body.error.current_version = self.current.map(|c| c.0);
        body.error.current_state = self.current.map(|c| c.1);
        body
    }
}

/// The status of every domain failure.
impl From<ActionError> for ApiError {
    fn from(e: ActionError) -> ApiError {
        let message = e.to_string();
        let (status, code, current) = match e {
            ActionError::NotFound { .. } | ActionError::UnknownMessage { .. } | ActionError::UnknownContact => {
                (StatusCode::NOT_FOUND, codes::NOT_FOUND, None)
            }
            ActionError::NotDead { .. } => (StatusCode::CONFLICT, "not_dead", None),
            ActionError::NotPending(_) => (StatusCode::CONFLICT, codes::NOT_PENDING, None),
            ActionError::OwnRequest => (StatusCode::FORBIDDEN, codes::OWN_REQUEST, None),
            ActionError::WrongState { current, .. } => (StatusCode::CONFLICT, codes::INVALID_TRANSITION, Some(current)),
            ActionError::StaleVersion { current, .. } => (StatusCode::CONFLICT, codes::VERSION_CONFLICT, Some(current)),
            ActionError::InvalidDefinition(_) => (StatusCode::UNPROCESSABLE_ENTITY, codes::INVALID_DEFINITION, None),
            ActionError::Invalid(_) | ActionError::IdempotencyKeyReused => {
                (StatusCode::UNPROCESSABLE_ENTITY, codes::INVALID_REQUEST, None)
            }
            ActionError::Duplicate(_) => (StatusCode::CONFLICT, "conflict", None),
            ActionError::InvalidCredentials => (StatusCode::UNAUTHORIZED, codes::INVALID_CREDENTIALS, None),
            ActionError::RateLimited { seconds } => {
                let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, codes::RATE_LIMITED, message);
                e.retry_after = Some(seconds);
                return e;
            }
            ActionError::StillApplying { .. } => {
                let mut e = ApiError::new(StatusCode::CONFLICT, codes::STILL_APPLYING, message);
                e.retry_after = Some(STILL_APPLYING_RETRY_AFTER);
                return e;
            }
            ActionError::Storage(StoreError::Busy(cause)) => {
                tracing::warn!(%cause, "answered 503: the database is busy");
                return ApiError::busy(BUSY_RETRY_AFTER);
            }
            ActionError::Storage(cause) => return ApiError::internal(cause),
        };
        ApiError { status, code, message, current: current.map(|c| (c.version, c.state)), retry_after: None }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        ApiError::from(ActionError::Storage(e))
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.body())).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> ApiError {
        match rejection {
            JsonRejection::JsonDataError(e) => {
                ApiError::invalid(format!("The request body is not a valid request: {}.", tail(&e.body_text())))
            }
            JsonRejection::JsonSyntaxError(e) => {
                ApiError::bad_request(format!("The request body is not valid JSON: {}.", tail(&e.body_text())))
            }
            JsonRejection::MissingJsonContentType(_) => ApiError::unsupported_media_type(),
            JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::too_large(),
            other => ApiError::new(other.status(), codes::INVALID_REQUEST, other.body_text()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> ApiError {
        ApiError::bad_request(format!("The query string is not valid: {}", tail(&rejection.body_text())))
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> ApiError {
        ApiError::bad_request(format!("The address is not valid: {}", tail(&rejection.body_text())))
    }
}

/// axum's rejection texts start with a generic prefix; keep the informative tail.
fn tail(text: &str) -> String {
    match text.split_once(": ") {
        Some((_, rest)) if !rest.is_empty() => rest.trim_end_matches('.').to_string(),
        _ => text.to_string(),
    }
}

/// `axum::Json` of a JSON *object* whose rejections are [`ApiError`]s: 415 without a JSON
/// content type, 413 over the body limit, 400 for text that is not JSON, 422 for JSON that is
/// not a valid request (not an object, or a field the request type does not know: journey-core's
/// request types deny unknown fields and serde's message names the field).
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let axum::Json(Object(value)) = axum::Json::<Object<T>>::from_request(req, state).await?;
        Ok(ApiJson(value))
    }
}

/// A `T` read only from a JSON object: serde's derive would also read a struct from an array
/// (`[]` as an empty `/stop` request), which no request of this API is.
struct Object<T>(T);

impl<'de, T: DeserializeOwned> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        if !value.is_object() {
            return Err(serde::de::Error::custom("the body must be a JSON object"));
        }
        T::deserialize(value).map(Object).map_err(serde::de::Error::custom)
    }
}

/// `axum::extract::Path` whose rejection is a JSON 400.
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// `axum::extract::Query` whose rejection is a JSON 400.
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// Like [`ApiJson`], but an empty body (with or without a content type) is `None`: the
/// journey actions whose only field is optional (`expected_version`) may be sent bare.
#[derive(Debug, Clone, Default)]
pub struct OptionalJson<T>(pub Option<T>);

impl<S, T> FromRequest<S> for OptionalJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::too_large()
            } else {
                ApiError::bad_request(format!("The request body could not be read: {}", e.body_text()))
            }
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(None));
        }
        let req = Request::from_parts(parts, Body::from(bytes));
        let ApiJson(value) = ApiJson::<T>::from_request(req, state).await?;
        Ok(OptionalJson(Some(value)))
    }
}
