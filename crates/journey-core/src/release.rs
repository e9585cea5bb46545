//! Releasing a resumed journey's backlog at a safe pace, and the volume an activation causes
//! (`docs/reactivation.md`, section 10).
//!
//! The **backlog** of a Resume is its overdue memberships: contacts whose wait ended while the
//! journey was frozen (under the chosen wait handling, [`crate::plan::ActivationPlan::overdue`]).
//! Without a pace they all move on at the activation, and those whose next step is a message
//! are all messaged in the same minute. A [`ReleasePolicy`] gives each of them a **release
//! instant** instead; the runner does not step a membership before it.
//!
//! Rules:
//!
//! - **Order.** Overdue memberships are numbered (their *rank*, from 0) wait node by wait node
//!   in the definition's order, and within one node by deadline, then by membership. The server
//!   numbers the rows in that order; the browser needs only the counts per node, so the preview
//!   and the runner agree without a list of contacts. The earliest due go first.
//! - **Start.** Releases start at the first whole minute after the activation
//!   ([`release_start`]); every release instant is a whole minute, like every wait deadline.
//! - [`ReleasePolicy::AllAtOnce`]: nobody is held (as before this rule existed).
//! - [`ReleasePolicy::SpreadOver`] `{ hours }`: of `n` contacts, rank `r` is released
//!   `floor(r x hours x 60 / n)` minutes after the start: evenly over the window, the last one
//!   before it ends.
//! - [`ReleasePolicy::PerHour`] `{ limit }`: rank `r` is released in hour `r / limit` after the
//!   start, at minute `floor((r mod limit) x 60 / limit)` of that hour: never more than `limit`
//!   in any hour of the window.
//! - A held membership keeps waiting at its node; its wait's deadline becomes its release
//!   instant (the server keeps the deadline that ended as `late_since`).
//! - Contacts standing at a message step when the journey was frozen (they were about to be
//!   messaged) are messaged at the activation under every policy; the summary counts them.
//! - Restart releases nothing (a new generation has no backlog): the policy is ignored.
//!
//! ```
//! use journey_core::release::{ReleasePolicy, release_minute, releases_in_hour};
//! // 10,000 contacts spread over 3 hours: the first at minute 0, the last at minute 179.
//! let spread = ReleasePolicy::SpreadOver { hours: 3 };
//! assert_eq!(release_minute(spread, 0, 10_000), 0);
//! assert_eq!(release_minute(spread, 9_999, 10_000), 179);
//! assert_eq!((0..3).map(|h| releases_in_hour(spread, 10_000, h)).collect::<Vec<_>>(), [3_334, 3_333, 3_333]);
//! // At most 4,000 an hour: 4,000, 4,000, then the last 2,000.
//! let capped = ReleasePolicy::PerHour { limit: 4_000 };
//! assert_eq!((0..4).map(|h| releases_in_hour(capped, 10_000, h)).collect::<Vec<_>>(), [4_000, 4_000, 2_000, 0]);
//! ```

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::flow::floor_to_minute;
use crate::journey::{JourneyDefinition, Node, NodeId, NodeKind};
use crate::plan::{ActivationMode, ActivationPlan, NextRun, Warning, format_count};
use crate::snapshot::JourneySnapshot;

/// The longest spread: three days.
pub const MAX_SPREAD_HOURS: u32 = 72;
/// The largest hourly cap.
pub const MAX_PER_HOUR: u64 = 10_000_000;
/// The longest a pace may take to release the whole backlog: 7 days.
pub const MAX_RELEASE_HOURS: u64 = 7 * 24;
/// The hours the volume preview covers.
pub const VOLUME_HOURS: usize = 24;

/// How a Resume releases its backlog (see the module docs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReleasePolicy {
    /// Everyone moves on at the activation.
    #[default]
    AllAtOnce,
    /// Evenly over this many hours.
    SpreadOver {
        /// 1 to [`MAX_SPREAD_HOURS`].
        hours: u32,
    },
    /// At most this many an hour.
    PerHour {
        /// 1 to [`MAX_PER_HOUR`].
        limit: u64,
    },
}

