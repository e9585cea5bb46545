//! A journey's life cycle (spec section 2): its states, the actions people and the runner
//! take, and which action is allowed from which state.
//!
//! | action | from | to |
//! | --- | --- | --- |
//! | Publish | Draft | Scheduled (first run in the future) or Active |
//! | Start (the runner, when a Scheduled journey's first run is due) | Scheduled | Active |
//! | Pause | Active | Paused |
//! | Stop | Active, Paused | Stopped |
//! | Activate (Resume or Restart) | Paused, Stopped | Active |
//! | Complete (the runner) | Active | Completed |
//!
//! ```
//! use journey_core::state::{transition, JourneyAction, JourneyState};
//! assert_eq!(transition(JourneyState::Paused, JourneyAction::Activate), Ok(JourneyState::Active));
//! let err = transition(JourneyState::Active, JourneyAction::Activate).unwrap_err();
//! assert_eq!(err.to_string(), "This journey is Active; only Paused or Stopped journeys can be activated.");
//! ```

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::journey::{Trigger, TriggerSource};
use crate::zone::Zone;

/// Where a journey is in its life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JourneyState {
    /// Being designed, never run.
    Draft,
    /// Published; the first run is in the future.
    Scheduled,
    /// Running: audience runs happen, contacts move, messages go out.
    Active,
    /// Frozen for now; positions and wait deadlines kept.
    Paused,
    /// Frozen and ended by a person; positions kept, so it can still be resumed.
    Stopped,
    /// Nothing left to do.
    Completed,
}

impl JourneyState {
    /// All states, in the order of the list's tabs.
    pub const ALL: [JourneyState; 6] = [
        JourneyState::Active,
        JourneyState::Scheduled,
        JourneyState::Paused,
        JourneyState::Stopped,
        JourneyState::Draft,
        JourneyState::Completed,
    ];

    /// "Active", "Paused", ...
    pub fn label(self) -> &'static str {
        match self {
            JourneyState::Draft => "Draft",
            JourneyState::Scheduled => "Scheduled",
            JourneyState::Active => "Active",
            JourneyState::Paused => "Paused",
            JourneyState::Stopped => "Stopped",
            JourneyState::Completed => "Completed",
        }
    }

    /// Whether ACTIVATE is offered (Paused or Stopped).
    pub fn can_activate(self) -> bool {
        matches!(self, JourneyState::Paused | JourneyState::Stopped)
    }

    /// Whether its definition can be edited (Draft, Scheduled, Paused, Stopped): an Active
    /// journey must be paused first; a Completed one has nothing left to run.
    ///
    /// ```
    /// use journey_core::state::JourneyState;
    /// assert!(JourneyState::Stopped.can_edit());
    /// assert!(!JourneyState::Active.can_edit());
    /// ```
    pub fn can_edit(self) -> bool {
        matches!(self, JourneyState::Draft | JourneyState::Scheduled | JourneyState::Paused | JourneyState::Stopped)
    }

    /// Whether the journey is frozen (Paused or Stopped).
    pub fn is_frozen(self) -> bool {
        self.can_activate()
    }
}

impl fmt::Display for JourneyState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Something done to a journey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum JourneyAction {
    /// Publish a draft. Goes to Scheduled when the first run is in the future, else Active
    /// (an event trigger has no scheduled run: `first_run_in_future: false`).
    Publish {
        /// Whether the schedule's first run is after the publishing instant.
        first_run_in_future: bool,
    },
    /// The runner starts a Scheduled journey when its first run is due.
    Start,
    /// Pause an Active journey.
    Pause,
    /// Stop an Active or Paused journey.
    Stop,
    /// Resume or restart a Paused or Stopped journey.
    Activate,
    /// The runner completes an Active journey with nothing left to do.
    Complete,
}

impl JourneyAction {
    fn verb(self) -> &'static str {
        match self {
            JourneyAction::Publish { .. } => "published",
            JourneyAction::Start => "started",
            JourneyAction::Pause => "paused",
            JourneyAction::Stop => "stopped",
            JourneyAction::Activate => "activated",
            JourneyAction::Complete => "completed",
        }
    }

    fn allowed_from(self) -> &'static str {
        match self {
            JourneyAction::Publish { .. } => "Draft",
            JourneyAction::Start => "Scheduled",
            JourneyAction::Pause => "Active",
            JourneyAction::Stop => "Active or Paused",
            JourneyAction::Activate => "Paused or Stopped",
            JourneyAction::Complete => "Active",
        }
    }
}

