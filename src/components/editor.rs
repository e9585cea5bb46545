//! The editor of a journey's definition: what a person may change on a Draft, Scheduled,
//! Paused or Stopped journey (`docs/editing.md`), with the flow redrawn as they type.
//!
//! The rules crate judges every draft: `edit::check_revision` (which runs
//! `JourneyDefinition::validate`) gives the sentence the server would answer, so it shows
//! before SAVE rather than after. The editor only changes a `JourneyDefinition` and reads that
//! verdict; saving is the page's job (`pages::edit`), which gets a `SaveDefinitionRequest`.

use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::flow_diagram::FlowDiagram;
use crate::components::state_badge::StateBadge;
use crate::components::summary_view::node_name;
use crate::format::count;
use crate::routes::{journey_url, journeys_home};
use journey_core::api::{JourneyDetail, SaveDefinitionRequest};
use journey_core::edit::{Change, Destination, NodeMove, Revision, check_revision, diff};
use journey_core::jiff::civil::Time;
use journey_core::journey::{AttributeTest, AudienceMode, Channel, Condition, JourneyDefinition, Node, NodeId, NodeKind};
use journey_core::schedule::Schedule;
use journey_core::snapshot::NodeCount;
use journey_core::state::JourneyState;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

/// Whether a journey in `state` can be edited: Draft and Scheduled (nobody in it yet), Paused
/// and Stopped (the change reaches contacts at the next activation). The server holds the same
/// line and answers 409 otherwise; the console asks first only to offer EDIT or explain.
pub fn can_edit(state: JourneyState) -> bool {
    matches!(state, JourneyState::Draft | JourneyState::Scheduled | JourneyState::Paused | JourneyState::Stopped)
}

/// The units a wait's duration is typed in, as minutes each.
const UNITS: [(u32, &str); 3] = [(1, "minutes"), (60, "hours"), (24 * 60, "days")];

/// What the person is editing, shared by the pieces of the editor.
#[derive(Clone, Copy)]
struct Draft {
    /// The definition as it would be saved.
    definition: RwSignal<JourneyDefinition>,
    /// Where the contacts of removed steps go, as chosen so far.
    moves: RwSignal<Vec<NodeMove>>,
    /// "Apply the new duration to contacts already waiting".
    apply_new_waits: RwSignal<bool>,
    /// The definition the editor opened with.
    original: StoredValue<JourneyDefinition>,
    /// Live contacts per step now (from the journey page's counts).
    live: StoredValue<Vec<NodeCount>>,
}

impl Draft {
    /// Changes the kind of step `id` in place (its id, and so its contacts, stay).
    fn edit_step(self, id: &NodeId, change: impl FnOnce(&mut NodeKind)) {
        self.definition.update(|d| {
            if let Some(node) = d.nodes.iter_mut().find(|n| &n.id == id) {
                change(&mut node.kind);
            }
        });
    }

    /// Contacts standing at `id` now.
    fn contacts_at(self, id: &NodeId) -> u64 {
        self.live.with_value(|l| l.iter().filter(|c| &c.node == id).map(|c| c.count).sum())
    }
}

/// The revision the draft amounts to. Moves are kept only while they still mean something:
/// from a step that is removed, to a step that is still there.
fn revision_of(draft: Draft) -> Revision {
    let definition = draft.definition.get();
    let moves = draft
        .moves
        .get()
        .into_iter()
        .filter(|m| {
            definition.node(&m.from).is_none()
                && match &m.to {
                    Destination::Node { node } => definition.node(node).is_some(),
                    Destination::Exit => true,
                }
        })
        .collect();
    Revision { definition, moves, apply_new_waits: draft.apply_new_waits.get() }
}

