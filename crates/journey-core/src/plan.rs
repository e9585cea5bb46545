//! Resume or Restart: what an activation at instant T will do (spec sections 3, 4 and 6).
//!
//! [`plan_activation`] is computed in the browser for the summary page **and** by the server's
//! activation, which executes the plan it returns, so the preview equals the execution for the
//! same snapshot and T.
//!
//! Resume at T:
//!
//! - every live membership continues (`continuing`), same generation and iteration;
//! - with `keep_deadlines` (default), memberships whose deadline is `<= T` are `overdue` and
//!   move on at T; other deadlines are unchanged;
//! - with `extend_by_pause`, every pending deadline after `frozen_at` is shifted by
//!   `deadline_shift` = (T - frozen_at) **rounded up to the whole minute** (so deadlines stay
//!   whole minutes; each contact waits as long as designed, at most a minute more), and only
//!   the deadlines that were already due at `frozen_at` are overdue. Without a `frozen_at`, it
//!   behaves as `keep_deadlines`;
//! - the next audience run is the first occurrence strictly after T; missed runs are not
//!   back-filled (a warning counts them);
//! - at that run, `new_users` enters the subscribed members who never entered in this
//!   generation, `all_users` every subscribed member not in flight. The preview counts the
//!   audience as it is now; contacts that finish before the run would also enter under
//!   `all_users` (the preview's number is then a lower bound).
//!
//! Restart at T:
//!
//! - every live membership is exited (`exited_by_restart`); the generation is the next one;
//! - dataset and segment triggers run at T as iteration 1 (`NextRun::Immediately`), entering
//!   every subscribed audience member; `re_receiving` of them already received a message
//!   from this journey; later runs follow the schedule with `runs_done = 1`;
//! - event triggers enter contacts on events after T.
//!
//! ```
//! # use journey_core::plan::*;
//! # fn snap() -> journey_core::snapshot::JourneySnapshot { journey_core::samples::daily_kolkata_snapshot() }
//! let snapshot = snap(); // daily 14:00 Asia/Kolkata, paused
//! let t = snapshot.zone.to_instant(jiff::civil::date(2026, 1, 1).at(14, 0, 0, 0))?;
//! let resume = plan_activation(&snapshot, t, ActivationMode::Resume, WaitHandling::KeepDeadlines)?;
//! assert_eq!(resume.next_run, NextRun::At { at: t + jiff::SignedDuration::from_hours(24) });
//! let restart = plan_activation(&snapshot, t, ActivationMode::Restart, WaitHandling::KeepDeadlines)?;
//! assert_eq!(restart.next_run, NextRun::Immediately { at: t });
//! assert_eq!(restart.following_runs[0], t + jiff::SignedDuration::from_hours(24));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::journey::{AudienceMode, JourneyId, NodeKind, TriggerSource};
use crate::membership::Generation;
use crate::schedule::{NoRunReason, Schedule, format_date};
use crate::snapshot::{JourneySnapshot, NodeCount, SnapshotError};
use crate::state::{JourneyAction, TransitionError, transition};

/// How many runs after the next one a plan lists.
pub const FOLLOWING_RUNS: usize = 5;
/// A Restart this close (minutes) before the next scheduled run warns of two runs minutes
/// apart ([`Warning::RestartNearRun`]).
pub const RESTART_NEAR_RUN_MINUTES: u32 = 60;
/// The most missed runs a plan counts (more are reported as "at least").
pub const MAX_MISSED_RUNS: u32 = 1_000;

/// Resume or Restart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivationMode {
    /// Continue from where each contact stopped; no duplicates; next scheduled run.
    Resume,
    /// Begin again for every contact, now.
    Restart,
}

impl ActivationMode {
    /// "Resume" or "Restart".
    pub fn label(self) -> &'static str {
        match self {
            ActivationMode::Resume => "Resume",
            ActivationMode::Restart => "Restart",
        }
    }
}

/// What happens to wait deadlines that fell in the frozen period (Resume only).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitHandling {
    /// Overdue contacts move on at T; other deadlines are unchanged.
    #[default]
    KeepDeadlines,
    /// Every pending deadline is shifted by the frozen duration.
    ExtendByPause,
}

