//! `/engage/journeys/{id}/summary?mode=resume&wait=keep_deadlines&release=spread-3`: the journey
//! summary and ACTIVATE JOURNEY.
//!
//! The page's jobs, one piece each: [`LiveSnapshot`] loads the journey's snapshot and keeps
//! it fresh, [`plan_memo`] computes the plan from it (once, for what is shown and what is
//! sent), [`Activation`] sends ACTIVATE JOURNEY and handles the answer, and the components
//! below lay them out.

use crate::api::{self, ApiError};
use crate::clock::use_minute_clock;
use crate::components::explain_contact::{ExplainBox, Lookup};
use crate::components::remote::{ErrorPanel, JourneyNotFound, Loading};
use crate::components::summary_view::SummaryView;
use crate::routes::{
    activate_url, activated_url, journey_url, journeys_home, summary_url, use_journey_id, use_mode, use_release, use_wait,
};
use crate::session::{RoleNote, refusal};
use crate::stored_activation::{StoredActivation, activation_key};
use journey_core::access::Role;
use journey_core::api::ActivateResponse;
use journey_core::jiff::Timestamp;
use journey_core::journey::JourneyId;
use journey_core::plan::{ActivationMode, ActivationPlan, PlanError, WaitHandling, plan_activation};
use journey_core::release::ReleasePolicy;
use journey_core::snapshot::JourneySnapshot;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_navigate;

#[component]
pub fn SummaryPage() -> impl IntoView {
    let id = use_journey_id();
    let mode = use_mode();
    let wait = use_wait();
    let release = use_release();

    move || match (id.get(), mode.get()) {
        (Some(id), Some(m)) => view! { <Summary id mode=m wait release/> }.into_any(),
        (Some(id), None) => view! { <Redirect path=activate_url(id, None)/> }.into_any(),
        (None, _) => view! { <JourneyNotFound/> }.into_any(),
    }
}

/// The plan for the inputs, recomputed whenever one of them changes: the one plan the summary
/// shows and ACTIVATE JOURNEY sends. Without a snapshot yet, the plan is stale.
pub fn plan_memo(
    snapshot: Signal<Option<JourneySnapshot>>,
    at: Signal<Timestamp>,
    mode: Signal<ActivationMode>,
    wait_handling: Signal<WaitHandling>,
) -> Memo<Result<ActivationPlan, PlanError>> {
    Memo::new(move |_| {
        let (at, mode, wait_handling) = (at.get(), mode.get(), wait_handling.get());
        snapshot.with(|s| match s {
            Some(s) => crate::perf::measure(crate::perf::PLAN_COMPUTED, || plan_activation(s, at, mode, wait_handling)),
            None => Err(PlanError::StaleSnapshot { valid_until: at }),
        })
    })
}

/// One journey's summary for one mode: its snapshot, the plan computed from it and the
/// activation that sends that plan, laid out by the components below.
#[component]
fn Summary(
    id: JourneyId,
    mode: ActivationMode,
    #[prop(into)] wait: Signal<WaitHandling>,
    #[prop(into)] release: Signal<ReleasePolicy>,
) -> impl IntoView {
    let snapshot = LiveSnapshot::load(id);
    let viewer_zone = load_viewer_zone();
    let now = use_minute_clock();
    let plan = plan_memo(snapshot.current.into(), now.into(), Signal::stored(mode), wait);
    let activation = Activation::new(id, snapshot);
    let refused = refusal(Role::Operator);

    let name =
        Signal::derive(move || snapshot.current.with(|c| c.as_ref().map(|s| s.definition.name.clone())).unwrap_or_default());
    Effect::new(move |_| crate::set_title(&format!("Summary: {}", name.get())));

    // The choices live in the URL (a reload or a shared link shows the same summary).
    let navigate = use_navigate();
    let go = move |w: WaitHandling, r: ReleasePolicy| {
        navigate(
            &summary_url(id, mode, Some(w), Some(r)),
            NavigateOptions { replace: true, scroll: false, ..Default::default() },
        );
    };
    let on_wait_change = Callback::new({
        let go = go.clone();
        move |w: WaitHandling| go(w, release.get_untracked())
    });
    let on_release_change = Callback::new(move |r: ReleasePolicy| go(wait.get_untracked(), r));

    // "Explain a contact": the facts fetched once per email, told again as the choices change.
    let lookup = RwSignal::new(Lookup::Idle);
    let ask = Action::new_local(move |email: &String| {
        let email = email.clone();
        async move { api::contact(id, &email).await }
    });
    Effect::new(move |_| match ask.value().get() {
        Some(Ok(facts)) => lookup.set(Lookup::Found(facts)),
        Some(Err(e)) => lookup.set(Lookup::Failed(e)),
        None => {}
    });
    let on_ask = Callback::new(move |email: String| {
        lookup.set(Lookup::Asking);
        ask.dispatch_local(email);
    });
    let explain = ExplainBox { lookup: Signal::from(lookup), email: RwSignal::new(String::new()), on_ask };

    view! {
        <SummaryHead id mode name>
            <ActivateJourneyButton snapshot plan release activation refused/>
        </SummaryHead>
        <RoleNote refusal=refused id="summary-role-note"/>
        {move || snapshot.stale_notice.get().map(|text| view! {
            <div class="notice" role="alert" data-testid="stale-version-message">
                <div><strong>"The journey changed"</strong>{text}</div>
            </div>
        })}
        <ActivationError activation/>
        {move || {
            // Drawn again once the viewer's zone rules arrive: "your time" from the same data.
            viewer_zone.track();
            view! { <SummaryBody snapshot plan now on_wait_change release on_release_change explain/> }
        }}
    }
}

