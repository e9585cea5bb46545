//! Delivery over real HTTP: the server (in process, or the real binary) delivers to a receiver
//! that each test starts on 127.0.0.1 (axum; https through rustls with a self-signed
//! certificate). Every loop is bounded in count and time.
//!
//! - a rejected message blocks no other; permanent refusals and exhausted retries are dead,
//!   shown by the API with their last error, and delivered exactly once when retried;
//! - a slow receiver delays no run; requests go in parallel up to the concurrency, and one at
//!   a time with a concurrency of 1;
//! - `Retry-After` (seconds or an HTTP date) is honoured; the backoff waits without it;
//! - the delivery rate spaces requests;
//! - an https receiver with a self-signed certificate (trusted through `webhook_ca`) gets
//!   signed requests; without the certificate nothing is delivered;
//! - a webhook URL that is not http(s) stops the start;
//! - SIGKILL during delivery of 20,000 messages, five times: everything delivered, at most the
//!   concurrency repeated per crash;
//! - no recipient address, webhook token or password in the server's output.

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use common::binary::{operator, post_json, start_binary};
use common::*;
use hmac::{Hmac, Mac};
use jiff::{SignedDuration, Timestamp};
use journey_server::store::Store;
use serde_json::{Value, json};
use sha2::Sha256;

const T0: &str = "2026-01-01T08:00:00Z";

// ---------------------------------------------------------------------------------------------
// The receiver.

/// How the receiver answers one request.
#[derive(Debug, Clone)]
struct Answer {
    status: u16,
    retry_after: Option<String>,
}

impl Answer {
    fn ok() -> Answer {
        Answer { status: 200, retry_after: None }
    }
    fn status(status: u16) -> Answer {
        Answer { status, retry_after: None }
    }
}

type Rule = Arc<dyn Fn(&Value) -> Answer + Send + Sync>;

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
struct Seen {
    key: String,
    contact: u64,
    status: u16,
    timestamp: Option<String>,
    signature: Option<String>,
    body: Bytes,
}

#[derive(Default)]
struct Log {
    requests: Vec<Seen>,
    /// 2xx answers per key.
    accepted: HashMap<String, usize>,
    /// 2xx answers to a key already accepted.
    repeats: usize,
    in_flight: usize,
    most_in_flight: usize,
}

/// A webhook receiver: answers by a rule, after an optional delay, and remembers everything.
#[derive(Clone)]
struct Receiver {
    rule: Arc<Mutex<Rule>>,
    delay: Duration,
    log: Arc<Mutex<Log>>,
}

impl Receiver {
    fn new(delay: Duration, rule: impl Fn(&Value) -> Answer + Send + Sync + 'static) -> Receiver {
        Receiver { rule: Arc::new(Mutex::new(Arc::new(rule))), delay, log: Arc::default() }
    }

    fn set_rule(&self, rule: impl Fn(&Value) -> Answer + Send + Sync + 'static) {
        *self.rule.lock().unwrap() = Arc::new(rule);
    }

    fn router(&self) -> axum::Router {
        axum::Router::new().route("/hook", axum::routing::post(hook)).with_state(self.clone())
    }

    /// Serves http on a free loopback port.
    async fn serve(&self) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = self.router();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        addr
    }

    /// Serves https with this certificate and key on a free loopback port.
    async fn serve_tls(&self, cert_der: Vec<u8>, key_der: Vec<u8>) -> SocketAddr {
        use tokio_rustls::rustls;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![rustls::pki_types::CertificateDer::from(cert_der)],
                rustls::pki_types::PrivateKeyDer::Pkcs8(key_der.into()),
            )
            .unwrap();
        let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = tcp.local_addr().unwrap();
        let listener = TlsListener { tcp, acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)) };
        let app = self.router();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        addr
    }

    fn requests(&self) -> Vec<Seen> {
        self.log.lock().unwrap().requests.clone()
    }

    /// How many requests were answered 2xx, per key.
    fn accepted(&self) -> HashMap<String, usize> {
        self.log.lock().unwrap().accepted.clone()
    }

    /// (keys accepted, accepted requests beyond the first of their key)
    fn distinct_and_repeats(&self) -> (usize, usize) {
        let log = self.log.lock().unwrap();
        (log.accepted.len(), log.repeats)
    }

    fn tries_of(&self, contact: u64) -> usize {
        self.log.lock().unwrap().requests.iter().filter(|r| r.contact == contact).count()
    }

    fn most_in_flight(&self) -> usize {
        self.log.lock().unwrap().most_in_flight
    }
}

