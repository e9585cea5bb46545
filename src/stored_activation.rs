//! What the summary showed before ACTIVATE JOURNEY and what the server then did, kept in
//! `sessionStorage` per journey: the summary page writes it, the activation result page reads
//! it (so a reload shows the result again). Also each activation attempt's idempotency key,
//! so that it outlives the summary page (see [`activation_key`]).

use journey_core::api::ActivateResponse;
use journey_core::jiff::Timestamp;
use journey_core::journey::JourneyId;
use journey_core::pending::DriftGuard;
use journey_core::plan::{ActivationCounts, ActivationMode, ActivationPlan, NextRun, WaitHandling};
use journey_core::release::ReleasePolicy;
use journey_core::state::JourneyState;
use serde::{Deserialize, Serialize};

/// What the summary showed, and (after the answer) what the server did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredActivation {
    pub name: String,
    pub mode: ActivationMode,
    pub preview: ActivationCounts,
    pub preview_at: Timestamp,
    pub preview_next_run: NextRun,
    /// The server's answer, once it came.
    pub server: Option<ServerResult>,
}

/// What the result page shows of the server's answer (kept small: only this is stored).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServerResult {
    pub state: JourneyState,
    pub counts: ActivationCounts,
    pub next_run: NextRun,
    pub plan_at: Timestamp,
    /// The runner applies the activation to the contacts after the answer.
    #[serde(default)]
    pub applying_in_batches: bool,
    /// How the backlog is released.
    #[serde(default)]
    pub release: ReleasePolicy,
    /// The last backlog contact's release instant, when some are held.
    #[serde(default)]
    pub last_release: Option<Timestamp>,
}

impl From<&ActivateResponse> for ServerResult {
    fn from(r: &ActivateResponse) -> ServerResult {
        ServerResult {
            state: r.journey.state,
            counts: r.counts,
            next_run: r.next_run,
            plan_at: r.plan_at,
            applying_in_batches: r.applying_in_batches,
            release: r.release,
            last_release: r.last_release,
        }
    }
}

impl StoredActivation {
    /// What the summary shows of `plan`, before the server answers.
    pub fn preview(plan: &ActivationPlan, name: &str) -> StoredActivation {
        StoredActivation {
            name: name.to_string(),
            mode: plan.mode,
            preview: plan.counts(),
            preview_at: plan.at,
            preview_next_run: plan.next_run,
            server: None,
        }
    }

    fn key(id: JourneyId) -> String {
        format!("journey-console:activation:{id}")
    }

    fn storage() -> Option<web_sys::Storage> {
        storage()
    }

    pub fn save(&self, id: JourneyId) {
        if let (Some(st), Ok(text)) = (Self::storage(), serde_json::to_string(self)) {
            let _ = st.set_item(&Self::key(id), &text);
        }
    }

    pub fn load(id: JourneyId) -> Option<StoredActivation> {
        let text = Self::storage()?.get_item(&Self::key(id)).ok()??;
        serde_json::from_str(&text).ok()
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// What one activation attempt sends, apart from the key: the version the summary showed and
/// every choice. Two attempts with the same of these are the same activation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attempt {
    pub version: u64,
    pub mode: ActivationMode,
    pub wait: WaitHandling,
    pub release: ReleasePolicy,
    /// Later, at this instant; None: now.
    pub at: Option<Timestamp>,
    pub drift_guard: Option<DriftGuard>,
}

/// The idempotency key for activating journey `id` with `attempt`: the same in this browser
/// tab every time it is asked for, even after the summary page was left and opened again (a
/// session expired, the person signed in and came back), so a resent ACTIVATE JOURNEY
/// activates (or schedules) once. A new version or choice gets a new key.
pub fn activation_key(id: JourneyId, attempt: &Attempt) -> String {
    let Attempt { version, mode, wait, release, at, drift_guard } = attempt;
    let at = at.map_or_else(|| "now".to_string(), |t| t.to_string());
    let drift = drift_guard.map_or(0, |g| g.percent);
    let name =
        format!("journey-console:key:{id}:{version}:{}:{}:{}:{at}:{drift}", mode.as_str(), wait.as_str(), release.to_param());
    let storage = storage();
    if let Some(key) = storage.as_ref().and_then(|st| st.get_item(&name).ok().flatten()) {
        return key;
    }
    let key = crate::api::new_idempotency_key();
    if let Some(st) = storage {
        let _ = st.set_item(&name, &key);
    }
    key
}
