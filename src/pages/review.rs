//! `/engage/journeys/{id}/review`: a second operator or admin reviews an activation awaiting
//! approval. The summary is recomputed now (projected to its instant while that is still
//! ahead) with the same `SummaryView`, the figures that changed since the request are
//! highlighted (`PlanFigures::changes_since`), and Approve or Reject send the decision with a
//! reason. The person who asked cannot decide (the server refuses it; the buttons say so
//! first).

use crate::api::{self, Answer, ApiError};
use crate::clock::use_minute_clock;
use crate::components::pending::ChangesSinceRequest;
use crate::components::remote::{JourneyNotFound, Remote};
use crate::components::summary_view::SummaryView;
use crate::format::in_viewer_zone;
use crate::routes::{activated_url, journey_url, journeys_home, use_journey_id};
use crate::session::{RoleNote, Session, refusal};
use crate::stored_activation::StoredActivation;
use journey_core::access::Role;
use journey_core::api::{JourneyDetail, PendingActivation, PendingDecision, PendingStatus, codes};
use journey_core::journey::JourneyId;
use journey_core::pending::PlanFigures;
use journey_core::plan::{PlanError, plan_activation};
use journey_core::release::volume;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;

#[component]
pub fn ReviewPage() -> impl IntoView {
    let id = use_journey_id();
    move || match id.get() {
        Some(id) => view! { <Review id/> }.into_any(),
        None => view! { <JourneyNotFound/> }.into_any(),
    }
}

/// The journey and its activation awaiting approval, loaded again after a stale decision.
#[component]
fn Review(id: JourneyId) -> impl IntoView {
    let detail = LocalResource::new(move || api::journey(id));
    // Outlives a reload: why the page was reloaded, or why a decision was refused.
    let notice = RwSignal::new(None::<String>);
    let on_reload = Callback::new(move |_| detail.refetch());
    view! {
        <Remote resource=detail what="the journey" children=move |journey: JourneyDetail| {
            crate::set_title(&format!("Review: {}", journey.name));
            match journey.pending.clone().filter(|p| p.status == PendingStatus::AwaitingApproval) {
                Some(pending) => view! { <ReviewOf journey pending notice on_reload/> }.into_any(),
                None => view! {
                    <ReviewHead journey=journey.clone() subtitle=String::new()/>
                    {move || notice.get().map(|text| view! { <div class="notice" role="alert" data-testid="review-error">{text}</div> })}
                    <div class="card card-body empty" data-testid="review-nothing">
                        <strong>"Nothing is waiting for approval on this journey"</strong>
                        <p>"It may have been approved, rejected or cancelled meanwhile. "
                            <a href=journey_url(id)>"Back to the journey"</a></p>
                    </div>
                }
                .into_any(),
            }
        }/>
    }
}

#[component]
fn ReviewHead(journey: JourneyDetail, subtitle: String) -> impl IntoView {
    view! {
        <div class="page-head">
            <div>
                <nav class="breadcrumb" aria-label="Breadcrumb">
                    <a href=journeys_home()>"Journeys"</a>" › "<a href=journey_url(journey.id)>{journey.name.clone()}</a>
                </nav>
                <h1 class="page-title"><span class="title-text">{format!("Review the activation of “{}”", journey.name)}</span></h1>
                <p class="subtitle" data-testid="review-subtitle">{subtitle}</p>
            </div>
            <div class="page-actions">
                <a href=journey_url(journey.id) class="btn btn-secondary">"Back to the journey"</a>
            </div>
        </div>
    }
}

/// The review of `pending`: what changed, the decision, the summary now.
#[component]
fn ReviewOf(
    journey: JourneyDetail,
    pending: PendingActivation,
    notice: RwSignal<Option<String>>,
    on_reload: Callback<()>,
) -> impl IntoView {
    let id = journey.id;
    let now = use_minute_clock();
    // Projected to its instant while that is ahead; else the journey as it is now.
    let at = pending.run_at.filter(|t| *t > now.get_untracked());
    let snapshot = LocalResource::new(move || api::snapshot(id, at));
    let (mode, wait, release) = (pending.mode, pending.wait_handling, pending.release);
    let plan_at = Signal::derive(move || at.unwrap_or_else(|| now.get()));
    let plan = Memo::new(move |_| match snapshot.get() {
        Some(Ok(s)) => plan_activation(&s, plan_at.get(), mode, wait),
        _ => Err(PlanError::StaleSnapshot { valid_until: plan_at.get() }),
    });
    // The journey now moves on with the clock: a snapshot past its horizon is loaded again.
    Effect::new(move |_| {
        let t = now.get();
        if at.is_none() && snapshot.get_untracked().is_some_and(|s| s.is_ok_and(|s| !s.is_fresh_at(t))) {
            snapshot.refetch();
        }
    });
    let changes = {
        let asked = pending.figures.clone();
        move || {
            let plan = plan.get().ok()?;
            let s = snapshot.get()?.ok()?;
            let figures = PlanFigures::of(&plan, &volume(&s, &plan, release));
            Some(view! { <ChangesSinceRequest changes=figures.changes_since(&asked, &s.zone)/> })
        }
    };
    let runs = match pending.run_at {
        Some(t) => format!("{} at {} once approved.", mode.label(), in_viewer_zone(t)),
        None => format!("{} as soon as it is approved.", mode.label()),
    };
    let subtitle = format!("Asked for by {} on {}. {runs}", pending.requested_by, in_viewer_zone(pending.requested_at));
    let summary_label = if at.is_some() { "The summary, projected to then" } else { "The summary now" };
    view! {
        <ReviewHead journey=journey.clone() subtitle/>
        {move || notice.get().map(|text| view! { <div class="notice" role="alert" data-testid="review-error">{text}</div> })}
        {changes}
        <Decision journey pending notice on_reload plan/>
        <h2 class="section-title">{summary_label}</h2>
        <Remote resource=snapshot what="the journey's numbers" children=move |s| view! {
            <SummaryView snapshot=Signal::stored(s) plan release=Signal::stored(release)/>
        }/>
    }
}

