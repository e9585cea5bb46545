//! Every request the console makes. Pages never call `fetch` themselves.
//!
//! Errors are typed ([`ApiError`]) and every message is readable by a person; nothing here
//! panics on what the server sends.
//!
//! Every request carries [`CONSOLE_HEADER`] and every POST and PUT `Content-Type:
//! application/json`, even without a body: the server refuses a change that lacks either, which is what keeps
//! another site from using the session cookie. The cookie itself goes with each request on
//! its own (same origin); the console never reads it.

use gloo_net::http::{Request, RequestBuilder, Response};
use journey_core::access::CONSOLE_HEADER;
use journey_core::api::codes;
use serde::de::DeserializeOwned;
use std::cell::RefCell;

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
    Http { status: u16, code: String, message: String, current_version: Option<u64> },
    /// The server answered something the console does not understand.
    Unexpected(String),
}

impl ApiError {
    pub fn title(&self) -> String {
        match self {
            ApiError::Network => "The server cannot be reached".into(),
            ApiError::Timeout => "The server is taking too long to answer".into(),
            ApiError::Http { status: 401, .. } => "You are signed out".into(),
            ApiError::Http { status: 403, code, .. } if code == codes::FORBIDDEN => "Your role does not allow this".into(),
            ApiError::Http { status: 404, .. } => "Not found".into(),
            ApiError::Http { status: 409, code, .. } if code == codes::VERSION_CONFLICT => "The journey has changed".into(),
            ApiError::Http { status: 409, .. } => "The action is not allowed now".into(),
            ApiError::Http { status: 429, .. } => "Too many attempts".into(),
            ApiError::Http { status, .. } if *status >= 500 => "The server ran into a problem".into(),
            ApiError::Http { .. } => "The request was refused".into(),
            ApiError::Unexpected(_) => "The server sent an unexpected answer".into(),
        }
    }

    pub fn detail(&self) -> String {
        match self {
            ApiError::Network => "Check your connection, then try again.".into(),
            ApiError::Timeout => format!("No answer after {} seconds. Try again in a moment.", TIMEOUT_MS / 1000),
            ApiError::Http { status: 401, message, .. } if message.trim().is_empty() => "Sign in again to continue.".into(),
            ApiError::Http { status: 429, message, .. } if message.trim().is_empty() => "Wait a minute, then try again.".into(),
            ApiError::Http { message, status, .. } if message.trim().is_empty() => format!("HTTP {status}."),
            ApiError::Http { message, .. } => message.clone(),
            ApiError::Unexpected(what) => what.clone(),
        }
    }

    /// The API's error code (`version_conflict`, `not_pending`, ...), when the server answered one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Http { code, .. } if !code.is_empty() => Some(code),
            _ => None,
        }
    }

    /// The server does not know the thing asked for (an unknown or deleted journey).
    pub fn is_not_found(&self) -> bool {
        matches!(self, ApiError::Http { status: 404, .. })
    }

    /// The journey's version moved on since the client read it.
    pub fn is_stale_version(&self) -> bool {
        matches!(self, ApiError::Http { status: 409, code, .. } if code == codes::VERSION_CONFLICT)
    }

    /// The request had no valid session (never signed in, signed out, or expired). Wrong
    /// credentials at sign-in are a 401 too, but with another code: they are not this.
    pub fn is_unauthenticated(&self) -> bool {
        matches!(self, ApiError::Http { status: 401, code, .. } if code == codes::UNAUTHENTICATED)
    }
}

thread_local! {
    /// What to do when any request finds the session gone (see [`on_unauthenticated`]).
    static ON_UNAUTHENTICATED: RefCell<Option<Box<dyn Fn()>>> = const { RefCell::new(None) };
}

