//! `performance.mark` names the benchmarks can read:
//! - `journeys-list-rendered`: the journeys list shows its rows (or its empty state);
//! - `summary-numbers-shown`: the summary shows numbers computed by the rules crate;
//! - the measure `plan-activation`: one call of the rules crate's `plan_activation` in wasm.

pub const LIST_RENDERED: &str = "journeys-list-rendered";
pub const SUMMARY_SHOWN: &str = "summary-numbers-shown";
pub const PLAN_COMPUTED: &str = "plan-activation";

pub fn mark(name: &str) {
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.mark(name);
    }
}

/// Runs `f` between the marks `{name}-start` and `{name}-end` and records the span as the
/// measure `name`, so a benchmark can read how long it took in the browser.
pub fn measure<T>(name: &str, f: impl FnOnce() -> T) -> T {
    let performance = web_sys::window().and_then(|w| w.performance());
    let (start, end) = (format!("{name}-start"), format!("{name}-end"));
    if let Some(p) = &performance {
        let _ = p.mark(&start);
    }
    let value = f();
    if let Some(p) = &performance {
        let _ = p.mark(&end);
        let _ = p.measure_with_start_mark_and_end_mark(name, &start, &end);
    }
    value
}
