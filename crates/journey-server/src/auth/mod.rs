//! Who is asking, and may they. People sign in to the console with a password and get a
//! session cookie; other systems send a per-person API token. Either way the request acts as
//! one person ([`Principal`]), with that person's role, and the activity log names them.
//!
//! The rules, each enforced in one place:
//! - **Sessions**: a 256-bit token from the OS's random source in the `journey_session`
//!   cookie (HttpOnly, SameSite=Strict, Path=/, Secure behind `--secure-cookies`), stored
//!   only as its SHA-256 digest; a new token at every sign-in; it ends after
//!   [`Settings::idle`] without a request or [`Settings::absolute`] after sign-in, whichever is
//!   first, or at sign-out. Checked in [`identify`].
//! - **API tokens**: `Authorization: Bearer jt_...`, shown once at creation, stored as digests,
//!   revocable; they act with their owner's current role. A disabled person's sessions and
//!   tokens stop working at once.
//! - **Roles**: every `/api` route declares the role it needs where the router is assembled
//!   (`app.rs`); [`guard::require`] answers 401 (nobody) or 403 (role too low, with the
//!   sentence of `Role::needed_sentence`).
//! - **Cross-site requests**: a change authenticated by the cookie must carry the console's
//!   header (`X-Journey-Console`) and an `Origin` equal to the server's own; every change must
//!   be `Content-Type: application/json`, empty bodies included. A form post, a `no-cors`
//!   fetch or a beacon from another site can do neither. Bearer tokens are never sent by a
//!   browser on its own, so they need no such proof.
//! - **Why not a session crate**: `tower-sessions` (the axum ecosystem's) keys sessions by a
//!   128-bit id stored as is in its store; the rules here need 256 bits stored only as a
//!   digest, and revocation by person (disable, new password), so the small session table is
//!   ours (`store::people`), while the well-kept crates do the parts that are easy to get
//!   wrong: `argon2` (passwords), `cookie` (the `Set-Cookie` syntax), `governor` (rate limits),
//!   `rand_core`'s OS source (tokens), `sha2` (digests).
//! - **Hosts**: a request whose `Host` the server is not configured to answer (loopback names
//!   by default; `--public-origin`'s host otherwise) is refused before anything else, which
//!   stops DNS rebinding.

pub mod guard;
pub mod password;
pub mod throttle;

use std::sync::Arc;

use axum::http::{HeaderMap, header};
use jiff::{SignedDuration, Timestamp};
use journey_core::access::Role;
use sha2::{Digest, Sha256};

use crate::store::{self, Store, StoreError, UserRecord};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "journey_session";

/// How an API token starts: easy to spot in a leaked file, and by secret scanners.
pub const TOKEN_PREFIX: &str = "jt_";

/// How the server decides who is asking.
#[derive(Debug)]
pub struct Settings {
    /// A session ends after this long without a request.
    pub idle: SignedDuration,
    /// A session ends this long after sign-in, however busy.
    pub absolute: SignedDuration,
    /// Mark the cookie `Secure` (the server is reached over HTTPS, usually through a proxy
    /// that terminates TLS).
    pub secure_cookies: bool,
    /// The one origin the server answers as (`--public-origin`); `None`: loopback only.
    pub public_origin: Option<Origin>,
    /// Sign-in attempts per minute.
    pub throttle: throttle::Throttle,
}

impl Settings {
    /// Whether the server answers requests for this `Host` header value.
    pub fn answers_host(&self, host: &str) -> bool {
        match &self.public_origin {
            Some(origin) => host.eq_ignore_ascii_case(&origin.authority),
            None => is_loopback_host(host),
        }
    }

    /// Whether a request's `Origin` is the server's own: the public origin; or, on a
    /// loopback-only server, a loopback origin of any port (so `trunk serve`'s proxy on
    /// another port works; a page of another local port still cannot send the console's
    /// header without the server's consent, which it never gives).
    pub fn is_own_origin(&self, origin: &str) -> bool {
        match &self.public_origin {
            Some(own) => origin.eq_ignore_ascii_case(&own.text),
            None => origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")).is_some_and(is_loopback_host),
        }
    }
}

