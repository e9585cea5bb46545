//! The journey summary: what an activation at T will do, computed here in wasm by
//! `journey_core::plan::plan_activation` from the API's snapshot. Nothing is re-derived in the
//! UI: every number shown is a field of the plan.

use crate::format::{count, in_viewer_zone, in_zone, viewer_zone};
use journey_core::jiff::{SignedDuration, Timestamp};
use journey_core::journey::{JourneyDefinition, NodeId};
use journey_core::plan::{ActivationMode, ActivationPlan, NextRun, PlanError, WaitHandling, WaitOption, plan_activation};
use journey_core::snapshot::{JourneySnapshot, NodeCount};
use leptos::prelude::*;

/// The plan for the inputs, recomputed whenever one of them changes.
pub fn plan_memo(
    snapshot: Signal<JourneySnapshot>,
    at: Signal<Timestamp>,
    mode: Signal<ActivationMode>,
    wait_handling: Signal<WaitHandling>,
) -> Memo<Result<ActivationPlan, PlanError>> {
    Memo::new(move |_| {
        let (at, mode, wait_handling) = (at.get(), mode.get(), wait_handling.get());
        snapshot.with(|s| crate::perf::measure(crate::perf::PLAN_COMPUTED, || plan_activation(s, at, mode, wait_handling)))
    })
}

/// A node's name for people: its label, else what it does.
pub fn node_name(def: &JourneyDefinition, id: &NodeId) -> String {
    match def.node(id) {
        Some(node) => node.label.clone().unwrap_or_else(|| {
            use journey_core::journey::NodeKind::*;
            match &node.kind {
                Send { channel, template, .. } => format!("Send {} “{}”", channel.label(), template),
                Wait { minutes, .. } => format!("Wait {}", super::flow_diagram::duration_words(*minutes)),
                Condition { .. } => "Condition".to_string(),
                Exit => "Exit".to_string(),
            }
        }),
        None => id.to_string(),
    }
}

fn shift_words(shift: Option<SignedDuration>) -> String {
    let minutes = shift.map(|d| d.as_secs().max(0) as u64 / 60).unwrap_or(0);
    let minutes = u32::try_from(minutes).unwrap_or(u32::MAX);
    super::flow_diagram::duration_words(minutes)
}

#[component]
pub fn SummaryView(
    /// The API's snapshot.
    #[prop(into)]
    snapshot: Signal<JourneySnapshot>,
    /// The activation instant T (the viewer's clock).
    #[prop(into)]
    at: Signal<Timestamp>,
    #[prop(into)] mode: Signal<ActivationMode>,
    #[prop(into)] wait_handling: Signal<WaitHandling>,
    /// A change of the wait handling choice (Resume).
    #[prop(optional)]
    on_wait_change: Option<Callback<WaitHandling>>,
) -> impl IntoView {
    let plan = plan_memo(snapshot, at, mode, wait_handling);
    let viewer = viewer_zone();
    move || match plan.get() {
        Err(PlanError::StaleSnapshot { .. }) => view! {
            <div class="notice notice-info" role="status" data-testid="summary-refreshing">
                "The preview is being refreshed with the journey's latest numbers…"
            </div>
        }
        .into_any(),
        Err(e) => view! {
            <div class="notice" role="alert" data-testid="summary-error">
                <div><strong>"No summary can be computed"</strong>{e.to_string()}</div>
            </div>
        }
        .into_any(),
        Ok(plan) => {
            let snap = snapshot.get();
            view! { <PlanView plan snapshot=snap viewer=viewer.clone() wait_handling on_wait_change/> }.into_any()
        }
    }
}

