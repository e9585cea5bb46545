//! `/engage/journeys/{id}/activated`: the result of an activation: the server's own counts,
//! beside the preview's when they differ (time moved on between the summary and the click).
//!
//! The answer is kept in `sessionStorage` ([`StoredActivation`]) so a reload shows it again;
//! opened elsewhere (no stored answer) the page shows the journey's last activation from its
//! activity log, which holds the server's counts too.

use crate::api;
use crate::components::remote::{JourneyNotFound, Remote};
use crate::components::state_badge::StateBadge;
use crate::format::{count, in_viewer_zone};
use crate::routes::{journey_url, journeys_home, use_journey_id};
use crate::stored_activation::StoredActivation;
use journey_core::api::{ActivityEntry, JourneyDetail};
use journey_core::journey::JourneyId;
use journey_core::plan::{ActivationCounts, ActivationMode, NextRun};
use leptos::prelude::*;

#[component]
pub fn ActivatedPage() -> impl IntoView {
    let id = use_journey_id();
    move || {
        let Some(id) = id.get() else { return view! { <JourneyNotFound/> }.into_any() };
        match StoredActivation::load(id).filter(|s| s.server.is_some()) {
            Some(stored) => view! { <ActivationResult id stored/> }.into_any(),
            None => view! { <FromActivityLog id/> }.into_any(),
        }
    }
}

fn next_run_words(next: &NextRun) -> String {
    match next {
        NextRun::Immediately { at } => format!("Ran immediately, at {}", in_viewer_zone(*at)),
        NextRun::At { at } => in_viewer_zone(*at),
        NextRun::OnEachEvent => "On each event".to_string(),
        NextRun::NoFurtherRuns { reason } => format!("No further runs. {}", reason.message()),
    }
}

/// The next run as compared between preview and execution ("Immediately" is the activation
/// instant on both sides, which differ by the seconds between the summary and the click).
fn next_run_short(next: &NextRun) -> String {
    match next {
        NextRun::Immediately { .. } => "Immediately".to_string(),
        other => next_run_words(other),
    }
}

/// The rows of the comparison: (label, test id, preview, server).
fn rows(mode: ActivationMode, p: &ActivationCounts, s: &ActivationCounts) -> Vec<(&'static str, &'static str, String, String)> {
    let entering = |c: &ActivationCounts| c.entering.map(count).unwrap_or_else(|| "On each event".into());
    let mut rows = Vec::new();
    if mode == ActivationMode::Resume {
        rows.push(("Continuing where they stopped", "continuing", count(p.continuing), count(s.continuing)));
        rows.push(("Overdue, moved on at activation", "overdue", count(p.overdue), count(s.overdue)));
        if p.exited_by_edit > 0 || s.exited_by_edit > 0 {
            rows.push(("Left: their step was removed", "exited-by-edit", count(p.exited_by_edit), count(s.exited_by_edit)));
        }
    } else {
        rows.push(("Exited by the restart", "exited", count(p.exited_by_restart), count(s.exited_by_restart)));
        rows.push(("Receiving messages again", "rereceiving", count(p.re_receiving), count(s.re_receiving)));
    }
    rows.push(("Entering", "entering", entering(p), entering(s)));
    rows.push(("Suppressed (unsubscribed)", "suppressed", count(p.suppressed), count(s.suppressed)));
    rows
}

