//! The journey's flow as a diagram: the trigger, then each node in order with its branches,
//! and the number of contacts at each node.

use crate::format::count;
use journey_core::journey::{AttributeTest, Condition, JourneyDefinition, Node, NodeId, NodeKind, TriggerSource, duration_words};
use journey_core::snapshot::NodeCount;
use leptos::prelude::*;
use std::collections::HashSet;

/// The trigger in words: "Data set “Signups”".
pub fn trigger_words(source: &TriggerSource) -> String {
    match source {
        TriggerSource::Dataset { name, .. } => format!("Data set “{name}”"),
        TriggerSource::Segment { name, .. } => format!("Segment “{name}”"),
        TriggerSource::Event { event_name } => format!("Event “{event_name}”"),
    }
}

fn test_words(test: &AttributeTest) -> String {
    match test {
        AttributeTest::Equals { attribute, value } => format!("{attribute} is “{value}”"),
        AttributeTest::Contains { attribute, value } => format!("{attribute} contains “{value}”"),
        AttributeTest::Exists { attribute } => format!("{attribute} is set"),
    }
}

/// (kind label, short icon text, css modifier, default label)
fn describe(node: &Node) -> (&'static str, &'static str, &'static str, String) {
    match &node.kind {
        NodeKind::Send { channel, template, .. } => ("Send", "✉", "send", format!("{} · {}", channel.label(), template)),
        NodeKind::Wait { minutes, .. } => ("Wait", "", "wait", format!("Wait {}", duration_words(*minutes))),
        NodeKind::Condition { condition, .. } => {
            let text = match condition {
                Condition::Attribute { test } => format!("{}?", test_words(test)),
                Condition::DidEvent { event_name } => format!("Did “{event_name}”?"),
            };
            ("Condition", "?", "condition", text)
        }
        NodeKind::Exit => ("Exit", "", "exit", "Exit".to_string()),
    }
}

#[component]
pub fn FlowDiagram(definition: JourneyDefinition, node_counts: Vec<NodeCount>) -> impl IntoView {
    let trigger = &definition.trigger;
    let trigger_label = format!("{} · {}", trigger_words(&trigger.source), trigger.audience.label());
    let mut seen = HashSet::new();
    let body = chain(&definition, &node_counts, Some(&definition.entry), &mut seen);
    view! {
        <div class="flow" data-testid="flow-diagram">
            <ul class="flow-list" aria-label="Journey flow">
                <li class="flow-item">
                    <div class="flow-node flow-node-trigger" data-testid="flow-trigger">
                        <span class="flow-icon" aria-hidden="true">"▶"</span>
                        <span class="flow-text">
                            <span class="flow-kind">"Trigger"</span>
                            <span class="flow-label">{trigger_label}</span>
                        </span>
                    </div>
                </li>
                {body}
            </ul>
        </div>
    }
}

fn node_count(counts: &[NodeCount], id: &NodeId) -> u64 {
    counts.iter().filter(|c| &c.node == id).map(|c| c.count).sum()
}

/// The nodes from `start` on, as list items; a node reached twice is shown once and referred
/// to afterwards.
fn chain(def: &JourneyDefinition, counts: &[NodeCount], start: Option<&NodeId>, seen: &mut HashSet<NodeId>) -> Vec<AnyView> {
    let mut items = Vec::new();
    let mut current = start.cloned();
    while let Some(id) = current.take() {
        let Some(node) = def.node(&id) else {
            items.push(view! { <li class="flow-item"><span class="flow-end">"Unknown step"</span></li> }.into_any());
            break;
        };
        let (kind, icon, modifier, default_label) = describe(node);
        if !seen.insert(id.clone()) {
            let label = node.label.clone().unwrap_or(default_label);
            items.push(
                view! {
                    <li class="flow-item">
                        <div class="flow-connector" aria-hidden="true"></div>
                        <span class="flow-end">{format!("continues at “{label}”")}</span>
                    </li>
                }
                .into_any(),
            );
            break;
        }
        let label = node.label.clone().unwrap_or(default_label);
        let n = node_count(counts, &id);
        let node_view = view! {
            <div class="flow-connector" aria-hidden="true"></div>
            <div class=format!("flow-node flow-node-{modifier}") data-testid="flow-node" data-node-id=id.to_string()>
                <span class="flow-icon" aria-hidden="true">{icon_view(modifier, icon)}</span>
                <span class="flow-text">
                    <span class="flow-kind">{kind}</span>
                    <span class="flow-label">{label}</span>
                </span>
                <span class="flow-waiting" data-testid="flow-node-count">
                    <strong>{count(n)}</strong>
                    {if n == 1 { "contact" } else { "contacts" }}
                </span>
            </div>
        };
        match &node.kind {
            NodeKind::Send { next, .. } | NodeKind::Wait { next, .. } => {
                items.push(view! { <li class="flow-item">{node_view}</li> }.into_any());
                current = next.clone();
                if current.is_none() {
                    items.push(end_item());
                }
            }
            NodeKind::Exit => {
                items.push(view! { <li class="flow-item">{node_view}</li> }.into_any());
            }
            NodeKind::Condition { yes, no, .. } => {
                let yes_items = branch(def, counts, yes.as_ref(), seen);
                let no_items = branch(def, counts, no.as_ref(), seen);
                items.push(
                    view! {
                        <li class="flow-item">
                            {node_view}
                            <div class="flow-branches">
                                <div class="flow-branch">
                                    <div class="flow-connector" aria-hidden="true"></div>
                                    <span class="flow-branch-label">"Yes"</span>
                                    <ul class="flow-list">{yes_items}</ul>
                                </div>
                                <div class="flow-branch">
                                    <div class="flow-connector" aria-hidden="true"></div>
                                    <span class="flow-branch-label">"No"</span>
                                    <ul class="flow-list">{no_items}</ul>
                                </div>
                            </div>
                        </li>
                    }
                    .into_any(),
                );
            }
        }
    }
    items
}

fn branch(def: &JourneyDefinition, counts: &[NodeCount], start: Option<&NodeId>, seen: &mut HashSet<NodeId>) -> Vec<AnyView> {
    if start.is_none() {
        return vec![
            view! {
                <li class="flow-item">
                    <div class="flow-connector" aria-hidden="true"></div>
                    <span class="flow-end">"Exits the journey"</span>
                </li>
            }
            .into_any(),
        ];
    }
    chain(def, counts, start, seen)
}

fn end_item() -> AnyView {
    view! {
        <li class="flow-item">
            <div class="flow-connector" aria-hidden="true"></div>
            <span class="flow-end">"End"</span>
        </li>
    }
    .into_any()
}

/// A glyph, or a small drawing where fonts may lack one (wait: a clock; exit: a square).
fn icon_view(modifier: &'static str, glyph: &'static str) -> AnyView {
    match modifier {
        "wait" => view! {
            <svg viewBox="0 0 16 16"><circle cx="8" cy="8" r="6" fill="none" stroke="currentColor" stroke-width="1.8"/>
                <path d="M8 4.5V8l2.5 1.5" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round"/></svg>
        }
        .into_any(),
        "exit" => view! { <svg viewBox="0 0 16 16"><rect x="4" y="4" width="8" height="8" rx="1" fill="currentColor"/></svg> }
            .into_any(),
        _ => view! { <span>{glyph}</span> }.into_any(),
    }
}