#[component]
fn PlanView(
    plan: ActivationPlan,
    snapshot: JourneySnapshot,
    viewer: String,
    wait_handling: Signal<WaitHandling>,
    on_wait_change: Option<Callback<WaitHandling>>,
) -> impl IntoView {
    let tz = snapshot.zone.time_zone().clone();
    let zone_name = snapshot.zone.name().to_string();
    let def = snapshot.definition.clone();
    let journey_time = {
        let tz = tz.clone();
        move |t: Timestamp| in_zone(t, &tz)
    };
    let resume = plan.mode == ActivationMode::Resume;

    let (next_main, next_alt) = match plan.next_run {
        NextRun::Immediately { at } => (
            format!("Immediately, at activation ({})", journey_time(at)),
            Some(format!("{} your time ({viewer})", in_viewer_zone(at))),
        ),
        NextRun::At { at } => (journey_time(at), Some(format!("{} your time ({viewer})", in_viewer_zone(at)))),
        NextRun::OnEachEvent => ("On each event that arrives after activation".to_string(), None),
        NextRun::NoFurtherRuns { reason } => (format!("No further runs. {}", reason.message()), None),
    };

    let stat = |testid: &'static str, value: String, label: &'static str, warn: bool| {
        let text = !value.starts_with(|c: char| c.is_ascii_digit());
        view! {
            <div class="stat" class:stat-warn=warn>
                <span class="stat-value" class:stat-value-text=text data-testid=testid>{value}</span>
                <span class="stat-label">{label}</span>
            </div>
        }
    };
    let entering = match plan.entering {
        Some(n) => count(n),
        None => "On each event".to_string(),
    };
    let entering_label = match plan.next_run {
        NextRun::Immediately { .. } => "enter now, at activation",
        NextRun::OnEachEvent => "enter as their events arrive",
        NextRun::NoFurtherRuns { .. } => "enter (no further run)",
        NextRun::At { .. } => "enter at the next run",
    };
    let stats = if resume {
        view! {
            {stat("summary-continuing", count(plan.continuing), "continue where they stopped", false)}
            {stat("summary-overdue", count(plan.overdue), "of them overdue: move on at activation", plan.overdue > 0)}
            {stat("summary-entering", entering, entering_label, false)}
            {stat("summary-suppressed", count(plan.suppressed), "suppressed: unsubscribed, never enter", false)}
        }
        .into_any()
    } else {
        view! {
            {stat("summary-exited", count(plan.exited_by_restart), "exited by the restart (in the journey now)", false)}
            {stat("summary-entering", entering, entering_label, false)}
            {stat("summary-rereceiving", count(plan.re_receiving), "of them receive its messages again", plan.re_receiving > 0)}
            {stat("summary-suppressed", count(plan.suppressed), "suppressed: unsubscribed, never enter", false)}
        }
        .into_any()
    };

    let by_node = |rows: &[NodeCount], overdue: &[NodeCount]| {
        if rows.is_empty() {
            return None;
        }
        let rows: Vec<_> = rows
            .iter()
            .map(|r| {
                let od: u64 = overdue.iter().filter(|o| o.node == r.node).map(|o| o.count).sum();
                (node_name(&def, &r.node), r.count, od, r.node.to_string())
            })
            .collect();
        Some(view! {
            <table class="by-node" data-testid="summary-by-node">
                <thead><tr><th scope="col">"Node"</th><th scope="col" class="num">"Continuing"</th><th scope="col" class="num">"Overdue"</th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|(name, n, od, id)| view! {
                        <tr data-node-id=id><td>{name}</td><td class="num">{count(n)}</td><td class="num">{count(od)}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        })
    };
    let by_node_view = if resume { by_node(&plan.continuing_by_node, &plan.overdue_by_node) } else { None };

    let waits = (resume && !plan.wait_options.is_empty()).then(|| {
        let options = plan.wait_options.clone();
        view! {
            <div class="summary-row">
                <div class="summary-label" id="wait-label">"Waits"</div>
                <div>
                    <fieldset class="wait-options" aria-labelledby="wait-label">
                        {options.into_iter().map(|o| view! { <WaitChoice option=o selected=wait_handling on_change=on_wait_change/> }).collect_view()}
                    </fieldset>
                </div>
            </div>
        }
    });

    let following = plan.following_runs.clone();
    let warnings = plan.warnings.clone();
    let jt = journey_time.clone();
    crate::perf::mark(crate::perf::SUMMARY_SHOWN);

    view! {
        <div class="card" data-testid="summary">
            <div class="summary-row">
                <div class="summary-label">"Activation"</div>
                <div>
                    <div data-testid="summary-at">{format!("{} at {}", plan.mode.label(), journey_time(plan.at))}</div>
                    <div class="zone-line">
                        {format!("Journey time zone {zone_name} · your time zone {viewer} ({})", in_viewer_zone(plan.at))}
                    </div>
                </div>
            </div>
            <div class="summary-row">
                <div class="summary-label">"Next run"</div>
                <div>
                    <div class="next-run" data-testid="summary-next-run">{next_main}</div>
                    {next_alt.map(|a| view! { <div class="next-run-alt">{a}</div> })}
                    {(!following.is_empty()).then(|| view! {
                        <div class="run-then">"Then"</div>
                        <ol class="run-list" aria-label="The runs after it" data-testid="summary-following-runs">
                            {following.into_iter().map(|t| view! {
                                <li><span class="run-local">{jt(t)}</span><span class="muted">{format!("{} your time", in_viewer_zone(t))}</span></li>
                            }).collect_view()}
                        </ol>
                    })}
                </div>
            </div>
            <div class="summary-row">
                <div class="summary-label">"Recipients"</div>
                <div>
                    <div class="stats">{stats}</div>
                    {by_node_view}
                </div>
            </div>
            {waits}
            <div class="summary-row">
                <div class="summary-label">"Warnings"</div>
                <div>
                    {if warnings.is_empty() {
                        view! { <p class="muted" data-testid="summary-no-warnings">"Nothing unexpected: no warnings."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="warnings" data-testid="summary-warnings">
                                {warnings.into_iter().map(|w| view! {
                                    <li data-testid="summary-warning"><span class="warn-icon" aria-hidden="true">"!"</span><span>{w.message()}</span></li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </div>
            </div>
        </div>
    }
}

#[component]
fn WaitChoice(option: WaitOption, selected: Signal<WaitHandling>, on_change: Option<Callback<WaitHandling>>) -> impl IntoView {
    let h = option.handling;
    let slug = h.as_str();
    let (title, detail) = match h {
        WaitHandling::KeepDeadlines => {
            ("Keep deadlines", "Contacts whose wait ended while frozen move on now; other waits end as planned.".to_string())
        }
        WaitHandling::ExtendByPause => (
            "Extend waits by the pause",
            format!(
                "Every pending wait is extended by {}, so each contact waits as long as designed.",
                shift_words(option.deadline_shift)
            ),
        ),
    };
    let id = format!("wait-{slug}");
    let (for_id, input_id) = (id.clone(), id.clone());
    view! {
        <label class="choice" for=for_id>
            <input type="radio" name="wait-handling" id=input_id value=slug data-testid=id
                prop:checked=move || selected.get() == h
                on:change=move |_| if let Some(cb) = on_change { cb.run(h) }/>
            <span>
                <span class="choice-title">{title}</span>
                <span class="choice-text">
                    <strong data-testid=format!("wait-{slug}-overdue")>{count(option.overdue)}</strong>
                    {if option.overdue == 1 { " contact moves on at activation. " } else { " contacts move on at activation. " }}
                    {detail}
                </span>
            </span>
        </label>
    }
}
