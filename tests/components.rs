//! Component tests in headless Chromium: each mounts one component with its props, interacts
//! with it, lets Leptos settle, and reads the DOM back.
//!
//! `CHROMEDRIVER=/usr/bin/chromedriver cargo test -p journey-console --target wasm32-unknown-unknown`

use std::sync::{Arc, Mutex};

/// A value shared with a callback (callbacks must be Send + Sync).
#[derive(Clone, Default)]
struct Shared<T>(Arc<Mutex<T>>);

impl<T: Clone> Shared<T> {
    fn new(v: T) -> Self {
        Shared(Arc::new(Mutex::new(v)))
    }
    fn get(&self) -> T {
        self.0.lock().unwrap().clone()
    }
    fn set(&self, v: T) {
        *self.0.lock().unwrap() = v;
    }
}

use journey_console::api::ApiError;
use journey_console::components::activate_dialog::ActivateDialog;
use journey_console::components::delivery::{DeliveryPanel, RetryRequest};
use journey_console::components::remote::Remote;
use journey_console::components::state_tabs::StateTabs;
use journey_console::components::summary_view::SummaryView;
use journey_console::format::{count, in_zone};
use journey_console::pages::summary::plan_memo;
use journey_core::api::StateCounts;
use journey_core::jiff::civil::date;
use journey_core::plan::{ActivationMode, NextRun, WaitHandling, plan_activation};
use journey_core::state::JourneyState;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A fresh element in the page to mount into.
fn container() -> web_sys::HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let el = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&el).unwrap();
    el.unchecked_into()
}

/// Lets effects, resources and the DOM settle.
async fn settle() {
    for _ in 0..5 {
        gloo_timers::future::TimeoutFuture::new(0).await;
    }
}

fn find(root: &web_sys::HtmlElement, testid: &str) -> Option<web_sys::HtmlElement> {
    root.query_selector(&format!("[data-testid=\"{testid}\"]")).unwrap().map(|e| e.unchecked_into())
}

fn get(root: &web_sys::HtmlElement, testid: &str) -> web_sys::HtmlElement {
    find(root, testid).unwrap_or_else(|| panic!("no [data-testid={testid}] in {}", root.inner_html()))
}

fn text(root: &web_sys::HtmlElement, testid: &str) -> String {
    get(root, testid).text_content().unwrap_or_default().trim().to_string()
}

fn is_disabled(el: &web_sys::HtmlElement) -> bool {
    el.has_attribute("disabled")
}

fn press(target: &web_sys::HtmlElement, key: &str) {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let ev = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    target.dispatch_event(&ev).unwrap();
}

#[wasm_bindgen_test]
async fn tabs_show_the_counts_they_are_given() {
    let root = container();
    let counts = StateCounts { active: 12, scheduled: 3, paused: 1_234, stopped: 2, draft: 0, completed: 98_765 };
    let (selected, set_selected) = signal(JourneyState::Paused);
    let picked = Shared::new(None);
    let picked_in = picked.clone();
    let on_select = Callback::new(move |s: JourneyState| {
        set_selected.set(s);
        picked_in.set(Some(s));
    });
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        view! { <StateTabs counts=Signal::stored(Some(counts)) selected on_select/> }
    });
    settle().await;

    assert_eq!(text(&root, "tab-count-active"), "12");
    assert_eq!(text(&root, "tab-count-scheduled"), "3");
    assert_eq!(text(&root, "tab-count-paused"), "1,234");
    assert_eq!(text(&root, "tab-count-stopped"), "2");
    assert_eq!(text(&root, "tab-count-draft"), "0");
    assert_eq!(text(&root, "tab-count-completed"), "98,765");
    // A real tablist: one selected tab, the only tab stop.
    assert!(root.query_selector("[role=tablist]").unwrap().is_some());
    let paused = get(&root, "tab-paused");
    assert_eq!(paused.get_attribute("role").as_deref(), Some("tab"));
    assert_eq!(paused.get_attribute("aria-selected").as_deref(), Some("true"));
    assert_eq!(paused.get_attribute("tabindex").as_deref(), Some("0"));
    assert_eq!(get(&root, "tab-active").get_attribute("aria-selected").as_deref(), Some("false"));

    get(&root, "tab-stopped").click();
    settle().await;
    assert_eq!(picked.get(), Some(JourneyState::Stopped));
    assert_eq!(get(&root, "tab-stopped").get_attribute("aria-selected").as_deref(), Some("true"));

    // Arrow keys move the selection.
    press(&get(&root, "tab-stopped"), "ArrowRight");
    settle().await;
    assert_eq!(picked.get(), Some(JourneyState::Draft));
    root.remove();
}

#[wasm_bindgen_test]
async fn apply_is_disabled_until_a_choice_and_escape_closes() {
    let root = container();
    let applied = Shared::new(None);
    let cancelled = Shared::new(0);
    let (a, c) = (applied.clone(), cancelled.clone());
    let on_apply = Callback::new(move |m: ActivationMode| a.set(Some(m)));
    let on_cancel = Callback::new(move |_| c.set(c.get() + 1));
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        view! { <ActivateDialog journey_name="Onboarding <b>series</b>" initial=None on_apply on_cancel/> }
    });
    settle().await;

    let apply = get(&root, "apply-button");
    assert!(is_disabled(&apply), "APPLY must be disabled before a choice");
    apply.click();
    settle().await;
    assert_eq!(applied.get(), None);
    // The journey's name is text, never HTML.
    assert!(root.query_selector("b").unwrap().is_none());
    assert!(root.text_content().unwrap().contains("Onboarding <b>series</b>"));
    // Focus moved into the dialog.
    let active = web_sys::window().unwrap().document().unwrap().active_element().unwrap();
    assert!(get(&root, "activate-dialog").contains(Some(&active)), "focus is inside the dialog");

    get(&root, "choice-restart").click();
    settle().await;
    assert!(!is_disabled(&get(&root, "apply-button")), "APPLY is enabled once a choice is made");
    get(&root, "apply-button").click();
    settle().await;
    assert_eq!(applied.get(), Some(ActivationMode::Restart));

    press(&get(&root, "choice-restart"), "Escape");
    settle().await;
    assert_eq!(cancelled.get(), 1, "Escape cancels");
    get(&root, "cancel-button").click();
    settle().await;
    assert_eq!(cancelled.get(), 2, "Cancel cancels");
    root.remove();
}

#[wasm_bindgen_test]
async fn summary_shows_exactly_what_the_rules_crate_computes() {
    let snapshot = {
        let mut s = journey_core::samples::daily_kolkata_snapshot();
        s.nodes.push(journey_core::snapshot::NodeCount { node: journey_core::journey::NodeId::new("sms"), count: 12_345 });
        s
    };
    // Jan 1 2026, 14:00 in Kolkata: the seed's example instant.
    let t = snapshot.zone.to_instant(date(2026, 1, 1).at(14, 0, 0, 0)).unwrap();
    let tz = snapshot.zone.time_zone().clone();

    for mode in [ActivationMode::Resume, ActivationMode::Restart] {
        let root = container();
        let plan = plan_activation(&snapshot, t, mode, WaitHandling::KeepDeadlines).unwrap();
        let snap = snapshot.clone();
        let _handle = leptos::mount::mount_to(root.clone(), move || {
            // The plan as the summary page computes it, once, for the view to show.
            let shown = plan_memo(
                Signal::stored(Some(snap.clone())),
                Signal::stored(t),
                Signal::stored(mode),
                Signal::stored(WaitHandling::KeepDeadlines),
            );
            view! { <SummaryView snapshot=Signal::stored(snap.clone()) plan=shown/> }
        });
        settle().await;

        assert_eq!(text(&root, "summary-entering"), count(plan.entering.unwrap()));
        assert_eq!(text(&root, "summary-suppressed"), count(plan.suppressed));
        match mode {
            ActivationMode::Resume => {
                assert_eq!(text(&root, "summary-continuing"), count(plan.continuing));
                assert_eq!(text(&root, "summary-continuing"), "12,450");
                assert_eq!(text(&root, "summary-overdue"), count(plan.overdue));
                let NextRun::At { at } = plan.next_run else { panic!("resume runs at the next occurrence") };
                assert_eq!(text(&root, "summary-next-run"), in_zone(at, &tz));
                assert_eq!(text(&root, "summary-next-run"), "Fri 2 Jan 2026, 14:00 IST");
            }
            ActivationMode::Restart => {
                assert_eq!(text(&root, "summary-exited"), count(plan.exited_by_restart));
                assert_eq!(text(&root, "summary-rereceiving"), count(plan.re_receiving));
                assert!(text(&root, "summary-next-run").starts_with("Immediately"));
            }
        }
        let following = get(&root, "summary-following-runs").children().length();
        assert_eq!(following as usize, plan.following_runs.len());
        let warnings = root.query_selector_all("[data-testid=summary-warning]").unwrap().length();
        assert_eq!(warnings as usize, plan.warnings.len());
        assert!(find(&root, "summary-changes").is_none(), "nothing was saved since the last activation");
        root.remove();
    }
}

#[wasm_bindgen_test]
async fn a_failing_fetch_shows_the_error_and_retry_works() {
    let root = container();
    let calls = Shared::new(0u32);
    let calls_in = calls.clone();
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        let calls = calls_in.clone();
        let resource = LocalResource::new(move || {
            let n = calls.get() + 1;
            calls.set(n);
            async move {
                gloo_timers::future::TimeoutFuture::new(1).await;
                if n == 1 { Err(ApiError::Network) } else { Ok(format!("loaded after {n} calls")) }
            }
        });
        view! {
            <Remote resource what="the journeys" children=|s: String| view! { <p data-testid="loaded">{s}</p> }/>
        }
    });
    gloo_timers::future::TimeoutFuture::new(20).await;
    settle().await;

    assert!(find(&root, "loaded").is_none());
    assert!(text(&root, "error-panel").contains("The server cannot be reached"));
    get(&root, "error-retry").click();
    gloo_timers::future::TimeoutFuture::new(20).await;
    settle().await;
    assert_eq!(text(&root, "loaded"), "loaded after 2 calls");
    assert!(find(&root, "error-panel").is_none());
    assert_eq!(calls.get(), 2);
    root.remove();
}

#[wasm_bindgen_test]
async fn an_unknown_journey_says_so_without_retry() {
    let root = container();
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        let resource = LocalResource::new(move || async move {
            Err::<String, _>(ApiError::Http {
                status: 404,
                code: "not_found".into(),
                message: "No such journey.".into(),
                current_version: None,
            })
        });
        view! { <Remote resource what="the journey" children=|s: String| view! { <p>{s}</p> }/> }
    });
    settle().await;

    assert!(text(&root, "not-found").contains("This journey does not exist or was deleted"));
    let back = get(&root, "not-found-back");
    assert_eq!(back.get_attribute("href").as_deref(), Some("/engage/journeys?tab=active"));
    assert!(find(&root, "error-retry").is_none(), "retrying cannot help an unknown journey");
    root.remove();
}

fn body_locked() -> bool {
    web_sys::window().unwrap().document().unwrap().body().unwrap().class_list().contains("modal-open")
}

#[wasm_bindgen_test]
async fn an_open_dialog_locks_page_scroll_until_it_closes() {
    let root = container();
    let (open, set_open) = signal(true);
    let handle = leptos::mount::mount_to(root.clone(), move || {
        view! {
            <Show when=move || open.get()>
                <ActivateDialog journey_name="Onboarding" initial=None
                    on_apply=Callback::new(|_| ()) on_cancel=Callback::new(move |_| set_open.set(false))/>
            </Show>
        }
    });
    settle().await;
    assert!(body_locked(), "the page behind an open dialog does not scroll");
    get(&root, "cancel-button").click();
    settle().await;
    assert!(find(&root, "activate-dialog").is_none());
    assert!(!body_locked(), "closing the dialog restores page scroll");
    // No inline style is ever set (the server's CSP forbids them).
    let body = web_sys::window().unwrap().document().unwrap().body().unwrap();
    assert!(!body.has_attribute("style"));

    set_open.set(true);
    settle().await;
    assert!(body_locked());
    drop(handle);
    settle().await;
    assert!(!body_locked(), "unmounting an open dialog restores page scroll");
    root.remove();
}

