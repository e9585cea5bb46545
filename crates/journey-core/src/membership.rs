//! A contact's passage through a journey: its generation, iteration, position and status, and
//! the message key that makes "no duplicates" checkable.
//!
//! - A **generation** starts at 1 when the journey is first activated; each Restart adds one.
//! - An **iteration** is the number of the audience run within a generation (1, 2, 3 ...);
//!   for event triggers, see [`Iteration`].
//! - A contact has at most one live membership (waiting or ready) per journey.
//! - The message log is unique on [`MessageKey`]; its text form is stable.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::journey::{ContactId, JourneyId, NodeId};

/// A generation of a journey: 1 at the first activation, +1 at each Restart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Generation(pub u32);

impl Generation {
    /// The first generation.
    pub const FIRST: Generation = Generation(1);

    /// The generation a Restart begins (saturating at `u32::MAX`).
    pub fn next(self) -> Generation {
        Generation(self.0.saturating_add(1))
    }
}

impl fmt::Display for Generation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The number of the audience run within a generation that a membership entered at (1, 2, 3
/// ...). For event triggers (no audience runs), the rule written here: the iteration is the
/// number of times this contact has entered in this generation (1 on its first event, 2 on the
/// next ...), so that each event-entry has its own message keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Iteration(pub u32);

impl Iteration {
    /// The first iteration.
    pub const FIRST: Iteration = Iteration(1);

    /// The next iteration (saturating).
    pub fn next(self) -> Iteration {
        Iteration(self.0.saturating_add(1))
    }
}

impl fmt::Display for Iteration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Why a membership left a journey before its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitReason {
    /// A Restart began a new generation.
    Restarted,
    /// It took a condition branch that leads nowhere.
    Condition,
    /// The contact unsubscribed.
    Unsubscribed,
    /// It reached an exit node.
    ExitNode,
    /// Its node no longer exists in the journey's definition.
    NodeMissing,
    /// Its node was removed by an edit whose move said "out of the journey".
    NodeRemoved,
}

/// A membership's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum MembershipStatus {
    /// At a wait node until an instant (inclusive: it moves on when `until <= now`).
    Waiting {
        /// The deadline (a whole minute, see [`crate::flow::wait_deadline`]).
        until: Timestamp,
    },
    /// Arrived at its node, which is to be carried out.
    Ready,
    /// Reached the end of the journey.
    Completed,
    /// Left the journey early.
    Exited {
        /// Why.
        reason: ExitReason,
    },
}

/// A contact's passage through a journey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// The journey.
    pub journey_id: JourneyId,
    /// The contact.
    pub contact_id: ContactId,
    /// The generation it belongs to.
    pub generation: Generation,
    /// The iteration it entered at.
    pub iteration: Iteration,
    /// Its current node.
    pub node: NodeId,
    /// Its status.
    pub status: MembershipStatus,
    /// When it entered.
    pub entered_at: Timestamp,
}

/// What "no duplicates" means: the message log holds at most one message per key.
///
/// Its text form is stable (the log may be unique on it): `j{journey}/g{generation}/
/// i{iteration}/c{contact}/{node}`. The node id comes last, so it may contain any character.
///
/// ```
/// use journey_core::journey::{ContactId, JourneyId, NodeId};
/// use journey_core::membership::{Generation, Iteration, MessageKey};
/// let key = MessageKey {
///     journey_id: JourneyId(12),
///     generation: Generation(2),
///     iteration: Iteration(5),
///     contact_id: ContactId(9001),
///     node_id: NodeId::new("welcome/email"),
/// };
/// assert_eq!(key.to_string(), "j12/g2/i5/c9001/welcome/email");
/// assert_eq!(key.to_string().parse::<MessageKey>(), Ok(key));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct MessageKey {
    /// The journey.
    pub journey_id: JourneyId,
    /// The generation.
    pub generation: Generation,
    /// The iteration.
    pub iteration: Iteration,
    /// The contact.
    pub contact_id: ContactId,
    /// The send node.
    pub node_id: NodeId,
}

impl fmt::Display for MessageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "j{}/g{}/i{}/c{}/{}", self.journey_id, self.generation, self.iteration, self.contact_id, self.node_id)
    }
}

/// Text that is not a message key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not a message key (expected j<journey>/g<generation>/i<iteration>/c<contact>/<node>).")]
pub struct MessageKeyError(pub String);

impl FromStr for MessageKey {
    type Err = MessageKeyError;

    fn from_str(s: &str) -> Result<MessageKey, MessageKeyError> {
        let err = || MessageKeyError(s.to_string());
        let mut parts = s.splitn(5, '/');
        let mut num = |prefix: char| -> Result<u64, MessageKeyError> {
            let p = parts.next().ok_or_else(err)?;
            let digits = p.strip_prefix(prefix).ok_or_else(err)?;
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err());
            }
            digits.parse().map_err(|_| err())
        };
        let journey_id = JourneyId(num('j')?);
        let generation = Generation(u32::try_from(num('g')?).map_err(|_| err())?);
        let iteration = Iteration(u32::try_from(num('i')?).map_err(|_| err())?);
        let contact_id = ContactId(num('c')?);
        let node = parts.next().filter(|n| !n.is_empty()).ok_or_else(err)?;
        Ok(MessageKey { journey_id, generation, iteration, contact_id, node_id: NodeId::new(node) })
    }
}
