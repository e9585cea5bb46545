//! `AppState`: what every handler can reach.

use std::sync::Arc;

use axum::extract::FromRef;

use crate::auth::SharedSettings;
use crate::clock::Clock;
use crate::delivery::Delivery;
use crate::runner::Runner;
use crate::store::Store;
use crate::web::Console;

/// What every handler can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub console: Console,
    pub runner: Arc<Runner>,
    pub delivery: Arc<Delivery>,
    /// Sessions, hosts and sign-in limits.
    pub auth: SharedSettings,
}

/// The host check needs only the auth settings.
impl FromRef<AppState> for SharedSettings {
    fn from_ref(state: &AppState) -> SharedSettings {
        state.auth.clone()
    }
}

/// The console's handler needs only its files.
impl FromRef<AppState> for Console {
    fn from_ref(state: &AppState) -> Console {
        state.console.clone()
    }
}
