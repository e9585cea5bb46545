//! The JSON API's request and response bodies, shared by the browser and the server. Plain
//! serde structs (no I/O); instants serialize as RFC 3339 text.
//!
//! Error bodies are [`ApiError`]; their `code` is one of the [`codes`].
//!
//! Request bodies are strict: every request type, and the definition's types inside them
//! ([`crate::journey`], [`crate::schedule`]), deny unknown fields, so a misspelt or stray
//! field is an error naming it (``unknown field `colour`, expected one of ...``), never
//! silently ignored. The definition is strict wherever it appears (also inside responses and
//! snapshots): the console and the server are built from this same crate, and the server
//! stores only definitions it serialised itself. Other response types ignore unknown fields.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::journey::{
    Attributes, AudienceMode, ContactId, DatasetId, JourneyDefinition, JourneyId, Node, NodeId, Trigger, TriggerKind,
};
use crate::membership::Generation;
use crate::pending::{ApprovalNeed, DriftGuard, PlanFigures};
use crate::plan::{ActivationCounts, ActivationMode, NextRun, WaitHandling};
use crate::release::ReleasePolicy;
use crate::snapshot::NodeCount;
use crate::state::JourneyState;

/// `GET /api/journeys`: the list, and the count per state (for the tabs).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JourneyListResponse {
    /// The journeys.
    pub rows: Vec<JourneyRow>,
    /// How many journeys per state.
    pub counts: StateCounts,
}

/// One journey in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JourneyRow {
    /// Its id.
    pub id: JourneyId,
    /// Its name.
    pub name: String,
    /// Its state.
    pub state: JourneyState,
    /// The trigger's kind.
    pub trigger_kind: TriggerKind,
    /// The trigger's audience mode.
    pub audience: AudienceMode,
    /// The schedule in words, without the zone ("Every day at 14:00", "On each event").
    pub schedule_text: String,
    /// The IANA zone.
    pub time_zone: String,
    /// Live memberships.
    pub contacts_in_journey: u64,
    /// The last audience run.
    #[serde(default)]
    pub last_run_at: Option<Timestamp>,
    /// When it was paused (Paused, or Stopped after a pause).
    #[serde(default)]
    pub paused_at: Option<Timestamp>,
    /// When it was stopped.
    #[serde(default)]
    pub stopped_at: Option<Timestamp>,
    /// An activation waiting for its instant or for approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<PendingRow>,
}

/// Journeys per state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StateCounts {
    /// Active.
    pub active: u64,
    /// Scheduled.
    pub scheduled: u64,
    /// Paused.
    pub paused: u64,
    /// Stopped.
    pub stopped: u64,
    /// Draft.
    pub draft: u64,
    /// Completed.
    pub completed: u64,
}

impl StateCounts {
    /// The count for one state.
    pub fn get(&self, state: JourneyState) -> u64 {
        match state {
            JourneyState::Active => self.active,
            JourneyState::Scheduled => self.scheduled,
            JourneyState::Paused => self.paused,
            JourneyState::Stopped => self.stopped,
            JourneyState::Draft => self.draft,
            JourneyState::Completed => self.completed,
        }
    }

    /// Adds one journey in `state`.
    pub fn add(&mut self, state: JourneyState) {
        let c = match state {
            JourneyState::Active => &mut self.active,
            JourneyState::Scheduled => &mut self.scheduled,
            JourneyState::Paused => &mut self.paused,
            JourneyState::Stopped => &mut self.stopped,
            JourneyState::Draft => &mut self.draft,
            JourneyState::Completed => &mut self.completed,
        };
        *c = c.saturating_add(1);
    }
}