/// The next audience run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NextRun {
    /// Now, at the activation (Restart of a dataset or segment trigger).
    Immediately {
        /// The activation instant.
        at: Timestamp,
    },
    /// At a scheduled instant.
    At {
        /// The instant.
        at: Timestamp,
    },
    /// Contacts enter on each event (event triggers).
    OnEachEvent,
    /// No further audience run.
    NoFurtherRuns {
        /// Why.
        reason: NoRunReason,
    },
}

impl NextRun {
    /// The instant of the run, if any.
    pub fn instant(&self) -> Option<Timestamp> {
        match self {
            NextRun::Immediately { at } | NextRun::At { at } => Some(*at),
            _ => None,
        }
    }
}

/// The counts of one wait-handling choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WaitOption {
    /// The choice.
    pub handling: WaitHandling,
    /// Contacts that move on at T.
    pub overdue: u64,
    /// How much pending deadlines are shifted by (extend_by_pause).
    pub deadline_shift: Option<SignedDuration>,
}

/// Something the user should know before activating, in plain words ([`Warning::message`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Warning {
    /// The schedule's end date has passed.
    EndDatePassed {
        /// The end date (local).
        end: Date,
        /// The activation mode (the sentence differs).
        mode: ActivationMode,
    },
    /// Overdue contacts all move on at T; contacts standing at a message step are messaged at
    /// T.
    OverdueBurst {
        /// Overdue contacts.
        count: u64,
        /// Contacts standing at a message step (they were about to be messaged when the
        /// journey was frozen).
        #[serde(default)]
        at_send: u64,
    },
    /// Overdue contacts are released at a pace ([`crate::release`]); contacts standing at a
    /// message step are messaged at T. Made by [`crate::release::Volume::warnings`] from
    /// [`Warning::OverdueBurst`].
    OverduePaced {
        /// Overdue contacts.
        count: u64,
        /// Contacts standing at a message step.
        at_send: u64,
        /// The hours the release takes.
        hours: u32,
        /// The most released in one hour.
        peak: u64,
    },
    /// The end date is still ahead, but no scheduled run is left before it.
    NoRunBeforeEnd {
        /// The end date (local).
        end: Date,
        /// The activation mode (the sentence differs).
        mode: ActivationMode,
    },
    /// Backlog messages the stale-message guard will not send (made by
    /// [`crate::release::Volume::warnings`]).
    StaleSkipped {
        /// How many messages.
        count: u64,
        /// Whether guarded steps past a condition may skip more.
        #[serde(default)]
        at_least: bool,
    },
    /// A Restart shortly before a scheduled run: two runs minutes apart. Under all users,
    /// contacts who finish before the second one enter it too and are messaged twice.
    RestartNearRun {
        /// Minutes from the Restart to the next scheduled run (rounded up).
        minutes: u32,
        /// Contacts entering now who may enter again at that run (at most this many).
        count: u64,
    },
    /// Restart sends again to contacts who already received messages.
    RestartResends {
        /// How many.
        count: u64,
    },
    /// No further audience run (other than an end date).
    NoFurtherRuns {
        /// Why.
        reason: NoRunReason,
        /// The activation mode.
        mode: ActivationMode,
    },
    /// Scheduled runs were missed while the journey was frozen; they are not made up.
    MissedRuns {
        /// How many (at least, when `capped`).
        count: u32,
        /// Whether the count stopped at [`MAX_MISSED_RUNS`].
        capped: bool,
    },
    /// Events that arrived while frozen are not replayed.
    EventsNotReplayed,
}

