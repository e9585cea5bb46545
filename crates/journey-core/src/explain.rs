//! "Will jane@example.com get the next email, and when?": one contact's facts for a journey
//! ([`ContactFacts`], from `GET /api/journeys/{id}/contact?email=`) and what the activation
//! the summary shows will do to them, in a sentence ([`explain`]).
//!
//! The sentence follows the same rules as the plan, the release policy and the stale-message
//! guard (it calls them): a contact's rank in the backlog is the overdue contacts at earlier
//! wait steps (from the plan) plus those before it at its own step (from its facts), so its
//! release instant is the one the runner will use. Times are formatted by the caller (the
//! console writes them in the viewer's zone).
//!
//! ```
//! use journey_core::explain::*;
//! use journey_core::plan::*;
//! use journey_core::release::ReleasePolicy;
//! let s = journey_core::samples::daily_kolkata_snapshot();
//! let plan = plan_activation(&s, s.taken_at, ActivationMode::Resume, WaitHandling::KeepDeadlines)?;
//! let facts = ContactFacts { subscribed: false, ..ContactFacts::example() };
//! let e = explain(&s, &plan, ReleasePolicy::AllAtOnce, &facts, &|t| t.to_string());
//! assert_eq!(e.sentence, "Unsubscribed: never enters and receives nothing from this journey.");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::journey::{AudienceMode, Channel, ContactId, JourneyDefinition, NodeId, NodeKind, TriggerSource};
use crate::membership::Generation;
use crate::plan::{ActivationMode, ActivationPlan, NextRun, WaitHandling};
use crate::release::{ReleasePolicy, release_instant, release_minute, sends_ahead, sends_on_the_way, stale_skip};
use crate::snapshot::JourneySnapshot;

/// The most recent messages the facts carry.
pub const LAST_MESSAGES: usize = 5;

/// One contact's facts for one journey, read by the server at the time of the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactFacts {
    /// The contact.
    pub contact_id: ContactId,
    /// Its email, as stored.
    pub email: String,
    /// Whether it is subscribed.
    pub subscribed: bool,
    /// Whether it is in the trigger's audience (its data set's member, its segment's match;
    /// false for an event trigger).
    pub in_audience: bool,
    /// Its live membership in the journey, if any.
    pub membership: Option<MembershipFacts>,
    /// Whether it entered in the journey's current generation.
    pub entered_this_generation: bool,
    /// Its latest messages from this journey, newest first (at most [`LAST_MESSAGES`]).
    pub last_messages: Vec<SentMessage>,
}

impl ContactFacts {
    /// A subscribed contact in the audience who never entered (for examples and tests).
    pub fn example() -> ContactFacts {
        ContactFacts {
            contact_id: ContactId(7),
            email: "jane@example.com".into(),
            subscribed: true,
            in_audience: true,
            membership: None,
            entered_this_generation: false,
            last_messages: Vec::new(),
        }
    }
}

/// A live membership's position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipFacts {
    /// Its generation.
    pub generation: Generation,
    /// Its node.
    pub node: NodeId,
    /// When its wait ends (its release instant when held), if it is waiting.
    pub wait_until: Option<Timestamp>,
    /// The deadline that ended while the journey was frozen, when it is held.
    #[serde(default)]
    pub late_since: Option<Timestamp>,
    /// Live memberships at the same node due before it (earlier deadline, or the same and
    /// an earlier membership): its place in the backlog's order at its node.
    pub due_before_at_node: u64,
}

/// A message the journey logged for the contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentMessage {
    /// The send step.
    pub node: NodeId,
    /// Its channel.
    pub channel: Channel,
    /// Its template.
    pub template: String,
    /// When it was logged.
    pub at: Timestamp,
    /// Its delivery state (`queued`, `delivered`, ... or `skipped`).
    pub state: String,
}

/// What the activation does to one contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    /// The sentence.
    pub sentence: String,
    /// When its next message goes out, if it gets one at a known instant.
    pub next_message_at: Option<Timestamp>,
}

fn step_name(def: &JourneyDefinition, id: &NodeId) -> String {
    def.step_name(id)
}

/// The messages the contact is sent from `from` on at once, in words: "receives Email
/// “welcome”", or nothing.
fn receives(def: &JourneyDefinition, from: Option<&NodeId>) -> Option<String> {
    let names: Vec<String> = sends_on_the_way(def, from)
        .0
        .iter()
        .filter_map(|n| match &n.kind {
            NodeKind::Send { channel, template, .. } => Some(format!("{} “{}”", channel.label(), template)),
            _ => None,
        })
        .collect();
    (!names.is_empty()).then(|| format!("receives {}", names.join(", then ")))
}