/// `GET /api/journeys/{id}`: the journey page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JourneyDetail {
    /// Its id.
    pub id: JourneyId,
    /// Its version (send it back as `expected_version`).
    pub version: u64,
    /// Its name.
    pub name: String,
    /// Its state.
    pub state: JourneyState,
    /// The definition.
    pub definition: JourneyDefinition,
    /// Live memberships per node.
    pub node_counts: Vec<NodeCount>,
    /// The schedule in words, without the zone.
    pub schedule_text: String,
    /// The activity log, oldest first.
    pub activity: Vec<ActivityEntry>,
    /// The current generation.
    pub generation: Generation,
    /// The next scheduled audience run, if any.
    #[serde(default)]
    pub next_run_at: Option<Timestamp>,
    /// When it was frozen (Paused or Stopped).
    #[serde(default)]
    pub frozen_at: Option<Timestamp>,
    /// The last audience run.
    #[serde(default)]
    pub last_run_at: Option<Timestamp>,
    /// The current definition's number (1 at creation, +1 per save).
    #[serde(default)]
    pub definition_version: u32,
    /// The definition version its contacts move under (0: never activated).
    #[serde(default)]
    pub activated_definition_version: u32,
    /// Whether its last activation is still being applied to the contacts (the runner does it
    /// in batches after the activation; the journey takes no other step until then).
    #[serde(default)]
    pub applying: bool,
    /// An activation waiting for its instant or for approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<PendingActivation>,
}

/// One line of the activity log: who did what, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityEntry {
    /// When.
    pub at: Timestamp,
    /// Who ("system" for the runner).
    pub actor: String,
    /// The state before (none at creation).
    #[serde(default)]
    pub from: Option<JourneyState>,
    /// The state after.
    pub to: JourneyState,
    /// Resume or Restart, for activations.
    #[serde(default)]
    pub mode: Option<ActivationMode>,
    /// The activation's counts.
    #[serde(default)]
    pub counts: Option<ActivationCounts>,
    /// What happened: create, publish, start, pause, stop, resume, restart, complete, edit,
    /// applied (an activation's work on the contacts finished, with the counts executed).
    #[serde(default)]
    pub action: Option<String>,
    /// The definition version created, saved (edit) or activated.
    #[serde(default)]
    pub definition_version: Option<u32>,
    /// A sentence beside the counts: on an `applied` line, how the executed counts differ
    /// from the ones the activation promised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// A Resume's backlog release policy, when it held contacts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<ReleasePolicy>,
}

impl ActivityEntry {
    /// The actions of lines about an activation that waits (journey-core `pending`); each
    /// such line's `note` is the whole sentence ("Scheduled a resume for Mon 30 Nov 2026,
    /// 09:00 CET: 2,340 recipients projected.").
    pub const WAITING_ACTIONS: [&'static str; 6] =
        ["schedule", "request_approval", "approve", "reject", "cancel_pending", "hold"];

    /// Whether this line is about an activation that waits (not the activation itself).
    pub fn is_about_waiting(&self) -> bool {
        self.action.as_deref().is_some_and(|a| Self::WAITING_ACTIONS.contains(&a))
    }
}

/// `POST /api/journeys/{id}/activate`. Send an `Idempotency-Key` header (or the
/// `idempotency_key` field): the same key returns the first answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivateRequest {
    /// Resume or Restart.
    pub mode: ActivationMode,
    /// Wait handling (Resume; default keep_deadlines).
    #[serde(default)]
    pub wait_handling: WaitHandling,
    /// How a Resume releases its backlog (default all at once; Restart ignores it).
    #[serde(default)]
    pub release: ReleasePolicy,
    /// The version the summary was computed from; a different current version is a 409.
    pub expected_version: u64,
    /// An idempotency key, if not sent as a header.
    #[serde(default)]
    pub idempotency_key: Option<String>,
    /// Activate later, at this instant (in the future, within 90 days); omitted: now. The
    /// answer is then 202 with the [`PendingActivation`].
    #[serde(default)]
    pub at: Option<Timestamp>,
    /// With `at`: hold the activation instead if its recipients then differ from the
    /// projection by more than this ([`crate::pending::DriftGuard`]).
    #[serde(default)]
    pub drift_guard: Option<DriftGuard>,
}

/// Where a waiting activation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PendingStatus {
    /// Waits for its instant (approved, or needing no approval).
    Scheduled,
    /// Waits for a second operator or admin.
    AwaitingApproval,
    /// Its instant came and the drift guard held it; nothing was done.
    Held,
}