impl Warning {
    /// The sentence the UI shows.
    ///
    /// ```
    /// use journey_core::plan::Warning;
    /// assert_eq!(
    ///     Warning::OverdueBurst { count: 1380, at_send: 0 }.message(),
    ///     "1,380 contacts whose wait ended while the journey was frozen will move on at once, and those whose next step is a message will be messaged at activation."
    /// );
    /// ```
    pub fn message(&self) -> String {
        match *self {
            Warning::EndDatePassed { end, mode: ActivationMode::Resume } => format!(
                "The schedule ended on {}: no further audience runs will happen. Only contacts already in the journey continue.",
                format_date(end)
            ),
            Warning::EndDatePassed { end, mode: ActivationMode::Restart } => {
                format!("The schedule ended on {}: the journey runs once now, and no run follows.", format_date(end))
            }
            Warning::OverdueBurst { count, at_send: 0 } => format!(
                "{} {} whose wait ended while the journey was frozen will move on at once, and those whose next step is a message will be messaged at activation.",
                format_count(count),
                plural(count, "contact", "contacts")
            ),
            Warning::OverdueBurst { count: 0, at_send } => format!(
                "{} {} stopped at a message step when the journey was frozen will be messaged at activation.",
                format_count(at_send),
                plural(at_send, "contact", "contacts")
            ),
            Warning::OverdueBurst { count, at_send } => format!(
                "{} {} whose wait ended while the journey was frozen will move on at once, and those whose next step is a message will be messaged at activation, as will {} stopped at a message step.",
                format_count(count),
                plural(count, "contact", "contacts"),
                format_count(at_send)
            ),
            Warning::OverduePaced { count, at_send, hours, peak } => format!(
                "{} {} whose wait ended while the journey was frozen will move on over {} {}, at most {} in one hour.{}",
                format_count(count),
                plural(count, "contact", "contacts"),
                format_count(u64::from(hours)),
                plural(u64::from(hours), "hour", "hours"),
                format_count(peak),
                if at_send > 0 {
                    format!(
                        " {} {} stopped at a message step will be messaged at activation.",
                        format_count(at_send),
                        plural(at_send, "contact", "contacts")
                    )
                } else {
                    String::new()
                }
            ),
            Warning::NoRunBeforeEnd { end, mode: ActivationMode::Resume } => format!(
                "No scheduled run is left before the end date, {}: no further audience runs will happen. Only contacts already in the journey continue.",
                format_date(end)
            ),
            Warning::NoRunBeforeEnd { end, mode: ActivationMode::Restart } => format!(
                "No scheduled run is left before the end date, {}: the journey runs once now, and no run follows.",
                format_date(end)
            ),
            Warning::StaleSkipped { count, at_least } => format!(
                "{}{} {} will not be sent: {} go out later than {} step's stale-message limit allows. {} recorded as skipped, with the reason.",
                if at_least { "At least " } else { "" },
                format_count(count),
                plural(count, "message", "messages"),
                plural(count, "it would", "they would"),
                plural(count, "its", "their"),
                plural(count, "It is", "They are"),
            ),
            Warning::RestartNearRun { minutes, count } => format!(
                "The next scheduled run is {} {} after this restart: up to {} {} who finish before it will enter again and receive its messages twice.",
                format_count(u64::from(minutes)),
                plural(u64::from(minutes), "minute", "minutes"),
                format_count(count),
                plural(count, "contact", "contacts")
            ),
            Warning::RestartResends { count } => format!(
                "Restart sends this journey's messages again to {} {} who already received at least one of them.",
                format_count(count),
                plural(count, "contact", "contacts")
            ),
            Warning::NoFurtherRuns { reason, mode: ActivationMode::Resume } => {
                format!("{} No new contacts will enter; only contacts already in the journey continue.", reason.message())
            }
            Warning::NoFurtherRuns { reason, mode: ActivationMode::Restart } => {
                format!("{} After this run, no run follows.", reason.message())
            }
            Warning::MissedRuns { count, capped } => format!(
                "{}{} scheduled {} missed while the journey was frozen; {} not made up.",
                if capped { "At least " } else { "" },
                format_count(u64::from(count)),
                plural(u64::from(count), "run was", "runs were"),
                plural(u64::from(count), "it is", "they are"),
            ),
            Warning::EventsNotReplayed => {
                "Events that arrived while the journey was frozen are not replayed; contacts enter on new events only."
                    .to_string()
            }
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

fn plural<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// A count with thousands separators: `12480` -> "12,480".
///
/// ```
/// assert_eq!(journey_core::plan::format_count(12_480), "12,480");
/// assert_eq!(journey_core::plan::format_count(7), "7");
/// ```
pub fn format_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The numbers an activation executes (the server returns them; the plan carries them too).
/// Field by field comparable with [`ActivationPlan::counts`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ActivationCounts {
    /// Live memberships that continue (Resume).
    pub continuing: u64,
    /// Of those, the ones that move on at T.
    pub overdue: u64,
    /// Contacts entering at the next run (none for event triggers). On Restart they enter at
    /// T; on Resume this is the audience as it stands at T for the next scheduled run.
    pub entering: Option<u64>,
    /// Unsubscribed audience members.
    pub suppressed: u64,
    /// Live memberships exited by a Restart.
    pub exited_by_restart: u64,
    /// Entering contacts that already received a message (Restart).
    pub re_receiving: u64,
    /// Live memberships at nodes an edit removed, whose move says "out of the journey"
    /// (Resume).
    #[serde(default)]
    pub exited_by_edit: u64,
}

/// Everything an activation at T will do; see the module docs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivationPlan {
    /// The journey.
    pub journey_id: JourneyId,
    /// The snapshot's journey version.
    pub version: u64,
    /// Resume or Restart.
    pub mode: ActivationMode,
    /// The chosen wait handling (Resume).
    pub wait_handling: WaitHandling,
    /// The activation instant (the snapshot's `taken_at` if the given one was earlier).
    pub at: Timestamp,
    /// The journey's time zone.
    pub zone: String,
    /// The generation after activation (Restart: the next one).
    pub generation: Generation,
    /// The next audience run.
    pub next_run: NextRun,
    /// The runs after the next one (at least [`FOLLOWING_RUNS`] when the schedule has them).
    pub following_runs: Vec<Timestamp>,
    /// The next scheduled audience run to store after the activation (Restart: the first
    /// after T, since T's run happens now). None: no further scheduled run.
    pub next_scheduled_run: Option<Timestamp>,
    /// Audience runs done in the generation after the activation's own run (Restart of a
    /// scheduled trigger: 1; Restart of an event trigger: 0; Resume: unchanged).
    pub runs_done: u32,
    /// How much pending deadlines after `frozen_at` are shifted (extend_by_pause).
    pub deadline_shift: Option<SignedDuration>,
    /// Live memberships that continue.
    pub continuing: u64,
    /// Continuing memberships per node.
    pub continuing_by_node: Vec<NodeCount>,
    /// Continuing memberships that move on at T.
    pub overdue: u64,
    /// Overdue memberships per wait node.
    pub overdue_by_node: Vec<NodeCount>,
    /// Contacts entering at the next run (None for event triggers).
    pub entering: Option<u64>,
    /// Audience members counted: `suppressed + entering + not_entering`.
    pub audience_total: u64,
    /// Unsubscribed audience members.
    pub suppressed: u64,
    /// Subscribed audience members that will not enter at the next run (in flight, already
    /// entered in this generation under `new_users`, or no further run).
    pub not_entering: u64,
    /// Of `not_entering`, the ones in flight.
    pub in_flight_skipped: u64,
    /// Live memberships exited by Restart.
    pub exited_by_restart: u64,
    /// Entering contacts that already received a message (Restart).
    pub re_receiving: u64,
    /// Live memberships at removed nodes that leave the journey (Resume after an edit).
    #[serde(default)]
    pub exited_by_edit: u64,
    /// The counts of both wait-handling choices (Resume; empty on Restart).
    pub wait_options: Vec<WaitOption>,
    /// Warnings, most important first.
    pub warnings: Vec<Warning>,
    /// The last instant the plan's snapshot is exact for.
    pub valid_until: Timestamp,
    /// Set when the snapshot was a projection to `at` from the facts read then
    /// ([`JourneySnapshot::projected_from`]): the counts are a projection, the runs exact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub projected_from: Option<Timestamp>,
}

impl ActivationPlan {
    /// The numbers the activation executes.
    pub fn counts(&self) -> ActivationCounts {
        ActivationCounts {
            continuing: self.continuing,
            overdue: self.overdue,
            entering: self.entering,
            suppressed: self.suppressed,
            exited_by_restart: self.exited_by_restart,
            re_receiving: self.re_receiving,
            exited_by_edit: self.exited_by_edit,
        }
    }
}

/// Why no plan could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The journey is not Paused or Stopped.
    #[error("{0}")]
    NotActivatable(#[from] TransitionError),
    /// T is past the snapshot's horizon: fetch a fresh one.
    #[error("The preview is out of date (it was exact until {valid_until}); reload it.")]
    StaleSnapshot {
        /// The snapshot's `valid_until`.
        valid_until: Timestamp,
    },
    /// The snapshot's numbers do not fit together.
    #[error("{0}")]
    InvalidSnapshot(#[from] SnapshotError),
}

/// What activating the snapshot's journey at `at` in `mode` will do.
///
/// `at` earlier than the snapshot's `taken_at` is planned as of `taken_at`; later than its
/// [`JourneySnapshot::valid_until`] is [`PlanError::StaleSnapshot`]. Never panics.
pub fn plan_activation(
    snapshot: &JourneySnapshot,
    at: Timestamp,
    mode: ActivationMode,
    wait_handling: WaitHandling,
) -> Result<ActivationPlan, PlanError> {
    transition(snapshot.state, JourneyAction::Activate)?;
    snapshot.check()?;
    if !snapshot.is_fresh_at(at) {
        return Err(PlanError::StaleSnapshot { valid_until: snapshot.valid_until() });
    }
    // The viewer's clock may run behind the server's.
    let t = at.max(snapshot.taken_at);
    Ok(match mode {
        ActivationMode::Resume => resume(snapshot, t, wait_handling),
        ActivationMode::Restart => restart(snapshot, t, wait_handling),
    })
}

/// Resume at `t`: every live membership continues; the next run is the schedule's first
/// after `t`; the audience is counted as it stands.
fn resume(snapshot: &JourneySnapshot, t: Timestamp, wait_handling: WaitHandling) -> ActivationPlan {
    let mode = ActivationMode::Resume;
    let mut plan = base_plan(snapshot, t, mode, wait_handling);
    let mut warnings = Vec::new();
    resume_waits(snapshot, t, wait_handling, &mut plan);
    resume_positions(snapshot, &mut plan);

    if is_event(snapshot) {
        plan.next_run = NextRun::OnEachEvent;
        if snapshot.frozen_at.is_some() {
            warnings.push(Warning::EventsNotReplayed);
        }
    } else {
        let zone = &snapshot.zone;
        match &snapshot.definition.trigger.schedule {
            Some(schedule) => {
                let mut runs = schedule.runs_after(zone, t, snapshot.runs_done);
                match runs.next() {
                    Some(next) => {
                        plan.next_run = NextRun::At { at: next };
                        plan.next_scheduled_run = Some(next);
                        plan.following_runs = runs.take(FOLLOWING_RUNS).collect();
                    }
                    None => {
                        let reason = no_run_reason(snapshot, schedule, t, snapshot.runs_done);
                        plan.next_run = NextRun::NoFurtherRuns { reason };
                        warnings.push(no_run_warning(snapshot, schedule, reason, mode, t));
                    }
                }
                if let Some(frozen_at) = snapshot.frozen_at {
                    let count = missed_runs(snapshot, schedule, frozen_at, t);
                    if count > 0 {
                        warnings.push(Warning::MissedRuns { count, capped: count >= MAX_MISSED_RUNS });
                    }
                }
            }
            None => {
                let reason = NoRunReason::InvalidSchedule;
                plan.next_run = NextRun::NoFurtherRuns { reason };
                warnings.push(Warning::NoFurtherRuns { reason, mode });
            }
        }
        resume_audience(snapshot, &mut plan);
    }
    let at_send = standing_at_send(snapshot, &plan);
    if plan.overdue > 0 || at_send > 0 {
        warnings.push(Warning::OverdueBurst { count: plan.overdue, at_send });
    }
    plan.warnings = warnings;
    plan
}

/// Resume's waits: the overdue count of both choices, and of the chosen one per wait node.
fn resume_waits(snapshot: &JourneySnapshot, t: Timestamp, wait_handling: WaitHandling, plan: &mut ActivationPlan) {
    let keep = snapshot.due_by(t);
    let shift = snapshot.frozen_at.map(|f| ceil_minutes(t.duration_since(f)));
    // Without a frozen_at there is nothing to extend by: as keep_deadlines.
    let extend = if shift.is_some() { snapshot.due_by_frozen_at() } else { keep };
    plan.wait_options = vec![
        WaitOption { handling: WaitHandling::KeepDeadlines, overdue: keep, deadline_shift: None },
        WaitOption { handling: WaitHandling::ExtendByPause, overdue: extend, deadline_shift: shift },
    ];
    let origin = snapshot.origin();
    let (overdue, by_node) = match (wait_handling, shift) {
        (WaitHandling::ExtendByPause, Some(shift)) => {
            plan.deadline_shift = Some(shift);
            (extend, per_wait(snapshot, |w| w.due_by_frozen_at))
        }
        _ => (keep, per_wait(snapshot, |w| w.due_by(origin, t))),
    };
    plan.overdue = overdue;
    plan.overdue_by_node = by_node;
}

/// Who continues where under Resume: every live membership, at its node; after an edit, those
/// at a removed node at the node its move names, or out of the journey (`exited_by_edit`).
fn resume_positions(snapshot: &JourneySnapshot, plan: &mut ActivationPlan) {
    let exiting = snapshot.edit.as_ref().map_or(0, |e| e.exiting(&snapshot.nodes));
    plan.exited_by_edit = exiting;
    plan.continuing = snapshot.live_total().saturating_sub(exiting);
    let mut by_node = by_definition_order(snapshot);
    if let Some(edit) = &snapshot.edit {
        for m in &edit.moves {
            let (crate::edit::Destination::Node { node }, count) = (&m.to, snapshot.live_at(&m.from)) else { continue };
            if count == 0 || snapshot.definition.node(&m.from).is_some() {
                continue;
            }
            match by_node.iter_mut().find(|c| &c.node == node) {
                Some(c) => c.count = c.count.saturating_add(count),
                None => by_node.push(NodeCount { node: node.clone(), count }),
            }
        }
    }
    plan.continuing_by_node = by_node;
}

/// Resume's audience at the next run, as it stands now (none enter without a next run).
fn resume_audience(snapshot: &JourneySnapshot, plan: &mut ActivationPlan) {
    let audience = &snapshot.audience;
    let subscribed = audience.subscribed;
    let in_flight = audience.in_flight.min(subscribed);
    let entering = if plan.next_run.instant().is_none() {
        0
    } else {
        match snapshot.definition.trigger.audience {
            AudienceMode::NewUsers => audience.never_entered.min(subscribed - in_flight),
            AudienceMode::AllUsers => subscribed - in_flight,
        }
    };
    plan.entering = Some(entering);
    plan.not_entering = subscribed - entering;
    plan.in_flight_skipped = in_flight;
}

/// Restart at `t`: every live membership exits; a new generation begins with a run at `t`
/// (scheduled triggers), whose later runs follow the schedule as run 2, 3 ...
fn restart(snapshot: &JourneySnapshot, t: Timestamp, wait_handling: WaitHandling) -> ActivationPlan {
    let mode = ActivationMode::Restart;
    let mut plan = base_plan(snapshot, t, mode, wait_handling);
    plan.generation = snapshot.generation.next();
    plan.exited_by_restart = snapshot.live_total();
    if is_event(snapshot) {
        plan.next_run = NextRun::OnEachEvent;
        plan.runs_done = 0;
        return plan;
    }
    let audience = &snapshot.audience;
    let mut warnings = Vec::new();
    plan.next_run = NextRun::Immediately { at: t };
    // The run at T is run 1 of the new generation.
    plan.runs_done = 1;
    plan.entering = Some(audience.subscribed);
    plan.re_receiving = audience.already_received.min(audience.subscribed);
    if let Some(schedule) = &snapshot.definition.trigger.schedule {
        let mut runs = schedule.runs_after(&snapshot.zone, t, 1);
        plan.next_scheduled_run = runs.next();
        plan.following_runs = plan.next_scheduled_run.into_iter().chain(runs.take(FOLLOWING_RUNS.saturating_sub(1))).collect();
        if plan.next_scheduled_run.is_none() {
            let reason = no_run_reason(snapshot, schedule, t, 1);
            // A once journey runs once, now: nothing to warn about.
            if reason != NoRunReason::OnceAlreadyRan {
                warnings.push(no_run_warning(snapshot, schedule, reason, mode, t));
            }
        }
    }
    if let (Some(next), Some(entering)) = (plan.next_scheduled_run, plan.entering) {
        let minutes = ceil_minutes(next.duration_since(t)).as_mins();
        let gap = u32::try_from(minutes).unwrap_or(u32::MAX);
        if gap <= RESTART_NEAR_RUN_MINUTES
            && entering > 0
            && snapshot.definition.trigger.audience == AudienceMode::AllUsers
            && finishes_within(&snapshot.definition, gap)
        {
            warnings.push(Warning::RestartNearRun { minutes: gap, count: entering });
        }
    }
    if plan.re_receiving > 0 {
        warnings.push(Warning::RestartResends { count: plan.re_receiving });
    }
    plan.warnings = warnings;
    plan
}

/// The plan's fields that do not depend on the mode; counts zero, next run on each event.
fn base_plan(snapshot: &JourneySnapshot, t: Timestamp, mode: ActivationMode, wait_handling: WaitHandling) -> ActivationPlan {
    let audience = &snapshot.audience;
    // An event trigger has no audience to count.
    let (suppressed, audience_total) =
        if is_event(snapshot) { (0, 0) } else { (audience.suppressed, audience.subscribed.saturating_add(audience.suppressed)) };
    ActivationPlan {
        journey_id: snapshot.journey_id,
        version: snapshot.version,
        mode,
        wait_handling,
        at: t,
        zone: snapshot.zone.name().to_string(),
        generation: snapshot.generation,
        next_run: NextRun::OnEachEvent,
        following_runs: Vec::new(),
        next_scheduled_run: None,
        runs_done: snapshot.runs_done,
        deadline_shift: None,
        continuing: 0,
        continuing_by_node: Vec::new(),
        overdue: 0,
        overdue_by_node: Vec::new(),
        entering: None,
        audience_total,
        suppressed,
        not_entering: 0,
        in_flight_skipped: 0,
        exited_by_restart: 0,
        re_receiving: 0,
        exited_by_edit: 0,
        wait_options: Vec::new(),
        warnings: Vec::new(),
        valid_until: snapshot.valid_until(),
        projected_from: snapshot.projected_from,
    }
}

fn is_event(snapshot: &JourneySnapshot) -> bool {
    matches!(snapshot.definition.trigger.source, TriggerSource::Event { .. })
}

/// Why the schedule has no run after `t`.
fn no_run_reason(snapshot: &JourneySnapshot, schedule: &Schedule, t: Timestamp, runs_done: u32) -> NoRunReason {
    schedule.no_run_reason(&snapshot.zone, t, runs_done).unwrap_or(NoRunReason::InvalidSchedule)
}

/// The warning for no further run: an end date names the date, and says whether it passed
/// or is still ahead with no run left before it (weekly on Monday, ending on Wednesday,
/// resumed on Tuesday).
fn no_run_warning(
    snapshot: &JourneySnapshot,
    schedule: &Schedule,
    reason: NoRunReason,
    mode: ActivationMode,
    t: Timestamp,
) -> Warning {
    match (reason, schedule.end_date()) {
        (NoRunReason::EndDatePassed, Some(end)) if end >= snapshot.zone.to_local(t).date() => {
            Warning::NoRunBeforeEnd { end, mode }
        }
        (NoRunReason::EndDatePassed, Some(end)) => Warning::EndDatePassed { end, mode },
        _ => Warning::NoFurtherRuns { reason, mode },
    }
}

/// Live contacts standing at a message step (Resume): the plan's continuing contacts at send
/// nodes, those an edit moves there included. They are messaged at activation.
fn standing_at_send(snapshot: &JourneySnapshot, plan: &ActivationPlan) -> u64 {
    plan.continuing_by_node
        .iter()
        .filter(|c| snapshot.definition.node(&c.node).is_some_and(|n| matches!(n.kind, NodeKind::Send { .. })))
        .fold(0u64, |a, c| a.saturating_add(c.count))
}

/// Whether a contact entering at the entry can finish the journey (complete or exit) within
/// `minutes`: the shortest path, either branch of each condition, waits less than that.
fn finishes_within(definition: &crate::journey::JourneyDefinition, minutes: u32) -> bool {
    use crate::journey::{JourneyDefinition, NodeId};
    use std::collections::BTreeMap;
    // The least waiting from a node to the end; memoised, so shared branches are walked once.
    fn least(def: &JourneyDefinition, at: Option<&NodeId>, memo: &mut BTreeMap<NodeId, u64>, depth: usize) -> u64 {
        let Some(node) = at.and_then(|id| def.node(id)) else { return 0 };
        if let Some(m) = memo.get(&node.id) {
            return *m;
        }
        // A loop in a definition that was not validated: never finishes.
        if depth > def.nodes.len() + 2 {
            return u64::MAX;
        }
        let m = match &node.kind {
            NodeKind::Send { next, .. } => least(def, next.as_ref(), memo, depth + 1),
            NodeKind::Wait { minutes, next } => u64::from(*minutes).saturating_add(least(def, next.as_ref(), memo, depth + 1)),
            NodeKind::Condition { yes, no, .. } => {
                least(def, yes.as_ref(), memo, depth + 1).min(least(def, no.as_ref(), memo, depth + 1))
            }
            NodeKind::Exit => 0,
        };
        memo.insert(node.id.clone(), m);
        m
    }
    least(definition, Some(&definition.entry), &mut BTreeMap::new(), 0) < u64::from(minutes)
}

/// The scheduled runs in `(frozen_at, t]`, at most [`MAX_MISSED_RUNS`].
fn missed_runs(snapshot: &JourneySnapshot, schedule: &Schedule, frozen_at: Timestamp, t: Timestamp) -> u32 {
    let mut count = 0u32;
    for run in schedule.runs_after(&snapshot.zone, frozen_at, snapshot.runs_done) {
        if run > t || count >= MAX_MISSED_RUNS {
            break;
        }
        count += 1;
    }
    count
}

/// A duration rounded up to whole minutes (negative: zero).
fn ceil_minutes(d: SignedDuration) -> SignedDuration {
    let secs = d.as_secs();
    if secs < 0 || (secs == 0 && d.subsec_nanos() <= 0) {
        return SignedDuration::ZERO;
    }
    let mut minutes = secs / 60;
    if secs % 60 != 0 || d.subsec_nanos() > 0 {
        minutes += 1;
    }
    SignedDuration::from_mins(minutes)
}

fn per_wait(snapshot: &JourneySnapshot, f: impl Fn(&crate::snapshot::WaitDeadlines) -> u64) -> Vec<NodeCount> {
    snapshot
        .definition
        .nodes
        .iter()
        .filter(|n| matches!(n.kind, NodeKind::Wait { .. }))
        .filter_map(|n| {
            let count = snapshot.waits.iter().filter(|w| w.node == n.id).fold(0u64, |a, w| a.saturating_add(f(w)));
            (count > 0).then(|| NodeCount { node: n.id.clone(), count })
        })
        .collect()
}

fn by_definition_order(snapshot: &JourneySnapshot) -> Vec<NodeCount> {
    snapshot
        .definition
        .nodes
        .iter()
        .filter_map(|n| {
            let count = snapshot.live_at(&n.id);
            (count > 0).then(|| NodeCount { node: n.id.clone(), count })
        })
        .collect()
}