async fn hook(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> Response {
    {
        let mut log = r.log.lock().unwrap();
        log.in_flight += 1;
        log.most_in_flight = log.most_in_flight.max(log.in_flight);
    }
    if !r.delay.is_zero() {
        tokio::time::sleep(r.delay).await;
    }
    let message: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let rule = r.rule.lock().unwrap().clone();
    let answer = rule(&message);
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let seen = Seen {
        key: header("idempotency-key").unwrap_or_default(),
        contact: message["contact_id"].as_u64().unwrap_or(0),
        status: answer.status,
        timestamp: header("x-journey-timestamp"),
        signature: header("x-journey-signature"),
        body,
    };
    {
        let mut log = r.log.lock().unwrap();
        log.in_flight -= 1;
        if (200..300).contains(&seen.status) {
            let n = log.accepted.entry(seen.key.clone()).or_default();
            *n += 1;
            if *n > 1 {
                log.repeats += 1;
            }
        }
        log.requests.push(seen);
    }
    let mut res = StatusCode::from_u16(answer.status).unwrap().into_response();
    if let Some(ra) = answer.retry_after {
        res.headers_mut().insert("retry-after", ra.parse().unwrap());
    }
    res
}

/// TLS over a TCP listener, for `axum::serve`.
struct TlsListener {
    tcp: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((tcp, addr)) = self.tcp.accept().await else { continue };
            // A client that does not trust the certificate gives up here.
            if let Ok(tls) = self.acceptor.accept(tcp).await {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

// ---------------------------------------------------------------------------------------------
// Journeys and reads.

/// One send to every member of a data set, once at `at`.
fn one_send(name: &str, dataset: u64, at: &str) -> Value {
    json!({
        "name": name,
        "time_zone": "UTC",
        "trigger": { "source": { "kind": "dataset", "dataset_id": dataset, "name": "All" }, "audience": "all_users", "schedule": once(at) },
        "entry": "hello",
        "nodes": [{ "id": "hello", "kind": { "type": "send", "channel": "email", "template": "hello", "next": null } }],
    })
}

/// `n` contacts and a journey sending each one message at `at` (published, Scheduled).
async fn journey_of(h: &Harness, name: &str, n: usize, at: &str) -> (u64, Vec<u64>) {
    let (ds, contacts) = h.dataset(name, n, &[]).await;
    let id = h.create(one_send(name, ds, at), true).await;
    assert_eq!(h.state(id).await, "scheduled");
    (id, contacts)
}

async fn delivery(h: &Harness, journey: u64) -> Value {
    h.ok(&format!("/api/journeys/{journey}/delivery")).await
}

fn count(view: &Value, state: &str) -> u64 {
    view["counts"][state].as_u64().unwrap()
}

/// (delivery_state, attempts, next_attempt_at) of a contact's message, from the log.
async fn row_of(h: &Harness, contact: u64) -> (String, i64, Timestamp) {
    let (state, attempts, next): (String, i64, i64) =
        sqlx::query_as("SELECT delivery_state, attempts, next_attempt_at FROM message_log WHERE contact_id = $1")
            .bind(contact as i64)
            .fetch_one(h.server.store().pool())
            .await
            .unwrap();
    (state, attempts, Timestamp::from_millisecond(next).unwrap())
}

fn key_of(view_or_msg: &Value) -> String {
    view_or_msg["message_key"].as_str().unwrap().to_string()
}

/// The key as one path segment.
fn encoded(key: &str) -> String {
    key.replace('/', "%2F")
}

/// Waits (at most `limit`) for `check`, looking every 10 ms.
async fn eventually<F, Fut>(limit: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

// ---------------------------------------------------------------------------------------------
// The tests.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_message_blocks_no_other_and_is_dead_until_retried() {
    const N: usize = 20;
    let receiver = Receiver::new(Duration::ZERO, |_| Answer::ok());
    let addr = receiver.serve().await;
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start_in(dir, T0, |c| c.with_manual_delivery().with_webhook(format!("http://{addr}/hook"))).await;
    let (id, contacts) = journey_of(&h, "poison", N, "2026-01-01T08:01:00").await;
    let (refused, failing) = (contacts[3], contacts[11]);
    receiver.set_rule(move |m| match m["contact_id"].as_u64() {
        Some(c) if c == refused => Answer::status(422),
        Some(c) if c == failing => Answer::status(500),
        _ => Answer::ok(),
    });
    h.clock.set(ts("2026-01-01T08:01:00Z"));
    assert_eq!(h.run_now().await.logged, N as u64);

    let report = h.server.deliver_due(h.clock.now_ts()).await.unwrap();
    assert_eq!((report.tried, report.delivered, report.retrying, report.dead), (N as u64, N as u64 - 2, 1, 1), "{report:?}");
    assert_eq!(row_of(&h, refused).await.0, "dead", "a 422 is permanent: dead after one try");
    assert_eq!(row_of(&h, failing).await.0, "retrying");

    // The 500 is tried again at each next attempt, up to the maximum (8), then dead.
    let mut rounds = 0;
    while row_of(&h, failing).await.0 == "retrying" {
        rounds += 1;
        assert!(rounds <= 10, "still retrying after {rounds} rounds");
        h.clock.advance(SignedDuration::from_hours(2));
        h.server.deliver_due(h.clock.now_ts()).await.unwrap();
    }
    assert_eq!(row_of(&h, failing).await.0, "dead");
    assert_eq!(receiver.tries_of(refused), 1);
    assert_eq!(receiver.tries_of(failing), 8);

    let view = delivery(&h, id).await;
    assert_eq!(view["counts"], json!({ "queued": 0, "delivering": 0, "retrying": 0, "delivered": N - 2, "dead": 2 }));
    let dead = view["dead"].as_array().unwrap();
    assert_eq!(dead.len(), 2);
    let by_contact = |c: u64| dead.iter().find(|d| d["contact_id"] == c).unwrap().clone();
    let (r, f) = (by_contact(refused), by_contact(failing));
    assert_eq!(r["attempts"], 1);
    assert!(r["last_error"].as_str().unwrap().contains("422"), "{r}");
    assert_eq!(f["attempts"], 8);
    assert!(f["last_error"].as_str().unwrap().contains("500"), "{f}");
    assert!(r["last_attempt_at"].is_string() && r["created_at"].is_string());
    // Paged.
    let page = h.ok(&format!("/api/journeys/{id}/delivery?limit=1")).await;
    assert_eq!(page["dead"].as_array().unwrap().len(), 1);
    let next = page["next_after"].as_i64().unwrap();
    let rest = h.ok(&format!("/api/journeys/{id}/delivery?limit=1&after={next}")).await;
    assert_eq!(rest["dead"].as_array().unwrap().len(), 1);
    assert_ne!(rest["dead"][0]["message_key"], page["dead"][0]["message_key"]);

    // Only a dead message can be retried; unknown keys and journeys are 404.
    let delivered_key = key_of(&h.messages(id).await.into_iter().find(|m| m["delivery_state"] == "delivered").unwrap());
    let (status, body) = h.post(&format!("/api/messages/{}/retry", encoded(&delivered_key)), json!({})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("not_dead")), "{body}");
    let (status, _) = h.post("/api/messages/j999%2Fg1%2Fi1%2Fc1%2Fhello/retry", json!({})).await;
    assert_eq!(status, 404);
    let (status, _) = h.post("/api/journeys/999/delivery/retry", json!({})).await;
    assert_eq!(status, 404);
    let (status, _) = h.get("/api/journeys/999/delivery").await;
    assert_eq!(status, 404);
    let (status, _) = h.get(&format!("/api/journeys/{id}/delivery?limit=0")).await;
    assert_eq!(status, 422);

    // The receiver is fixed: one retried by key, the other with the journey's.
    receiver.set_rule(|_| Answer::ok());
    let answer = h.ok_post(&format!("/api/messages/{}/retry", encoded(&key_of(&r))), json!({})).await;
    assert_eq!(answer, json!({ "message_key": key_of(&r), "delivery_state": "queued" }));
    assert_eq!(h.ok_post(&format!("/api/journeys/{id}/delivery/retry"), json!({})).await, json!({ "requeued": 1 }));
    assert_eq!(count(&delivery(&h, id).await, "queued"), 2);
    let report = h.server.deliver_due(h.clock.now_ts()).await.unwrap();
    assert_eq!((report.delivered, report.dead, report.retrying), (2, 0, 0));
    let view = delivery(&h, id).await;
    assert_eq!(view["counts"], json!({ "queued": 0, "delivering": 0, "retrying": 0, "delivered": N, "dead": 0 }));
    assert_eq!(h.ok_post(&format!("/api/journeys/{id}/delivery/retry"), json!({})).await, json!({ "requeued": 0 }));
    // Nothing more to do, and every message was accepted exactly once.
    assert_eq!(h.server.deliver_due(h.clock.now_ts()).await.unwrap().tried, 0);
    let accepted = receiver.accepted();
    assert_eq!(accepted.len(), N);
    assert!(accepted.values().all(|n| *n == 1), "{accepted:?}");
    h.server.shutdown().await;
}

/// With background runner and delivery on a test clock and a receiver taking 200 ms per
/// request: journey A's `n` messages go out while journey B's scheduled run falls due. Returns
/// the most requests the receiver had at once.
async fn slow_receiver(concurrency: u32, n: usize) -> usize {
    let receiver = Receiver::new(Duration::from_millis(200), |_| Answer::ok());
    let addr = receiver.serve().await;
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start_in(dir, T0, |mut c| {
        c.runner_interval_ms = 20;
        c.delivery_interval_ms = 20;
        c.delivery_concurrency = concurrency;
        c.with_webhook(format!("http://{addr}/hook"))
    })
    .await;
    let (a, _) = journey_of(&h, &format!("bulk-{concurrency}"), n, "2026-01-01T08:01:00").await;
    let (b, _) = journey_of(&h, &format!("later-{concurrency}"), 1, "2026-01-01T08:02:00").await;

    h.clock.set(ts("2026-01-01T08:01:00Z"));
    eventually(Duration::from_secs(10), "the first request", || async { !receiver.requests().is_empty() }).await;
    // B's run falls due while A's messages are being delivered.
    h.clock.set(ts("2026-01-01T08:02:00Z"));
    let due = Instant::now();
    eventually(Duration::from_secs(5), "B's scheduled run", || async {
        h.ok(&format!("/api/journeys/{b}")).await["last_run_at"].is_string()
    })
    .await;
    let late = due.elapsed();
    let during = delivery(&h, a).await;
    println!("concurrency {concurrency}: B ran {late:?} after falling due; A then: {}", during["counts"]);
    assert!(count(&during, "delivered") < n as u64, "A's delivery was still going on: {during}");
    assert!(count(&during, "queued") + count(&during, "delivering") > 0, "{during}");

    eventually(Duration::from_secs(60), "every message delivered", || async {
        count(&delivery(&h, a).await, "delivered") == n as u64 && count(&delivery(&h, b).await, "delivered") == 1
    })
    .await;
    h.server.shutdown().await;
    receiver.most_in_flight()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_receiver_delays_no_run_and_requests_go_in_parallel() {
    // 200 ms a request: 240 messages take about 6 s at 8 at once, 30 take 6 s one at a time.
    let most = slow_receiver(8, 240).await;
    assert!((2..=8).contains(&most), "with a concurrency of 8, the receiver had {most} requests at once");
    let most = slow_receiver(1, 30).await;
    assert_eq!(most, 1, "with a concurrency of 1, one request at a time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_honoured_and_the_backoff_waits() {
    let receiver = Receiver::new(Duration::ZERO, |_| Answer::ok());
    let addr = receiver.serve().await;
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start_in(dir, T0, |c| c.with_manual_delivery().with_webhook(format!("http://{addr}/hook"))).await;
    let (_, contacts) = journey_of(&h, "busy", 3, "2026-01-01T08:01:00").await;
    let (seconds, date, none) = (contacts[0], contacts[1], contacts[2]);
    let now = ts("2026-01-01T08:01:00Z");
    let in_three = httpdate::fmt_http_date(std::time::UNIX_EPOCH + Duration::from_secs((now.as_second() + 3) as u64));
    receiver.set_rule(move |m| match m["contact_id"].as_u64() {
        Some(c) if c == seconds => Answer { status: 429, retry_after: Some("2".into()) },
        Some(c) if c == date => Answer { status: 503, retry_after: Some(in_three.clone()) },
        _ => Answer::status(503),
    });
    h.clock.set(now);
    h.run_now().await;
    let report = h.server.deliver_due(now).await.unwrap();
    assert_eq!((report.tried, report.retrying), (3, 3));
    let (state, attempts, next) = row_of(&h, seconds).await;
    assert_eq!((state.as_str(), attempts), ("retrying", 1));
    assert_eq!(next, now + SignedDuration::from_secs(2), "Retry-After: 2");
    assert_eq!(row_of(&h, date).await.2, now + SignedDuration::from_secs(3), "Retry-After as an HTTP date");
    let backoff = row_of(&h, none).await.2.duration_since(now);
    assert!(
        (SignedDuration::from_millis(2500)..=SignedDuration::from_secs(5)).contains(&backoff),
        "the first backoff is 2.5 to 5 s: {backoff:?}"
    );

    receiver.set_rule(|_| Answer::ok());
    h.server.deliver_due(now + SignedDuration::from_millis(1999)).await.unwrap();
    assert_eq!(receiver.requests().len(), 3, "nothing is tried again before 2 s");
    h.server.deliver_due(now + SignedDuration::from_secs(2)).await.unwrap();
    assert_eq!(receiver.requests().len(), 4, "2 s later, the 429");
    assert_eq!(row_of(&h, seconds).await.0, "delivered");
    assert_eq!(row_of(&h, date).await.0, "retrying");
    h.server.deliver_due(now + SignedDuration::from_secs(3)).await.unwrap();
    assert_eq!(row_of(&h, date).await.0, "delivered");
    h.server.deliver_due(now + SignedDuration::from_secs(5)).await.unwrap();
    assert_eq!(row_of(&h, none).await.0, "delivered");
    assert_eq!(receiver.requests().len(), 6);
    h.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_delivery_rate_spaces_requests() {
    let receiver = Receiver::new(Duration::ZERO, |_| Answer::ok());
    let addr = receiver.serve().await;
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start_in(dir, T0, |mut c| {
        c.delivery_rate = 20.0;
        c.with_manual_delivery().with_webhook(format!("http://{addr}/hook"))
    })
    .await;
    journey_of(&h, "paced", 10, "2026-01-01T08:01:00").await;
    h.clock.set(ts("2026-01-01T08:01:00Z"));
    h.run_now().await;
    let started = Instant::now();
    assert_eq!(h.server.deliver_due(h.clock.now_ts()).await.unwrap().delivered, 10);
    // 20 a second: the 10th request starts at least 9 × 50 ms after the first.
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(450), "10 messages at 20/s in {took:?}");
    assert_eq!(receiver.requests().len(), 10);
    h.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_receiver_with_a_self_signed_certificate_gets_signed_requests() {
    const SECRET: &str = "whsec-test-4f1c";
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
    let receiver = Receiver::new(Duration::ZERO, |_| Answer::ok());
    let addr = receiver.serve_tls(cert.cert.der().to_vec(), cert.signing_key.serialize_der()).await;
    let url = format!("https://{addr}/hook");
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("receiver.pem");
    std::fs::write(&ca, cert.cert.pem()).unwrap();

    // Without the certificate trusted, nothing gets through.
    let untrusting = tempfile::tempdir().unwrap();
    let h = Harness::start_in(untrusting, T0, |c| c.with_manual_delivery().with_webhook(url.clone())).await;
    let (id, _) = journey_of(&h, "untrusted", 1, "2026-01-01T08:01:00").await;
    h.clock.set(ts("2026-01-01T08:01:00Z"));
    h.run_now().await;
    let report = h.server.deliver_due(h.clock.now_ts()).await.unwrap();
    assert_eq!((report.tried, report.retrying), (1, 1));
    let msg = &h.messages(id).await[0];
    assert_eq!(msg["delivery_state"], "retrying");
    assert!(receiver.requests().is_empty());
    h.server.shutdown().await;

    let h = Harness::start_in(dir, T0, |mut c| {
        c.webhook_ca = Some(ca.clone());
        c.webhook_secret = Some(journey_server::sink::WebhookSecret::new(SECRET));
        c.with_manual_delivery().with_webhook(url.clone())
    })
    .await;
    let (id, contacts) = journey_of(&h, "signed", 3, "2026-01-01T08:01:00").await;
    h.clock.set(ts("2026-01-01T08:01:00Z"));
    h.run_now().await;
    let report = h.server.deliver_due(h.clock.now_ts()).await.unwrap();
    assert_eq!((report.tried, report.delivered), (3, 3), "{report:?}");
    let requests = receiver.requests();
    assert_eq!(requests.len(), 3);
    for r in &requests {
        // What a receiver does: HMAC-SHA256 of "{timestamp}.{body}", compared in constant time.
        let timestamp = r.timestamp.as_deref().expect("X-Journey-Timestamp");
        let signature = r.signature.as_deref().expect("X-Journey-Signature");
        let hex = signature.strip_prefix("v1=").expect("v1=");
        let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(&r.body);
        let bytes: Vec<u8> = (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect();
        mac.verify_slice(&bytes).expect("the signature verifies with the shared secret");
        assert_eq!(timestamp, h.clock.now_ts().as_second().to_string());
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(body["message_key"].as_str(), Some(r.key.as_str()), "Idempotency-Key is the message key");
        assert_eq!(body["journey_id"], id);
        assert_eq!(body["attempt"], 1);
        assert!(contacts.contains(&r.contact));
        assert!(body["recipient"].as_str().unwrap().ends_with("@example.com"), "the receiver gets the address: {body}");
    }
    // A tampered body does not verify.
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{}.{{}}", requests[0].timestamp.as_deref().unwrap()).as_bytes());
    let forged: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    assert_ne!(Some(format!("v1={forged}")), requests[0].signature);
    h.server.shutdown().await;
}

#[tokio::test]
async fn a_webhook_url_that_is_not_http_stops_the_start() {
    for (url, says) in
        [("notaurl", "not valid"), ("file:///x", "file"), ("http://", "not valid"), ("ftp://example.com/in", "ftp")]
    {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("journeys.db");
        let config = journey_server::Config::for_tests(db.clone(), dir.path().join("dist")).without_seed().with_webhook(url);
        let error = journey_server::spawn(config).await.expect_err(url).to_string();
        assert!(error.contains("webhook URL") && error.contains(says), "{url}: {error}");
        assert!(!db.exists(), "{url}: refused before the database is touched");
    }
}

// ---------------------------------------------------------------------------------------------
// The real binary.

/// An event-triggered journey of `sends` chained sends (email, sms alternately), `contacts`
/// contacts, and one event each (in one transaction, so the runner has a backlog): returns the
/// journey id and the message count.
async fn event_backlog(http: &reqwest::Client, url: &str, store: &Store, contacts: usize, sends: usize) -> (u64, i64) {
    let people: Vec<Value> =
        (0..contacts).map(|i| json!({ "email": format!("person{i}@example.com"), "phone": format!("+1555{i:07}") })).collect();
    let ids = post_json(http, format!("{url}/api/contacts"), json!({ "contacts": people })).await["ids"].clone();
    let nodes: Vec<Value> = (0..sends)
        .map(|i| {
            json!({ "id": format!("s{i}"), "kind": { "type": "send", "channel": if i % 2 == 0 { "email" } else { "sms" }, "template": format!("t{i}"),
                         "next": if i + 1 < sends { json!(format!("s{}", i + 1)) } else { Value::Null } } })
        })
        .collect();
    let journey = post_json(
        http,
        format!("{url}/api/journeys"),
        json!({
            "name": "Delivery crash test", "time_zone": "UTC", "publish": true,
            "trigger": { "source": { "kind": "event", "event_name": "go" }, "audience": "new_users", "schedule": null },
            "entry": "s0", "nodes": nodes,
        }),
    )
    .await;
    assert_eq!(journey["state"], "active");
    let mut tx = store.write().await.unwrap();
    for id in ids.as_array().unwrap() {
        journey_server::store::insert_event(&mut tx, id.as_i64().unwrap(), "go", Timestamp::now()).await.unwrap();
    }
    tx.commit().await.unwrap();
    (journey["id"].as_u64().unwrap(), (contacts * sends) as i64)
}

/// The server's flags for the crash tests: webhook `hook` with a 2 s timeout (so a killed
/// process's claims have a 12 s lease), concurrency 8, both loops every 5 ms.
fn crash_args<'a>(hook: &'a str, runner_batch: &'a str) -> [&'a str; 12] {
    [
        "--webhook-url",
        hook,
        "--webhook-timeout-ms",
        "2000",
        "--delivery-concurrency",
        "8",
        "--delivery-interval-ms",
        "5",
        "--runner-interval-ms",
        "5",
        "--runner-batch",
        runner_batch,
    ]
}

/// Prints the first warnings and errors of each server log (what a failed crash test needs).
fn print_warnings(logs: &[&std::path::Path]) {
    for log in logs {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        for line in text.lines().filter(|l| l.contains(" WARN ") || l.contains(" ERROR ")).take(20) {
            println!("{}: {line}", log.file_name().unwrap_or_default().to_string_lossy());
        }
    }
}

/// (messages logged, delivered, delivering) in the log.
async fn log_counts(store: &Store) -> (i64, i64, i64) {
    sqlx::query_as(
        "SELECT COUNT(*), COUNT(*) FILTER (WHERE delivery_state = 'delivered'), COUNT(*) FILTER (WHERE delivery_state = 'delivering') FROM message_log",
    )
    .fetch_one(store.pool())
    .await
    .unwrap()
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_during_delivery_repeats_at_most_the_concurrency_per_crash() {
    const CONCURRENCY: usize = 8;
    const KILLS: usize = 5;
    journey_server::install_crypto_provider();
    let receiver = Receiver::new(Duration::ZERO, |_| Answer::ok());
    let hook = format!("http://{}/hook", receiver.serve().await);
    let dir = tempfile::tempdir().unwrap();
    let db = common::fresh_database(dir.path()).await;
    let _check = common::AggregateCheckOnDrop(db.clone());
    // A 2 s webhook timeout: on PostgreSQL a killed process's claims go back to the queue when
    // their lease (the timeout plus 10 s) ends, not at the next start (another instance may
    // still be delivering them), so claims of several kills can be `delivering` at once there.
    let args = crash_args(&hook, "100");
    let http = operator(&db);
    let (mut child, url) = start_binary(&db, &args, None, &[]);
    let store = Store::open(&db, false).await.unwrap();
    let (_, total) = event_backlog(&http, &url, &store, 4000, 5).await;
    assert_eq!(total, 20_000);
    let leases = common::on_postgres();
    let started = Instant::now();

    // Killed five times while it delivers: at 10%, 25%, 45%, 65% and 85% of the keys accepted.
    let mut repeats_before = Vec::new();
    for share in [10, 25, 45, 65, 85] {
        let threshold = total as usize * share / 100;
        let deadline = Instant::now() + Duration::from_secs(120);
        while receiver.distinct_and_repeats().0 < threshold {
            assert!(Instant::now() < deadline, "no progress: {:?} accepted", receiver.distinct_and_repeats());
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        child.kill(); // SIGKILL
        let (logged, delivered, delivering) = log_counts(&store).await;
        let (distinct, repeats) = receiver.distinct_and_repeats();
        println!(
            "killed at {share}%: {logged} logged, {delivered} recorded delivered, {delivering} in flight; receiver: {distinct} keys, {repeats} repeats so far"
        );
        let bound = if leases { CONCURRENCY * (repeats_before.len() + 1) } else { CONCURRENCY };
        assert!(delivering as usize <= bound, "at most the concurrency in flight per process: {delivering}");
        repeats_before.push(repeats);
        (child, _) = start_binary(&db, &args, None, &[]);
    }

    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let (logged, delivered, _) = log_counts(&store).await;
        if logged == total && delivered == total && receiver.distinct_and_repeats().0 == total as usize {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "did not finish: {logged} logged, {delivered} delivered, {:?}",
            receiver.distinct_and_repeats()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill();
    let (distinct, repeats) = receiver.distinct_and_repeats();
    repeats_before.push(repeats);
    let per_crash: Vec<usize> = repeats_before.windows(2).map(|w| w[1] - w[0]).collect();
    println!(
        "{distinct} keys delivered in {:?} (five restarts), {repeats} repeats in all; per crash: {per_crash:?}",
        started.elapsed()
    );
    assert_eq!(distinct, total as usize, "every message delivered");
    assert_eq!(repeats_before[0], 0, "no repeat before the first crash");
    // With leases a crash's repeats can come after the next crash: the bound is on the total.
    assert!(leases || per_crash.iter().all(|n| *n <= CONCURRENCY), "at most {CONCURRENCY} repeats per crash: {per_crash:?}");
    assert!(repeats <= KILLS * CONCURRENCY, "{repeats} repeats");
    // Every repeat carried the key of a message delivered before: none is a new message.
    let keys: std::collections::HashSet<String> =
        sqlx::query_scalar("SELECT message_key FROM message_log").fetch_all(store.pool()).await.unwrap().into_iter().collect();
    assert!(receiver.accepted().keys().all(|k| keys.contains(k)));
    store.close().await;
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_address_token_or_password_in_the_logs() {
    journey_server::install_crypto_provider();

    // The log sink, at INFO: every message is a line, and no address is in any.
    let dir = tempfile::tempdir().unwrap();
    let (db, log) = (common::fresh_database(dir.path()).await, dir.path().join("server.log"));
    let _check = common::AggregateCheckOnDrop(db.clone());
    let http = operator(&db);
    let (mut child, url) = start_binary(&db, &["--runner-interval-ms", "20", "--delivery-interval-ms", "20"], Some(&log), &[]);
    let store = Store::open(&db, false).await.unwrap();
    let (_, total) = event_backlog(&http, &url, &store, 50, 2).await;
    eventually(Duration::from_secs(30), "every message delivered to the log", || async {
        let (logged, delivered, _) = log_counts(&store).await;
        logged == total && delivered == total
    })
    .await;
    child.kill();
    store.close().await;
    let text = std::fs::read_to_string(&log).unwrap();
    let sent = text.lines().filter(|l| l.contains("message sent")).count();
    assert_eq!(sent as i64, total, "one INFO line per message:\n{text}");
    assert!(text.contains(" INFO "), "{text}");
    assert!(!text.contains("@example.com") && !text.contains("+1555"), "a recipient address is in the log:\n{text}");

    // A webhook whose URL carries a password and a token, and refuses connections: the URL is
    // shown redacted, the errors are logged per message at WARN, and neither secret appears.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let hook = format!("http://admin:pa55w0rd@{closed}/hook?token=t0ps3cret");
    let dir = tempfile::tempdir().unwrap();
    let (db, log) = (common::fresh_database(dir.path()).await, dir.path().join("server.log"));
    let _check = common::AggregateCheckOnDrop(db.clone());
    let http = operator(&db);
    let args = ["--webhook-url", hook.as_str(), "--runner-interval-ms", "20", "--delivery-interval-ms", "20"];
    let (mut child, url) = start_binary(&db, &args, Some(&log), &[]);
    let store = Store::open(&db, false).await.unwrap();
    let (journey, total) = event_backlog(&http, &url, &store, 5, 1).await;
    eventually(Duration::from_secs(30), "every message tried once", || async {
        let attempts: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM message_log WHERE attempts > 0").fetch_one(store.pool()).await.unwrap();
        attempts == total
    })
    .await;
    let view: Value = http.get(format!("{url}/api/journeys/{journey}/delivery")).send().await.unwrap().json().await.unwrap();
    assert_eq!(view["counts"]["retrying"], total, "{view}");
    child.kill();
    let errors: Vec<String> = sqlx::query_scalar("SELECT last_error FROM message_log").fetch_all(store.pool()).await.unwrap();
    store.close().await;
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains(&format!("http://***@{closed}/hook?***")), "the URL, redacted:\n{text}");
    assert!(text.contains("is not set: webhook requests are not signed"), "{text}");
    let warned = text.lines().filter(|l| l.contains(" WARN ") && l.contains("delivery failed")).count();
    assert!(warned as i64 >= total, "a WARN line per failed try:\n{text}");
    for error in &errors {
        assert!(error.starts_with("could not connect"), "{error}");
    }
    for secret in ["pa55w0rd", "t0ps3cret", "@example.com"] {
        assert!(!text.contains(secret), "{secret} is in the log:\n{text}");
        assert!(errors.iter().all(|e| !e.contains(secret)), "{secret} is in a recorded error: {errors:?}");
    }
}

// Several instances on one PostgreSQL database (the PostgreSQL run of the suite only: a SQLite
// file belongs to one server).

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_database_killed_mid_run_send_every_message_exactly_once() {
    if !common::on_postgres() {
        println!("PostgreSQL only (JOURNEY_TEST_POSTGRES): several instances share one database");
        return;
    }
    const CONCURRENCY: usize = 8;
    journey_server::install_crypto_provider();
    let receiver = Receiver::new(Duration::ZERO, |_| Answer::ok());
    let hook = format!("http://{}/hook", receiver.serve().await);
    let dir = tempfile::tempdir().unwrap();
    let db = common::fresh_database(dir.path()).await;
    let _check = common::AggregateCheckOnDrop(db.clone());
    let args = crash_args(&hook, "500");
    let http = operator(&db);
    let (first_log, second_log) = (dir.path().join("first.log"), dir.path().join("second.log"));
    let (mut first, url) = start_binary(&db, &args, Some(&first_log), &[]);
    let (mut second, _) = start_binary(&db, &args, Some(&second_log), &[]);
    let store = Store::open(&db, false).await.unwrap();
    let (_, total) = event_backlog(&http, &url, &store, 10_000, 5).await;
    assert_eq!(total, 50_000);
    let started = Instant::now();

    // The first instance killed (SIGKILL) twice mid-run, at 20% and 60% of the keys accepted,
    // and started again each time; the second runs throughout.
    let mut repeats_before = Vec::new();
    for share in [20, 60] {
        let threshold = total as usize * share / 100;
        let deadline = Instant::now() + Duration::from_secs(300);
        while receiver.distinct_and_repeats().0 < threshold {
            assert!(Instant::now() < deadline, "no progress: {:?} accepted", receiver.distinct_and_repeats());
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        first.kill();
        let killed_at = Instant::now();
        let (logged, delivered, delivering) = log_counts(&store).await;
        let (distinct, repeats) = receiver.distinct_and_repeats();
        println!(
            "first instance killed at {share}%: {logged} logged, {delivered} delivered, {delivering} in flight; receiver: {distinct} keys, {repeats} repeats"
        );
        repeats_before.push(repeats);
        if share == 20 {
            // Left to the second instance alone for a while: how long until it takes back what
            // the killed one held (its lease, 12 s here, then at most a second).
            let stranded: Vec<i64> = sqlx::query_scalar("SELECT id FROM message_log WHERE delivery_state = 'delivering'")
                .fetch_all(store.pool())
                .await
                .unwrap();
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                let ids: Vec<String> = stranded.iter().chain([&0]).map(i64::to_string).collect();
                let sql = format!("SELECT delivery_state FROM message_log WHERE id IN ({})", ids.join(", "));
                let states: Vec<String> =
                    sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_all(store.pool()).await.unwrap_or_default();
                let left = states.iter().filter(|s| *s == "delivering").count();
                if left == 0 {
                    break;
                }
                if Instant::now() >= deadline {
                    print_warnings(&[&first_log, &second_log]);
                    let activity: Vec<String> = sqlx::query_scalar(
                        "SELECT CONCAT_WS(' | ', pid, state, wait_event, LEFT(query, 100)) FROM pg_stat_activity
                         WHERE datname = current_database()",
                    )
                    .fetch_all(store.pool())
                    .await
                    .unwrap_or_default();
                    println!("sessions: {activity:#?}");
                    panic!("{left} claims of the killed instance still held: {stranded:?}");
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            println!(
                "the survivor took back the killed instance's claims {:.1} s after the kill",
                killed_at.elapsed().as_secs_f64()
            );
        }
        (first, _) = start_binary(&db, &args, Some(&first_log), &[]);
    }

    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let (logged, delivered, delivering) = log_counts(&store).await;
        if logged == total && delivered == total && delivering == 0 && receiver.distinct_and_repeats().0 == total as usize {
            break;
        }
        if Instant::now() >= deadline {
            print_warnings(&[&first_log, &second_log]);
            panic!(
                "did not finish: {logged} logged, {delivered} delivered, {delivering} in flight, {:?}",
                receiver.distinct_and_repeats()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    first.kill();
    second.kill();
    let (distinct, repeats) = receiver.distinct_and_repeats();
    repeats_before.push(repeats);
    let per_kill: Vec<usize> = repeats_before.windows(2).map(|w| w[1] - w[0]).collect();
    let claims: Vec<(String, i64)> =
        sqlx::query_as("SELECT claimed_by, COUNT(*) FROM message_log GROUP BY claimed_by ORDER BY 2 DESC")
            .fetch_all(store.pool())
            .await
            .unwrap();
    println!(
        "{distinct} keys delivered in {:?} by {} instance starts {claims:?}; {repeats} repeats, per kill {per_kill:?}",
        started.elapsed(),
        claims.len()
    );
    print_warnings(&[&first_log, &second_log]);
    assert_eq!(distinct, total as usize, "every message delivered");
    assert_eq!(repeats_before[0], 0, "no repeat before the first kill");
    // A kill's claims are sent again after their lease, possibly after the next kill: the bound
    // is on the total.
    assert!(repeats <= 2 * CONCURRENCY, "at most {CONCURRENCY} repeats per kill: {per_kill:?}");
    assert!(claims.len() >= 3, "both instances (and the restarted one) delivered: {claims:?}");
    let (rows, keys, live): (i64, i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COUNT(DISTINCT message_key),
                (SELECT COUNT(*) FROM memberships WHERE status IN ('ready', 'waiting')) FROM message_log",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!((rows, keys, live), (total, total, 0), "each message logged once, nobody left in flight");
    store.close().await;
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_activations_through_two_instances_let_exactly_one_win() {
    if !common::on_postgres() {
        println!("PostgreSQL only (JOURNEY_TEST_POSTGRES): several instances share one database");
        return;
    }
    journey_server::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    let db = common::fresh_database(dir.path()).await;
    let _check = common::AggregateCheckOnDrop(db.clone());
    let http = operator(&db);
    let (_first, url_a) = start_binary(&db, &[], None, &[]);
    let (_second, url_b) = start_binary(&db, &[], None, &[]);
    let store = Store::open(&db, false).await.unwrap();
    let (journey, _) = event_backlog(&http, &url_a, &store, 50, 1).await;
    for round in 0..5 {
        // Paused through one instance, read through the other.
        post_json(&http, format!("{url_a}/api/journeys/{journey}/pause"), json!({})).await;
        let version =
            http.get(format!("{url_b}/api/journeys/{journey}")).send().await.unwrap().json::<Value>().await.unwrap()["version"]
                .clone();
        let activate = |url: &str, key: String| {
            http.post(format!("{url}/api/journeys/{journey}/activate"))
                .header("Idempotency-Key", key)
                .json(&json!({ "mode": "resume", "expected_version": version }))
                .send()
        };
        // Different keys through each instance at once: one wins, the other is told the journey
        // changed.
        let (a, b) = tokio::join!(activate(&url_a, format!("a{round}")), activate(&url_b, format!("b{round}")));
        let mut statuses = [a.unwrap().status().as_u16(), b.unwrap().status().as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "round {round}");
        // The same key through each instance at once (after a pause): both get the one answer.
        post_json(&http, format!("{url_b}/api/journeys/{journey}/pause"), json!({})).await;
        let version =
            http.get(format!("{url_a}/api/journeys/{journey}")).send().await.unwrap().json::<Value>().await.unwrap()["version"]
                .clone();
        let same = |url: &str| {
            http.post(format!("{url}/api/journeys/{journey}/activate"))
                .header("Idempotency-Key", format!("same{round}"))
                .json(&json!({ "mode": "resume", "expected_version": version }))
                .send()
        };
        let (a, b) = tokio::join!(same(&url_a), same(&url_b));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200), "round {round}");
        assert_eq!(a.json::<Value>().await.unwrap(), b.json::<Value>().await.unwrap(), "round {round}: one answer, replayed");
    }
    let resumes: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM activity_log WHERE journey_id = $1 AND action = 'resume'")
        .bind(journey as i64)
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(resumes, 10, "two activations per round, each recorded once");
    store.close().await;
}