impl PendingStatus {
    /// "Scheduled", "Awaiting approval", "Held".
    pub fn label(self) -> &'static str {
        match self {
            PendingStatus::Scheduled => "Scheduled",
            PendingStatus::AwaitingApproval => "Awaiting approval",
            PendingStatus::Held => "Held",
        }
    }
}

/// An activation that waits for its instant or for a second person (at most one per journey).
/// It lasts until it runs, is cancelled, rejected or replaced, or the journey changes (stopped,
/// edited, activated): then it is cancelled with a sentence in the activity log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingActivation {
    /// Its id.
    pub id: u64,
    /// Where it stands.
    pub status: PendingStatus,
    /// Resume or Restart.
    pub mode: ActivationMode,
    /// Resume's wait handling.
    pub wait_handling: WaitHandling,
    /// Resume's backlog release.
    pub release: ReleasePolicy,
    /// When it runs; none: as soon as it is approved.
    #[serde(default)]
    pub run_at: Option<Timestamp>,
    /// The drift guard chosen with it.
    #[serde(default)]
    pub drift_guard: Option<DriftGuard>,
    /// Who asked (name and email, as the activity log names people).
    pub requested_by: String,
    /// Their user id (the console tells "your request" from another's).
    pub requested_by_id: u64,
    /// When.
    pub requested_at: Timestamp,
    /// The plan it was requested with (a projection to `run_at` when scheduled).
    pub figures: PlanFigures,
    /// Set when it needs approval (or needed it, once approved).
    #[serde(default)]
    pub approval: Option<ApprovalNeed>,
    /// Who approved it.
    #[serde(default)]
    pub approved_by: Option<String>,
    /// Why it is held, or waits for approval again (a sentence).
    #[serde(default)]
    pub note: Option<String>,
}

/// A waiting activation in the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingRow {
    /// Where it stands.
    pub status: PendingStatus,
    /// Resume or Restart.
    pub mode: ActivationMode,
    /// When it runs; none: once approved.
    #[serde(default)]
    pub run_at: Option<Timestamp>,
}

/// 202 to an activation that waits: the journey, and the waiting activation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingResponse {
    /// The journey now.
    pub journey: JourneyDetail,
    /// The activation that waits.
    pub pending: PendingActivation,
}

/// `POST /api/journeys/{id}/pending/{approve|reject|cancel}`: a decision on the waiting
/// activation `pending_id`, made from the journey page at `expected_version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PendingDecision {
    /// The waiting activation decided on.
    pub pending_id: u64,
    /// The version the page showed; a different current version is a 409.
    pub expected_version: u64,
    /// Why (required to reject; kept in the activity log).
    #[serde(default)]
    pub reason: Option<String>,
}

/// `GET` and `PUT /api/settings`: the workspace's settings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceSettings {
    /// Activations sending more messages than this in their first hour need a second operator
    /// or admin to approve them; none: no approval needed.
    #[serde(default)]
    pub approval_threshold: Option<u64>,
}

/// The answer to an activation: the journey now, and the server's own counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivateResponse {
    /// The journey after activation.
    pub journey: JourneyDetail,
    /// What the activation did.
    pub counts: ActivationCounts,
    /// The next audience run.
    pub next_run: NextRun,
    /// The activation instant the server planned at.
    pub plan_at: Timestamp,
    /// Whether the runner applies the activation to the contacts after this answer, in batches
    /// (a Restart's exits and entry, a Resume's moved deadlines or nodes). Until it is done the
    /// journey takes no other step; the activity log then records the counts executed, and says
    /// so if a Restart's entry differs from `counts` (contacts changed in between).
    #[serde(default)]
    pub applying_in_batches: bool,
    /// How the backlog is released (all at once on Restart, whatever was asked).
    #[serde(default)]
    pub release: ReleasePolicy,
    /// The last backlog contact's release instant, when some are held.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_release: Option<Timestamp>,
}

