//! Editing a frozen journey, then bringing it back (the spec's `editing.md`, section 2).
//!
//! A save is a [`Revision`]: the new definition, where the contacts of removed nodes go
//! ([`NodeMove`]), and whether changed wait durations apply to contacts already waiting. The
//! server keeps every saved revision as a numbered *definition version*; nothing moves when it
//! is saved. The next activation applies it:
//!
//! 1. a contact at a node that still exists (same id) continues there under the new
//!    definition, following the new wiring;
//! 2. a contact at a removed node goes where the revision's move says (another node, or exit
//!    with reason `node_removed`); [`check_revision`] refuses a save that removes a node
//!    holding contacts without a move, naming the node and the count;
//! 3. a wait whose duration changed keeps its waiting contacts' deadlines, unless
//!    `apply_new_waits`: then deadline + (new - old) minutes, which can make some overdue
//!    ([`wait_shifts`]);
//! 4. a changed send node is never sent again to whoever already received it in this
//!    generation and iteration under Resume: the message key names the node, not its content;
//! 5. a changed schedule or zone: Resume's next run is the new schedule's first after the
//!    activation; runs already counted stay counted;
//! 6. a changed audience mode applies from the next run.
//!
//! Restart ignores 1-6 for who continues (everyone exits; the audience enters anew under the
//! new definition), but [`describe`] still lists every change with its count.
//!
//! ```
//! use journey_core::edit::{Change, check_revision, diff, Revision};
//! use journey_core::journey::{NodeId, NodeKind};
//! use journey_core::samples;
//! use journey_core::snapshot::NodeCount;
//!
//! let before = samples::onboarding("UTC", samples::daily_at_14());
//! let mut after = before.clone();
//! if let Some(node) = after.nodes.iter_mut().find(|n| n.id.as_str() == "welcome") {
//!     if let NodeKind::Send { template, .. } = &mut node.kind {
//!         *template = "welcome-v2".into();
//!     }
//! }
//! let changes = diff(&before, &after);
//! assert!(matches!(&changes[..], [Change::ContentChanged { node, .. }] if node.as_str() == "welcome"));
//! let live = [NodeCount { node: NodeId::new("welcome"), count: 3 }];
//! assert!(check_revision(&Revision::new(after), &live).is_ok());
//! ```

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::journey::{AudienceMode, Channel, DefinitionError, JourneyDefinition, Node, NodeId, NodeKind, duration_words};
use crate::plan::{ActivationMode, ActivationPlan, format_count};
use crate::snapshot::{JourneySnapshot, NodeCount};

/// A save of a journey's definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revision {
    /// The new definition (validated like a new journey's).
    pub definition: JourneyDefinition,
    /// Where the contacts of each removed node that holds some go.
    #[serde(default)]
    pub moves: Vec<NodeMove>,
    /// Changed wait durations apply to contacts already waiting (deadline + the difference)
    /// instead of only to those who arrive later.
    #[serde(default)]
    pub apply_new_waits: bool,
}

impl Revision {
    /// A revision with no moves that keeps waiting contacts' deadlines.
    pub fn new(definition: JourneyDefinition) -> Revision {
        Revision { definition, moves: Vec::new(), apply_new_waits: false }
    }

    /// Where the contacts of `node` go, if the revision says.
    pub fn destination(&self, node: &NodeId) -> Option<&Destination> {
        self.moves.iter().find(|m| &m.from == node).map(|m| &m.to)
    }
}

/// The contacts of a removed node, and where they go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeMove {
    /// The removed node.
    pub from: NodeId,
    /// Where its contacts go.
    pub to: Destination,
}

/// Where the contacts of a removed node go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Destination {
    /// To this node of the new definition (they continue there, as if they had just
    /// arrived: a send sends, a wait starts waiting).
    Node {
        /// The node.
        node: NodeId,
    },
    /// Out of the journey (exit reason `node_removed`).
    #[serde(deserialize_with = "crate::journey::no_fields")]
    Exit,
}

