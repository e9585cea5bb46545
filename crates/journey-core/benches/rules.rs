//! Figures for the rules: prints timings and sizes, asserts no timing.
//! Run: `cargo bench -p journey-core` (or `cargo run --release --bench rules -p journey-core`).

use std::hint::black_box;
use std::time::Instant;

use jiff::civil::{date, time};
use journey_core::plan::{ActivationMode, WaitHandling, plan_activation};
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
