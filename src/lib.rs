//! The journey-activation console: a Leptos client-side app.
//!
//! - [`api`] owns every request to the server;
//! - [`pages`] are the routes (one URL per screen);
//! - [`components`] are the pieces, each with typed props so they can be mounted alone in tests;
//! - [`format`] holds the pure formatting helpers.

pub mod api;
pub mod clock;
pub mod components;
pub mod format;
pub mod pages;
pub mod perf;

use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::path;

use components::shell::Shell;
use pages::{
    activated::ActivatedPage,
    journey::{ActivateRoute, JourneyPage},
    journeys::JourneysPage,
    not_found::NotFound,
    summary::SummaryPage,
};

/// Sets the document's title: "{what} · Journeys · Engage".
pub fn set_title(what: &str) {
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        doc.set_title(&format!("{what} · Journeys · Engage"));
    }
}

/// The app: the shell (Engage > Journey navigation) around the routes.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <Router>
            <Shell>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=|| view! { <Redirect path="/engage/journeys?tab=active"/> }/>
                    <Route path=path!("/engage") view=|| view! { <Redirect path="/engage/journeys?tab=active"/> }/>
                    <Route path=path!("/engage/journeys") view=JourneysPage/>
                    <Route path=path!("/engage/journeys/:id/summary") view=SummaryPage/>
                    <Route path=path!("/engage/journeys/:id/activated") view=ActivatedPage/>
                    <ParentRoute path=path!("/engage/journeys/:id") view=JourneyPage>
                        <Route path=path!("") view=|| ()/>
                        <Route path=path!("activate") view=ActivateRoute/>
                    </ParentRoute>
                </Routes>
            </Shell>
        </Router>
    }
}
