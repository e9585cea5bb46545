use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <div class="card card-body empty" data-testid="not-found">
            <strong>"This page does not exist"</strong>
            <p>"The link may be mistyped or out of date. "
                <A href="/engage/journeys?tab=active">"Go to the journeys"</A>
            </p>
        </div>
    }
}
