//! What the summary showed before ACTIVATE JOURNEY and what the server then did, kept in
//! `sessionStorage` per journey: the summary page writes it, the activation result page reads
//! it (so a reload shows the result again).

use journey_core::api::ActivateResponse;
use journey_core::jiff::Timestamp;
use journey_core::journey::JourneyId;
use journey_core::plan::{ActivationCounts, ActivationMode, ActivationPlan, NextRun};
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
}

impl From<&ActivateResponse> for ServerResult {
    fn from(r: &ActivateResponse) -> ServerResult {
        ServerResult { state: r.journey.state, counts: r.counts, next_run: r.next_run, plan_at: r.plan_at }
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
        web_sys::window()?.session_storage().ok()?
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