/// `POST /api/journeys/{id}/pause`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PauseRequest {
    /// The version the page showed; a different current version is a 409.
    #[serde(default)]
    pub expected_version: Option<u64>,
}

/// `POST /api/journeys/{id}/stop`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StopRequest {
    /// The version the page showed; a different current version is a 409.
    #[serde(default)]
    pub expected_version: Option<u64>,
}

/// `POST /api/journeys`: a new journey (a Draft unless `publish`). The JSON is the
/// definition's fields plus `publish`, side by side.
///
/// Strict like every request body: serde cannot combine `flatten` with
/// `deny_unknown_fields`, so it is read through a private mirror of the definition's fields
/// that denies unknown ones (a field added to [`JourneyDefinition`] fails to compile there
/// until it is added to the mirror).
///
/// ```
/// use journey_core::api::CreateJourneyRequest;
/// let body = r#"{"name": "Cart", "time_zone": "UTC", "publish": true,
///   "trigger": {"source": {"kind": "event", "event_name": "cart"}, "audience": "all_users"},
///   "entry": "bye", "nodes": [{"id": "bye", "kind": {"type": "exit"}}]}"#;
/// let req: CreateJourneyRequest = serde_json::from_str(body).unwrap();
/// assert!(req.publish);
/// assert_eq!(serde_json::from_str::<CreateJourneyRequest>(&serde_json::to_string(&req).unwrap()).unwrap(), req);
/// let extra = body.replace(r#""publish": true"#, r#""publish": true, "colour": "blue""#);
/// let err = serde_json::from_str::<CreateJourneyRequest>(&extra).unwrap_err();
/// assert!(err.to_string().contains("unknown field `colour`"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "CreateJourneyBody")]
pub struct CreateJourneyRequest {
    /// The definition.
    #[serde(flatten)]
    pub definition: JourneyDefinition,
    /// Publish at once (Scheduled or Active).
    #[serde(default)]
    pub publish: bool,
}

/// The wire form of [`CreateJourneyRequest`]: [`JourneyDefinition`]'s fields and `publish`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateJourneyBody {
    name: String,
    time_zone: String,
    trigger: Trigger,
    entry: NodeId,
    nodes: Vec<Node>,
    #[serde(default)]
    publish: bool,
}

impl From<CreateJourneyBody> for CreateJourneyRequest {
    fn from(b: CreateJourneyBody) -> CreateJourneyRequest {
        let CreateJourneyBody { name, time_zone, trigger, entry, nodes, publish } = b;
        CreateJourneyRequest { definition: JourneyDefinition { name, time_zone, trigger, entry, nodes }, publish }
    }
}

/// The answer to a creation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateJourneyResponse {
    /// The new journey's id.
    pub id: JourneyId,
    /// Its state.
    pub state: JourneyState,
    /// Its version.
    pub version: u64,
}

/// An error body: `{"error": {"code": ..., "message": ..., "current_version": ...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// The error.
    pub error: ErrorBody,
}

impl ApiError {
    /// An error with a code and a sentence a person can read.
    pub fn new(code: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            error: ErrorBody { code: code.to_string(), message: message.into(), current_version: None, current_state: None },
        }
    }
}

/// The error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// A stable code, one of [`codes`].
    pub code: String,
    /// A sentence a person can read.
    pub message: String,
    /// The journey's current version (on conflicts).
    #[serde(default)]
    pub current_version: Option<u64>,
    /// The journey's current state (on conflicts).
    #[serde(default)]
    pub current_state: Option<JourneyState>,
}

