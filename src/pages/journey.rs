//! `/engage/journeys/{id}` (and `/activate`, the dialog over it): the journey page.

use crate::api::{self, ApiError};
use crate::components::activate_dialog::ActivateDialog;
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::delivery::DeliveryCard;
use crate::components::flow_diagram::{FlowDiagram, trigger_words};
use crate::components::modal::Modal;
use crate::components::pending::PendingPanel;
use crate::components::remote::{ErrorPanel, Loading};
use crate::components::state_badge::StateBadge;
use crate::format::{count, in_viewer_zone};
use crate::routes::{
    SummaryChoices, activate_url, edit_url, journey_url, journeys_home, list_url, summary_url, use_journey_id, use_mode,
};
use crate::session::{RoleNote, Session, refusal};
use journey_core::access::Role;
use journey_core::api::{ActivityEntry, JourneyDetail, PendingDecision};
use journey_core::journey::TriggerSource;
use journey_core::plan::ActivationMode;
use journey_core::state::{JourneyAction, JourneyState, transition};
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::Outlet;
use leptos_router::hooks::use_navigate;

/// Shared with the dialog route below the page.
#[derive(Clone, Copy)]
struct JourneyContext {
    detail: LocalResource<Result<JourneyDetail, ApiError>>,
}

#[component]
pub fn JourneyPage() -> impl IntoView {
    let id = use_journey_id();
    let detail = LocalResource::new(move || {
        let id = id.get();
        async move {
            match id {
                Some(id) => api::journey(id).await,
                None => Err(ApiError::Http {
                    status: 404,
                    code: "not_found".into(),
                    message: "No such journey.".into(),
                    current_version: None,
                }),
            }
        }
    });
    provide_context(JourneyContext { detail });
    // Outlives each render of the journey, so a refused PAUSE or STOP stays explained after
    // the journey reloads.
    let notice = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        id.track();
        notice.set(None);
    });
    let (retrying, set_retrying) = signal(false);
    Effect::new(move |_| {
        if detail.get().is_some() {
            set_retrying.set(false);
        }
    });

    view! {
        {move || match detail.get() {
            None => view! {
                <div class="page-head"><div><div class="breadcrumb">"Journeys"</div><h1 class="page-title">"Loading journey…"</h1></div></div>
                <div class="card"><Loading label="Loading the journey…" rows=6/></div>
            }.into_any(),
            Some(Err(error)) => view! {
                <div class="page-head"><div>
                    <nav class="breadcrumb" aria-label="Breadcrumb"><a href=journeys_home()>"Journeys"</a></nav>
                    <h1 class="page-title">"Journey"</h1>
                </div></div>
                <ErrorPanel error=Signal::stored(error) what="the journey"
                    on_retry=Callback::new(move |_| { set_retrying.set(true); detail.refetch(); })
                    retrying/>
            }.into_any(),
            Some(Ok(journey)) => {
                crate::set_title(&journey.name);
                view! { <JourneyView journey notice on_changed=Callback::new(move |_| detail.refetch())/> }.into_any()
            }
        }}
        <Outlet/>
    }
}

/// What the confirmation dialog asks about.
#[derive(Clone, Copy, PartialEq)]
enum Confirm {
    Pause,
    Stop,
    /// Cancel the waiting activation.
    CancelPending,
}

