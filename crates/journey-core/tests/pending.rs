//! Activations that wait (`journey_core::pending`): the instant a person picks, read with the
//! journey's DST rule; plans on a snapshot projected to a later instant (next runs exact
//! across the clock changes, counts labelled a projection); the drift guard's verdict; the
//! approval threshold; what changed since a request. Shared: native and headless Chromium.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use jiff::civil::{date, time};
use jiff::{SignedDuration, Timestamp};
use journey_core::journey::*;
use journey_core::pending::*;
use journey_core::plan::*;
use journey_core::release::{ReleasePolicy, volume};
use journey_core::samples;
use journey_core::schedule::{Frequency, Schedule, ScheduleEnd, Weekday};
use journey_core::snapshot::*;
use journey_core::zone::Zone;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[test]
fn a_chosen_local_time_in_a_gap_runs_at_the_end_of_the_gap_and_a_repeated_one_at_the_first() {
    // (zone, local date-time, instant, local time it runs at, note's start)
    let cases: [(&str, jiff::civil::DateTime, &str, jiff::civil::Time, Option<&str>); 6] = [
        ("Europe/Berlin", date(2026, 10, 26).at(9, 0, 0, 0), "2026-10-26T08:00:00Z", time(9, 0, 0, 0), None),
        ("Europe/Berlin", date(2026, 10, 23).at(9, 0, 0, 0), "2026-10-23T07:00:00Z", time(9, 0, 0, 0), None),
        (
            "Europe/Berlin",
            date(2026, 3, 29).at(2, 30, 0, 0),
            "2026-03-29T01:00:00Z",
            time(3, 0, 0, 0),
            Some("02:30 does not exist"),
        ),
        (
            "Europe/Berlin",
            date(2026, 10, 25).at(2, 30, 0, 0),
            "2026-10-25T00:30:00Z",
            time(2, 30, 0, 0),
            Some("02:30 happens twice"),
        ),
        // Sydney springs forward 02:00 -> 03:00 on 4 October 2026.
        (
            "Australia/Sydney",
            date(2026, 10, 4).at(2, 15, 0, 0),
            "2026-10-03T16:00:00Z",
            time(3, 0, 0, 0),
            Some("02:15 does not exist"),
        ),
        // Santiago's clocks jump at midnight (00:00 -> 01:00) on 6 September 2026.
        (
            "America/Santiago",
            date(2026, 9, 6).at(0, 0, 0, 0),
            "2026-09-06T04:00:00Z",
            time(1, 0, 0, 0),
            Some("00:00 does not exist"),
        ),
    ];
    for (zone, local, instant, runs_at, note) in cases {
        let zone = Zone::bundled(zone).unwrap();
        let chosen = choose_instant(&zone, local).unwrap();
        assert_eq!(chosen.at, ts(instant), "{} {local}", zone.name());
        assert_eq!(zone.to_local(chosen.at).time(), runs_at, "{} {local}", zone.name());
        match note {
            Some(start) => assert!(chosen.note.as_deref().unwrap().starts_with(start), "{:?}", chosen.note),
            None => assert_eq!(chosen.note, None),
        }
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[test]
fn an_instant_must_be_in_the_future_and_at_most_ninety_days_ahead() {
    let now = ts("2026-11-26T10:00:00Z");
    assert_eq!(check_run_at(now, now), Err(ScheduleAtError::InThePast));
    assert_eq!(check_run_at(now + SignedDuration::from_secs(1), now), Ok(()));
    assert_eq!(check_run_at(now + SignedDuration::from_hours(90 * 24), now), Ok(()));
    assert_eq!(
        check_run_at(now + SignedDuration::from_hours(90 * 24) + SignedDuration::from_secs(1), now),
        Err(ScheduleAtError::TooFarAhead)
    );
}

/// The seed journey (welcome, wait 30 minutes, follow-up), daily at `at` in Berlin, paused
/// on Thu 22 Oct 2026 at 12:10 UTC with `waiting` contacts whose waits end at the deadlines
/// given, and `newcomers` who never entered.
fn berlin_snapshot(
    schedule: Schedule,
    taken_at: Timestamp,
    projected_from: Option<Timestamp>,
    deadlines: &[(Timestamp, u64)],
    newcomers: u64,
) -> JourneySnapshot {
    let zone = Zone::bundled("Europe/Berlin").unwrap();
    let mut def = samples::onboarding("Europe/Berlin", schedule);
    let next = |id: &str| Some(NodeId::new(id));
    def.nodes = vec![
        Node::new("welcome", NodeKind::Send { channel: Channel::Email, template: "welcome".into(), next: next("wait") }),
        Node::new("wait", NodeKind::Wait { minutes: 30, next: next("followup") }),
        Node::new("followup", NodeKind::Send { channel: Channel::Sms, template: "followup".into(), next: None }),
    ];
    let frozen_at = ts("2026-10-22T12:10:00Z");
    let mut s = samples::paused_snapshot(def.clone(), zone, taken_at, frozen_at);
    let wait = def.nodes.iter().find(|n| matches!(n.kind, NodeKind::Wait { .. })).unwrap().id.clone();
    let mut b = WaitDeadlinesBuilder::new(wait.clone(), taken_at, Some(frozen_at), DEFAULT_HORIZON_MINUTES);
    let mut waiting = 0;
    for (deadline, n) in deadlines {
        b.add(*deadline, *n);
        waiting += n;
    }
    s.waits = vec![b.build()];
    s.nodes = vec![NodeCount { node: wait, count: waiting }];
    s.audience = AudienceCounts {
        subscribed: waiting + newcomers,
        never_entered: newcomers,
        in_flight: waiting,
        ..AudienceCounts::default()
    };
    s.projected_from = projected_from;
    s
}

fn daily_nine() -> Schedule {
    Schedule::Recurring {
        frequency: Frequency::Daily,
        time_of_day: time(9, 0, 0, 0),
        start_date: date(2026, 10, 1),
        end: ScheduleEnd::Never,
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[test]
fn a_plan_projected_to_monday_counts_the_waits_ended_by_then_and_lists_exact_runs_across_the_clock_change() {
    let now = ts("2026-10-22T12:10:00Z");
    let monday = ts("2026-10-26T08:00:00Z"); // 09:00 CET, the day after the clocks went back
    // Waits ending Thursday, Saturday and Tuesday: beyond today's 12-hour horizon but known.
    let deadlines = [(ts("2026-10-22T13:00:00Z"), 5), (ts("2026-10-24T10:00:00Z"), 7), (ts("2026-10-27T10:00:00Z"), 11)];
    // Today's snapshot cannot plan Monday: that is what the projection is for.
    let today = berlin_snapshot(daily_nine(), now, None, &deadlines, 40);
    assert_eq!(
        plan_activation(&today, monday, ActivationMode::Resume, WaitHandling::KeepDeadlines),
        Err(PlanError::StaleSnapshot { valid_until: today.valid_until() })
    );
    let projected = berlin_snapshot(daily_nine(), monday, Some(now), &deadlines, 40);
    let plan = plan_activation(&projected, monday, ActivationMode::Resume, WaitHandling::KeepDeadlines).unwrap();
    assert_eq!(plan.projected_from, Some(now), "labelled a projection");
    assert_eq!(plan.overdue, 12, "the waits ended by Monday 09:00");
    assert_eq!(plan.entering, Some(40));
    assert_eq!(recipients(&plan), 52);
    // 09:00 every day: CET now, exactly an hour later in UTC than the week before.
    assert_eq!(plan.next_run, NextRun::At { at: ts("2026-10-27T08:00:00Z") });
    assert_eq!(plan.following_runs[0], ts("2026-10-28T08:00:00Z"));
    // Projected to Saturday, before the clocks go back: 09:00 CEST is 07:00 UTC, and the
    // following runs cross the change.
    let saturday = ts("2026-10-24T07:00:00Z");
    let projected = berlin_snapshot(daily_nine(), saturday, Some(now), &deadlines, 40);
    let plan = plan_activation(&projected, saturday, ActivationMode::Resume, WaitHandling::KeepDeadlines).unwrap();
    assert_eq!(plan.overdue, 5);
    assert_eq!(plan.next_run, NextRun::At { at: ts("2026-10-25T08:00:00Z") }, "Sunday 09:00 CET");
    assert_eq!(plan.following_runs[0], ts("2026-10-26T08:00:00Z"));
    // The figures kept with a request say it was projected.
    let v = volume(&projected, &plan, ReleasePolicy::AllAtOnce);
    let figures = PlanFigures::of(&plan, &v);
    assert_eq!((figures.projected_from, figures.recipients, figures.next_run), (Some(now), 45, Some(ts("2026-10-25T08:00:00Z"))));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[test]
fn a_weekly_monday_run_projected_across_the_spring_change_stays_at_nine_local() {
    let schedule = Schedule::Recurring {
        frequency: Frequency::Weekly { days: vec![Weekday::Monday] },
        time_of_day: time(9, 0, 0, 0),
        start_date: date(2026, 3, 1),
        end: ScheduleEnd::Never,
    };
    let now = ts("2026-03-25T12:00:00Z");
    let zone = Zone::bundled("Europe/Berlin").unwrap();
    let at = choose_instant(&zone, date(2026, 3, 27).at(18, 0, 0, 0)).unwrap().at; // Friday, CET
    let mut s = samples::paused_snapshot(samples::onboarding("Europe/Berlin", schedule), zone, at, ts("2026-03-20T12:00:00Z"));
    s.projected_from = Some(now);
    let plan = plan_activation(&s, at, ActivationMode::Resume, WaitHandling::KeepDeadlines).unwrap();
    // Monday 30 March is in CEST (UTC+2): 07:00 UTC; the Monday before would have been 08:00.
    assert_eq!(plan.next_run, NextRun::At { at: ts("2026-03-30T07:00:00Z") });
    assert_eq!(plan.projected_from, Some(now));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[test]
fn the_drift_guard_holds_only_beyond_its_percentage_either_way() {
    let guard = DriftGuard { percent: 20 };
    // (projected, actual, holds, tenths of a percent)
    let cases = [
        (1_000, 800, false, Some(200)), // exactly 20% fewer: within
        (1_000, 799, true, Some(201)),  // 20.1% fewer
        (1_000, 1_200, false, Some(200)),
        (1_000, 1_201, true, Some(201)),
        (1_000, 700, true, Some(300)), // 30% unsubscribed
        (3, 2, true, Some(333)),
        (0, 0, false, None),
        (0, 1, true, None),
        (u64::MAX, u64::MAX, false, Some(0)),
        (u64::MAX, 0, true, Some(1000)),
    ];
    for (projected, actual, holds, tenths) in cases {
        let drift = guard.judge(projected, actual);
        assert_eq!((drift.holds, drift.tenths_of_percent()), (holds, tenths), "{projected} -> {actual}");
    }
    assert_eq!(
        guard.judge(1_000, 799).sentence(),
        "1,000 recipients were projected and 799 are there now (20.1% fewer), more than the 20% allowed."
    );
    assert_eq!(
        DriftGuard { percent: 20 }.judge(1_000, 1_250).sentence(),
        "1,000 recipients were projected and 1,250 are there now (25% more), more than the 20% allowed."
    );
    assert_eq!(
        DriftGuard { percent: 20 }.judge(1_000, 900).sentence(),
        "1,000 recipients were projected and 900 are there now (10% fewer), within the 20% allowed."
    );
    assert!(DriftGuard { percent: 0 }.check().is_err());
    assert!(DriftGuard { percent: 101 }.check().is_err());
    assert!(DriftGuard { percent: 100 }.check().is_ok());
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[test]
fn approval_is_needed_strictly_above_the_threshold_of_the_first_hour() {
    let s = berlin_snapshot(daily_nine(), ts("2026-10-22T14:00:00Z"), None, &[(ts("2026-10-22T13:00:00Z"), 500)], 0);
    let plan = plan_activation(&s, s.taken_at, ActivationMode::Resume, WaitHandling::KeepDeadlines).unwrap();
    let all = volume(&s, &plan, ReleasePolicy::AllAtOnce);
    assert_eq!(first_hour(&all), 500);
    assert_eq!(approval_needed(Some(499), &all), Some(ApprovalNeed { first_hour: 500, threshold: 499, at_least: false }));
    assert_eq!(approval_needed(Some(500), &all), None);
    assert_eq!(approval_needed(None, &all), None);
    // Paced at 100 an hour, the first hour sends 100: no approval needed at 499.
    let paced = volume(&s, &plan, ReleasePolicy::PerHour { limit: 100 });
    assert_eq!(first_hour(&paced), 100);
    assert_eq!(approval_needed(Some(499), &paced), None);
    // A Restart enters everyone at once: 500 welcomes in the first hour.
    let plan = plan_activation(&s, s.taken_at, ActivationMode::Restart, WaitHandling::KeepDeadlines).unwrap();
    let restart = volume(&s, &plan, ReleasePolicy::AllAtOnce);
    assert_eq!(approval_needed(Some(100), &restart).map(|n| n.first_hour), Some(500));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[test]
fn the_changes_since_a_request_list_each_figure_that_moved() {
    let zone = Zone::bundled("Europe/Berlin").unwrap();
    let deadlines = [(ts("2026-10-22T13:00:00Z"), 5)];
    let at = ts("2026-10-22T14:00:00Z");
    let asked = berlin_snapshot(daily_nine(), at, None, &deadlines, 40);
    let plan = plan_activation(&asked, at, ActivationMode::Resume, WaitHandling::KeepDeadlines).unwrap();
    let before = PlanFigures::of(&plan, &volume(&asked, &plan, ReleasePolicy::AllAtOnce));
    // Nothing moved: nothing to highlight.
    assert_eq!(before.changes_since(&before, &zone), vec![]);
    // An hour later 12 of the newcomers unsubscribed; the next run is the same.
    let later = ts("2026-10-22T15:00:00Z");
    let mut now_snapshot = berlin_snapshot(daily_nine(), later, None, &deadlines, 28);
    now_snapshot.audience.suppressed = 12;
    let plan = plan_activation(&now_snapshot, later, ActivationMode::Resume, WaitHandling::KeepDeadlines).unwrap();
    let after = PlanFigures::of(&plan, &volume(&now_snapshot, &plan, ReleasePolicy::AllAtOnce));
    let changes: Vec<(String, String, String)> =
        after.changes_since(&before, &zone).into_iter().map(|c| (c.label, c.before, c.after)).collect();
    assert_eq!(
        changes,
        vec![
            ("Recipients".into(), "45".into(), "33".into()),
            ("Entering".into(), "40".into(), "28".into()),
            ("Suppressed (unsubscribed)".into(), "0".into(), "12".into()),
        ]
    );
}
