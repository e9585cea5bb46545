//! The journey summary: what an activation at T will do, as computed by
//! `journey_core::plan::plan_activation` from the API's snapshot. The page computes the plan
//! once (`pages::summary::plan_memo`) and passes it here; nothing is re-derived in the UI:
//! every number shown is a field of the plan. A plan for a later instant, made on a projected
//! snapshot, says so (`plan.projected_from`) and offers the drift guard.

use crate::components::backlog::{ReleaseChoice, ReleaseInputs, VolumeChart};
use crate::components::explain_contact::{ExplainBox, ExplainContact};
use crate::format::{count, in_viewer_zone, in_zone, viewer_zone};
use journey_core::jiff::tz::TimeZone;
use journey_core::jiff::{SignedDuration, Timestamp};
use journey_core::journey::{JourneyDefinition, NodeId};
use journey_core::pending::{DriftGuard, MAX_DRIFT_PERCENT, recipients};
use journey_core::plan::{ActivationMode, ActivationPlan, NextRun, PlanError, WaitHandling, WaitOption, Warning};
use journey_core::release::{ReleasePolicy, Volume};
use journey_core::snapshot::{JourneySnapshot, NodeCount};
use leptos::prelude::*;

/// A node's name for people: its label, else what it does (journey-core's
/// `JourneyDefinition::step_name`).
pub fn node_name(def: &JourneyDefinition, id: &NodeId) -> String {
    def.step_name(id)
}

fn shift_words(shift: Option<SignedDuration>) -> String {
    let minutes = shift.map(|d| d.as_secs().max(0) as u64 / 60).unwrap_or(0);
    let minutes = u32::try_from(minutes).unwrap_or(u32::MAX);
    journey_core::journey::duration_words(minutes)
}

/// The drift guard's choice (a plan for later only): the percentage as typed, and its change
/// (None: no guard).
#[derive(Clone, Copy)]
pub struct DriftChoice {
    pub percent: Signal<Option<u32>>,
    pub on_change: Callback<Option<u32>>,
}

#[component]
pub fn SummaryView(
    /// The API's snapshot the plan was computed from (its zone and flow name the plan's times
    /// and nodes).
    #[prop(into)]
    snapshot: Signal<JourneySnapshot>,
    /// The plan to show, computed once by the page.
    #[prop(into)]
    plan: Signal<Result<ActivationPlan, PlanError>>,
    /// A change of the wait handling choice (Resume).
    #[prop(optional)]
    on_wait_change: Option<Callback<WaitHandling>>,
    /// The backlog release policy (Resume; all at once when not given).
    #[prop(optional, into)]
    release: Option<Signal<ReleasePolicy>>,
    /// A change of the release policy (Resume).
    #[prop(optional)]
    on_release_change: Option<Callback<ReleasePolicy>>,
    /// "Explain one contact": the box's state (none: no such row).
    #[prop(optional)]
    explain: Option<ExplainBox>,
    /// The drift guard (shown on a projected plan; none: no such row).
    #[prop(optional)]
    drift: Option<DriftChoice>,
) -> impl IntoView {
    // The backlog choice's typed numbers outlive the plan's redraw each minute.
    let inputs = ReleaseInputs::new();
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
            let release = release.map(|r| r.get()).unwrap_or_default();
            view! { <PlanView plan snapshot=snap viewer=viewer.clone() on_wait_change release on_release_change inputs explain drift/> }
                .into_any()
        }
    }
}