/// A policy out of range, in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReleaseError {
    /// Hours out of range.
    #[error("Spread the backlog over 1 to {max} hours.", max = MAX_SPREAD_HOURS)]
    Hours,
    /// Cap out of range.
    #[error("The hourly limit must be from 1 to {max}.", max = format_count(MAX_PER_HOUR))]
    Limit,
    /// The pace would take longer than [`MAX_RELEASE_HOURS`] for this backlog.
    #[error(
        "At that pace the {backlog} contacts would take {hours} hours; allow at least {least} an hour (at most {max} hours).",
        backlog = format_count(*backlog), hours = format_count(*hours), least = format_count(*least), max = MAX_RELEASE_HOURS
    )]
    TooSlow {
        /// The backlog.
        backlog: u64,
        /// The hours it would take.
        hours: u64,
        /// The lowest hourly limit that finishes in time.
        least: u64,
    },
}

impl ReleasePolicy {
    /// Checks the numbers.
    ///
    /// ```
    /// use journey_core::release::ReleasePolicy;
    /// assert!(ReleasePolicy::SpreadOver { hours: 3 }.check().is_ok());
    /// assert_eq!(ReleasePolicy::SpreadOver { hours: 0 }.check().unwrap_err().to_string(), "Spread the backlog over 1 to 72 hours.");
    /// assert!(ReleasePolicy::PerHour { limit: 0 }.check().is_err());
    /// ```
    pub fn check(self) -> Result<(), ReleaseError> {
        match self {
            ReleasePolicy::AllAtOnce => Ok(()),
            ReleasePolicy::SpreadOver { hours } if (1..=MAX_SPREAD_HOURS).contains(&hours) => Ok(()),
            ReleasePolicy::SpreadOver { .. } => Err(ReleaseError::Hours),
            ReleasePolicy::PerHour { limit } if (1..=MAX_PER_HOUR).contains(&limit) => Ok(()),
            ReleasePolicy::PerHour { .. } => Err(ReleaseError::Limit),
        }
    }

    /// [`ReleasePolicy::check`], and that a backlog of `backlog` contacts is released within
    /// [`MAX_RELEASE_HOURS`].
    ///
    /// ```
    /// use journey_core::release::ReleasePolicy;
    /// assert!(ReleasePolicy::PerHour { limit: 100 }.check_for(16_800).is_ok());
    /// assert_eq!(
    ///     ReleasePolicy::PerHour { limit: 100 }.check_for(16_801).unwrap_err().to_string(),
    ///     "At that pace the 16,801 contacts would take 169 hours; allow at least 101 an hour (at most 168 hours)."
    /// );
    /// ```
    pub fn check_for(self, backlog: u64) -> Result<(), ReleaseError> {
        self.check()?;
        let hours = release_hours(self, backlog);
        if hours > MAX_RELEASE_HOURS {
            return Err(ReleaseError::TooSlow { backlog, hours, least: backlog.div_ceil(MAX_RELEASE_HOURS) });
        }
        Ok(())
    }

    /// Whether anyone is held.
    pub fn holds(self) -> bool {
        self != ReleasePolicy::AllAtOnce
    }

    /// The policy as a URL parameter: `all`, `spread-3`, `per-hour-500`.
    ///
    /// ```
    /// use journey_core::release::ReleasePolicy;
    /// for p in [ReleasePolicy::AllAtOnce, ReleasePolicy::SpreadOver { hours: 3 }, ReleasePolicy::PerHour { limit: 500 }] {
    ///     assert_eq!(ReleasePolicy::from_param(&p.to_param()), Some(p));
    /// }
    /// assert_eq!(ReleasePolicy::from_param("spread-0"), None);
    /// ```
    pub fn to_param(self) -> String {
        match self {
            ReleasePolicy::AllAtOnce => "all".into(),
            ReleasePolicy::SpreadOver { hours } => format!("spread-{hours}"),
            ReleasePolicy::PerHour { limit } => format!("per-hour-{limit}"),
        }
    }

