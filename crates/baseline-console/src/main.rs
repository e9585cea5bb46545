//! The smallest app that does what the console's first screen does: a router, one fetch of
//! `/api/journeys`, a list of names, and the same `journeys-list-rendered` mark once the rows
//! are on screen. The browser benchmark loads it beside the console (same server, same build
//! settings) so the console's first-screen time is read as a ratio to it.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
struct Row {
    id: u64,
    name: String,
}

#[derive(Debug, Deserialize)]
struct List {
    rows: Vec<Row>,
}

async fn journeys() -> Result<Vec<Row>, String> {
    let response = gloo_net::http::Request::get("/api/journeys?state=active")
        .header("Accept", "application/json")
        .header("x-journey-console", "1")
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !response.ok() {
        return Err(format!("the server answered {}", response.status()));
    }
    response.json::<List>().await.map(|list| list.rows).map_err(|e| e.to_string())
}

#[component]
fn JourneysPage() -> impl IntoView {
    let rows = LocalResource::new(journeys);
    Effect::new(move || {
        if rows.get().is_some() {
            request_animation_frame(|| {
                if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
                    let _ = p.mark("journeys-list-rendered");
                }
            });
        }
    });
    view! {
        <h1>"Journeys"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || rows.get().map(|answer| match answer {
                Ok(rows) => view! {
                    <ul data-testid="journey-rows">
                        {rows.into_iter().map(|row| view! { <li data-id=row.id>{row.name}</li> }).collect_view()}
                    </ul>
                }.into_any(),
                Err(error) => view! { <p role="alert">{error}</p> }.into_any(),
            })}
        </Suspense>
    }
}

fn main() {
    leptos::mount::mount_to_body(|| {
        view! {
            <Router>
                <Routes fallback=|| "Not found.">
                    <Route path=path!("/engage/journeys") view=JourneysPage />
                </Routes>
            </Router>
        }
    });
}