#[component]
fn JourneyView(journey: JourneyDetail, notice: RwSignal<Option<String>>, on_changed: Callback<()>) -> impl IntoView {
    let navigate = use_navigate();
    let id = journey.id;
    let version = journey.version;
    let state = journey.state;
    let (confirm, set_confirm) = signal(None::<Confirm>);
    let set_notice = notice.write_only();
    // One key for cancelling the waiting activation this page shows (a retry sends it again).
    let cancel_key = StoredValue::new(api::new_idempotency_key());
    let pending_id = journey.pending.as_ref().map(|p| p.id);
    let action = Action::new_local(move |what: &Confirm| {
        let what = *what;
        async move {
            match what {
                Confirm::Pause => api::pause(id, version).await,
                Confirm::Stop => api::stop(id, version).await,
                Confirm::CancelPending => {
                    let decision =
                        PendingDecision { pending_id: pending_id.unwrap_or_default(), expected_version: version, reason: None };
                    api::cancel_pending(id, &decision, &cancel_key.get_value()).await
                }
            }
        }
    });
    Effect::new(move |_| {
        if let Some(result) = action.value().get() {
            set_confirm.set(None);
            match result {
                Ok(_) => set_notice.set(None),
                Err(e) => set_notice.set(Some(format!("{} {}", e.title(), e.detail()))),
            }
            on_changed.run(());
        }
    });

    let nav = navigate.clone();
    let open_activate = move |_| nav(&activate_url(id, None), NavigateOptions::default());
    let nav = navigate.clone();
    let open_edit = move |_| nav(&edit_url(id), NavigateOptions::default());
    // EDIT, ACTIVATE, PAUSE and STOP change the journey: operators and admins only.
    let refused = refusal(Role::Operator);
    let disabled = move || refused.with(Option::is_some);
    let described_by = move || disabled().then_some("journey-role-note");
    // An Active journey shows EDIT too, disabled, with the note saying to pause it first.
    let editable = state.can_edit();
    let edit_described_by = move || match (editable, disabled()) {
        (false, true) => Some("edit-note journey-role-note"),
        (false, false) => Some("edit-note"),
        (true, refused) => refused.then_some("journey-role-note"),
    };
    let has_actions = editable || state == JourneyState::Active;
    let def = journey.definition.clone();
    let zone = def.time_zone.clone();
    let frozen_label = match state {
        JourneyState::Stopped => Some("Stopped"),
        JourneyState::Paused => Some("Paused"),
        _ => None,
    };
    let list_href = list_url(state, "");
    let pending_panel = journey.pending.clone().map(|pending| {
        // Shown once the journey's zone rules are in (its times in journey time); without
        // them, in the viewer's.
        let zone_name = def.time_zone.clone();
        let zone = LocalResource::new(move || {
            let name = zone_name.clone();
            async move { api::zone(&name).await.ok() }
        });
        let viewer_id = use_context::<Session>().and_then(Session::user_id);
        let on_cancel = Callback::new(move |_| set_confirm.set(Some(Confirm::CancelPending)));
        move || {
            zone.get().map(|zone| {
                view! { <PendingPanel id pending=pending.clone() zone viewer_id refused on_cancel/> }
            })
        }
    });
    let total: u64 = journey.node_counts.iter().map(|c| c.count).sum();
    let activity: Vec<ActivityEntry> = journey.activity.iter().rev().cloned().collect();
    let steps: Vec<_> = def.nodes.iter().filter_map(|n| n.label.clone().map(|label| (n.id.clone(), label))).collect();

    view! {
        <div class="page-head">
            <div>
                <nav class="breadcrumb" aria-label="Breadcrumb">
                    <a href=list_href>"Journeys"</a>
                    " › "
                    <span>{state.label()}</span>
                </nav>
                <h1 class="page-title">
                    <span class="title-text" data-testid="journey-title">{journey.name.clone()}</span>
                    <StateBadge state/>
                </h1>
            </div>
            <div class="page-actions">
                {has_actions.then(|| view! {
                    <button type="button" class="btn btn-secondary btn-caps" data-testid="edit-button"
                        disabled=move || !editable || disabled() aria-describedby=edit_described_by
                        on:click=open_edit>"Edit"</button>
                })}
                {state.can_activate().then(|| view! {
                    <button type="button" class="btn btn-primary btn-caps" data-testid="activate-button"
                        disabled=disabled aria-describedby=described_by
                        on:click=open_activate>"Activate"</button>
                })}
                {(state == JourneyState::Active).then(|| view! {
                    <button type="button" class="btn btn-secondary btn-caps" data-testid="pause-button"
                        disabled=disabled aria-describedby=described_by
                        on:click=move |_| set_confirm.set(Some(Confirm::Pause))>"Pause"</button>
                    <button type="button" class="btn btn-danger btn-caps" data-testid="stop-button"
                        disabled=disabled aria-describedby=described_by
                        on:click=move |_| set_confirm.set(Some(Confirm::Stop))>"Stop"</button>
                })}
            </div>
        </div>
        {(state == JourneyState::Active).then(|| view! {
            <p class="role-note" id="edit-note" data-testid="edit-note">"Pause the journey to edit it."</p>
        })}
        {has_actions.then(|| view! { <RoleNote refusal=refused id="journey-role-note"/> })}
        {journey.applying.then(|| view! {
            <p class="role-note" data-testid="applying-note">
                "This journey is still moving contacts in batches (its last activation or audience run); it takes its next step when that is done. Reload to see the counts."
            </p>
        })}
        {move || notice.get().map(|text| view! {
            <div class="notice" role="alert" data-testid="action-error">{text}</div>
        })}
        {pending_panel}
        <div class="journey-grid">
            <section class="card" aria-labelledby="flow-title">
                <div class="card-head">
                    <h2 class="card-title" id="flow-title">"Flow"</h2>
                    <span class="muted" data-testid="journey-contacts">{format!("{} in the journey", count(total))}</span>
                </div>
                <div class="card-body">
                    <FlowDiagram definition=def.clone() node_counts=journey.node_counts.clone()/>
                </div>
            </section>
            <div class="side-stack">
                <section class="card" aria-labelledby="trigger-title">
                    <div class="card-head"><h2 class="card-title" id="trigger-title">"Trigger"</h2></div>
                    <div class="card-body">
                        <dl class="facts">
                            <dt>"Source"</dt><dd>{trigger_words(&def.trigger.source)}</dd>
                            <dt>"Audience"</dt><dd>{match def.trigger.audience {
                                journey_core::journey::AudienceMode::NewUsers => "New users: contacts that have not entered yet",
                                journey_core::journey::AudienceMode::AllUsers => "All users: every audience member at every run",
                            }}</dd>
                            {match &def.trigger.source {
                                TriggerSource::Segment { rule, .. } => Some(view! {
                                    <dt>"Rule"</dt>
                                    <dd>{if rule.all.is_empty() { "Everyone".to_string() } else {
                                        rule.all.iter().map(|t| t.attribute().to_string()).collect::<Vec<_>>().join(", ")
                                    }}</dd>
                                }.into_any()),
                                _ => None,
                            }}
                        </dl>
                    </div>
                </section>
                <section class="card" aria-labelledby="schedule-title">
                    <div class="card-head"><h2 class="card-title" id="schedule-title">"Schedule"</h2></div>
                    <div class="card-body">
                        <dl class="facts">
                            <dt>"Runs"</dt><dd data-testid="journey-schedule">{journey.schedule_text.clone()}</dd>
                            <dt>"Time zone"</dt><dd>{zone}</dd>
                            <dt>"Next run"</dt><dd>{if state.is_frozen() {
                                format!("None while {}", state.label().to_lowercase())
                            } else {
                                journey.next_run_at.map(in_viewer_zone).unwrap_or_else(|| "None".into())
                            }}</dd>
                            <dt>"Last run"</dt><dd>{journey.last_run_at.map(in_viewer_zone).unwrap_or_else(|| "Never".into())}</dd>
                            {frozen_label.zip(journey.frozen_at).map(|(label, at)| view! {
                                <dt>{label}</dt><dd data-testid="journey-frozen-at">{in_viewer_zone(at)}</dd>
                            })}
                            <dt>"Generation"</dt><dd>{journey.generation.0}</dd>
                        </dl>
                    </div>
                </section>
                <section class="card" aria-labelledby="activity-title">
                    <div class="card-head"><h2 class="card-title" id="activity-title">"Activity"</h2></div>
                    <div class="card-body">
                        {if activity.is_empty() {
                            view! { <p class="muted">"No activity yet."</p> }.into_any()
                        } else {
                            view! { <ol class="activity" data-testid="activity-log">
                                {activity.into_iter().map(|e| view! { <ActivityItem entry=e/> }).collect_view()}
                            </ol> }.into_any()
                        }}
                    </div>
                </section>
            </div>
        </div>
        <DeliveryCard id steps/>
        {move || confirm.get().map(|what| {
            let (title, message, label, danger) = match what {
                Confirm::Pause => (
                    "Pause this journey?",
                    "No contact enters, moves or receives a message until it is activated again. Positions and wait deadlines are kept.",
                    "Pause journey",
                    false,
                ),
                Confirm::Stop => (
                    "Stop this journey?",
                    "The journey ends for now: nothing is sent. Positions are kept, so it can still be resumed or restarted later.",
                    "Stop journey",
                    true,
                ),
                Confirm::CancelPending => (
                    "Cancel the waiting activation?",
                    "It will not run. The journey stays as it is; you can activate or schedule it again.",
                    "Cancel activation",
                    true,
                ),
            };
            let return_focus_to = match what {
                Confirm::Pause => "[data-testid=pause-button]",
                Confirm::Stop => "[data-testid=stop-button]",
                Confirm::CancelPending => "[data-testid=pending-cancel]",
            };
            view! {
                <ConfirmDialog title message confirm_label=label danger
                    busy=action.pending()
                    on_confirm=Callback::new(move |_| { action.dispatch_local(what); })
                    on_cancel=Callback::new(move |_| set_confirm.set(None))
                    return_focus_to
                />
            }
        })}
    }
}

