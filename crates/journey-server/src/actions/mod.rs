//! What people and other systems do through the API, each in one transaction: journeys are
//! created, published, paused, stopped and activated ([`lifecycle`], [`activation`]); contacts,
//! data sets and events are fed in ([`audience`]); journeys are read ([`views`]); dead
//! messages are looked at and sent again ([`delivery`]); people sign in and are managed, with
//! their API tokens ([`people`]).
//!
//! Every decision is journey-core's (`state::transition`, `plan::plan_activation`, the
//! schedule's runs); this module reads the rows through the store, calls the rules and writes
//! what they say. It knows nothing of HTTP: a failure is an [`ActionError`], which `error.rs`
//! answers with a status in one place.

pub mod activation;
pub mod audience;
pub mod delivery;
pub mod editing;
pub mod lifecycle;
pub mod people;
pub mod settings;
pub mod views;

use journey_core::state::{JourneyAction, JourneyState, transition};
use sqlx::AnyConnection;

use crate::store::{self, JourneyRecord, StoreError};

/// Why an action did not happen. The messages are sentences for the person who asked.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    /// No such journey, contact or data set.
    #[error("There is no {what} {id}.")]
    NotFound { what: &'static str, id: u64 },
    /// The journey's state does not allow the action (journey-core's sentence says why).
    #[error("{message}")]
    WrongState { message: String, current: Current },
    /// The caller's page showed another version of the journey.
    #[error(
        "This journey changed since you loaded it (you had version {expected}, it is now version {}). Reload to see what changed.",
        current.version
    )]
    StaleVersion { expected: u64, current: Current },
    /// A journey definition that breaks a rule.
    #[error("{0}")]
    InvalidDefinition(String),
    /// A request that breaks a rule (an unknown contact in a batch, a preview too far ahead).
    #[error("{0}")]
    Invalid(String),
    /// Something that must be unique already exists (a contact's email).
    #[error("{0}")]
    Duplicate(String),
    /// No message has this key.
    #[error("There is no message with the key {key}.")]
    UnknownMessage { key: String },
    /// No contact has the email asked for (the email is not repeated: it is personal data
    /// and answers can end up in logs).
    #[error("No contact has this email address.")]
    UnknownContact,
    /// Only a dead message can be retried.
    #[error("The message {key} is {state}, not dead; only dead messages can be retried.")]
    NotDead { key: String, state: crate::store::DeliveryState },
    /// The journey's last activation (or audience run) is still being applied to its contacts
    /// (`store::work`).
    #[error(
        "This journey is still moving contacts for its last activation or audience run (step {step} of {steps}). Try again in a few seconds."
    )]
    StillApplying { step: usize, steps: usize },
    /// The waiting activation decided on no longer waits, or not for this.
    #[error("{0}")]
    NotPending(String),
    /// The person who asked for an activation tried to approve or reject it.
    #[error("You asked for this activation; another operator or admin must approve or reject it.")]
    OwnRequest,
    /// An `Idempotency-Key` reused for a different request.
    #[error("This Idempotency-Key was already used for a different request; use a new key for a new activation.")]
    IdempotencyKeyReused,
    /// The email and password do not match an active account (the same for each case).
    #[error("The email or password is not right.")]
    InvalidCredentials,
    /// Too many sign-in attempts for the account or from the address.
    #[error("Too many sign-in attempts. Please wait {seconds} seconds and try again.")]
    RateLimited { seconds: u32 },
    /// The database failed (never the caller's fault).
    #[error(transparent)]
    Storage(#[from] StoreError),
}

impl From<sqlx::Error> for ActionError {
    fn from(e: sqlx::Error) -> ActionError {
        ActionError::Storage(e.into())
    }
}

/// A journey's version and state now, sent back with a conflict so the page can reload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Current {
    pub version: u64,
    pub state: JourneyState,
}

impl Current {
    fn of(rec: &JourneyRecord) -> Result<Current, ActionError> {
        Ok(Current { version: rec.version(), state: rec.state()? })
    }
}

pub type Result<T, E = ActionError> = std::result::Result<T, E>;

/// Reads a journey, or [`ActionError::NotFound`].
pub async fn load(conn: &mut AnyConnection, id: u64) -> Result<JourneyRecord> {
    let missing = ActionError::NotFound { what: "journey", id };
    let Ok(key) = i64::try_from(id) else { return Err(missing) };
    store::journey(conn, key).await?.ok_or(missing)
}

/// Reads a journey in a write transaction and holds it until the transaction ends
/// ([`store::lock_journey`]), or [`ActionError::NotFound`]. Every change starts here.
pub async fn lock(conn: &mut AnyConnection, id: u64) -> Result<JourneyRecord> {
    let missing = ActionError::NotFound { what: "journey", id };
    let Ok(key) = i64::try_from(id) else { return Err(missing) };
    store::lock_journey(conn, key, store::Held::Wait).await?.ok_or(missing)
}

/// [`ActionError::WrongState`] for an action the journey's state does not allow.
fn not_allowed(rec: &JourneyRecord, action: JourneyAction) -> ActionError {
    let current = match Current::of(rec) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let message = match transition(current.state, action) {
        Err(e) => e.to_string(),
        Ok(_) => format!("This journey is {}.", current.state),
    };
    ActionError::WrongState { message, current }
}

/// [`ActionError::StaleVersion`] when the caller expected another version.
fn check_version(rec: &JourneyRecord, expected: Option<u64>) -> Result<()> {
    match expected {
        Some(expected) if expected != rec.version() => Err(ActionError::StaleVersion { expected, current: Current::of(rec)? }),
        _ => Ok(()),
    }
}

/// [`ActionError::StillApplying`] while the journey's last activation or audience run is
/// still moving its contacts (`store::work`): an activation or a save waits for it.
async fn check_not_applying(conn: &mut sqlx::AnyConnection, rec: &JourneyRecord) -> Result<()> {
    match store::work(conn, rec.id).await? {
        Some(work) => Err(ActionError::StillApplying { step: work.step + 1, steps: work.steps.len() }),
        None => Ok(()),
    }
}

/// The state `action` leads to from the journey's state, or [`ActionError::WrongState`].
fn allowed(rec: &JourneyRecord, action: JourneyAction) -> Result<JourneyState> {
    transition(rec.state()?, action).map_err(|_| not_allowed(rec, action))
}