/// An origin as `--public-origin` gives it: `https://journeys.example.com` (scheme, host and
/// port if not the default; no path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// `https://journeys.example.com:8443`
    pub text: String,
    /// `journeys.example.com:8443`: what the `Host` header must be.
    pub authority: String,
}

impl std::str::FromStr for Origin {
    type Err = String;

    fn from_str(text: &str) -> Result<Origin, String> {
        let text = text.trim().trim_end_matches('/');
        let authority = text
            .strip_prefix("https://")
            .or_else(|| text.strip_prefix("http://"))
            .ok_or("an origin starts with https:// (or http://)")?;
        if authority.is_empty() || authority.contains(['/', '?', '#', '@', ' ']) {
            return Err("an origin is a scheme and a host with an optional port, like https://journeys.example.com".into());
        }
        Ok(Origin { text: text.to_ascii_lowercase(), authority: authority.to_ascii_lowercase() })
    }
}

/// `localhost`, `127.0.0.1` or `[::1]`, with any port.
pub fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().map(|n| format!("[{n}]")).unwrap_or_default(),
        None => host.split(':').next().unwrap_or_default().to_string(),
    };
    matches!(name.to_ascii_lowercase().as_str(), "localhost" | "127.0.0.1" | "[::1]")
}

/// The person a request acts as.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub via: Via,
}

/// How the request proved who it is.
#[derive(Debug, Clone)]
pub enum Via {
    /// The console's cookie; `from_console` when the request also carried the console's
    /// header and the server's own `Origin` (what a change needs).
    Session { expires: Timestamp, from_console: bool },
    /// An API token, by its name.
    Token { name: String },
}

impl Principal {
    /// How the activity log names the person: name and email (names need not be unique),
    /// and the token when one was used.
    pub fn actor(&self) -> String {
        match &self.via {
            Via::Session { .. } => format!("{} <{}>", self.name, self.email),
            Via::Token { name } => format!("{} <{}> (API token \"{name}\")", self.name, self.email),
        }
    }

    fn new(user: &UserRecord, via: Via) -> Result<Principal, StoreError> {
        Ok(Principal { user_id: user.id, name: user.name.clone(), email: user.email.clone(), role: user.role()?, via })
    }
}