/// Replaces `window.fetch` for one test: the snapshot answers `snapshot`, the activation
/// answers 409 version_conflict. Returns the previous fetch to restore.
fn fake_fetch(snapshot: &str) -> wasm_bindgen::JsValue {
    let window = web_sys::window().unwrap();
    let previous = js_sys::Reflect::get(&window, &"fetch".into()).unwrap();
    js_sys::Reflect::set(&window, &"__snapshot".into(), &snapshot.into()).unwrap();
    js_sys::Reflect::set(&window, &"__activations".into(), &0.into()).unwrap();
    let fake = js_sys::Function::new_with_args(
        "req",
        r#"
        const url = typeof req === 'string' ? req : req.url;
        const json = { 'Content-Type': 'application/json' };
        if (url.includes('/snapshot')) {
            return Promise.resolve(new Response(window.__snapshot, { status: 200, headers: json }));
        }
        if (url.includes('/activate')) {
            window.__activations += 1;
            return Promise.resolve(new Response(
                '{"error":{"code":"version_conflict","message":"The journey changed.","current_version":99}}',
                { status: 409, headers: json }));
        }
        return Promise.resolve(new Response('{}', { status: 500, headers: json }));
        "#,
    );
    js_sys::Reflect::set(&window, &"fetch".into(), &fake).unwrap();
    previous
}

#[wasm_bindgen_test]
async fn a_stale_version_answer_is_explained_and_nothing_is_activated() {
    use journey_console::pages::summary::SummaryPage;
    use leptos_router::components::{Route, Router, Routes};
    use leptos_router::path;

    let mut snapshot = journey_core::samples::daily_kolkata_snapshot();
    // Fresh for the browser's clock, so the summary is ready to send.
    snapshot.taken_at = journey_console::format::now();
    let previous = fake_fetch(&serde_json::to_string(&snapshot).unwrap());
    let window = web_sys::window().unwrap();
    let history = window.history().unwrap();
    let back_to = window.location().href().unwrap();
    history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("/engage/journeys/7/summary?mode=restart")).unwrap();

    let root = container();
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        view! {
            <Router>
                <Routes fallback=|| "no route">
                    <Route path=path!("/engage/journeys/:id/summary") view=SummaryPage/>
                </Routes>
            </Router>
        }
    });
    for _ in 0..10 {
        gloo_timers::future::TimeoutFuture::new(10).await;
        if find(&root, "summary").is_some() {
            break;
        }
    }
    settle().await;
    let button = get(&root, "activate-journey-button");
    assert!(!is_disabled(&button), "the summary is ready to send");
    button.click();
    for _ in 0..10 {
        gloo_timers::future::TimeoutFuture::new(10).await;
        if find(&root, "stale-version-message").is_some() {
            break;
        }
    }
    settle().await;

    let activations = js_sys::Reflect::get(&window, &"__activations".into()).unwrap().as_f64();
    assert_eq!(activations, Some(1.0));
    assert!(text(&root, "stale-version-message").contains("nothing was activated"));
    assert!(find(&root, "error-panel").is_none(), "a stale version is not an error to retry");
    assert!(find(&root, "summary").is_some(), "the summary stays, reloaded");

    root.remove();
    js_sys::Reflect::set(&window, &"fetch".into(), &previous).unwrap();
    history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&back_to)).unwrap();
}

/// The server's JSON for a journey with two dead messages (one never tried).
const DELIVERY_JSON: &str = r#"{"journey_id":3,"counts":{"queued":12,"delivering":1,"retrying":4,"delivered":98765,"dead":2},
"dead":[{"message_key":"3/1/0/42/welcome","contact_id":42,"node_id":"welcome","channel":"email","template":"welcome-v2","attempts":8,"last_error":"HTTP 410 Gone: <b>no such inbox</b>","last_attempt_at":"2026-01-02T08:30:00Z","created_at":"2026-01-01T08:00:00Z"},
{"message_key":"3/1/0/43/sms","contact_id":43,"node_id":"sms","channel":"sms","template":"reminder","attempts":0,"last_error":null,"last_attempt_at":null,"created_at":"2026-01-01T08:00:00Z"}],
"next_after":null}"#;

#[wasm_bindgen_test]
async fn delivery_card_shows_counts_and_dead_messages_with_retry_buttons() {
    let root = container();
    let delivery: journey_core::api::DeliveryResponse = serde_json::from_str(DELIVERY_JSON).unwrap();
    let asked = Shared::new(Vec::<RetryRequest>::new());
    let asked_in = asked.clone();
    let on_retry = Callback::new(move |r: RetryRequest| {
        let mut all = asked_in.get();
        all.push(r);
        asked_in.set(all);
    });
    let steps = vec![(journey_core::journey::NodeId::new("welcome"), "Welcome email".to_string())];
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        view! { <DeliveryPanel delivery=delivery.clone() on_retry steps=steps.clone()/> }
    });
    settle().await;

    assert_eq!(text(&root, "delivery-count-queued"), "12");
    assert_eq!(text(&root, "delivery-count-delivering"), "1");
    assert_eq!(text(&root, "delivery-count-retrying"), "4");
    assert_eq!(text(&root, "delivery-count-delivered"), "98,765");
    assert_eq!(text(&root, "delivery-count-dead"), "2");

    // A table with column headers, one row per dead message.
    let table = get(&root, "delivery-dead");
    assert_eq!(table.tag_name(), "TABLE");
    let headers: Vec<String> = (0..table.query_selector_all("thead th[scope=col]").unwrap().length())
        .map(|i| table.query_selector_all("thead th").unwrap().item(i).unwrap().text_content().unwrap())
        .collect();
    assert_eq!(headers[..7], ["Contact", "Step", "Channel", "Template", "Attempts", "Last error", "Last attempt"]);
    let rows = root.query_selector_all("[data-testid=delivery-dead-row]").unwrap();
    assert_eq!(rows.length(), 2);
    let first = rows.item(0).unwrap().text_content().unwrap();
    assert!(first.contains("42") && first.contains("Welcome email") && first.contains("welcome-v2"), "{first}");
    // The last error is text, never HTML.
    assert!(first.contains("HTTP 410 Gone: <b>no such inbox</b>"), "{first}");
    assert!(table.query_selector("b").unwrap().is_none());
    let when = journey_console::format::in_viewer_zone("2026-01-02T08:30:00Z".parse().unwrap());
    assert!(first.contains(&when), "{first} has {when}");
    let second = rows.item(1).unwrap().text_content().unwrap();
    assert!(second.contains("43") && second.contains("sms") && second.contains("Never"), "{second}");

    // Real buttons with clear names: Retry all, and Retry per message.
    let all = get(&root, "delivery-retry-all");
    assert_eq!(all.tag_name(), "BUTTON");
    assert_eq!(all.text_content().unwrap(), "Retry all");
    assert!(all.get_attribute("aria-label").unwrap().starts_with("Retry all"));
    let retries = root.query_selector_all("button[data-testid=delivery-retry]").unwrap();
    assert_eq!(retries.length(), 2);
    let one: web_sys::HtmlElement = retries.item(1).unwrap().unchecked_into();
    assert_eq!(one.text_content().unwrap(), "Retry");
    assert!(one.get_attribute("aria-label").unwrap().contains("contact 43"));

    one.click();
    all.click();
    settle().await;
    assert_eq!(asked.get(), vec![RetryRequest::One("3/1/0/43/sms".into()), RetryRequest::All]);
    root.remove();
}

#[wasm_bindgen_test]
async fn delivery_card_without_dead_messages_has_no_retry() {
    let root = container();
    let mut delivery: journey_core::api::DeliveryResponse = serde_json::from_str(DELIVERY_JSON).unwrap();
    delivery.counts.dead = 0;
    delivery.dead.clear();
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        view! { <DeliveryPanel delivery=delivery.clone() on_retry=Callback::new(|_| {})/> }
    });
    settle().await;
    assert_eq!(text(&root, "delivery-count-dead"), "0");
    assert_eq!(text(&root, "delivery-no-dead"), "No dead messages.");
    assert!(find(&root, "delivery-dead").is_none());
    assert!(find(&root, "delivery-retry-all").is_none());
    root.remove();
}

// ---- Sign-in, the session and roles ----

use journey_console::session::{Session, SessionState};
use journey_core::access::Role;
use journey_core::api::UserView;

fn person(role: Role) -> UserView {
    let name = match role {
        Role::Viewer => "Vera Viewer",
        Role::Operator => "Otto Operator",
        Role::Admin => "Ada Admin",
    };
    UserView { id: 1, email: format!("{}@example.com", role.as_str()), name: name.into(), role, disabled: false }
}

fn session_json(role: Role) -> String {
    serde_json::to_string(&journey_core::api::SessionResponse { user: person(role), expires_at: None }).unwrap()
}

fn error_json(code: &str, message: &str) -> String {
    serde_json::json!({ "error": { "code": code, "message": message } }).to_string()
}

/// A stand-in for the server: `window.fetch` answers each request from the first route whose
/// pattern ("POST /api/sign-in", "/snapshot") is part of "METHOD /path?query", and records
/// every request. A route's answers are used in turn, the last one again and again. Puts the
/// real fetch and the page's URL back when dropped.
struct FakeServer {
    previous_fetch: wasm_bindgen::JsValue,
    previous_url: String,
}

/// One answer: status, body, delay in milliseconds.
type Answer = (u16, String, u32);

impl FakeServer {
    fn start(at_url: &str, routes: Vec<(&str, Vec<Answer>)>) -> FakeServer {
        let window = web_sys::window().unwrap();
        let previous_fetch = js_sys::Reflect::get(&window, &"fetch".into()).unwrap();
        let previous_url = window.location().href().unwrap();
        window.session_storage().unwrap().unwrap().clear().unwrap();
        window.history().unwrap().replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(at_url)).unwrap();
        let routes = serde_json::to_string(&routes).unwrap();
        js_sys::Reflect::set(&window, &"__routes".into(), &js_sys::JSON::parse(&routes).unwrap()).unwrap();
        js_sys::Reflect::set(&window, &"__requests".into(), &js_sys::Array::new()).unwrap();
        let fake = js_sys::Function::new_with_args(
            "req",
            r#"
            const url = new URL(req.url);
            const seen = req.method + ' ' + url.pathname + url.search;
            const route = window.__routes.find(([pattern]) => seen.includes(pattern));
            const [status, body, delay] = !route ? [404, '{}', 0]
                : route[1].length > 1 ? route[1].shift() : route[1][0];
            const answer = () => new Response(status === 204 ? null : body,
                { status, headers: { 'Content-Type': 'application/json' } });
            return req.text().then(sent => {
                window.__requests.push({ seen, console: req.headers.get('x-journey-console'),
                    type: req.headers.get('content-type'), key: req.headers.get('idempotency-key'), body: sent });
                return new Promise(done => setTimeout(() => done(answer()), delay));
            });
            "#,
        );
        js_sys::Reflect::set(&window, &"fetch".into(), &fake).unwrap();
        FakeServer { previous_fetch, previous_url }
    }

    /// Every request so far: `seen` ("POST /api/sign-in"), `console`, `type` and `key` headers,
    /// and the `body` sent.
    fn requests(&self) -> Vec<serde_json::Value> {
        let window = web_sys::window().unwrap();
        let all = js_sys::JSON::stringify(&js_sys::Reflect::get(&window, &"__requests".into()).unwrap()).unwrap();
        serde_json::from_str(&String::from(all)).unwrap()
    }

    fn requests_to(&self, pattern: &str) -> Vec<serde_json::Value> {
        self.requests().into_iter().filter(|r| r["seen"].as_str().unwrap().contains(pattern)).collect()
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        let window = web_sys::window().unwrap();
        js_sys::Reflect::set(&window, &"fetch".into(), &self.previous_fetch).unwrap();
        window.history().unwrap().replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&self.previous_url)).unwrap();
    }
}