/// Removes step `id`. Whoever led to it now leads where it led (a condition's Yes branch,
/// else its No branch); a branch left behind is then unreachable and the check says so.
fn remove_step(d: &mut JourneyDefinition, id: &NodeId) {
    let Some(i) = d.nodes.iter().position(|n| &n.id == id) else { return };
    if d.nodes.len() == 1 {
        return;
    }
    let after = match d.nodes.remove(i).kind {
        NodeKind::Send { next, .. } | NodeKind::Wait { next, .. } => next,
        NodeKind::Condition { yes, no, .. } => yes.or(no),
        NodeKind::Exit => None,
    };
    let relink = |pointer: &mut Option<NodeId>| {
        if pointer.as_ref() == Some(id) {
            pointer.clone_from(&after);
        }
    };
    for node in &mut d.nodes {
        match &mut node.kind {
            NodeKind::Send { next, .. } | NodeKind::Wait { next, .. } => relink(next),
            NodeKind::Condition { yes, no, .. } => {
                relink(yes);
                relink(no);
            }
            NodeKind::Exit => {}
        }
    }
    if &d.entry == id {
        d.entry = after.unwrap_or_else(|| d.nodes[0].id.clone());
    }
}

/// Adds a send (`kind` "send") or wait step at `place` ("entry", "after:{id}", "yes:{id}",
/// "no:{id}"): it takes over that link and leads where the link led. Its id is new to both
/// the draft and the original, so it is never taken for a step that was removed.
fn add_step(d: &mut JourneyDefinition, original: &JourneyDefinition, kind: &str, place: &str) -> Option<NodeId> {
    let prefix = if kind == "wait" { "wait" } else { "send" };
    let id = (1..).map(|i| NodeId(format!("{prefix}-{i}"))).find(|id| d.node(id).is_none() && original.node(id).is_none())?;
    let (how, at) = place.split_once(':').unwrap_or((place, ""));
    let next = if how == "entry" {
        Some(std::mem::replace(&mut d.entry, id.clone()))
    } else {
        let node = d.nodes.iter_mut().find(|n| n.id.as_str() == at)?;
        let link = match (&mut node.kind, how) {
            (NodeKind::Send { next, .. } | NodeKind::Wait { next, .. }, "after") => next,
            (NodeKind::Condition { yes, .. }, "yes") => yes,
            (NodeKind::Condition { no, .. }, "no") => no,
            _ => return None,
        };
        link.replace(id.clone())
    };
    let kind = match prefix {
        "wait" => NodeKind::Wait { minutes: 24 * 60, next },
        _ => NodeKind::Send { channel: Channel::Email, template: String::new(), next },
    };
    d.nodes.push(Node { id: id.clone(), label: None, kind });
    Some(id)
}

/// The places a new step can go, as (value, words): after the trigger, after each send or
/// wait, on each branch of each condition.
fn places(d: &JourneyDefinition) -> Vec<(String, String)> {
    let mut out = vec![("entry".to_string(), "Right after the trigger".to_string())];
    for n in &d.nodes {
        let name = node_name(d, &n.id);
        match n.kind {
            NodeKind::Send { .. } | NodeKind::Wait { .. } => out.push((format!("after:{}", n.id), format!("After {name}"))),
            NodeKind::Condition { .. } => {
                out.push((format!("yes:{}", n.id), format!("{name}: Yes branch")));
                out.push((format!("no:{}", n.id), format!("{name}: No branch")));
            }
            NodeKind::Exit => {}
        }
    }
    out
}