/// Who a request is, as far as the server can tell.
#[derive(Debug, Clone)]
pub enum Identity {
    Known(Principal),
    /// Nobody, and the sentence to answer a 401 with.
    Anonymous(&'static str),
}

/// Sentences for a 401.
pub mod unauthenticated {
    pub const NO_CREDENTIALS: &str = "Please sign in first.";
    pub const SESSION_ENDED: &str = "Your session has ended. Please sign in again.";
    pub const BAD_TOKEN: &str = "The API token is not valid: it is unknown, revoked, or its owner is disabled.";
}

/// A session's last-seen time is written at most this often (idle expiry needs no finer
/// grain, and reads should not queue behind the one writer).
const TOUCH_EVERY: SignedDuration = SignedDuration::from_secs(60);

/// Finds who a request is from its `Authorization: Bearer` header or its session cookie.
/// An expired session is anonymous; a failure to read the database is the caller's to answer.
pub async fn identify(store: &Store, settings: &Settings, headers: &HeaderMap, now: Timestamp) -> Result<Identity, StoreError> {
    if let Some(auth) = headers.get(header::AUTHORIZATION) {
        let token = auth.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")).map(str::trim).unwrap_or_default();
        let mut conn = store.read().await?;
        let Some((id, name, last_used, user)) = store::token_by_hash(&mut conn, &digest(token)).await? else {
            return Ok(Identity::Anonymous(unauthenticated::BAD_TOKEN));
        };
        drop(conn);
        if last_used.is_none_or(|t| now.duration_since(crate::clock::from_ms(t)) >= TOUCH_EVERY) {
            touch(store, Touch::Token(id), now);
        }
        return Ok(Identity::Known(Principal::new(&user, Via::Token { name })?));
    }
    let Some(token) = session_token(headers) else {
        return Ok(Identity::Anonymous(unauthenticated::NO_CREDENTIALS));
    };
    let mut conn = store.read().await?;
    let Some((session, user)) = store::session_by_token(&mut conn, &digest(&token)).await? else {
        return Ok(Identity::Anonymous(unauthenticated::SESSION_ENDED));
    };
    drop(conn);
    let idle_since = now.duration_since(session.last_seen());
    if now >= session.expires() || idle_since >= settings.idle {
        return Ok(Identity::Anonymous(unauthenticated::SESSION_ENDED));
    }
    if idle_since >= TOUCH_EVERY {
        touch(store, Touch::Session(session.session_id), now);
    }
    let from_console = came_from_console(settings, headers);
    Ok(Identity::Known(Principal::new(&user, Via::Session { expires: session.expires(), from_console })?))
}

/// Records a last-seen time in the background: the request does not wait for the one writer,
/// and if the write fails the next request tries again.
fn touch(store: &Store, what: Touch, now: Timestamp) {
    let store = store.clone();
    tokio::spawn(async move {
        let result = async {
            let mut tx = store.write().await?;
            match what {
                Touch::Session(id) => store::touch_session(&mut tx, id, now).await?,
                Touch::Token(id) => store::touch_token(&mut tx, id, now).await?,
            }
            tx.commit().await?;
            Ok::<_, StoreError>(())
        }
        .await;
        if let Err(e) = result {
            tracing::debug!(error = %e, "last-seen time not recorded");
        }
    });
}

enum Touch {
    Session(i64),
    Token(i64),
}

/// The console's header and the server's own `Origin`: proof that a cookie-authenticated
/// request came from the console, not from another site's page.
fn came_from_console(settings: &Settings, headers: &HeaderMap) -> bool {
    let text = |name| headers.get(name).and_then(|v: &axum::http::HeaderValue| v.to_str().ok());
    let Some(origin) = text(header::ORIGIN) else {
        return false;
    };
    headers.contains_key(journey_core::access::CONSOLE_HEADER) && settings.is_own_origin(origin)
}

/// The session cookie's token, if the request has one.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == SESSION_COOKIE)
        .map(|c| c.value().to_string())
}

/// `bytes` random bytes from the OS, as hex.
pub fn random_hex(bytes: usize) -> String {
    use rand_core::{OsRng, RngCore};
    let mut buf = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buf);
    hex(&buf)
}

/// A new session token: 256 random bits.
pub fn new_session_token() -> String {
    random_hex(32)
}

/// A new API token: `jt_` and 256 random bits.
pub fn new_api_token() -> String {
    format!("{TOKEN_PREFIX}{}", random_hex(32))
}

/// The SHA-256 digest under which a token is stored.
pub fn digest(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The `Set-Cookie` value that starts a session.
pub fn session_cookie(settings: &Settings, token: &str) -> String {
    cookie::Cookie::build((SESSION_COOKIE, token.to_string()))
        .http_only(true)
        .same_site(cookie::SameSite::Strict)
        .secure(settings.secure_cookies)
        .path("/")
        .max_age(cookie::time::Duration::seconds(settings.absolute.as_secs()))
        .build()
        .to_string()
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn cleared_cookie(settings: &Settings) -> String {
    cookie::Cookie::build((SESSION_COOKIE, ""))
        .http_only(true)
        .same_site(cookie::SameSite::Strict)
        .secure(settings.secure_cookies)
        .path("/")
        .max_age(cookie::time::Duration::ZERO)
        .build()
        .to_string()
}

/// Shared by the app state.
pub type SharedSettings = Arc<Settings>;
