//! The spec's worked examples (section 8) and the schedule, zone and plan vectors. Shared:
//! they run natively (`cargo test -p journey-core`) and in headless Chromium
//! (`cargo test -p journey-core --target wasm32-unknown-unknown`).

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use jiff::civil::{Date, DateTime, Time, date, time};
use jiff::{SignedDuration, Timestamp};
use journey_core::journey::*;
use journey_core::membership::Generation;
use journey_core::plan::*;
use journey_core::samples;
use journey_core::schedule::*;
use journey_core::snapshot::*;
use journey_core::state::JourneyState;
use journey_core::zone::Zone;

fn zone(name: &str) -> Zone {
    Zone::bundled(name).unwrap()
}

fn at(zone: &Zone, dt: DateTime) -> Timestamp {
    zone.to_instant(dt).unwrap()
}

fn recurring(frequency: Frequency, tod: Time, start: Date, end: ScheduleEnd) -> Schedule {
    Schedule::Recurring { frequency, time_of_day: tod, start_date: start, end }
}

fn daily(tod: Time) -> Schedule {
    recurring(Frequency::Daily, tod, date(2010, 1, 1), ScheduleEnd::Never)
}

fn locals(zone: &Zone, runs: &[Timestamp]) -> Vec<DateTime> {
    runs.iter().map(|t| zone.to_local(*t)).collect()
}

fn utc(runs: &[Timestamp]) -> Vec<String> {
    runs.iter().map(|t| t.to_string()).collect()
}

/// A paused snapshot of a sample journey with `schedule`, taken at `taken_at`, frozen a day
/// before.
fn snapshot(zone: &Zone, schedule: Schedule, taken_at: Timestamp, runs_done: u32) -> JourneySnapshot {
    let def = samples::onboarding(zone.name(), schedule);
    let frozen_at = taken_at - SignedDuration::from_hours(24);
    let mut s = samples::paused_snapshot(def, zone.clone(), taken_at, frozen_at);
    s.runs_done = runs_done;
    s
}

fn resume(s: &JourneySnapshot, t: Timestamp) -> ActivationPlan {
    plan_activation(s, t, ActivationMode::Resume, WaitHandling::KeepDeadlines).unwrap()
}

fn restart(s: &JourneySnapshot, t: Timestamp) -> ActivationPlan {
    plan_activation(s, t, ActivationMode::Restart, WaitHandling::KeepDeadlines).unwrap()
}