/// Waits (up to a second) until `done` holds.
async fn wait_until(what: &str, done: impl Fn() -> bool) {
    for _ in 0..100 {
        if done() {
            return settle().await;
        }
        gloo_timers::future::TimeoutFuture::new(10).await;
    }
    panic!("waited a second for {what}");
}

fn page_url() -> String {
    let location = web_sys::window().unwrap().location();
    location.pathname().unwrap() + &location.search().unwrap()
}

fn has_focus(el: &web_sys::HtmlElement) -> bool {
    web_sys::window().unwrap().document().unwrap().active_element().is_some_and(|a| el.is_same_node(Some(&a)))
}

fn type_into(root: &web_sys::HtmlElement, testid: &str, value: &str) {
    get(root, testid).unchecked_into::<web_sys::HtmlInputElement>().set_value(value);
}

#[wasm_bindgen_test]
async fn every_request_says_it_comes_from_the_console_and_every_post_and_put_is_json() {
    use journey_console::api;
    let server = FakeServer::start(
        "/engage/journeys",
        vec![
            ("GET /api/me", vec![(200, session_json(Role::Viewer), 0)]),
            ("POST /api/sign-out", vec![(204, String::new(), 0)]),
            ("/delivery/retry", vec![(200, r#"{"requeued":2}"#.into(), 0)]),
            ("PUT /api/journeys/7/definition", vec![(200, serde_json::to_string(&paused_detail()).unwrap(), 0)]),
        ],
    );
    assert_eq!(api::me().await.unwrap().user.role, Role::Viewer);
    assert_eq!(api::sign_out().await, Ok(()));
    assert_eq!(api::retry_journey_delivery(journey_core::journey::JourneyId(7)).await.unwrap().requeued, 2);
    let save = journey_core::api::SaveDefinitionRequest {
        expected_version: 3,
        definition: paused_detail().definition,
        moves: vec![],
        apply_new_waits: false,
    };
    assert_eq!(api::save_definition(journey_core::journey::JourneyId(7), &save).await.unwrap().version, 3);

    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    for r in &requests {
        assert_eq!(r["console"], "1", "{r}");
        if r["seen"].as_str().unwrap().starts_with("POST") || r["seen"].as_str().unwrap().starts_with("PUT") {
            assert_eq!(r["type"], "application/json", "{r}");
        }
    }
}

#[wasm_bindgen_test]
async fn errors_of_sign_in_and_roles_read_as_sentences() {
    let http = |status, code: &str, message: &str| ApiError::Http {
        status,
        code: code.into(),
        message: message.into(),
        current_version: None,
    };
    let expired = http(401, "unauthenticated", "");
    assert!(expired.is_unauthenticated());
    assert_eq!((expired.title(), expired.detail()), ("You are signed out".into(), "Sign in again to continue.".into()));
    assert!(!http(401, "invalid_credentials", "The email or password is not right.").is_unauthenticated());
    let forbidden = http(403, "forbidden", "Only operators and admins may do this.");
    assert_eq!(forbidden.title(), "Your role does not allow this");
    assert_eq!(forbidden.detail(), "Only operators and admins may do this.");
    assert_eq!(http(429, "rate_limited", "").title(), "Too many attempts");
}

#[wasm_bindgen_test]
async fn sign_in_sends_once_while_waiting_and_shows_the_servers_sentence() {
    use journey_console::pages::sign_in::SignInPage;
    use leptos_router::components::{Route, Router, Routes};

    let server = FakeServer::start(
        "/sign-in?next=%2Fengage%2Fjourneys%2F7",
        vec![("POST /api/sign-in", vec![(401, error_json("invalid_credentials", "The email or password is not right."), 100)])],
    );
    let root = container();
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        Session::provide(SessionState::SignedOut);
        view! {
            <Router>
                <Routes fallback=|| "no route">
                    <Route path=journey_console::routes::SIGN_IN view=SignInPage/>
                </Routes>
            </Router>
        }
    });
    settle().await;

    assert!(root.text_content().unwrap().contains("Sign in to Engage"));
    let email = get(&root, "sign-in-email");
    assert_eq!(email.get_attribute("type").as_deref(), Some("email"));
    assert_eq!(email.get_attribute("autocomplete").as_deref(), Some("username"));
    let password = get(&root, "sign-in-password");
    assert_eq!(password.get_attribute("type").as_deref(), Some("password"));
    assert_eq!(password.get_attribute("autocomplete").as_deref(), Some("current-password"));
    wait_until("the focus in the email field", || has_focus(&email)).await;

    type_into(&root, "sign-in-email", "vera@example.com");
    type_into(&root, "sign-in-password", "wrong");
    let button = get(&root, "sign-in-button");
    button.click();
    settle().await;
    assert!(is_disabled(&button), "Sign in is disabled while the request is out");
    assert_eq!(text(&root, "sign-in-button"), "Signing in…");
    // A second submit in the meantime (Enter, or a script) sends nothing more.
    let form = get(&root, "sign-in-form");
    let request_submit = js_sys::Reflect::get(&form, &"requestSubmit".into()).unwrap();
    request_submit.unchecked_into::<js_sys::Function>().call0(&form).unwrap();

    wait_until("the error", || find(&root, "sign-in-error").is_some()).await;
    assert_eq!(text(&root, "sign-in-error"), "The email or password is not right.");
    assert_eq!(get(&root, "sign-in-error").get_attribute("role").as_deref(), Some("alert"));
    assert!(!is_disabled(&button));
    assert_eq!(server.requests_to("POST /api/sign-in").len(), 1);
    assert_eq!(page_url(), "/sign-in?next=%2Fengage%2Fjourneys%2F7", "still on the sign-in page");
    root.remove();
}

#[wasm_bindgen_test]
async fn a_session_that_ends_on_the_summary_signs_in_and_returns_with_the_same_idempotency_key() {
    let mut snapshot = journey_core::samples::daily_kolkata_snapshot();
    snapshot.taken_at = journey_console::format::now();
    let summary = "/engage/journeys/7/summary?mode=resume&wait=extend_by_pause";
    let server = FakeServer::start(
        summary,
        vec![
            ("GET /api/me", vec![(200, session_json(Role::Operator), 0)]),
            ("/snapshot", vec![(200, serde_json::to_string(&snapshot).unwrap(), 0)]),
            (
                "POST /api/journeys/7/activate",
                vec![
                    (401, error_json("unauthenticated", "Sign in to continue."), 0),
                    (409, error_json("version_conflict", "The journey changed."), 0),
                ],
            ),
            ("POST /api/sign-in", vec![(200, session_json(Role::Operator), 0)]),
        ],
    );
    let root = container();
    let _handle = leptos::mount::mount_to(root.clone(), journey_console::App);
    let ready = || find(&root, "activate-journey-button").is_some_and(|b| !is_disabled(&b));
    wait_until("the summary", ready).await;
    get(&root, "activate-journey-button").click();

    wait_until("the sign-in page", || find(&root, "sign-in-form").is_some()).await;
    assert_eq!(page_url(), format!("/sign-in?next={}", js_sys::encode_uri_component(summary)));
    assert!(find(&root, "nav-journey").is_none(), "no navigation for a signed-out person");
    wait_until("the focus in the email field", || has_focus(&get(&root, "sign-in-email"))).await;
    type_into(&root, "sign-in-email", "operator@example.com");
    type_into(&root, "sign-in-password", "demo-operator");
    get(&root, "sign-in-button").click();

    wait_until("the summary again", ready).await;
    assert_eq!(page_url(), summary, "back on the same summary, same choices");
    assert_eq!(text(&root, "user-who"), "Otto Operator · operator");
    get(&root, "activate-journey-button").click();
    wait_until("the second activation", || server.requests_to("/activate").len() == 2).await;

    let keys: Vec<_> = server.requests_to("/activate").iter().map(|r| r["key"].as_str().unwrap().to_string()).collect();
    assert!(!keys[0].is_empty());
    assert_eq!(keys[0], keys[1], "the resent activation carries the first one's key");
    root.remove();
}

/// The journey page as `role` sees it, for a journey in `state`; unmounted when the returned
/// guard drops.
async fn journey_page_as(role: Role, state: JourneyState) -> (web_sys::HtmlElement, FakeServer, Box<dyn std::any::Any>) {
    journey_page_with(role, state, |_| {}).await
}

/// [`journey_page_as`] with the journey's detail changed by `change` first.
async fn journey_page_with(
    role: Role,
    state: JourneyState,
    change: impl FnOnce(&mut journey_core::api::JourneyDetail),
) -> (web_sys::HtmlElement, FakeServer, Box<dyn std::any::Any>) {
    journey_page_serving(role, state, change, vec![]).await
}

/// [`journey_page_with`], the server also answering `routes` (matched first).
async fn journey_page_serving(
    role: Role,
    state: JourneyState,
    change: impl FnOnce(&mut journey_core::api::JourneyDetail),
    routes: Vec<(&str, Vec<Answer>)>,
) -> (web_sys::HtmlElement, FakeServer, Box<dyn std::any::Any>) {
    use journey_console::pages::journey::JourneyPage;
    use journey_console::routes::{JOURNEY, JOURNEY_INDEX};
    use leptos_router::components::{ParentRoute, Route, Router, Routes};

    let mut detail = journey_core::api::JourneyDetail {
        id: journey_core::journey::JourneyId(7),
        version: 3,
        name: "Onboarding".into(),
        state,
        definition: journey_core::samples::onboarding("Asia/Kolkata", journey_core::samples::daily_at_14()),
        node_counts: vec![],
        schedule_text: "Every day at 14:00".into(),
        activity: vec![],
        generation: journey_core::membership::Generation(1),
        next_run_at: None,
        frozen_at: None,
        last_run_at: None,
        definition_version: 1,
        activated_definition_version: 1,
        applying: false,
        pending: None,
    };
    change(&mut detail);
    let mut routes = routes;
    routes.push(("/delivery", vec![(200, DELIVERY_JSON.into(), 0)]));
    routes.push(("GET /api/journeys/7", vec![(200, serde_json::to_string(&detail).unwrap(), 0)]));
    let server = FakeServer::start("/engage/journeys/7", routes);
    let root = container();
    let mount_root = root.clone();
    let handle = leptos::mount::mount_to(mount_root, move || {
        Session::provide(SessionState::SignedIn(person(role)));
        view! {
            <Router>
                <Routes fallback=|| "no route">
                    <ParentRoute path=JOURNEY view=JourneyPage>
                        <Route path=JOURNEY_INDEX view=|| ()/>
                    </ParentRoute>
                </Routes>
            </Router>
        }
    });
    wait_until("the delivery card", || find(&root, "delivery-retry-all").is_some()).await;
    (root, server, Box::new(handle))
}

#[wasm_bindgen_test]
async fn the_journey_page_says_when_an_activation_is_still_moving_contacts_and_what_it_executed() {
    use journey_core::api::ActivityEntry;
    use journey_core::plan::{ActivationCounts, ActivationMode};
    let (root, _server, _mounted) = journey_page_with(Role::Operator, JourneyState::Active, |d| {
        d.applying = true;
        d.activity = vec![ActivityEntry {
            at: "2026-01-01T08:30:00Z".parse().unwrap(),
            actor: "system".into(),
            from: Some(JourneyState::Active),
            to: JourneyState::Active,
            mode: Some(ActivationMode::Restart),
            counts: Some(ActivationCounts { entering: Some(6), exited_by_restart: 5, ..Default::default() }),
            action: Some("applied".into()),
            definition_version: None,
            note: Some("6 contacts entered, not the 7 planned".into()),
            release: None,
        }];
    })
    .await;
    assert!(get(&root, "applying-note").text_content().unwrap().contains("still moving contacts in batches"));
    let log = get(&root, "activity-log").text_content().unwrap();
    assert!(log.contains("Finished moving the contacts for the restart"), "{log}");
    assert!(log.contains("6 entering") && log.contains("6 contacts entered, not the 7 planned"), "{log}");
    root.remove();
}

/// The journey page's buttons that change the journey, by its state.
const JOURNEY_BUTTONS: [(JourneyState, &[&str]); 2] =
    [(JourneyState::Active, &["pause-button", "stop-button"]), (JourneyState::Paused, &["activate-button", "edit-button"])];

const VIEWER_NOTE: &str = "You are signed in as a viewer. Only operators and admins may do this.";

#[wasm_bindgen_test]
async fn a_viewer_sees_activate_pause_stop_and_retry_disabled_with_who_may() {
    for (state, buttons) in JOURNEY_BUTTONS {
        let (root, _server, _mounted) = journey_page_as(Role::Viewer, state).await;
        for b in buttons.iter().chain(&["delivery-retry-all", "delivery-retry"]) {
            assert!(is_disabled(&get(&root, b)), "{b} is disabled for a viewer ({state:?})");
        }
        let notes: Vec<String> = (0..root.query_selector_all("[data-testid=role-note]").unwrap().length())
            .map(|i| root.query_selector_all("[data-testid=role-note]").unwrap().item(i).unwrap().text_content().unwrap())
            .collect();
        assert_eq!(notes, [VIEWER_NOTE, VIEWER_NOTE], "one note by the page's buttons, one in the Delivery card");
        let described = get(&root, buttons[0]).get_attribute("aria-describedby").unwrap();
        assert_eq!(text_by_id(&root, &described), VIEWER_NOTE);
        root.remove();
    }
}

#[wasm_bindgen_test]
async fn an_operator_sees_them_enabled_without_a_note() {
    for (state, buttons) in JOURNEY_BUTTONS {
        let (root, _server, _mounted) = journey_page_as(Role::Operator, state).await;
        for b in buttons.iter().chain(&["delivery-retry-all", "delivery-retry"]) {
            assert!(!is_disabled(&get(&root, b)), "{b} is enabled for an operator ({state:?})");
        }
        assert!(find(&root, "role-note").is_none());
        get(&root, buttons[0]).click();
        settle().await;
        assert!(find(&root, "confirm-dialog").is_some() || page_url().ends_with("/activate"), "{} does what it says", buttons[0]);
        root.remove();
    }
}

fn text_by_id(root: &web_sys::HtmlElement, id: &str) -> String {
    root.query_selector(&format!("#{id}")).unwrap().unwrap().text_content().unwrap()
}

#[wasm_bindgen_test]
async fn edit_is_offered_on_a_paused_journey_and_explained_on_an_active_one() {
    let (root, _server, _mounted) = journey_page_as(Role::Operator, JourneyState::Paused).await;
    get(&root, "edit-button").click();
    wait_until("the editor's URL", || page_url() == "/engage/journeys/7/edit").await;
    root.remove();

    for role in [Role::Operator, Role::Viewer] {
        let (root, _server, _mounted) = journey_page_as(role, JourneyState::Active).await;
        let edit = get(&root, "edit-button");
        assert!(is_disabled(&edit), "an Active journey is paused before it is edited ({role:?})");
        let described = edit.get_attribute("aria-describedby").unwrap();
        assert_eq!(text_by_id(&root, described.split(' ').next().unwrap()), "Pause the journey to edit it.");
        root.remove();
    }
}

// ---- The editor ----

use journey_console::components::editor::Editor;
use journey_core::api::{JourneyDetail, SaveDefinitionRequest};
use journey_core::edit::{Destination, NodeMove, PendingEdit};
use journey_core::journey::{NodeId, NodeKind};
use journey_core::snapshot::NodeCount;

/// The onboarding journey, Paused at version 3, with 100 contacts waiting and 12 at the push.
fn paused_detail() -> JourneyDetail {
    JourneyDetail {
        id: journey_core::journey::JourneyId(7),
        version: 3,
        name: "Onboarding series".into(),
        state: JourneyState::Paused,
        definition: journey_core::samples::onboarding("Asia/Kolkata", journey_core::samples::daily_at_14()),
        node_counts: vec![
            NodeCount { node: NodeId::new("wait"), count: 100 },
            NodeCount { node: NodeId::new("push"), count: 12 },
        ],
        schedule_text: "Every day at 14:00".into(),
        activity: vec![],
        generation: journey_core::membership::Generation(1),
        next_run_at: None,
        frozen_at: None,
        last_run_at: None,
        definition_version: 2,
        activated_definition_version: 1,
        applying: false,
        pending: None,
    }
}

/// The editor mounted alone: what SAVE sent and where leaving went, as they happen.
struct MountedEditor {
    root: web_sys::HtmlElement,
    saved: Shared<Option<SaveDefinitionRequest>>,
    left_for: Shared<Option<String>>,
    _handle: Box<dyn std::any::Any>,
}

async fn mount_editor() -> MountedEditor {
    let root = container();
    let (saved, left_for) = (Shared::new(None), Shared::new(None));
    let (s, l) = (saved.clone(), left_for.clone());
    let handle = leptos::mount::mount_to(root.clone(), move || {
        let (s, l) = (s.clone(), l.clone());
        view! {
            <Editor journey=paused_detail()
                on_save=Callback::new(move |r| s.set(Some(r)))
                on_leave=Callback::new(move |path| l.set(Some(path)))/>
        }
    });
    settle().await;
    MountedEditor { root, saved, left_for, _handle: Box::new(handle) }
}

/// The field `testid` of the step `node`.
fn step_field(root: &web_sys::HtmlElement, node: &str, testid: &str) -> web_sys::HtmlElement {
    root.query_selector(&format!("[data-node-id=\"{node}\"] [data-testid=\"{testid}\"]"))
        .unwrap()
        .unwrap_or_else(|| panic!("no {testid} in step {node}"))
        .unchecked_into()
}

/// Sets a field's value as typing or choosing would, firing the event the page listens to.
async fn enter(field: &web_sys::HtmlElement, value: &str) {
    let event = if field.tag_name() == "SELECT" { "change" } else { "input" };
    js_sys::Reflect::set(field, &"value".into(), &value.into()).unwrap();
    let fire = js_sys::Function::new_with_args("el, type", "el.dispatchEvent(new Event(type, { bubbles: true }))");
    fire.call2(&wasm_bindgen::JsValue::NULL, field, &event.into()).unwrap();
    settle().await;
}

fn flow_nodes(root: &web_sys::HtmlElement) -> Vec<String> {
    let list = root.query_selector_all("[data-testid=flow-node]").unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().unchecked_into::<web_sys::Element>().get_attribute("data-node-id").unwrap())
        .collect()
}

