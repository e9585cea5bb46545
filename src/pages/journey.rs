use leptos::prelude::*;
use leptos_router::components::Outlet;

#[component]
pub fn JourneyPage() -> impl IntoView {
    view! { <p>"todo"</p><Outlet/> }
}

#[component]
pub fn ActivateRoute() -> impl IntoView {
    view! { <p>"dialog"</p> }
}
