//! An activation that waits (for its instant, or for a second person's approval), as the
//! journey page, the list and the review page show it. Every figure and sentence is
//! journey-core's (`PlanFigures::lines`, `changes_since`, `ApprovalNeed::sentence`); times are
//! written in the journey's zone (its rules from the server; the viewer's zone when they could
//! not be loaded).

use crate::format::in_viewer_zone;
use crate::routes::{SummaryChoices, When, ZoneChoice, review_url, summary_url};
use crate::session::RoleNote;
use journey_core::api::{PendingActivation, PendingRow, PendingStatus};
use journey_core::jiff::Timestamp;
use journey_core::journey::JourneyId;
use journey_core::pending::FigureChange;
use journey_core::plan::ActivationMode;
use journey_core::zone::Zone;
use leptos::prelude::*;

/// `at` in the journey's zone ("Mon 30 Nov 2026, 09:00 CET"), or the viewer's without the
/// journey's rules.
fn journey_time(at: Timestamp, zone: Option<&Zone>) -> String {
    zone.map_or_else(|| in_viewer_zone(at), |z| z.format(at))
}

/// "Resume scheduled for Mon 30 Nov 2026, 09:00 CET", "Awaiting approval", "Held".
fn headline(status: PendingStatus, mode: ActivationMode, run_at: Option<Timestamp>, zone: Option<&Zone>) -> String {
    match (status, run_at) {
        (PendingStatus::Scheduled, Some(at)) => format!("{} scheduled for {}", mode.label(), journey_time(at, zone)),
        (status, _) => status.label().to_string(),
    }
}

/// The journey page's panel for its waiting activation: when it runs (journey time and the
/// viewer's), who asked and when, its guard, the figures it was asked with, and what the
/// signed-in person may do about it.
#[component]
pub fn PendingPanel(
    id: JourneyId,
    pending: PendingActivation,
    /// The journey's zone (None: its rules could not be loaded; times are the viewer's and the
    /// figures are not shown).
    zone: Option<Zone>,
    /// The signed-in person's id: the one who asked cannot review their own request (None:
    /// nobody known, mounted alone).
    #[prop(optional_no_strip)]
    viewer_id: Option<u64>,
    /// Why the signed-in person may not act on it (a viewer), if they may not.
    #[prop(optional, into)]
    refused: Signal<Option<String>>,
    /// Cancel (the page asks first).
    on_cancel: Callback<()>,
) -> impl IntoView {
    let p = pending;
    let z = zone.as_ref();
    let own = viewer_id == Some(p.requested_by_id);
    let awaiting = p.status == PendingStatus::AwaitingApproval;
    // The role does not change while the page is open (signing out leaves it).
    let may_act = refused.with_untracked(Option::is_none);
    let yours = |at| format!("{} your time", in_viewer_zone(at));
    let when = match (p.status, p.run_at) {
        (PendingStatus::Scheduled, Some(at)) => yours(at),
        (PendingStatus::AwaitingApproval, Some(at)) => {
            format!("{} at {} ({}) once approved.", p.mode.label(), journey_time(at, z), yours(at))
        }
        (PendingStatus::AwaitingApproval, None) => format!("{} as soon as it is approved.", p.mode.label()),
        (PendingStatus::Held, _) => p.note.clone().unwrap_or_default(),
        (PendingStatus::Scheduled, None) => format!("{} as soon as it can run.", p.mode.label()),
    };
    let asked_label = if p.status == PendingStatus::Scheduled { "Scheduled by" } else { "Asked by" };
    let figures_label = match p.figures.projected_from {
        Some(from) => format!("Projected figures (from the numbers of {})", in_viewer_zone(from)),
        None => "Figures when asked".to_string(),
    };
    let figures = z.map(|z| {
        p.figures
            .lines(z)
            .into_iter()
            .map(|(label, value)| view! { <dt>{label}</dt><dd data-testid="pending-figure">{value}</dd> })
            .collect_view()
    });
    // Change: the summary with the same choices, the same instant on the journey's clock.
    let when_again = match p.run_at {
        Some(at) => When::Later { local: z.map(|z| z.to_local(at)), zone: ZoneChoice::Journey },
        None => When::Now,
    };
    let drift = p.drift_guard.map(|g| g.percent);
    let change_href =
        summary_url(id, &SummaryChoices { mode: p.mode, wait: p.wait_handling, release: p.release, when: when_again, drift });
    view! {
        <section class="card pending-card" class:pending-attention=p.status != PendingStatus::Scheduled
            aria-labelledby="pending-title" data-testid="pending-panel">
            <div class="card-head">
                <div>
                    <h2 class="card-title" id="pending-title" data-testid="pending-title">{headline(p.status, p.mode, p.run_at, z)}</h2>
                    <p class="muted" data-testid="pending-when">{when}</p>
                </div>
                <div class="page-actions">
                    <button type="button" class="btn btn-danger btn-small" data-testid="pending-cancel"
                        disabled=!may_act aria-describedby=(!may_act).then_some("pending-role-note")
                        on:click=move |_| on_cancel.run(())>"Cancel"</button>
                    {may_act.then(|| view! {
                        <a class="btn btn-secondary btn-small" data-testid="pending-change" href=change_href>"Change"</a>
                    })}
                    {(awaiting && !own && may_act).then(|| view! {
                        <a class="btn btn-primary btn-small" data-testid="pending-review" href=review_url(id)>"Review"</a>
                    })}
                </div>
            </div>
            <div class="card-body">
                <RoleNote refusal=refused id="pending-role-note"/>
                {(awaiting && own).then(|| view! {
                    <p class="role-note" data-testid="pending-own">"Waiting for another operator or admin to approve."</p>
                })}
                <dl class="facts">
                    <dt>{asked_label}</dt>
                    <dd data-testid="pending-requested-by">{format!("{} on {}", p.requested_by, in_viewer_zone(p.requested_at))}</dd>
                    {p.approved_by.map(|who| view! { <dt>"Approved by"</dt><dd data-testid="pending-approved-by">{who}</dd> })}
                    {p.drift_guard.map(|g| view! {
                        <dt>"Drift guard"</dt>
                        <dd data-testid="pending-drift">
                            {format!("Held if the recipients then differ by more than {}% from the projection.", g.percent)}
                        </dd>
                    })}
                    {p.approval.map(|need| view! { <dt>"Approval"</dt><dd data-testid="pending-approval">{need.sentence()}</dd> })}
                    {p.note.filter(|_| p.status != PendingStatus::Held).map(|note| view! {
                        <dt>"Note"</dt><dd data-testid="pending-note">{note}</dd>
                    })}
                </dl>
                {figures.map(|figures| view! {
                    <h3 class="pending-subtitle" data-testid="pending-figures-label">{figures_label}</h3>
                    <dl class="facts figures">{figures}</dl>
                })}
                <p class="muted pending-foot">"Activating the journey now cancels this waiting activation."</p>
            </div>
        </section>
    }
}

