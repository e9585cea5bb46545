//! Loading, error-with-Retry and loaded states of a remote value.

use crate::api::ApiError;
use crate::routes::journeys_home;
use leptos::prelude::*;

/// An unknown or deleted journey: said plainly, with the way back (retrying cannot help).
#[component]
pub fn JourneyNotFound() -> impl IntoView {
    crate::set_title("Journey not found");
    view! {
        <div class="card card-body empty" role="alert" data-testid="not-found">
            <strong>"This journey does not exist or was deleted"</strong>
            <p>"The link may be out of date. "
                <a href=journeys_home() data-testid="not-found-back">"Back to the journeys"</a>
            </p>
        </div>
    }
}

/// A readable error with a Retry button; an API 404 shows [`JourneyNotFound`] instead.
#[component]
pub fn ErrorPanel(
    /// What failed.
    #[prop(into)]
    error: Signal<ApiError>,
    /// What the user was trying to see, e.g. "the journeys".
    #[prop(into)]
    what: String,
    /// Called when the user clicks Retry.
    on_retry: Callback<()>,
    /// True while the retry is in flight.
    #[prop(optional, into)]
    retrying: Signal<bool>,
) -> impl IntoView {
    move || {
        if error.with(ApiError::is_not_found) {
            view! { <JourneyNotFound/> }.into_any()
        } else {
            let what = what.clone();
            view! {
            <div class="error-panel" role="alert" data-testid="error-panel">
                <div class="error-icon" aria-hidden="true">"!"</div>
                <div class="error-text">
                    <p class="error-title">
                        {format!("Could not load {what}. ")}
                        {move || error.get().title()}
                    </p>
                    <p class="error-detail" data-testid="error-detail">{move || error.get().detail()}</p>
                </div>
                <button
                    type="button"
                    class="btn btn-secondary"
                    data-testid="error-retry"
                    disabled=move || retrying.get()
                    on:click=move |_| on_retry.run(())
                >
                    {move || if retrying.get() { "Retrying…" } else { "Retry" }}
                </button>
            </div>
            }
            .into_any()
        }
    }
}

/// A placeholder while a screen loads.
#[component]
pub fn Loading(#[prop(into)] label: String, #[prop(default = 4)] rows: usize) -> impl IntoView {
    view! {
        <div class="loading" role="status" aria-live="polite" data-testid="loading">
            <span class="visually-hidden">{label}</span>
            {(0..rows).map(|_| view! { <div class="skeleton-row" aria-hidden="true"></div> }).collect_view()}
        </div>
    }
}

/// Renders a `LocalResource` of `Result<T, ApiError>`: a skeleton while it loads, an
/// [`ErrorPanel`] with Retry (which refetches) when it fails, `children` when it succeeds.
/// While a refetch is in flight the last value stays on screen.
#[component]
pub fn Remote<T, V, F>(
    resource: LocalResource<Result<T, ApiError>>,
    /// What is loading, e.g. "the journey".
    #[prop(into)]
    what: String,
    /// Renders the loaded value.
    children: F,
    #[prop(default = 4)] skeleton_rows: usize,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    V: IntoView + 'static,
    F: Fn(T) -> V + Send + Sync + 'static,
{
    let (retrying, set_retrying) = signal(false);
    let what_loading = format!("Loading {what}…");
    let on_retry = Callback::new(move |_| {
        set_retrying.set(true);
        resource.refetch();
    });
    Effect::new(move |_| {
        if resource.get().is_some() {
            set_retrying.set(false);
        }
    });
    move || match resource.get() {
        None => view! { <Loading label=what_loading.clone() rows=skeleton_rows/> }.into_any(),
        Some(Err(error)) => view! {
            <ErrorPanel error=Signal::stored(error) what=what.clone() on_retry retrying/>
        }
        .into_any(),
        Some(Ok(value)) => children(value).into_any(),
    }
}
