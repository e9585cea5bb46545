//! How one membership moves: the pure functions the server's runner calls.
//!
//! [`step`] says what to do next at one node; [`advance`] repeats it until the membership
//! waits or ends, and returns where it stops and the messages it sent on the way. The runner
//! loads a due membership, calls [`advance`], inserts each message into the log under its
//! [`MessageKey`] (unique, so a retry finds the key and sends nothing) in the same
//! transaction that stores the new position, and hands logged messages to the channel later.
//!
//! Rules:
//!
//! - A contact that is no longer subscribed exits (reason `unsubscribed`) at its next step;
//!   it is never sent anything.
//! - Wait deadlines are **rounded up to the whole minute**: a wait of N minutes that starts at
//!   `now` ends at `ceil_to_minute(now) + N minutes` (see [`wait_deadline`]). So every pending
//!   deadline is a whole minute, and the snapshot's per-minute buckets are exact.
//! - A waiting membership moves on when `until <= now`.
//! - A membership moves through as many nodes as it can at once: sends and conditions take
//!   no time, so one [`advance`] goes on until a wait, the end, or an exit. It takes at most
//!   one step per node plus two (a guard against a loop in a definition that was not
//!   validated).
//! - A condition on an event (`did_event`) is true when the contact did the event since it
//!   entered this membership: the runner passes those event names in [`ContactFacts`].
//! - A send or wait whose `next` is empty completes the membership; a condition branch that is
//!   empty exits it (reason `condition`); an exit node exits it (reason `exit_node`); a node
//!   that no longer exists exits it (reason `node_missing`).
//! - Who enters is [`admits`] (an audience run) and [`admits_on_event`] (an event): the
//!   server reads [`AdmissionFacts`] per contact and inserts the memberships they admit
//!   (for a whole data set in one statement, through the truth table [`admission_mask`]).
//!
//! ```
//! use std::collections::BTreeSet;
//! use journey_core::flow::{step, wait_deadline, ContactFacts, Position, Step};
//! use journey_core::journey::*;
//! use journey_core::membership::*;
//!
//! let def = JourneyDefinition {
//!     name: "Cart".into(),
//!     time_zone: "UTC".into(),
//!     trigger: Trigger {
//!         source: TriggerSource::Event { event_name: "cart_abandoned".into() },
//!         audience: AudienceMode::AllUsers,
//!         schedule: None,
//!     },
//!     entry: NodeId::new("wait"),
//!     nodes: vec![
//!         Node::new("wait", NodeKind::Wait { minutes: 60, next: Some(NodeId::new("nudge")) }),
//!         Node::new("nudge", NodeKind::Send { channel: Channel::Sms, template: "cart".into(), next: None }),
//!     ],
//! };
//! let now: jiff::Timestamp = "2026-01-01T10:00:30Z".parse()?;
//! let attributes = Attributes::new();
//! let events = BTreeSet::new();
//! let contact = ContactFacts { attributes: &attributes, subscribed: true, events_since_entry: &events };
//! let pos = Position {
//!     journey_id: JourneyId(1),
//!     contact_id: ContactId(7),
//!     generation: Generation(1),
//!     iteration: Iteration(1),
//!     node: NodeId::new("wait"),
//!     status: MembershipStatus::Ready,
//! };
//! // Arriving at a wait: the deadline is the whole minute 10:01 plus 60 minutes.
//! assert_eq!(step(&def, &pos, now, &contact), Step::Wait { until: "2026-01-01T11:01:00Z".parse()? });
//! assert_eq!(wait_deadline(now, 60), Some("2026-01-01T11:01:00Z".parse()?));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::journey::{Attributes, Channel, Condition, ContactId, JourneyDefinition, JourneyId, NodeId, NodeKind};
use crate::membership::{ExitReason, Generation, Iteration, MembershipStatus, MessageKey};

/// What the step function needs to know about the contact.
#[derive(Debug, Clone, Copy)]
pub struct ContactFacts<'a> {
    /// Its attributes now.
    pub attributes: &'a Attributes,
    /// Whether it is subscribed now.
    pub subscribed: bool,
    /// Names of the events it did since it entered this membership.
    pub events_since_entry: &'a BTreeSet<String>,
}