/// One plan, row by row: the activation, the next run, the recipients, the waits (Resume),
/// the warnings.
#[component]
fn PlanView(
    plan: ActivationPlan,
    snapshot: JourneySnapshot,
    viewer: String,
    on_wait_change: Option<Callback<WaitHandling>>,
    release: ReleasePolicy,
    on_release_change: Option<Callback<ReleasePolicy>>,
    inputs: ReleaseInputs,
    explain: Option<ExplainBox>,
    drift: Option<DriftChoice>,
) -> impl IntoView {
    let tz = snapshot.zone.time_zone();
    let explain_row = explain.map(|state| {
        let (snapshot, plan) = (snapshot.clone(), plan.clone());
        view! {
            <section class="summary-row" aria-labelledby="explain-label" data-testid="summary-explain">
                <h2 class="summary-label" id="explain-label">"Explain a contact"</h2>
                <div><ExplainContact snapshot plan release state/></div>
            </section>
        }
    });
    let volume = journey_core::release::volume(&snapshot, &plan, release);
    let drift_row = drift.filter(|_| plan.projected_from.is_some()).map(|choice| drift_row(recipients(&plan), choice));
    let view = view! {
        <div class="card" data-testid="summary">
            {projection_notice(&plan, tz)}
            {activation_row(&plan, tz, snapshot.zone.name(), &viewer)}
            {changes_row(&snapshot, &plan)}
            {next_run_row(&plan, &snapshot, &viewer)}
            {recipients_row(&plan, &snapshot.definition, &volume)}
            {waits_row(&plan, on_wait_change)}
            {release_row(&plan, release, on_release_change, inputs)}
            <div class="summary-row">
                <div class="summary-label">"Volume"</div>
                <div><VolumeChart volume=volume.clone() tz=tz.clone() later=plan.projected_from.is_some()/></div>
            </div>
            {warnings_row(&volume.warnings(&plan))}
            {drift_row}
            {explain_row}
        </div>
    };
    crate::perf::mark(crate::perf::SUMMARY_SHOWN);
    view
}

/// A plan on a projected snapshot: its counts are a projection from today's numbers (its runs
/// are exact).
fn projection_notice(plan: &ActivationPlan, tz: &TimeZone) -> Option<AnyView> {
    let from = plan.projected_from?;
    Some(
        view! {
            <div class="notice notice-info summary-projection" data-testid="summary-projection">
                <div>
                    <strong>{format!("Projected from today's numbers ({})", in_zone(from, tz))}</strong>
                    "Contacts can subscribe, unsubscribe, leave the data set or finish waits before then, so the counts below may change; the next runs are exact."
                </div>
            </div>
        }
        .into_any(),
    )
}

/// "Drift guard" (later): hold the activation at its instant when its recipients then differ
/// from this projection's by more than a percentage (`pending::DriftGuard`, checked there).
fn drift_row(projected: u64, choice: DriftChoice) -> AnyView {
    let DriftChoice { percent, on_change } = choice;
    let problem = move || percent.get().and_then(|p| DriftGuard { percent: p }.check().err());
    view! {
        <div class="summary-row" data-testid="summary-drift">
            <div class="summary-label">"Drift guard"</div>
            <div>
                <label class="check" for="drift-enabled">
                    <input type="checkbox" id="drift-enabled" data-testid="drift-enabled"
                        prop:checked=move || percent.get().is_some()
                        on:change=move |ev| on_change.run(event_target_checked(&ev).then_some(percent.get_untracked().unwrap_or(20)))/>
                    <span>
                        "Hold it if the number of recipients then differs by more than "
                        <input type="number" class="inline-number" min="1" max=MAX_DRIFT_PERCENT step="1"
                            aria-label="Percent the recipients may differ by" data-testid="drift-percent"
                            prop:value=move || percent.get().unwrap_or(20).to_string()
                            on:change=move |ev| on_change.run(Some(event_target_value(&ev).trim().parse().unwrap_or(0)))/>
                        " % from this projection."
                    </span>
                </label>
                <p class="muted" data-testid="drift-projected">
                    {format!("{} recipients projected (the backlog and those who enter at the next run).", count(projected))}
                </p>
                <p class="field-problem" role="alert" data-testid="drift-problem">{problem}</p>
            </div>
        </div>
    }
    .into_any()
}

/// "Activation": the mode and the instant, in the journey's zone and in the viewer's.
fn activation_row(plan: &ActivationPlan, tz: &TimeZone, zone_name: &str, viewer: &str) -> AnyView {
    view! {
        <div class="summary-row">
            <div class="summary-label">"Activation"</div>
            <div>
                <div data-testid="summary-at">{format!("{} at {}", plan.mode.label(), in_zone(plan.at, tz))}</div>
                <div class="zone-line">
                    {format!("Journey time zone {zone_name} · your time zone {viewer} ({})", in_viewer_zone(plan.at))}
                </div>
            </div>
        </div>
    }
    .into_any()
}