/// The reason, Approve and Reject. Each decision has its own idempotency key for this page
/// (this version of the journey), so a retry sends it again.
#[component]
fn Decision(
    journey: JourneyDetail,
    pending: PendingActivation,
    notice: RwSignal<Option<String>>,
    on_reload: Callback<()>,
    plan: Memo<Result<journey_core::plan::ActivationPlan, PlanError>>,
) -> impl IntoView {
    let id = journey.id;
    let reason = RwSignal::new(String::new());
    let viewer_id = use_context::<Session>().and_then(Session::user_id);
    let own = viewer_id == Some(pending.requested_by_id);
    let refused = refusal(Role::Operator);
    let keys = StoredValue::new((api::new_idempotency_key(), api::new_idempotency_key()));
    let decision = move || PendingDecision {
        pending_id: pending.id,
        expected_version: journey.version,
        reason: Some(reason.get_untracked().trim().to_string()).filter(|r| !r.is_empty()),
    };
    let approve = Action::new_local(move |d: &PendingDecision| {
        let d = d.clone();
        async move { api::approve_pending(id, &d, &keys.get_value().0).await }
    });
    let reject = Action::new_local(move |d: &PendingDecision| {
        let d = d.clone();
        async move { api::reject_pending(id, &d, &keys.get_value().1).await.map(|_| ()) }
    });
    let refusal_of = move |e: ApiError| {
        if e.is_stale_version() || e.code() == Some(codes::NOT_PENDING) {
            notice.set(Some(format!("Nothing was decided: {} The page is reloaded with the journey as it is now.", e.detail())));
            on_reload.run(());
        } else {
            notice.set(Some(format!("{} {}", e.title(), e.detail())));
        }
    };
    let navigate = use_navigate();
    let name = journey.name.clone();
    Effect::new({
        let navigate = navigate.clone();
        move |_| match approve.value().get() {
            Some(Ok(Answer::Activated(response))) => {
                let preview = plan.get_untracked().ok().map(|p| StoredActivation::preview(&p, &name));
                if let Some(stored) = preview {
                    StoredActivation { server: Some((&*response).into()), ..stored }.save(id);
                }
                navigate(&activated_url(id), NavigateOptions { replace: true, ..Default::default() });
            }
            Some(Ok(Answer::Waiting(_))) => navigate(&journey_url(id), NavigateOptions { replace: true, ..Default::default() }),
            Some(Err(e)) => refusal_of(e),
            None => {}
        }
    });
    Effect::new(move |_| match reject.value().get() {
        Some(Ok(())) => navigate(&journey_url(id), NavigateOptions { replace: true, ..Default::default() }),
        Some(Err(e)) => refusal_of(e),
        None => {}
    });
    let busy = move || approve.pending().get() || reject.pending().get();
    let cannot = move || own || refused.with(Option::is_some) || busy();
    let no_reason = move || reason.with(|r| r.trim().is_empty());
    let described_by = move || match (own, refused.with(Option::is_some)) {
        (true, _) => Some("review-own"),
        (false, true) => Some("review-role-note"),
        _ => None,
    };
    view! {
        <section class="card review-decision" aria-labelledby="decision-title" data-testid="review-decision">
            <div class="card-head"><h2 class="card-title" id="decision-title">"Your decision"</h2></div>
            <div class="card-body">
                {own.then(|| view! {
                    <p class="role-note" id="review-own" data-testid="review-own">
                        "You asked for this activation; another operator or admin must approve it."
                    </p>
                })}
                <RoleNote refusal=refused id="review-role-note"/>
                <label class="field">
                    <span class="field-label">"Reason"</span>
                    <textarea rows="3" data-testid="review-reason"
                        placeholder="Why you approve or reject it: kept in the activity log, and needed to reject."
                        prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
                </label>
                <div class="review-actions">
                    <button type="button" class="btn btn-danger btn-caps" data-testid="review-reject"
                        disabled=move || cannot() || no_reason() aria-describedby=described_by
                        title=move || no_reason().then_some("Write a reason to reject.")
                        on:click=move |_| { notice.set(None); reject.dispatch_local(decision()); }>"Reject"</button>
                    <button type="button" class="btn btn-primary btn-caps" data-testid="review-approve"
                        disabled=cannot aria-describedby=described_by
                        on:click=move |_| { notice.set(None); approve.dispatch_local(decision()); }>"Approve"</button>
                </div>
            </div>
        </section>
    }
}
