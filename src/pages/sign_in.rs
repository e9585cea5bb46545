//! `/sign-in?next=/engage/journeys/7`: the sign-in form. Once signed in (or if someone
//! already is), the person goes on to `next`, a page of the console.

use crate::api::{self, ApiError};
use crate::routes::use_next;
use crate::session::{Session, SessionState};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;

#[component]
pub fn SignInPage() -> impl IntoView {
    crate::set_title("Sign in");
    let session = expect_context::<Session>();
    let next = use_next();
    let email = NodeRef::<html::Input>::new();
    let password = NodeRef::<html::Input>::new();
    let sending = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);

    // Signed in, just now or before this page opened: on to where the person was going.
    // Else the email field takes the focus.
    let navigate = use_navigate();
    Effect::new(move |_| {
        if session.0.with(|s| matches!(s, SessionState::SignedIn(_))) {
            navigate(&next.get_untracked(), NavigateOptions { replace: true, ..Default::default() });
        } else if let Some(input) = email.get() {
            // After a navigation the router puts the page in the document a little later:
            // this runs again once the field exists, and focuses it on the next frame.
            request_animation_frame(move || {
                let _ = input.focus();
            });
        }
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(email), Some(password)) = (email.get_untracked(), password.get_untracked()) else { return };
        if sending.get_untracked() {
            return;
        }
        sending.set(true);
        error.set(None);
        spawn_local(async move {
            match api::sign_in(email.value(), password.value()).await {
                Ok(me) => session.0.set(SessionState::SignedIn(me.user)),
                Err(e) => error.set(Some(sign_in_failed(&e))),
            }
            sending.set(false);
        });
    };

    view! {
        <div class="sign-in">
            <form class="card sign-in-card" on:submit=submit data-testid="sign-in-form">
                <h1 class="sign-in-title">"Sign in to Engage"</h1>
                <p class="muted">"Use the email and password of your Engage account."</p>
                {move || error.get().map(|text| view! {
                    <div class="notice" role="alert" data-testid="sign-in-error">{text}</div>
                })}
                <label class="field">
                    <span class="field-label">"Email"</span>
                    <input type="email" name="email" autocomplete="username" required node_ref=email
                        data-testid="sign-in-email"/>
                </label>
                <label class="field">
                    <span class="field-label">"Password"</span>
                    <input type="password" name="password" autocomplete="current-password" required node_ref=password
                        data-testid="sign-in-password"/>
                </label>
                <button type="submit" class="btn btn-primary sign-in-button" data-testid="sign-in-button"
                    disabled=move || sending.get()>
                    {move || if sending.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </div>
    }
}

/// Why signing in failed, as a sentence: the server's own for wrong credentials and too many
/// attempts, else what went wrong on the way.
fn sign_in_failed(e: &ApiError) -> String {
    match e {
        ApiError::Http { status: 401 | 429, .. } => e.detail(),
        _ => format!("{}. {}", e.title(), e.detail()),
    }
}
