//! A journey's state as a badge (the word is always shown: colour is never the only signal).

use crate::api::state_slug;
use journey_core::state::JourneyState;
use leptos::prelude::*;

#[component]
pub fn StateBadge(state: JourneyState) -> impl IntoView {
    view! {
        <span class=format!("badge badge-{}", state_slug(state)) data-testid="state-badge">
            {state.label()}
        </span>
    }
}