// ---- Spec section 8 ----------------------------------------------------------------------

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn spec8_daily_kolkata_resume_at_run_time() {
    let z = zone("Asia/Kolkata");
    let t = at(&z, date(2026, 1, 1).at(14, 0, 0, 0));
    let plan = resume(&snapshot(&z, daily(time(14, 0, 0, 0)), t, 10), t);
    assert_eq!(plan.next_run, NextRun::At { at: at(&z, date(2026, 1, 2).at(14, 0, 0, 0)) });
    assert_eq!(locals(&z, &plan.following_runs[..2]), [date(2026, 1, 3).at(14, 0, 0, 0), date(2026, 1, 4).at(14, 0, 0, 0)]);
    assert!(plan.following_runs.len() >= 5);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn spec8_daily_kolkata_restart_runs_now_then_tomorrow() {
    let z = zone("Asia/Kolkata");
    let t = at(&z, date(2026, 1, 1).at(14, 0, 0, 0));
    let plan = restart(&snapshot(&z, daily(time(14, 0, 0, 0)), t, 10), t);
    assert_eq!(plan.next_run, NextRun::Immediately { at: t });
    assert_eq!(plan.following_runs[0], at(&z, date(2026, 1, 2).at(14, 0, 0, 0)));
    assert_eq!(plan.next_scheduled_run, Some(plan.following_runs[0]));
    assert_eq!(plan.following_runs.len(), FOLLOWING_RUNS);
    assert_eq!(plan.runs_done, 1);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn spec8_daily_kolkata_resume_a_minute_before() {
    let z = zone("Asia/Kolkata");
    let t = at(&z, date(2026, 1, 1).at(13, 59, 0, 0));
    let plan = resume(&snapshot(&z, daily(time(14, 0, 0, 0)), t, 10), t);
    assert_eq!(plan.next_run, NextRun::At { at: at(&z, date(2026, 1, 1).at(14, 0, 0, 0)) });
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn spec8_daily_new_york_gap() {
    let z = zone("America/New_York");
    let t = at(&z, date(2026, 3, 7).at(12, 0, 0, 0));
    let plan = resume(&snapshot(&z, daily(time(2, 30, 0, 0)), t, 10), t);
    let next = plan.next_run.instant().unwrap();
    assert_eq!(z.to_local(next), date(2026, 3, 8).at(3, 0, 0, 0));
    assert_eq!(next.to_string(), "2026-03-08T07:00:00Z"); // 03:00 EDT
    assert_eq!(z.to_local(plan.following_runs[0]), date(2026, 3, 9).at(2, 30, 0, 0));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn spec8_weekly_berlin() {
    let z = zone("Europe/Berlin");
    let s = recurring(
        Frequency::Weekly { days: vec![Weekday::Monday, Weekday::Thursday] },
        time(9, 0, 0, 0),
        date(2026, 1, 1),
        ScheduleEnd::Never,
    );
    let t = at(&z, date(2026, 6, 4).at(9, 0, 0, 0));
    let plan = resume(&snapshot(&z, s, t, 10), t);
    assert_eq!(z.to_local(plan.next_run.instant().unwrap()), date(2026, 6, 8).at(9, 0, 0, 0));
    assert_eq!(z.to_local(plan.following_runs[0]), date(2026, 6, 11).at(9, 0, 0, 0));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn spec8_monthly_31_utc() {
    let z = zone("UTC");
    let s = recurring(Frequency::Monthly { day: MonthDay::Day(31) }, time(10, 0, 0, 0), date(2025, 1, 1), ScheduleEnd::Never);
    let t = at(&z, date(2026, 2, 1).at(0, 0, 0, 0));
    let plan = resume(&snapshot(&z, s, t, 10), t);
    assert_eq!(z.to_local(plan.next_run.instant().unwrap()), date(2026, 2, 28).at(10, 0, 0, 0));
    assert_eq!(
        locals(&z, &plan.following_runs[..3]),
        [date(2026, 3, 31).at(10, 0, 0, 0), date(2026, 4, 30).at(10, 0, 0, 0), date(2026, 5, 31).at(10, 0, 0, 0)]
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn spec8_once_past_resume_and_restart() {
    let z = zone("UTC");
    let once = Schedule::Once { at: date(2026, 1, 10).at(8, 0, 0, 0) };
    let t = at(&z, date(2026, 1, 20).at(8, 0, 0, 0));
    let s = snapshot(&z, once, t, 1);
    let plan = resume(&s, t);
    assert_eq!(plan.next_run, NextRun::NoFurtherRuns { reason: NoRunReason::OnceAlreadyRan });
    assert!(plan.following_runs.is_empty());
    assert_eq!(plan.next_scheduled_run, None);
    assert_eq!(plan.entering, Some(0));
    assert!(
        plan.warnings.contains(&Warning::NoFurtherRuns { reason: NoRunReason::OnceAlreadyRan, mode: ActivationMode::Resume })
    );

    let plan = restart(&s, t);
    assert_eq!(plan.next_run, NextRun::Immediately { at: t });
    assert!(plan.following_runs.is_empty());
    assert_eq!(plan.next_scheduled_run, None);
    assert!(plan.warnings.iter().all(|w| !matches!(w, Warning::NoFurtherRuns { .. })));
}

// ---- Zones: DST gap and overlap ------------------------------------------------------------

/// (year, month, day, hour, minute)
type Local = (i16, i8, i8, i8, i8);

/// (zone, local date-time, expected local date-time of the run, expected UTC instant)
const DST_VECTORS: &[(&str, Local, Local, &str)] = &[
    // Gaps: the run is at the end of the gap.
    ("America/New_York", (2026, 3, 8, 2, 30), (2026, 3, 8, 3, 0), "2026-03-08T07:00:00Z"),
    ("Europe/Berlin", (2026, 3, 29, 2, 30), (2026, 3, 29, 3, 0), "2026-03-29T01:00:00Z"),
    ("Australia/Sydney", (2026, 10, 4, 2, 30), (2026, 10, 4, 3, 0), "2026-10-03T16:00:00Z"),
    // Sao Paulo's historic DST started at midnight: 00:30 did not exist on 4 Nov 2018.
    ("America/Sao_Paulo", (2018, 11, 4, 0, 30), (2018, 11, 4, 1, 0), "2018-11-04T03:00:00Z"),
    // Lord Howe jumps only 30 minutes: 02:00 -> 02:30.
    ("Australia/Lord_Howe", (2026, 10, 4, 2, 15), (2026, 10, 4, 2, 30), "2026-10-03T15:30:00Z"),
    // Overlaps: the earlier instant.
    ("America/New_York", (2026, 11, 1, 1, 30), (2026, 11, 1, 1, 30), "2026-11-01T05:30:00Z"),
    ("Europe/Berlin", (2026, 10, 25, 2, 30), (2026, 10, 25, 2, 30), "2026-10-25T00:30:00Z"),
    ("Australia/Sydney", (2026, 4, 5, 2, 30), (2026, 4, 5, 2, 30), "2026-04-04T15:30:00Z"),
    ("America/Sao_Paulo", (2019, 2, 16, 23, 30), (2019, 2, 16, 23, 30), "2019-02-17T01:30:00Z"),
    // Santiago changes at local midnight. 6 Sep 2026: 24:00 -04 -> 01:00 -03 (04:00 UTC), so
    // 00:30 does not exist and runs at 01:00 -03.
    ("America/Santiago", (2026, 9, 6, 0, 30), (2026, 9, 6, 1, 0), "2026-09-06T04:00:00Z"),
    // 4 Apr 2026: 24:00 -03 -> 23:00 -04 (03:00 UTC 5 Apr); 23:30 happens twice, the earlier is -03.
    ("America/Santiago", (2026, 4, 4, 23, 30), (2026, 4, 4, 23, 30), "2026-04-05T02:30:00Z"),
    // Casablanca leaves +01 for +00 during Ramadan. 15 Feb 2026: 03:00 +01 -> 02:00 +00
    // (02:00 UTC); 02:30 happens twice, the earlier is +01.
    ("Africa/Casablanca", (2026, 2, 15, 2, 30), (2026, 2, 15, 2, 30), "2026-02-15T01:30:00Z"),
    // 22 Mar 2026: 02:00 +00 -> 03:00 +01 (02:00 UTC); 02:30 does not exist: 03:00 +01.
    ("Africa/Casablanca", (2026, 3, 22, 2, 30), (2026, 3, 22, 3, 0), "2026-03-22T02:00:00Z"),
    // After 2037 the rules come from the TZif's POSIX footer. 26 Mar 2045 (last Sunday of
    // March): 02:00 CET -> 03:00 CEST (01:00 UTC).
    ("Europe/Berlin", (2045, 3, 26, 2, 30), (2045, 3, 26, 3, 0), "2045-03-26T01:00:00Z"),
    // 5 Nov 2045 (first Sunday of November): 02:00 EDT -> 01:00 EST (06:00 UTC); 01:30 EDT first.
    ("America/New_York", (2045, 11, 5, 1, 30), (2045, 11, 5, 1, 30), "2045-11-05T05:30:00Z"),
    // Unambiguous.
    ("Asia/Kolkata", (2026, 1, 1, 14, 0), (2026, 1, 1, 14, 0), "2026-01-01T08:30:00Z"),
];

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn dst_gap_and_overlap_in_several_zones() {
    for &(name, (y, mo, d, h, mi), (ey, emo, ed, eh, emi), utc) in DST_VECTORS {
        let z = zone(name);
        let ts = at(&z, date(y, mo, d).at(h, mi, 0, 0));
        assert_eq!(ts.to_string(), utc, "{name} {y}-{mo}-{d} {h}:{mi}");
        assert_eq!(z.to_local(ts), date(ey, emo, ed).at(eh, emi, 0, 0), "{name}");
        // A daily schedule at that time runs at exactly that instant on that day.
        let s = daily(time(h, mi, 0, 0));
        let day_before = at(&z, date(y, mo, d).at(0, 0, 0, 0)) - SignedDuration::from_hours(12);
        let runs = s.next_runs_after(&z, day_before, 0, 3);
        assert!(runs.contains(&ts), "{name}: {runs:?} lacks {ts}");
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn daily_across_sydney_spring_forward() {
    let z = zone("Australia/Sydney");
    let s = daily(time(2, 30, 0, 0));
    let t = at(&z, date(2026, 10, 2).at(12, 0, 0, 0));
    let runs = locals(&z, &s.next_runs_after(&z, t, 0, 4));
    assert_eq!(
        runs,
        [
            date(2026, 10, 3).at(2, 30, 0, 0),
            date(2026, 10, 4).at(3, 0, 0, 0),
            date(2026, 10, 5).at(2, 30, 0, 0),
            date(2026, 10, 6).at(2, 30, 0, 0),
        ]
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn daily_in_the_new_york_overlap_runs_once() {
    let z = zone("America/New_York");
    let s = daily(time(1, 30, 0, 0));
    let t = at(&z, date(2026, 10, 31).at(12, 0, 0, 0));
    let runs = s.next_runs_after(&z, t, 0, 2);
    assert_eq!(runs[0].to_string(), "2026-11-01T05:30:00Z"); // 01:30 EDT, not 01:30 EST
    assert_eq!(runs[1].to_string(), "2026-11-02T06:30:00Z"); // 01:30 EST the next day
    // Resuming between the two 01:30s: the run is tomorrow, not the second 01:30.
    let between: Timestamp = "2026-11-01T06:00:00Z".parse().unwrap();
    assert_eq!(s.next_run_after(&z, between, 0), Some(runs[1]));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn daily_in_santiago_runs_at_the_midnight_transitions() {
    let z = zone("America/Santiago");
    // Spring forward, 6 Sep 2026: 24:00 -04 on the 5th is 01:00 -03 on the 6th (04:00 UTC).
    // 00:30 on the 5th is -04, on the 6th it does not exist (the transition), on the 7th -03.
    let s = daily(time(0, 30, 0, 0));
    let runs = s.next_runs_after(&z, at(&z, date(2026, 9, 4).at(12, 0, 0, 0)), 0, 3);
    assert_eq!(utc(&runs), ["2026-09-05T04:30:00Z", "2026-09-06T04:00:00Z", "2026-09-07T03:30:00Z"]);
    assert_eq!(
        locals(&z, &runs),
        [date(2026, 9, 5).at(0, 30, 0, 0), date(2026, 9, 6).at(1, 0, 0, 0), date(2026, 9, 7).at(0, 30, 0, 0)]
    );
    // Fall back, 4 Apr 2026: 24:00 -03 is 23:00 -04 (03:00 UTC on the 5th), so 23:30 on the
    // 4th happens twice: the run is the earlier (-03), once.
    let s = daily(time(23, 30, 0, 0));
    let runs = s.next_runs_after(&z, at(&z, date(2026, 4, 3).at(12, 0, 0, 0)), 0, 3);
    assert_eq!(utc(&runs), ["2026-04-04T02:30:00Z", "2026-04-05T02:30:00Z", "2026-04-06T03:30:00Z"]);
    // Resumed between the two 23:30s: the next run is the next day's.
    let between: Timestamp = "2026-04-05T03:00:00Z".parse().unwrap();
    assert_eq!(s.next_run_after(&z, between, 0), Some(runs[2]));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn daily_in_casablanca_across_ramadan_2026() {
    let z = zone("Africa/Casablanca");
    let s = daily(time(2, 30, 0, 0));
    // Ramadan starts: 15 Feb 2026 at 03:00 +01 is 02:00 +00 (02:00 UTC). 02:30 happens twice;
    // the run is the first, +01. The day after, 02:30 is +00.
    let runs = s.next_runs_after(&z, at(&z, date(2026, 2, 13).at(12, 0, 0, 0)), 0, 3);
    assert_eq!(utc(&runs), ["2026-02-14T01:30:00Z", "2026-02-15T01:30:00Z", "2026-02-16T02:30:00Z"]);
    // Ramadan ends: 22 Mar 2026 at 02:00 +00 is 03:00 +01 (02:00 UTC). 02:30 does not exist;
    // the run is at the transition, 03:00 +01. The day after, 02:30 is +01 again.
    let runs = s.next_runs_after(&z, at(&z, date(2026, 3, 20).at(12, 0, 0, 0)), 0, 3);
    assert_eq!(utc(&runs), ["2026-03-21T02:30:00Z", "2026-03-22T02:00:00Z", "2026-03-23T01:30:00Z"]);
    assert_eq!(
        locals(&z, &runs),
        [date(2026, 3, 21).at(2, 30, 0, 0), date(2026, 3, 22).at(3, 0, 0, 0), date(2026, 3, 23).at(2, 30, 0, 0)]
    );
}

// ---- Weekly and monthly -------------------------------------------------------------------

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn weekly_across_week_and_year_boundaries() {
    let z = zone("Europe/Berlin");
    let s = recurring(
        Frequency::Weekly { days: vec![Weekday::Friday, Weekday::Monday, Weekday::Friday] },
        time(9, 0, 0, 0),
        date(2026, 1, 1),
        ScheduleEnd::Never,
    );
    assert_eq!(s.describe(), "Every Monday and Friday at 09:00");
    // Thursday 31 Dec 2026, after 09:00.
    let t = at(&z, date(2026, 12, 31).at(10, 0, 0, 0));
    assert_eq!(
        locals(&z, &s.next_runs_after(&z, t, 0, 4)),
        [
            date(2027, 1, 1).at(9, 0, 0, 0),
            date(2027, 1, 4).at(9, 0, 0, 0),
            date(2027, 1, 8).at(9, 0, 0, 0),
            date(2027, 1, 11).at(9, 0, 0, 0),
        ]
    );
    // Sunday only, from a Monday.
    let sunday =
        recurring(Frequency::Weekly { days: vec![Weekday::Sunday] }, time(18, 0, 0, 0), date(2026, 1, 1), ScheduleEnd::Never);
    let t = at(&z, date(2026, 12, 28).at(0, 0, 0, 0));
    assert_eq!(z.to_local(sunday.next_run_after(&z, t, 0).unwrap()), date(2027, 1, 3).at(18, 0, 0, 0));
    // Every day of the week is described as every day.
    let all =
        recurring(Frequency::Weekly { days: Weekday::ALL.to_vec() }, time(7, 0, 0, 0), date(2026, 1, 1), ScheduleEnd::Never);
    assert_eq!(all.describe(), "Every day at 07:00");
    let three = recurring(
        Frequency::Weekly { days: vec![Weekday::Friday, Weekday::Wednesday, Weekday::Monday] },
        time(7, 0, 0, 0),
        date(2026, 1, 1),
        ScheduleEnd::Never,
    );
    assert_eq!(three.describe(), "Every Monday, Wednesday and Friday at 07:00");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn monthly_29_30_31_and_last_in_leap_and_common_years() {
    let z = zone("UTC");
    let monthly = |day| recurring(Frequency::Monthly { day }, time(10, 0, 0, 0), date(2026, 1, 1), ScheduleEnd::Never);
    let dates = |day, from: Date, n| -> Vec<Date> {
        let t = at(&z, from.at(0, 0, 0, 0));
        locals(&z, &monthly(day).next_runs_after(&z, t, 0, n)).iter().map(|d| d.date()).collect()
    };
    // Common year 2027.
    assert_eq!(dates(MonthDay::Day(29), date(2027, 1, 30), 2), [date(2027, 2, 28), date(2027, 3, 29)]);
    assert_eq!(dates(MonthDay::Day(30), date(2027, 1, 31), 2), [date(2027, 2, 28), date(2027, 3, 30)]);
    assert_eq!(
        dates(MonthDay::Day(31), date(2027, 1, 1), 5),
        [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30), date(2027, 5, 31)]
    );
    assert_eq!(dates(MonthDay::Last, date(2027, 1, 31), 3), [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31)]);
    // Leap year 2028.
    assert_eq!(dates(MonthDay::Day(29), date(2028, 2, 1), 2), [date(2028, 2, 29), date(2028, 3, 29)]);
    assert_eq!(dates(MonthDay::Day(30), date(2028, 2, 1), 1), [date(2028, 2, 29)]);
    assert_eq!(dates(MonthDay::Day(31), date(2028, 2, 1), 1), [date(2028, 2, 29)]);
    assert_eq!(dates(MonthDay::Last, date(2028, 2, 1), 2), [date(2028, 2, 29), date(2028, 3, 31)]);
    // Across the year.
    assert_eq!(dates(MonthDay::Day(15), date(2027, 12, 16), 2), [date(2028, 1, 15), date(2028, 2, 15)]);
    // The start date is respected: a schedule starting on 20 Jan runs first on 31 Jan.
    let s = recurring(Frequency::Monthly { day: MonthDay::Day(10) }, time(10, 0, 0, 0), date(2026, 1, 20), ScheduleEnd::Never);
    let t = at(&z, date(2025, 12, 1).at(0, 0, 0, 0));
    assert_eq!(z.to_local(s.next_run_after(&z, t, 0).unwrap()).date(), date(2026, 2, 10));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn weekly_after_2037_follows_the_zone_rules() {
    // Past the TZif's explicit transitions (2037) the rules come from its POSIX footer.
    let sundays = |h, m| {
        recurring(Frequency::Weekly { days: vec![Weekday::Sunday] }, time(h, m, 0, 0), date(2045, 1, 1), ScheduleEnd::Never)
    };
    let z = zone("Europe/Berlin");
    // 26 Mar 2045, the last Sunday of March: 02:00 CET -> 03:00 CEST (01:00 UTC). 02:30 runs
    // at 03:00; the Sundays around it are CET (+01) and CEST (+02).
    let runs = sundays(2, 30).next_runs_after(&z, at(&z, date(2045, 3, 13).at(0, 0, 0, 0)), 0, 3);
    assert_eq!(utc(&runs), ["2045-03-19T01:30:00Z", "2045-03-26T01:00:00Z", "2045-04-02T00:30:00Z"]);
    // 29 Oct 2045, the last Sunday of October: 03:00 CEST -> 02:00 CET (01:00 UTC). 02:30
    // happens twice; the run is the first, CEST.
    let runs = sundays(2, 30).next_runs_after(&z, at(&z, date(2045, 10, 20).at(0, 0, 0, 0)), 0, 3);
    assert_eq!(utc(&runs), ["2045-10-22T00:30:00Z", "2045-10-29T00:30:00Z", "2045-11-05T01:30:00Z"]);

    let z = zone("America/New_York");
    // 12 Mar 2045, the second Sunday of March: 02:00 EST -> 03:00 EDT (07:00 UTC).
    let runs = sundays(2, 30).next_runs_after(&z, at(&z, date(2045, 3, 1).at(0, 0, 0, 0)), 0, 3);
    assert_eq!(utc(&runs), ["2045-03-05T07:30:00Z", "2045-03-12T07:00:00Z", "2045-03-19T06:30:00Z"]);
    // 5 Nov 2045, the first Sunday of November: 02:00 EDT -> 01:00 EST (06:00 UTC). 01:30
    // happens twice; the run is the first, EDT.
    let runs = sundays(1, 30).next_runs_after(&z, at(&z, date(2045, 10, 25).at(0, 0, 0, 0)), 0, 3);
    assert_eq!(utc(&runs), ["2045-10-29T05:30:00Z", "2045-11-05T05:30:00Z", "2045-11-12T06:30:00Z"]);
}

// ---- Every N hours ------------------------------------------------------------------------

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn every_n_hours_counts_real_hours_across_dst() {
    let z = zone("America/New_York");
    let s = recurring(Frequency::EveryHours { hours: 6 }, time(8, 0, 0, 0), date(2026, 3, 7), ScheduleEnd::Never);
    assert_eq!(s.describe(), "Every 6 hours from 08:00");
    let t = at(&z, date(2026, 3, 1).at(0, 0, 0, 0));
    let runs = s.next_runs_after(&z, t, 0, 6);
    for w in runs.windows(2) {
        assert_eq!(w[1].duration_since(w[0]), SignedDuration::from_hours(6));
    }
    assert_eq!(
        locals(&z, &runs),
        [
            date(2026, 3, 7).at(8, 0, 0, 0),
            date(2026, 3, 7).at(14, 0, 0, 0),
            date(2026, 3, 7).at(20, 0, 0, 0),
            date(2026, 3, 8).at(3, 0, 0, 0), // 02:00 EST + 6 real hours lands after the jump
            date(2026, 3, 8).at(9, 0, 0, 0),
            date(2026, 3, 8).at(15, 0, 0, 0),
        ]
    );
    // From the middle: the next multiple strictly after T.
    let t = at(&z, date(2026, 3, 8).at(9, 0, 0, 0));
    assert_eq!(z.to_local(s.next_run_after(&z, t, 0).unwrap()), date(2026, 3, 8).at(15, 0, 0, 0));
    assert_eq!(
        recurring(Frequency::EveryHours { hours: 1 }, time(8, 0, 0, 0), date(2026, 3, 7), ScheduleEnd::Never).describe(),
        "Every hour from 08:00"
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn every_n_hours_counts_real_hours_across_the_fall_back() {
    // 1 Nov 2026 in New York: 02:00 EDT (06:00 UTC) becomes 01:00 EST; 01:00-02:00 happens twice.
    let z = zone("America/New_York");
    let every = |hours, h| recurring(Frequency::EveryHours { hours }, time(h, 30, 0, 0), date(2026, 10, 31), ScheduleEnd::Never);
    let edt = jiff::tz::Offset::constant(-4);
    let est = jiff::tz::Offset::constant(-5);

    // Every hour from 31 Oct 23:30 EDT (03:30 UTC on 1 Nov): one run per real hour, so the
    // wall clock shows 01:30 twice, first EDT then EST.
    let hourly = every(1, 23);
    let runs = hourly.next_runs_after(&z, at(&z, date(2026, 10, 31).at(23, 0, 0, 0)), 0, 5);
    assert_eq!(
        utc(&runs),
        ["2026-11-01T03:30:00Z", "2026-11-01T04:30:00Z", "2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z", "2026-11-01T07:30:00Z"]
    );
    assert_eq!(
        locals(&z, &runs),
        [
            date(2026, 10, 31).at(23, 30, 0, 0),
            date(2026, 11, 1).at(0, 30, 0, 0),
            date(2026, 11, 1).at(1, 30, 0, 0),
            date(2026, 11, 1).at(1, 30, 0, 0),
            date(2026, 11, 1).at(2, 30, 0, 0),
        ]
    );
    assert_eq!((z.time_zone().to_offset(runs[2]), z.time_zone().to_offset(runs[3])), (edt, est));
    // Resumed at the transition, between the two 01:30s: the next run is the second 01:30
    // (a daily 01:30 would run only the first).
    let between: Timestamp = "2026-11-01T06:00:00Z".parse().unwrap();
    assert_eq!(hourly.next_run_after(&z, between, 0), Some(runs[3]));

    // Every 3 hours from 31 Oct 22:30 EDT (02:30 UTC on 1 Nov): 01:30 EDT, then 3 real hours
    // later 03:30 EST, only 2 hours later on the wall clock.
    let runs = every(3, 22).next_runs_after(&z, at(&z, date(2026, 10, 31).at(12, 0, 0, 0)), 0, 4);
    assert_eq!(utc(&runs), ["2026-11-01T02:30:00Z", "2026-11-01T05:30:00Z", "2026-11-01T08:30:00Z", "2026-11-01T11:30:00Z"]);
    assert_eq!(
        locals(&z, &runs),
        [
            date(2026, 10, 31).at(22, 30, 0, 0),
            date(2026, 11, 1).at(1, 30, 0, 0),
            date(2026, 11, 1).at(3, 30, 0, 0),
            date(2026, 11, 1).at(6, 30, 0, 0),
        ]
    );
}

// ---- Ends ---------------------------------------------------------------------------------

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn end_on_date_is_inclusive() {
    let z = zone("Asia/Kolkata");
    let s = recurring(Frequency::Daily, time(9, 0, 0, 0), date(2026, 1, 1), ScheduleEnd::On { date: date(2026, 1, 5) });
    let t = at(&z, date(2026, 1, 4).at(10, 0, 0, 0));
    assert_eq!(locals(&z, &s.next_runs_after(&z, t, 0, 5)), [date(2026, 1, 5).at(9, 0, 0, 0)]);
    let t = at(&z, date(2026, 1, 5).at(9, 0, 0, 0));
    assert_eq!(s.next_run_after(&z, t, 0), None);
    assert_eq!(s.no_run_reason(&z, t, 0), Some(NoRunReason::EndDatePassed));

    // Resume after the end: no further runs, and the warning says so.
    let t = at(&z, date(2026, 2, 1).at(9, 0, 0, 0));
    let snap = snapshot(&z, s.clone(), t, 5);
    let plan = resume(&snap, t);
    assert_eq!(plan.next_run, NextRun::NoFurtherRuns { reason: NoRunReason::EndDatePassed });
    assert_eq!(plan.warnings[0], Warning::EndDatePassed { end: date(2026, 1, 5), mode: ActivationMode::Resume });
    assert!(plan.warnings[0].message().contains("5 Jan 2026"));
    // Restart after the end: runs now, then nothing, and says so.
    let plan = restart(&snap, t);
    assert_eq!(plan.next_run, NextRun::Immediately { at: t });
    assert!(plan.following_runs.is_empty());
    assert_eq!(plan.warnings[0], Warning::EndDatePassed { end: date(2026, 1, 5), mode: ActivationMode::Restart });
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn runs_moved_by_a_gap_in_a_repeated_hour_or_on_a_clamped_day_are_flagged() {
    // Daily 02:30 in Berlin: 29 March 2026 has no 02:30 (02:00 -> 03:00), 25 October has two.
    let z = zone("Europe/Berlin");
    let s = daily(time(2, 30, 0, 0));
    let flags = |from: Timestamp, n: usize| -> Vec<(DateTime, Option<RunFlag>)> {
        s.next_runs_after(&z, from, 0, n).into_iter().map(|r| (z.to_local(r), s.run_flag(&z, r))).collect()
    };
    let spring = flags(at(&z, date(2026, 3, 28).at(12, 0, 0, 0)), 2);
    assert_eq!(
        spring,
        [
            (date(2026, 3, 29).at(3, 0, 0, 0), Some(RunFlag::DstGap { scheduled: time(2, 30, 0, 0), runs_at: time(3, 0, 0, 0) })),
            (date(2026, 3, 30).at(2, 30, 0, 0), None),
        ]
    );
    let autumn = flags(at(&z, date(2026, 10, 24).at(12, 0, 0, 0)), 2);
    assert_eq!(autumn[0], (date(2026, 10, 25).at(2, 30, 0, 0), Some(RunFlag::DstRepeated { scheduled: time(2, 30, 0, 0) })));
    assert_eq!(autumn[1].1, None);
    assert_eq!(autumn[0].1.unwrap().message(), "02:30 happens twice that day (clocks go back): runs once, the first time.");

    // Santiago springs forward at midnight: a 00:00 run is at 01:00 that day.
    let santiago = zone("America/Santiago");
    let midnight = daily(time(0, 0, 0, 0));
    let run = midnight.next_run_after(&santiago, at(&santiago, date(2026, 9, 5).at(12, 0, 0, 0)), 0).unwrap();
    assert_eq!(santiago.to_local(run), date(2026, 9, 6).at(1, 0, 0, 0));
    assert_eq!(
        midnight.run_flag(&santiago, run),
        Some(RunFlag::DstGap { scheduled: time(0, 0, 0, 0), runs_at: time(1, 0, 0, 0) })
    );

    // Monthly on the 31st: April and June have 30 days.
    let utc = zone("UTC");
    let monthly =
        recurring(Frequency::Monthly { day: MonthDay::Day(31) }, time(9, 0, 0, 0), date(2026, 1, 1), ScheduleEnd::Never);
    let runs = monthly.next_runs_after(&utc, at(&utc, date(2026, 3, 1).at(0, 0, 0, 0)), 0, 4);
    let flagged: Vec<_> = runs.iter().map(|r| (utc.to_local(*r).date(), monthly.run_flag(&utc, *r))).collect();
    assert_eq!(
        flagged,
        [
            (date(2026, 3, 31), None),
            (date(2026, 4, 30), Some(RunFlag::MonthEndClamped { day: 31 })),
            (date(2026, 5, 31), None),
            (date(2026, 6, 30), Some(RunFlag::MonthEndClamped { day: 31 })),
        ]
    );
    // Every N hours counts real hours: never flagged.
    let hourly = recurring(Frequency::EveryHours { hours: 1 }, time(0, 30, 0, 0), date(2026, 3, 28), ScheduleEnd::Never);
    for r in hourly.next_runs_after(&z, at(&z, date(2026, 3, 29).at(0, 0, 0, 0)), 0, 5) {
        assert_eq!(hourly.run_flag(&z, r), None);
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn an_end_date_still_ahead_with_no_run_before_it_is_not_called_passed() {
    // Weekly on Monday, ending on Wednesday 7 Jan 2026, resumed on Tuesday 6 Jan.
    let z = zone("Europe/Berlin");
    let s = recurring(
        Frequency::Weekly { days: vec![Weekday::Monday] },
        time(9, 0, 0, 0),
        date(2025, 12, 1),
        ScheduleEnd::On { date: date(2026, 1, 7) },
    );
    let t = at(&z, date(2026, 1, 6).at(10, 0, 0, 0));
    let snap = snapshot(&z, s, t, 6);
    let plan = resume(&snap, t);
    assert_eq!(plan.next_run, NextRun::NoFurtherRuns { reason: NoRunReason::EndDatePassed });
    assert_eq!(plan.warnings[0], Warning::NoRunBeforeEnd { end: date(2026, 1, 7), mode: ActivationMode::Resume });
    assert_eq!(
        plan.warnings[0].message(),
        "No scheduled run is left before the end date, 7 Jan 2026: no further audience runs will happen. Only contacts already in the journey continue."
    );
    assert!(!plan.warnings[0].message().contains("ended"));
    let plan = restart(&snap, t);
    assert_eq!(plan.warnings[0], Warning::NoRunBeforeEnd { end: date(2026, 1, 7), mode: ActivationMode::Restart });
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_restart_minutes_before_a_run_under_all_users_warns_of_messaging_twice() {
    let z = zone("Asia/Kolkata");
    // A journey that sends once and ends: whoever enters at the Restart is done before 14:00.
    let mut snap = snapshot(&z, daily(time(14, 0, 0, 0)), at(&z, date(2026, 1, 1).at(13, 50, 0, 0)), 10);
    snap.definition.trigger.audience = AudienceMode::AllUsers;
    snap.definition.nodes[0] =
        Node::new("welcome", NodeKind::Send { channel: Channel::Email, template: "welcome".into(), next: None });
    snap.definition.nodes.truncate(1);
    snap.audience = AudienceCounts { subscribed: 500, suppressed: 0, never_entered: 0, in_flight: 0, already_received: 500 };
    let t = snap.taken_at;
    let plan = restart(&snap, t);
    assert!(plan.warnings.contains(&Warning::RestartNearRun { minutes: 10, count: 500 }), "{:?}", plan.warnings);
    let w = plan.warnings.iter().find(|w| matches!(w, Warning::RestartNearRun { .. })).unwrap();
    assert_eq!(
        w.message(),
        "The next scheduled run is 10 minutes after this restart: up to 500 contacts who finish before it will enter again and receive its messages twice."
    );
    // Two hours before the run: no warning.
    let early = at(&z, date(2026, 1, 1).at(11, 50, 0, 0));
    let mut far = snap.clone();
    far.taken_at = early;
    assert!(!restart(&far, early).warnings.iter().any(|w| matches!(w, Warning::RestartNearRun { .. })));
    // New users only: nobody enters twice in a generation.
    let mut new_users = snap.clone();
    new_users.definition.trigger.audience = AudienceMode::NewUsers;
    assert!(!restart(&new_users, t).warnings.iter().any(|w| matches!(w, Warning::RestartNearRun { .. })));
    // The sample's two-day wait keeps everyone in flight at 14:00: no warning either.
    let mut waits = snapshot(&z, daily(time(14, 0, 0, 0)), t, 10);
    waits.definition.trigger.audience = AudienceMode::AllUsers;
    waits.audience = snap.audience;
    assert!(!restart(&waits, t).warnings.iter().any(|w| matches!(w, Warning::RestartNearRun { .. })));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn contacts_standing_at_a_message_step_count_in_the_overdue_warning() {
    let z = zone("Asia/Kolkata");
    let t = at(&z, date(2026, 1, 1).at(13, 30, 0, 0));
    let mut snap = snapshot(&z, daily(time(14, 0, 0, 0)), t, 10);
    snap.nodes = vec![NodeCount { node: NodeId::new("push"), count: 20 }];
    let plan = resume(&snap, t);
    assert_eq!(plan.warnings.last(), Some(&Warning::OverdueBurst { count: 0, at_send: 20 }));
    assert_eq!(
        plan.warnings.last().unwrap().message(),
        "20 contacts stopped at a message step when the journey was frozen will be messaged at activation."
    );
    snap.nodes.push(NodeCount { node: NodeId::new("wait"), count: 7 });
    snap.waits = vec![WaitDeadlines {
        node: NodeId::new("wait"),
        due_by_frozen_at: 7,
        due_by_taken_at: 7,
        per_minute: vec![],
        beyond_horizon: 0,
        late_per_minute: vec![],
        late_older: 0,
    }];
    let plan = resume(&snap, t);
    assert_eq!(plan.warnings.last(), Some(&Warning::OverdueBurst { count: 7, at_send: 20 }));
    assert!(plan.warnings.last().unwrap().message().ends_with("as will 20 stopped at a message step."));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn end_after_n_runs_counts_runs_done_across_a_pause() {
    let z = zone("UTC");
    let s = recurring(Frequency::Daily, time(9, 0, 0, 0), date(2026, 1, 1), ScheduleEnd::After { runs: 5 });
    // Three runs (1-3 Jan), then paused for a week: two runs remain, after T.
    let t = at(&z, date(2026, 1, 10).at(12, 0, 0, 0));
    let plan = resume(&snapshot(&z, s.clone(), t, 3), t);
    assert_eq!(z.to_local(plan.next_run.instant().unwrap()), date(2026, 1, 11).at(9, 0, 0, 0));
    assert_eq!(locals(&z, &plan.following_runs), [date(2026, 1, 12).at(9, 0, 0, 0)]);
    // All five done: none.
    let plan = resume(&snapshot(&z, s.clone(), t, 5), t);
    assert_eq!(plan.next_run, NextRun::NoFurtherRuns { reason: NoRunReason::RunLimitReached });
    // Restart grants five again: now, then four.
    let plan = restart(&snapshot(&z, s.clone(), t, 5), t);
    assert_eq!(plan.next_run, NextRun::Immediately { at: t });
    assert_eq!(plan.following_runs.len(), 4);
    // End after one run, restarted: no run follows, and it says so.
    let one = recurring(Frequency::Daily, time(9, 0, 0, 0), date(2026, 1, 1), ScheduleEnd::After { runs: 1 });
    let plan = restart(&snapshot(&z, one, t, 1), t);
    assert!(plan.following_runs.is_empty());
    assert_eq!(plan.warnings, [Warning::NoFurtherRuns { reason: NoRunReason::RunLimitReached, mode: ActivationMode::Restart }]);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn once_in_the_future() {
    let z = zone("Europe/Berlin");
    let once = Schedule::Once { at: date(2026, 7, 1).at(8, 0, 0, 0) };
    let t = at(&z, date(2026, 6, 1).at(8, 0, 0, 0));
    let plan = resume(&snapshot(&z, once.clone(), t, 0), t);
    assert_eq!(plan.next_run, NextRun::At { at: at(&z, date(2026, 7, 1).at(8, 0, 0, 0)) });
    assert!(plan.following_runs.is_empty());
    // Restart runs it now, once.
    let plan = restart(&snapshot(&z, once, t, 0), t);
    assert_eq!(plan.next_run, NextRun::Immediately { at: t });
    assert!(plan.following_runs.is_empty());
}

// ---- Plans --------------------------------------------------------------------------------

/// The seed's journey with wait deadlines: 10 due before the pause, 20 during it, 30 a quarter
/// of an hour after the snapshot, 40 the next day.
fn seed_snapshot() -> JourneySnapshot {
    let mut s = samples::daily_kolkata_snapshot();
    let z = s.zone.clone();
    let mut b = WaitDeadlinesBuilder::new(NodeId::new("wait"), s.taken_at, s.frozen_at, s.horizon_minutes);
    b.add(at(&z, date(2025, 12, 31).at(10, 0, 0, 0)), 10);
    b.add(at(&z, date(2025, 12, 31).at(20, 0, 0, 0)), 20);
    b.add(at(&z, date(2026, 1, 1).at(13, 45, 0, 0)), 30);
    b.add(at(&z, date(2026, 1, 2).at(10, 0, 0, 0)), 40);
    s.waits = vec![b.build()];
    s.check().unwrap();
    s
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn resume_counts_keep_and_extend() {
    let s = seed_snapshot();
    let z = s.zone.clone();
    let t = at(&z, date(2026, 1, 1).at(14, 0, 0, 0));
    let plan = resume(&s, t);
    assert_eq!(plan.generation, Generation(1));
    assert_eq!(plan.continuing, 105);
    assert_eq!(
        plan.continuing_by_node,
        [NodeCount { node: NodeId::new("wait"), count: 100 }, NodeCount { node: NodeId::new("push"), count: 5 }]
    );
    assert_eq!(plan.overdue, 60);
    assert_eq!(plan.overdue_by_node, [NodeCount { node: NodeId::new("wait"), count: 60 }]);
    assert_eq!(plan.entering, Some(600)); // new users
    assert_eq!((plan.suppressed, plan.not_entering, plan.in_flight_skipped), (40, 400, 100));
    assert_eq!(plan.audience_total, 1_040);
    assert_eq!((plan.exited_by_restart, plan.re_receiving), (0, 0));
    let frozen = SignedDuration::from_mins(26 * 60 + 58);
    assert_eq!(
        plan.wait_options,
        [
            WaitOption { handling: WaitHandling::KeepDeadlines, overdue: 60, deadline_shift: None },
            WaitOption { handling: WaitHandling::ExtendByPause, overdue: 10, deadline_shift: Some(frozen) },
        ]
    );
    assert_eq!(plan.warnings, [Warning::MissedRuns { count: 2, capped: false }, Warning::OverdueBurst { count: 60, at_send: 5 }]);
    // A minute earlier, the 13:45 bucket is not yet due... it is (13:45 <= 13:59); at 13:44 not.
    let early = at(&z, date(2026, 1, 1).at(13, 44, 59, 0));
    assert_eq!(resume(&s, early).overdue, 30);
    let on_time = at(&z, date(2026, 1, 1).at(13, 45, 0, 0));
    assert_eq!(resume(&s, on_time).overdue, 60);

    // Extend by the pause: only the deadlines due before the pause move on now.
    let plan = plan_activation(&s, t, ActivationMode::Resume, WaitHandling::ExtendByPause).unwrap();
    assert_eq!(plan.overdue, 10);
    assert_eq!(plan.deadline_shift, Some(frozen));
    assert_eq!(plan.warnings.last(), Some(&Warning::OverdueBurst { count: 10, at_send: 5 }));
    // The shift is rounded up to the whole minute.
    let plan =
        plan_activation(&s, t + SignedDuration::from_secs(1), ActivationMode::Resume, WaitHandling::ExtendByPause).unwrap();
    assert_eq!(plan.deadline_shift, Some(frozen + SignedDuration::from_mins(1)));

    // All users: every subscribed member not in flight.
    let mut all = s.clone();
    all.definition.trigger.audience = AudienceMode::AllUsers;
    let plan = resume(&all, t);
    assert_eq!((plan.entering, plan.not_entering, plan.in_flight_skipped), (Some(900), 100, 100));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn restart_counts() {
    let s = seed_snapshot();
    let t = at(&s.zone, date(2026, 1, 1).at(14, 0, 0, 0));
    for audience in [AudienceMode::NewUsers, AudienceMode::AllUsers] {
        let mut s = s.clone();
        s.definition.trigger.audience = audience;
        let plan = restart(&s, t);
        assert_eq!(plan.generation, Generation(2));
        assert_eq!((plan.continuing, plan.overdue), (0, 0));
        assert!(plan.continuing_by_node.is_empty() && plan.wait_options.is_empty());
        assert_eq!(plan.exited_by_restart, 105);
        assert_eq!(plan.entering, Some(1_000)); // everyone counts as new in the new generation
        assert_eq!((plan.suppressed, plan.not_entering), (40, 0));
        assert_eq!(plan.re_receiving, 400);
        assert_eq!(plan.warnings, [Warning::RestartResends { count: 400 }]);
        assert_eq!(
            plan.warnings[0].message(),
            "Restart sends this journey's messages again to 400 contacts who already received at least one of them."
        );
        assert_eq!(
            plan.counts(),
            ActivationCounts {
                continuing: 0,
                overdue: 0,
                entering: Some(1_000),
                suppressed: 40,
                exited_by_restart: 105,
                re_receiving: 400,
                exited_by_edit: 0
            }
        );
    }
}

fn event_snapshot() -> JourneySnapshot {
    let mut s = seed_snapshot();
    s.definition.trigger = Trigger {
        source: TriggerSource::Event { event_name: "cart_abandoned".into() },
        audience: AudienceMode::AllUsers,
        schedule: None,
    };
    s.audience = AudienceCounts::default();
    s
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn event_trigger_plans() {
    let s = event_snapshot();
    let t = at(&s.zone, date(2026, 1, 1).at(14, 0, 0, 0));
    let plan = resume(&s, t);
    assert_eq!(plan.next_run, NextRun::OnEachEvent);
    assert_eq!(plan.entering, None);
    assert!(plan.following_runs.is_empty());
    assert_eq!((plan.continuing, plan.overdue), (105, 60));
    assert_eq!(plan.warnings, [Warning::EventsNotReplayed, Warning::OverdueBurst { count: 60, at_send: 5 }]);
    let plan = restart(&s, t);
    assert_eq!(plan.next_run, NextRun::OnEachEvent);
    assert_eq!((plan.entering, plan.exited_by_restart, plan.runs_done), (None, 105, 0));
    assert_eq!(plan.generation, Generation(2));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn plan_refuses_active_journeys_and_stale_snapshots() {
    let mut s = seed_snapshot();
    let t = s.taken_at;
    assert_eq!(
        plan_activation(&s, s.valid_until() + SignedDuration::from_secs(1), ActivationMode::Resume, WaitHandling::KeepDeadlines),
        Err(PlanError::StaleSnapshot { valid_until: s.valid_until() })
    );
    assert!(s.is_fresh_at(s.valid_until()));
    // A viewer's clock behind the server's: planned at the snapshot's instant.
    let plan = resume(&s, t - SignedDuration::from_mins(3));
    assert_eq!(plan.at, t);
    s.state = JourneyState::Active;
    let err = plan_activation(&s, t, ActivationMode::Resume, WaitHandling::KeepDeadlines).unwrap_err();
    assert_eq!(err.to_string(), "This journey is Active; only Paused or Stopped journeys can be activated.");
    s.state = JourneyState::Stopped;
    assert!(plan_activation(&s, t, ActivationMode::Restart, WaitHandling::KeepDeadlines).is_ok());
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn overdue_stays_exact_minute_by_minute_until_valid_until() {
    // Deadlines at every minute of the horizon; the count at T is exact for each minute.
    let mut s = samples::daily_kolkata_snapshot();
    s.taken_at += SignedDuration::from_secs(17); // not a whole minute
    let origin = s.origin();
    let mut b = WaitDeadlinesBuilder::new(NodeId::new("wait"), s.taken_at, s.frozen_at, 60);
    let mut deadlines = Vec::new();
    for m in 0..=70i64 {
        let d = origin + SignedDuration::from_mins(m);
        b.add(d, 1);
        deadlines.push(d);
    }
    s.horizon_minutes = 60;
    s.waits = vec![b.build()];
    s.nodes = vec![NodeCount { node: NodeId::new("wait"), count: deadlines.len() as u64 }];
    s.audience.in_flight = 0;
    s.check().unwrap();
    let mut t = s.taken_at;
    while t <= s.valid_until() {
        let expected = deadlines.iter().filter(|d| **d <= t).count() as u64;
        assert_eq!(resume(&s, t).overdue, expected, "at {t}");
        t += SignedDuration::from_secs(20);
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn snapshot_round_trips_through_json_with_its_zone() {
    let s = seed_snapshot();
    let json = serde_json::to_string(&s).unwrap();
    assert!(json.contains("\"tzif\":\"VFppZ")); // base64 of "TZif"
    let back: JourneySnapshot = serde_json::from_str(&json).unwrap();
    assert_eq!(back, s);
    let t = at(&s.zone, date(2026, 1, 1).at(14, 0, 0, 0));
    assert_eq!(resume(&back, t), resume(&s, t));
}