    /// Reads [`ReleasePolicy::to_param`]'s spelling (a policy out of range is `None`).
    pub fn from_param(text: &str) -> Option<ReleasePolicy> {
        let policy = match text {
            "all" => ReleasePolicy::AllAtOnce,
            _ => {
                if let Some(hours) = text.strip_prefix("spread-") {
                    ReleasePolicy::SpreadOver { hours: hours.parse().ok()? }
                } else {
                    ReleasePolicy::PerHour { limit: text.strip_prefix("per-hour-")?.parse().ok()? }
                }
            }
        };
        policy.check().ok().map(|()| policy)
    }

    /// The policy in words: "all at once", "over 3 hours", "at most 500 an hour".
    pub fn describe(self) -> String {
        match self {
            ReleasePolicy::AllAtOnce => "all at once".into(),
            ReleasePolicy::SpreadOver { hours } => format!("evenly over {hours} {}", if hours == 1 { "hour" } else { "hours" }),
            ReleasePolicy::PerHour { limit } => format!("at most {} an hour", format_count(limit)),
        }
    }
}

/// The first release instant: the first whole minute strictly after the activation at `t`.
///
/// ```
/// let t: jiff::Timestamp = "2026-03-29T00:30:20Z".parse()?;
/// assert_eq!(journey_core::release::release_start(t), "2026-03-29T00:31:00Z".parse()?);
/// let t: jiff::Timestamp = "2026-03-29T00:30:00Z".parse()?;
/// assert_eq!(journey_core::release::release_start(t), "2026-03-29T00:31:00Z".parse()?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn release_start(t: Timestamp) -> Timestamp {
    // Past the end of the calendar: the last instant (never `t`, which would not leave the
    // backlog's range).
    floor_to_minute(t).checked_add(SignedDuration::from_mins(1)).unwrap_or(Timestamp::MAX)
}

/// The minute after [`release_start`] at which rank `rank` of `total` is released (ranks past
/// the total are released with the last one).
pub fn release_minute(policy: ReleasePolicy, rank: u64, total: u64) -> u64 {
    if total == 0 {
        return 0;
    }
    let rank = rank.min(total - 1);
    match policy {
        ReleasePolicy::AllAtOnce => 0,
        ReleasePolicy::SpreadOver { hours } => {
            let window = u128::from(hours.clamp(1, MAX_SPREAD_HOURS)) * 60;
            (u128::from(rank) * window / u128::from(total)) as u64
        }
        ReleasePolicy::PerHour { limit } => {
            let limit = limit.clamp(1, MAX_PER_HOUR);
            (rank / limit) * 60 + (rank % limit) * 60 / limit
        }
    }
}

/// The release instant of rank `rank` of `total` for an activation at `t`.
pub fn release_instant(policy: ReleasePolicy, t: Timestamp, rank: u64, total: u64) -> Timestamp {
    let minutes = release_minute(policy, rank, total).min(i64::MAX as u64 / 120) as i64;
    release_start(t).checked_add(SignedDuration::from_mins(minutes)).unwrap_or(Timestamp::MAX)
}

/// How many of `total` ranks are released in hour `hour` after the start (minutes
/// `60 x hour` to `60 x hour + 59`), without walking the ranks.
pub fn releases_in_hour(policy: ReleasePolicy, total: u64, hour: u64) -> u64 {
    released_before_minute(policy, total, hour.saturating_add(1).saturating_mul(60))
        - released_before_minute(policy, total, hour.saturating_mul(60))
}