/// Sets what happens whenever a request answers 401 `unauthenticated`, whichever page sent it:
/// the session sends the person to sign in and back (see `crate::session`). Pages need not
/// handle an expired session themselves.
pub fn on_unauthenticated(f: Option<Box<dyn Fn()>>) {
    ON_UNAUTHENTICATED.with(|cell| *cell.borrow_mut() = f);
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

/// Sends a request with a timeout; the body of a 2xx answer, else the API's error envelope
/// as an [`ApiError`]; a 401 `unauthenticated` calls the hook (see [`on_unauthenticated`]).
/// Not generic, so the request code exists once in the wasm whatever the answer's type (only
/// [`parse`] is per type).
async fn send(req: RequestBuilder, body: Option<String>) -> Result<String, ApiError> {
    send_for_status(req, body).await.map(|(_, text)| text)
}

/// [`send`], with the 2xx status: where 200 and 202 mean different things (an activation
/// done, or waiting).
async fn send_for_status(req: RequestBuilder, body: Option<String>) -> Result<(u16, String), ApiError> {
    let answer = exchange(req, body).await;
    notice_sign_out(&answer);
    answer
}

/// Calls the hook (see [`on_unauthenticated`]) when `answer` says nobody is signed in.
fn notice_sign_out<T>(answer: &Result<T, ApiError>) {
    if answer.as_ref().is_err_and(ApiError::is_unauthenticated) {
        ON_UNAUTHENTICATED.with(|cell| cell.borrow().as_ref().map(|f| f()));
    }
}

/// [`send_for_status`] without the hook: the answer alone.
async fn exchange(req: RequestBuilder, body: Option<String>) -> Result<(u16, String), ApiError> {
    // The browser aborts the request after TIMEOUT_MS (no timer of our own to keep or cancel).
    let signal = web_sys::AbortSignal::timeout_with_u32(TIMEOUT_MS);
    let req = req.header("Accept", "application/json").header(CONSOLE_HEADER, "1").abort_signal(Some(&signal));
    let result = match body {
        Some(body) => match req.header("Content-Type", "application/json").body(body) {
            Ok(req) => req.send().await,
            Err(e) => return Err(ApiError::Unexpected(e.to_string())),
        },
        None => req.send().await,
    };
    let lost = |_| if signal.aborted() { ApiError::Timeout } else { ApiError::Network };
    let resp: Response = result.map_err(lost)?;
    let text = resp.text().await.map_err(lost)?;
    if resp.ok() {
        return Ok((resp.status(), text));
    }
    let (code, message, current_version) = match serde_json::from_str::<ErrorEnvelope>(&text) {
        Ok(env) => (env.error.code, env.error.message, env.error.current_version),
        Err(_) => (String::new(), String::new(), None),
    };
    Err(ApiError::Http { status: resp.status(), code, message, current_version })
}

/// How long an answer asked for early waits to be claimed before it is thought stale.
const EARLY_FOR_MS: f64 = 10_000.0;

/// A GET started before the page that reads it: its path, when it started, and its answer.
type Early = (String, f64, futures_channel::oneshot::Receiver<Result<String, ApiError>>);

thread_local! {
    static EARLY: RefCell<Option<Early>> = const { RefCell::new(None) };
}

/// Starts `GET path` now, beside other requests, before the page that needs it is shown: the
/// first [`get`] of the same path within [`EARLY_FOR_MS`] takes this answer instead of asking
/// again. The console asks for its first screen's rows with the session check this way, so
/// the two travel together rather than one after the other. One at a time.
pub fn ask_early(path: String) {
    let (answer, claim) = futures_channel::oneshot::channel();
    EARLY.with(|slot| *slot.borrow_mut() = Some((path.clone(), js_sys::Date::now(), claim)));
    // Without the 401 hook: an answer nobody claims (forgotten, stale) must not send anyone
    // to sign in; the page that claims it calls the hook (`get`).
    leptos::task::spawn_local(async move {
        let _ = answer.send(exchange(Request::get(&path), None).await.map(|(_, text)| text));
    });
}

/// Drops an answer asked for early and not claimed (the person turned out to be signed out:
/// the page will ask again once they are in).
pub fn forget_early() {
    EARLY.with(|slot| slot.borrow_mut().take());
}

/// The early request for `path`, if one is waiting to be claimed and still fresh.
fn claim_early(path: &str) -> Option<futures_channel::oneshot::Receiver<Result<String, ApiError>>> {
    let (_, at, claim) = EARLY.with(|slot| {
        let mut slot = slot.borrow_mut();
        if slot.as_ref().is_some_and(|(asked, _, _)| asked == path) { slot.take() } else { None }
    })?;
    (js_sys::Date::now() - at < EARLY_FOR_MS).then_some(claim)
}

/// Decodes a 2xx answer's JSON body.
fn parse<T: DeserializeOwned>(text: String) -> Result<T, ApiError> {
    serde_json::from_str(&text).map_err(|e| ApiError::Unexpected(format!("Could not read the server's answer ({e}).")))
}

/// Percent-encodes a query value.
pub fn encode(s: &str) -> String {
    String::from(js_sys::encode_uri_component(s))
}

pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    let early = match claim_early(path) {
        Some(claim) => claim.await.ok(),
        None => None,
    };
    let answer = match early {
        Some(answer) => {
            notice_sign_out(&answer);
            answer
        }
        None => send(Request::get(path), None).await,
    };
    answer.and_then(parse)
}

/// POSTs a JSON body. With an idempotency key, a retry after a timeout or a lost answer is
/// safe: the server answers the same key with its first answer.
pub async fn post<B: serde::Serialize, T: DeserializeOwned>(
    path: &str,
    body: &B,
    idempotency_key: Option<&str>,
) -> Result<T, ApiError> {
    let body = serde_json::to_string(body).map_err(|e| ApiError::Unexpected(e.to_string()))?;
    post_json(path, body, idempotency_key).await.and_then(parse)
}

