//! Where a message goes when the delivery worker (`crate::delivery`) tries it: the sink.
//!
//! - [`Sink::Log`] writes one INFO line per message: its key, journey, contact, channel and
//!   template, never the recipient's address.
//! - [`Sink::Silent`] accepts without a word (the demo seed's simulated history).
//! - [`Sink::Webhook`] POSTs the message as JSON to the `--webhook-url`, http or https (rustls
//!   with the ring provider; the system's roots plus any `--webhook-ca`), one request per
//!   message, with a timeout (`--webhook-timeout-ms`, default 10 s) and no redirects followed.
//!
//! ## The webhook request
//!
//! ```text
//! POST <webhook-url>
//! Content-Type: application/json
//! Idempotency-Key: <message key>           the same on every try of one message
//! X-Journey-Timestamp: <unix seconds>       when this try was signed
//! X-Journey-Signature: v1=<hex>             HMAC-SHA256(secret, "{timestamp}.{body}")
//!
//! {"id":..,"journey_id":..,"contact_id":..,"message_key":"j1/g1/i1/c7/welcome","channel":"email",
//!  "template":"welcome","recipient":"ada@example.com","created_at":<ms>,"attempt":1}
//! ```
//!
//! The secret is `JOURNEY_WEBHOOK_SECRET` (environment only). Without it requests carry no
//! signature header, and the server warns once at start. A receiver verifies by computing the
//! HMAC of the timestamp header, a `.`, and the raw body bytes, comparing in constant time, and
//! refusing timestamps too far from its clock (replays).
//!
//! ## What an answer means
//!
//! - 2xx: delivered.
//! - 408, 429 and 5xx, a timeout or a connection failure: may pass; tried again later
//!   (`Retry-After`, in seconds or as an HTTP date, is honoured).
//! - Any other status (3xx: redirects are not followed; 4xx but 408 and 429): permanent; the
//!   message is dead at once.
//!
//! Errors are recorded and logged without secrets: the URL is shown with its userinfo and query
//! redacted ([`redact`]), a transport error without its URL, and an answer by its status only.

use std::path::Path;
use std::time::Duration;

use hmac::{Hmac, Mac};
use jiff::{SignedDuration, Timestamp};
use reqwest::Url;
use reqwest::header::{CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use serde::Serialize;
use sha2::Sha256;

use crate::store::OutboxMessage;

/// The header with the signing instant (Unix seconds).
pub const TIMESTAMP_HEADER: &str = "x-journey-timestamp";
/// The header with the signature, `v1=<hex HMAC-SHA256>`.
pub const SIGNATURE_HEADER: &str = "x-journey-signature";
/// The header with the message key.
pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";
/// The environment variable with the signing secret.
pub const SECRET_ENV: &str = "JOURNEY_WEBHOOK_SECRET";
/// The longest recorded error text.
const MAX_ERROR: usize = 200;

/// The webhook signing secret. Its `Debug` shows nothing of it.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);

impl WebhookSecret {
    pub fn new(secret: impl Into<String>) -> WebhookSecret {
        WebhookSecret(secret.into())
    }

    /// `JOURNEY_WEBHOOK_SECRET`, unless unset or empty.
    pub fn from_env() -> Option<WebhookSecret> {
        std::env::var(SECRET_ENV).ok().filter(|s| !s.is_empty()).map(WebhookSecret)
    }
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

/// `v1=<hex>`: the HMAC-SHA256 of `"{timestamp}.{body}"` under `secret`.
pub fn signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let mut out = String::with_capacity(3 + 64);
    out.push_str("v1=");
    for b in mac.finalize().into_bytes() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Installs rustls' ring provider as the process's default crypto provider. reqwest is built
/// without one (`rustls-no-provider`: no aws-lc-rs), so every reqwest client of the process
/// needs it first: `spawn` calls this, and a program that builds a client before (a test's)
/// calls it too. Idempotent.
pub fn install_crypto_provider() {
    // An error means a provider is installed already, which is as good.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Why the sink could not be set up (the server does not start).
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error("the webhook URL is not valid: {0}")]
    InvalidUrl(String),
    #[error("could not read the webhook CA certificates {path}: {reason}")]
    Ca { path: String, reason: String },
    #[error("could not build the webhook's HTTP client: {0}")]
    Client(String),
}

/// Checks a webhook URL: absolute, http or https, with a host. The error names no part of the
/// text that could be a secret.
pub fn parse_webhook_url(text: &str) -> Result<Url, SinkError> {
    let url = Url::parse(text.trim()).map_err(|e| {
        SinkError::InvalidUrl(format!("{e}; give an absolute http:// or https:// URL, like https://hooks.example.com/journeys"))
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(SinkError::InvalidUrl(format!("its scheme is {}; only http and https are delivered to", url.scheme())));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(SinkError::InvalidUrl("it has no host".into()));
    }
    Ok(url)
}

/// The URL for logs and errors: userinfo and query replaced by `***`, no fragment.
pub fn redact(url: &Url) -> String {
    let mut out = format!("{}://", url.scheme());
    if !url.username().is_empty() || url.password().is_some() {
        out.push_str("***@");
    }
    out.push_str(url.host_str().unwrap_or(""));
    if let Some(port) = url.port() {
        out.push_str(&format!(":{port}"));
    }
    out.push_str(url.path());
    if url.query().is_some() {
        out.push_str("?***");
    }
    out
}

/// How to reach a webhook.
#[derive(Debug, Clone)]
pub struct WebhookSettings<'a> {
    pub url: &'a str,
    /// A PEM file of extra root certificates.
    pub ca: Option<&'a Path>,
    pub timeout: Duration,
    pub secret: Option<WebhookSecret>,
}

/// A webhook receiver. Its `Debug` shows the URL redacted.
#[derive(Clone)]
pub struct Webhook {
    url: Url,
    shown: String,
    client: reqwest::Client,
    secret: Option<WebhookSecret>,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook").field("url", &self.shown).field("signed", &self.secret.is_some()).finish_non_exhaustive()
    }
}