/// Where a membership is (the parts of a [`crate::membership::Membership`] a step needs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// The journey.
    pub journey_id: JourneyId,
    /// The contact.
    pub contact_id: ContactId,
    /// The membership's generation.
    pub generation: Generation,
    /// The membership's iteration.
    pub iteration: Iteration,
    /// Its current node.
    pub node: NodeId,
    /// Its status.
    pub status: MembershipStatus,
}

impl From<&crate::membership::Membership> for Position {
    fn from(m: &crate::membership::Membership) -> Position {
        Position {
            journey_id: m.journey_id,
            contact_id: m.contact_id,
            generation: m.generation,
            iteration: m.iteration,
            node: m.node.clone(),
            status: m.status,
        }
    }
}

/// What to do with one membership now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// Send one message (unless its key is already in the log), then go to `then` with status
    /// ready, or complete the membership when `then` is empty.
    Send {
        /// The message log's key.
        key: MessageKey,
        /// The channel.
        channel: Channel,
        /// The template.
        template: String,
        /// The next node, or none: the membership completes.
        then: Option<NodeId>,
    },
    /// Stay (or start waiting) at the current node until this instant.
    Wait {
        /// The deadline.
        until: Timestamp,
    },
    /// Move to this node, status ready.
    Move {
        /// The node.
        to: NodeId,
    },
    /// Mark the membership completed.
    Complete,
    /// Mark the membership exited.
    Exit {
        /// Why.
        reason: ExitReason,
    },
    /// Nothing to do: the membership has already ended.
    Finished,
}

/// Rounds an instant up to the whole minute (UTC seconds divisible by 60, no fraction).
///
/// ```
/// use journey_core::flow::ceil_to_minute;
/// let t: jiff::Timestamp = "2026-01-01T10:00:00.5Z".parse().unwrap();
/// assert_eq!(ceil_to_minute(t), Some("2026-01-01T10:01:00Z".parse().unwrap()));
/// let t: jiff::Timestamp = "2026-01-01T10:00:00Z".parse().unwrap();
/// assert_eq!(ceil_to_minute(t), Some(t));
/// ```
pub fn ceil_to_minute(t: Timestamp) -> Option<Timestamp> {
    let ns = t.as_nanosecond();
    let minute: i128 = 60_000_000_000;
    let floor = ns.div_euclid(minute) * minute;
    let ceil = if floor == ns { ns } else { floor + minute };
    Timestamp::from_nanosecond(ceil).ok()
}

/// Rounds an instant down to the whole minute.
pub fn floor_to_minute(t: Timestamp) -> Timestamp {
    let minute: i128 = 60_000_000_000;
    let ns = t.as_nanosecond();
    Timestamp::from_nanosecond(ns.div_euclid(minute) * minute).unwrap_or(t)
}

/// The deadline of a wait of `minutes` that starts at `now`: `ceil_to_minute(now) + minutes`.
/// `None` only past the end of the supported calendar (year 9999).
pub fn wait_deadline(now: Timestamp, minutes: u32) -> Option<Timestamp> {
    let start = ceil_to_minute(now)?;
    start.checked_add(jiff::SignedDuration::from_mins(i64::from(minutes))).ok()
}

/// What to do with the membership at `position`, at `now`.
///
/// Never panics; a position on a node that no longer exists exits with `node_missing`.
pub fn step(definition: &JourneyDefinition, position: &Position, now: Timestamp, contact: &ContactFacts<'_>) -> Step {
    match position.status {
        MembershipStatus::Completed | MembershipStatus::Exited { .. } => return Step::Finished,
        MembershipStatus::Waiting { until } if until > now => return Step::Wait { until },
        _ => {}
    }
    if !contact.subscribed {
        return Step::Exit { reason: ExitReason::Unsubscribed };
    }
    let Some(node) = definition.node(&position.node) else {
        return Step::Exit { reason: ExitReason::NodeMissing };
    };
    let to = |next: &Option<NodeId>| match next {
        Some(n) => Step::Move { to: n.clone() },
        None => Step::Complete,
    };
    match (&node.kind, position.status) {
        // A wait that is over.
        (NodeKind::Wait { next, .. }, MembershipStatus::Waiting { .. }) => to(next),
        (_, MembershipStatus::Waiting { .. }) => {
            // Waiting at a node that is not (or no longer) a wait: the wait is over; carry out
            // the node as if just arrived.
            ready_step(definition, position, node, now, contact)
        }
        _ => ready_step(definition, position, node, now, contact),
    }
}

