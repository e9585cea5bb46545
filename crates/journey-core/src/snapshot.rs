//! What the API sends so the browser can compute the activation plan: aggregates, never
//! contact rows.
//!
//! A [`JourneySnapshot`] holds the definition, the zone's TZif bytes, the generation and run
//! counters, audience counts, live memberships per node, and, per wait node, the pending wait
//! deadlines **bucketed by minute**:
//!
//! - `due_by_frozen_at`: deadlines `<= frozen_at` (already due when the journey was frozen);
//! - `due_by_taken_at`: deadlines `<= taken_at` (includes the previous count);
//! - `per_minute`: sparse `[minute, count]` pairs for deadlines in
//!   `(taken_at, origin + horizon]`, where `origin` is `taken_at` rounded down to the minute
//!   and `minute` counts whole minutes from `origin` (the bucket's instant is
//!   `origin + minute`);
//! - `beyond_horizon`: later deadlines;
//! - when a send step has a stale-message guard ([`crate::journey::Node::stale_after_minutes`]),
//!   the deadlines `<= taken_at` again, as `late_per_minute`: sparse `[minutes before origin,
//!   count]` pairs for the last `stale_horizon_minutes` (the largest guard), and `late_older`
//!   for the older ones (late past every guard). The preview needs them to count the messages
//!   the guard will skip ([`crate::release::volume`]).
//!
//! Deadlines are whole minutes ([`crate::flow::wait_deadline`]), so "how many deadlines are
//! `<= T`" is exact for every T from `taken_at` to [`JourneySnapshot::valid_until`]. Past that
//! the page must fetch a fresh snapshot ([`JourneySnapshot::is_fresh_at`]).
//!
//! **Size bound.** Nothing in a snapshot grows with the number of contacts except the digits
//! of a count. Its JSON size is at most about
//! `4 KB + definition + 4/3 x TZif (largest IANA zone: about 2.6 KB)`
//! `+ 60 B per node + (120 B + 27 B x (horizon minutes + stale horizon minutes)) per wait node`,
//! with the definition bounded by [`crate::journey::MAX_NODES`] and
//! [`crate::journey::MAX_TEXT`], and the horizon by [`MAX_HORIZON_MINUTES`]. A typical
//! 10-node journey with 3 waits is a few KB for a thousand or ten million contacts alike; the
//! tests and `benches/rules.rs` measure it.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::flow::floor_to_minute;
use crate::journey::{JourneyDefinition, JourneyId, NodeId, NodeKind};
use crate::membership::Generation;
use crate::state::JourneyState;
use crate::zone::Zone;

/// The default horizon of the per-minute buckets: 12 hours.
pub const DEFAULT_HORIZON_MINUTES: u32 = 12 * 60;
/// The largest horizon: 24 hours.
pub const MAX_HORIZON_MINUTES: u32 = 24 * 60;

/// A journey's state and aggregates at one instant, for the activation preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JourneySnapshot {
    /// The journey.
    pub journey_id: JourneyId,
    /// The journey's version (optimistic concurrency; the activation sends it back).
    pub version: u64,
    /// When the server took it.
    pub taken_at: Timestamp,
    /// The journey's state.
    pub state: JourneyState,
    /// When the journey was first frozen (paused or stopped) in this frozen period.
    pub frozen_at: Option<Timestamp>,
    /// The definition.
    pub definition: JourneyDefinition,
    /// The journey's zone, with its TZif bytes.
    pub zone: Zone,
    /// The current generation (0 if never activated).
    pub generation: Generation,
    /// Audience runs done in the current generation.
    pub runs_done: u32,
    /// The last audience run, if any.
    pub last_run_at: Option<Timestamp>,
    /// The trigger's audience, counted now.
    pub audience: AudienceCounts,
    /// Live memberships (waiting or ready) per node; nodes with none may be left out.
    pub nodes: Vec<NodeCount>,
    /// Pending wait deadlines per wait node; wait nodes with none may be left out.
    pub waits: Vec<WaitDeadlines>,
    /// The horizon of the per-minute buckets, in minutes.
    pub horizon_minutes: u32,
    /// What was saved since the last activation, if anything (the `definition` above is the
    /// saved one).
    #[serde(default)]
    pub edit: Option<crate::edit::PendingEdit>,
    /// The minutes of overdue deadlines kept per minute for the stale-message guard (the
    /// definition's largest guard; 0: no guard, no histogram).
    #[serde(default)]
    pub stale_horizon_minutes: u32,
    /// Set when this snapshot is a projection: the journey at `taken_at` (a later instant
    /// someone chose to activate at) computed from the facts read at `projected_from`. The
    /// wait deadlines ended by `taken_at` are exact; the audience, subscriptions and positions
    /// are as they stood at `projected_from` ([`crate::pending`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub projected_from: Option<Timestamp>,
    /// The workspace's approval threshold: activations sending more messages than this in
    /// their first hour need a second person ([`crate::pending::approval_needed`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_threshold: Option<u64>,
}