/// How many ranks are released before minute `minute` after the start.
fn released_before_minute(policy: ReleasePolicy, total: u64, minute: u64) -> u64 {
    match policy {
        ReleasePolicy::AllAtOnce => {
            if minute > 0 {
                total
            } else {
                0
            }
        }
        ReleasePolicy::SpreadOver { hours } => {
            // r x window / total < minute  <=>  r < minute x total / window.
            let window = u128::from(hours.clamp(1, MAX_SPREAD_HOURS)) * 60;
            let bound = (u128::from(minute) * u128::from(total)).div_ceil(window);
            bound.min(u128::from(total)) as u64
        }
        ReleasePolicy::PerHour { limit } => {
            let limit = limit.clamp(1, MAX_PER_HOUR);
            // Whole hours, then the part of the next one.
            let full = minute / 60;
            let rest = minute % 60;
            // (r mod limit) x 60 / limit < rest  <=>  r mod limit < rest x limit / 60.
            let in_part = (u128::from(rest) * u128::from(limit)).div_ceil(60) as u64;
            full.saturating_mul(limit).saturating_add(in_part).min(total)
        }
    }
}

/// The hours over which a policy releases `total` contacts (0 for none or all at once).
pub fn release_hours(policy: ReleasePolicy, total: u64) -> u64 {
    if total == 0 || !policy.holds() {
        return 0;
    }
    release_minute(policy, total - 1, total) / 60 + 1
}

/// The messages one contact is sent from `from` on, at once: sends on the straight path until
/// a wait or the end. A condition stops the count (who goes where depends on the contact), so
/// the number is then a lower bound (`true`).
///
/// ```
/// use journey_core::journey::NodeId;
/// use journey_core::release::sends_ahead;
/// let def = journey_core::samples::onboarding("UTC", journey_core::samples::daily_at_14());
/// assert_eq!(sends_ahead(&def, Some(&NodeId::new("welcome"))), (1, false)); // then a wait
/// assert_eq!(sends_ahead(&def, Some(&NodeId::new("opened"))), (0, true)); // a condition
/// assert_eq!(sends_ahead(&def, None), (0, false));
/// ```
pub fn sends_ahead(definition: &JourneyDefinition, from: Option<&NodeId>) -> (u64, bool) {
    let (sends, uncertain) = sends_on_the_way(definition, from);
    (sends.len() as u64, uncertain)
}

/// The send steps a contact goes through at once from `from`, on the straight path until a
/// wait, an exit or the end, and whether a condition stopped the walk (`true`: who goes where
/// then depends on the contact). The one walk behind [`sends_ahead`], the stale-message
/// guards on the way, and the explanation's messages.
pub fn sends_on_the_way<'a>(definition: &'a JourneyDefinition, from: Option<&NodeId>) -> (Vec<&'a Node>, bool) {
    let mut sends = Vec::new();
    let mut at = from.cloned();
    // At most one visit per node: a loop in a definition that was not validated ends here.
    for _ in 0..definition.nodes.len() + 2 {
        let Some(node) = at.as_ref().and_then(|id| definition.node(id)) else { break };
        match &node.kind {
            NodeKind::Send { next, .. } => {
                sends.push(node);
                at = next.clone();
            }
            NodeKind::Condition { .. } => return (sends, true),
            NodeKind::Wait { .. } | NodeKind::Exit => break,
        }
    }
    (sends, false)
}

/// One hour of the volume preview.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeHour {
    /// Its first instant (hour 0: the activation).
    pub from: Timestamp,
    /// The first instant after it.
    pub until: Timestamp,
    /// Backlog contacts that move on in it.
    pub released: u64,
    /// Contacts that enter in it (an audience run).
    pub entering: u64,
    /// Messages sent in it (see [`Volume::lower_bound`]).
    pub messages: u64,
    /// Messages not sent in it: more than their step's stale-message guard late.
    pub stale: u64,
}