/// "Changed since the last activation" (only when something was saved since): the rules
/// crate's lines (`edit::describe`), each with the contacts it concerns in the plan's mode.
fn changes_row(snapshot: &JourneySnapshot, plan: &ActivationPlan) -> Option<AnyView> {
    let lines = journey_core::edit::describe(snapshot, plan);
    if lines.is_empty() {
        return None;
    }
    Some(
        view! {
            <section class="summary-row" aria-labelledby="changes-label" data-testid="summary-changes">
                <h2 class="summary-label" id="changes-label">"Changed since the last activation"</h2>
                <table class="by-node changes">
                    <thead><tr><th scope="col">"Change"</th><th scope="col" class="num">"Contacts"</th></tr></thead>
                    <tbody>
                        {lines.into_iter().map(|line| view! {
                            <tr data-testid="summary-change">
                                <td>{line.text}</td>
                                <td class="num" data-testid="summary-change-contacts">{count(line.contacts)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
        }
        .into_any(),
    )
}

/// "Next run": the next audience run in the journey's zone (and the viewer's), then the runs
/// after it; a run a DST change moved, one in a repeated hour or on a clamped month-end day
/// says why beside its time (`Schedule::run_flag`).
fn next_run_row(plan: &ActivationPlan, snapshot: &JourneySnapshot, viewer: &str) -> AnyView {
    let tz = snapshot.zone.time_zone();
    let schedule = snapshot.definition.trigger.schedule.as_ref();
    let flag = |at: Timestamp| {
        schedule.and_then(|s| s.run_flag(&snapshot.zone, at)).map(|f| {
            view! { <span class="run-flag" data-testid="run-flag"><span aria-hidden="true">"⚑ "</span>{f.message()}</span> }
        })
    };
    let your_time = |at: Timestamp| Some(format!("{} your time ({viewer})", in_viewer_zone(at)));
    let (next_main, next_alt, next_flag) = match plan.next_run {
        NextRun::Immediately { at } => (format!("Immediately, at activation ({})", in_zone(at, tz)), your_time(at), None),
        NextRun::At { at } => (in_zone(at, tz), your_time(at), flag(at)),
        NextRun::OnEachEvent => ("On each event that arrives after activation".to_string(), None, None),
        NextRun::NoFurtherRuns { reason } => (format!("No further runs. {}", reason.message()), None, None),
    };
    let following = &plan.following_runs;
    view! {
        <div class="summary-row">
            <div class="summary-label">"Next run"</div>
            <div>
                <div class="next-run" data-testid="summary-next-run">{next_main}</div>
                {next_alt.map(|a| view! { <div class="next-run-alt">{a}</div> })}
                {next_flag}
                {(!following.is_empty()).then(|| view! {
                    <div class="run-then">"Then"</div>
                    <ol class="run-list" aria-label="The runs after it" data-testid="summary-following-runs">
                        {following.iter().map(|&t| view! {
                            <li>
                                <span class="run-local">{in_zone(t, tz)}</span>
                                <span class="muted">{format!("{} your time", in_viewer_zone(t))}</span>
                                {flag(t)}
                            </li>
                        }).collect_view()}
                    </ol>
                })}
            </div>
        </div>
    }
    .into_any()
}

/// "Recipients": the plan's counts; on Resume, where the continuing contacts are.
fn recipients_row(plan: &ActivationPlan, def: &JourneyDefinition, volume: &Volume) -> AnyView {
    let by_node = match plan.mode {
        ActivationMode::Resume => by_node_table(def, &plan.continuing_by_node, &plan.overdue_by_node),
        ActivationMode::Restart => None,
    };
    view! {
        <div class="summary-row">
            <div class="summary-label">{if plan.projected_from.is_some() { "Recipients, projected" } else { "Recipients" }}</div>
            <div>
                <div class="stats">{stats(plan, volume)}</div>
                {by_node}
            </div>
        </div>
    }
    .into_any()
}

/// One number with what it counts; `warn` highlights it.
fn stat(testid: &'static str, value: String, label: &'static str, warn: bool) -> impl IntoView {
    let text = !value.starts_with(|c: char| c.is_ascii_digit());
    view! {
        <div class="stat" class:stat-warn=warn>
            <span class="stat-value" class:stat-value-text=text data-testid=testid>{value}</span>
            <span class="stat-label">{label}</span>
        </div>
    }
}

/// The four numbers of the mode: Resume's continuing and overdue, Restart's exited and
/// re-receiving, then who enters and who is suppressed; after an edit, on Resume, who leaves
/// because their step was removed.
fn stats(plan: &ActivationPlan, volume: &Volume) -> AnyView {
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
    match plan.mode {
        ActivationMode::Resume => view! {
            {stat("summary-continuing", count(plan.continuing), "continue where they stopped", false)}
            {stat("summary-overdue", count(plan.overdue),
                if volume.held > 0 { "of them overdue: released at the pace below" } else { "of them overdue: move on at activation" },
                plan.overdue > 0 && volume.held == 0)}
            {stat("summary-entering", entering, entering_label, false)}
            {stat("summary-suppressed", count(plan.suppressed), "suppressed: unsubscribed, never enter", false)}
            {(plan.exited_by_edit > 0).then(|| stat("summary-exited-by-edit", count(plan.exited_by_edit), "leave the journey: their step was removed", true))}
        }
        .into_any(),
        ActivationMode::Restart => view! {
            {stat("summary-exited", count(plan.exited_by_restart), "exited by the restart (in the journey now)", false)}
            {stat("summary-entering", entering, entering_label, false)}
            {stat("summary-rereceiving", count(plan.re_receiving), "of them receive its messages again", plan.re_receiving > 0)}
            {stat("summary-suppressed", count(plan.suppressed), "suppressed: unsubscribed, never enter", false)}
        }
        .into_any(),
    }
}

/// The continuing contacts per node, with how many of them are overdue; None when nobody
/// continues.
fn by_node_table(def: &JourneyDefinition, rows: &[NodeCount], overdue: &[NodeCount]) -> Option<AnyView> {
    if rows.is_empty() {
        return None;
    }
    let rows: Vec<_> = rows
        .iter()
        .map(|r| {
            let od: u64 = overdue.iter().filter(|o| o.node == r.node).map(|o| o.count).sum();
            (node_name(def, &r.node), r.count, od, r.node.to_string())
        })
        .collect();
    Some(
        view! {
            <table class="by-node" data-testid="summary-by-node">
                <thead><tr><th scope="col">"Node"</th><th scope="col" class="num">"Continuing"</th><th scope="col" class="num">"Overdue"</th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|(name, n, od, id)| view! {
                        <tr data-node-id=id><td>{name}</td><td class="num">{count(n)}</td><td class="num">{count(od)}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any(),
    )
}

/// "Waits" (Resume, when the journey has waits): the wait handling choice, with what each
/// option moves on at activation.
fn waits_row(plan: &ActivationPlan, on_wait_change: Option<Callback<WaitHandling>>) -> Option<AnyView> {
    if plan.mode != ActivationMode::Resume || plan.wait_options.is_empty() {
        return None;
    }
    let selected = plan.wait_handling;
    Some(
        view! {
            <div class="summary-row">
                <div class="summary-label" id="wait-label">"Waits"</div>
                <div>
                    <fieldset class="wait-options" aria-labelledby="wait-label">
                        {plan.wait_options.iter().map(|&option| view! { <WaitChoice option selected on_change=on_wait_change/> }).collect_view()}
                    </fieldset>
                </div>
            </div>
        }
        .into_any(),
    )
}

/// "Backlog" (Resume with overdue contacts): how they are released.
fn release_row(
    plan: &ActivationPlan,
    release: ReleasePolicy,
    on_change: Option<Callback<ReleasePolicy>>,
    inputs: ReleaseInputs,
) -> Option<AnyView> {
    if plan.mode != ActivationMode::Resume || plan.overdue == 0 {
        return None;
    }
    Some(
        view! {
            <div class="summary-row" data-testid="summary-release">
                <div class="summary-label" id="release-label">"Backlog"</div>
                <div><ReleaseChoice backlog=plan.overdue policy=release on_change inputs/></div>
            </div>
        }
        .into_any(),
    )
}

/// "Warnings": the plan's warnings (the overdue one told under the release policy) in words,
/// or that there are none.
fn warnings_row(warnings: &[Warning]) -> AnyView {
    let warnings = if warnings.is_empty() {
        view! { <p class="muted" data-testid="summary-no-warnings">"Nothing unexpected: no warnings."</p> }.into_any()
    } else {
        view! {
            <ul class="warnings" data-testid="summary-warnings">
                {warnings.iter().map(|w| view! {
                    <li data-testid="summary-warning"><span class="warn-icon" aria-hidden="true">"!"</span><span>{w.message()}</span></li>
                }).collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        <div class="summary-row">
            <div class="summary-label">"Warnings"</div>
            <div>{warnings}</div>
        </div>
    }
    .into_any()
}

#[component]
fn WaitChoice(option: WaitOption, selected: WaitHandling, on_change: Option<Callback<WaitHandling>>) -> impl IntoView {
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
                prop:checked=selected == h
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