/// The trigger's audience now (dataset members or segment matches; all zero for event
/// triggers). Every count is a number of distinct contacts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AudienceCounts {
    /// Audience members who are subscribed.
    pub subscribed: u64,
    /// Audience members who are unsubscribed (never entered; shown as suppressed).
    pub suppressed: u64,
    /// Subscribed members who never entered in the current generation.
    pub never_entered: u64,
    /// Subscribed members with a live membership (skipped at a run).
    pub in_flight: u64,
    /// Subscribed members who received at least one message from this journey, in any
    /// generation.
    pub already_received: u64,
}

/// A number of contacts at a node.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NodeCount {
    /// The node.
    pub node: NodeId,
    /// How many.
    pub count: u64,
}

/// The pending deadlines of one wait node, bucketed (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WaitDeadlines {
    /// The wait node.
    pub node: NodeId,
    /// Deadlines `<= frozen_at`.
    pub due_by_frozen_at: u64,
    /// Deadlines `<= taken_at` (including those `<= frozen_at`).
    pub due_by_taken_at: u64,
    /// `[minute, count]`, minutes strictly increasing from 1 to the horizon, counts non-zero.
    pub per_minute: Vec<(u32, u64)>,
    /// Deadlines after the horizon.
    pub beyond_horizon: u64,
    /// Deadlines `<= taken_at` within the stale horizon: `[whole minutes before origin,
    /// count]`, minutes strictly increasing from 0 (empty without a stale-message guard).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub late_per_minute: Vec<(u32, u64)>,
    /// Deadlines `<= taken_at` older than the stale horizon.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub late_older: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl WaitDeadlines {
    /// All pending deadlines at this node.
    pub fn total(&self) -> u64 {
        self.per_minute.iter().fold(self.due_by_taken_at.saturating_add(self.beyond_horizon), |a, (_, c)| a.saturating_add(*c))
    }

    /// Deadlines `<= t`, for `t` from the snapshot's `taken_at` to its `valid_until`
    /// (earlier `t` count as `taken_at`; later ones count every bucket).
    pub fn due_by(&self, origin: Timestamp, t: Timestamp) -> u64 {
        let elapsed = t.duration_since(origin).as_secs();
        let minutes = if elapsed < 0 { 0 } else { elapsed / 60 };
        self.per_minute
            .iter()
            .take_while(|(m, _)| i64::from(*m) <= minutes)
            .fold(self.due_by_taken_at, |a, (_, c)| a.saturating_add(*c))
    }
}

/// Builds a [`WaitDeadlines`] from deadlines (one by one, or counted per instant, e.g. from an
/// SQL `GROUP BY until`).
///
/// ```
/// use journey_core::journey::NodeId;
/// use journey_core::snapshot::WaitDeadlinesBuilder;
/// let taken_at: jiff::Timestamp = "2026-01-01T10:00:30Z".parse()?;
/// let frozen_at: jiff::Timestamp = "2026-01-01T09:00:00Z".parse()?;
/// let mut b = WaitDeadlinesBuilder::new(NodeId::new("wait"), taken_at, Some(frozen_at), 60);
/// b.add("2026-01-01T08:59:00Z".parse()?, 2); // due before the pause
/// b.add("2026-01-01T09:30:00Z".parse()?, 3); // due during the pause
/// b.add("2026-01-01T10:05:00Z".parse()?, 4); // 5 minutes after 10:00
/// b.add("2026-01-02T00:00:00Z".parse()?, 1); // beyond the 60-minute horizon
/// let w = b.build();
/// assert_eq!((w.due_by_frozen_at, w.due_by_taken_at, w.beyond_horizon), (2, 5, 1));
/// assert_eq!(w.per_minute, vec![(5, 4)]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct WaitDeadlinesBuilder {
    node: NodeId,
    taken_at: Timestamp,
    frozen_at: Option<Timestamp>,
    origin: Timestamp,
    horizon: u32,
    due_by_frozen_at: u64,
    due_by_taken_at: u64,
    buckets: BTreeMap<u32, u64>,
    beyond: u64,
    stale_horizon: u32,
    late: BTreeMap<u32, u64>,
    late_older: u64,
}

