//! `/engage/journeys/{id}/summary?mode=resume&wait=keep_deadlines&release=spread-3`: the journey
//! summary and ACTIVATE JOURNEY (`&at=2026-11-30T09:00&drift=20`: SCHEDULE ACTIVATION).
//!
//! The page's jobs, one piece each: [`read_later`] turns a chosen local time into the instant
//! (journey-core's DST rule and limits), [`LiveSnapshot`] loads the journey's snapshot (now, or
//! projected to that instant) and keeps it fresh, [`plan_memo`] computes the plan from it
//! (once, for what is shown and what is sent), [`Activation`] sends it and handles the answer
//! (200: the result page; 202: waiting, the journey page shows it), and the components below
//! lay them out.

use crate::api::{self, ApiError};
use crate::clock::use_minute_clock;
use crate::components::explain_contact::{ExplainBox, Lookup};
use crate::components::remote::{ErrorPanel, JourneyNotFound, Loading};
use crate::components::summary_view::{DriftChoice, SummaryView};
use crate::components::when_choice::WhenChoice;
use crate::routes::{
    SummaryChoices, When, ZoneChoice, activate_url, activated_url, journey_url, journeys_home, summary_url, use_drift,
    use_journey_id, use_mode, use_release, use_wait, use_when,
};
use crate::session::{RoleNote, refusal};
use crate::stored_activation::{Attempt, StoredActivation, activation_key};
use journey_core::access::Role;
use journey_core::api::ActivateRequest;
use journey_core::jiff::Timestamp;
use journey_core::jiff::civil::DateTime;
use journey_core::journey::JourneyId;
use journey_core::pending::{ApprovalNeed, DriftGuard, approval_needed, check_run_at, choose_instant};
use journey_core::plan::{ActivationMode, ActivationPlan, PlanError, WaitHandling, plan_activation};
use journey_core::release::{ReleasePolicy, volume};
use journey_core::snapshot::JourneySnapshot;
use journey_core::zone::Zone;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_navigate;

