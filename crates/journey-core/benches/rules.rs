//! Figures for the rules: prints timings and sizes, asserts no timing.
//! Run: `cargo bench -p journey-core` (or `cargo run --release --bench rules -p journey-core`).

use std::hint::black_box;
use std::time::Instant;

use jiff::civil::{date, time};
use journey_core::plan::{ActivationMode, WaitHandling, plan_activation};
use journey_core::release::{ReleasePolicy, volume};
use journey_core::samples;
use journey_core::schedule::{Frequency, MonthDay, Schedule, ScheduleEnd, Weekday};
use journey_core::zone::Zone;

fn per_call(label: &str, iterations: u32, mut f: impl FnMut()) {
    f(); // warm up
    let start = Instant::now();
    for _ in 0..iterations {
        f();
    }
    let each = start.elapsed() / iterations;
    println!("{label:<58} {each:>12.2?}");
}

fn main() {
    let ny = Zone::bundled("America/New_York").unwrap();
    let t = ny.to_instant(date(2026, 3, 7).at(12, 0, 0, 0)).unwrap();
    let schedules = [
        (
            "daily 02:30 (DST gap)",
            Schedule::Recurring {
                frequency: Frequency::Daily,
                time_of_day: time(2, 30, 0, 0),
                start_date: date(2025, 1, 1),
                end: ScheduleEnd::Never,
            },
        ),
        (
            "weekly Mon+Thu 09:00",
            Schedule::Recurring {
                frequency: Frequency::Weekly { days: vec![Weekday::Monday, Weekday::Thursday] },
                time_of_day: time(9, 0, 0, 0),
                start_date: date(2025, 1, 1),
                end: ScheduleEnd::Never,
            },
        ),
        (
            "monthly on the 31st 10:00",
            Schedule::Recurring {
                frequency: Frequency::Monthly { day: MonthDay::Day(31) },
                time_of_day: time(10, 0, 0, 0),
                start_date: date(2025, 1, 1),
                end: ScheduleEnd::Never,
            },
        ),
        (
            "every 6 hours",
            Schedule::Recurring {
                frequency: Frequency::EveryHours { hours: 6 },
                time_of_day: time(8, 0, 0, 0),
                start_date: date(2025, 1, 1),
                end: ScheduleEnd::Never,
            },
        ),
    ];
    println!("== next run (America/New_York)");
    for (label, s) in &schedules {
        per_call(&format!("next run, {label}: one call"), 20_000, || {
            black_box(s.next_run_after(&ny, black_box(t), 0));
        });
        per_call(&format!("next run, {label}: 1,000 consecutive runs"), 50, || {
            black_box(s.next_runs_after(&ny, black_box(t), 0, 1_000));
        });
    }

    println!("== plan for a 50-step journey (20 wait nodes, every bucket filled, 10M contacts)");
    let def = samples::long_journey("America/New_York", 50);
    let snapshot = samples::simulated_snapshot(def, ny.clone(), 10_000_000);
    let at = snapshot.taken_at + jiff::SignedDuration::from_mins(300);
    for mode in [ActivationMode::Resume, ActivationMode::Restart] {
        per_call(&format!("plan_activation, {}", mode.label()), 2_000, || {
            black_box(plan_activation(&snapshot, black_box(at), mode, WaitHandling::KeepDeadlines).unwrap());
        });
    }
    // The summary redraws the volume on every pace change; the plan beside it is the baseline.
    println!("== volume preview, same journey (baseline: plan_activation, Resume, above)");
    let plan = plan_activation(&snapshot, at, ActivationMode::Resume, WaitHandling::KeepDeadlines).unwrap();
    for policy in [ReleasePolicy::AllAtOnce, ReleasePolicy::SpreadOver { hours: 3 }, ReleasePolicy::PerHour { limit: 100_000 }] {
        per_call(&format!("volume, {}", policy.describe()), 2_000, || {
            black_box(volume(&snapshot, &plan, black_box(policy)));
        });
    }
    // Worst case for the stale-message guard: every send guarded at 7 days, every wait node's
    // overdue deadlines spread over all 10,080 minutes of the histogram.
    let mut guarded = snapshot.clone();
    for n in &mut guarded.definition.nodes {
        if matches!(n.kind, journey_core::journey::NodeKind::Send { .. }) {
            n.stale_after_minutes = Some(journey_core::journey::MAX_STALE_MINUTES);
        }
    }
    guarded.stale_horizon_minutes = journey_core::journey::MAX_STALE_MINUTES;
    for w in &mut guarded.waits {
        // The overdue deadlines, as many per minute as they go.
        let minutes = u64::from(journey_core::journey::MAX_STALE_MINUTES);
        let (each, rest) = (w.due_by_taken_at / minutes, w.due_by_taken_at % minutes);
        w.late_per_minute = (0..minutes).map(|m| (m as u32, each + u64::from(m < rest))).filter(|(_, c)| *c > 0).collect();
        w.late_older = 0;
    }
    let guarded_plan = plan_activation(&guarded, at, ActivationMode::Resume, WaitHandling::KeepDeadlines).unwrap();
    per_call("volume, spread over 3 hours, every send guarded, full histograms", 20, || {
        black_box(volume(&guarded, &guarded_plan, black_box(ReleasePolicy::SpreadOver { hours: 3 })));
    });
    println!(
        "{:<58} {:>12}",
        "snapshot JSON bytes: without / with the full histograms",
        format!("{} / {}", serde_json::to_vec(&snapshot).unwrap().len(), serde_json::to_vec(&guarded).unwrap().len())
    );

    let json = serde_json::to_string(&snapshot).unwrap();
    per_call("snapshot JSON parse (incl. TZif)", 200, || {
        black_box(serde_json::from_str::<journey_core::snapshot::JourneySnapshot>(&json).unwrap());
    });

    println!("== snapshot size (JSON bytes)");
    println!("{:<14} {:>22} {:>26}", "contacts", "5-step (1 wait node)", "50-step (20 wait nodes)");
    for contacts in [1_000u64, 1_000_000, 10_000_000] {
        let small =
            samples::simulated_snapshot(samples::onboarding("America/New_York", samples::daily_at_14()), ny.clone(), contacts);
        let large = samples::simulated_snapshot(samples::long_journey("America/New_York", 50), ny.clone(), contacts);
        println!(
            "{:<14} {:>22} {:>26}",
            contacts,
            serde_json::to_vec(&small).unwrap().len(),
            serde_json::to_vec(&large).unwrap().len()
        );
    }
    println!("== TZif bytes per zone (base64 in the snapshot adds a third)");
    for name in ["UTC", "Asia/Kolkata", "America/New_York", "Europe/Berlin", "Australia/Sydney", "America/Sao_Paulo"] {
        println!("{name:<20} {:>6}", journey_core::zone::tzif_bytes(name).unwrap().len());
    }
}
