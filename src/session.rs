//! Who is signed in, for the whole console.
//!
//! [`SessionProvider`] asks `GET /api/me` once when the console opens (and, opened on the
//! journeys list, that list's rows at the same time) and provides a [`Session`] to every page;
//! [`SessionKnown`] shows the routes once the answer is in. Every page but sign-in needs
//! someone signed in. Whenever any request answers 401
//! `unauthenticated` (nobody signed in, or a session that expired while a page was open), the
//! person goes to the sign-in page with `next` set to the page they were on, path and query,
//! and comes back to it once signed in. What a page needs to survive that trip is in its URL
//! or in `sessionStorage` (the summary's idempotency keys, see `stored_activation`).
//!
//! Roles: [`refusal`] tells a button whether the signed-in person may use it, by
//! `Role::may`, the server's own rule.

use crate::api::{self, ApiError};
use crate::components::remote::{ErrorPanel, Loading};
use crate::routes::{SIGN_IN_PATH, first_list_tab, sign_in_url, use_search, use_tab};
use journey_core::access::Role;
use journey_core::api::UserView;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_location, use_navigate};

/// Where the console stands with the server about who is using it.
#[derive(Clone, Debug, PartialEq)]
pub enum SessionState {
    /// `GET /api/me` has not answered yet.
    Checking,
    /// Someone is signed in.
    SignedIn(UserView),
    /// Nobody is (or the session ended).
    SignedOut,
    /// `GET /api/me` failed for another reason, e.g. the server cannot be reached.
    CheckFailed(ApiError),
}

/// The signed-in person, shared with every page through context.
#[derive(Clone, Copy)]
pub struct Session(pub RwSignal<SessionState>);

impl Session {
    /// A session in `state`, provided to the components below (tests start from any state).
    pub fn provide(state: SessionState) -> Session {
        let session = Session(RwSignal::new(state));
        provide_context(session);
        session
    }

    /// The signed-in person, if any.
    pub fn user(self) -> Option<UserView> {
        self.0.with(|s| match s {
            SessionState::SignedIn(user) => Some(user.clone()),
            _ => None,
        })
    }

    /// The signed-in person's id, read without tracking: what a page compares once with who
    /// asked for something (it does not change while the page is open).
    pub fn user_id(self) -> Option<u64> {
        self.0.with_untracked(|s| match s {
            SessionState::SignedIn(user) => Some(user.id),
            _ => None,
        })
    }

    /// Asks the server who is signed in.
    pub fn check(self) {
        self.0.set(SessionState::Checking);
        leptos::task::spawn_local(async move {
            let state = match api::me().await {
                Ok(me) => SessionState::SignedIn(me.user),
                Err(e) if e.is_unauthenticated() => SessionState::SignedOut,
                Err(e) => SessionState::CheckFailed(e),
            };
            if !matches!(state, SessionState::SignedIn(_)) {
                api::forget_early();
            }
            self.0.set(state);
        });
    }
}

/// The path and query of the page now open, to come back to after signing in.
fn current_page() -> String {
    let location = window().location();
    location.pathname().unwrap_or_default() + &location.search().unwrap_or_default()
}

/// Asks who is signed in, provides the [`Session`], and sends the person to sign in whenever
/// a request finds the session gone. Inside the router.
#[component]
pub fn SessionProvider(children: Children) -> impl IntoView {
    let session = Session::provide(SessionState::Checking);
    let navigate = use_navigate();
    api::on_unauthenticated(Some(Box::new(move || {
        session.0.set(SessionState::SignedOut);
        let here = current_page();
        if !here.starts_with(SIGN_IN_PATH) {
            navigate(&sign_in_url(&here), NavigateOptions { replace: true, ..Default::default() });
        }
    })));
    on_cleanup(|| api::on_unauthenticated(None));
    // The journeys list is the console's first screen: its rows are asked for with the session
    // check (one round trip instead of two in a row; asked first, so they are on their way
    // whatever the check costs), and the page takes that answer.
    let (tab, q) = (use_tab().get_untracked(), use_search().get_untracked());
    if let Some((tab, q)) = first_list_tab(&use_location().pathname.get_untracked(), tab, q) {
        api::ask_early(api::list_path(tab, &q));
    }
    session.check();
    children()
}

/// The routes, once the console knows whether someone is signed in: a quiet placeholder while
/// it asks, the error with Retry if the server cannot say. A signed-out person is on the
/// sign-in page by then (see [`SessionProvider`]), so no other page loads for them.
#[component]
pub fn SessionKnown(children: ChildrenFn) -> impl IntoView {
    let session = expect_context::<Session>();
    // Built once the answer comes; signing in or out later does not rebuild the routes.
    let phase = Memo::new(move |_| {
        session.0.with(|s| match s {
            SessionState::Checking => Err(None),
            SessionState::CheckFailed(e) => Err(Some(e.clone())),
            _ => Ok(()),
        })
    });
    move || match phase.get() {
        Ok(()) => children().into_any(),
        Err(Some(error)) => view! {
            <ErrorPanel error=Signal::stored(error) what="who is signed in" on_retry=Callback::new(move |_| session.check())/>
        }
        .into_any(),
        Err(None) => view! { <Loading label="Checking who is signed in…" rows=3/> }.into_any(),
    }
}

/// Why the signed-in person may not use what needs `needed`, as the sentence shown beside the
/// disabled button ("You are signed in as a viewer. Only operators and admins may do this.");
/// None when they may. Without a session (a component mounted alone) nothing is refused: the
/// server decides in the end anyway.
pub fn refusal(needed: Role) -> Signal<Option<String>> {
    let session = use_context::<Session>();
    Signal::derive(move || {
        let role = session?.user()?.role;
        (!role.may(needed)).then(|| format!("You are signed in as {}. {}", role.with_article(), needed.needed_sentence()))
    })
}

/// The sentence from [`refusal`], if any, with `id` for the buttons' `aria-describedby`.
#[component]
pub fn RoleNote(refusal: Signal<Option<String>>, id: &'static str) -> impl IntoView {
    move || refusal.get().map(|text| view! { <p class="role-note" id=id data-testid="role-note">{text}</p> })
}