fn ready_step(
    _definition: &JourneyDefinition,
    position: &Position,
    node: &crate::journey::Node,
    now: Timestamp,
    contact: &ContactFacts<'_>,
) -> Step {
    match &node.kind {
        NodeKind::Send { channel, template, next } => Step::Send {
            key: MessageKey {
                journey_id: position.journey_id,
                generation: position.generation,
                iteration: position.iteration,
                contact_id: position.contact_id,
                node_id: node.id.clone(),
            },
            channel: *channel,
            template: template.clone(),
            then: next.clone(),
        },
        NodeKind::Wait { minutes, next } => match wait_deadline(now, *minutes) {
            Some(until) => Step::Wait { until },
            None => match next {
                Some(n) => Step::Move { to: n.clone() },
                None => Step::Complete,
            },
        },
        NodeKind::Condition { condition, yes, no } => {
            let pass = match condition {
                Condition::Attribute { test } => test.matches(contact.attributes),
                Condition::DidEvent { event_name } => contact.events_since_entry.contains(event_name),
            };
            match if pass { yes } else { no } {
                Some(n) => Step::Move { to: n.clone() },
                None => Step::Exit { reason: ExitReason::Condition },
            }
        }
        NodeKind::Exit => Step::Exit { reason: ExitReason::ExitNode },
    }
}

/// A message a membership sends on its way (see [`advance`]). The send node is
/// `key.node_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// The message log's key: journey, generation, iteration, contact and send node.
    pub key: MessageKey,
    /// The channel.
    pub channel: Channel,
    /// The template.
    pub template: String,
}

/// Where a membership stops after [`advance`], and what it sent on the way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Advance {
    /// The membership's new position: the node it stopped at and its status (waiting,
    /// completed or exited; still ready only if the step limit stopped it).
    pub position: Position,
    /// The messages it sent, in order (none for a membership that only waits or exits).
    pub sends: Vec<Message>,
}

/// Moves the membership at `position` as far as it goes at `now`: [`step`] after [`step`],
/// collecting the messages sent, until it waits, completes or exits.
///
/// - A send records its [`Message`] and moves to `next` (status ready), or completes the
///   membership when `next` is empty;
/// - a move (a condition, or a wait that is over) goes to the node, status ready;
/// - a wait stops it, waiting until the deadline (a membership still waiting stays as it is);
/// - complete and exit stop it with that status, at the node where it happened;
/// - a membership that has already ended is returned unchanged.
///
/// At most `definition.nodes.len() + 2` steps are taken: a validated definition has no loop,
/// so a membership never needs more; if a loop was stored anyway, it stops there, still
/// ready, and the next pass goes on from that node.
///
/// ```
/// use std::collections::BTreeSet;
/// use journey_core::flow::{advance, ContactFacts, Position};
/// use journey_core::journey::*;
/// use journey_core::membership::*;
///
/// let def = JourneyDefinition {
///     name: "Welcome".into(),
///     time_zone: "UTC".into(),
///     trigger: Trigger {
///         source: TriggerSource::Event { event_name: "signup".into() },
///         audience: AudienceMode::AllUsers,
///         schedule: None,
///     },
///     entry: NodeId::new("hello"),
///     nodes: vec![
///         Node::new("hello", NodeKind::Send {
///             channel: Channel::Email,
///             template: "hello".into(),
///             next: Some(NodeId::new("wait")),
///         }),
///         Node::new("wait", NodeKind::Wait { minutes: 60, next: Some(NodeId::new("tips")) }),
///         Node::new("tips", NodeKind::Send { channel: Channel::Push, template: "tips".into(), next: None }),
///     ],
/// };
/// let attributes = Attributes::new();
/// let events = BTreeSet::new();
/// let contact = ContactFacts { attributes: &attributes, subscribed: true, events_since_entry: &events };
/// let entered = Position {
///     journey_id: JourneyId(1),
///     contact_id: ContactId(7),
///     generation: Generation(1),
///     iteration: Iteration(1),
///     node: NodeId::new("hello"),
///     status: MembershipStatus::Ready,
/// };
/// // Just entered at 10:00:30: the email goes out and the contact waits until 11:01.
/// let now: jiff::Timestamp = "2026-01-01T10:00:30Z".parse()?;
/// let first = advance(&def, &entered, now, &contact);
/// assert_eq!(first.sends.len(), 1);
/// assert_eq!(first.sends[0].key.to_string(), "j1/g1/i1/c7/hello");
/// assert_eq!(first.position.node, NodeId::new("wait"));
/// assert_eq!(first.position.status, MembershipStatus::Waiting { until: "2026-01-01T11:01:00Z".parse()? });
/// // At 11:01 the wait is over: the push goes out and the membership completes.
/// let then = advance(&def, &first.position, "2026-01-01T11:01:00Z".parse()?, &contact);
/// assert_eq!(then.sends[0].key.to_string(), "j1/g1/i1/c7/tips");
/// assert_eq!((then.position.node.as_str(), then.position.status), ("tips", MembershipStatus::Completed));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn advance(definition: &JourneyDefinition, position: &Position, now: Timestamp, contact: &ContactFacts<'_>) -> Advance {
    let mut position = position.clone();
    let mut sends = Vec::new();
    // Without a loop each node is visited at most once; the limit (with slack) stops a loop
    // that was stored anyway, instead of spinning.
    let max_steps = definition.nodes.len().saturating_add(2);
    for _ in 0..max_steps {
        match step(definition, &position, now, contact) {
            Step::Send { key, channel, template, then } => {
                sends.push(Message { key, channel, template });
                match then {
                    Some(next) => {
                        position.node = next;
                        position.status = MembershipStatus::Ready;
                    }
                    None => {
                        position.status = MembershipStatus::Completed;
                        break;
                    }
                }
            }
            Step::Wait { until } => {
                position.status = MembershipStatus::Waiting { until };
                break;
            }
            Step::Move { to } => {
                position.node = to;
                position.status = MembershipStatus::Ready;
            }
            Step::Complete => {
                position.status = MembershipStatus::Completed;
                break;
            }
            Step::Exit { reason } => {
                position.status = MembershipStatus::Exited { reason };
                break;
            }
            Step::Finished => break,
        }
    }
    Advance { position, sends }
}