/// What happens next after `from` at once, told as "then …": the messages, or the step it
/// waits at or the condition that decides.
fn then_words(def: &JourneyDefinition, from: Option<&NodeId>) -> String {
    let (sends, uncertain) = sends_ahead(def, from);
    let mut words = receives(def, from).unwrap_or_default();
    if uncertain {
        let lead = if sends > 0 { ", then a condition decides what follows" } else { "a condition decides what follows" };
        words.push_str(lead);
    } else if sends == 0 {
        words = match from.and_then(|id| def.node(id)) {
            Some(n) if matches!(n.kind, NodeKind::Wait { .. }) => format!("starts waiting at {}", step_name(def, &n.id)),
            Some(n) if matches!(n.kind, NodeKind::Exit) => "leaves the journey".to_string(),
            _ => "completes the journey".to_string(),
        };
    }
    words
}

/// What the activation in `plan` (from `snapshot`, under `policy`) does to the contact of
/// `facts`, in a sentence; `time` formats instants for the reader.
///
/// Rules: an unsubscribed contact never enters and is sent nothing; on Resume, a live
/// contact continues at its step (an overdue wait moves on at activation, or at its release
/// instant under a pace; a wait not over ends at its deadline, moved by the pause under
/// extend_by_pause), someone not in the journey enters at the next run if the audience mode
/// lets them; on Restart, everyone in the audience enters now, a live contact leaving its
/// step first. The stale-message guard says when the next message would not be sent.
pub fn explain(
    snapshot: &JourneySnapshot,
    plan: &ActivationPlan,
    policy: ReleasePolicy,
    facts: &ContactFacts,
    time: &dyn Fn(Timestamp) -> String,
) -> Explanation {
    let def = &snapshot.definition;
    let none = |sentence: String| Explanation { sentence, next_message_at: None };
    if !facts.subscribed {
        return none("Unsubscribed: never enters and receives nothing from this journey.".into());
    }
    let event = match &def.trigger.source {
        TriggerSource::Event { event_name } => Some(event_name.clone()),
        _ => None,
    };
    match plan.mode {
        ActivationMode::Restart => restart(def, plan, facts, event.as_deref(), time),
        ActivationMode::Resume => match &facts.membership {
            Some(m) => continuing(snapshot, plan, policy, m, time),
            None => entering(def, plan, facts, event.as_deref(), time),
        },
    }
}

fn restart(
    def: &JourneyDefinition,
    plan: &ActivationPlan,
    facts: &ContactFacts,
    event: Option<&str>,
    time: &dyn Fn(Timestamp) -> String,
) -> Explanation {
    let leaves = facts.membership.as_ref().map(|m| format!("Leaves {} (the restart ends it). ", step_name(def, &m.node)));
    let leaves = leaves.unwrap_or_default();
    if let Some(event) = event {
        return Explanation {
            sentence: format!("{leaves}Enters again when it does “{event}” after the restart."),
            next_message_at: None,
        };
    }
    if !facts.in_audience {
        return Explanation {
            sentence: format!("{leaves}Not in the journey's audience: does not enter."),
            next_message_at: None,
        };
    }
    let again = if facts.last_messages.iter().any(|m| m.state != "skipped") { ", again" } else { "" };
    let at = plan.at;
    Explanation {
        sentence: format!("{leaves}Enters now, at activation ({}), and {}{again}.", time(at), then_words(def, Some(&def.entry))),
        next_message_at: receives(def, Some(&def.entry)).map(|_| at),
    }
}

fn entering(
    def: &JourneyDefinition,
    plan: &ActivationPlan,
    facts: &ContactFacts,
    event: Option<&str>,
    time: &dyn Fn(Timestamp) -> String,
) -> Explanation {
    let none = |sentence: String| Explanation { sentence, next_message_at: None };
    if let Some(event) = event {
        return none(format!("Not in the journey: enters when it does “{event}” after activation."));
    }
    if !facts.in_audience {
        return none("Not in the journey's audience: does not enter.".into());
    }
    if facts.entered_this_generation && def.trigger.audience == AudienceMode::NewUsers {
        return none("Already went through the journey in this generation: under “new users” it does not enter again.".into());
    }
    match plan.next_run {
        NextRun::At { at } | NextRun::Immediately { at } => Explanation {
            sentence: format!(
                "Not in the journey now: enters at the next run, {}, and {}.",
                time(at),
                then_words(def, Some(&def.entry))
            ),
            next_message_at: receives(def, Some(&def.entry)).map(|_| at),
        },
        _ => none("Not in the journey, and no run is left: does not enter.".into()),
    }
}