/// Stable error codes.
pub mod codes {
    /// 404: no such journey, contact or data set.
    pub const NOT_FOUND: &str = "not_found";
    /// 409: `expected_version` is not the current version.
    pub const VERSION_CONFLICT: &str = "version_conflict";
    /// 409: the action is not allowed in the journey's state.
    pub const INVALID_TRANSITION: &str = "invalid_transition";
    /// 400/422: the request body or definition is invalid.
    pub const INVALID_REQUEST: &str = "invalid_request";
    /// 422: the definition does not validate.
    pub const INVALID_DEFINITION: &str = "invalid_definition";
    /// 500: something went wrong on the server.
    pub const INTERNAL: &str = "internal";
    /// 401: nobody is signed in (no session, an expired or revoked one, no valid token).
    pub const UNAUTHENTICATED: &str = "unauthenticated";
    /// 401: the email and password do not match an active account.
    pub const INVALID_CREDENTIALS: &str = "invalid_credentials";
    /// 403: signed in, but the role is not enough; the message says which role is needed.
    pub const FORBIDDEN: &str = "forbidden";
    /// 403: a change authenticated by the cookie that did not come from the console.
    pub const CROSS_SITE: &str = "cross_site";
    /// 429: too many sign-in attempts; `Retry-After` says when to try again.
    pub const RATE_LIMITED: &str = "rate_limited";
    /// 409: the journey's last activation is still being applied to its contacts; try again
    /// after `Retry-After` seconds.
    pub const STILL_APPLYING: &str = "still_applying";
    /// 409: the waiting activation decided on no longer waits (it ran, or was cancelled,
    /// rejected or replaced), or does not wait for what was asked (approval).
    pub const NOT_PENDING: &str = "not_pending";
    /// 403: the person who asked for an activation tried to approve or reject it.
    pub const OWN_REQUEST: &str = "own_request";
}

/// A contact to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewContact {
    /// Email address.
    #[serde(default)]
    pub email: Option<String>,
    /// Phone number.
    #[serde(default)]
    pub phone: Option<String>,
    /// Attributes.
    #[serde(default)]
    pub attributes: Attributes,
    /// Subscribed (default true).
    #[serde(default = "yes")]
    pub subscribed: bool,
}

fn yes() -> bool {
    true
}

/// `POST /api/contacts`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateContactsRequest {
    /// The contacts.
    pub contacts: Vec<NewContact>,
}

/// The ids of created contacts, in request order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateContactsResponse {
    /// The ids.
    pub ids: Vec<ContactId>,
}

/// `POST /api/contacts/{id}/subscription`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetSubscriptionRequest {
    /// Subscribed or not.
    pub subscribed: bool,
}

/// `POST /api/datasets`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateDatasetRequest {
    /// Its name.
    pub name: String,
}

/// The answer to a data-set creation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateDatasetResponse {
    /// Its id.
    pub id: DatasetId,
}

/// `POST /api/datasets/{id}/contacts`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddToDatasetRequest {
    /// The contacts to add.
    pub contact_ids: Vec<ContactId>,
}

/// `POST /api/events`: an event for a contact (default: now).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventRequest {
    /// The contact.
    pub contact_id: ContactId,
    /// The event's name.
    pub name: String,
    /// When it happened (default: when received).
    #[serde(default)]
    pub at: Option<Timestamp>,
}

/// Where a logged message is in its delivery (the server's delivery worker moves it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Logged, not tried yet (or put back by a retry).
    Queued,
    /// A request is in flight.
    Delivering,
    /// A try failed for a reason that may pass; tried again at its next attempt.
    Retrying,
    /// The sink accepted it.
    Delivered,
    /// Refused for good, or out of attempts: kept until a person retries it.
    Dead,
}

impl DeliveryState {
    /// Every state, in the order of a message's life.
    pub const ALL: [DeliveryState; 5] = [
        DeliveryState::Queued,
        DeliveryState::Delivering,
        DeliveryState::Retrying,
        DeliveryState::Delivered,
        DeliveryState::Dead,
    ];

    /// The spelling used by the API and the database (snake_case, as serde writes it).
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Queued => "queued",
            DeliveryState::Delivering => "delivering",
            DeliveryState::Retrying => "retrying",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Dead => "dead",
        }
    }
}

impl std::fmt::Display for DeliveryState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for DeliveryState {
    type Err = crate::spelling::UnknownSpelling;

    fn from_str(s: &str) -> Result<DeliveryState, Self::Err> {
        DeliveryState::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| crate::spelling::UnknownSpelling { what: "delivery state", text: s.chars().take(40).collect() })
    }
}

