//! The summary's "Explain one contact": an email in, journey-core's sentence out
//! (`explain::explain`), for the plan and release pace on screen. The facts are fetched once
//! per email (by the page, through `api::contact`); changing the mode or the pace re-tells
//! the sentence from the same facts without a request.

use crate::api::ApiError;
use crate::format::in_viewer_zone;
use journey_core::explain::{ContactFacts, explain};
use journey_core::plan::ActivationPlan;
use journey_core::release::ReleasePolicy;
use journey_core::snapshot::JourneySnapshot;
use leptos::prelude::*;

/// What the box shows under its form.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    /// Nothing asked yet.
    Idle,
    /// Waiting for the server.
    Asking,
    /// The contact's facts.
    Found(ContactFacts),
    /// The server's refusal or the network's failure (an unknown email is a 404).
    Failed(ApiError),
}

/// The box's state, kept by the page: the summary is redrawn every minute, and what was
/// typed and found must survive it.
#[derive(Debug, Clone, Copy)]
pub struct ExplainBox {
    /// The current lookup.
    pub lookup: Signal<Lookup>,
    /// The email being typed.
    pub email: RwSignal<String>,
    /// Look this email up.
    pub on_ask: Callback<String>,
}

/// The form and its answer.
#[component]
pub fn ExplainContact(
    snapshot: JourneySnapshot,
    plan: ActivationPlan,
    release: ReleasePolicy,
    state: ExplainBox,
) -> impl IntoView {
    let ExplainBox { lookup, email, on_ask } = state;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let e = email.get_untracked().trim().to_string();
        if !e.is_empty() {
            on_ask.run(e);
        }
    };
    let answer = move || match lookup.get() {
        Lookup::Idle => None,
        Lookup::Asking => Some(view! { <p class="muted" role="status">"Looking the contact up…"</p> }.into_any()),
        Lookup::Failed(e) if e.is_not_found() => {
            Some(view! { <p class="explain-answer" role="status" data-testid="explain-unknown">{e.detail()}</p> }.into_any())
        }
        Lookup::Failed(e) => Some(
            view! {
                <p class="explain-answer explain-error" role="alert" data-testid="explain-error">
                    <strong>{e.title()}</strong>" "{e.detail()}
                </p>
            }
            .into_any(),
        ),
        Lookup::Found(facts) => {
            let said = explain(&snapshot, &plan, release, &facts, &|t| format!("{} your time", in_viewer_zone(t)));
            let last = facts.last_messages.first().map(|m| {
                format!(
                    "Last message from this journey: {} “{}”, {} ({}).",
                    m.channel.label(),
                    m.template,
                    in_viewer_zone(m.at),
                    m.state
                )
            });
            Some(
                view! {
                    <div class="explain-answer" role="status">
                        <p><strong data-testid="explain-email">{facts.email.clone()}</strong></p>
                        <p data-testid="explain-sentence">{said.sentence}</p>
                        {last.map(|l| view! { <p class="muted" data-testid="explain-last">{l}</p> })}
                    </div>
                }
                .into_any(),
            )
        }
    };
    view! {
        <form class="explain-form" on:submit=submit data-testid="explain-form">
            <label class="field">
                <span class="field-label">"Contact's email"</span>
                <input type="email" autocomplete="off" data-testid="explain-email-input" placeholder="jane@example.com"
                    prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev))/>
            </label>
            <button type="submit" class="btn btn-secondary" data-testid="explain-button"
                disabled=move || lookup.with(|l| matches!(l, Lookup::Asking))>"Explain"</button>
        </form>
        {answer}
    }
}