/// The messages per hour an activation causes over the next [`VOLUME_HOURS`] hours: the
/// backlog's releases, the contacts standing at a message step, and the next audience run's
/// entry (later runs are not counted: who enters then is not known yet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Volume {
    /// The policy.
    pub policy: ReleasePolicy,
    /// The hours: hour 0 runs from the activation to the end of the first release hour.
    pub hours: Vec<VolumeHour>,
    /// Backlog contacts in all (the plan's overdue count; 0 on Restart).
    pub backlog: u64,
    /// Of those, the ones held past the activation.
    pub held: u64,
    /// The first and last release instants (none when nobody is held).
    pub first_release: Option<Timestamp>,
    /// The last release instant.
    pub last_release: Option<Timestamp>,
    /// Backlog contacts released after the preview's last hour.
    pub released_later: u64,
    /// Contacts standing at a message step, messaged at the activation.
    pub at_send: u64,
    /// Whether some contacts reach a condition whose branch decides further messages (the
    /// numbers are then at least these).
    pub lower_bound: bool,
    /// Audience runs in the preview's hours after the next one, whose entry is not counted.
    pub runs_not_counted: u32,
    /// Whether contacts enter on events (not counted).
    pub on_events: bool,
    /// Backlog messages the stale-message guard skips, in all (also after the preview's
    /// hours).
    pub stale: u64,
    /// Whether a guarded step may lie past a condition on a backlog contact's way: the guard
    /// may then skip more than `stale` (counted on the straight path only).
    pub stale_at_least: bool,
}

impl Volume {
    /// The most messages in one hour.
    pub fn peak(&self) -> u64 {
        self.hours.iter().map(|h| h.messages).max().unwrap_or(0)
    }

    /// All messages in the preview.
    pub fn total_messages(&self) -> u64 {
        self.hours.iter().fold(0u64, |a, h| a.saturating_add(h.messages))
    }

    /// The plan's warnings with the overdue one told under this policy: a paced backlog does
    /// not "move on at once".
    pub fn warnings(&self, plan: &ActivationPlan) -> Vec<Warning> {
        let stale = (self.stale > 0).then_some(Warning::StaleSkipped { count: self.stale, at_least: self.stale_at_least });
        plan.warnings
            .iter()
            .map(|w| match *w {
                Warning::OverdueBurst { count, at_send } if self.held > 0 => Warning::OverduePaced {
                    count,
                    at_send,
                    hours: release_hours(self.policy, count).min(u64::from(u32::MAX)) as u32,
                    // The first hour releases the most under both paces.
                    peak: releases_in_hour(self.policy, count, 0),
                },
                other => other,
            })
            .chain(stale)
            .collect()
    }
}