/// Loads the viewer's zone rules from the server once per visit (`format::set_viewer_zone`);
/// the trigger fires when they are in. A zone the server does not know, or a failed request,
/// leaves viewer times to the browser.
fn load_viewer_zone() -> Trigger {
    let loaded = Trigger::new();
    if !crate::format::viewer_zone_loaded() {
        leptos::task::spawn_local(async move {
            if let Ok(zone) = api::zone(&crate::format::viewer_zone()).await {
                crate::format::set_viewer_zone(&zone);
                loaded.notify();
            }
        });
    }
    loaded
}

/// The journey's snapshot, loaded when the page opens and again on Retry, after a
/// stale-version answer, and when the clock passes its horizon. The latest good one stays on
/// screen while a fresh one loads.
#[derive(Clone, Copy)]
struct LiveSnapshot {
    resource: LocalResource<Result<JourneySnapshot, ApiError>>,
    /// The latest good snapshot.
    current: RwSignal<Option<JourneySnapshot>>,
    /// A Retry is in flight.
    retrying: RwSignal<bool>,
    /// After a stale-version answer, until the fresh snapshot arrives: nothing can be sent.
    reloading: RwSignal<bool>,
    /// Why the numbers changed under the viewer's eyes, once they did.
    stale_notice: RwSignal<Option<String>>,
}

impl LiveSnapshot {
    fn load(id: JourneyId) -> LiveSnapshot {
        let live = LiveSnapshot {
            resource: LocalResource::new(move || api::snapshot(id)),
            current: RwSignal::new(None),
            retrying: RwSignal::new(false),
            reloading: RwSignal::new(false),
            stale_notice: RwSignal::new(None),
        };
        Effect::new(move |_| match live.resource.get() {
            Some(Ok(s)) => {
                live.retrying.set(false);
                live.reloading.set(false);
                if let Some(old) = live.current.get_untracked()
                    && old.version != s.version
                    && live.stale_notice.get_untracked().is_none()
                {
                    live.stale_notice.set(Some(format!(
                        "This journey was changed elsewhere since this summary opened (version {} is now {}). The summary below has been recomputed from the journey as it is now: check it before you activate.",
                        old.version, s.version
                    )));
                }
                live.current.set(Some(s));
            }
            Some(Err(_)) => {
                live.retrying.set(false);
                live.reloading.set(false);
            }
            None => {}
        });
        live
    }

    /// Retry after a failed load.
    fn retry(self) {
        self.retrying.set(true);
        self.resource.refetch();
    }

    /// The server refused the activation because the journey's version moved on: say so and
    /// load the journey as it is now.
    fn reload_after_version_conflict(self) {
        self.reloading.set(true);
        self.stale_notice.set(Some(
            "This journey was changed elsewhere since this summary opened, so nothing was activated. The summary below is reloaded with the journey as it is now: check it, then activate again.".to_string(),
        ));
        self.resource.refetch();
    }
}

