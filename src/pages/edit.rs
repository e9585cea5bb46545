//! `/engage/journeys/{id}/edit`: the editor of a journey's definition. The page loads the
//! journey, explains when its state does not allow editing, and saves what the editor
//! (`components::editor`) hands it: back to the journey page once saved; on a stale version,
//! the existing pattern (say so, nothing saved, reload to edit the journey as it is now).

use crate::api::{self, ApiError};
use crate::components::editor::Editor;
use crate::components::remote::{ErrorPanel, JourneyNotFound, Loading};
use crate::routes::{journey_url, use_journey_id};
use crate::session::refusal;
use journey_core::access::Role;
use journey_core::api::{JourneyDetail, SaveDefinitionRequest};
use journey_core::journey::JourneyId;
use journey_core::state::JourneyState;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;

#[component]
pub fn EditPage() -> impl IntoView {
    let id = use_journey_id();
    move || match id.get() {
        Some(id) => view! { <EditJourney id/> }.into_any(),
        None => view! { <JourneyNotFound/> }.into_any(),
    }
}

#[component]
fn EditJourney(id: JourneyId) -> impl IntoView {
    let detail = LocalResource::new(move || api::journey(id));
    let (retrying, set_retrying) = signal(false);
    let refused = refusal(Role::Operator);
    // The last save's refusal: a stale version (its own notice), or any other error.
    let stale = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiError>);
    let save = Action::new_local(move |request: &SaveDefinitionRequest| {
        let request = request.clone();
        async move { api::save_definition(id, &request).await }
    });
    let navigate = use_navigate();
    let nav = navigate.clone();
    Effect::new(move |_| match save.value().get() {
        Some(Ok(_)) => nav(&journey_url(id), NavigateOptions::default()),
        Some(Err(e)) if e.is_stale_version() => stale.set(true),
        Some(Err(e)) => failure.set(Some(e)),
        None => {}
    });
    let on_save = Callback::new(move |request: SaveDefinitionRequest| {
        stale.set(false);
        failure.set(None);
        save.dispatch_local(request);
    });
    let on_leave = Callback::new(move |path: String| navigate(&path, NavigateOptions::default()));
    let reload = move |_| {
        stale.set(false);
        failure.set(None);
        detail.refetch();
    };
    Effect::new(move |_| {
        if detail.get().is_some() {
            set_retrying.set(false);
        }
    });

    move || {
        match detail.get() {
        None => view! {
            <div class="page-head"><div><div class="breadcrumb">"Journeys"</div><h1 class="page-title">"Loading journey…"</h1></div></div>
            <div class="card"><Loading label="Loading the journey…" rows=6/></div>
        }
        .into_any(),
        Some(Err(error)) => view! {
            <ErrorPanel error=Signal::stored(error) what="the journey"
                on_retry=Callback::new(move |_| { set_retrying.set(true); detail.refetch(); }) retrying/>
        }
        .into_any(),
        Some(Ok(journey)) if !journey.state.can_edit() => view! { <NotEditable journey/> }.into_any(),
        Some(Ok(journey)) => {
            crate::set_title(&format!("Edit: {}", journey.name));
            view! {
                <Editor journey saving=save.pending() refused on_save on_leave>
                    {move || stale.get().then(|| view! {
                        <div class="notice" role="alert" data-testid="stale-version-message">
                            <div>
                                <strong>"The journey changed"</strong>
                                "This journey was changed elsewhere since the editor opened, so nothing was saved. Reload it to edit the journey as it is now (the changes made here are lost)."
                            </div>
                            <button type="button" class="btn btn-secondary btn-small" data-testid="reload-journey" on:click=reload>"Reload"</button>
                        </div>
                    })}
                    {move || failure.get().map(|e| view! {
                        <div class="notice" role="alert" data-testid="save-error">
                            <div><strong>{format!("Nothing was saved. {}", e.title())}</strong>{e.detail()}</div>
                        </div>
                    })}
                </Editor>
            }
            .into_any()
        }
    }
    }
}

/// An Active or Completed journey: why it cannot be edited, and the way back.
#[component]
fn NotEditable(journey: JourneyDetail) -> impl IntoView {
    crate::set_title(&format!("Edit: {}", journey.name));
    let why = match journey.state {
        JourneyState::Active => "This journey is Active: pause it first, then edit it. PAUSE is on the journey page.",
        _ => "This journey is Completed: it has nothing left to run, so it cannot be edited.",
    };
    view! {
        <div class="page-head"><div>
            <div class="breadcrumb"><a href=journey_url(journey.id)>{journey.name.clone()}</a></div>
            <h1 class="page-title">{format!("Edit “{}”", journey.name)}</h1>
        </div></div>
        <div class="card card-body empty" role="alert" data-testid="not-editable">
            <strong>{why}</strong>
            <p><a href=journey_url(journey.id)>"Back to the journey"</a></p>
        </div>
    }
}