/// What an activity line says happened: "Saved definition version 3", "Resumed (Paused →
/// Active)", the server's sentence about a waiting activation ("Approved the resume ...")
/// or, without one, its verb ("Approved the resume").
fn activity_words(entry: &ActivityEntry) -> String {
    if entry.is_about_waiting()
        && let Some(note) = &entry.note
    {
        return note.clone();
    }
    let mode = match entry.mode {
        Some(ActivationMode::Resume) => "resume",
        Some(ActivationMode::Restart) => "restart",
        None => "activation",
    };
    match (entry.action.as_deref(), entry.from) {
        (Some("edit"), _) => format!("Saved definition version {}", entry.definition_version.unwrap_or_default()),
        (Some("applied"), _) => format!("Finished moving the contacts for the {mode}"),
        (Some("schedule"), _) => format!("Scheduled a {mode}"),
        (Some("request_approval"), _) => format!("Asked for approval of a {mode}"),
        (Some("approve"), _) => format!("Approved the {mode}"),
        (Some("reject"), _) => format!("Rejected the {mode}"),
        (Some("cancel_pending"), _) => format!("Cancelled the waiting {mode}"),
        (Some("hold"), _) => format!("Held the scheduled {mode}: nothing was done"),
        (_, None) => format!("Created as {}", entry.to.label()),
        (_, Some(from)) => match entry.mode {
            Some(ActivationMode::Resume) => format!("Resumed ({} → {})", from.label(), entry.to.label()),
            Some(ActivationMode::Restart) => format!("Restarted ({} → {})", from.label(), entry.to.label()),
            None => format!("{} → {}", from.label(), entry.to.label()),
        },
    }
}

