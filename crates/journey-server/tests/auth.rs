//! Sign-in, roles and cross-site protection, through the HTTP API of a real server: the
//! authorization matrix of every route, sessions (fixation, expiry, revocation, cookie flags),
//! sign-in limits, cross-site requests, host names, API tokens and the command line.

mod common;

use std::time::{Duration, Instant};

use common::binary::{command, start_binary};
use common::*;
use jiff::SignedDuration;
use journey_core::access::Role;
use journey_server::auth::guard::Access;
use reqwest::header::{CONTENT_TYPE, COOKIE, HOST, ORIGIN, SET_COOKIE};
use serde_json::{Value, json};

const T0: &str = "2026-03-02T08:00:00Z";
const PASSWORD: &str = "a long test password";

/// Someone signed in through the console: the session cookie, sent back by hand.
struct Session {
    cookie: String,
    origin: String,
}

impl Session {
    /// Signs in as `email` (made by `person`, password [`PASSWORD`]).
    async fn start(h: &Harness, email: &str) -> Session {
        let res = reqwest::Client::new()
            .post(h.url("/api/sign-in"))
            .json(&json!({ "email": email, "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "sign-in as {email}");
        let set = res.headers().get(SET_COOKIE).unwrap().to_str().unwrap().to_string();
        let cookie = set.split(';').next().unwrap().to_string();
        Session { cookie, origin: h.server.url() }
    }

    /// A request as the console sends it: the cookie, the console's header, its own origin.
    fn request(&self, method: reqwest::Method, url: String) -> reqwest::RequestBuilder {
        reqwest::Client::new()
            .request(method, url)
            .header(COOKIE, &self.cookie)
            .header("x-journey-console", "1")
            .header(ORIGIN, &self.origin)
    }
}

fn email_of(name: &str) -> String {
    format!("{}@test.example", name.to_lowercase().replace(' ', "."))
}

async fn status_and_body(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// A journey that is Active, so pause and stop are allowed.
async fn active_journey(h: &Harness) -> u64 {
    let (ds, _) = h.dataset("auth", 3, &[]).await;
    let id = h.create(two_sends("Guarded", ds, "Europe/Berlin", daily("10:00", "2026-03-01"), "new_users", 60), true).await;
    h.clock.set(ts("2026-03-02T09:00:00Z"));
    h.run_now().await;
    assert_eq!(h.state(id).await, "active");
    id
}

#[tokio::test]
async fn every_route_answers_each_role_as_the_router_declares() {
    let h = Harness::start(T0).await;
    let journey = active_journey(&h).await;
    for (role, name) in [(Role::Viewer, "Vic Viewer"), (Role::Operator, "Opal Operator"), (Role::Admin, "Ada Admin")] {
        person(&h.server, role, name).await;
    }
    let token = h.client_as(Role::Operator, "Tom Token").await;
    let sessions = [
        (Role::Viewer, Session::start(&h, &email_of("Vic Viewer")).await),
        (Role::Operator, Session::start(&h, &email_of("Opal Operator")).await),
        (Role::Admin, Session::start(&h, &email_of("Ada Admin")).await),
    ];
    let mut routes = h.server.routes();
    assert!(routes.len() >= 32, "the table lists every route: {routes:?}");
    // Sign-out ends the sessions the matrix uses: last.
    routes.sort_by_key(|r| r.path == "/sign-out");
    let mut checked = 0;
    for route in &routes {
        let path = format!("/api{}", route.path)
            .replace("{id}", &journey.to_string())
            .replace("{key}", &format!("j{journey}%2Fg1%2Fi1%2Fc1%2Fwelcome"));
        let url = h.url(&path);
        let send = |req: reqwest::RequestBuilder| async {
            let req =
                if route.method != reqwest::Method::GET { req.header(CONTENT_TYPE, "application/json").body("{}") } else { req };
            status_and_body(req.send().await.unwrap()).await
        };
        let what = format!("{} {}", route.method, route.path);
        // Nobody signed in.
        let (status, body) = send(reqwest::Client::new().request(route.method.clone(), &url)).await;
        match route.access {
            Access::Public => assert!(status != 401 && status != 403 && status < 500, "{what} anonymous: {status} {body}"),
            Access::Role(_) => {
                assert_eq!(status, 401, "{what} anonymous: {body}");
                assert_eq!(body["error"]["code"], "unauthenticated", "{what}");
            }
        }
        // Each role through a session, and an operator's API token.
        let mut principals: Vec<(Role, String, (u16, Value))> = Vec::new();
        for (role, session) in &sessions {
            principals.push((*role, format!("{role:?} session"), send(session.request(route.method.clone(), url.clone())).await));
        }
        principals.push((Role::Operator, "operator token".into(), send(token.request(route.method.clone(), &url)).await));
        for (role, who, (status, body)) in principals {
            match route.access {
                Access::Role(needed) if !role.may(needed) => {
                    assert_eq!(status, 403, "{what} as {who}: {body}");
                    let message = body["error"]["message"].as_str().unwrap();
                    assert!(message.starts_with(needed.needed_sentence()), "{what}: {message}");
                    assert!(message.contains(role.with_article()), "{what}: {message}");
                }
                _ => assert!(status != 401 && status != 403 && status < 500, "{what} as {who}: {status} {body}"),
            }
            checked += 1;
        }
    }
    println!("{checked} route x principal answers checked over {} routes", routes.len());
    h.server.shutdown().await;
}

#[tokio::test]
async fn a_session_cookie_is_new_at_each_sign_in_http_only_strict_and_ends_at_sign_out() {
    let h = Harness::start(T0).await;
    person(&h.server, Role::Viewer, "Vera Viewer").await;
    let first = Session::start(&h, "vera.viewer@test.example").await;
    let me = |s: &Session| s.request(reqwest::Method::GET, h.url("/api/me")).send();
    let (status, body) = status_and_body(me(&first).await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(body["user"]["email"], "vera.viewer@test.example");
    assert_eq!(body["user"]["role"], "viewer");
    assert_eq!(body["expires_at"], "2026-03-02T20:00:00Z", "12 hours after sign-in");
    assert!(!body.to_string().contains("argon2") && !body.to_string().contains(PASSWORD));

    // The cookie's flags, and 256 bits of token (64 hex digits).
    let res = reqwest::Client::new()
        .post(h.url("/api/sign-in"))
        .header(COOKIE, &first.cookie)
        .json(&json!({ "email": "VERA.viewer@test.example", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "emails compare without regard to case");
    let set = res.headers().get(SET_COOKIE).unwrap().to_str().unwrap().to_string();
    let parts: Vec<&str> = set.split(';').map(str::trim).collect();
    let token = parts[0].strip_prefix("journey_session=").unwrap();
    assert_eq!(token.len(), 64);
    assert!(token.chars().all(|c| c.is_ascii_hexdigit()));
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(parts.contains(&flag), "{flag} in {set}");
    }
    assert!(!parts.contains(&"Secure"), "not Secure without --secure-cookies: {set}");
    // Fixation: signing in again gives a new token, and the one the browser had ends.
    assert_ne!(format!("journey_session={token}"), first.cookie);
    assert_eq!(me(&first).await.unwrap().status(), 401, "the replaced session ended");
    let second = Session { cookie: format!("journey_session={token}"), origin: first.origin.clone() };
    assert_eq!(me(&second).await.unwrap().status(), 200);

    // Sign-out ends it and clears the cookie.
    let res = second
        .request(reqwest::Method::POST, h.url("/api/sign-out"))
        .header(CONTENT_TYPE, "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let cleared = res.headers().get(SET_COOKIE).unwrap().to_str().unwrap();
    assert!(cleared.starts_with("journey_session=;") && cleared.contains("Max-Age=0"), "{cleared}");
    let (status, body) = status_and_body(me(&second).await.unwrap()).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["message"], "Your session has ended. Please sign in again.");
    h.server.shutdown().await;
}

#[tokio::test]
async fn secure_cookies_mark_the_cookie_secure() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start_in(dir, T0, |mut c| {
        c.secure_cookies = true;
        c
    })
    .await;
    person(&h.server, Role::Viewer, "Sam Secure").await;
    let res = reqwest::Client::new()
        .post(h.url("/api/sign-in"))
        .json(&json!({ "email": "sam.secure@test.example", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    let set = res.headers().get(SET_COOKIE).unwrap().to_str().unwrap();
    assert!(set.split(';').any(|p| p.trim() == "Secure"), "{set}");
    h.server.shutdown().await;
}

#[tokio::test]
async fn a_session_ends_after_an_hour_idle_or_twelve_hours_in_all() {
    let h = Harness::start(T0).await;
    person(&h.server, Role::Viewer, "Ida Idle").await;
    let me = |s: &Session| s.request(reqwest::Method::GET, h.url("/api/me")).send();

    // Idle: 59 minutes is fine (and counts as activity), 61 minutes after that is not.
    let idle = Session::start(&h, "ida.idle@test.example").await;
    h.clock.set(ts(T0) + SignedDuration::from_mins(59));
    assert_eq!(me(&idle).await.unwrap().status(), 200);
    // The last-seen time is written in the background: wait until it is.
    eventually(|| async {
        let t: i64 =
            sqlx::query_scalar("SELECT MAX(last_seen_at) FROM sessions").fetch_one(h.server.store().pool()).await.unwrap();
        t > journey_server::clock::to_ms(ts(T0))
    })
    .await;
    h.clock.set(ts(T0) + SignedDuration::from_mins(59 + 59));
    assert_eq!(me(&idle).await.unwrap().status(), 200, "59 minutes after the last request");
    h.clock.set(ts(T0) + SignedDuration::from_mins(59 + 59 + 61));
    assert_eq!(me(&idle).await.unwrap().status(), 401, "61 minutes idle");

    // Absolute: a request every 50 minutes keeps it alive until 12 hours after sign-in.
    let start = ts(T0) + SignedDuration::from_hours(4);
    h.clock.set(start);
    let busy = Session::start(&h, "ida.idle@test.example").await;
    let mut at = start;
    while at + SignedDuration::from_mins(50) < start + SignedDuration::from_hours(12) {
        at += SignedDuration::from_mins(50);
        h.clock.set(at);
        assert_eq!(me(&busy).await.unwrap().status(), 200, "at {at}");
        let seen = journey_server::clock::to_ms(at);
        eventually(|| async {
            let t: i64 =
                sqlx::query_scalar("SELECT MAX(last_seen_at) FROM sessions").fetch_one(h.server.store().pool()).await.unwrap();
            t >= seen
        })
        .await;
    }
    h.clock.set(start + SignedDuration::from_hours(12));
    assert_eq!(me(&busy).await.unwrap().status(), 401, "12 hours after sign-in, however busy");
    h.server.shutdown().await;
}

/// Waits (up to 5 s) until `check` holds.
async fn eventually<F, Fut>(check: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(5);
    while !check().await {
        assert!(Instant::now() < deadline, "condition not reached in 5 s");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn sign_in_answers_alike_for_an_unknown_email_and_a_wrong_password_and_is_limited() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start_in(dir, T0, |mut c| {
        c.sign_in_per_address = 12;
        c
    })
    .await;
    person(&h.server, Role::Operator, "Rita Right").await;
    let attempt = |email: &'static str, password: &'static str| {
        let url = h.url("/api/sign-in");
        async move {
            let started = Instant::now();
            let res =
                reqwest::Client::new().post(url).json(&json!({ "email": email, "password": password })).send().await.unwrap();
            let retry = res.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
            let (status, body) = status_and_body(res).await;
            (status, body, retry, started.elapsed())
        }
    };
    let (s1, unknown, _, t_unknown) = attempt("nobody@test.example", "wrong password!").await;
    let (s2, wrong, _, t_wrong) = attempt("rita.right@test.example", "wrong password!").await;
    assert_eq!((s1, s2), (401, 401));
    assert_eq!(unknown, wrong, "the same answer");
    assert_eq!(wrong["error"]["code"], "invalid_credentials");
    // Figures only: both do one Argon2id verification (timings are not asserted on a shared machine).
    println!("sign-in: unknown email {t_unknown:?}, wrong password {t_wrong:?}");

    // Per account: 5 a minute. The 6th attempt is refused before the password is checked,
    // even with the right password.
    for _ in 0..3 {
        assert_eq!(attempt("rita.right@test.example", "wrong password!").await.0, 401);
    }
    assert_eq!(attempt("rita.right@test.example", PASSWORD).await.0, 200, "the 5th attempt, right");
    let (status, body, retry, _) = attempt("rita.right@test.example", PASSWORD).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"]["code"], "rate_limited");
    let seconds: u32 = retry.expect("Retry-After").parse().unwrap();
    assert!((1..=60).contains(&seconds), "{seconds}");
    assert!(body["error"]["message"].as_str().unwrap().contains(&format!("{seconds} seconds")), "{body}");

    // Per address: 12 a minute here, whatever the account; every attempt counts, the refused
    // one too (7 so far from this address).
    let mut statuses = Vec::new();
    for i in 0..6 {
        let email: &'static str = Box::leak(format!("guess{i}@test.example").into_boxed_str());
        statuses.push(attempt(email, "wrong password!").await.0);
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429], "the 13th attempt from one address");
    h.server.shutdown().await;
}

#[tokio::test]
async fn a_change_by_cookie_must_come_from_the_console() {
    let h = Harness::start(T0).await;
    let journey = active_journey(&h).await;
    person(&h.server, Role::Operator, "Cora Cookie").await;
    let session = Session::start(&h, "cora.cookie@test.example").await;
    let pause = h.url(&format!("/api/journeys/{journey}/pause"));
    let plain = || reqwest::Client::new().post(&pause).header(COOKIE, &session.cookie);

    // A form post from another site: not JSON, so refused (and it carries no console header).
    let form =
        plain().header(ORIGIN, "https://evil.example").header(CONTENT_TYPE, "application/x-www-form-urlencoded").body("a=1");
    assert_eq!(status_and_body(form.send().await.unwrap()).await.0, 415);
    // A beacon or `no-cors` fetch: text/plain, empty or not.
    let beacon = plain().header(ORIGIN, "https://evil.example").header(CONTENT_TYPE, "text/plain");
    assert_eq!(status_and_body(beacon.send().await.unwrap()).await.0, 415);
    // JSON without the console's header (which another site cannot send without asking).
    let (status, body) =
        status_and_body(plain().header(ORIGIN, &session.origin).header(CONTENT_TYPE, "application/json").send().await.unwrap())
            .await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("cross_site")), "{body}");
    // The console's header from a foreign origin.
    let foreign =
        plain().header("x-journey-console", "1").header(ORIGIN, "https://evil.example").header(CONTENT_TYPE, "application/json");
    assert_eq!(status_and_body(foreign.send().await.unwrap()).await.0, 403);
    // No body and no content type at all, even from the console: 415.
    let bare = session.request(reqwest::Method::POST, pause.clone());
    assert_eq!(status_and_body(bare.send().await.unwrap()).await.0, 415);
    assert_eq!(h.state(journey).await, "active", "nothing changed");

    // From the console: paused, and the activity log names the person.
    let ok = session.request(reqwest::Method::POST, pause.clone()).header(CONTENT_TYPE, "application/json");
    let (status, body) = status_and_body(ok.send().await.unwrap()).await;
    assert_eq!(status, 200, "{body}");
    let last = body["activity"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["actor"], "Cora Cookie <cora.cookie@test.example>");
    assert_eq!(last["to"], "paused");

    // A sign-in posted from another site is refused too.
    let res = reqwest::Client::new()
        .post(h.url("/api/sign-in"))
        .header(ORIGIN, "https://evil.example")
        .json(&json!({ "email": "cora.cookie@test.example", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    h.server.shutdown().await;
}

#[tokio::test]
async fn a_viewer_is_told_who_may_and_changes_nothing() {
    let h = Harness::start(T0).await;
    let journey = active_journey(&h).await;
    let viewer = h.client_as(Role::Viewer, "Val Viewer").await;
    for action in ["pause", "stop"] {
        let (status, body) = h.post_by(&viewer, &format!("/api/journeys/{journey}/{action}"), json!({}), &[]).await;
        assert_eq!(status, 403);
        assert_eq!(body["error"]["code"], "forbidden");
        assert_eq!(body["error"]["message"], "Only operators and admins may do this. You are signed in as a viewer.");
    }
    let (status, body) = h.post_by(&viewer, "/api/tokens", json!({ "user_id": 1, "name": "x" }), &[]).await;
    assert_eq!(
        (status, body["error"]["message"].as_str()),
        (403, Some("Only admins may do this. You are signed in as a viewer."))
    );
    assert_eq!(h.state(journey).await, "active");
    let res = viewer.get(h.url(&format!("/api/journeys/{journey}"))).send().await.unwrap();
    assert_eq!(res.status(), 200, "a viewer reads everything");
    h.server.shutdown().await;
}

#[tokio::test]
async fn tokens_act_with_their_owners_role_until_revoked_or_the_owner_is_disabled() {
    let h = Harness::start(T0).await;
    let admin = h.client_as(Role::Admin, "Ann Admin").await;
    // An admin adds a person and gives them a token; the token is shown once.
    let (status, user) = h
        .post_by(
            &admin,
            "/api/users",
            json!({ "email": "feed@test.example", "name": "CRM Feed", "role": "viewer", "password": PASSWORD }),
            &[],
        )
        .await;
    assert_eq!(status, 201, "{user}");
    assert!(user.get("password").is_none() && user.get("password_hash").is_none());
    let uid = user["id"].as_u64().unwrap();
    let (status, created) = h.post_by(&admin, "/api/tokens", json!({ "user_id": uid, "name": "CRM sync" }), &[]).await;
    assert_eq!(status, 201);
    let token = created["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("jt_") && token.len() == 67, "{token}");
    let listed = admin.get(h.url("/api/tokens")).send().await.unwrap().text().await.unwrap();
    assert!(listed.contains("CRM sync") && !listed.contains(&token), "never listed: {listed}");
    let feed = bearer_client(&token);
    let contacts = json!({ "contacts": [{ "email": "new@example.com" }] });

    // As a viewer the token may read, not feed contacts; made operator, it may.
    assert_eq!(h.post_by(&feed, "/api/contacts", contacts.clone(), &[]).await.0, 403);
    assert_eq!(h.post_by(&admin, &format!("/api/users/{uid}"), json!({ "role": "operator" }), &[]).await.0, 200);
    assert_eq!(h.post_by(&feed, "/api/contacts", contacts, &[]).await.0, 201, "the owner's role now");
    // Disabled: the token stops working at once; enabled again, it stays revoked.
    assert_eq!(h.post_by(&admin, &format!("/api/users/{uid}"), json!({ "disabled": true }), &[]).await.0, 200);
    let (status, body) = status_and_body(feed.get(h.url("/api/me")).send().await.unwrap()).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(h.post_by(&admin, &format!("/api/users/{uid}"), json!({ "disabled": false }), &[]).await.0, 200);
    assert_eq!(feed.get(h.url("/api/me")).send().await.unwrap().status(), 401);
    // A new token, revoked.
    let (_, created) = h.post_by(&admin, "/api/tokens", json!({ "user_id": uid, "name": "CRM sync 2" }), &[]).await;
    let second = bearer_client(created["token"].as_str().unwrap());
    assert_eq!(second.get(h.url("/api/me")).send().await.unwrap().status(), 200);
    let id = created["id"].as_u64().unwrap();
    assert_eq!(h.post_by(&admin, &format!("/api/tokens/{id}/revoke"), json!({}), &[]).await.0, 200);
    assert_eq!(second.get(h.url("/api/me")).send().await.unwrap().status(), 401);
    assert_eq!(h.post_by(&admin, &format!("/api/tokens/{id}/revoke"), json!({}), &[]).await.0, 404, "already revoked");
    // An admin cannot lock themselves out.
    let me = admin.get(h.url("/api/me")).send().await.unwrap().json::<Value>().await.unwrap();
    let own = me["user"]["id"].as_u64().unwrap();
    let (status, body) = h.post_by(&admin, &format!("/api/users/{own}"), json!({ "role": "viewer" }), &[]).await;
    assert_eq!(status, 422, "{body}");
    h.server.shutdown().await;
}

#[tokio::test]
async fn idempotency_keys_belong_to_the_person_who_sent_them() {
    let h = Harness::start(T0).await;
    let first = active_journey(&h).await;
    let (ds, _) = h.dataset("second", 3, &[]).await;
    let second = h.create(two_sends("Second", ds, "UTC", daily("10:00", "2026-03-01"), "new_users", 60), true).await;
    h.clock.set(ts("2026-03-02T10:00:00Z"));
    h.run_now().await;
    let other = h.client_as(Role::Operator, "Oscar Other").await;
    for (client, journey) in [(&h.http, first), (&other, second)] {
        assert_eq!(h.post_by(client, &format!("/api/journeys/{journey}/pause"), json!({}), &[]).await.0, 200);
    }
    // Both pick the key "activate": each gets their own activation, not the other's answer.
    for (client, journey) in [(&h.http, first), (&other, second)] {
        let version = h.version(journey).await;
        let body = json!({ "mode": "resume", "wait_handling": "keep_deadlines", "expected_version": version });
        let (status, answer) =
            h.post_by(client, &format!("/api/journeys/{journey}/activate"), body, &[("Idempotency-Key", "activate")]).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["journey"]["id"], journey);
    }
    h.server.shutdown().await;
}

#[tokio::test]
async fn requests_for_another_host_name_are_refused() {
    let h = Harness::start(T0).await;
    for host in ["evil.example", "evil.example:80", "127.0.0.1.evil.example"] {
        let res = h.http.get(h.url("/api/health")).header(HOST, host).send().await.unwrap();
        assert_eq!(res.status(), 421, "{host}");
        let res = h.http.get(h.url("/journeys")).header(HOST, host).send().await.unwrap();
        assert_eq!(res.status(), 421, "the console too, for {host}");
    }
    for host in ["localhost:8080", "127.0.0.1", "[::1]:3000"] {
        let res = h.http.get(h.url("/api/health")).header(HOST, host).send().await.unwrap();
        assert_eq!(res.status(), 200, "{host}");
    }
    h.server.shutdown().await;

    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start_in(dir, T0, |mut c| {
        c.public_origin = Some("https://journeys.example.com".parse().unwrap());
        c
    })
    .await;
    let res = h.http.get(h.url("/api/health")).send().await.unwrap();
    assert_eq!(res.status(), 421, "only the public origin's host is answered");
    let res = h.http.get(h.url("/api/me")).header(HOST, "journeys.example.com").send().await.unwrap();
    assert_eq!(res.status(), 200);
    h.server.shutdown().await;
}

#[test]
fn a_server_reachable_from_other_machines_needs_a_public_origin() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_journey-server"))
        .args(["--database", dir.path().join("j.db").to_str().unwrap(), "--no-seed", "--addr", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--public-origin") && err.contains("TLS"), "{err}");
}

#[tokio::test]
async fn people_and_tokens_are_managed_from_the_command_line_and_secrets_stay_out_of_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let (db, log) = (common::fresh_database(dir.path()).await, dir.path().join("server.log"));
    let added = command(&db, &["users", "add", "--email", "Ada@Test.example", "--name", "Ada Admin", "--role", "admin"]);
    assert!(added.starts_with("Added Ada Admin <Ada@Test.example> as admin."), "{added}");
    let password = added.lines().find_map(|l| l.strip_prefix("Password (shown once): ")).unwrap().to_string();
    assert_eq!(password.len(), 24, "96 random bits");
    command(&db, &["users", "add", "--email", "olga@test.example", "--name", "Olga Ops", "--role", "viewer"]);
    command(&db, &["users", "set-role", "olga@test.example", "operator"]);
    let token = command(&db, &["tokens", "create", "--email", "olga@test.example", "--name", "feeds"]).trim().to_string();
    let listed = command(&db, &["users", "list"]);
    assert!(listed.contains("admin     Ada Admin <Ada@Test.example>") && listed.contains("operator  Olga Ops"), "{listed}");
    assert!(command(&db, &["tokens", "list"]).contains("live     olga@test.example  \"feeds\""));

    let (mut child, url) = start_binary(&db, &[], Some(&log), &[]);
    let http = reqwest::Client::new();
    let signed = http.post(format!("{url}/api/sign-in")).json(&json!({ "email": "ada@test.example", "password": password }));
    let res = signed.send().await.unwrap();
    assert_eq!(res.status(), 200);
    let cookie = res.headers().get(SET_COOKIE).unwrap().to_str().unwrap().split(';').next().unwrap().to_string();
    let ops = bearer_client(&token);
    assert_eq!(ops.get(format!("{url}/api/me")).send().await.unwrap().json::<Value>().await.unwrap()["user"]["role"], "operator");
    command(&db, &["users", "disable", "olga@test.example"]);
    assert_eq!(ops.get(format!("{url}/api/me")).send().await.unwrap().status(), 401, "disabled from the command line");
    let wrong =
        http.post(format!("{url}/api/sign-in")).json(&json!({ "email": "ada@test.example", "password": "not-the-password" }));
    assert_eq!(wrong.send().await.unwrap().status(), 401);
    let reset = command(&db, &["users", "reset-password", "ada@test.example"]);
    assert!(reset.contains("their sessions have ended"), "{reset}");
    let me = http.get(format!("{url}/api/me")).header(COOKIE, &cookie).send().await.unwrap();
    assert_eq!(me.status(), 401, "a reset ends the sessions");
    child.kill();

    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("signed in"), "{text}");
    let session_token = cookie.strip_prefix("journey_session=").unwrap();
    for secret in [password.as_str(), session_token, token.as_str(), "not-the-password", "$argon2id$"] {
        assert!(!text.contains(secret), "a secret is in the log:\n{text}");
    }
}

#[test]
fn the_first_start_of_an_empty_database_says_how_to_make_the_first_admin() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("j.db");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_journey-server"))
        .args(["--database", db.to_str().unwrap(), "--no-seed", "--addr", "127.0.0.1:0", "--dist", "/nonexistent"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut child = common::binary::Process(child);
    let lines: Vec<String> = BufReader::new(child.0.stdout.take().unwrap()).lines().take(3).map(Result::unwrap).collect();
    child.kill();
    let text = lines.join("\n");
    assert!(text.contains("Nobody can sign in yet") && text.contains("users add") && text.contains("--role admin"), "{text}");
}
