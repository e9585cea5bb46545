//! The journey-activation console: a Leptos client-side app.
//!
//! - [`api`] owns every request to the server;
//! - [`routes`] owns every URL: the router's patterns, the links, the query and id parameters;
//! - [`pages`] are the screens (one per route); they do not import each other;
//! - [`components`] are the pieces, each with typed props so they can be mounted alone in tests;
//! - [`session`] knows who is signed in and sends the person to sign in when needed;
//! - [`stored_activation`] keeps an activation's preview and answer for the result page;
//! - [`format`] holds the pure formatting helpers.

pub mod api;
pub mod clock;
pub mod components;
pub mod format;
pub mod pages;
pub mod perf;
pub mod routes;
pub mod session;
pub mod stored_activation;

use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};

use components::shell::Shell;
use pages::{
    activated::ActivatedPage,
    edit::EditPage,
    journey::{ActivateRoute, JourneyPage},
    journeys::JourneysPage,
    not_found::NotFound,
    review::ReviewPage,
    settings::SettingsPage,
    sign_in::SignInPage,
    summary::SummaryPage,
};
use session::{SessionKnown, SessionProvider};

/// Sets the document's title: "{what} · Journeys · Engage".
pub fn set_title(what: &str) {
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        doc.set_title(&format!("{what} · Journeys · Engage"));
    }
}

/// The app: the session and the shell (Engage > Journey navigation) around the routes; every
/// page but sign-in needs someone signed in.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <Router>
            <SessionProvider>
                <Shell>
                    <SessionKnown>
                        <Routes fallback=NotFound>
                            <Route path=routes::SIGN_IN view=SignInPage/>
                            <Route path=routes::ROOT view=|| view! { <Redirect path=routes::journeys_home()/> }/>
                            <Route path=routes::ENGAGE view=|| view! { <Redirect path=routes::journeys_home()/> }/>
                            <Route path=routes::JOURNEYS view=JourneysPage/>
                            <Route path=routes::SUMMARY view=SummaryPage/>
                            <Route path=routes::ACTIVATED view=ActivatedPage/>
                            <Route path=routes::EDIT view=EditPage/>
                            <Route path=routes::REVIEW view=ReviewPage/>
                            <Route path=routes::SETTINGS view=SettingsPage/>
                            <ParentRoute path=routes::JOURNEY view=JourneyPage>
                                <Route path=routes::JOURNEY_INDEX view=|| ()/>
                                <Route path=routes::ACTIVATE view=ActivateRoute/>
                            </ParentRoute>
                        </Routes>
                    </SessionKnown>
                </Shell>
            </SessionProvider>
        </Router>
    }
}