/// The editor screen: the journey's settings, its steps, where the contacts of removed steps
/// go, and the flow as it will be. SAVE is enabled once something changed and the rules crate
/// finds nothing wrong; leaving with unsaved changes (Cancel, any link, closing the tab) asks
/// first.
#[component]
pub fn Editor(
    /// The journey as loaded: editing starts from its definition; its `node_counts` say who
    /// stands where now, and its `version` goes back as `expected_version`.
    journey: JourneyDetail,
    /// True while the save is in flight.
    #[prop(optional, into)]
    saving: Signal<bool>,
    /// Why the signed-in person may not save, if they may not.
    #[prop(optional, into)]
    refused: Signal<Option<String>>,
    /// SAVE: what to send.
    on_save: Callback<SaveDefinitionRequest>,
    /// Leaving (Cancel, or a link, once confirmed): the path to open.
    on_leave: Callback<String>,
    /// Shown under the header: the page's notices about the last save.
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let draft = Draft {
        definition: RwSignal::new(journey.definition.clone()),
        moves: RwSignal::new(Vec::new()),
        apply_new_waits: RwSignal::new(false),
        original: StoredValue::new(journey.definition.clone()),
        live: StoredValue::new(journey.node_counts.clone()),
    };
    let revision = Memo::new(move |_| revision_of(draft));
    let changes = Memo::new(move |_| draft.original.with_value(|o| revision.with(|r| diff(o, &r.definition))));
    let problem =
        Memo::new(move |_| draft.live.with_value(|live| revision.with(|r| check_revision(r, live).err().map(|e| e.to_string()))));
    let dirty = Memo::new(move |_| changes.with(|c| !c.is_empty()));
    let wait_changed = Memo::new(move |_| changes.with(|c| c.iter().any(|c| matches!(c, Change::WaitChanged { .. }))));
    let can_save = move || dirty.get() && problem.with(Option::is_none) && !saving.get() && refused.with(Option::is_none);

    let version = journey.version;
    let save = move |_| {
        if !can_save() {
            return;
        }
        let r = revision.get_untracked();
        on_save.run(SaveDefinitionRequest {
            expected_version: version,
            definition: r.definition,
            moves: r.moves,
            apply_new_waits: r.apply_new_waits && wait_changed.get_untracked(),
        });
    };

    // Leaving with unsaved changes asks first: the path waiting for the answer.
    let leaving_to = RwSignal::new(None::<String>);
    let leave = move |path: String| if dirty.get_untracked() { leaving_to.set(Some(path)) } else { on_leave.run(path) };
    guard_links(dirty, leave);
    let unload = window_event_listener(leptos::ev::beforeunload, move |ev| {
        if dirty.get_untracked() {
            ev.prevent_default();
            ev.set_return_value("");
        }
    });
    on_cleanup(move || unload.remove());

    let id = journey.id;
    let name = journey.name.clone();
    let crumb = name.clone();
    view! {
        <div class="page-head">
            <div>
                <nav class="breadcrumb" aria-label="Breadcrumb">
                    <a href=journeys_home()>"Journeys"</a>" › "<a href=journey_url(id)>{crumb}</a>
                </nav>
                <h1 class="page-title">
                    <span class="title-text">{format!("Edit “{name}”")}</span>
                    <StateBadge state=journey.state/>
                </h1>
                <p class="subtitle">{subtitle(&journey)}</p>
            </div>
            <div class="page-actions">
                <button type="button" class="btn btn-secondary" data-testid="cancel-edit"
                    on:click=move |_| leave(journey_url(id))>"Cancel"</button>
                <button type="button" class="btn btn-primary btn-caps" data-testid="save-button"
                    disabled=move || !can_save()
                    aria-describedby=move || refused.with(Option::is_some).then_some("editor-role-note")
                    on:click=save>
                    {move || if saving.get() { "Saving…" } else { "Save" }}
                </button>
            </div>
        </div>
        {move || refused.get().map(|text| view! { <p class="role-note" id="editor-role-note" data-testid="role-note">{text}</p> })}
        {children.map(|c| c())}
        {move || match problem.get() {
            Some(text) => view! {
                <div class="notice" role="status" data-testid="editor-problem">
                    <div><strong>"Not ready to save"</strong>{text}</div>
                </div>
            }.into_any(),
            None => view! {
                <p class="editor-status muted" role="status" data-testid="editor-status">
                    {if dirty.get() {
                        "Unsaved changes. Saving moves nobody: the journey's contacts meet them at the next activation."
                    } else {
                        "No changes yet."
                    }}
                </p>
            }.into_any(),
        }}
        <div class="editor-grid" data-testid="editor">
            <div class="side-stack">
                <JourneySettings draft/>
                <StepList draft/>
                <RemovedSteps draft/>
                <Show when=move || wait_changed.get()>
                    <label class="card card-body check" data-testid="apply-new-waits-label">
                        <input type="checkbox" data-testid="apply-new-waits"
                            prop:checked=move || draft.apply_new_waits.get()
                            on:change=move |ev| draft.apply_new_waits.set(event_target_checked(&ev))/>
                        <span>
                            <span class="choice-title">"Apply the new duration to contacts already waiting"</span>
                            <span class="choice-text">"Otherwise they keep the deadline they were given; only contacts who reach the wait later wait the new time. Applied, some may be overdue at the next activation: its summary counts them."</span>
                        </span>
                    </label>
                </Show>
            </div>
            <section class="card editor-flow" aria-labelledby="editor-flow-title">
                <div class="card-head">
                    <h2 class="card-title" id="editor-flow-title">"Flow, as it will be"</h2>
                    <span class="muted">"Contacts now"</span>
                </div>
                <div class="card-body">
                    {move || view! { <FlowDiagram definition=draft.definition.get() node_counts=draft.live.get_value()/> }}
                </div>
            </section>
        </div>
        {move || leaving_to.get().map(|path| view! {
            <ConfirmDialog title="Leave without saving?"
                message="Your changes to this journey are not saved. If you leave now, they are lost."
                confirm_label="Discard changes" danger=true
                on_confirm=Callback::new(move |_| { leaving_to.set(None); on_leave.run(path.clone()) })
                on_cancel=Callback::new(move |_| leaving_to.set(None))/>
        })}
    }
}