#[component]
pub fn SummaryPage() -> impl IntoView {
    let id = use_journey_id();
    let mode = use_mode();
    let (wait, release, when, drift) = (use_wait(), use_release(), use_when(), use_drift());

    move || match (id.get(), mode.get()) {
        (Some(id), Some(m)) => view! { <Summary id mode=m wait release when drift/> }.into_any(),
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

/// A "later" choice read: the instant (or why it cannot be used), and journey-core's sentence
/// when the clocks change at that local time.
#[derive(Clone, Debug, PartialEq)]
struct Later {
    at: LaterAt,
    note: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
enum LaterAt {
    /// The zone's rules are not loaded yet.
    Loading,
    /// It cannot be used, and why.
    Refused(String),
    /// This instant.
    At(Timestamp),
}

/// Reads `local` on `zone`'s clock with the journey's DST rule (`pending::choose_instant`)
/// and checks the instant against `now` (`pending::check_run_at`: in the future, within 90
/// days). `zone` is None while its rules are not loaded.
fn read_later(local: Option<DateTime>, zone: Option<&Zone>, now: Timestamp) -> Later {
    let refused = |why: String| Later { at: LaterAt::Refused(why), note: None };
    let Some(local) = local else { return refused("Choose a date and a time.".into()) };
    let Some(zone) = zone else { return Later { at: LaterAt::Loading, note: None } };
    match choose_instant(zone, local) {
        Ok(chosen) => {
            let at = check_run_at(chosen.at, now).map_or_else(|e| LaterAt::Refused(e.to_string()), |()| LaterAt::At(chosen.at));
            Later { at, note: chosen.note }
        }
        Err(e) => refused(e.to_string()),
    }
}

/// One journey's summary for one mode: its snapshot, the plan computed from it and the
/// activation that sends that plan, laid out by the components below.
#[component]
fn Summary(
    id: JourneyId,
    mode: ActivationMode,
    #[prop(into)] wait: Signal<WaitHandling>,
    #[prop(into)] release: Signal<ReleasePolicy>,
    #[prop(into)] when: Signal<When>,
    #[prop(into)] drift: Signal<Option<u32>>,
) -> impl IntoView {
    // The instant the snapshot and the plan are for: None (now), or the last valid "later"
    // instant, kept while the person types an invalid one (the summary waits meanwhile).
    let asked = RwSignal::new(None::<Timestamp>);
    let snapshot = LiveSnapshot::load(id, asked.into());
    let viewer_zone = load_viewer_zone();
    let now = use_minute_clock();
    let journey_zone = Memo::new(move |_| snapshot.current.with(|c| c.as_ref().map(|s| s.zone.clone())));
    let later = Memo::new(move |_| {
        viewer_zone.track();
        let When::Later { local, zone } = when.get() else { return None };
        let zone = match zone {
            ZoneChoice::Journey => journey_zone.get(),
            ZoneChoice::Yours => crate::format::viewer_zone_rules(),
        };
        Some(read_later(local, zone.as_ref(), now.get()))
    });
    Effect::new(move |_| {
        let next = match later.get() {
            None => None,
            Some(Later { at: LaterAt::At(at), .. }) => Some(at),
            Some(_) => return,
        };
        if asked.get_untracked() != next {
            asked.set(next);
        }
    });
    // Later, the plan is made on the snapshot projected to that very instant, never on today's.
    let for_plan = Signal::derive(move || {
        let asked = asked.get();
        snapshot.current.get().filter(|s| match asked {
            Some(at) => s.taken_at == at,
            None => s.projected_from.is_none(),
        })
    });
    let plan_at = Signal::derive(move || asked.get().unwrap_or_else(|| now.get()));
    let plan = plan_memo(for_plan, plan_at, Signal::stored(mode), wait);
    // Restart releases everything at once, whatever the URL says.
    let sent_release =
        Signal::derive(move || if mode == ActivationMode::Resume { release.get() } else { ReleasePolicy::AllAtOnce });
    let approval = Memo::new(move |_| {
        let plan = plan.get().ok()?;
        for_plan.with(|s| {
            let s = s.as_ref()?;
            approval_needed(s.approval_threshold, &volume(s, &plan, sent_release.get()))
        })
    });
    // What cannot be sent as chosen, in words (shown where it was chosen).
    let blocked = Memo::new(move |_| {
        later.with(|l| l.as_ref().is_some_and(|l| l.at != LaterAt::At(asked.get().unwrap_or(Timestamp::MIN))))
            || drift.get().is_some_and(|p| later.with(Option::is_some) && DriftGuard { percent: p }.check().is_err())
    });
    let activation = Activation::new(id, snapshot);
    let refused = refusal(Role::Operator);

    let name =
        Signal::derive(move || snapshot.current.with(|c| c.as_ref().map(|s| s.definition.name.clone())).unwrap_or_default());
    Effect::new(move |_| crate::set_title(&format!("Summary: {}", name.get())));

    // The choices live in the URL (a reload or a shared link shows the same summary).
    let navigate = use_navigate();
    let choices = move || SummaryChoices {
        mode,
        wait: wait.get_untracked(),
        release: release.get_untracked(),
        when: when.get_untracked(),
        drift: drift.get_untracked(),
    };
    let go = move |c: SummaryChoices| {
        navigate(&summary_url(id, &c), NavigateOptions { replace: true, scroll: false, ..Default::default() });
    };
    let on_wait_change = Callback::new({
        let go = go.clone();
        move |wait: WaitHandling| go(SummaryChoices { wait, ..choices() })
    });
    let on_release_change = Callback::new({
        let go = go.clone();
        move |release: ReleasePolicy| go(SummaryChoices { release, ..choices() })
    });
    let on_when_change = Callback::new({
        let go = go.clone();
        move |when: When| go(SummaryChoices { when, ..choices() })
    });
    let drift_choice = DriftChoice {
        percent: drift,
        on_change: Callback::new(move |drift: Option<u32>| go(SummaryChoices { drift, ..choices() })),
    };
    // "Activate at": first offered as tomorrow at 09:00 on the journey's clock.
    let suggestion = Signal::derive(move || {
        journey_zone.with(|z| Some(z.as_ref()?.to_local(now.get()).date().tomorrow().ok()?.at(9, 0, 0, 0)))
    });
    // A "later" time that cannot be used: the summary waits for one that can.
    let waiting_for_time = Memo::new(move |_| later.with(|l| l.as_ref().is_some_and(|l| matches!(l.at, LaterAt::Refused(_)))));
    let your_zone = Signal::derive(move || {
        viewer_zone.track();
        crate::format::viewer_zone_rules().map(|z| z.name().to_string())
    });

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

    let send = Send { release: sent_release, asked, drift, approval, blocked };
    view! {
        <SummaryHead id mode name later=Signal::derive(move || when.with(|w| *w != When::Now))>
            <ActivateJourneyButton snapshot plan send activation refused/>
        </SummaryHead>
        <RoleNote refusal=refused id="summary-role-note"/>
        {move || approval.get().map(|need| view! {
            <div class="notice" role="status" data-testid="summary-approval">{need.sentence()}</div>
        })}
        {move || snapshot.stale_notice.get().map(|text| view! {
            <div class="notice" role="alert" data-testid="stale-version-message">
                <div><strong>"The journey changed"</strong>{text}</div>
            </div>
        })}
        <ActivationError activation/>
        <WhenChoice when journey_zone=Signal::derive(move || journey_zone.with(|z| z.as_ref().map(|z| z.name().to_string())))
            your_zone suggestion
            note=Signal::derive(move || later.with(|l| l.as_ref().and_then(|l| l.note.clone())))
            problem=Signal::derive(move || later.with(|l| match l {
                Some(Later { at: LaterAt::Refused(why), .. }) => Some(why.clone()),
                _ => None,
            }))
            on_change=on_when_change/>
        {move || {
            // Drawn again once the viewer's zone rules arrive: "your time" from the same data.
            viewer_zone.track();
            if waiting_for_time.get() {
                return view! {
                    <div class="card card-body muted" data-testid="summary-waits-for-time">
                        "Choose a date and a time above: the summary then shows what the activation would do at that moment."
                    </div>
                }.into_any();
            }
            view! {
                <SummaryBody snapshot plan now on_wait_change release on_release_change explain
                    drift=drift_choice/>
            }.into_any()
        }}
    }
}

/// What the header's button sends besides the plan, and what it says.
#[derive(Clone, Copy)]
struct Send {
    /// The release policy sent (Restart: all at once).
    release: Signal<ReleasePolicy>,
    /// Later: the instant; None: now.
    asked: RwSignal<Option<Timestamp>>,
    /// The drift guard's percentage (later only).
    drift: Signal<Option<u32>>,
    /// Set when the workspace wants a second person to approve this activation.
    approval: Memo<Option<ApprovalNeed>>,
    /// A choice on the page cannot be sent as it stands (its sentence is shown by it).
    blocked: Memo<bool>,
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
    /// The journey now, or (`at` set) projected to `at`; loaded again when `at` changes.
    fn load(id: JourneyId, at: Signal<Option<Timestamp>>) -> LiveSnapshot {
        let live = LiveSnapshot {
            resource: LocalResource::new(move || api::snapshot(id, at.get())),
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

/// What ACTIVATE JOURNEY (or SCHEDULE ACTIVATION, REQUEST APPROVAL) sends.
#[derive(Clone)]
struct Submit {
    request: ActivateRequest,
    key: String,
    stored: StoredActivation,
}

/// ACTIVATE JOURNEY: sends exactly the plan shown, then goes to the result (or, when the
/// activation waits, to the journey page that shows it), reloads the snapshot after a
/// stale-version answer, or keeps the error for Retry.
#[derive(Clone, Copy)]
struct Activation {
    action: Action<Submit, (Submit, Result<api::Answer, ApiError>)>,
    /// The last failed attempt (not a stale version: that reloads instead).
    last_error: RwSignal<Option<ApiError>>,
    /// One idempotency key per [`Attempt`]: a retry of the same activation reuses it, a new
    /// version or choice gets a new one. Also kept for the tab in `sessionStorage`
    /// ([`activation_key`]), so a key outlives the page (sign in again, come back, resend).
    keys: StoredValue<Vec<(Attempt, String)>>,
    id: JourneyId,
}

impl Activation {
    fn new(id: JourneyId, snapshot: LiveSnapshot) -> Activation {
        let action = Action::new_local(move |s: &Submit| {
            let s = s.clone();
            async move {
                let result = api::activate(id, &s.request, &s.key).await;
                (s, result)
            }
        });
        let activation = Activation { action, last_error: RwSignal::new(None), keys: StoredValue::new(Vec::new()), id };
        let navigate = use_navigate();
        Effect::new(move |_| {
            let Some((submit, result)) = action.value().get() else { return };
            match result {
                Ok(api::Answer::Activated(response)) => {
                    activation.last_error.set(None);
                    let stored = StoredActivation { server: Some((&*response).into()), ..submit.stored };
                    stored.save(id);
                    navigate(&activated_url(id), NavigateOptions { replace: true, ..Default::default() });
                }
                Ok(api::Answer::Waiting(_)) => {
                    activation.last_error.set(None);
                    navigate(&journey_url(id), NavigateOptions { replace: true, ..Default::default() });
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

    fn key_for(self, attempt: Attempt) -> String {
        if let Some((_, key)) = self.keys.with_value(|ks| ks.iter().find(|(a, _)| *a == attempt).cloned()) {
            return key;
        }
        let key = activation_key(self.id, &attempt);
        self.keys.update_value(|ks| ks.push((attempt, key.clone())));
        key
    }

    /// Sends `shown`: exactly what the summary shows, the plan's own version, mode, wait
    /// handling and instant (later: `at`), the release policy it was drawn with and, later,
    /// the drift guard.
    fn submit(self, shown: &ActivationPlan, release: ReleasePolicy, later: bool, drift: Option<u32>, name: &str) {
        let at = later.then_some(shown.at);
        let drift_guard = drift.filter(|_| later).map(|percent| DriftGuard { percent });
        let attempt = Attempt { version: shown.version, mode: shown.mode, wait: shown.wait_handling, release, at, drift_guard };
        let key = self.key_for(attempt);
        let request = ActivateRequest {
            mode: shown.mode,
            wait_handling: shown.wait_handling,
            release,
            expected_version: shown.version,
            idempotency_key: None,
            at,
            drift_guard,
        };
        self.action.dispatch_local(Submit { request, key, stored: StoredActivation::preview(shown, name) });
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
fn SummaryHead(
    id: JourneyId,
    mode: ActivationMode,
    name: Signal<String>,
    /// Activating later: the summary is a projection.
    later: Signal<bool>,
    children: Children,
) -> impl IntoView {
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
                <p class="subtitle">{move || if later.get() {
                    "Journey summary: what will happen when it activates, projected to then from the journey's current numbers."
                } else {
                    "Journey summary: what will happen when you activate, computed now from the journey's current numbers."
                }}</p>
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

/// ACTIVATE JOURNEY (SCHEDULE ACTIVATION later, REQUEST APPROVAL above the workspace's
/// threshold): enabled once a plan is shown, every choice can be sent, and nothing is in
/// flight or reloading.
#[component]
fn ActivateJourneyButton(
    snapshot: LiveSnapshot,
    plan: Memo<Result<ActivationPlan, PlanError>>,
    send: Send,
    activation: Activation,
    /// Why the signed-in person may not activate, if they may not.
    refused: Signal<Option<String>>,
) -> impl IntoView {
    move || {
        let ready = snapshot.current.with(|c| c.is_some())
            && plan.with(|p| p.is_ok())
            && !snapshot.reloading.get()
            && !send.blocked.get()
            && refused.with(Option::is_none);
        let pending = activation.action.pending().get();
        let submit = move |_| {
            if activation.action.pending().get_untracked() || snapshot.reloading.get_untracked() || send.blocked.get_untracked() {
                return;
            }
            let Some(name) = snapshot.current.with_untracked(|c| c.as_ref().map(|s| s.definition.name.clone())) else { return };
            let Ok(shown) = plan.get_untracked() else { return };
            let later = send.asked.get_untracked().is_some();
            activation.submit(&shown, send.release.get_untracked(), later, send.drift.get_untracked(), &name);
        };
        let (label, sending) = if send.approval.with(Option::is_some) {
            ("Request approval", "Asking…")
        } else if send.asked.with(Option::is_some) {
            ("Schedule activation", "Scheduling…")
        } else {
            ("Activate journey", "Activating…")
        };
        let label = if pending {
            sending
        } else if snapshot.reloading.get() {
            "Reloading…"
        } else {
            label
        };
        view! {
            <button type="button" class="btn btn-primary btn-caps" data-testid="activate-journey-button"
                disabled=!ready || pending aria-busy=if pending { "true" } else { "false" }
                aria-describedby=refused.with(Option::is_some).then_some("summary-role-note")
                on:click=submit>
                {pending.then(|| view! { <span class="spinner" aria-hidden="true"></span> })}
                {label}
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
    drift: DriftChoice,
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
                    plan on_wait_change release on_release_change explain drift/>
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