#[wasm_bindgen_test]
async fn a_template_change_enables_save_and_sends_the_new_definition_with_the_version_shown() {
    let editor = mount_editor().await;
    let root = &editor.root;
    let save = get(root, "save-button");
    assert!(is_disabled(&save), "nothing changed yet");
    assert_eq!(text(root, "editor-status"), "No changes yet.");

    enter(&step_field(root, "welcome", "step-template"), "").await;
    assert!(is_disabled(&save));
    assert!(text(root, "editor-problem").contains("The template name must not be empty."), "the rules crate's sentence");

    enter(&step_field(root, "welcome", "step-template"), "welcome-v2").await;
    assert!(find(root, "editor-problem").is_none());
    assert!(!is_disabled(&save), "a template change can be saved");
    let welcome = root.query_selector("[data-testid=flow-node][data-node-id=welcome]").unwrap().unwrap();
    assert!(welcome.text_content().unwrap().contains("welcome-v2"), "the flow shows the draft");

    save.click();
    settle().await;
    let sent = editor.saved.get().expect("SAVE hands the request to the page");
    assert_eq!(sent.expected_version, 3);
    assert!(sent.moves.is_empty());
    let welcome = sent.definition.nodes.iter().find(|n| n.id.as_str() == "welcome").unwrap();
    assert!(matches!(&welcome.kind, NodeKind::Send { template, .. } if template == "welcome-v2"));
    root.remove();
}

#[wasm_bindgen_test]
async fn removing_a_step_with_contacts_cannot_be_saved_until_their_destination_is_chosen() {
    let editor = mount_editor().await;
    let root = &editor.root;
    step_field(root, "push", "step-remove").click();
    settle().await;

    assert!(!flow_nodes(root).contains(&"push".to_string()), "the flow drops the step: {:?}", flow_nodes(root));
    let sentence =
        "The node \"push\" is removed but 12 contacts stand there: choose where they go (another node, or out of the journey).";
    assert!(text(root, "editor-problem").ends_with(sentence), "{}", text(root, "editor-problem"));
    assert!(is_disabled(&get(root, "save-button")));
    get(root, "save-button").click();
    settle().await;
    assert_eq!(editor.saved.get(), None, "nothing is sent");

    enter(&get(root, "move-push"), "exit").await;
    assert!(find(root, "editor-problem").is_none());
    assert!(!is_disabled(&get(root, "save-button")));
    get(root, "save-button").click();
    settle().await;
    let sent = editor.saved.get().unwrap();
    assert_eq!(sent.moves, vec![NodeMove { from: NodeId::new("push"), to: Destination::Exit }]);
    assert!(sent.definition.node(&NodeId::new("push")).is_none());

    // Another step instead: the choice is kept as a move to it.
    enter(&get(root, "move-push"), "node:sms").await;
    get(root, "save-button").click();
    settle().await;
    assert_eq!(
        editor.saved.get().unwrap().moves,
        vec![NodeMove { from: NodeId::new("push"), to: Destination::Node { node: NodeId::new("sms") } }]
    );
    root.remove();
}

#[wasm_bindgen_test]
async fn a_changed_wait_offers_to_apply_it_to_contacts_already_waiting() {
    let editor = mount_editor().await;
    let root = &editor.root;
    assert!(find(root, "apply-new-waits").is_none(), "no wait changed yet");
    assert_eq!(step_field(root, "wait", "step-wait-amount").unchecked_into::<web_sys::HtmlInputElement>().value(), "2");
    enter(&step_field(root, "wait", "step-wait-unit"), "60").await;
    get(root, "apply-new-waits").click();
    settle().await;
    get(root, "save-button").click();
    settle().await;
    let sent = editor.saved.get().unwrap();
    let wait = sent.definition.node(&NodeId::new("wait")).unwrap();
    assert!(matches!(wait.kind, NodeKind::Wait { minutes: 120, .. }), "2 hours: {wait:?}");
    assert!(sent.apply_new_waits);
    root.remove();
}

#[wasm_bindgen_test]
async fn an_added_step_is_wired_after_the_chosen_step() {
    let editor = mount_editor().await;
    let root = &editor.root;
    enter(&get(root, "add-kind"), "wait").await;
    enter(&get(root, "add-place"), "after:welcome").await;
    get(root, "add-step").click();
    settle().await;
    assert_eq!(flow_nodes(root)[..3], ["welcome", "wait-1", "wait"], "the new wait sits between the welcome and the old wait");
    get(root, "save-button").click();
    settle().await;
    let sent = editor.saved.get().expect("a new one-day wait is valid as it is");
    assert!(
        matches!(&sent.definition.node(&NodeId::new("welcome")).unwrap().kind, NodeKind::Send { next: Some(n), .. } if n.as_str() == "wait-1")
    );
    root.remove();
}