fn continuing(
    snapshot: &JourneySnapshot,
    plan: &ActivationPlan,
    policy: ReleasePolicy,
    m: &MembershipFacts,
    time: &dyn Fn(Timestamp) -> String,
) -> Explanation {
    let def = &snapshot.definition;
    let here = step_name(def, &m.node);
    let Some(node) = def.node(&m.node) else {
        return Explanation { sentence: format!("Stands at {here}, a step the journey no longer has."), next_message_at: None };
    };
    let t = plan.at;
    let NodeKind::Wait { next, .. } = &node.kind else {
        // Standing at a message or condition step: carried out at activation.
        let then = then_words(def, Some(&m.node));
        return Explanation {
            sentence: format!("Stands at {here}: at activation ({}) it {then}.", time(t)),
            next_message_at: receives(def, Some(&m.node)).map(|_| t),
        };
    };
    let Some(until) = m.wait_until else {
        return Explanation { sentence: format!("Continues at {here}: it starts waiting at activation."), next_message_at: None };
    };
    // A saved edit's new duration, applied to those already waiting, moves its deadline first
    // (the activation does the same before releasing anyone).
    let edit_shift = snapshot.edit.as_ref().map_or(0, |e| {
        crate::edit::wait_shifts(&e.activated, def, e.apply_new_waits)
            .into_iter()
            .find(|(n, _)| n == &m.node)
            .map_or(0, |(_, minutes)| minutes)
    });
    let deadline = until.checked_add(SignedDuration::from_mins(edit_shift)).unwrap_or(until);
    let extend = plan.wait_handling == WaitHandling::ExtendByPause && plan.deadline_shift.is_some();
    let overdue = match (extend, snapshot.frozen_at) {
        (true, Some(frozen_at)) => deadline <= frozen_at,
        _ => deadline <= t,
    };
    if !overdue {
        let ends = match (extend, plan.deadline_shift) {
            (true, Some(shift)) => deadline.checked_add(shift).unwrap_or(deadline),
            _ => deadline,
        };
        // Held by an earlier pace and not released yet: late from its own deadline.
        let (what, late) = match m.late_since {
            Some(since) => (format!("an earlier pace holds it until {}", time(ends)), ends.duration_since(since)),
            None => (format!("its wait ends {}", time(ends)), SignedDuration::ZERO),
        };
        return after_release(def, next.as_ref(), format!("Continues at {here}: {what}"), ends, late);
    }
    // Overdue: its rank is the backlog at earlier wait steps plus those due before it here.
    let earlier: u64 = def
        .nodes
        .iter()
        .take_while(|n| n.id != m.node)
        .filter_map(|n| plan.overdue_by_node.iter().find(|c| c.node == n.id).map(|c| c.count))
        .sum();
    let rank = earlier + m.due_before_at_node;
    let (released, when) = if policy.holds() && plan.overdue > 0 {
        let at = release_instant(policy, t, rank, plan.overdue);
        let hour = release_minute(policy, rank, plan.overdue) / 60 + 1;
        (at, format!("it is released {} (release hour {hour})", time(at)))
    } else {
        (t, format!("it moves on at activation ({})", time(t)))
    };
    let opening = format!("Continues at {here}; its wait ended while the journey was frozen ({}); {when}", time(deadline));
    after_release(def, next.as_ref(), opening, released, released.duration_since(deadline))
}

/// The rest of the sentence once the contact comes out of its wait at `released`, `late` late:
/// the messages on the straight path, each one the stale-message guard skips named as such.
fn after_release(
    def: &JourneyDefinition,
    next: Option<&NodeId>,
    opening: String,
    released: Timestamp,
    late: SignedDuration,
) -> Explanation {
    let (sends, _) = sends_on_the_way(def, next);
    let skipped: Vec<_> = sends.iter().filter_map(|n| stale_skip(def, &n.id, late).map(|s| (&n.id, s))).collect();
    let Some((_, first)) = skipped.first() else {
        let then = then_words(def, next);
        return Explanation {
            sentence: format!("{opening}; then it {then}."),
            next_message_at: receives(def, next).map(|_| released),
        };
    };
    let names: Vec<String> = skipped.iter().map(|(id, _)| step_name(def, id)).collect();
    let late = crate::journey::duration_words(u32::try_from(first.late_minutes.max(0)).unwrap_or(u32::MAX));
    let sent_any = sends.len() > skipped.len();
    let mut sentence = match &skipped[..] {
        [(_, skip)] => format!(
            "{opening}; {} would go out {late} late, past its limit of {}: it is not sent (recorded as skipped).",
            names[0],
            crate::journey::duration_words(skip.limit_minutes)
        ),
        _ => format!(
            "{opening}; {} would go out {late} late, past their limits: they are not sent (recorded as skipped).",
            names.join(" and ")
        ),
    };
    if sent_any {
        sentence.push_str(" The other messages on the way are sent then.");
    }
    Explanation { sentence, next_message_at: sent_any.then_some(released) }
}