/// Why a revision cannot be saved, in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// The new definition breaks a rule of every definition.
    #[error(transparent)]
    Invalid(#[from] DefinitionError),
    /// A removed node holds contacts and the revision does not say where they go.
    #[error(
        "The node \"{node}\" is removed but {n} contact{s} stand{v} there: choose where {they} (another node, or out of the journey).",
        n = format_count(*contacts),
        s = if *contacts == 1 { "" } else { "s" },
        v = if *contacts == 1 { "s" } else { "" },
        they = if *contacts == 1 { "it goes" } else { "they go" }
    )]
    Unmapped {
        /// The node.
        node: NodeId,
        /// How many contacts stand there.
        contacts: u64,
    },
    /// A move sends contacts to a node the new definition does not have.
    #[error("The contacts of \"{from}\" are sent to \"{to}\", which is not in the new definition.")]
    UnknownDestination {
        /// The removed node.
        from: NodeId,
        /// The missing node.
        to: NodeId,
    },
    /// A move names a node that is still in the journey.
    #[error("\"{node}\" is still in the journey; only a removed node's contacts can be moved.")]
    NotRemoved {
        /// The node.
        node: NodeId,
    },
    /// Two moves for one node.
    #[error("The contacts of \"{node}\" are moved twice; keep one destination.")]
    MovedTwice {
        /// The node.
        node: NodeId,
    },
}

/// Checks a revision against where contacts stand now (`live`: live memberships per node):
/// the definition is valid, every removed node holding contacts has a move, and every move
/// is from a removed node to a node of the new definition.
///
/// ```
/// use journey_core::edit::{check_revision, EditError, Revision};
/// use journey_core::journey::NodeId;
/// use journey_core::samples;
/// use journey_core::snapshot::NodeCount;
///
/// let mut def = samples::onboarding("UTC", samples::daily_at_14());
/// def.nodes.retain(|n| n.id.as_str() != "push");
/// for n in &mut def.nodes {
///     if let journey_core::journey::NodeKind::Condition { yes, .. } = &mut n.kind { *yes = None; }
/// }
/// let live = [NodeCount { node: NodeId::new("push"), count: 12 }];
/// let err = check_revision(&Revision::new(def), &live).unwrap_err();
/// assert_eq!(err, EditError::Unmapped { node: NodeId::new("push"), contacts: 12 });
/// assert!(err.to_string().starts_with("The node \"push\" is removed but 12 contacts stand there"));
/// ```
pub fn check_revision(revision: &Revision, live: &[NodeCount]) -> Result<(), EditError> {
    let def = &revision.definition;
    def.validate()?;
    let mut seen = BTreeSet::new();
    for m in &revision.moves {
        if !seen.insert(&m.from) {
            return Err(EditError::MovedTwice { node: m.from.clone() });
        }
        if def.node(&m.from).is_some() {
            return Err(EditError::NotRemoved { node: m.from.clone() });
        }
        if let Destination::Node { node } = &m.to
            && def.node(node).is_none()
        {
            return Err(EditError::UnknownDestination { from: m.from.clone(), to: node.clone() });
        }
    }
    for at in live.iter().filter(|c| c.count > 0) {
        if def.node(&at.node).is_none() && revision.destination(&at.node).is_none() {
            return Err(EditError::Unmapped { node: at.node.clone(), contacts: at.count });
        }
    }
    Ok(())
}

/// One difference between two definitions. Fields say what their names say: the node and
/// its label (for people), the value before (`from`) and after (`to`).
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// The journey's name.
    Renamed { from: String, to: String },
    /// A node that was not there.
    NodeAdded { node: NodeId, label: String },
    /// A node that is gone.
    NodeRemoved { node: NodeId, label: String },
    /// A send node's channel or template (its content).
    ContentChanged { node: NodeId, label: String, from: SendContent, to: SendContent },
    /// A send node's stale-message guard, in minutes (none: always sent).
    StaleGuardChanged { node: NodeId, label: String, from: Option<u32>, to: Option<u32> },
    /// A wait node's duration.
    WaitChanged { node: NodeId, label: String, from_minutes: u32, to_minutes: u32 },
    /// A condition node's test.
    ConditionChanged { node: NodeId, label: String },
    /// A node now leads elsewhere (or its kind changed).
    Rewired { node: NodeId, label: String },
    /// The first node after the trigger.
    EntryChanged { from: NodeId, to: NodeId },
    /// The schedule, in words.
    ScheduleChanged { from: String, to: String },
    /// The time zone.
    TimeZoneChanged { from: String, to: String },
    /// Who enters at a run.
    AudienceChanged { from: AudienceMode, to: AudienceMode },
    /// Where contacts come from (data set, segment, event).
    SourceChanged,
}