/// How many of a journey's messages are in each delivery state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DeliveryCounts {
    /// Not tried yet, or put back by a retry.
    pub queued: u64,
    /// A request in flight.
    pub delivering: u64,
    /// Failed for a reason that may pass; tried again later.
    pub retrying: u64,
    /// Accepted by the sink.
    pub delivered: u64,
    /// Refused for good or out of attempts, until a person retries them.
    pub dead: u64,
}

impl DeliveryCounts {
    /// The count for one state.
    pub fn get(&self, state: DeliveryState) -> u64 {
        match state {
            DeliveryState::Queued => self.queued,
            DeliveryState::Delivering => self.delivering,
            DeliveryState::Retrying => self.retrying,
            DeliveryState::Delivered => self.delivered,
            DeliveryState::Dead => self.dead,
        }
    }

    /// Sets the count for one state.
    pub fn set(&mut self, state: DeliveryState, n: u64) {
        let c = match state {
            DeliveryState::Queued => &mut self.queued,
            DeliveryState::Delivering => &mut self.delivering,
            DeliveryState::Retrying => &mut self.retrying,
            DeliveryState::Delivered => &mut self.delivered,
            DeliveryState::Dead => &mut self.dead,
        };
        *c = n;
    }
}

/// A dead message, with why it died.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadMessage {
    /// Its key in the message log (`POST /api/messages/{key}/retry` takes it).
    pub message_key: String,
    /// The contact it was for.
    pub contact_id: ContactId,
    /// The send step that made it.
    pub node_id: NodeId,
    /// Its channel ("email", "sms", ...).
    pub channel: String,
    /// Its template.
    pub template: String,
    /// Tries made.
    pub attempts: u64,
    /// What the last try came to, as text (none if never tried).
    #[serde(default)]
    pub last_error: Option<String>,
    /// When it was last tried.
    #[serde(default)]
    pub last_attempt_at: Option<Timestamp>,
    /// When it was logged.
    pub created_at: Timestamp,
}

/// `GET /api/journeys/{id}/delivery?after=&limit=`: how many of a journey's messages are in
/// each delivery state, and a page of its dead messages with their last error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryResponse {
    /// The journey.
    pub journey_id: JourneyId,
    /// Messages per delivery state.
    pub counts: DeliveryCounts,
    /// Dead messages, oldest first.
    pub dead: Vec<DeadMessage>,
    /// Pass as `after` for the next page of dead messages (none: this was the last).
    #[serde(default)]
    pub next_after: Option<i64>,
    /// Messages the stale-message guard did not send (never delivered; listed by
    /// `GET /api/journeys/{id}/messages?skipped=true` with the reason).
    #[serde(default)]
    pub skipped: u64,
}

/// `POST /api/journeys/{id}/delivery/retry`: how many dead messages were queued again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequeuedResponse {
    /// Dead messages put back in the queue.
    pub requeued: u64,
}

/// `POST /api/messages/{key}/retry`: a dead message put back in the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRetryResponse {
    /// Its key.
    pub message_key: String,
    /// Its state now (`queued`).
    pub delivery_state: DeliveryState,
}

#[cfg(test)]
mod delivery_tests {
    use super::*;

    /// A `GET /api/journeys/{id}/delivery` body as the server writes it reads back, and
    /// writes the same bytes.
    #[test]
    fn delivery_response_reads_the_servers_json() {
        let json = r#"{"journey_id":7,"counts":{"queued":1,"delivering":0,"retrying":2,"delivered":1234,"dead":1},"dead":[{"message_key":"7/1/0/42/welcome","contact_id":42,"node_id":"welcome","channel":"email","template":"welcome-v2","attempts":8,"last_error":"HTTP 410 Gone","last_attempt_at":"2026-11-25T19:00:00Z","created_at":"2026-11-25T18:00:00Z"}],"next_after":null,"skipped":0}"#;
        let r: DeliveryResponse = serde_json::from_str(json).unwrap();
        assert_eq!(r.journey_id, JourneyId(7));
        assert_eq!(r.counts.delivered, 1234);
        assert_eq!(r.counts.get(DeliveryState::Dead), 1);
        assert_eq!(r.dead[0].contact_id, ContactId(42));
        assert_eq!(r.dead[0].node_id, NodeId::new("welcome"));
        assert_eq!(r.dead[0].last_error.as_deref(), Some("HTTP 410 Gone"));
        assert_eq!(r.dead[0].last_attempt_at, Some("2026-11-25T19:00:00Z".parse().unwrap()));
        assert_eq!(r.next_after, None);
        assert_eq!(serde_json::to_string(&r).unwrap(), json);
    }

