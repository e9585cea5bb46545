use leptos::prelude::*;

#[component]
pub fn SummaryPage() -> impl IntoView {
    view! { <p>"todo"</p> }
}