impl WaitDeadlinesBuilder {
    /// A builder for `node`'s deadlines in a snapshot taken at `taken_at` (horizon clamped to
    /// 1..=[`MAX_HORIZON_MINUTES`]).
    pub fn new(node: NodeId, taken_at: Timestamp, frozen_at: Option<Timestamp>, horizon_minutes: u32) -> WaitDeadlinesBuilder {
        WaitDeadlinesBuilder {
            node,
            taken_at,
            frozen_at,
            origin: floor_to_minute(taken_at),
            horizon: horizon_minutes.clamp(1, MAX_HORIZON_MINUTES),
            due_by_frozen_at: 0,
            due_by_taken_at: 0,
            buckets: BTreeMap::new(),
            beyond: 0,
            stale_horizon: 0,
            late: BTreeMap::new(),
            late_older: 0,
        }
    }

    /// Keeps the deadlines `<= taken_at` per minute for the last `minutes` (the stale-message
    /// guard's histogram; see the module docs), through [`WaitDeadlinesBuilder::add_late`].
    pub fn with_stale_horizon(mut self, minutes: u32) -> Self {
        self.stale_horizon = minutes.min(crate::journey::MAX_STALE_MINUTES);
        self
    }

    /// Adds `count` deadlines `<= taken_at` at `deadline` to the stale histogram only (the
    /// other counts come from [`WaitDeadlinesBuilder::add`]). A deadline that is not a whole
    /// minute counts as the whole minute before it.
    pub fn add_late(&mut self, deadline: Timestamp, count: u64) -> &mut Self {
        if count == 0 || self.stale_horizon == 0 || deadline > self.taken_at {
            return self;
        }
        let ns = self.origin.duration_since(deadline).as_nanos().max(0);
        let minutes = (ns + 59_999_999_999) / 60_000_000_000;
        if minutes <= i128::from(self.stale_horizon) {
            let c = self.late.entry(minutes as u32).or_insert(0);
            *c = c.saturating_add(count);
        } else {
            self.late_older = self.late_older.saturating_add(count);
        }
        self
    }

    /// Adds `count` deadlines at `deadline`. A deadline that is not a whole minute goes to the
    /// bucket of the next whole minute.
    pub fn add(&mut self, deadline: Timestamp, count: u64) -> &mut Self {
        if count == 0 {
            return self;
        }
        if self.frozen_at.is_some_and(|f| deadline <= f) {
            self.due_by_frozen_at = self.due_by_frozen_at.saturating_add(count);
        }
        if deadline <= self.taken_at {
            self.due_by_taken_at = self.due_by_taken_at.saturating_add(count);
            return self;
        }
        let ns = deadline.duration_since(self.origin).as_nanos();
        let minute_ns = 60_000_000_000i128;
        let minutes = (ns + minute_ns - 1) / minute_ns;
        if minutes <= i128::from(self.horizon) {
            let m = minutes.max(1) as u32;
            let c = self.buckets.entry(m).or_insert(0);
            *c = c.saturating_add(count);
        } else {
            self.beyond = self.beyond.saturating_add(count);
        }
        self
    }

    /// The bucketed deadlines.
    pub fn build(self) -> WaitDeadlines {
        WaitDeadlines {
            node: self.node,
            due_by_frozen_at: self.due_by_frozen_at,
            due_by_taken_at: self.due_by_taken_at,
            per_minute: self.buckets.into_iter().collect(),
            beyond_horizon: self.beyond,
            late_per_minute: self.late.into_iter().collect(),
            late_older: self.late_older,
        }
    }
}

/// A snapshot whose numbers do not fit together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    /// The zone is not the definition's zone.
    #[error("The snapshot's time zone ({zone}) is not the journey's ({definition}).")]
    ZoneMismatch {
        /// The zone carried.
        zone: String,
        /// The definition's zone.
        definition: String,
    },
    /// The horizon is 0 or too long.
    #[error("The snapshot's horizon must be from 1 to {max} minutes.", max = MAX_HORIZON_MINUTES)]
    InvalidHorizon,
    /// frozen_at is after taken_at.
    #[error("The snapshot was taken before the journey was frozen.")]
    FrozenAfterTaken,
    /// Counts at an unknown node, or deadlines at a node that is not a wait.
    #[error("The snapshot counts contacts at \"{0}\", which is not a matching step of the journey.")]
    UnknownNode(NodeId),
    /// Buckets out of order or outside the horizon.
    #[error("The wait deadlines of \"{0}\" are not in order.")]
    BadBuckets(NodeId),
    /// More deadlines than memberships at a wait node.
    #[error("More wait deadlines than contacts at \"{0}\".")]
    TooManyDeadlines(NodeId),
    /// Audience counts that do not add up.
    #[error("The audience counts do not add up.")]
    AudienceCounts,
}