    #[test]
    fn delivery_state_spelling_agrees_with_serde() {
        for state in DeliveryState::ALL {
            assert_eq!(serde_json::to_string(&state).unwrap(), format!("\"{state}\""));
            assert_eq!(state.as_str().parse::<DeliveryState>(), Ok(state));
        }
        let r: MessageRetryResponse = serde_json::from_str(r#"{"message_key":"k","delivery_state":"queued"}"#).unwrap();
        assert_eq!(r.delivery_state, DeliveryState::Queued);
    }
}

/// `POST /api/sign-in`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    /// The account's email (compared without regard to case).
    pub email: String,
    /// The password.
    pub password: String,
}

/// A person as the API shows them (never their password or its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    /// Their id.
    pub id: u64,
    /// Their email, which they sign in with.
    pub email: String,
    /// Their name, as the activity log shows it.
    pub name: String,
    /// Their role.
    pub role: crate::access::Role,
    /// Whether the account is disabled (cannot sign in; its sessions and tokens stop working).
    #[serde(default)]
    pub disabled: bool,
}

/// `GET /api/me` and `POST /api/sign-in`: who is signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionResponse {
    /// The person.
    pub user: UserView,
    /// When the session ends at the latest (absolute expiry), if it is a session (a token
    /// has none).
    #[serde(default)]
    pub expires_at: Option<Timestamp>,
}

/// `PUT /api/journeys/{id}/definition`: a new definition version (the journey's state does
/// not change, and nothing moves until the next activation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaveDefinitionRequest {
    /// The journey's version the editor showed (409 if it moved on).
    pub expected_version: u64,
    /// The new definition.
    pub definition: JourneyDefinition,
    /// Where the contacts of each removed node that holds some go.
    #[serde(default)]
    pub moves: Vec<crate::edit::NodeMove>,
    /// Apply changed wait durations to contacts already waiting.
    #[serde(default)]
    pub apply_new_waits: bool,
}

impl SaveDefinitionRequest {
    /// The revision it asks to save.
    pub fn revision(&self) -> crate::edit::Revision {
        crate::edit::Revision {
            definition: self.definition.clone(),
            moves: self.moves.clone(),
            apply_new_waits: self.apply_new_waits,
        }
    }
}

/// One saved definition version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefinitionVersion {
    /// Its number.
    pub version: u32,
    /// When it was saved.
    pub saved_at: Timestamp,
    /// Who saved it.
    pub saved_by: String,
    /// The definition.
    pub definition: JourneyDefinition,
    /// The moves saved with it.
    #[serde(default)]
    pub moves: Vec<crate::edit::NodeMove>,
    /// Whether it applies changed waits to contacts already waiting.
    #[serde(default)]
    pub apply_new_waits: bool,
}

/// `GET /api/journeys/{id}/versions`: every definition version, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefinitionVersions {
    /// The current one.
    pub current: u32,
    /// The one its contacts move under (0: never activated).
    pub activated: u32,
    /// All of them.
    pub versions: Vec<DefinitionVersion>,
}

/// `GET /api/journeys/{id}/diff?from=&to=`: what changed between two definition versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefinitionDiff {
    /// The older version.
    pub from: u32,
    /// The newer version.
    pub to: u32,
    /// The changes, in `edit::diff`'s order.
    pub changes: Vec<crate::edit::Change>,
}
