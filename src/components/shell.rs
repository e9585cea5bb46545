//! The frame around every screen: the product bar with the signed-in person and Sign out, and
//! the Engage > Journey navigation. A signed-out person sees the product bar only.

use crate::api;
use crate::routes::{SIGN_IN_PATH, journeys_home, settings_url};
use crate::session::{Session, SessionState};
use journey_core::access::Role;
use journey_core::api::UserView;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

#[component]
pub fn Shell(children: Children) -> impl IntoView {
    let session = expect_context::<Session>();
    let user = Memo::new(move |_| session.user());
    let signed_in = Memo::new(move |_| user.with(Option::is_some));
    let admin = Memo::new(move |_| user.with(|u| u.as_ref().is_some_and(|u| u.role == Role::Admin)));
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <div class="app">
            <header class="topbar">
                <span class="brand">
                    <span class="brand-mark" aria-hidden="true">"J"</span>
                    "Journey console"
                </span>
                {move || user.get().map(|user| view! { <UserArea user/> })}
            </header>
            <div class="frame">
                {move || signed_in.get().then(|| view! {
                    <nav class="sidenav" aria-label="Main">
                        <p class="nav-section" id="nav-engage">"Engage"</p>
                        <ul aria-labelledby="nav-engage">
                            <li>
                                // `A` marks the current section with aria-current="page".
                                <A href=journeys_home() attr:data-testid="nav-journey">
                                    "Journey"
                                </A>
                            </li>
                        </ul>
                        {move || admin.get().then(|| view! {
                            <p class="nav-section" id="nav-settings">"Settings"</p>
                            <ul aria-labelledby="nav-settings">
                                <li><A href=settings_url() attr:data-testid="nav-workspace">"Workspace"</A></li>
                            </ul>
                        })}
                    </nav>
                })}
                <main id="main" class="main" tabindex="-1">{children()}</main>
            </div>
        </div>
    }
}

/// "Vera Viewer · viewer" and Sign out, at the right of the product bar.
#[component]
fn UserArea(user: UserView) -> impl IntoView {
    let session = expect_context::<Session>();
    let navigate = use_navigate();
    let sending = RwSignal::new(false);
    let failed = RwSignal::new(None::<String>);
    let sign_out = move |_| {
        sending.set(true);
        failed.set(None);
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::sign_out().await {
                Ok(()) => {
                    navigate(SIGN_IN_PATH, NavigateOptions::default());
                    session.0.set(SessionState::SignedOut);
                }
                // Already signed out: the console is on its way to the sign-in page.
                Err(e) if e.is_unauthenticated() => {}
                Err(e) => failed.set(Some(format!("Could not sign out: {}.", e.title()))),
            }
            sending.set(false);
        });
    };
    view! {
        <div class="user-area">
            {move || failed.get().map(|text| view! { <span class="user-error" role="alert">{text}</span> })}
            <span class="user-who" title=user.email.clone() data-testid="user-who">
                {format!("{} · {}", user.name, user.role.as_str())}
            </span>
            <button type="button" class="btn btn-secondary btn-small" data-testid="sign-out"
                disabled=move || sending.get() on:click=sign_out>
                "Sign out"
            </button>
        </div>
    }
}