/// What ACTIVATE JOURNEY sends.
#[derive(Clone)]
struct Submit {
    mode: ActivationMode,
    wait: WaitHandling,
    release: ReleasePolicy,
    version: u64,
    key: String,
    stored: StoredActivation,
}

/// What one idempotency key is for: the (version, mode, wait handling, release policy) sent.
type Attempt = (u64, ActivationMode, WaitHandling, ReleasePolicy);

/// ACTIVATE JOURNEY: sends exactly the plan shown, then goes to the result, reloads the
/// snapshot after a stale-version answer, or keeps the error for Retry.
#[derive(Clone, Copy)]
struct Activation {
    action: Action<Submit, (Submit, Result<ActivateResponse, ApiError>)>,
    /// The last failed attempt (not a stale version: that reloads instead).
    last_error: RwSignal<Option<ApiError>>,
    /// One idempotency key per (version, mode, wait, release): a retry of the same activation reuses
    /// it, a new version or choice gets a new one. Also kept for the tab in `sessionStorage`
    /// ([`activation_key`]), so a key outlives the page (sign in again, come back, resend).
    keys: StoredValue<Vec<(Attempt, String)>>,
    id: JourneyId,
}

impl Activation {
    fn new(id: JourneyId, snapshot: LiveSnapshot) -> Activation {
        let action = Action::new_local(move |s: &Submit| {
            let s = s.clone();
            async move {
                let result = api::activate(id, s.mode, s.wait, s.release, s.version, s.key.clone()).await;
                (s, result)
            }
        });
        let activation = Activation { action, last_error: RwSignal::new(None), keys: StoredValue::new(Vec::new()), id };
        let navigate = use_navigate();
        Effect::new(move |_| {
            let Some((submit, result)) = action.value().get() else { return };
            match result {
                Ok(response) => {
                    activation.last_error.set(None);
                    let stored = StoredActivation { server: Some((&response).into()), ..submit.stored };
                    stored.save(id);
                    navigate(&activated_url(id), NavigateOptions { replace: true, ..Default::default() });
                }
                Err(e) if e.is_stale_version() => {
                    activation.last_error.set(None);
                    snapshot.reload_after_version_conflict();
                }
                Err(e) => activation.last_error.set(Some(e)),
            }
        });
        activation
    }

    fn key_for(self, k: Attempt) -> String {
        if let Some((_, key)) = self.keys.with_value(|ks| ks.iter().find(|(kk, _)| *kk == k).cloned()) {
            return key;
        }
        let key = activation_key(self.id, k.0, k.1, k.2, k.3);
        self.keys.update_value(|ks| ks.push((k, key.clone())));
        key
    }

    /// Sends `shown`: exactly what the summary shows, the plan's own version, mode and wait
    /// handling, and the release policy it was drawn with (Restart: all at once).
    fn submit(self, shown: &ActivationPlan, release: ReleasePolicy, name: &str) {
        let release = if shown.mode == ActivationMode::Resume { release } else { ReleasePolicy::AllAtOnce };
        let key = self.key_for((shown.version, shown.mode, shown.wait_handling, release));
        let stored = StoredActivation::preview(shown, name);
        self.action.dispatch_local(Submit {
            mode: shown.mode,
            wait: shown.wait_handling,
            release,
            version: shown.version,
            key,
            stored,
        });
    }

    /// Sends the last attempt again (same key).
    fn retry(self) {
        if let Some((submit, _)) = self.action.value().get_untracked() {
            self.action.dispatch_local(submit);
        }
    }
}

/// The breadcrumb, the title and Back; `children` is the primary action.
#[component]
fn SummaryHead(id: JourneyId, mode: ActivationMode, name: Signal<String>, children: Children) -> impl IntoView {
    let navigate = use_navigate();
    view! {
        <div class="page-head">
            <div>
                <nav class="breadcrumb" aria-label="Breadcrumb">
                    <a href=journeys_home()>"Journeys"</a>
                    " › "
                    <a href=journey_url(id)>{move || { let n = name.get(); if n.is_empty() { "Journey".to_string() } else { n } }}</a>
                </nav>
                <h1 class="page-title">
                    <span class="title-text">{move || format!("Activate “{}” · {}", name.get(), mode.label())}</span>
                </h1>
                <p class="subtitle">"Journey summary: what will happen when you activate, computed now from the journey's current numbers."</p>
            </div>
            <div class="page-actions">
                <button type="button" class="btn btn-secondary" data-testid="back-button"
                    on:click=move |_| navigate(&activate_url(id, Some(mode)), NavigateOptions::default())>
                    "Back"
                </button>
                {children()}
            </div>
        </div>
    }
}

