//! `/engage/journeys?tab=paused&q=...`: the journeys list, one tab per state, a name search.

use crate::api;
use crate::components::pending::PendingBadge;
use crate::components::remote::{ErrorPanel, Loading};
use crate::components::state_badge::StateBadge;
use crate::components::state_tabs::{PANEL_ID, StateTabs, tab_id};
use crate::format::{count, in_viewer_zone};
use crate::routes::{journey_url, list_url, use_search, use_tab};
use journey_core::api::{JourneyListResponse, JourneyRow, PendingStatus};
use journey_core::state::JourneyState;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;
use std::time::Duration;

#[component]
pub fn JourneysPage() -> impl IntoView {
    let navigate = use_navigate();
    let tab = use_tab();
    let q = use_search();

    // Each answer carries the (tab, q) it was asked for, so a stale table can be dimmed while
    // the next one loads.
    let list = LocalResource::new(move || {
        let (state, q) = (tab.get(), q.get());
        async move { ((state, q.clone()), api::list_journeys(state, q).await) }
    });
    let loading = move || list.get().map(|(key, _)| key != (tab.get(), q.get())).unwrap_or(true);
    let last_counts = RwSignal::new(None);
    let retrying = RwSignal::new(false);
    Effect::new(move |_| {
        match list.get() {
            Some((_, Ok(resp))) => last_counts.set(Some(resp.counts)),
            Some(_) => {}
            None => return,
        }
        retrying.set(false);
    });

    let nav = navigate.clone();
    let on_select = Callback::new(move |state: JourneyState| {
        nav(&list_url(state, &q.get_untracked()), NavigateOptions::default());
    });

    // The search box: typing updates the URL (replacing, so Back does not replay keystrokes)
    // after a short pause; Enter applies at once.
    let (draft, set_draft) = signal(q.get_untracked());
    Effect::new(move |_| set_draft.set(q.get()));
    let pending_search = StoredValue::new_local(None::<TimeoutHandle>);
    let nav = navigate.clone();
    let apply_search = move |text: String| {
        if let Some(h) = pending_search.get_value() {
            h.clear();
        }
        if text.trim() != q.get_untracked().trim() {
            nav(&list_url(tab.get_untracked(), &text), NavigateOptions { replace: true, ..Default::default() });
        }
    };
    let apply = apply_search.clone();
    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        set_draft.set(text.clone());
        if let Some(h) = pending_search.get_value() {
            h.clear();
        }
        let apply = apply.clone();
        let handle = set_timeout_with_handle(move || apply(text), Duration::from_millis(300)).ok();
        pending_search.set_value(handle);
    };
    let on_search_key = move |ev: web_sys::KeyboardEvent| {
        if ev.key() == "Enter" {
            apply_search(draft.get_untracked());
        }
    };

    Effect::new(move |_| crate::set_title(tab.get().label()));
    let marked = StoredValue::new(false);
    view! {
        <div class="page-head">
            <div>
                <nav class="breadcrumb" aria-label="Breadcrumb">"Engage"</nav>
                <h1 class="page-title">"Journeys"</h1>
            </div>
            <div class="search" role="search">
                <svg class="search-icon" viewBox="0 0 16 16" aria-hidden="true">
                    <circle cx="7" cy="7" r="5" fill="none" stroke="currentColor" stroke-width="1.8"/>
                    <line x1="11" y1="11" x2="15" y2="15" stroke="currentColor" stroke-width="1.8"/>
                </svg>
                <label class="visually-hidden" for="journey-search">"Search journeys by name"</label>
                <input
                    id="journey-search"
                    type="search"
                    placeholder="Search by name"
                    autocomplete="off"
                    data-testid="journey-search"
                    prop:value=move || draft.get()
                    on:input=on_input
                    on:keydown=on_search_key
                />
            </div>
        </div>
        <StateTabs counts=last_counts selected=tab on_select/>
        <section
            class="card table-card"
            role="tabpanel"
            id=PANEL_ID
            aria-labelledby=move || tab_id(tab.get())
            aria-busy=move || if loading() { "true" } else { "false" }
        >
            {move || match list.get() {
                None => view! { <Loading label="Loading journeys…" rows=5/> }.into_any(),
                Some((_, Err(error))) => view! {
                    <div class="card-body">
                        <ErrorPanel
                            error=Signal::stored(error)
                            what="the journeys"
                            on_retry=Callback::new(move |_| { retrying.set(true); list.refetch(); })
                            retrying
                        />
                    </div>
                }
                .into_any(),
                Some(((state, q), Ok(resp))) => {
                    if !marked.get_value() {
                        marked.set_value(true);
                        request_animation_frame(|| crate::perf::mark(crate::perf::LIST_RENDERED));
                    }
                    view! { <JourneyTable resp state q stale=Signal::derive(loading)/> }.into_any()
                }
            }}
        </section>
    }
}