/// What a send node sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendContent {
    /// The channel.
    pub channel: Channel,
    /// The template.
    pub template: String,
}

/// Every difference from `before` to `after`, in a stable order: the journey's own fields,
/// then the nodes of `before` in its order, then the added nodes in `after`'s order.
pub fn diff(before: &JourneyDefinition, after: &JourneyDefinition) -> Vec<Change> {
    let mut changes = Vec::new();
    if before.name != after.name {
        changes.push(Change::Renamed { from: before.name.clone(), to: after.name.clone() });
    }
    if before.trigger.source != after.trigger.source {
        changes.push(Change::SourceChanged);
    }
    if before.trigger.audience != after.trigger.audience {
        changes.push(Change::AudienceChanged { from: before.trigger.audience, to: after.trigger.audience });
    }
    if before.trigger.schedule != after.trigger.schedule {
        changes.push(Change::ScheduleChanged { from: before.schedule_text(), to: after.schedule_text() });
    }
    if before.time_zone != after.time_zone {
        changes.push(Change::TimeZoneChanged { from: before.time_zone.clone(), to: after.time_zone.clone() });
    }
    if before.entry != after.entry {
        changes.push(Change::EntryChanged { from: before.entry.clone(), to: after.entry.clone() });
    }
    for old in &before.nodes {
        let label = label(old);
        match after.node(&old.id) {
            None => changes.push(Change::NodeRemoved { node: old.id.clone(), label }),
            Some(new) => changes.extend(node_changes(old, new, label)),
        }
    }
    for new in after.nodes.iter().filter(|n| before.node(&n.id).is_none()) {
        changes.push(Change::NodeAdded { node: new.id.clone(), label: label(new) });
    }
    changes
}

fn node_changes(old: &Node, new: &Node, label: String) -> Vec<Change> {
    let id = || old.id.clone();
    let mut out = Vec::new();
    if old.stale_after_minutes != new.stale_after_minutes {
        out.push(Change::StaleGuardChanged {
            node: id(),
            label: label.clone(),
            from: old.stale_after_minutes,
            to: new.stale_after_minutes,
        });
    }
    match (&old.kind, &new.kind) {
        (NodeKind::Send { channel: c1, template: t1, next: n1 }, NodeKind::Send { channel: c2, template: t2, next: n2 }) => {
            if c1 != c2 || t1 != t2 {
                out.push(Change::ContentChanged {
                    node: id(),
                    label: label.clone(),
                    from: SendContent { channel: *c1, template: t1.clone() },
                    to: SendContent { channel: *c2, template: t2.clone() },
                });
            }
            if n1 != n2 {
                out.push(Change::Rewired { node: id(), label });
            }
        }
        (NodeKind::Wait { minutes: m1, next: n1 }, NodeKind::Wait { minutes: m2, next: n2 }) => {
            if m1 != m2 {
                out.push(Change::WaitChanged { node: id(), label: label.clone(), from_minutes: *m1, to_minutes: *m2 });
            }
            if n1 != n2 {
                out.push(Change::Rewired { node: id(), label });
            }
        }
        (NodeKind::Condition { condition: c1, yes: y1, no: n1 }, NodeKind::Condition { condition: c2, yes: y2, no: n2 }) => {
            if c1 != c2 {
                out.push(Change::ConditionChanged { node: id(), label: label.clone() });
            }
            if y1 != y2 || n1 != n2 {
                out.push(Change::Rewired { node: id(), label });
            }
        }
        (NodeKind::Exit, NodeKind::Exit) => {}
        _ => out.push(Change::Rewired { node: id(), label }),
    }
    out
}

/// A node's name for people: its label, else its id.
pub fn label(node: &Node) -> String {
    node.label.clone().filter(|l| !l.trim().is_empty()).unwrap_or_else(|| node.id.to_string())
}