/// ACTIVATE JOURNEY: enabled once a plan is shown and nothing is in flight or reloading.
#[component]
fn ActivateJourneyButton(
    snapshot: LiveSnapshot,
    plan: Memo<Result<ActivationPlan, PlanError>>,
    release: Signal<ReleasePolicy>,
    activation: Activation,
    /// Why the signed-in person may not activate, if they may not.
    refused: Signal<Option<String>>,
) -> impl IntoView {
    move || {
        let ready = snapshot.current.with(|c| c.is_some())
            && plan.with(|p| p.is_ok())
            && !snapshot.reloading.get()
            && refused.with(Option::is_none);
        let pending = activation.action.pending().get();
        let submit = move |_| {
            if activation.action.pending().get_untracked() || snapshot.reloading.get_untracked() {
                return;
            }
            let Some(name) = snapshot.current.with_untracked(|c| c.as_ref().map(|s| s.definition.name.clone())) else { return };
            let Ok(shown) = plan.get_untracked() else { return };
            activation.submit(&shown, release.get_untracked(), &name);
        };
        view! {
            <button type="button" class="btn btn-primary btn-caps" data-testid="activate-journey-button"
                disabled=!ready || pending aria-busy=if pending { "true" } else { "false" }
                aria-describedby=refused.with(Option::is_some).then_some("summary-role-note")
                on:click=submit>
                {pending.then(|| view! { <span class="spinner" aria-hidden="true"></span> })}
                {if pending { "Activating…" } else if snapshot.reloading.get() { "Reloading…" } else { "Activate journey" }}
            </button>
        }
    }
}

/// A failed activation, with Retry.
#[component]
fn ActivationError(activation: Activation) -> impl IntoView {
    move || {
        activation.last_error.get().map(|e| {
            view! {
                <ErrorPanel error=Signal::stored(e) what="the activation (nothing was changed unless the journey now shows Active)"
                    on_retry=Callback::new(move |_| activation.retry()) retrying=activation.action.pending()/>
            }
        })
    }
}

/// The summary itself once a snapshot is in (with a failed refresh above it), else the
/// first load's skeleton or error.
#[component]
fn SummaryBody(
    snapshot: LiveSnapshot,
    plan: Memo<Result<ActivationPlan, PlanError>>,
    now: ReadSignal<Timestamp>,
    on_wait_change: Callback<WaitHandling>,
    release: Signal<ReleasePolicy>,
    on_release_change: Callback<ReleasePolicy>,
    explain: ExplainBox,
) -> impl IntoView {
    let has_snapshot = Memo::new(move |_| snapshot.current.with(|c| c.is_some()));
    let retry = Callback::new(move |_| snapshot.retry());
    view! {
        {move || match snapshot.resource.get() {
            Some(Err(error)) if has_snapshot.get() => Some(view! {
                <ErrorPanel error=Signal::stored(error) what="the latest numbers of the journey"
                    on_retry=retry retrying=snapshot.retrying/>
            }),
            _ => None,
        }}
        {move || if let (true, Some(first)) = (has_snapshot.get(), snapshot.current.get_untracked()) {
            view! {
                <SummaryView snapshot=Signal::derive(move || snapshot.current.get().unwrap_or_else(|| first.clone()))
                    plan on_wait_change release on_release_change explain/>
                <StaleRefresher snapshot now/>
            }.into_any()
        } else {
            match snapshot.resource.get() {
                Some(Err(error)) => view! {
                    <ErrorPanel error=Signal::stored(error) what="the journey summary" on_retry=retry retrying=snapshot.retrying/>
                }.into_any(),
                _ => view! { <div class="card"><Loading label="Computing the summary…" rows=6/></div> }.into_any(),
            }
        }}
    }
}

/// Refetches the snapshot when the clock passes its horizon (the plan reports it stale).
#[component]
fn StaleRefresher(snapshot: LiveSnapshot, now: ReadSignal<Timestamp>) -> impl IntoView {
    Effect::new(move |_| {
        let t = now.get();
        if snapshot.current.with(|s| s.as_ref().map(|s| !s.is_fresh_at(t)).unwrap_or(false)) {
            snapshot.resource.refetch();
        }
    });
}