#[component]
fn JourneyTable(resp: JourneyListResponse, state: JourneyState, q: String, #[prop(into)] stale: Signal<bool>) -> impl IntoView {
    if resp.rows.is_empty() {
        let msg = if q.trim().is_empty() {
            format!("No {} journeys.", state.label().to_lowercase())
        } else {
            format!("No {} journey matches “{}”.", state.label().to_lowercase(), q.trim())
        };
        return view! {
            <div class="empty" data-testid="journeys-empty">
                <strong>{msg}</strong>
                <span>"Try another tab or search."</span>
            </div>
        }
        .into_any();
    }
    let frozen_col = matches!(state, JourneyState::Paused | JourneyState::Stopped);
    let frozen_head = match state {
        JourneyState::Stopped => "Stopped",
        _ => "Paused",
    };
    view! {
        <div class="table-wrap" class:stale=move || stale.get()>
            <table class="data" data-testid="journeys-table">
                <thead>
                    <tr>
                        <th scope="col" class="col-name">"Name"</th>
                        <th scope="col">"Trigger"</th>
                        <th scope="col">"Schedule"</th>
                        <th scope="col" class="num">"In journey"</th>
                        <th scope="col" class="hide-md">"Last run"</th>
                        {frozen_col.then(|| view! { <th scope="col">{frozen_head}</th> })}
                    </tr>
                </thead>
                <tbody>
                    {resp.rows.into_iter().map(|row| view! { <JourneyRowView row frozen_col/> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

fn when(at: Option<jiff::Timestamp>) -> String {
    at.map(in_viewer_zone).unwrap_or_else(|| "—".to_string())
}

#[component]
fn JourneyRowView(row: JourneyRow, frozen_col: bool) -> impl IntoView {
    let href = journey_url(row.id);
    let frozen = match row.state {
        JourneyState::Stopped => row.stopped_at.or(row.paused_at),
        _ => row.paused_at,
    };
    // A waiting activation: its badge; a scheduled one's time once the journey's zone is in.
    let pending = row.pending.map(|pending| {
        let scheduled = pending.status == PendingStatus::Scheduled && pending.run_at.is_some();
        let zone = scheduled.then(|| {
            let name = row.time_zone.clone();
            LocalResource::new(move || {
                let name = name.clone();
                async move { api::zone(&name).await.ok() }
            })
        });
        move || match zone {
            None => Some(view! { <span class="cell-sub"><PendingBadge pending zone=None/></span> }),
            Some(zone) => zone.get().map(|zone| view! { <span class="cell-sub"><PendingBadge pending zone/></span> }),
        }
    });
    view! {
        <tr data-testid="journey-row" data-journey-id=row.id.to_string()>
            <td class="col-name">
                <a href=href class="row-link" data-testid="journey-link">{row.name.clone()}</a>
                {(!frozen_col).then(|| view! { <span class="cell-sub"><StateBadge state=row.state/></span> })}
                {pending}
            </td>
            <td>
                {row.trigger_kind.label()}
                <span class="cell-sub">{row.audience.label()}</span>
            </td>
            <td>
                {row.schedule_text.clone()}
                <span class="cell-sub">{row.time_zone.clone()}</span>
            </td>
            <td class="num" data-testid="row-contacts">{count(row.contacts_in_journey)}</td>
            <td class="hide-md nowrap">{when(row.last_run_at)}</td>
            {frozen_col.then(|| view! { <td class="nowrap">{when(frozen)}</td> })}
        </tr>
    }
}