/// PUTs a JSON body: the same headers as a POST (a change), and no idempotency key (a PUT
/// names the whole new state, and `expected_version` refuses a second save of a stale one).
pub async fn put<B: serde::Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    let body = serde_json::to_string(body).map_err(|e| ApiError::Unexpected(e.to_string()))?;
    send(Request::put(path), Some(body)).await.and_then(parse)
}

/// POSTs with an empty body (actions whose URL says everything), still typed as JSON.
async fn post_empty(path: &str) -> Result<String, ApiError> {
    send(Request::post(path), Some(String::new())).await
}

async fn post_json(path: &str, body: String, idempotency_key: Option<&str>) -> Result<String, ApiError> {
    post_for_status(path, body, idempotency_key).await.map(|(_, text)| text)
}

async fn post_for_status(path: &str, body: String, idempotency_key: Option<&str>) -> Result<(u16, String), ApiError> {
    let mut req = Request::post(path);
    if let Some(key) = idempotency_key {
        req = req.header("Idempotency-Key", key);
    }
    send_for_status(req, Some(body)).await
}

/// A fresh idempotency key (a random UUID from the browser's crypto).
pub fn new_idempotency_key() -> String {
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.random_uuid())
        .unwrap_or_else(|| format!("k-{}-{}", js_sys::Date::now(), js_sys::Math::random()))
}

// ---- The journey API ----

use journey_core::api::{
    ActivateRequest, ActivateResponse, DefinitionVersions, DeliveryResponse, JourneyDetail, JourneyListResponse,
    MessageRetryResponse, PauseRequest, PendingDecision, PendingResponse, RequeuedResponse, SaveDefinitionRequest,
    SessionResponse, SignInRequest, StopRequest, WorkspaceSettings,
};
use journey_core::explain::ContactFacts;
use journey_core::jiff::Timestamp;
use journey_core::journey::JourneyId;
use journey_core::snapshot::JourneySnapshot;
use journey_core::state::JourneyState;
use journey_core::zone::Zone;

/// `GET /api/journeys?state=&q=`: one tab's rows and every state's count.
pub async fn list_journeys(state: JourneyState, q: String) -> Result<JourneyListResponse, ApiError> {
    get(&list_path(state, &q)).await
}

/// The API path of one tab of the journeys list, with its name search.
pub fn list_path(state: JourneyState, q: &str) -> String {
    let mut path = format!("/api/journeys?state={}", state.as_str());
    if !q.trim().is_empty() {
        path.push_str("&q=");
        path.push_str(&encode(q.trim()));
    }
    path
}

pub async fn journey(id: JourneyId) -> Result<JourneyDetail, ApiError> {
    get(&format!("/api/journeys/{id}")).await
}

/// `GET /api/journeys/{id}/snapshot`: the journey now, or (`at`, a later instant) projected
/// to `at` from today's numbers.
pub async fn snapshot(id: JourneyId, at: Option<Timestamp>) -> Result<JourneySnapshot, ApiError> {
    match at {
        Some(at) => get(&format!("/api/journeys/{id}/snapshot?at={}", encode(&at.to_string()))).await,
        None => get(&format!("/api/journeys/{id}/snapshot")).await,
    }
}

thread_local! {
    /// Zones already loaded, by name: the journey page, the list and the summary ask for the
    /// same few.
    static ZONES: RefCell<Vec<Zone>> = const { RefCell::new(Vec::new()) };
}

/// `GET /api/zone?name=`: a zone's rules from the server's bundled database, asked for once
/// per name and visit.
pub async fn zone(name: &str) -> Result<Zone, ApiError> {
    if let Some(zone) = ZONES.with(|zones| zones.borrow().iter().find(|z| z.name() == name).cloned()) {
        return Ok(zone);
    }
    let zone: Zone = get(&format!("/api/zone?name={}", encode(name))).await?;
    ZONES.with(|zones| zones.borrow_mut().push(zone.clone()));
    Ok(zone)
}

/// `GET /api/journeys/{id}/contact?email=`: one contact's facts for the summary's
/// explanation (404: no contact has this email).
pub async fn contact(id: JourneyId, email: &str) -> Result<ContactFacts, ApiError> {
    get(&format!("/api/journeys/{id}/contact?email={}", encode(email))).await
}

pub async fn pause(id: JourneyId, expected_version: u64) -> Result<JourneyDetail, ApiError> {
    let body = PauseRequest { expected_version: Some(expected_version) };
    post(&format!("/api/journeys/{id}/pause"), &body, None).await
}

pub async fn stop(id: JourneyId, expected_version: u64) -> Result<JourneyDetail, ApiError> {
    let body = StopRequest { expected_version: Some(expected_version) };
    post(&format!("/api/journeys/{id}/stop"), &body, None).await
}

