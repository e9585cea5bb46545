//! `performance.mark` names the benchmarks can read:
//! - `journeys-list-rendered`: the journeys list shows its rows (or its empty state);
//! - `summary-numbers-shown`: the summary shows numbers computed by the rules crate.

pub const LIST_RENDERED: &str = "journeys-list-rendered";
pub const SUMMARY_SHOWN: &str = "summary-numbers-shown";

pub fn mark(name: &str) {
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.mark(name);
    }
}