impl JourneySnapshot {
    /// The whole minute at or before `taken_at` that bucket minutes count from.
    pub fn origin(&self) -> Timestamp {
        floor_to_minute(self.taken_at)
    }

    /// The last instant the snapshot's counts are exact for: `origin + horizon`.
    pub fn valid_until(&self) -> Timestamp {
        let horizon = SignedDuration::from_mins(i64::from(self.horizon_minutes));
        self.origin().checked_add(horizon).unwrap_or(self.taken_at)
    }

    /// Whether plans at `t` may use this snapshot: `t <= valid_until` (an earlier `t` than
    /// `taken_at`, e.g. a viewer's clock a little behind the server's, is planned as of
    /// `taken_at`).
    pub fn is_fresh_at(&self, t: Timestamp) -> bool {
        t <= self.valid_until()
    }

    /// All live memberships.
    pub fn live_total(&self) -> u64 {
        self.nodes.iter().fold(0u64, |a, n| a.saturating_add(n.count))
    }

    /// Live memberships at a node.
    pub fn live_at(&self, node: &NodeId) -> u64 {
        self.nodes.iter().filter(|n| &n.node == node).fold(0u64, |a, n| a.saturating_add(n.count))
    }

    /// Pending deadlines `<= t`, all wait nodes.
    pub fn due_by(&self, t: Timestamp) -> u64 {
        let origin = self.origin();
        self.waits.iter().fold(0u64, |a, w| a.saturating_add(w.due_by(origin, t)))
    }

    /// Pending deadlines `<= frozen_at`, all wait nodes.
    pub fn due_by_frozen_at(&self) -> u64 {
        self.waits.iter().fold(0u64, |a, w| a.saturating_add(w.due_by_frozen_at))
    }

    /// Checks that the numbers fit together; the first problem, in words.
    pub fn check(&self) -> Result<(), SnapshotError> {
        if !self.zone.name().eq_ignore_ascii_case(self.definition.time_zone.trim()) {
            return Err(SnapshotError::ZoneMismatch {
                zone: self.zone.name().to_string(),
                definition: self.definition.time_zone.clone(),
            });
        }
        if !(1..=MAX_HORIZON_MINUTES).contains(&self.horizon_minutes) {
            return Err(SnapshotError::InvalidHorizon);
        }
        if self.frozen_at.is_some_and(|f| f > self.taken_at) {
            return Err(SnapshotError::FrozenAfterTaken);
        }
        // Contacts may stand at a node a saved edit removed, if the edit says where they go.
        let moved = |node: &NodeId| self.edit.as_ref().is_some_and(|e| e.moves.iter().any(|m| &m.from == node));
        for n in &self.nodes {
            if self.definition.node(&n.node).is_none() && !moved(&n.node) {
                return Err(SnapshotError::UnknownNode(n.node.clone()));
            }
        }
        for w in &self.waits {
            match self.definition.node(&w.node) {
                Some(node) if matches!(node.kind, NodeKind::Wait { .. }) => {}
                _ => return Err(SnapshotError::UnknownNode(w.node.clone())),
            }
            let in_order = w.per_minute.windows(2).all(|p| p[0].0 < p[1].0);
            let in_range = w.per_minute.iter().all(|(m, _)| (1..=self.horizon_minutes).contains(m));
            if !in_order || !in_range || w.due_by_frozen_at > w.due_by_taken_at {
                return Err(SnapshotError::BadBuckets(w.node.clone()));
            }
            if w.total() > self.live_at(&w.node) {
                return Err(SnapshotError::TooManyDeadlines(w.node.clone()));
            }
            if self.stale_horizon_minutes > 0 {
                let late = w.late_per_minute.iter().fold(w.late_older, |a, (_, c)| a.saturating_add(*c));
                let in_order = w.late_per_minute.windows(2).all(|p| p[0].0 < p[1].0);
                let in_range = w.late_per_minute.iter().all(|(m, _)| *m <= self.stale_horizon_minutes);
                if late != w.due_by_taken_at || !in_order || !in_range {
                    return Err(SnapshotError::BadBuckets(w.node.clone()));
                }
            }
        }
        let a = &self.audience;
        if a.never_entered.saturating_add(a.in_flight) > a.subscribed
            || a.already_received > a.subscribed
            || a.in_flight > self.live_total()
        {
            return Err(SnapshotError::AudienceCounts);
        }
        Ok(())
    }
}
