//! `/settings`: the workspace's settings, changed by admins: today one, the approval
//! threshold (activations sending more messages than this in their first hour need a second
//! operator or admin). Anyone signed in may read it; the server refuses a save by others.

use crate::api::{self, ApiError};
use crate::components::remote::Remote;
use crate::session::{RoleNote, refusal};
use journey_core::access::Role;
use journey_core::api::WorkspaceSettings;
use leptos::prelude::*;

#[component]
pub fn SettingsPage() -> impl IntoView {
    crate::set_title("Workspace settings");
    let settings = LocalResource::new(api::settings);
    view! {
        <div class="page-head">
            <div>
                <nav class="breadcrumb" aria-label="Breadcrumb">"Settings"</nav>
                <h1 class="page-title">"Workspace"</h1>
            </div>
        </div>
        <Remote resource=settings what="the workspace's settings" children=|saved| view! { <SettingsForm saved/> }/>
    }
}

/// What the threshold field holds: empty (no approval needed), or a whole number.
fn read_threshold(text: &str) -> Result<Option<u64>, String> {
    let text = text.trim().replace(',', "");
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| "Write a whole number of messages, or leave the field empty.".to_string())
}

#[component]
fn SettingsForm(saved: WorkspaceSettings) -> impl IntoView {
    let refused = refusal(Role::Admin);
    let text = RwSignal::new(saved.approval_threshold.map(|n| n.to_string()).unwrap_or_default());
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let save = Action::new_local(move |settings: &WorkspaceSettings| {
        let settings = *settings;
        async move { api::save_settings(&settings).await }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(saved)) => {
            text.set(saved.approval_threshold.map(|n| n.to_string()).unwrap_or_default());
            outcome.set(Some(Ok(match saved.approval_threshold {
                Some(n) => format!(
                    "Saved: activations sending more than {} messages in their first hour need approval.",
                    crate::format::count(n)
                ),
                None => "Saved: no activation needs approval.".to_string(),
            })));
        }
        Some(Err(e)) => outcome.set(Some(Err(format!("{} {}", e.title(), ApiError::detail(&e))))),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match read_threshold(&text.get_untracked()) {
            Ok(approval_threshold) => {
                outcome.set(None);
                save.dispatch_local(WorkspaceSettings { approval_threshold });
            }
            Err(problem) => outcome.set(Some(Err(problem))),
        }
    };
    let disabled = move || refused.with(Option::is_some) || save.pending().get();
    view! {
        <form class="card card-body settings-form" on:submit=submit data-testid="settings-form">
            <label class="field">
                <span class="field-label">"Approval threshold"</span>
                <input type="text" inputmode="numeric" data-testid="approval-threshold" aria-describedby="threshold-help"
                    prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))
                    disabled=move || refused.with(Option::is_some)/>
            </label>
            <p class="muted" id="threshold-help">
                "Activations that send more messages than this in their first hour need a second operator or admin to approve them. Leave it empty: no activation needs approval."
            </p>
            <RoleNote refusal=refused id="settings-role-note"/>
            {move || outcome.get().map(|o| match o {
                Ok(text) => view! { <p class="notice notice-ok" role="status" data-testid="settings-saved">{text}</p> }.into_any(),
                Err(text) => view! { <p class="field-problem" role="alert" data-testid="settings-problem">{text}</p> }.into_any(),
            })}
            <div>
                <button type="submit" class="btn btn-primary" data-testid="save-settings" disabled=disabled
                    aria-describedby=move || refused.with(Option::is_some).then_some("settings-role-note")>"Save"</button>
            </div>
        </form>
    }
}