/// What the server did with an activation (or an approval): done now, or waiting.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    /// 200: activated now.
    Activated(Box<ActivateResponse>),
    /// 202: scheduled for later, or awaiting a second person's approval.
    Waiting(Box<PendingResponse>),
}

fn answer((status, text): (u16, String)) -> Result<Answer, ApiError> {
    if status == 202 {
        parse(text).map(|w| Answer::Waiting(Box::new(w)))
    } else {
        parse(text).map(|a| Answer::Activated(Box::new(a)))
    }
}

/// `POST /api/journeys/{id}/activate` with the summary's version, choices and an idempotency
/// key.
pub async fn activate(id: JourneyId, request: &ActivateRequest, idempotency_key: &str) -> Result<Answer, ApiError> {
    let body = serde_json::to_string(request).map_err(|e| ApiError::Unexpected(e.to_string()))?;
    post_for_status(&format!("/api/journeys/{id}/activate"), body, Some(idempotency_key)).await.and_then(answer)
}

/// `POST /api/journeys/{id}/pending/cancel`: the waiting activation is dropped.
pub async fn cancel_pending(id: JourneyId, decision: &PendingDecision, key: &str) -> Result<JourneyDetail, ApiError> {
    post(&format!("/api/journeys/{id}/pending/cancel"), decision, Some(key)).await
}

/// `POST /api/journeys/{id}/pending/reject` (a reason is required).
pub async fn reject_pending(id: JourneyId, decision: &PendingDecision, key: &str) -> Result<JourneyDetail, ApiError> {
    post(&format!("/api/journeys/{id}/pending/reject"), decision, Some(key)).await
}

/// `POST /api/journeys/{id}/pending/approve`: activated now, or approved and still scheduled.
pub async fn approve_pending(id: JourneyId, decision: &PendingDecision, key: &str) -> Result<Answer, ApiError> {
    let body = serde_json::to_string(decision).map_err(|e| ApiError::Unexpected(e.to_string()))?;
    post_for_status(&format!("/api/journeys/{id}/pending/approve"), body, Some(key)).await.and_then(answer)
}

/// `GET /api/settings`: the workspace's settings.
pub async fn settings() -> Result<WorkspaceSettings, ApiError> {
    get("/api/settings").await
}

/// `PUT /api/settings` (admins): the settings saved.
pub async fn save_settings(settings: &WorkspaceSettings) -> Result<WorkspaceSettings, ApiError> {
    put("/api/settings", settings).await
}

/// `PUT /api/journeys/{id}/definition`: saves the editor's revision as the next definition
/// version (409 when the journey moved on or is Active, 422 with a sentence when the server
/// refuses the definition).
pub async fn save_definition(id: JourneyId, request: &SaveDefinitionRequest) -> Result<JourneyDetail, ApiError> {
    put(&format!("/api/journeys/{id}/definition"), request).await
}

/// `GET /api/journeys/{id}/versions`: every saved definition version, oldest first.
pub async fn versions(id: JourneyId) -> Result<DefinitionVersions, ApiError> {
    get(&format!("/api/journeys/{id}/versions")).await
}

/// `GET /api/journeys/{id}/delivery`: messages per delivery state and the first page of dead
/// messages.
pub async fn delivery(id: JourneyId) -> Result<DeliveryResponse, ApiError> {
    get(&format!("/api/journeys/{id}/delivery")).await
}

/// `POST /api/journeys/{id}/delivery/retry`: every dead message of the journey back in the queue.
pub async fn retry_journey_delivery(id: JourneyId) -> Result<RequeuedResponse, ApiError> {
    post_empty(&format!("/api/journeys/{id}/delivery/retry")).await.and_then(parse)
}

/// `POST /api/messages/{key}/retry`: one dead message back in the queue (the key
/// percent-encoded, `/` as `%2F`).
pub async fn retry_message(key: &str) -> Result<MessageRetryResponse, ApiError> {
    post_empty(&format!("/api/messages/{}/retry", encode(key))).await.and_then(parse)
}

// ---- Sign-in ----

/// `POST /api/sign-in`: the server sets the session cookie and says who signed in.
pub async fn sign_in(email: String, password: String) -> Result<SessionResponse, ApiError> {
    post("/api/sign-in", &SignInRequest { email, password }, None).await
}

/// `POST /api/sign-out` (204): the server ends the session and clears the cookie.
pub async fn sign_out() -> Result<(), ApiError> {
    post_empty("/api/sign-out").await.map(|_| ())
}

/// `GET /api/me`: who is signed in (401 `unauthenticated` when nobody is).
pub async fn me() -> Result<SessionResponse, ApiError> {
    get("/api/me").await
}