/// How many minutes each wait's pending deadlines move when a revision applies new wait
/// durations to contacts already waiting: `new - old` for every wait node in both
/// definitions whose duration changed; nothing without `apply_new_waits`.
///
/// ```
/// use journey_core::edit::wait_shifts;
/// use journey_core::journey::NodeKind;
/// use journey_core::samples;
///
/// let before = samples::onboarding("UTC", samples::daily_at_14());
/// let mut after = before.clone();
/// for n in &mut after.nodes {
///     if let NodeKind::Wait { minutes, .. } = &mut n.kind { *minutes = 60; }
/// }
/// let shifts = wait_shifts(&before, &after, true);
/// assert_eq!(shifts.len(), 1);
/// assert_eq!(shifts[0].1, 60 - 2 * 24 * 60); // two days -> one hour: 47 hours earlier
/// assert!(wait_shifts(&before, &after, false).is_empty());
/// ```
pub fn wait_shifts(before: &JourneyDefinition, after: &JourneyDefinition, apply_new_waits: bool) -> Vec<(NodeId, i64)> {
    if !apply_new_waits {
        return Vec::new();
    }
    diff(before, after)
        .into_iter()
        .filter_map(|c| match c {
            Change::WaitChanged { node, from_minutes, to_minutes, .. } => {
                Some((node, i64::from(to_minutes) - i64::from(from_minutes)))
            }
            _ => None,
        })
        .collect()
}

/// What has been saved since the last activation, as a snapshot carries it: the definition
/// that was activated last, the saved revision's choices, and the messages already sent per
/// send node in the current generation. The snapshot's `definition` is the new one; its
/// `waits` already hold the deadlines the revision gives (shifted when `apply_new_waits`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingEdit {
    /// The definition version activated last (0: never activated).
    pub activated_version: u32,
    /// The definition version saved last.
    pub saved_version: u32,
    /// The definition activated last.
    pub activated: JourneyDefinition,
    /// Where the contacts of removed nodes go.
    #[serde(default)]
    pub moves: Vec<NodeMove>,
    /// Whether changed waits apply to contacts already waiting.
    #[serde(default)]
    pub apply_new_waits: bool,
    /// Messages logged per send node in the current generation (who already received it).
    #[serde(default)]
    pub sent: Vec<NodeCount>,
    /// For each wait whose duration changed, its pending deadlines under the *other* choice
    /// of `apply_new_waits` (the snapshot's `waits` hold the saved choice's), so the summary
    /// can say what either choice does.
    #[serde(default)]
    pub other_choice_waits: Vec<crate::snapshot::WaitDeadlines>,
}

impl PendingEdit {
    /// The changes since the last activation.
    pub fn changes(&self, current: &JourneyDefinition) -> Vec<Change> {
        diff(&self.activated, current)
    }

    /// Live contacts at removed nodes whose move is "exit": they leave at a Resume.
    pub fn exiting(&self, live: &[NodeCount]) -> u64 {
        live.iter().filter(|c| self.moves.iter().any(|m| m.from == c.node && m.to == Destination::Exit)).map(|c| c.count).sum()
    }
}

/// One line of the summary's "Changed since the last activation": the change, how many
/// contacts it concerns under the chosen mode, and a sentence saying what happens to them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeLine {
    /// The change.
    pub change: Change,
    /// The contacts it concerns.
    pub contacts: u64,
    /// What happens, in words.
    pub text: String,
}

