//! The viewer's clock as a signal that changes when the minute turns.

use jiff::Timestamp;
use leptos::prelude::*;
use std::time::Duration;

/// The current instant, updated at most once a minute (when the minute turns, checked every
/// second so a sleeping laptop or a throttled tab catches up at once).
pub fn use_minute_clock() -> ReadSignal<Timestamp> {
    let (now, set_now) = signal(crate::format::now());
    if let Ok(handle) = set_interval_with_handle(
        move || {
            let t = crate::format::now();
            let minute = |t: Timestamp| t.as_second().div_euclid(60);
            if minute(t) != minute(now.get_untracked()) {
                set_now.set(t);
            }
        },
        Duration::from_secs(1),
    ) {
        on_cleanup(move || handle.clear());
    }
    now
}
