//! The frame around every screen: product bar and the Engage > Journey navigation.

use crate::routes::journeys_home;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Shell(children: Children) -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <div class="app">
            <header class="topbar">
                <span class="brand">
                    <span class="brand-mark" aria-hidden="true">"J"</span>
                    "Journey console"
                </span>
            </header>
            <div class="frame">
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
                </nav>
                <main id="main" class="main" tabindex="-1">{children()}</main>
            </div>
        </div>
    }
}