/// An activity line's details: its counts, definition version and release, and its note
/// (unless the note is the line itself).
fn activity_details(entry: &ActivityEntry) -> String {
    let mut parts = Vec::new();
    if let Some(c) = entry.counts {
        if c.continuing > 0 {
            parts.push(format!("{} continued", count(c.continuing)));
        }
        if let Some(e) = c.entering {
            parts.push(format!("{} entering", count(e)));
        }
        if c.exited_by_restart > 0 {
            parts.push(format!("{} exited by restart", count(c.exited_by_restart)));
        }
        if c.exited_by_edit > 0 {
            parts.push(format!("{} left: their step was removed", count(c.exited_by_edit)));
        }
        if let Some(v) = entry.definition_version {
            parts.push(format!("definition version {v}"));
        }
        if let Some(release) = entry.release {
            parts.push(format!("{} overdue, released {}", count(c.overdue), release.describe()));
        }
    }
    if !entry.is_about_waiting() {
        parts.extend(entry.note.clone());
    }
    parts.join(" · ")
}

#[component]
fn ActivityItem(entry: ActivityEntry) -> impl IntoView {
    let details = Some(activity_details(&entry)).filter(|s| !s.is_empty());
    view! {
        <li>
            <span>{activity_words(&entry)}</span>
            {details.map(|c| view! { <span class="cell-sub">{c}</span> })}
            <time datetime=entry.at.to_string()>{format!("{} · by {}", in_viewer_zone(entry.at), entry.actor)}</time>
        </li>
    }
}

/// `/engage/journeys/{id}/activate?mode=resume`: the ACTIVATE dialog over the journey page.
#[component]
pub fn ActivateRoute() -> impl IntoView {
    let JourneyContext { detail } = expect_context();
    let navigate = use_navigate();
    let id = use_journey_id();
    let initial = use_mode().get_untracked();

    move || {
        let Some(Ok(journey)) = detail.get() else { return ().into_any() };
        let id = id.get().unwrap_or(journey.id);
        let nav = navigate.clone();
        let on_cancel =
            Callback::new(move |_| nav(&journey_url(id), NavigateOptions { replace: true, scroll: false, ..Default::default() }));
        if let Err(e) = transition(journey.state, JourneyAction::Activate) {
            return view! {
                <Modal labelled_by="not-activatable-title" on_close=on_cancel testid="not-activatable-dialog">
                    <div class="modal-head"><h2 class="modal-title" id="not-activatable-title">"This journey cannot be activated"</h2></div>
                    <div class="modal-body"><p>{e.to_string()}</p></div>
                    <div class="modal-foot">
                        <button type="button" class="btn btn-secondary" on:click=move |_| on_cancel.run(())>"Close"</button>
                    </div>
                </Modal>
            }.into_any();
        }
        let nav = navigate.clone();
        let on_change = Callback::new(move |mode: ActivationMode| {
            nav(&activate_url(id, Some(mode)), NavigateOptions { replace: true, scroll: false, ..Default::default() })
        });
        let nav = navigate.clone();
        let on_apply = Callback::new(move |mode: ActivationMode| {
            nav(&summary_url(id, &SummaryChoices::of(mode)), NavigateOptions::default())
        });
        view! {
            <ActivateDialog journey_name=journey.name.clone() initial=initial
                on_apply on_cancel on_change/>
        }
        .into_any()
    }
}