/// An action that is not allowed from a state. Its `Display` is a sentence a person can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("This journey is {from}; only {allowed} journeys can be {verb}.", allowed = action.allowed_from(), verb = action.verb())]
pub struct TransitionError {
    /// The journey's state.
    pub from: JourneyState,
    /// The refused action.
    pub action: JourneyAction,
}

/// The state after `action` on a journey in state `from`.
///
/// ```
/// use journey_core::state::{transition, JourneyAction::*, JourneyState::*};
/// assert_eq!(transition(Draft, Publish { first_run_in_future: true }), Ok(Scheduled));
/// assert_eq!(transition(Draft, Publish { first_run_in_future: false }), Ok(Active));
/// assert_eq!(transition(Paused, Stop), Ok(Stopped));
/// assert_eq!(
///     transition(Completed, Pause).unwrap_err().to_string(),
///     "This journey is Completed; only Active journeys can be paused."
/// );
/// ```
pub fn transition(from: JourneyState, action: JourneyAction) -> Result<JourneyState, TransitionError> {
    use JourneyAction as A;
    use JourneyState as S;
    let to = match (from, action) {
        (S::Draft, A::Publish { first_run_in_future: true }) => S::Scheduled,
        (S::Draft, A::Publish { first_run_in_future: false }) => S::Active,
        (S::Scheduled, A::Start) => S::Active,
        (S::Active, A::Pause) => S::Paused,
        (S::Active | S::Paused, A::Stop) => S::Stopped,
        (S::Paused | S::Stopped, A::Activate) => S::Active,
        (S::Active, A::Complete) => S::Completed,
        _ => return Err(TransitionError { from, action }),
    };
    Ok(to)
}

/// The publish action for a trigger at `now`: `first_run_in_future` when the schedule has a
/// run strictly after `now` (event triggers: false, they are Active at once).
///
/// A schedule with no run after `now` (a `once` in the past, an end already passed) is
/// published Active and completes at the runner's next look (see [`is_finished`]); the
/// console should warn before publishing it.
pub fn publish_action(trigger: &Trigger, zone: &Zone, now: Timestamp) -> JourneyAction {
    let first_run_in_future = match (&trigger.source, &trigger.schedule) {
        (TriggerSource::Event { .. }, _) | (_, None) => false,
        (_, Some(schedule)) => schedule.next_run_after(zone, now, 0).is_some(),
    };
    JourneyAction::Publish { first_run_in_future }
}

/// Whether an Active journey has nothing left to do, so the runner completes it (the rule
/// written here): a dataset or segment trigger whose schedule has no run after `now`, and no
/// live membership. An event-trigger journey never completes by itself (a person stops it).
///
/// ```
/// use journey_core::state::is_finished;
/// use journey_core::journey::*;
/// use journey_core::schedule::Schedule;
/// use journey_core::zone::Zone;
/// let utc = Zone::bundled("UTC")?;
/// let trigger = Trigger {
///     source: TriggerSource::Dataset { dataset_id: DatasetId(1), name: "VIPs".into() },
///     audience: AudienceMode::NewUsers,
///     schedule: Some(Schedule::Once { at: jiff::civil::date(2026, 1, 10).at(8, 0, 0, 0) }),
/// };
/// let now: jiff::Timestamp = "2026-01-11T00:00:00Z".parse()?;
/// assert!(!is_finished(&trigger, &utc, now, 1, 12)); // 12 contacts still in flight
/// assert!(is_finished(&trigger, &utc, now, 1, 0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn is_finished(trigger: &Trigger, zone: &Zone, now: Timestamp, runs_done: u32, live_memberships: u64) -> bool {
    if live_memberships > 0 {
        return false;
    }
    match (&trigger.source, &trigger.schedule) {
        (TriggerSource::Event { .. }, _) => false,
        (_, None) => true,
        (_, Some(schedule)) => schedule.next_run_after(zone, now, runs_done).is_none(),
    }
}
