use leptos::prelude::*;

#[component]
pub fn JourneysPage() -> impl IntoView {
    view! { <p>"todo"</p> }
}