#[component]
fn ActivationResult(id: JourneyId, stored: StoredActivation) -> impl IntoView {
    let Some(resp) = stored.server.clone() else { return ().into_any() };
    let differs = resp.counts != stored.preview || next_run_short(&resp.next_run) != next_run_short(&stored.preview_next_run);
    let verb = match stored.mode {
        ActivationMode::Resume => "resumed",
        ActivationMode::Restart => "restarted",
    };
    let (name, crumb) = (stored.name.clone(), stored.name.clone());
    view! {
        <div class="page-head">
            <div>
                <nav class="breadcrumb" aria-label="Breadcrumb">
                    <a href=journeys_home()>"Journeys"</a>" › "<a href=journey_url(id)>{crumb}</a>
                </nav>
                <h1 class="page-title">
                    <span class="title-text">{name}</span>
                    <StateBadge state=resp.state/>
                </h1>
            </div>
            <div class="page-actions">
                <a href=journey_url(id) class="btn btn-secondary" data-testid="view-journey-link">"View journey"</a>
                <a href=journeys_home() class="btn btn-primary" data-testid="active-tab-link">"Go to Active journeys"</a>
            </div>
        </div>
        <section class="card" data-testid="activation-result" aria-labelledby="result-title">
            <div class="card-body">
                <div class="notice notice-ok" role="status">
                    <div>
                        <strong id="result-title">{format!("The journey was {verb} at {}.", in_viewer_zone(resp.plan_at))}</strong>
                        {format!("It is now {} and listed on the {} tab. Next run: {}.", resp.state.label(), resp.state.label(), next_run_words(&resp.next_run))}
                    </div>
                </div>
                {resp.last_release.map(|last| view! {
                    <p data-testid="result-release">
                        {format!(
                            "The contacts whose wait ended while the journey was frozen are released {}: the last at {}.",
                            resp.release.describe(), in_viewer_zone(last)
                        )}
                    </p>
                })}
                {resp.applying_in_batches.then(|| view! {
                    <p class="muted" data-testid="applying-in-batches">
                        "The contacts are being moved now, in batches (a few seconds per 100,000 contacts); the journey takes its next step when that is done. Its activity will show the numbers executed."
                    </p>
                })}
                {differs.then(|| view! {
                    <div class="notice" data-testid="activation-differs">
                        <div>
                            <strong>"The server's numbers differ from the summary you saw"</strong>
                            {format!(
                                "The summary was computed for {}; the server activated at {}. In between, time moved on (a wait may have ended, a run may have passed) or contacts changed, so the server's numbers below are what actually happened.",
                                in_viewer_zone(stored.preview_at), in_viewer_zone(resp.plan_at)
                            )}
                        </div>
                    </div>
                })}
                <table class="compare">
                    <thead><tr>
                        <th scope="col">"Contacts"</th>
                        {differs.then(|| view! { <th scope="col" class="num">"Summary"</th> })}
                        <th scope="col" class="num">"Activation"</th>
                    </tr></thead>
                    <tbody>
                        {
                            let (p, s) = (next_run_short(&stored.preview_next_run), next_run_short(&resp.next_run));
                            let row_differs = p != s;
                            view! {
                                <tr class:differs=row_differs>
                                    <td>"Next audience run"</td>
                                    {differs.then(|| view! { <td class="num" data-testid="result-next-run-preview">{p}</td> })}
                                    <td class="num" data-testid="result-next-run">{s}</td>
                                </tr>
                            }
                        }
                        {rows(stored.mode, &stored.preview, &resp.counts).into_iter().map(|(label, key, p, s)| {
                            let row_differs = p != s;
                            view! {
                                <tr class:differs=row_differs>
                                    <td>{label}</td>
                                    {differs.then(|| view! { <td class="num" data-testid=format!("result-{key}-preview")>{p}</td> })}
                                    <td class="num" data-testid=format!("result-{key}")>{s}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}

/// No stored answer: the journey's last activation from its activity log.
#[component]
fn FromActivityLog(id: JourneyId) -> impl IntoView {
    let detail = LocalResource::new(move || api::journey(id));
    view! {
        <Remote resource=detail what="the journey" children=move |j: JourneyDetail| {
            // Not a line about an activation that waits (scheduled, asked for, decided on).
            let activated = |e: &&ActivityEntry| !e.is_about_waiting();
            let last = j.activity.iter().rev().filter(activated).find(|e| e.mode.is_some() && e.counts.is_some()).cloned();
            view! {
                <div class="page-head">
                    <div>
                        <nav class="breadcrumb" aria-label="Breadcrumb"><a href=journeys_home()>"Journeys"</a></nav>
                        <h1 class="page-title"><span class="title-text">{j.name.clone()}</span><StateBadge state=j.state/></h1>
                    </div>
                    <div class="page-actions">
                        <a href=journey_url(id) class="btn btn-secondary">"View journey"</a>
                        <a href=journeys_home() class="btn btn-primary">"Go to Active journeys"</a>
                    </div>
                </div>
                <section class="card" data-testid="activation-result">
                    <div class="card-body">
                        {match last {
                            Some(e) => {
                                let mode = e.mode.unwrap_or(ActivationMode::Resume);
                                let c = e.counts.unwrap_or_default();
                                view! {
                                    <p>{format!("Last activation: {} at {} by {}.", mode.label(), in_viewer_zone(e.at), e.actor)}</p>
                                    <table class="compare"><tbody>
                                        {rows(mode, &c, &c).into_iter().map(|(label, key, _, s)| view! {
                                            <tr><td>{label}</td><td class="num" data-testid=format!("result-{key}")>{s}</td></tr>
                                        }).collect_view()}
                                    </tbody></table>
                                }.into_any()
                            }
                            None => view! { <p>"This journey has not been activated from the console yet."</p> }.into_any(),
                        }}
                    </div>
                </section>
            }
        }/>
    }
}
