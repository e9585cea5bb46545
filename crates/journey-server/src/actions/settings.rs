//! The workspace's settings: the approval threshold for large activations (journey-core
//! `pending::approval_needed`).

use jiff::Timestamp;
use journey_core::api::WorkspaceSettings;
use journey_core::pending::MAX_APPROVAL_THRESHOLD;

use super::{ActionError, Result};
use crate::store::{self, Store};

/// The settings now.
pub async fn settings(store: &Store) -> Result<WorkspaceSettings> {
    let mut tx = store.read_tx().await?;
    Ok(store::workspace_settings(&mut tx).await?)
}

/// Saves the settings under `actor`. They apply to activations asked for from now on; a
/// waiting one keeps the verdict it was asked with (a scheduled one is judged again at its
/// instant).
pub async fn save(store: &Store, settings: &WorkspaceSettings, actor: &str, now: Timestamp) -> Result<WorkspaceSettings> {
    if settings.approval_threshold.is_some_and(|t| t > MAX_APPROVAL_THRESHOLD) {
        return Err(ActionError::Invalid(format!(
            "The approval threshold is a number of messages from 0 to {}; leave it empty for no approval.",
            journey_core::plan::format_count(MAX_APPROVAL_THRESHOLD)
        )));
    }
    let mut tx = store.write().await?;
    store::save_workspace_settings(&mut tx, settings, actor, now).await?;
    let saved = store::workspace_settings(&mut tx).await?;
    tx.commit().await?;
    tracing::info!(approval_threshold = ?saved.approval_threshold, "workspace settings saved");
    Ok(saved)
}