impl Webhook {
    /// The URL as logs show it.
    pub fn shown(&self) -> &str {
        &self.shown
    }
    /// Whether requests are signed.
    pub fn signed(&self) -> bool {
        self.secret.is_some()
    }
}

/// The delivery sink.
#[derive(Debug, Clone)]
pub enum Sink {
    /// An INFO line per message (the message log is the record).
    Log,
    /// Accepts silently (the demo seed's simulated history).
    Silent,
    /// `POST <url>` with the message as JSON, one request per message.
    Webhook(Webhook),
}

/// A failed try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// No later try can succeed (a 4xx other than 408 and 429, or a 3xx).
    pub permanent: bool,
    /// The receiver's `Retry-After`.
    pub retry_after: Option<Duration>,
    /// Short, without secrets.
    pub error: String,
}

/// The webhook's JSON body.
#[derive(Serialize)]
struct Body<'a> {
    #[serde(flatten)]
    message: &'a OutboxMessage,
    /// This try's number, from 1.
    attempt: i64,
}

impl Sink {
    /// A webhook sink: the URL checked, https through rustls with the ring provider.
    pub fn webhook(settings: WebhookSettings<'_>) -> Result<Sink, SinkError> {
        let url = parse_webhook_url(settings.url)?;
        install_crypto_provider();
        let mut builder = reqwest::Client::builder()
            .timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("journey-server/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = settings.ca {
            let ca_error = |reason: String| SinkError::Ca { path: path.display().to_string(), reason };
            let pem = std::fs::read(path).map_err(|e| ca_error(e.to_string()))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| ca_error(e.to_string()))?;
            if certs.is_empty() {
                return Err(ca_error("no PEM certificate in it".into()));
            }
            builder = builder.tls_certs_merge(certs);
        }
        let client = builder.build().map_err(|e| SinkError::Client(e.to_string()))?;
        Ok(Sink::Webhook(Webhook { shown: redact(&url), url, client, secret: settings.secret }))
    }

    /// Tries one message at `now`; `Ok` when the sink accepted it.
    pub async fn deliver(&self, m: &OutboxMessage, now: Timestamp) -> Result<(), Failure> {
        match self {
            Sink::Log => {
                tracing::info!(
                    key = %m.message_key,
                    journey = m.journey_id,
                    contact = m.contact_id,
                    channel = %m.channel,
                    // Quoted and escaped: a definition's text cannot start a log line of its own.
                    template = ?m.template,
                    "message sent"
                );
                Ok(())
            }
            Sink::Silent => Ok(()),
            Sink::Webhook(w) => w.post(m, now).await,
        }
    }
}