/// What the admission rule needs to know about one contact (spec sections 1, 3.5, 4.2).
///
/// The server reads these facts from its store (in batches at an audience run, one contact
/// at a time on an event) and asks [`admits`] / [`admits_on_event`]; it writes no admission
/// rule of its own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AdmissionFacts {
    /// The contact is subscribed now.
    pub subscribed: bool,
    /// The contact has a live (ready or waiting) membership in this journey, whatever its
    /// generation.
    pub in_flight: bool,
    /// The contact has a membership (live or finished) in the journey's current generation.
    pub entered_in_generation: bool,
}

impl AdmissionFacts {
    /// Every combination of the facts (8), in the order of [`AdmissionFacts::bits`].
    pub fn all() -> impl Iterator<Item = AdmissionFacts> {
        (0u8..8).map(AdmissionFacts::from_bits)
    }

    /// The facts as a number from 0 to 7: `subscribed` is 1, `in_flight` 2,
    /// `entered_in_generation` 4.
    pub fn bits(self) -> u8 {
        u8::from(self.subscribed) | u8::from(self.in_flight) << 1 | u8::from(self.entered_in_generation) << 2
    }

    /// The facts of a number from [`AdmissionFacts::bits`] (higher bits ignored).
    pub fn from_bits(bits: u8) -> AdmissionFacts {
        AdmissionFacts { subscribed: bits & 1 != 0, in_flight: bits & 2 != 0, entered_in_generation: bits & 4 != 0 }
    }
}

/// [`admits`] as a truth table: bit `f.bits()` is set when facts `f` enter under `audience`.
///
/// For a store that judges a million contacts inside one statement: it computes each
/// contact's [`AdmissionFacts::bits`] and keeps those whose bit is set, so the decision is
/// still this crate's, made once per combination of the facts.
///
/// ```
/// use journey_core::flow::{admission_mask, admits, AdmissionFacts};
/// use journey_core::journey::AudienceMode::*;
/// // Only "subscribed, not in flight, not entered" (bits 0b001) under new_users; under
/// // all_users also "subscribed, entered" (0b101).
/// assert_eq!(admission_mask(NewUsers), 1 << 0b001);
/// assert_eq!(admission_mask(AllUsers), 1 << 0b001 | 1 << 0b101);
/// for f in AdmissionFacts::all() {
///     assert_eq!(admission_mask(AllUsers) & 1 << f.bits() != 0, admits(AllUsers, &f).enters());
/// }
/// ```
pub fn admission_mask(audience: crate::journey::AudienceMode) -> u8 {
    AdmissionFacts::all().filter(|f| admits(audience, f).enters()).fold(0, |mask, f| mask | 1 << f.bits())
}

