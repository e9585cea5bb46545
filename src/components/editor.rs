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
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

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

/// What the rules crate says of the draft, recomputed on each change.
#[derive(Clone, PartialEq)]
struct Verdict {
    /// Why it cannot be saved (`check_revision`'s sentence), if it cannot.
    problem: Option<String>,
    /// Something differs from the definition the editor opened with.
    dirty: bool,
    /// A wait's duration differs: the editor asks whether it applies to those waiting.
    wait_changed: bool,
}

impl Verdict {
    fn of(draft: Draft) -> Verdict {
        let revision = revision_of(draft);
        let changes = draft.original.with_value(|o| diff(o, &revision.definition));
        Verdict {
            problem: draft.live.with_value(|live| check_revision(&revision, live).err().map(|e| e.to_string())),
            dirty: !changes.is_empty(),
            wait_changed: changes.iter().any(|c| matches!(c, Change::WaitChanged { .. })),
        }
    }
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
    d.nodes.push(Node { id: id.clone(), label: None, kind, stale_after_minutes: None });
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
    let verdict = Memo::new(move |_| Verdict::of(draft));
    let dirty = Signal::derive(move || verdict.with(|v| v.dirty));
    let can_save = move || verdict.with(|v| v.dirty && v.problem.is_none()) && !saving.get() && refused.with(Option::is_none);