/// The volume preview of `plan` (made from `snapshot`) under `policy`, with the hour each
/// backlog contact, standing contact and entering contact is messaged in. Deterministic: the
/// runner releases exactly these numbers per hour.
///
/// ```
/// use journey_core::plan::*;
/// use journey_core::release::*;
/// use journey_core::snapshot::{NodeCount, WaitDeadlines};
/// use journey_core::journey::NodeId;
/// let mut s = journey_core::samples::daily_kolkata_snapshot();
/// // 300 contacts whose 2-day wait ended while paused; the step after it is a condition.
/// s.nodes = vec![NodeCount { node: NodeId::new("wait"), count: 300 }];
/// s.waits = vec![WaitDeadlines { node: NodeId::new("wait"), due_by_frozen_at: 0, due_by_taken_at: 300, per_minute: vec![], beyond_horizon: 0, late_per_minute: vec![], late_older: 0 }];
/// let plan = plan_activation(&s, s.taken_at, ActivationMode::Resume, WaitHandling::KeepDeadlines)?;
/// let v = volume(&s, &plan, ReleasePolicy::SpreadOver { hours: 3 });
/// assert_eq!(v.hours.iter().map(|h| h.released).take(4).collect::<Vec<_>>(), [100, 100, 100, 0]);
/// assert!(v.lower_bound); // the condition decides between push and SMS
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn volume(snapshot: &JourneySnapshot, plan: &ActivationPlan, policy: ReleasePolicy) -> Volume {
    let def = &snapshot.definition;
    let t = plan.at;
    let start = release_start(t);
    let hour_start = |h: usize| start.checked_add(SignedDuration::from_mins(60 * h as i64)).unwrap_or(start);
    let mut hours: Vec<VolumeHour> = (0..VOLUME_HOURS)
        .map(|h| VolumeHour {
            from: if h == 0 { t } else { hour_start(h) },
            until: hour_start(h + 1),
            released: 0,
            entering: 0,
            messages: 0,
            stale: 0,
        })
        .collect();
    let mut lower_bound = false;
    let resume = plan.mode == ActivationMode::Resume;
    let policy = if resume { policy } else { ReleasePolicy::AllAtOnce };
    let backlog = if resume { plan.overdue } else { 0 };

    // The backlog, wait node by wait node in definition order (the ranks' order). Ranks in
    // hour h: all in hour 0 without a pace.
    let hour_ranks = |h: u64| -> (u64, u64) {
        if policy.holds() {
            (released_before_minute(policy, backlog, 60 * h), released_before_minute(policy, backlog, 60 * (h + 1)))
        } else if h == 0 {
            (0, backlog)
        } else {
            (backlog, backlog)
        }
    };
    let released_at = |r: u64| if policy.holds() { release_instant(policy, t, r, backlog) } else { t };
    let mut rank = 0u64;
    let mut released_later = 0u64;
    let mut stale = 0u64;
    let any_guard = def.nodes.iter().any(|n| n.stale_after_minutes.is_some());
    let mut stale_at_least = false;
    for node in &def.nodes {
        let NodeKind::Wait { next, .. } = &node.kind else { continue };
        let count = plan.overdue_by_node.iter().find(|c| c.node == node.id).map_or(0, |c| c.count);
        if !resume || count == 0 {
            continue;
        }
        let (each, uncertain) = sends_ahead(def, next.as_ref());
        lower_bound |= uncertain;
        stale_at_least |= uncertain && any_guard;
        let (first, last) = (rank, rank + count);
        for (h, hour) in hours.iter_mut().enumerate() {
            let (from, until) = hour_ranks(h as u64);
            let n = overlap(from, until, first, last);
            hour.released += n;
            hour.messages = hour.messages.saturating_add(n.saturating_mul(each));
        }
        released_later += overlap(hour_ranks(VOLUME_HOURS as u64).0, u64::MAX, first, last);
        // The stale-message guard: per deadline, the ranks released too late for each guarded
        // step on the way (a suffix: release instants never go back).
        let guards = guards_ahead(def, next.as_ref());
        if !guards.is_empty() {
            for (deadline, ranks) in deadline_ranks(snapshot, &node.id, first, count) {
                for &limit in &guards {
                    let limit = SignedDuration::from_mins(i64::from(limit));
                    let too_late = |r: u64| deadline.is_none_or(|d| released_at(r).duration_since(d) > limit);
                    let from = first_where(ranks.0, ranks.1, too_late);
                    stale += ranks.1 - from;
                    for (h, hour) in hours.iter_mut().enumerate() {
                        let (a, b) = hour_ranks(h as u64);
                        let n = overlap(a, b, from, ranks.1);
                        hour.messages = hour.messages.saturating_sub(n);
                        hour.stale += n;
                    }
                }
            }
        }
        rank = last;
    }

    // Contacts standing at a message (or condition) step move at the activation.
    let mut at_send = 0u64;
    if resume {
        for c in &plan.continuing_by_node {
            let Some(node) = def.node(&c.node) else { continue };
            if matches!(node.kind, NodeKind::Wait { .. }) {
                continue;
            }
            let (each, uncertain) = sends_ahead(def, Some(&c.node));
            lower_bound |= uncertain;
            if matches!(node.kind, NodeKind::Send { .. }) {
                at_send += c.count;
            }
            hours[0].messages = hours[0].messages.saturating_add(c.count.saturating_mul(each));
        }
    }

    // The next audience run's entry.
    let mut runs_not_counted = 0u32;
    let window_end = hours[VOLUME_HOURS - 1].until;
    if let (Some(at), Some(entering)) = (plan.next_run.instant(), plan.entering)
        && at < window_end
    {
        let h = hours.iter().position(|h| at < h.until).unwrap_or(0);
        let (each, uncertain) = sends_ahead(def, Some(&def.entry));
        lower_bound |= uncertain && entering > 0;
        hours[h].entering += entering;
        hours[h].messages = hours[h].messages.saturating_add(entering.saturating_mul(each));
    }
    if plan.next_run.instant().is_some() {
        runs_not_counted = plan.following_runs.iter().filter(|r| **r < window_end).count() as u32;
    }

    let held = if policy.holds() { backlog } else { 0 };
    Volume {
        policy,
        hours,
        backlog,
        held,
        first_release: (held > 0).then(|| release_instant(policy, t, 0, held)),
        last_release: (held > 0).then(|| release_instant(policy, t, held - 1, held)),
        released_later,
        at_send,
        lower_bound,
        runs_not_counted,
        on_events: matches!(plan.next_run, NextRun::OnEachEvent),
        stale,
        stale_at_least,
    }
}