/// The answer of the admission rule: the contact enters, or the first reason it does not.
///
/// Reasons are checked in this order: journey not active, event not after the activation
/// (events only), unsubscribed, in flight, already entered in the generation (`new_users`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Admission {
    /// The contact enters (a new membership at the entry node).
    Enters,
    /// Not subscribed: never enters (the preview counts it as suppressed).
    Suppressed,
    /// Still in flight: a contact has at most one live membership per journey.
    InFlight,
    /// `new_users` only: it already entered in the current generation.
    AlreadyEntered,
    /// Events only: the journey is not Active, so events do not enter anybody.
    NotActive,
    /// Events only: the event arrived before the (last) activation; frozen-time events are not
    /// replayed.
    NotReplayed,
}

impl Admission {
    /// Whether the contact enters.
    pub fn enters(self) -> bool {
        self == Admission::Enters
    }
}

/// Who enters at a scheduled audience run (spec sections 1, 3.5 and 4.2): unsubscribed
/// contacts never enter; contacts in flight (a live membership in this journey) are skipped;
/// under `new_users` only those that never entered in the current generation enter; under
/// `all_users` every other member enters (a new iteration).
///
/// Entry history belongs to a generation, so after a Restart (a new generation) every
/// subscribed member who is not in flight counts as new.
///
/// ```
/// use journey_core::flow::{admits, Admission, AdmissionFacts};
/// use journey_core::journey::AudienceMode::*;
/// let fresh = AdmissionFacts { subscribed: true, in_flight: false, entered_in_generation: false };
/// assert_eq!(admits(NewUsers, &fresh), Admission::Enters);
/// let returning = AdmissionFacts { entered_in_generation: true, ..fresh };
/// assert_eq!(admits(NewUsers, &returning), Admission::AlreadyEntered);
/// assert_eq!(admits(AllUsers, &returning), Admission::Enters);
/// let busy = AdmissionFacts { in_flight: true, ..returning };
/// assert_eq!(admits(AllUsers, &busy), Admission::InFlight);
/// let gone = AdmissionFacts { subscribed: false, ..busy };
/// assert_eq!(admits(AllUsers, &gone), Admission::Suppressed);
/// ```
pub fn admits(audience: crate::journey::AudienceMode, facts: &AdmissionFacts) -> Admission {
    use crate::journey::AudienceMode;
    if !facts.subscribed {
        Admission::Suppressed
    } else if facts.in_flight {
        Admission::InFlight
    } else if audience == AudienceMode::NewUsers && facts.entered_in_generation {
        Admission::AlreadyEntered
    } else {
        Admission::Enters
    }
}

/// Who enters an event-trigger journey on an event (spec sections 3.6 and 4.4): the journey
/// is Active, the event arrived since the last activation (`arrived_since_activation`; events
/// that arrived while frozen are not replayed), and then the audience rule of [`admits`].
///
/// "Arrived since the activation" is the caller's fact: the server keeps, per journey, the
/// last event id seen at activation and passes `true` for events stored after it.
///
/// ```
/// use journey_core::flow::{admits_on_event, Admission, AdmissionFacts};
/// use journey_core::journey::AudienceMode::AllUsers;
/// use journey_core::state::JourneyState::{Active, Paused};
/// let fresh = AdmissionFacts { subscribed: true, in_flight: false, entered_in_generation: true };
/// assert_eq!(admits_on_event(AllUsers, Active, true, &fresh), Admission::Enters);
/// assert_eq!(admits_on_event(AllUsers, Active, false, &fresh), Admission::NotReplayed);
/// assert_eq!(admits_on_event(AllUsers, Paused, true, &fresh), Admission::NotActive);
/// ```
pub fn admits_on_event(
    audience: crate::journey::AudienceMode,
    state: crate::state::JourneyState,
    arrived_since_activation: bool,
    facts: &AdmissionFacts,
) -> Admission {
    if state != crate::state::JourneyState::Active {
        Admission::NotActive
    } else if !arrived_since_activation {
        Admission::NotReplayed
    } else {
        admits(audience, facts)
    }
}
