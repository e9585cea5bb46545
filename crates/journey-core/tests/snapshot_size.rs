//! The snapshot's size does not grow with the number of contacts. Shared: native and
//! headless Chromium.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use journey_core::plan::{ActivationMode, WaitHandling, plan_activation};
use journey_core::samples;
use journey_core::zone::Zone;

/// The budget for a 50-step journey with 20 wait nodes, every per-minute bucket filled.
const BUDGET_50_STEPS: usize = 400 * 1024;
/// The budget for the 5-step onboarding journey (one wait node).
const BUDGET_ONBOARDING: usize = 24 * 1024;

fn size(def: journey_core::journey::JourneyDefinition, contacts: u64) -> usize {
    let zone = Zone::bundled(&def.time_zone.clone()).unwrap();
    let s = samples::simulated_snapshot(def, zone, contacts);
    s.check().unwrap();
    // The plan works on it.
    plan_activation(&s, s.taken_at, ActivationMode::Resume, WaitHandling::KeepDeadlines).unwrap();
    serde_json::to_vec(&s).unwrap().len()
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn snapshot_size_is_bounded_whatever_the_number_of_contacts() {
    let onboarding = || samples::onboarding("America/New_York", samples::daily_at_14());
    let long = || samples::long_journey("America/New_York", 50);
    let small: Vec<usize> = [1_000, 1_000_000, 10_000_000, 1_000_000_000].iter().map(|n| size(onboarding(), *n)).collect();
    let large: Vec<usize> = [1_000, 1_000_000, 10_000_000, 1_000_000_000].iter().map(|n| size(long(), *n)).collect();
    for s in &small {
        assert!(*s <= BUDGET_ONBOARDING, "{small:?}");
    }
    for s in &large {
        assert!(*s <= BUDGET_50_STEPS, "{large:?}");
    }
    // From a million contacts to a billion, only digits grow: at most 4 more per count
    // (about 750 counts in the onboarding snapshot).
    assert!(small[3] - small[1] <= 4 * 800, "{small:?}");
}