/// "Definition version 3 · contacts move under version 2 until the next activation."
fn subtitle(journey: &JourneyDetail) -> String {
    let (saved, activated) = (journey.definition_version, journey.activated_definition_version);
    match activated {
        0 => format!("Definition version {saved}. Nothing is sent or moved when you save."),
        a if a == saved => {
            format!("Definition version {saved}, the one its contacts follow. Nothing moves until the next activation.")
        }
        a => format!("Definition version {saved}; its contacts follow version {a} until the next activation."),
    }
}

/// While there are unsaved changes, a click on a link of the console asks first (the router
/// has no hook for that, so the editor looks at clicks before the router does: capture phase).
fn guard_links(dirty: Memo<bool>, ask: impl Fn(String) + 'static) {
    let on_click = Closure::<dyn Fn(web_sys::MouseEvent)>::new(move |ev: web_sys::MouseEvent| {
        if !dirty.get_untracked() || ev.button() != 0 || ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key() {
            return;
        }
        let link =
            ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).and_then(|e| e.closest("a[href]").ok().flatten());
        let Some(path) = link.and_then(|a| a.get_attribute("href")).filter(|h| h.starts_with('/')) else { return };
        ev.prevent_default();
        ask(path);
    });
    let window = window();
    let _ = window.add_event_listener_with_callback_and_bool("click", on_click.as_ref().unchecked_ref(), true);
    let held = send_wrapper::SendWrapper::new(on_click);
    on_cleanup(move || {
        let _ = window.remove_event_listener_with_callback_and_bool("click", held.as_ref().unchecked_ref(), true);
    });
}

/// The journey's own settings: name, audience, schedule time and time zone.
#[component]
fn JourneySettings(draft: Draft) -> impl IntoView {
    let def = draft.definition;
    let start = def.get_untracked();
    let time = match &start.trigger.schedule {
        Some(Schedule::Recurring { time_of_day, .. }) => Some(*time_of_day),
        Some(Schedule::Once { at }) => Some(at.time()),
        None => None,
    };
    let set_time = move |text: String| {
        // An incomplete time in the browser's field reads as empty: keep the last one.
        let Ok(t) = text.parse::<Time>() else { return };
        def.update(|d| match &mut d.trigger.schedule {
            Some(Schedule::Recurring { time_of_day, .. }) => *time_of_day = t,
            Some(Schedule::Once { at }) => *at = at.date().to_datetime(t),
            None => {}
        });
    };
    let audience = start.trigger.audience;
    view! {
        <section class="card" aria-labelledby="settings-title">
            <div class="card-head"><h2 class="card-title" id="settings-title">"Journey"</h2></div>
            <div class="card-body form-grid">
                <label class="field field-wide">
                    <span class="field-label">"Name"</span>
                    <input type="text" data-testid="edit-name" value=start.name.clone()
                        on:input=move |ev| def.update(|d| d.name = event_target_value(&ev))/>
                </label>
                <label class="field field-wide">
                    <span class="field-label">"Who enters at each run"</span>
                    <select data-testid="edit-audience"
                        on:change=move |ev| {
                            if let Ok(a) = event_target_value(&ev).parse::<AudienceMode>() {
                                def.update(|d| d.trigger.audience = a);
                            }
                        }>
                        <option value="new_users" selected=audience == AudienceMode::NewUsers>"New users: contacts that have not entered yet"</option>
                        <option value="all_users" selected=audience == AudienceMode::AllUsers>"All users: every audience member at every run"</option>
                    </select>
                </label>
                {time.map(|t| view! {
                    <label class="field">
                        <span class="field-label">"Time of day"</span>
                        <input type="time" data-testid="edit-time" value=format!("{:02}:{:02}", t.hour(), t.minute())
                            on:input=move |ev| set_time(event_target_value(&ev))/>
                    </label>
                })}
                <label class="field">
                    <span class="field-label">"Time zone"</span>
                    <input type="text" data-testid="edit-zone" list="editor-zones" value=start.time_zone.clone()
                        autocomplete="off" spellcheck="false"
                        on:input=move |ev| def.update(|d| d.time_zone = event_target_value(&ev).trim().to_string())/>
                    <datalist id="editor-zones">
                        {zone_names().into_iter().map(|z| view! { <option value=z></option> }).collect_view()}
                    </datalist>
                </label>
                <p class="field-wide muted field-note">{move || def.with(|d| format!("Runs: {}", d.schedule_text()))}</p>
            </div>
        </section>
    }
}