/// The stale-message guards (minutes) of the send steps on the straight path from `from`,
/// until a wait, a condition or the end.
fn guards_ahead(definition: &JourneyDefinition, from: Option<&NodeId>) -> Vec<u32> {
    sends_on_the_way(definition, from).0.iter().filter_map(|n| n.stale_after_minutes).collect()
}

/// The overdue deadlines of `node` in rank order, earliest first, as (deadline, global rank
/// range) from `first` for `count` ranks: those older than the stale horizon (deadline
/// unknown, `None`), then the histogram's minutes, then the per-minute buckets after
/// `taken_at`. Empty when the snapshot has no histogram.
fn deadline_ranks(snapshot: &JourneySnapshot, node: &NodeId, first: u64, count: u64) -> Vec<(Option<Timestamp>, (u64, u64))> {
    let Some(w) = snapshot.waits.iter().find(|w| &w.node == node) else { return Vec::new() };
    if snapshot.stale_horizon_minutes == 0 {
        return Vec::new();
    }
    let origin = snapshot.origin();
    let at = |minutes: i64| origin.checked_add(SignedDuration::from_mins(minutes)).ok();
    let buckets = std::iter::once((None, w.late_older))
        .chain(w.late_per_minute.iter().rev().map(|(m, c)| (at(-i64::from(*m)), *c)))
        .chain(w.per_minute.iter().map(|(m, c)| (at(i64::from(*m)), *c)));
    let mut out = Vec::new();
    let (mut rank, end) = (first, first + count);
    for (deadline, c) in buckets {
        let take = c.min(end - rank);
        if take > 0 {
            out.push((deadline, (rank, rank + take)));
            rank += take;
        }
    }
    out
}

/// The first `r` in `[lo, hi)` for which `f` holds (`hi` if none), `f` false then true.
fn first_where(mut lo: u64, mut hi: u64, f: impl Fn(u64) -> bool) -> u64 {
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if f(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lo
}

/// Why a message is not sent: it would go out more than its step's stale-message guard
/// late ([`stale_skip`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaleSkip {
    /// How late it would have gone out, in whole minutes.
    pub late_minutes: i64,
    /// The step's guard, in minutes.
    pub limit_minutes: u32,
}

