//! A journey's state as a badge (the word is always shown: colour is never the only signal).

use journey_core::state::JourneyState;
use leptos::prelude::*;

#[component]
pub fn StateBadge(state: JourneyState) -> impl IntoView {
    view! {
        <span class=format!("badge badge-{}", state.as_str()) data-testid="state-badge">
            {state.label()}
        </span>
    }
}