/// The summary's "Changed since the last activation" for a plan of the snapshot's journey:
/// one line per change, with the contacts it concerns in the plan's mode. Empty when nothing
/// was saved since the last activation.
pub fn describe(snapshot: &JourneySnapshot, plan: &ActivationPlan) -> Vec<ChangeLine> {
    let Some(edit) = &snapshot.edit else { return Vec::new() };
    let resume = plan.mode == ActivationMode::Resume;
    let at = |node: &NodeId| snapshot.nodes.iter().find(|c| &c.node == node).map_or(0, |c| c.count);
    let sent = |node: &NodeId| edit.sent.iter().find(|c| &c.node == node).map_or(0, |c| c.count);
    let waiting = |node: &NodeId| snapshot.waits.iter().find(|w| &w.node == node).map_or(0, |w| w.total());
    let entering = plan.entering.unwrap_or(0);
    let people = |n: u64| format!("{} contact{}", format_count(n), if n == 1 { "" } else { "s" });
    let def = &snapshot.definition;
    edit.changes(def)
        .into_iter()
        .map(|change| {
            let (contacts, text) = match &change {
                Change::Renamed { from, to } => (0, format!("Renamed from \"{from}\" to \"{to}\".")),
                Change::SourceChanged => (entering, format!("New source of contacts: {} at the next run.", people(entering))),
                Change::AudienceChanged { from, to } => (
                    entering,
                    format!("Audience: {} instead of {}, from the next run ({} enter).", to.label(), from.label(), format_count(entering)),
                ),
                Change::ScheduleChanged { from, to } => (0, format!("Schedule: {to} (was: {from}).")),
                Change::TimeZoneChanged { from, to } => (0, format!("Time zone: {to} (was {from}).")),
                Change::EntryChanged { to, .. } => (entering, format!("Contacts who enter now start at \"{to}\".")),
                Change::NodeAdded { label, .. } => (0, format!("{label} added.")),
                Change::NodeRemoved { node, label } => {
                    let n = at(node);
                    let text = match (resume, n, edit.moves.iter().find(|m| &m.from == node).map(|m| &m.to)) {
                        (_, 0, _) => format!("{label} removed; nobody stands there."),
                        (false, n, _) => format!("{label} removed: the {} there leave with everyone else.", people(n)),
                        (true, n, Some(Destination::Node { node: to })) => {
                            let to = def.node(to).map(self::label).unwrap_or_else(|| to.to_string());
                            // A label may end a sentence itself ("How is it going?").
                            let end = if to.ends_with(['.', '?', '!']) { "" } else { "." };
                            format!("{label} removed: the {} there move to {to}{end}", people(n))
                        }
                        (true, n, _) => format!("{label} removed: the {} there leave the journey.", people(n)),
                    };
                    (n, text)
                }
                Change::ContentChanged { node, label, to, .. } => {
                    if resume {
                        let n = sent(node);
                        let text = format!(
                            "{label} changed (now {} \"{}\"): {} already received it and will not get the new version; whoever reaches it later gets the new one.",
                            to.channel.label(),
                            to.template,
                            people(n)
                        );
                        (n, text)
                    } else {
                        let text = format!(
                            "{label} changed (now {} \"{}\"): the new generation gets the new version ({} enter).",
                            to.channel.label(),
                            to.template,
                            format_count(entering)
                        );
                        (entering, text)
                    }
                }
                Change::WaitChanged { node, label, from_minutes, to_minutes } => {
                    let n = waiting(node);
                    let (from, to) = (duration_words(*from_minutes), duration_words(*to_minutes));
                    // Overdue at the plan's instant, with the plan's wait handling.
                    let overdue = |w: &crate::snapshot::WaitDeadlines| match plan.deadline_shift {
                        Some(_) => w.due_by_frozen_at,
                        None => w.due_by(snapshot.origin(), plan.at),
                    };
                    let saved = snapshot.waits.iter().find(|w| &w.node == node).map_or(0, overdue);
                    let other = edit.other_choice_waits.iter().find(|w| &w.node == node).map_or(0, overdue);
                    let text = match (resume, edit.apply_new_waits) {
                        (false, _) => format!("{label}: {to} instead of {from} for the new generation."),
                        (true, false) => format!(
                            "{label}: {to} instead of {from}; the {} waiting there keep their deadlines ({} overdue); {} would be overdue if the new duration applied to them.",
                            people(n),
                            format_count(saved),
                            format_count(other)
                        ),
                        (true, true) => format!(
                            "{label}: {to} instead of {from}, also for the {} already waiting ({} overdue); {} would be overdue if they kept their deadlines.",
                            people(n),
                            format_count(saved),
                            format_count(other)
                        ),
                    };
                    (n, text)
                }
                Change::ConditionChanged { node, label } => {
                    let n = if resume { at(node) } else { entering };
                    (n, format!("{label}: the condition changed; it applies to whoever reaches it from now on."))
                }
                Change::Rewired { node, label } => {
                    let n = if resume { at(node) } else { 0 };
                    (n, format!("{label} now leads elsewhere; contacts there follow the new path."))
                }
                Change::StaleGuardChanged { label, to, .. } => {
                    let rule = match to {
                        Some(m) => format!("not sent if more than {} late", crate::journey::duration_words(*m)),
                        None => "always sent, however late".to_string(),
                    };
                    (0, format!("{label}: its message is now {rule}."))
                }
            };
            ChangeLine { change, contacts, text }
        })
        .collect()
}
