//! Every request the console makes. Pages never call `fetch` themselves.
//!
//! Errors are typed ([`ApiError`]) and every message is readable by a person; nothing here
//! panics on what the server sends.

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use std::cell::Cell;
use std::rc::Rc;

/// How long a request may take before the console gives up and offers Retry.
pub const TIMEOUT_MS: u32 = 15_000;

/// What went wrong with a request, in terms a person can act on.
#[derive(Clone, Debug, PartialEq)]
pub enum ApiError {
    /// The server could not be reached at all.
    Network,
    /// The server did not answer within [`TIMEOUT_MS`].
    Timeout,
    /// The server answered with an error.
    Http {
        status: u16,
        code: String,
        message: String,
        current_version: Option<u64>,
    },
    /// The server answered something the console does not understand.
    Unexpected(String),
}

impl ApiError {
    pub fn title(&self) -> String {
        match self {
            ApiError::Network => "The server cannot be reached".into(),
            ApiError::Timeout => "The server is taking too long to answer".into(),
            ApiError::Http { status: 404, .. } => "Not found".into(),
            ApiError::Http { status: 409, .. } => "The journey has changed".into(),
            ApiError::Http { status, .. } if *status >= 500 => "The server ran into a problem".into(),
            ApiError::Http { .. } => "The request was refused".into(),
            ApiError::Unexpected(_) => "The server sent an unexpected answer".into(),
        }
    }

    pub fn detail(&self) -> String {
        match self {
            ApiError::Network => "Check your connection, then try again.".into(),
            ApiError::Timeout => format!("No answer after {} seconds. Try again in a moment.", TIMEOUT_MS / 1000),
            ApiError::Http { message, status, .. } if message.trim().is_empty() => format!("HTTP {status}."),
            ApiError::Http { message, .. } => message.clone(),
            ApiError::Unexpected(what) => what.clone(),
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Http { code, .. } => Some(code.as_str()),
            _ => None,
        }
    }

    /// The journey's version moved on since the client read it.
    pub fn is_stale_version(&self) -> bool {
        matches!(self, ApiError::Http { status: 409, code, current_version, .. }
            if current_version.is_some() || code.contains("version") || code.contains("stale"))
    }
}

#[derive(serde::Deserialize)]
struct ErrorEnvelope {
    error: ErrorBody,
}

#[derive(serde::Deserialize)]
struct ErrorBody {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    current_version: Option<u64>,
}

/// Sends a request with a timeout and decodes a JSON body (or the API's error envelope).
async fn send<T: DeserializeOwned>(req: RequestBuilder, body: Option<String>) -> Result<T, ApiError> {
    let controller = web_sys::AbortController::new().ok();
    let timed_out = Rc::new(Cell::new(false));
    let timer = controller.as_ref().map(|c| {
        let c = c.clone();
        let timed_out = timed_out.clone();
        gloo_timers::callback::Timeout::new(TIMEOUT_MS, move || {
            timed_out.set(true);
            c.abort();
        })
    });
    let req = req
        .header("Accept", "application/json")
        .abort_signal(controller.as_ref().map(|c| c.signal()).as_ref());
    let result = match body {
        Some(body) => match req.header("Content-Type", "application/json").body(body) {
            Ok(req) => req.send().await,
            Err(e) => return Err(ApiError::Unexpected(e.to_string())),
        },
        None => req.send().await,
    };
    drop(timer);
    let resp = match result {
        Ok(r) => r,
        Err(_) if timed_out.get() => return Err(ApiError::Timeout),
        Err(_) => return Err(ApiError::Network),
    };
    decode(resp).await
}

async fn decode<T: DeserializeOwned>(resp: Response) -> Result<T, ApiError> {
    let status = resp.status();
    let text = resp.text().await.map_err(|_| ApiError::Network)?;
    if resp.ok() {
        return serde_json::from_str(&text)
            .map_err(|e| ApiError::Unexpected(format!("Could not read the server's answer ({e}).")));
    }
    let (code, message, current_version) = match serde_json::from_str::<ErrorEnvelope>(&text) {
        Ok(env) => (env.error.code, env.error.message, env.error.current_version),
        Err(_) => (String::new(), String::new(), None),
    };
    Err(ApiError::Http { status, code, message, current_version })
}

/// Percent-encodes a query value.
pub fn encode(s: &str) -> String {
    String::from(js_sys::encode_uri_component(s))
}

pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    send(Request::get(path), None).await
}

/// POSTs a JSON body. With an idempotency key, a retry after a timeout or a lost answer is
/// safe: the server answers the same key with its first answer.
pub async fn post<B: serde::Serialize, T: DeserializeOwned>(
    path: &str,
    body: &B,
    idempotency_key: Option<&str>,
) -> Result<T, ApiError> {
    let mut req = Request::post(path);
    if let Some(key) = idempotency_key {
        req = req.header("Idempotency-Key", key);
    }
    let body = serde_json::to_string(body).map_err(|e| ApiError::Unexpected(e.to_string()))?;
    send(req, Some(body)).await
}

/// A fresh idempotency key (a random UUID from the browser's crypto).
pub fn new_idempotency_key() -> String {
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.random_uuid())
        .unwrap_or_else(|| format!("k-{}-{}", js_sys::Date::now(), js_sys::Math::random()))
}