impl StaleSkip {
    /// The reason recorded with the skipped message.
    ///
    /// ```
    /// let s = journey_core::release::StaleSkip { late_minutes: 185, limit_minutes: 120 };
    /// assert_eq!(s.reason(), "Not sent: it would have gone out 3 hours 5 minutes late, past the step's limit of 2 hours.");
    /// ```
    pub fn reason(&self) -> String {
        let late = u32::try_from(self.late_minutes.max(0)).unwrap_or(u32::MAX);
        format!(
            "Not sent: it would have gone out {} late, past the step's limit of {}.",
            crate::journey::duration_words(late),
            crate::journey::duration_words(self.limit_minutes)
        )
    }
}

/// How late a waiting membership's next step is when the runner takes it at `now`: the time
/// from when its step was due to when it is released.
///
/// - Held by the pace of the journey's latest activation (`late_since` set, release instant
///   `wait_until` not before `activated_at`): from `late_since` to `wait_until`.
/// - Otherwise from `wait_until` (its deadline; for a contact an earlier pace held and a
///   pause then overtook, the release instant it was promised) to `now`.
///
/// A membership that is not coming out of a wait is never late.
///
/// ```
/// use jiff::{SignedDuration, Timestamp};
/// use journey_core::release::late_by;
/// let t = |s: &str| s.parse::<Timestamp>().unwrap();
/// let activated = t("2026-06-01T12:00:20Z");
/// // Held from its 09:00 deadline until 13:30 by the pace: 4.5 hours late whenever taken.
/// assert_eq!(late_by(t("2026-06-01T13:30:00Z"), Some(t("2026-06-01T09:00:00Z")), Some(activated), t("2026-06-01T13:30:05Z")), SignedDuration::from_mins(270));
/// // Not held: late from its deadline to now.
/// assert_eq!(late_by(t("2026-06-01T09:00:00Z"), None, Some(activated), t("2026-06-01T12:00:20Z")), SignedDuration::from_secs(3 * 3600 + 20));
/// ```
pub fn late_by(
    wait_until: Timestamp,
    late_since: Option<Timestamp>,
    activated_at: Option<Timestamp>,
    now: Timestamp,
) -> SignedDuration {
    match late_since {
        Some(since) if activated_at.is_none_or(|a| wait_until >= a) => wait_until.duration_since(since),
        _ => now.duration_since(wait_until),
    }
}

/// The stale-message guard: the message of send step `node` is skipped when it would go out
/// `late_by` late ([`late_by`]) and that is more than the step's guard.
///
/// Every message sent on the way at once is as late. Contacts standing at a message step, and
/// every contact of a new generation, are never late (Restart ignores the guard).
///
/// ```
/// use jiff::SignedDuration;
/// use journey_core::journey::*;
/// use journey_core::release::stale_skip;
/// let mut def = journey_core::samples::onboarding("UTC", journey_core::samples::daily_at_14());
/// def.nodes[3].stale_after_minutes = Some(120); // push: not if more than 2 hours late
/// let push = NodeId::new("push");
/// assert_eq!(stale_skip(&def, &push, SignedDuration::from_mins(120)), None);
/// assert_eq!(stale_skip(&def, &push, SignedDuration::from_mins(121)).map(|s| s.late_minutes), Some(121));
/// assert_eq!(stale_skip(&def, &NodeId::new("sms"), SignedDuration::from_hours(48)), None); // no guard
/// ```
pub fn stale_skip(definition: &JourneyDefinition, node: &NodeId, late_by: SignedDuration) -> Option<StaleSkip> {
    let limit = definition.node(node)?.stale_after_minutes?;
    (late_by > SignedDuration::from_mins(i64::from(limit)))
        .then(|| StaleSkip { late_minutes: late_by.as_secs() / 60, limit_minutes: limit })
}

/// The size of `[a, b) ∩ [c, d)`.
fn overlap(a: u64, b: u64, c: u64, d: u64) -> u64 {
    b.min(d).saturating_sub(a.max(c))
}