#[wasm_bindgen_test]
async fn leaving_with_unsaved_changes_asks_first() {
    let editor = mount_editor().await;
    let root = &editor.root;
    get(root, "cancel-edit").click();
    settle().await;
    assert_eq!(editor.left_for.get().as_deref(), Some("/engage/journeys/7"), "nothing to lose: no question");

    editor.left_for.set(None);
    enter(&get(root, "edit-name"), "Onboarding series 2").await;
    get(root, "cancel-edit").click();
    settle().await;
    assert!(find(root, "confirm-dialog").is_some(), "unsaved changes: asked first");
    assert_eq!(editor.left_for.get(), None);
    get(root, "confirm-cancel").click();
    settle().await;
    assert!(find(root, "confirm-dialog").is_none());
    assert_eq!(editor.left_for.get(), None, "Cancel keeps editing");

    // A link elsewhere in the page asks too.
    let link = root.query_selector(".breadcrumb a").unwrap().unwrap().unchecked_into::<web_sys::HtmlElement>();
    link.click();
    settle().await;
    get(root, "confirm-ok").click();
    settle().await;
    assert_eq!(editor.left_for.get().as_deref(), Some("/engage/journeys?tab=active"));
    root.remove();
}

#[wasm_bindgen_test]
async fn the_summary_lists_what_changed_since_the_last_activation() {
    let mut snapshot = journey_core::samples::daily_kolkata_snapshot();
    let before = snapshot.definition.clone();
    // Saved since: the welcome's template, and the push step removed (its 5 contacts leave).
    let mut after = before.clone();
    after.nodes.retain(|n| n.id.as_str() != "push");
    for n in &mut after.nodes {
        match &mut n.kind {
            NodeKind::Send { template, .. } if n.id.as_str() == "welcome" => *template = "welcome-v2".into(),
            NodeKind::Condition { yes, .. } => *yes = None,
            _ => {}
        }
    }
    snapshot.definition = after;
    snapshot.edit = Some(PendingEdit {
        activated_version: 1,
        saved_version: 2,
        activated: before,
        moves: vec![NodeMove { from: NodeId::new("push"), to: Destination::Exit }],
        apply_new_waits: false,
        sent: vec![NodeCount { node: NodeId::new("welcome"), count: 400 }],
        other_choice_waits: Vec::new(),
    });
    let t = snapshot.zone.to_instant(date(2026, 1, 1).at(14, 0, 0, 0)).unwrap();
    let plan = plan_activation(&snapshot, t, ActivationMode::Resume, WaitHandling::KeepDeadlines).unwrap();
    let lines = journey_core::edit::describe(&snapshot, &plan);
    assert!(lines.len() >= 2, "{lines:?}");

    let root = container();
    let snap = snapshot.clone();
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        view! { <SummaryView snapshot=Signal::stored(snap.clone()) plan=Signal::stored(Ok::<_, journey_core::plan::PlanError>(plan.clone()))/> }
    });
    settle().await;

    let section = get(&root, "summary-changes");
    assert!(section.text_content().unwrap().contains("Changed since the last activation"));
    let rows = root.query_selector_all("[data-testid=summary-change]").unwrap();
    assert_eq!(rows.length() as usize, lines.len());
    for (i, line) in lines.iter().enumerate() {
        let row = rows.item(i as u32).unwrap().text_content().unwrap();
        assert!(row.contains(&line.text) && row.ends_with(&count(line.contacts)), "{row} is {line:?}");
    }
    let welcome = lines.iter().find(|l| l.text.starts_with("welcome changed")).expect("the content change is listed");
    assert_eq!(welcome.contacts, 400, "who already received it");
    assert_eq!(text(&root, "summary-exited-by-edit"), "5");
    root.remove();
}

/// Sets an input's value and fires `change`, as a person typing and leaving the field.
fn type_value(input: &web_sys::HtmlElement, value: &str) {
    js_sys::Reflect::set(input, &"value".into(), &value.into()).unwrap();
    let fire = js_sys::Function::new_with_args("el", "el.dispatchEvent(new Event('change', { bubbles: true }))");
    fire.call1(&wasm_bindgen::JsValue::NULL, input).unwrap();
}

/// The chart's bars' message counts and the table's, in order.
fn chart_and_table(root: &web_sys::HtmlElement) -> (Vec<u64>, Vec<String>) {
    let bars = root.query_selector_all("[data-testid=volume-bar]").unwrap();
    let bars = (0..bars.length())
        .map(|i| {
            bars.item(i).unwrap().unchecked_into::<web_sys::Element>().get_attribute("data-messages").unwrap().parse().unwrap()
        })
        .collect();
    let cells = root.query_selector_all("[data-testid=volume-row-messages]").unwrap();
    let cells = (0..cells.length()).map(|i| cells.item(i).unwrap().text_content().unwrap()).collect();
    (bars, cells)
}

#[wasm_bindgen_test]
async fn the_volume_chart_and_table_show_the_rules_crate_numbers_and_redraw_when_the_pace_changes() {
    use journey_core::journey::{NodeId, NodeKind};
    use journey_core::release::{ReleasePolicy, volume};
    // The seed's journey with 1,200 contacts whose wait ended while paused; after the wait, a
    // message (push) straight away.
    let mut snapshot = journey_core::samples::daily_kolkata_snapshot();
    if let Some(NodeKind::Wait { next, .. }) =
        snapshot.definition.nodes.iter_mut().find(|n| n.id.0 == "wait").map(|n| &mut n.kind)
    {
        *next = Some(NodeId::new("push"));
    }
    with_backlog_at_wait(&mut snapshot, 1_200);
    // Nobody new enters at the 14:00 run, half an hour later: the chart is the backlog alone.
    snapshot.audience = Default::default();
    let t = snapshot.taken_at;
    let plan = plan_activation(&snapshot, t, ActivationMode::Resume, WaitHandling::KeepDeadlines).unwrap();
    assert_eq!(plan.overdue, 1_200);

    let root = container();
    let release = RwSignal::new(ReleasePolicy::SpreadOver { hours: 3 });
    let (snap, shown) = (snapshot.clone(), plan.clone());
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        view! {
            <SummaryView snapshot=Signal::stored(snap.clone()) plan=Signal::stored(Ok::<_, journey_core::plan::PlanError>(shown.clone()))
                release on_release_change=Callback::new(move |r| release.set(r))/>
        }
    });
    settle().await;

    let expect = |policy: ReleasePolicy| -> (Vec<u64>, Vec<String>) {
        let v = volume(&snapshot, &plan, policy);
        (v.hours.iter().map(|h| h.messages).collect(), v.hours.iter().map(|h| count(h.messages)).collect())
    };
    let spread = chart_and_table(&root);
    assert_eq!(spread, expect(ReleasePolicy::SpreadOver { hours: 3 }));
    assert_eq!(&spread.0[..4], [400, 400, 400, 0], "a third of the backlog each hour");
    assert_eq!(text(&root, "volume-summary"), "1,200 messages in the next 24 hours, at most 400 in one hour.");
    assert!(
        text(&root, "volume-notes").contains("1,200 contacts released evenly over 3 hours"),
        "{}",
        text(&root, "volume-notes")
    );
    assert!(text(&root, "summary-warnings").contains("will move on over 3 hours, at most 400 in one hour"));

    // All at once: everything in the first hour, redrawn from the same snapshot.
    get(&root, "release-all").click();
    settle().await;
    assert_eq!(release.get_untracked(), ReleasePolicy::AllAtOnce);
    let all = chart_and_table(&root);
    assert_eq!(all, expect(ReleasePolicy::AllAtOnce));
    assert_eq!(all.0[0], 1_200);
    assert!(text(&root, "summary-warnings").contains("will move on at once"));

    // At most 500 an hour.
    get(&root, "release-capped").click();
    settle().await;
    type_value(&get(&root, "release-limit"), "500");
    settle().await;
    assert_eq!(release.get_untracked(), ReleasePolicy::PerHour { limit: 500 });
    let capped = chart_and_table(&root);
    assert_eq!(capped, expect(ReleasePolicy::PerHour { limit: 500 }));
    assert_eq!(&capped.0[..4], [500, 500, 200, 0]);

    // A number out of range says so and changes nothing.
    type_value(&get(&root, "release-limit"), "0");
    settle().await;
    assert_eq!(text(&root, "release-problem"), "The hourly limit must be from 1 to 10,000,000.");
    assert_eq!(release.get_untracked(), ReleasePolicy::PerHour { limit: 500 });
    // A refused choice leaves the button of the policy in force checked, not the clicked one.
    type_value(&get(&root, "release-hours"), "0");
    settle().await;
    get(&root, "release-spread").click();
    settle().await;
    assert_eq!(release.get_untracked(), ReleasePolicy::PerHour { limit: 500 });
    let checked = |id: &str| get(&root, id).unchecked_into::<web_sys::HtmlInputElement>().checked();
    assert!(!checked("release-spread") && checked("release-capped"), "the checked button is the policy sent");
    assert_eq!(text(&root, "release-problem"), "Spread the backlog over 1 to 72 hours.");
    root.remove();
}

#[wasm_bindgen_test]
async fn a_run_moved_by_a_dst_gap_or_in_a_repeated_hour_says_why_beside_its_time() {
    use journey_core::jiff::civil::time;
    use journey_core::schedule::{Frequency, Schedule, ScheduleEnd};
    // Daily at 02:30 in Berlin, resumed on 24 October 2026: the 25th has 02:30 twice.
    let zone = journey_core::zone::Zone::bundled("Europe/Berlin").unwrap();
    let schedule = Schedule::Recurring {
        frequency: Frequency::Daily,
        time_of_day: time(2, 30, 0, 0),
        start_date: date(2026, 1, 1),
        end: ScheduleEnd::Never,
    };
    let t = zone.to_instant(date(2026, 10, 24).at(12, 0, 0, 0)).unwrap();
    let snapshot = journey_core::samples::paused_snapshot(
        journey_core::samples::onboarding("Europe/Berlin", schedule),
        zone,
        t,
        t - journey_core::jiff::SignedDuration::from_hours(2),
    );
    let plan = plan_activation(&snapshot, t, ActivationMode::Resume, WaitHandling::KeepDeadlines).unwrap();
    let root = container();
    let snap = snapshot.clone();
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        view! { <SummaryView snapshot=Signal::stored(snap.clone()) plan=Signal::stored(Ok::<_, journey_core::plan::PlanError>(plan.clone()))/> }
    });
    settle().await;
    let flags = root.query_selector_all("[data-testid=run-flag]").unwrap();
    assert_eq!(flags.length(), 1, "only the 25th: {}", root.inner_html());
    assert!(text(&root, "summary-next-run").starts_with("Sun 25 Oct 2026, 02:30"), "{}", text(&root, "summary-next-run"));
    assert_eq!(
        flags.item(0).unwrap().text_content().unwrap(),
        "⚑ 02:30 happens twice that day (clocks go back): runs once, the first time."
    );
    root.remove();
}

#[wasm_bindgen_test]
async fn a_send_step_can_be_given_a_stale_message_guard_in_hours() {
    let editor = mount_editor().await;
    let root = &editor.root;
    enter(&step_field(root, "push", "step-stale-hours"), "0").await;
    assert!(
        text(root, "editor-problem").contains("Only a message step can skip late messages"),
        "{}",
        text(root, "editor-problem")
    );
    assert!(is_disabled(&get(root, "save-button")));
    enter(&step_field(root, "push", "step-stale-hours"), "6").await;
    assert!(find(root, "editor-problem").is_none());
    get(root, "save-button").click();
    settle().await;
    let sent = editor.saved.get().expect("SAVE hands the request to the page");
    let push = sent.definition.node(&NodeId::new("push")).unwrap();
    assert_eq!(push.stale_after_minutes, Some(360), "six hours, in minutes");
    root.remove();
}

