use leptos::prelude::*;

#[component]
pub fn ActivatedPage() -> impl IntoView {
    view! { <p>"todo"</p> }
}