/// The IANA zones the browser knows, for the time zone field's suggestions (the server has the
/// last word: an unknown zone is refused with a sentence).
fn zone_names() -> Vec<String> {
    let intl = js_sys::Reflect::get(&js_sys::global(), &"Intl".into()).unwrap_or_default();
    js_sys::Reflect::get(&intl, &"supportedValuesOf".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call1(&intl, &"timeZone".into()).ok())
        .map(|list| js_sys::Array::from(&list).iter().filter_map(|z| z.as_string()).collect())
        .unwrap_or_default()
}

/// Every step with what can change in it, then "Add a step".
#[component]
fn StepList(draft: Draft) -> impl IntoView {
    let ids = move || draft.definition.with(|d| d.nodes.iter().map(|n| n.id.clone()).collect::<Vec<_>>());
    view! {
        <section class="card" aria-labelledby="steps-title">
            <div class="card-head"><h2 class="card-title" id="steps-title">"Steps"</h2></div>
            <ul class="steps">
                <For each=ids key=|id| id.clone() let:id>
                    <StepEditor draft id/>
                </For>
            </ul>
            <AddStep draft/>
        </section>
    }
}

/// One step: its kind, name and contacts, its fields, and Remove.
#[component]
fn StepEditor(draft: Draft, id: NodeId) -> impl IntoView {
    let def = draft.definition;
    let Some(node) = def.with_untracked(|d| d.node(&id).cloned()) else { return ().into_any() };
    let here = draft.contacts_at(&id);
    let name_id = id.clone();
    let name = move || def.with(|d| node_name(d, &name_id));
    let (remove_id, label_id) = (id.clone(), id.clone());
    let kind = match node.kind {
        NodeKind::Send { .. } => "Send",
        NodeKind::Wait { .. } => "Wait",
        NodeKind::Condition { .. } => "Condition",
        NodeKind::Exit => "Exit",
    };
    let fields = match node.kind {
        NodeKind::Send { channel, template, .. } => send_fields(draft, id.clone(), channel, template),
        NodeKind::Wait { minutes, .. } => wait_fields(draft, id.clone(), minutes),
        NodeKind::Condition { condition, .. } => condition_fields(draft, id.clone(), condition),
        NodeKind::Exit => ().into_any(),
    };
    view! {
        <li class="step" data-node-id=id.to_string() data-testid="step">
            <div class="step-head">
                <span class="step-kind">{kind}</span>
                <span class="step-name">{name}</span>
                <span class="muted nowrap">{format!("{} {}", count(here), if here == 1 { "contact" } else { "contacts" })}</span>
                <button type="button" class="btn btn-secondary btn-small" data-testid="step-remove"
                    aria-label=move || def.with(|d| format!("Remove {}", node_name(d, &label_id)))
                    disabled=move || def.with(|d| d.nodes.len() <= 1)
                    on:click=move |_| def.update(|d| remove_step(d, &remove_id))>"Remove"</button>
            </div>
            {fields}
        </li>
    }
    .into_any()
}