    let version = journey.version;
    let save = move |_| {
        if !can_save() {
            return;
        }
        let r = untrack(|| revision_of(draft));
        on_save.run(SaveDefinitionRequest {
            expected_version: version,
            definition: r.definition,
            moves: r.moves,
            apply_new_waits: r.apply_new_waits && verdict.with_untracked(|v| v.wait_changed),
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
        {move || match verdict.with(|v| v.problem.clone()) {
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
        // Right under the sentence that asks for them: where the contacts of removed steps go.
        <RemovedSteps draft/>
        <div class="editor-grid" data-testid="editor">
            <div class="side-stack">
                <JourneySettings draft/>
                <StepList draft/>
                {move || verdict.with(|v| v.wait_changed).then(|| view! {
                    <label class="card card-body check" data-testid="apply-new-waits-label">
                        <input type="checkbox" data-testid="apply-new-waits"
                            prop:checked=move || draft.apply_new_waits.get()
                            on:change=move |ev| draft.apply_new_waits.set(event_target_checked(&ev))/>
                        <span>
                            <span class="choice-title">"Apply the new duration to contacts already waiting"</span>
                            <span class="choice-text">"Otherwise they keep the deadline they were given; only contacts who reach the wait later wait the new time. Applied, some may be overdue at the next activation: its summary counts them."</span>
                        </span>
                    </label>
                })}
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
fn guard_links(dirty: Signal<bool>, ask: impl Fn(String) + 'static) {
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

/// A labelled input of `kind` ("text", "number", "time") starting at `value`; each new text
/// goes to `on_input`. Every input of the editor is made here: one copy in the wasm.
fn input_field(
    class: &'static str,
    label: String,
    kind: &'static str,
    testid: String,
    value: String,
    on_input: Callback<String>,
) -> AnyView {
    // The time zone field suggests the zones the browser knows.
    let list = (testid == "edit-zone").then_some("editor-zones");
    view! {
        <label class=class>
            <span class="field-label">{label}</span>
            <input type=kind data-testid=testid value=value list=list autocomplete="off"
                on:input=move |ev| on_input.run(event_target_value(&ev))/>
        </label>
    }
    .into_any()
}

/// A labelled select of `options` (value, words) with `selected` chosen; each choice goes to
/// `on_change`. Every select of the editor is made here.
fn select_field(
    class: &'static str,
    label: String,
    testid: String,
    options: Vec<(String, String)>,
    selected: String,
    on_change: Callback<String>,
) -> AnyView {
    view! {
        <label class=class>
            <span class="field-label">{label}</span>
            <select data-testid=testid on:change=move |ev| on_change.run(event_target_value(&ev))>
                {options.into_iter().map(|(value, words)| {
                    let chosen = value == selected;
                    view! { <option value=value selected=chosen>{words}</option> }
                }).collect_view()}
            </select>
        </label>
    }
    .into_any()
}

/// (value, words) pairs from static text.
fn choices(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(v, w)| (v.to_string(), w.to_string())).collect()
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
    let set_time = Callback::new(move |text: String| {
        // The field gives "14:00" (or "" while incomplete: then the last time stays).
        let Some((h, m)) = text.split_once(':') else { return };
        let Some(t) = h.parse().ok().zip(m.get(..2).and_then(|m| m.parse().ok())).and_then(|(h, m)| Time::new(h, m, 0, 0).ok())
        else {
            return;
        };
        def.update(|d| match &mut d.trigger.schedule {
            Some(Schedule::Recurring { time_of_day, .. }) => *time_of_day = t,
            Some(Schedule::Once { at }) => *at = at.date().to_datetime(t),
            None => {}
        });
    });
    let audiences = choices(&[
        ("new_users", "New users: contacts that have not entered yet"),
        ("all_users", "All users: every audience member at every run"),
    ]);
    view! {
        <section class="card" aria-labelledby="settings-title">
            <div class="card-head"><h2 class="card-title" id="settings-title">"Journey"</h2></div>
            <div class="card-body form-grid">
                {input_field("field field-wide", "Name".into(), "text", "edit-name".into(), start.name.clone(),
                    Callback::new(move |text| def.update(|d| d.name = text)))}
                {select_field("field field-wide", "Who enters at each run".into(), "edit-audience".into(), audiences,
                    start.trigger.audience.as_str().into(),
                    Callback::new(move |value: String| {
                        if let Ok(a) = value.parse::<AudienceMode>() {
                            def.update(|d| d.trigger.audience = a);
                        }
                    }))}
                {time.map(|t| input_field("field", "Time of day".into(), "time", "edit-time".into(),
                    format!("{:02}:{:02}", t.hour(), t.minute()), set_time))}
                {input_field("field", "Time zone".into(), "text", "edit-zone".into(), start.time_zone.clone(),
                    Callback::new(move |text: String| def.update(|d| d.time_zone = text.trim().to_string())))}
                <datalist id="editor-zones">
                    {zone_names().into_iter().map(|z| view! { <option value=z></option> }).collect_view()}
                </datalist>
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
    // The rows are rebuilt only when steps come or go, not on each keystroke (focus stays).
    let ids = Memo::new(move |_| draft.definition.with(|d| d.nodes.iter().map(|n| n.id.clone()).collect::<Vec<_>>()));
    view! {
        <section class="card" aria-labelledby="steps-title">
            <div class="card-head"><h2 class="card-title" id="steps-title">"Steps"</h2></div>
            <ul class="steps">
                {move || ids.get().into_iter().map(|id| step_editor(draft, id)).collect_view()}
            </ul>
            <AddStep draft/>
        </section>
    }
}

/// One step: its kind, name and contacts, its fields, and Remove.
fn step_editor(draft: Draft, id: NodeId) -> AnyView {
    let def = draft.definition;
    let Some(node) = def.with_untracked(|d| d.node(&id).cloned()) else { return ().into_any() };
    let here = draft.contacts_at(&id);
    let name_id = id.clone();
    let name = Memo::new(move |_| def.with(|d| node_name(d, &name_id)));
    let remove_id = id.clone();
    let guard_id = id.clone();
    // Each field's change, applied to this step's kind.
    let edit = move |change: fn(&mut NodeKind, String)| {
        let id = id.clone();
        Callback::new(move |text: String| draft.edit_step(&id, |k| change(k, text)))
    };
    let set_guard = Callback::new(move |text: String| {
        // Hours in the field (decimals allowed: 1.5 is 90 minutes), minutes in the definition;
        // empty: always sent. A number out of range is kept so the draft's check says what is
        // wrong.
        let text = text.trim().to_string();
        let minutes = if text.is_empty() { None } else { Some(hours_to_minutes(&text).unwrap_or(0)) };
        def.update(|d| {
            if let Some(node) = d.nodes.iter_mut().find(|n| n.id == guard_id) {
                node.stale_after_minutes = minutes;
            }
        });
    });
    // A guard set through the API in minutes shows as hours with their fraction.
    let guard_hours = node.stale_after_minutes.map(minutes_as_hours).unwrap_or_default();
    let (kind, fields) = match node.kind {
        NodeKind::Send { channel, template, .. } => (
            "Send",
            view! {
                {select_field("field", "Channel".into(), "step-channel".into(),
                    Channel::SPELLINGS.iter().map(|(c, v)| (v.to_string(), c.label().to_string())).collect(),
                    channel.as_str().into(),
                    edit(|k, v| if let (NodeKind::Send { channel, .. }, Ok(c)) = (k, v.parse()) { *channel = c }))}
                {input_field("field", "Template".into(), "text", "step-template".into(), template,
                    edit(|k, v| if let NodeKind::Send { template, .. } = k { *template = v }))}
                {input_field("field", "Not sent if more than … hours late (empty: always sent)".into(), "number",
                    "step-stale-hours".into(), guard_hours, set_guard)}
            }
            .into_any(),
        ),
        NodeKind::Wait { minutes, .. } => ("Wait", wait_fields(draft, node.id.clone(), minutes)),
        NodeKind::Condition { condition, .. } => {
            let (label, value) = match condition {
                Condition::Attribute { test: AttributeTest::Equals { attribute, value } } => {
                    (format!("“{attribute}” is"), Some(value))
                }
                Condition::Attribute { test: AttributeTest::Contains { attribute, value } } => {
                    (format!("“{attribute}” contains"), Some(value))
                }
                Condition::Attribute { test: AttributeTest::Exists { attribute } } => {
                    (format!("Tests whether “{attribute}” is set."), None)
                }
                Condition::DidEvent { event_name } => ("Did the event".to_string(), Some(event_name)),
            };
            let field = match value {
                Some(value) => input_field("field", label, "text", "step-condition".into(), value, edit(set_condition)),
                None => view! { <p class="muted">{label}</p> }.into_any(),
            };
            ("Condition", field)
        }
        NodeKind::Exit => ("Exit", ().into_any()),
    };
    view! {
        <li class="step" data-node-id=node.id.to_string() data-testid="step">
            <div class="step-head">
                <span class="step-kind">{kind}</span>
                <span class="step-name">{name}</span>
                <span class="muted nowrap">{format!("{} {}", count(here), if here == 1 { "contact" } else { "contacts" })}</span>
                <button type="button" class="btn btn-secondary btn-small" data-testid="step-remove"
                    aria-label=move || format!("Remove {}", name.get())
                    disabled=move || def.with(|d| d.nodes.len() <= 1)
                    on:click=move |_| def.update(|d| remove_step(d, &remove_id))>"Remove"</button>
            </div>
            <div class="step-fields">{fields}</div>
        </li>
    }
    .into_any()
}

/// Hours as typed ("6", "1.5", "0,25") in whole minutes, rounded; `None` if it is not a
/// number. Integer arithmetic: the console links no float formatting or parsing.
fn hours_to_minutes(text: &str) -> Option<u32> {
    let (whole, fraction) = text.split_once(['.', ',']).unwrap_or((text, ""));
    let whole: u64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let digits = &fraction[..fraction.len().min(6)];
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let scale = 10u64.pow(digits.len() as u32);
    let part: u64 = if digits.is_empty() { 0 } else { digits.parse().ok()? };
    let minutes = whole.checked_mul(60)? + (part * 60 + scale / 2) / scale;
    u32::try_from(minutes).ok()
}

/// Minutes as hours for the field: "6", "1.5", "0.25".
fn minutes_as_hours(minutes: u32) -> String {
    let hundredths = u64::from(minutes) * 100 / 60;
    let (h, d) = (hundredths / 100, hundredths % 100);
    match d {
        0 => h.to_string(),
        d if d % 10 == 0 => format!("{h}.{}", d / 10),
        d => format!("{h}.{d:02}"),
    }
}

/// A condition's value (attribute tests) or event name, from its field.
fn set_condition(kind: &mut NodeKind, text: String) {
    match kind {
        NodeKind::Condition { condition: Condition::DidEvent { event_name }, .. } => *event_name = text,
        NodeKind::Condition {
            condition: Condition::Attribute { test: AttributeTest::Equals { value, .. } | AttributeTest::Contains { value, .. } },
            ..
        } => *value = text,
        _ => {}
    }
}

/// A wait's duration: an amount and a unit (minutes, hours, days).
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
        {input_field("field", "Wait for".into(), "number", "step-wait-amount".into(), (minutes / start_unit).to_string(),
            Callback::new(move |text: String| { amount.set(text.trim().parse().unwrap_or(0)); apply() }))}
        {select_field("field", "Unit".into(), "step-wait-unit".into(),
            UNITS.iter().map(|(m, words)| (m.to_string(), words.to_string())).collect(), start_unit.to_string(),
            Callback::new(move |value: String| { unit.set(value.parse().unwrap_or(1)); apply_unit() }))}
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
            {select_field("field", "Add a step".into(), "add-kind".into(),
                choices(&[("send", "Send a message"), ("wait", "Wait")]), "send".into(),
                Callback::new(move |v| kind.set(v)))}
            // Rebuilt when steps change (not when a place is chosen, which keeps its focus).
            {move || select_field("field", "Where".into(), "add-place".into(), draft.definition.with(places),
                place.get_untracked(), Callback::new(move |v| place.set(v)))}
            <button type="button" class="btn btn-secondary" data-testid="add-step" on:click=add>"Add step"</button>
        </div>
    }
}

/// For each removed step that holds contacts: where they go (required before SAVE).
#[component]
fn RemovedSteps(draft: Draft) -> impl IntoView {
    move || {
        let def = draft.definition.get();
        let original = draft.original.get_value();
        let rows: Vec<_> = draft.live.with_value(|live| {
            live.iter()
                .filter(|c| c.count > 0 && def.node(&c.node).is_none())
                .map(|c| move_choice(draft, &def, c.node.clone(), node_name(&original, &c.node), c.count))
                .collect()
        });
        (!rows.is_empty()).then(|| {
            view! {
                <section class="card removed-steps" aria-labelledby="removed-title" data-testid="removed-steps">
                    <div class="card-head"><h2 class="card-title" id="removed-title">"Contacts at removed steps"</h2></div>
                    <div class="card-body form-grid">{rows}</div>
                </section>
            }
        })
    }
}

/// Where the contacts of one removed step go: another step of `def`, or out of the journey.
fn move_choice(draft: Draft, def: &JourneyDefinition, id: NodeId, name: String, contacts: u64) -> AnyView {
    let chosen = draft.moves.with_untracked(|ms| {
        ms.iter()
            .find(|m| m.from == id)
            .map(|m| match &m.to {
                Destination::Exit => "exit".to_string(),
                Destination::Node { node } => format!("node:{node}"),
            })
            .unwrap_or_default()
    });
    let mut options = vec![(String::new(), "Choose where they go…".to_string())];
    options.extend(def.nodes.iter().map(|n| (format!("node:{}", n.id), format!("Move to {}", node_name(def, &n.id)))));
    options.push(("exit".into(), "Out of the journey".into()));
    let label = format!("{name}: {} {} stand there", count(contacts), if contacts == 1 { "contact" } else { "contacts" });
    let testid = format!("move-{id}");
    let choose = Callback::new(move |value: String| {
        let to = match value.as_str() {
            "exit" => Some(Destination::Exit),
            v => v.strip_prefix("node:").map(|n| Destination::Node { node: NodeId::new(n) }),
        };
        draft.moves.update(|ms| {
            ms.retain(|m| m.from != id);
            ms.extend(to.map(|to| NodeMove { from: id.clone(), to }));
        });
    });
    select_field("field", label, testid, options, chosen, choose)
}

#[cfg(test)]
mod guard_hours_tests {
    use super::{hours_to_minutes, minutes_as_hours};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn hours_read_with_a_fraction_and_write_back_the_same() {
        assert_eq!(hours_to_minutes("6"), Some(360));
        assert_eq!(hours_to_minutes("1.5"), Some(90));
        assert_eq!(hours_to_minutes("0,25"), Some(15));
        assert_eq!(hours_to_minutes(".5"), Some(30));
        assert_eq!(hours_to_minutes("2.0083"), Some(120)); // 120.5 minutes rounds down
        assert_eq!(hours_to_minutes("abc"), None);
        assert_eq!(hours_to_minutes("1.x"), None);
        for minutes in [60, 90, 15, 30, 360, 45, 10_080] {
            assert_eq!(hours_to_minutes(&minutes_as_hours(minutes)), Some(minutes), "{minutes}");
        }
        assert_eq!(minutes_as_hours(90), "1.5");
        assert_eq!(minutes_as_hours(45), "0.75");
        assert_eq!(minutes_as_hours(10), "0.16"); // shown to the hundredth
    }
}
