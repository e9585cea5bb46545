use crate::routes::journeys_home;
use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <div class="card card-body empty" data-testid="not-found">
            <strong>"This page does not exist"</strong>
            <p>"The link may be mistyped or out of date. "
                <a href=journeys_home()>"Go to the journeys"</a>
            </p>
        </div>
    }
}
