//! `/engage/journeys/{id}/summary?mode=resume&wait=keep_deadlines`: the journey summary and
//! ACTIVATE JOURNEY.

use crate::api::{self, ApiError};
use crate::clock::use_minute_clock;
use crate::components::remote::{ErrorPanel, JourneyNotFound, Loading};
use crate::components::summary_view::SummaryView;
use crate::routes::{activate_url, activated_url, journey_url, journeys_home, summary_url, use_journey_id, use_mode, use_wait};
use crate::stored_activation::StoredActivation;
use journey_core::journey::JourneyId;
use journey_core::plan::{ActivationMode, PlanError, WaitHandling, plan_activation};
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

    move || match (id.get(), mode.get()) {
        (Some(id), Some(m)) => view! { <Summary id mode=m wait/> }.into_any(),
        (Some(id), None) => view! { <Redirect path=activate_url(id, None)/> }.into_any(),
        (None, _) => view! { <JourneyNotFound/> }.into_any(),
    }
}

/// What ACTIVATE JOURNEY sends.
#[derive(Clone)]
struct Submit {
    mode: ActivationMode,
    wait: WaitHandling,
    version: u64,
    key: String,
    stored: StoredActivation,
}

#[component]
fn Summary(id: JourneyId, mode: ActivationMode, #[prop(into)] wait: Signal<WaitHandling>) -> impl IntoView {
    let navigate = use_navigate();
    let snapshot = LocalResource::new(move || api::snapshot(id));
    let now = use_minute_clock();
    let (stale_notice, set_stale_notice) = signal(None::<String>);
    let (retrying, set_retrying) = signal(false);
    // After a stale-version answer, until the fresh snapshot arrives: nothing can be sent.
    let (reloading, set_reloading) = signal(false);

    // The latest good snapshot; kept on screen while a fresh one loads.
    let current = RwSignal::new(None::<JourneySnapshot>);
    Effect::new(move |_| match snapshot.get() {
        Some(Ok(s)) => {
            set_retrying.set(false);
            set_reloading.set(false);
            if let Some(old) = current.get_untracked()
                && old.version != s.version
                && stale_notice.get_untracked().is_none()
            {
                set_stale_notice.set(Some(format!(
                        "This journey was changed elsewhere since this summary opened (version {} is now {}). The summary below has been recomputed from the journey as it is now: check it before you activate.",
                        old.version, s.version
                    )));
            }
            current.set(Some(s));
        }
        Some(Err(_)) => {
            set_retrying.set(false);
            set_reloading.set(false);
        }
        None => {}
    });

    let nav = navigate.clone();
    let on_wait_change = Callback::new(move |w: WaitHandling| {
        nav(&summary_url(id, mode, Some(w)), NavigateOptions { replace: true, scroll: false, ..Default::default() });
    });

    // One idempotency key per (version, mode, wait): a retry of the same activation reuses it,
    // a new version or choice gets a new one.
    let keys = StoredValue::new(Vec::<((u64, ActivationMode, WaitHandling), String)>::new());
    let key_for = move |k: (u64, ActivationMode, WaitHandling)| {
        if let Some((_, key)) = keys.with_value(|ks| ks.iter().find(|(kk, _)| *kk == k).cloned()) {
            return key;
        }
        let key = api::new_idempotency_key();
        keys.update_value(|ks| ks.push((k, key.clone())));
        key
    };

    let activate = Action::new_local(move |s: &Submit| {
        let s = s.clone();
        async move {
            let result = api::activate(id, s.mode, s.wait, s.version, s.key.clone()).await;
            (s, result)
        }
    });
    let last_error = RwSignal::new(None::<ApiError>);
    let nav = navigate.clone();
    Effect::new(move |_| {
        let Some((submit, result)) = activate.value().get() else { return };
        match result {
            Ok(response) => {
                last_error.set(None);
                let stored = StoredActivation { server: Some((&response).into()), ..submit.stored };
                stored.save(id);
                nav(&activated_url(id), NavigateOptions { replace: true, ..Default::default() });
            }
            Err(e) if e.is_stale_version() => {
                last_error.set(None);
                set_reloading.set(true);
                set_stale_notice.set(Some(
                    "This journey was changed elsewhere since this summary opened, so nothing was activated. The summary below is reloaded with the journey as it is now: check it, then activate again.".to_string(),
                ));
                snapshot.refetch();
            }
            Err(e) => last_error.set(Some(e)),
        }
    });

    let has_snapshot = Memo::new(move |_| current.with(|c| c.is_some()));
    let plan = Memo::new(move |_| {
        current
            .with(|s| s.as_ref().map(|s| plan_activation(s, now.get(), mode, wait.get())))
            .unwrap_or(Err(PlanError::StaleSnapshot { valid_until: now.get() }))
    });
    let header_name = move || current.get().map(|s| s.definition.name.clone()).unwrap_or_default();
    Effect::new(move |_| crate::set_title(&format!("Summary: {}", header_name())));

    view! {
        <div class="page-head">
            <div>
                <nav class="breadcrumb" aria-label="Breadcrumb">
                    <a href=journeys_home()>"Journeys"</a>
                    " › "
                    <a href=journey_url(id)>{move || { let n = header_name(); if n.is_empty() { "Journey".to_string() } else { n } }}</a>
                </nav>
                <h1 class="page-title">
                    <span class="title-text">{move || format!("Activate “{}” · {}", header_name(), mode.label())}</span>
                </h1>
                <p class="subtitle">"Journey summary: what will happen when you activate, computed now from the journey's current numbers."</p>
            </div>
            <div class="page-actions">
                <button type="button" class="btn btn-secondary" data-testid="back-button"
                    on:click={
                        let nav = navigate.clone();
                        move |_| nav(&activate_url(id, Some(mode)), NavigateOptions::default())
                    }>
                    "Back"
                </button>
                {move || {
                    let ready = current.with(|c| c.is_some()) && plan.with(|p| p.is_ok()) && !reloading.get();
                    let pending = activate.pending().get();
                    let submit = move |_| {
                        if activate.pending().get_untracked() || reloading.get_untracked() { return; }
                        let Some(name) = current.with_untracked(|c| c.as_ref().map(|s| s.definition.name.clone())) else { return };
                        // Exactly what the summary shows: the plan's own version, mode and wait handling.
                        let Ok(shown) = plan.get_untracked() else { return };
                        let key = key_for((shown.version, shown.mode, shown.wait_handling));
                        let stored = StoredActivation::preview(&shown, &name);
                        activate.dispatch_local(Submit { mode: shown.mode, wait: shown.wait_handling, version: shown.version, key, stored });
                    };
                    view! {
                        <button type="button" class="btn btn-primary btn-caps" data-testid="activate-journey-button"
                            disabled=!ready || pending aria-busy=if pending { "true" } else { "false" }
                            on:click=submit>
                            {pending.then(|| view! { <span class="spinner" aria-hidden="true"></span> })}
                            {if pending { "Activating…" } else if reloading.get() { "Reloading…" } else { "Activate journey" }}
                        </button>
                    }
                }}
            </div>
        </div>
        {move || stale_notice.get().map(|text| view! {
            <div class="notice" role="alert" data-testid="stale-version-message">
                <div><strong>"The journey changed"</strong>{text}</div>
            </div>
        })}
        {move || last_error.get().map(|e| {
            let retry = Callback::new(move |_| {
                if let Some((submit, _)) = activate.value().get_untracked() {
                    activate.dispatch_local(submit);
                }
            });
            view! {
                <ErrorPanel error=Signal::stored(e) what="the activation (nothing was changed unless the journey now shows Active)"
                    on_retry=retry retrying=activate.pending()/>
            }
        })}
        {move || match snapshot.get() {
            Some(Err(error)) if has_snapshot.get() => Some(view! {
                <ErrorPanel error=Signal::stored(error) what="the latest numbers of the journey"
                    on_retry=Callback::new(move |_| { set_retrying.set(true); snapshot.refetch(); }) retrying/>
            }),
            _ => None,
        }}
        {move || if let (true, Some(first)) = (has_snapshot.get(), current.get_untracked()) {
            view! {
                <SummaryView snapshot=Signal::derive(move || current.get().unwrap_or_else(|| first.clone()))
                    at=now mode=Signal::stored(mode) wait_handling=wait on_wait_change/>
                <StaleRefresher snapshot=snapshot now=now current=current/>
            }.into_any()
        } else {
            match snapshot.get() {
                Some(Err(error)) => view! {
                    <ErrorPanel error=Signal::stored(error) what="the journey summary"
                        on_retry=Callback::new(move |_| { set_retrying.set(true); snapshot.refetch(); }) retrying/>
                }.into_any(),
                _ => view! { <div class="card"><Loading label="Computing the summary…" rows=6/></div> }.into_any(),
            }
        }}
    }
}

/// Refetches the snapshot when the clock passes its horizon (the plan reports it stale).
#[component]
fn StaleRefresher(
    snapshot: LocalResource<Result<JourneySnapshot, ApiError>>,
    now: ReadSignal<journey_core::jiff::Timestamp>,
    current: RwSignal<Option<JourneySnapshot>>,
) -> impl IntoView {
    Effect::new(move |_| {
        let t = now.get();
        if current.with(|s| s.as_ref().map(|s| !s.is_fresh_at(t)).unwrap_or(false)) {
            snapshot.refetch();
        }
    });
}