#[wasm_bindgen_test]
async fn the_explain_box_tells_each_contact_what_the_rules_crate_says_and_retells_it_when_the_pace_changes() {
    use journey_console::components::explain_contact::{ExplainBox, Lookup};
    use journey_console::format::in_viewer_zone;
    use journey_core::explain::{ContactFacts, MembershipFacts, explain};
    use journey_core::journey::{ContactId, NodeId};
    use journey_core::membership::Generation;
    use journey_core::release::ReleasePolicy;
    let mut snapshot = journey_core::samples::daily_kolkata_snapshot();
    with_backlog_at_wait(&mut snapshot, 1_200);
    let t = snapshot.taken_at;
    let plan = plan_activation(&snapshot, t, ActivationMode::Resume, WaitHandling::KeepDeadlines).unwrap();
    let overdue = ContactFacts {
        contact_id: ContactId(42),
        email: "jane@example.com".into(),
        entered_this_generation: true,
        membership: Some(MembershipFacts {
            generation: Generation(1),
            node: NodeId::new("wait"),
            wait_until: Some(t - journey_core::jiff::SignedDuration::from_hours(20)),
            late_since: None,
            due_before_at_node: 899,
        }),
        ..ContactFacts::example()
    };

    let root = container();
    let lookup = RwSignal::new(Lookup::Idle);
    let release = RwSignal::new(ReleasePolicy::AllAtOnce);
    let asked = Shared::new(Vec::<String>::new());
    let asked_in = asked.clone();
    let (snap, shown) = (snapshot.clone(), plan.clone());
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        let asked = asked_in.clone();
        let on_ask = Callback::new(move |email: String| {
            let mut all = asked.get();
            all.push(email);
            asked.set(all);
        });
        view! {
            <SummaryView snapshot=Signal::stored(snap.clone()) plan=Signal::stored(Ok::<_, journey_core::plan::PlanError>(shown.clone()))
                release explain=ExplainBox { lookup: Signal::from(lookup), email: RwSignal::new(String::new()), on_ask }/>
        }
    });
    settle().await;
    enter(&get(&root, "explain-email-input"), "Jane@Example.com").await;
    get(&root, "explain-button").click();
    settle().await;
    assert_eq!(asked.get(), ["Jane@Example.com"]);

    let said = |facts: &ContactFacts, policy: ReleasePolicy| {
        explain(&snapshot, &plan, policy, facts, &|t| format!("{} your time", in_viewer_zone(t))).sentence
    };
    // Overdue, all at once, then spread over 3 hours (rank 899 of 1,200: the third hour).
    lookup.set(Lookup::Found(overdue.clone()));
    settle().await;
    assert_eq!(text(&root, "explain-sentence"), said(&overdue, ReleasePolicy::AllAtOnce));
    assert!(text(&root, "explain-sentence").contains("it moves on at activation"));
    release.set(ReleasePolicy::SpreadOver { hours: 3 });
    settle().await;
    assert_eq!(text(&root, "explain-sentence"), said(&overdue, ReleasePolicy::SpreadOver { hours: 3 }));
    assert!(text(&root, "explain-sentence").contains("(release hour 3)"), "{}", text(&root, "explain-sentence"));
    assert_eq!(asked.get().len(), 1, "retold without asking again");

    // Continuing (its wait ends later), unsubscribed, unknown.
    let mut waiting = overdue.clone();
    if let Some(m) = waiting.membership.as_mut() {
        m.wait_until = Some(t + journey_core::jiff::SignedDuration::from_hours(5));
    }
    lookup.set(Lookup::Found(waiting.clone()));
    settle().await;
    assert!(
        text(&root, "explain-sentence").starts_with("Continues at Wait 2 days: its wait ends"),
        "{}",
        text(&root, "explain-sentence")
    );
    let unsubscribed = ContactFacts { subscribed: false, ..overdue.clone() };
    lookup.set(Lookup::Found(unsubscribed));
    settle().await;
    assert_eq!(text(&root, "explain-sentence"), "Unsubscribed: never enters and receives nothing from this journey.");
    lookup.set(Lookup::Failed(ApiError::Http {
        status: 404,
        code: "not_found".into(),
        message: "No contact has this email address.".into(),
        current_version: None,
    }));
    settle().await;
    assert_eq!(text(&root, "explain-unknown"), "No contact has this email address.");
    root.remove();
}

/// `n` contacts at the seed journey's wait, every one of whose waits ended before the pause.
fn with_backlog_at_wait(snapshot: &mut journey_core::snapshot::JourneySnapshot, n: u64) {
    use journey_core::journey::NodeId;
    use journey_core::snapshot::{NodeCount, WaitDeadlines};
    snapshot.nodes = vec![NodeCount { node: NodeId::new("wait"), count: n }];
    snapshot.waits = vec![WaitDeadlines {
        node: NodeId::new("wait"),
        due_by_frozen_at: n,
        due_by_taken_at: n,
        per_minute: vec![],
        beyond_horizon: 0,
        late_per_minute: vec![],
        late_older: 0,
    }];
}

// ---- Activations that wait: later, or for a second person's approval ----

use journey_core::api::{JourneyRow, PendingActivation, PendingResponse, PendingRow, PendingStatus};
use journey_core::jiff::{SignedDuration, Timestamp};
use journey_core::pending::{ApprovalNeed, DriftGuard, PlanFigures};
use journey_core::plan::ActivationCounts;
use journey_core::release::ReleasePolicy;
use journey_core::zone::Zone;

/// Mon 30 Nov 2026, 09:00 in Berlin.
const MONDAY_9_BERLIN: &str = "2026-11-30T08:00:00Z";

fn berlin() -> Zone {
    Zone::bundled("Europe/Berlin").unwrap()
}

/// `GET /api/zone?name=Europe/Berlin`, answered.
fn berlin_route() -> (&'static str, Vec<Answer>) {
    ("GET /api/zone?name=Europe%2FBerlin", vec![(200, serde_json::to_string(&berlin()).unwrap(), 0)])
}

/// A waiting Resume asked for by user `requested_by_id`, with its figures projected to Monday
/// 09:00 in Berlin (none when it waits for approval to run at once).
fn pending(status: PendingStatus, requested_by_id: u64) -> PendingActivation {
    let run_at: Timestamp = MONDAY_9_BERLIN.parse().unwrap();
    let requested_at: Timestamp = "2026-11-26T10:15:00Z".parse().unwrap();
    let counts =
        ActivationCounts { continuing: 12_450, overdue: 1_200, entering: Some(300), suppressed: 96, ..Default::default() };
    PendingActivation {
        id: 41,
        status,
        mode: ActivationMode::Resume,
        wait_handling: WaitHandling::KeepDeadlines,
        release: ReleasePolicy::SpreadOver { hours: 3 },
        run_at: Some(run_at),
        drift_guard: Some(DriftGuard { percent: 20 }),
        requested_by: "Omar Haddad <operator@example.com>".into(),
        requested_by_id,
        requested_at,
        figures: PlanFigures {
            at: run_at,
            projected_from: Some(requested_at),
            counts,
            recipients: 1_500,
            first_hour: 700,
            next_run: Some("2026-11-30T13:00:00Z".parse().unwrap()),
        },
        approval: (status == PendingStatus::AwaitingApproval).then_some(ApprovalNeed {
            first_hour: 700,
            threshold: 500,
            at_least: false,
        }),
        approved_by: None,
        note: (status == PendingStatus::Held)
            .then(|| "1,500 recipients were projected and 700 are there now (53% fewer), more than the 20% allowed.".to_string()),
    }
}

/// The journey page of a Paused journey in Berlin with `pending`, as `role` (user 1) sees it.
async fn journey_page_waiting(
    role: Role,
    pending: PendingActivation,
    routes: Vec<(&str, Vec<Answer>)>,
) -> (web_sys::HtmlElement, FakeServer, Box<dyn std::any::Any>) {
    let mut routes = routes;
    routes.push(berlin_route());
    let mounted = journey_page_serving(
        role,
        JourneyState::Paused,
        move |d| {
            d.definition = journey_core::samples::onboarding("Europe/Berlin", journey_core::samples::daily_at_14());
            d.pending = Some(pending);
        },
        routes,
    )
    .await;
    let root = mounted.0.clone();
    wait_until("the panel in journey time", || find(&root, "pending-figure").is_some()).await;
    mounted
}

fn texts(root: &web_sys::HtmlElement, testid: &str) -> Vec<String> {
    let all = root.query_selector_all(&format!("[data-testid={testid}]")).unwrap();
    (0..all.length()).map(|i| all.item(i).unwrap().text_content().unwrap().trim().to_string()).collect()
}

#[wasm_bindgen_test]
async fn a_scheduled_resume_shows_when_in_journey_time_who_asked_its_projected_figures_and_can_be_cancelled() {
    let waiting = pending(PendingStatus::Scheduled, 2);
    let figures = waiting.figures.clone();
    let cancelled = serde_json::to_string(&paused_detail()).unwrap();
    let (root, server, _mounted) =
        journey_page_waiting(Role::Operator, waiting, vec![("POST /api/journeys/7/pending/cancel", vec![(200, cancelled, 0)])])
            .await;

    assert_eq!(text(&root, "pending-title"), "Resume scheduled for Mon 30 Nov 2026, 09:00 CET");
    let run_at: Timestamp = MONDAY_9_BERLIN.parse().unwrap();
    assert_eq!(text(&root, "pending-when"), format!("{} your time", journey_console::format::in_viewer_zone(run_at)));
    assert!(text(&root, "pending-requested-by").starts_with("Omar Haddad <operator@example.com> on "));
    assert_eq!(text(&root, "pending-drift"), "Held if the recipients then differ by more than 20% from the projection.");
    assert!(text(&root, "pending-figures-label").starts_with("Projected figures"));
    let shown = texts(&root, "pending-figure");
    let lines: Vec<String> = figures.lines(&berlin()).into_iter().map(|(_, v)| v).collect();
    assert_eq!(shown, lines, "journey-core's figures, in its order");
    assert!(shown.contains(&"Mon 30 Nov 2026, 14:00 CET".to_string()), "the next run in journey time: {shown:?}");
    assert!(root.text_content().unwrap().contains("Activating the journey now cancels this waiting activation."));
    assert!(find(&root, "pending-review").is_none(), "nothing to review on a scheduled activation");
    assert!(!is_disabled(&get(&root, "activate-button")), "ACTIVATE stays available");
    assert_eq!(
        get(&root, "pending-change").get_attribute("href").as_deref(),
        Some("/engage/journeys/7/summary?mode=resume&wait=keep_deadlines&release=spread-3&at=2026-11-30T09:00&drift=20"),
        "Change opens the summary with the same choices"
    );

    get(&root, "pending-cancel").click();
    settle().await;
    get(&root, "confirm-ok").click();
    wait_until("the cancel request", || !server.requests_to("/pending/cancel").is_empty()).await;
    let sent = &server.requests_to("/pending/cancel")[0];
    let body: serde_json::Value = serde_json::from_str(sent["body"].as_str().unwrap()).unwrap();
    assert_eq!(body, serde_json::json!({ "pending_id": 41, "expected_version": 3, "reason": null }));
    assert!(!sent["key"].as_str().unwrap_or_default().is_empty(), "the cancel carries an idempotency key");
    root.remove();
}