fn send_fields(draft: Draft, id: NodeId, channel: Channel, template: String) -> AnyView {
    let channel_id = id.clone();
    view! {
        <div class="step-fields">
            <label class="field">
                <span class="field-label">"Channel"</span>
                <select data-testid="step-channel" on:change=move |ev| {
                    if let Ok(c) = event_target_value(&ev).parse::<Channel>() {
                        draft.edit_step(&channel_id, |k| if let NodeKind::Send { channel, .. } = k { *channel = c });
                    }
                }>
                    {Channel::SPELLINGS.iter().map(|&(c, text)| view! {
                        <option value=text selected=c == channel>{c.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label class="field">
                <span class="field-label">"Template"</span>
                <input type="text" data-testid="step-template" value=template on:input=move |ev| {
                    let text = event_target_value(&ev);
                    draft.edit_step(&id, |k| if let NodeKind::Send { template, .. } = k { *template = text });
                }/>
            </label>
        </div>
    }
    .into_any()
}

fn wait_fields(draft: Draft, id: NodeId, minutes: u32) -> AnyView {
    // The largest unit that divides the duration: "2 days", not "2,880 minutes".
    let start_unit = UNITS.iter().rev().map(|u| u.0).find(|u| minutes.is_multiple_of(*u)).unwrap_or(1);
    let amount = RwSignal::new(minutes / start_unit);
    let unit = RwSignal::new(start_unit);
    let apply = move || {
        let total = amount.get_untracked().saturating_mul(unit.get_untracked());
        draft.edit_step(&id, |k| {
            if let NodeKind::Wait { minutes, .. } = k {
                *minutes = total
            }
        });
    };
    let apply_unit = apply.clone();
    view! {
        <div class="step-fields">
            <label class="field">
                <span class="field-label">"Wait for"</span>
                <input type="number" min="1" step="1" inputmode="numeric" data-testid="step-wait-amount" value=(minutes / start_unit).to_string()
                    on:input=move |ev| { amount.set(event_target_value(&ev).trim().parse().unwrap_or(0)); apply() }/>
            </label>
            <label class="field">
                <span class="field-label">"Unit"</span>
                <select data-testid="step-wait-unit"
                    on:change=move |ev| { unit.set(event_target_value(&ev).parse().unwrap_or(1)); apply_unit() }>
                    {UNITS.iter().map(|&(m, words)| view! { <option value=m.to_string() selected=m == start_unit>{words}</option> }).collect_view()}
                </select>
            </label>
        </div>
    }
    .into_any()
}

fn condition_fields(draft: Draft, id: NodeId, condition: Condition) -> AnyView {
    let (label, value) = match &condition {
        Condition::Attribute { test: AttributeTest::Equals { attribute, value } } => (format!("“{attribute}” is"), value.clone()),
        Condition::Attribute { test: AttributeTest::Contains { attribute, value } } => {
            (format!("“{attribute}” contains"), value.clone())
        }
        Condition::Attribute { test: AttributeTest::Exists { attribute } } => {
            return view! { <p class="step-fields muted">{format!("Tests whether “{attribute}” is set.")}</p> }.into_any();
        }
        Condition::DidEvent { event_name } => ("Did the event".to_string(), event_name.clone()),
    };
    view! {
        <div class="step-fields">
            <label class="field">
                <span class="field-label">{label}</span>
                <input type="text" data-testid="step-condition" value=value on:input=move |ev| {
                    let text = event_target_value(&ev);
                    draft.edit_step(&id, |k| match k {
                        NodeKind::Condition { condition: Condition::DidEvent { event_name }, .. } => *event_name = text,
                        NodeKind::Condition { condition: Condition::Attribute { test }, .. } => match test {
                            AttributeTest::Equals { value, .. } | AttributeTest::Contains { value, .. } => *value = text,
                            AttributeTest::Exists { .. } => {}
                        },
                        _ => {}
                    });
                }/>
            </label>
        </div>
    }
    .into_any()
}

/// "Add a step": a send or a wait, at a chosen place in the flow.
#[component]
fn AddStep(draft: Draft) -> impl IntoView {
    let kind = RwSignal::new("send".to_string());
    let place = RwSignal::new("entry".to_string());
    let add = move |_| {
        let (k, p) = (kind.get_untracked(), place.get_untracked());
        draft.definition.update(|d| {
            // A place whose step was removed since shows as the first one: after the trigger.
            draft.original.with_value(|o| add_step(d, o, &k, &p).or_else(|| add_step(d, o, &k, "entry")));
        });
    };
    view! {
        <div class="card-body add-step">
            <label class="field">
                <span class="field-label">"Add a step"</span>
                <select data-testid="add-kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                    <option value="send">"Send a message"</option>
                    <option value="wait">"Wait"</option>
                </select>
            </label>
            <label class="field">
                <span class="field-label">"Where"</span>
                <select data-testid="add-place" on:change=move |ev| place.set(event_target_value(&ev))>
                    {move || draft.definition.with(places).into_iter().map(|(value, words)| {
                        let selected = place.get_untracked() == value;
                        view! { <option value=value selected=selected>{words}</option> }
                    }).collect_view()}
                </select>
            </label>
            <button type="button" class="btn btn-secondary" data-testid="add-step" on:click=add>"Add step"</button>
        </div>
    }
}

/// For each removed step that holds contacts: where they go (required before SAVE).
#[component]
fn RemovedSteps(draft: Draft) -> impl IntoView {
    let stranded = Memo::new(move |_| {
        let (def, original) = (draft.definition.get(), draft.original.get_value());
        draft.live.with_value(|live| {
            live.iter()
                .filter(|c| c.count > 0 && def.node(&c.node).is_none())
                .map(|c| (c.node.clone(), node_name(&original, &c.node), c.count))
                .collect::<Vec<_>>()
        })
    });
    move || {
        let rows = stranded.get();
        (!rows.is_empty()).then(|| {
            view! {
                <section class="card" aria-labelledby="removed-title" data-testid="removed-steps">
                    <div class="card-head"><h2 class="card-title" id="removed-title">"Contacts at removed steps"</h2></div>
                    <div class="card-body form-grid">
                        {rows.into_iter().map(|(id, name, n)| view! { <MoveChoice draft id name contacts=n/> }).collect_view()}
                    </div>
                </section>
            }
        })
    }
}

/// Where the contacts of one removed step go: another step, or out of the journey.
#[component]
fn MoveChoice(draft: Draft, id: NodeId, name: String, contacts: u64) -> impl IntoView {
    let chosen_id = id.clone();
    let chosen = move || {
        draft.moves.with(|ms| {
            ms.iter()
                .find(|m| m.from == chosen_id)
                .map(|m| match &m.to {
                    Destination::Exit => "exit".to_string(),
                    Destination::Node { node } => format!("node:{node}"),
                })
                .unwrap_or_default()
        })
    };
    let from = id.clone();
    let choose = move |value: String| {
        let to = match value.as_str() {
            "exit" => Some(Destination::Exit),
            v => v.strip_prefix("node:").map(|n| Destination::Node { node: NodeId::new(n) }),
        };
        draft.moves.update(|ms| {
            ms.retain(|m| m.from != from);
            ms.extend(to.map(|to| NodeMove { from: from.clone(), to }));
        });
    };
    let options = move || {
        let now = chosen();
        let steps = draft
            .definition
            .with(|d| d.nodes.iter().map(|n| (format!("node:{}", n.id), node_name(d, &n.id))).collect::<Vec<_>>());
        view! {
            <option value="" selected=now.is_empty()>"Choose where they go…"</option>
            {steps.into_iter().map(|(value, step)| {
                let selected = value == now;
                view! { <option value=value selected=selected>{format!("Move to {step}")}</option> }
            }).collect_view()}
            <option value="exit" selected=now == "exit">"Out of the journey"</option>
        }
    };
    view! {
        <label class="field field-wide">
            <span class="field-label">{format!("{name}: {} {} stand there", count(contacts), if contacts == 1 { "contact" } else { "contacts" })}</span>
            <select data-testid=format!("move-{id}") required on:change=move |ev| choose(event_target_value(&ev))>{options}</select>
        </label>
    }
}
