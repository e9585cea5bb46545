//! The journeys list's tabs: one per state with its count, a WAI-ARIA tablist (arrow keys,
//! Home and End move between tabs; the selected tab is the only tab stop).

use crate::format::count;
use journey_core::api::StateCounts;
use journey_core::state::JourneyState;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The id of the tab panel the tabs control.
pub const PANEL_ID: &str = "journeys-panel";

pub fn tab_id(state: JourneyState) -> String {
    format!("tab-{}", state.as_str())
}

#[component]
pub fn StateTabs(
    /// The count per state (None while the first answer is loading).
    #[prop(into)]
    counts: Signal<Option<StateCounts>>,
    #[prop(into)] selected: Signal<JourneyState>,
    on_select: Callback<JourneyState>,
) -> impl IntoView {
    let states = JourneyState::ALL;
    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        let current = states.iter().position(|s| *s == selected.get_untracked()).unwrap_or(0);
        let n = states.len();
        let next = match ev.key().as_str() {
            "ArrowRight" => (current + 1) % n,
            "ArrowLeft" => (current + n - 1) % n,
            "Home" => 0,
            "End" => n - 1,
            _ => return,
        };
        ev.prevent_default();
        on_select.run(states[next]);
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(&tab_id(states[next])))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    };
    view! {
        <div class="tabs" role="tablist" aria-label="Journeys by state" on:keydown=on_keydown>
            {states
                .into_iter()
                .map(|state| {
                    let is_selected = move || selected.get() == state;
                    let slug = state.as_str();
                    let n = move || counts.get().map(|c| count(c.get(state)));
                    view! {
                        <button
                            type="button"
                            role="tab"
                            class="tab"
                            id=tab_id(state)
                            data-testid=format!("tab-{slug}")
                            aria-selected=move || if is_selected() { "true" } else { "false" }
                            aria-controls=PANEL_ID
                            tabindex=move || if is_selected() { "0" } else { "-1" }
                            on:click=move |_| on_select.run(state)
                        >
                            <span>{state.label()}</span>
                            <span class="tab-count" data-testid=format!("tab-count-{slug}")>
                                {move || n().unwrap_or_else(|| "–".to_string())}
                            </span>
                        </button>
                    }
                })
                .collect_view()}
        </div>
    }
}