#[wasm_bindgen_test]
async fn an_activation_awaiting_approval_is_offered_for_review_to_another_operator_and_the_requester_is_told_to_wait() {
    let (root, _server, _mounted) =
        journey_page_waiting(Role::Operator, pending(PendingStatus::AwaitingApproval, 2), vec![]).await;
    assert_eq!(text(&root, "pending-title"), "Awaiting approval");
    assert!(text(&root, "pending-when").starts_with("Resume at Mon 30 Nov 2026, 09:00 CET ("), "{}", text(&root, "pending-when"));
    assert_eq!(
        text(&root, "pending-approval"),
        "This activation sends 700 messages in its first hour, more than this workspace's limit of 500: another operator or admin must approve it before it runs."
    );
    assert_eq!(get(&root, "pending-review").get_attribute("href").as_deref(), Some("/engage/journeys/7/review"));
    assert!(find(&root, "pending-own").is_none());
    root.remove();

    // User 1 asked for it: no Review, a sentence instead.
    let (root, _server, _mounted) =
        journey_page_waiting(Role::Operator, pending(PendingStatus::AwaitingApproval, 1), vec![]).await;
    assert!(find(&root, "pending-review").is_none(), "the requester cannot review their own request");
    assert_eq!(text(&root, "pending-own"), "Waiting for another operator or admin to approve.");
    assert!(!is_disabled(&get(&root, "pending-cancel")), "the requester may still cancel it");
    root.remove();

    // A viewer reads it, and may do nothing about it.
    let (root, _server, _mounted) = journey_page_waiting(Role::Viewer, pending(PendingStatus::AwaitingApproval, 2), vec![]).await;
    assert!(is_disabled(&get(&root, "pending-cancel")));
    assert!(find(&root, "pending-review").is_none() && find(&root, "pending-change").is_none());
    let described = get(&root, "pending-cancel").get_attribute("aria-describedby").unwrap();
    assert_eq!(text_by_id(&root, &described), VIEWER_NOTE);
    root.remove();
}

#[wasm_bindgen_test]
async fn a_held_activation_says_why_the_drift_guard_held_it() {
    let (root, _server, _mounted) = journey_page_waiting(Role::Operator, pending(PendingStatus::Held, 2), vec![]).await;
    assert_eq!(text(&root, "pending-title"), "Held");
    assert_eq!(
        text(&root, "pending-when"),
        "1,500 recipients were projected and 700 are there now (53% fewer), more than the 20% allowed."
    );
    assert!(find(&root, "pending-note").is_none(), "the note is said once");
    root.remove();
}

#[wasm_bindgen_test]
async fn the_activity_log_tells_each_step_of_a_waiting_activation_in_words() {
    use journey_core::api::ActivityEntry;
    let line = |action: &str, mode: ActivationMode, actor: &str, note: Option<&str>| ActivityEntry {
        at: "2026-11-26T10:15:00Z".parse().unwrap(),
        actor: actor.into(),
        from: Some(JourneyState::Paused),
        to: JourneyState::Paused,
        mode: Some(mode),
        counts: None,
        action: Some(action.into()),
        definition_version: None,
        note: note.map(str::to_string),
        release: None,
    };
    let asked = "Asked for approval of a resume at Mon 30 Nov 2026, 09:00 CET: 700 messages in its first hour, more than the limit of 500.";
    let approved = "Approved the resume Omar Haddad asked for. Reason: Checked the numbers.";
    let ran = ActivityEntry {
        to: JourneyState::Active,
        counts: Some(ActivationCounts { continuing: 12, entering: Some(3), ..Default::default() }),
        note: Some("Scheduled by Omar Haddad for Mon 30 Nov 2026, 09:00 CET; approved by Ada Admin.".into()),
        action: Some("resume".into()),
        ..line("resume", ActivationMode::Resume, "system", None)
    };
    let (root, _server, _mounted) = journey_page_with(Role::Operator, JourneyState::Active, |d| {
        d.activity = vec![
            line("request_approval", ActivationMode::Resume, "Omar Haddad", Some(asked)),
            line("approve", ActivationMode::Resume, "Ada Admin", Some(approved)),
            line("cancel_pending", ActivationMode::Restart, "Omar Haddad", None),
            ran,
        ];
    })
    .await;
    // Newest first: the resume itself, the cancel without a note, the approval, the request.
    let lines = root.query_selector_all("[data-testid=activity-log] > li").unwrap();
    let line = |i| lines.item(i).unwrap().text_content().unwrap();
    assert!(line(0).starts_with("Resumed (Paused → Active)12 continued · 3 entering · Scheduled by Omar Haddad"), "{}", line(0));
    assert!(line(1).starts_with("Cancelled the waiting restart"), "{}", line(1));
    assert!(line(2).starts_with(approved) && line(2).matches("Approved").count() == 1, "said once: {}", line(2));
    assert!(line(2).ends_with("by Ada Admin"), "{}", line(2));
    assert!(line(3).starts_with(asked), "{}", line(3));
    root.remove();
}

#[wasm_bindgen_test]
async fn the_list_badges_a_scheduled_resume_in_journey_time_and_an_activation_awaiting_approval_or_held() {
    use journey_console::pages::journeys::JourneysPage;
    use journey_core::journey::{AudienceMode, JourneyId, TriggerKind};
    use leptos_router::components::{Route, Router, Routes};
    let row = |id: u64, pending: Option<PendingRow>| JourneyRow {
        id: JourneyId(id),
        name: format!("Journey {id}"),
        state: JourneyState::Paused,
        trigger_kind: TriggerKind::Dataset,
        audience: AudienceMode::NewUsers,
        schedule_text: "Every day at 14:00".into(),
        time_zone: "Europe/Berlin".into(),
        contacts_in_journey: 10,
        last_run_at: None,
        paused_at: None,
        stopped_at: None,
        pending,
    };
    let waiting = |status, run_at: Option<&str>| {
        Some(PendingRow { status, mode: ActivationMode::Resume, run_at: run_at.map(|t| t.parse().unwrap()) })
    };
    let list = journey_core::api::JourneyListResponse {
        rows: vec![
            row(1, waiting(PendingStatus::Scheduled, Some(MONDAY_9_BERLIN))),
            row(2, waiting(PendingStatus::AwaitingApproval, None)),
            row(3, waiting(PendingStatus::Held, Some(MONDAY_9_BERLIN))),
            row(4, None),
        ],
        counts: StateCounts { paused: 4, ..Default::default() },
    };
    let _server = FakeServer::start(
        "/engage/journeys?tab=paused",
        vec![berlin_route(), ("GET /api/journeys?state=paused", vec![(200, serde_json::to_string(&list).unwrap(), 0)])],
    );
    let root = container();
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        view! { <Router><Routes fallback=|| "no route"><Route path=journey_console::routes::JOURNEYS view=JourneysPage/></Routes></Router> }
    });
    wait_until("the badges in journey time", || texts(&root, "pending-badge").first().is_some_and(|t| t.ends_with("CET"))).await;
    assert_eq!(
        texts(&root, "pending-badge"),
        ["Resume scheduled for Mon 30 Nov 2026, 09:00 CET", "Awaiting approval", "Held"],
        "one badge per waiting activation, none on the fourth row"
    );
    root.remove();
}

/// The seed's journey with a backlog of 1,200 at its wait (all due: the plan's counts do not
/// move with the clock), fresh for the browser's clock.
fn fresh_snapshot_with_backlog() -> journey_core::snapshot::JourneySnapshot {
    let mut snapshot = journey_core::samples::daily_kolkata_snapshot();
    with_backlog_at_wait(&mut snapshot, 1_200);
    snapshot.taken_at = journey_console::format::now();
    snapshot
}

/// The review page of journey 7 awaiting approval of `waiting`, as operator 1, the server
/// answering an approval with `approved`.
async fn review_page(
    waiting: PendingActivation,
    snapshot: &journey_core::snapshot::JourneySnapshot,
    approved: Answer,
) -> (web_sys::HtmlElement, FakeServer, Box<dyn std::any::Any>) {
    use journey_console::pages::review::ReviewPage;
    use leptos_router::components::{Route, Router, Routes};
    let detail = JourneyDetail { pending: Some(waiting), ..paused_detail() };
    let server = FakeServer::start(
        "/engage/journeys/7/review",
        vec![
            ("POST /api/journeys/7/pending/approve", vec![approved]),
            ("GET /api/journeys/7/snapshot", vec![(200, serde_json::to_string(snapshot).unwrap(), 0)]),
            ("GET /api/journeys/7", vec![(200, serde_json::to_string(&detail).unwrap(), 0)]),
        ],
    );
    let root = container();
    let handle = leptos::mount::mount_to(root.clone(), move || {
        Session::provide(SessionState::SignedIn(person(Role::Operator)));
        view! { <Router><Routes fallback=|| "no route"><Route path=journey_console::routes::REVIEW view=ReviewPage/></Routes></Router> }
    });
    wait_until("the review", || find(&root, "summary").is_some() && find(&root, "review-decision").is_some()).await;
    (root, server, Box::new(handle))
}

/// What operator 2 asked for: the plan for `snapshot` now, with 200 fewer overdue contacts.
fn asked_for(snapshot: &journey_core::snapshot::JourneySnapshot) -> PendingActivation {
    let plan = plan_activation(snapshot, snapshot.taken_at, ActivationMode::Resume, WaitHandling::KeepDeadlines).unwrap();
    let v = journey_core::release::volume(snapshot, &plan, ReleasePolicy::AllAtOnce);
    let mut figures = PlanFigures::of(&plan, &v);
    figures.counts.overdue -= 200;
    figures.recipients -= 200;
    PendingActivation {
        run_at: None,
        release: ReleasePolicy::AllAtOnce,
        drift_guard: None,
        figures,
        ..pending(PendingStatus::AwaitingApproval, 2)
    }
}

#[wasm_bindgen_test]
async fn the_review_highlights_what_changed_since_the_request_and_approves_with_the_reason() {
    let snapshot = fresh_snapshot_with_backlog();
    let waiting = asked_for(&snapshot);
    let plan = plan_activation(&snapshot, snapshot.taken_at, ActivationMode::Resume, WaitHandling::KeepDeadlines).unwrap();
    let now = PlanFigures::of(&plan, &journey_core::release::volume(&snapshot, &plan, ReleasePolicy::AllAtOnce));
    let expected = now.changes_since(&waiting.figures, &snapshot.zone);
    assert!(expected.len() >= 2, "{expected:?}");
    let scheduled =
        PendingActivation { status: PendingStatus::Scheduled, approved_by: Some("Otto Operator".into()), ..waiting.clone() };
    let answer = serde_json::to_string(&PendingResponse { journey: paused_detail(), pending: scheduled }).unwrap();
    let (root, server, _mounted) = review_page(waiting, &snapshot, (202, answer, 0)).await;

    assert!(text(&root, "review-changes").contains("Changed since the request"));
    let rows = texts(&root, "review-change");
    let want: Vec<String> = expected.iter().map(|c| format!("{}{}{}", c.label, c.before, c.after)).collect();
    assert_eq!(rows, want, "journey-core's changes, label, before and now");
    assert!(rows.contains(&"Overdue1,0001,200".to_string()), "{rows:?}");
    assert_eq!(text(&root, "summary-overdue"), "1,200", "the summary is the plan now");

    assert!(is_disabled(&get(&root, "review-reject")), "no rejection without a reason");
    assert!(!is_disabled(&get(&root, "review-approve")));
    enter(&get(&root, "review-reason"), "Checked the numbers.").await;
    assert!(!is_disabled(&get(&root, "review-reject")));
    get(&root, "review-approve").click();
    wait_until("the journey page", || page_url() == "/engage/journeys/7").await;
    let sent = &server.requests_to("/pending/approve")[0];
    let body: serde_json::Value = serde_json::from_str(sent["body"].as_str().unwrap()).unwrap();
    assert_eq!(body, serde_json::json!({ "pending_id": 41, "expected_version": 3, "reason": "Checked the numbers." }));
    assert!(!sent["key"].as_str().unwrap_or_default().is_empty());
    root.remove();
}

#[wasm_bindgen_test]
async fn the_requester_cannot_approve_their_own_request_and_the_servers_refusal_reads_as_its_sentence() {
    let snapshot = fresh_snapshot_with_backlog();
    let own = PendingActivation { requested_by_id: 1, ..asked_for(&snapshot) };
    let (root, _server, _mounted) = review_page(own, &snapshot, (500, "{}".into(), 0)).await;
    let sentence = "You asked for this activation; another operator or admin must approve it.";
    assert_eq!(text(&root, "review-own"), sentence);
    enter(&get(&root, "review-reason"), "Mine.").await;
    assert!(is_disabled(&get(&root, "review-approve")) && is_disabled(&get(&root, "review-reject")));
    root.remove();

    // The console did not know (another tab, another session): the server says no, in words.
    let refused = (403, error_json("own_request", sentence), 0);
    let (root, _server, _mounted) = review_page(asked_for(&snapshot), &snapshot, refused).await;
    get(&root, "review-approve").click();
    wait_until("the refusal", || find(&root, "review-error").is_some()).await;
    assert!(text(&root, "review-error").ends_with(sentence), "{}", text(&root, "review-error"));
    assert_eq!(page_url(), "/engage/journeys/7/review", "still on the review");
    root.remove();
}