/// The list's badge for a journey's waiting activation.
#[component]
pub fn PendingBadge(
    pending: PendingRow,
    /// The journey's zone (None: the viewer's times).
    zone: Option<Zone>,
) -> impl IntoView {
    let class = match pending.status {
        PendingStatus::Scheduled => "badge badge-scheduled badge-pending",
        PendingStatus::AwaitingApproval | PendingStatus::Held => "badge badge-paused badge-pending",
    };
    view! {
        <span class=class data-testid="pending-badge">{headline(pending.status, pending.mode, pending.run_at, zone.as_ref())}</span>
    }
}

/// The review page's highlighted box: the figures that differ between the request and the
/// plan recomputed now (`PlanFigures::changes_since`), or that nothing did.
#[component]
pub fn ChangesSinceRequest(changes: Vec<FigureChange>) -> impl IntoView {
    if changes.is_empty() {
        return view! {
            <div class="notice notice-ok" role="status" data-testid="review-unchanged">"Nothing changed since the request."</div>
        }
        .into_any();
    }
    view! {
        <section class="notice review-changes" aria-labelledby="review-changes-title" data-testid="review-changes">
            <div>
                <h2 class="card-title" id="review-changes-title">"Changed since the request"</h2>
                <table class="compare">
                    <thead><tr>
                        <th scope="col">"Figure"</th>
                        <th scope="col" class="num">"At the request"</th>
                        <th scope="col" class="num">"Now"</th>
                    </tr></thead>
                    <tbody>
                        {changes.into_iter().map(|c| view! {
                            <tr data-testid="review-change">
                                <td>{c.label}</td><td class="num">{c.before}</td><td class="num">{c.after}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}