impl Webhook {
    async fn post(&self, m: &OutboxMessage, now: Timestamp) -> Result<(), Failure> {
        let body = serde_json::to_vec(&Body { message: m, attempt: m.attempts + 1 }).map_err(|e| Failure {
            permanent: true,
            retry_after: None,
            error: short(&format!("the message could not be written as JSON: {e}")),
        })?;
        let timestamp = now.as_second();
        let mut req = self
            .client
            .post(self.url.clone())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header(IDEMPOTENCY_HEADER, &m.message_key)
            .header(TIMESTAMP_HEADER, timestamp.to_string());
        if let Some(secret) = &self.secret {
            req = req.header(SIGNATURE_HEADER, signature(secret.0.as_bytes(), timestamp, &body));
        }
        let res = req.body(body).send().await.map_err(transport_failure)?;
        let status = res.status();
        if status.is_success() {
            return Ok(());
        }
        let retry_after = res.headers().get(RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(|v| retry_after(v, now));
        Err(Failure {
            permanent: is_permanent(status.as_u16()),
            retry_after,
            error: short(&format!("the webhook answered {status}")),
        })
    }
}

/// Whether an answer's status means no later try can succeed: 3xx (redirects are not
/// followed) and 4xx, except 408 (Request Timeout) and 429 (Too Many Requests).
pub fn is_permanent(status: u16) -> bool {
    matches!(status, 300..=499) && status != 408 && status != 429
}

/// A failure before any answer: a timeout, a refused connection, a TLS error... (may pass).
/// reqwest's text names the URL: it is left out.
fn transport_failure(e: reqwest::Error) -> Failure {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let e = e.without_url();
    let mut cause = String::new();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(&e);
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    let error = if cause.is_empty() { kind.to_string() } else { format!("{kind}: {cause}") };
    Failure { permanent: false, retry_after: None, error: short(&error) }
}

/// A `Retry-After` value (seconds, or an HTTP date) as a wait from `now`.
pub fn retry_after(value: &str, now: Timestamp) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = Timestamp::try_from(httpdate::parse_http_date(value).ok()?).ok()?;
    Some(at.duration_since(now).max(SignedDuration::ZERO).unsigned_abs())
}

/// Cut to [`MAX_ERROR`] characters.
fn short(text: &str) -> String {
    if text.chars().count() <= MAX_ERROR {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(MAX_ERROR - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_redacted() {
        for bad in ["notaurl", "file:///x", "ftp://example.com/x", "mailto:a@example.com", "http://", "/relative"] {
            assert!(parse_webhook_url(bad).is_err(), "{bad}");
        }
        let url = parse_webhook_url("https://user:pw@hooks.example.com:8443/in/journeys?token=s3cret#frag").unwrap();
        assert_eq!(redact(&url), "https://***@hooks.example.com:8443/in/journeys?***");
        let url = parse_webhook_url("http://127.0.0.1:9000/hook").unwrap();
        assert_eq!(redact(&url), "http://127.0.0.1:9000/hook");
        let e = parse_webhook_url("https//hooks.example.com?token=s3cret").unwrap_err().to_string();
        assert!(!e.contains("s3cret"), "{e}");
    }

    #[test]
    fn permanent_statuses() {
        for s in [301, 302, 400, 401, 403, 404, 410, 413, 422] {
            assert!(is_permanent(s), "{s}");
        }
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(!is_permanent(s), "{s}");
        }
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(retry_after("2", now), Some(Duration::from_secs(2)));
        assert_eq!(retry_after(" 120 ", now), Some(Duration::from_secs(120)));
        assert_eq!(retry_after("Thu, 01 Jan 2026 00:00:30 GMT", now), Some(Duration::from_secs(30)));
        assert_eq!(retry_after("Wed, 31 Dec 2025 23:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(retry_after("soon", now), None);
        assert_eq!(retry_after("-1", now), None);
    }

    #[test]
    fn signature_is_hmac_sha256_of_timestamp_dot_body() {
        assert_eq!(signature(b"Jefe", 0, b"").len(), "v1=".len() + 64);
        let mut mac = Hmac::<Sha256>::new_from_slice(b"key").unwrap();
        mac.update(b"1767225600.{\"a\":1}");
        let expected: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(signature(b"key", 1_767_225_600, b"{\"a\":1}"), format!("v1={expected}"));
    }

    #[test]
    fn secrets_do_not_show() {
        assert_eq!(format!("{:?}", WebhookSecret::new("s3cret")), "WebhookSecret(<redacted>)");
        let sink = Sink::webhook(WebhookSettings {
            url: "https://user:pw@hooks.example.com/in?token=t0k",
            ca: None,
            timeout: Duration::from_secs(1),
            secret: Some(WebhookSecret::new("s3cret")),
        })
        .unwrap();
        let shown = format!("{sink:?}");
        assert!(shown.contains("https://***@hooks.example.com/in?***"), "{shown}");
        assert!(!shown.contains("pw") && !shown.contains("t0k") && !shown.contains("s3cret"), "{shown}");
        let long = "x".repeat(500);
        assert_eq!(short(&long).chars().count(), MAX_ERROR);
    }
}