/// The summary page at `url`, the server answering the snapshot now with `now` and projected
/// (`?at=`) with `projected`, and an activation with `activated`.
async fn summary_page(
    url: &str,
    now: &journey_core::snapshot::JourneySnapshot,
    projected: &journey_core::snapshot::JourneySnapshot,
    activated: Answer,
) -> (web_sys::HtmlElement, FakeServer, Box<dyn std::any::Any>) {
    use journey_console::pages::summary::SummaryPage;
    use leptos_router::components::{Route, Router, Routes};
    let server = FakeServer::start(
        url,
        vec![
            ("/snapshot?at=", vec![(200, serde_json::to_string(projected).unwrap(), 0)]),
            ("/snapshot", vec![(200, serde_json::to_string(now).unwrap(), 0)]),
            ("POST /api/journeys/7/activate", vec![activated]),
        ],
    );
    let root = container();
    let handle = leptos::mount::mount_to(root.clone(), move || {
        view! { <Router><Routes fallback=|| "no route"><Route path=journey_console::routes::SUMMARY view=SummaryPage/></Routes></Router> }
    });
    wait_until("the When choice", || find(&root, "when-choice").is_some()).await;
    (root, server, Box::new(handle))
}

#[wasm_bindgen_test]
async fn activate_at_shows_the_summary_projected_to_then_and_schedules_it_with_the_drift_guard() {
    let now = fresh_snapshot_with_backlog();
    // "Activate at" offers tomorrow at 09:00 on the journey's clock (Asia/Kolkata).
    let local = now.zone.to_local(now.taken_at).date().tomorrow().unwrap().at(9, 0, 0, 0);
    let at = now.zone.to_instant(local).unwrap();
    let projected = journey_core::snapshot::JourneySnapshot { taken_at: at, projected_from: Some(now.taken_at), ..now.clone() };
    let plan = plan_activation(&projected, at, ActivationMode::Restart, WaitHandling::KeepDeadlines).unwrap();
    let detail = paused_detail();
    let answer =
        serde_json::to_string(&PendingResponse { journey: detail, pending: pending(PendingStatus::Scheduled, 1) }).unwrap();
    let (root, server, _mounted) =
        summary_page("/engage/journeys/7/summary?mode=restart", &now, &projected, (202, answer, 0)).await;
    wait_until("the summary now", || find(&root, "summary").is_some()).await;
    assert!(find(&root, "summary-projection").is_none(), "now is not a projection");
    assert_eq!(text(&root, "activate-journey-button"), "Activate journey");

    get(&root, "when-later").click();
    wait_until("the projection", || find(&root, "summary-projection").is_some()).await;
    assert_eq!(page_url(), format!("/engage/journeys/7/summary?mode=restart&at={}", journey_console::routes::local_param(local)));
    assert!(
        text(&root, "summary-projection").starts_with("Projected from today's numbers"),
        "{}",
        text(&root, "summary-projection")
    );
    assert!(
        text(&root, "summary-projection")
            .contains("Contacts can subscribe, unsubscribe, leave the data set or finish waits before then")
    );
    assert_eq!(text(&root, "summary-at"), format!("Restart at {}", in_zone(at, now.zone.time_zone())));
    assert_eq!(text(&root, "summary-entering"), count(plan.entering.unwrap()));
    assert_eq!(text(&root, "activate-journey-button"), "Schedule activation");
    assert!(text(&root, "drift-projected").starts_with(&count(journey_core::pending::recipients(&plan))));

    get(&root, "drift-enabled").click();
    wait_until("the guard in the URL", || page_url().ends_with("&drift=20")).await;
    type_value(&get(&root, "drift-percent"), "0");
    wait_until("the refused guard", || find(&root, "drift-problem").is_some_and(|p| !p.text_content().unwrap().is_empty())).await;
    assert_eq!(text(&root, "drift-problem"), "The drift guard is a percentage from 1 to 100.");
    assert!(is_disabled(&get(&root, "activate-journey-button")), "a guard out of range is not sent");
    type_value(&get(&root, "drift-percent"), "15");
    wait_until("the button", || !is_disabled(&get(&root, "activate-journey-button"))).await;
    get(&root, "activate-journey-button").click();
    wait_until("the journey page", || page_url() == "/engage/journeys/7").await;

    let sent = &server.requests_to("/activate")[0];
    let body: serde_json::Value = serde_json::from_str(sent["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["at"], at.to_string());
    assert_eq!(body["drift_guard"], serde_json::json!({ "percent": 15 }));
    assert_eq!(body["mode"], "restart");
    assert!(!sent["key"].as_str().unwrap_or_default().is_empty());
    root.remove();
}

#[wasm_bindgen_test]
async fn a_time_in_the_spring_forward_gap_says_when_it_runs_instead() {
    let zone = berlin();
    let t = journey_console::format::now();
    let now = journey_core::samples::paused_snapshot(
        journey_core::samples::onboarding("Europe/Berlin", journey_core::samples::daily_at_14()),
        zone,
        t,
        t - SignedDuration::from_hours(30),
    );
    let url = "/engage/journeys/7/summary?mode=restart&at=2027-03-28T02:30";
    let (root, _server, _mounted) = summary_page(url, &now, &now, (500, "{}".into(), 0)).await;
    wait_until("the note", || find(&root, "when-note").is_some_and(|n| !n.text_content().unwrap().is_empty())).await;
    assert_eq!(
        text(&root, "when-note"),
        "02:30 does not exist on Sun 28 Mar 2027 in Europe/Berlin (clocks go forward): it runs at 03:00."
    );
    let date = get(&root, "when-date").unchecked_into::<web_sys::HtmlInputElement>().value();
    let time = get(&root, "when-time").unchecked_into::<web_sys::HtmlInputElement>().value();
    assert_eq!((date.as_str(), time.as_str()), ("2027-03-28", "02:30"), "the inputs keep what was typed");
    root.remove();

    // A time already past: said so, and nothing can be sent.
    let (root, _server, _mounted) =
        summary_page("/engage/journeys/7/summary?mode=restart&at=2026-01-01T10:00", &now, &now, (500, "{}".into(), 0)).await;
    wait_until("the problem", || find(&root, "when-problem").is_some_and(|n| !n.text_content().unwrap().is_empty())).await;
    assert_eq!(text(&root, "when-problem"), "Choose a time in the future; that one has passed.");
    assert!(find(&root, "summary-waits-for-time").is_some());
    assert!(is_disabled(&get(&root, "activate-journey-button")));
    root.remove();
}

#[wasm_bindgen_test]
async fn a_time_on_your_clock_is_read_in_your_zone_and_sent_as_that_instant() {
    use journey_console::pages::summary::SummaryPage;
    use leptos_router::components::{Route, Router, Routes};
    let now = fresh_snapshot_with_backlog(); // the journey runs on Asia/Kolkata's clock
    let yours = journey_core::zone::Zone::bundled(&journey_console::format::viewer_zone())
        .unwrap_or_else(|_| journey_core::zone::Zone::bundled("UTC").unwrap());
    // Tomorrow 09:00 on your clock: a different instant from 09:00 in Kolkata unless you are there.
    let local = yours.to_local(now.taken_at).date().tomorrow().unwrap().at(9, 0, 0, 0);
    let at = yours.to_instant(local).unwrap();
    let projected = journey_core::snapshot::JourneySnapshot { taken_at: at, projected_from: Some(now.taken_at), ..now.clone() };
    let answer =
        serde_json::to_string(&PendingResponse { journey: paused_detail(), pending: pending(PendingStatus::Scheduled, 1) })
            .unwrap();
    let url = format!("/engage/journeys/7/summary?mode=restart&at={}&zone=yours", journey_console::routes::local_param(local));
    let server = FakeServer::start(
        &url,
        vec![
            ("/api/zone?name=", vec![(200, serde_json::to_string(&yours).unwrap(), 0)]),
            ("/snapshot?at=", vec![(200, serde_json::to_string(&projected).unwrap(), 0)]),
            ("/snapshot", vec![(200, serde_json::to_string(&now).unwrap(), 0)]),
            ("POST /api/journeys/7/activate", vec![(202, answer, 0)]),
        ],
    );
    let root = container();
    let _mounted = leptos::mount::mount_to(root.clone(), move || {
        view! { <Router><Routes fallback=|| "no route"><Route path=journey_console::routes::SUMMARY view=SummaryPage/></Routes></Router> }
    });
    wait_until("the projection", || find(&root, "summary-projection").is_some()).await;
    let zone_choice = get(&root, "when-zone").unchecked_into::<web_sys::HtmlSelectElement>().value();
    assert_eq!(zone_choice, "yours");
    // The summary writes the instant on the journey's clock: 09:00 yours, in Kolkata's time.
    assert_eq!(text(&root, "summary-at"), format!("Restart at {}", in_zone(at, now.zone.time_zone())));
    assert!(server.requests_to("/snapshot?at=")[0]["seen"].as_str().unwrap().contains(&at.to_string().replace(':', "%3A")));
    wait_until("the button", || !is_disabled(&get(&root, "activate-journey-button"))).await;
    get(&root, "activate-journey-button").click();
    wait_until("the journey page", || page_url() == "/engage/journeys/7").await;
    let sent = &server.requests_to("/activate")[0];
    let body: serde_json::Value = serde_json::from_str(sent["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["at"], at.to_string(), "the instant of 09:00 on your clock");
    root.remove();
}

#[wasm_bindgen_test]
async fn the_summary_says_when_the_workspace_wants_a_second_person_to_approve() {
    use journey_core::journey::{NodeId, NodeKind};
    // The backlog's wait leads straight to a message: 1,200 messages at activation.
    let mut snapshot = fresh_snapshot_with_backlog();
    if let Some(NodeKind::Wait { next, .. }) =
        snapshot.definition.nodes.iter_mut().find(|n| n.id.0 == "wait").map(|n| &mut n.kind)
    {
        *next = Some(NodeId::new("push"));
    }
    let plan = plan_activation(&snapshot, snapshot.taken_at, ActivationMode::Resume, WaitHandling::KeepDeadlines).unwrap();
    let v = journey_core::release::volume(&snapshot, &plan, ReleasePolicy::AllAtOnce);
    assert_eq!(journey_core::pending::first_hour(&v), 1_200);
    snapshot.approval_threshold = Some(journey_core::pending::first_hour(&v) - 1);
    let need = journey_core::pending::approval_needed(snapshot.approval_threshold, &v).expect("above the threshold");

    let (root, server, _mounted) = summary_page(
        "/engage/journeys/7/summary?mode=resume&wait=keep_deadlines",
        &snapshot,
        &snapshot,
        (202, serde_json::to_string(&PendingResponse { journey: paused_detail(), pending: asked_for(&snapshot) }).unwrap(), 0),
    )
    .await;
    wait_until("the summary", || find(&root, "summary").is_some()).await;
    assert_eq!(text(&root, "summary-approval"), need.sentence());
    assert!(text(&root, "summary-approval").contains("another operator or admin must approve it before it runs"));
    assert_eq!(text(&root, "activate-journey-button"), "Request approval");
    get(&root, "activate-journey-button").click();
    wait_until("the journey page", || page_url() == "/engage/journeys/7").await;
    let body: serde_json::Value = serde_json::from_str(server.requests_to("/activate")[0]["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["at"], serde_json::Value::Null, "asked for now");
    root.remove();
}
