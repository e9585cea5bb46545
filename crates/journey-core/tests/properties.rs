//! Property tests (native only): schedules, plans, serde, and "never panics".
#![cfg(not(target_arch = "wasm32"))]

use jiff::civil::{Date, DateTime, Time, date};
use jiff::tz::AmbiguousOffset;
use jiff::{SignedDuration, Timestamp};
use journey_core::api::*;
use journey_core::journey::*;
use journey_core::membership::*;
use journey_core::plan::*;
use journey_core::samples;
use journey_core::schedule::*;
use journey_core::snapshot::*;
use journey_core::state::*;
use journey_core::zone::Zone;
use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

const ZONES: &[&str] = &[
    "UTC",
    "Asia/Kolkata",
    "America/New_York",
    "Europe/Berlin",
    "Australia/Sydney",
    "America/Sao_Paulo",
    "Australia/Lord_Howe",
    "Pacific/Apia",
    "Asia/Tehran",
    "America/St_Johns",
    "Europe/London",
    "Pacific/Chatham",
    "America/Santiago",
    "Africa/Casablanca",
];

fn zone_strategy() -> impl Strategy<Value = Zone> {
    prop::sample::select(ZONES).prop_map(|n| Zone::bundled(n).unwrap())
}

fn time_strategy() -> impl Strategy<Value = Time> {
    // Half the times in the small hours, where most DST gaps and overlaps are.
    prop_oneof![0i8..24, 0i8..4].prop_flat_map(|h| (Just(h), 0i8..60)).prop_map(|(h, m)| Time::new(h, m, 0, 0).unwrap())
}

fn date_strategy() -> impl Strategy<Value = Date> {
    (2000i16..2036, 1i8..=12, 1i8..=28).prop_map(|(y, m, d)| date(y, m, d))
}

fn frequency_strategy() -> impl Strategy<Value = Frequency> {
    prop_oneof![
        Just(Frequency::Daily),
        prop::sample::subsequence(Weekday::ALL.to_vec(), 1..=7).prop_map(|days| Frequency::Weekly { days }),
        prop_oneof![(1u8..=31).prop_map(MonthDay::Day), Just(MonthDay::Last)].prop_map(|day| Frequency::Monthly { day }),
        (1u32..=72).prop_map(|hours| Frequency::EveryHours { hours }),
    ]
}

fn schedule_strategy() -> impl Strategy<Value = Schedule> {
    prop_oneof![
        1 => (date_strategy(), time_strategy()).prop_map(|(d, t)| Schedule::Once { at: d.to_datetime(t) }),
        6 => (frequency_strategy(), time_strategy(), date_strategy(), prop_oneof![
            Just(ScheduleEnd::Never),
            (0i32..3000).prop_map(|days| ScheduleEnd::On { date: date(2000, 1, 1).saturating_add(jiff::Span::new().days(days)) }),
            (1u32..50).prop_map(|runs| ScheduleEnd::After { runs }),
        ])
            .prop_map(|(frequency, time_of_day, start_date, end)| {
                let end = match end {
                    ScheduleEnd::On { date } if date < start_date => ScheduleEnd::On { date: start_date },
                    e => e,
                };
                Schedule::Recurring { frequency, time_of_day, start_date, end }
            }),
    ]
}

fn instant_strategy() -> impl Strategy<Value = Timestamp> {
    // 2000-01-01 to 2040-01-01.
    (946_684_800i64..2_208_988_800).prop_map(|s| Timestamp::from_second(s).unwrap())
}

fn is_gap(zone: &Zone, dt: DateTime) -> bool {
    matches!(zone.time_zone().to_ambiguous_timestamp(dt).offset(), AmbiguousOffset::Gap { .. })
}

/// A consistent paused snapshot of the onboarding journey with random aggregates.
fn snapshot_strategy() -> impl Strategy<Value = JourneySnapshot> {
    snapshot_with_deadlines_strategy().prop_map(|(s, _)| s)
}

/// A snapshot as [`snapshot_strategy`], with the wait deadlines its buckets were built from
/// (instant, count), so tests can count them without the snapshot's own arithmetic.
fn snapshot_with_deadlines_strategy() -> impl Strategy<Value = (JourneySnapshot, Vec<(Timestamp, u64)>)> {
    (
        zone_strategy(),
        schedule_strategy(),
        instant_strategy(),
        0i64..100_000,                                                 // frozen for, minutes
        prop::collection::vec((-5_000i64..3_000, 1u64..1_000), 0..40), // deadlines: minutes from taken_at, count
        (0u64..10_000, 0u64..10_000, 0u64..1_000_000, 0u64..1_000),
        (0u64..1_000_000, any::<u64>(), any::<u64>(), any::<u64>()),
        (0u32..100, any::<bool>(), 1u32..=MAX_HORIZON_MINUTES),
    )
        .prop_map(
            |(
                zone,
                schedule,
                taken_at,
                frozen_for,
                deadlines,
                (extra_wait, push, subscribed, suppressed),
                (in_flight, never, received, all_users),
                (runs_done, event, horizon),
            )| {
                let frozen_at = taken_at - SignedDuration::from_mins(frozen_for);
                let mut def = samples::onboarding(zone.name(), schedule);
                if all_users % 2 == 1 {
                    def.trigger.audience = AudienceMode::AllUsers;
                }
                if event {
                    def.trigger = Trigger {
                        source: TriggerSource::Event { event_name: "e".into() },
                        audience: AudienceMode::AllUsers,
                        schedule: None,
                    };
                }
                let mut s = samples::paused_snapshot(def, zone, taken_at, frozen_at);
                s.horizon_minutes = horizon;
                s.runs_done = runs_done;
                let mut b = WaitDeadlinesBuilder::new(NodeId::new("wait"), taken_at, Some(frozen_at), horizon);
                let mut waiting = 0u64;
                let mut raw = Vec::new();
                for (m, c) in deadlines {
                    // Whole-minute deadlines, as the flow makes them.
                    let d = journey_core::flow::floor_to_minute(taken_at) + SignedDuration::from_mins(m);
                    b.add(d, c);
                    raw.push((d, c));
                    waiting += c;
                }
                s.waits = vec![b.build()];
                s.nodes = vec![
                    NodeCount { node: NodeId::new("wait"), count: waiting + extra_wait },
                    NodeCount { node: NodeId::new("push"), count: push },
                ];
                let live = waiting + extra_wait + push;
                let in_flight = in_flight.min(subscribed).min(live);
                s.audience = AudienceCounts {
                    subscribed,
                    suppressed,
                    in_flight,
                    never_entered: if subscribed - in_flight == 0 { 0 } else { never % (subscribed - in_flight + 1) },
                    already_received: if subscribed == 0 { 0 } else { received % (subscribed + 1) },
                };
                (s, raw)
            },
        )
}

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: &T) {
    let json = serde_json::to_string(value).unwrap();
    let back: T = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    assert_eq!(&back, value, "{json}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn runs_are_strictly_after_t_and_increasing(
        zone in zone_strategy(), schedule in schedule_strategy(), t in instant_strategy(), runs_done in 0u32..60,
    ) {
        let runs = schedule.next_runs_after(&zone, t, runs_done, 30);
        if let Some(first) = runs.first() {
            prop_assert!(*first > t);
            prop_assert_eq!(schedule.next_run_after(&zone, t, runs_done), Some(*first));
            prop_assert_eq!(schedule.no_run_reason(&zone, t, runs_done), None);
        } else {
            prop_assert!(schedule.no_run_reason(&zone, t, runs_done).is_some());
        }
        for w in runs.windows(2) {
            prop_assert!(w[0] < w[1], "{} !< {}", w[0], w[1]);
        }
        if let Schedule::Recurring { end: ScheduleEnd::After { runs: n }, .. } = &schedule {
            prop_assert!(runs.len() as u32 <= n.saturating_sub(runs_done));
        }
        if let Schedule::Recurring { end: ScheduleEnd::On { date: end }, .. } = &schedule {
            for r in &runs {
                prop_assert!(zone.to_local(*r).date() <= *end);
            }
        }
        // Consecutive calls agree: the run after run k is run k+1.
        for w in runs.windows(2) {
            let remaining_done = runs_done; // a limit is about runs done, not runs listed
            if !matches!(&schedule, Schedule::Recurring { end: ScheduleEnd::After { .. }, .. }) {
                prop_assert_eq!(schedule.next_run_after(&zone, w[0], remaining_done), Some(w[1]));
            }
        }
    }

    #[test]
    fn runs_are_at_the_time_of_day_unless_in_a_gap(
        zone in zone_strategy(), schedule in schedule_strategy(), t in instant_strategy(),
    ) {
        let Schedule::Recurring { frequency, time_of_day, start_date, .. } = &schedule else { return Ok(()) };
        let runs = schedule.next_runs_after(&zone, t, 0, 20);
        if let Frequency::EveryHours { hours } = frequency {
            // Real elapsed hours: consecutive runs exactly N hours apart, whatever the wall clock.
            let period = SignedDuration::from_hours(i64::from(*hours));
            for w in runs.windows(2) {
                prop_assert_eq!(w[1].duration_since(w[0]), period);
            }
        }
        for run in runs {
            let local = zone.to_local(run);
            match frequency {
                Frequency::EveryHours { hours } => {
                    let anchor = zone.to_instant(start_date.to_datetime(*time_of_day)).unwrap();
                    let elapsed = run.duration_since(anchor).as_secs();
                    prop_assert_eq!(elapsed % (i64::from(*hours) * 3600), 0);
                    prop_assert!(elapsed >= 0);
                }
                _ => {
                    if local.time() != *time_of_day {
                        // The planned local date-time did not exist: the run is the transition,
                        // where the wall clock jumps from before the planned time to after it.
                        let just_before = zone.to_local(run - SignedDuration::from_nanos(1));
                        let d = local.date();
                        let planned = [d, d.yesterday().unwrap()].map(|p| p.to_datetime(*time_of_day));
                        prop_assert!(
                            planned.iter().any(|p| is_gap(&zone, *p) && just_before < *p && *p < local),
                            "{} at {} in {}", local, time_of_day, zone.name()
                        );
                        prop_assert_ne!(zone.time_zone().to_offset(run - SignedDuration::from_nanos(1)), zone.time_zone().to_offset(run));
                    }
                    prop_assert!(local.date() >= *start_date);
                    match frequency {
                        Frequency::Weekly { days } if local.time() == *time_of_day => {
                            // Weekday::ALL is Monday first; jiff numbers Monday 1.
                            let weekday = local.date().weekday().to_monday_one_offset();
                            prop_assert!(days.iter().any(|w| Weekday::ALL.iter().position(|a| a == w).unwrap() as i8 + 1 == weekday));
                        }
                        Frequency::Monthly { day } if local.time() == *time_of_day => {
                            let date = local.date();
                            match day {
                                // Day n, or the last day in shorter months.
                                MonthDay::Day(n) => prop_assert_eq!(date.day(), (*n as i8).min(date.days_in_month())),
                                MonthDay::Last => prop_assert_eq!(date, date.last_of_month()),
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    #[test]
    fn plans_add_up_and_honour_t(
        (s, deadlines) in snapshot_with_deadlines_strategy(), offset in 0i64..(24 * 60 * 60), restart in any::<bool>(), extend in any::<bool>(),
    ) {
        let t = s.taken_at + SignedDuration::from_secs(offset);
        let mode = if restart { ActivationMode::Restart } else { ActivationMode::Resume };
        let handling = if extend { WaitHandling::ExtendByPause } else { WaitHandling::KeepDeadlines };
        let result = plan_activation(&s, t, mode, handling);
        if t > s.valid_until() {
            prop_assert!(matches!(result, Err(PlanError::StaleSnapshot { .. })), "{:?}", result);
            return Ok(());
        }
        let plan = result.unwrap();
        let is_event = matches!(s.definition.trigger.source, TriggerSource::Event { .. });
        let schedule = s.definition.trigger.schedule.as_ref();
        let frozen_at = s.frozen_at.unwrap();
        let a = s.audience;
        // What the plan should say, from the snapshot's inputs: the node counts, the raw wait
        // deadlines, the audience counts, the instants.
        let live: u64 = s.nodes.iter().map(|n| n.count).sum();
        let due_by = |at: Timestamp| deadlines.iter().filter(|(d, _)| *d <= at).map(|(_, c)| c).sum::<u64>();
        let (due_at_t, due_at_frozen) = (due_by(t), due_by(frozen_at));
        // The frozen time rounded up to the whole minute (all instants here are whole seconds).
        let frozen_secs = t.as_second() - frozen_at.as_second();
        let shift = SignedDuration::from_mins((frozen_secs + 59) / 60);
        prop_assert_eq!(plan.at, t);
        match mode {
            ActivationMode::Resume => {
                prop_assert_eq!((plan.continuing, plan.exited_by_restart), (live, 0));
                // Continuing per node, in the definition's order, nodes without any left out.
                let expected: Vec<NodeCount> = s.definition.nodes.iter().filter_map(|n| {
                    let count: u64 = s.nodes.iter().filter(|c| c.node == n.id).map(|c| c.count).sum();
                    (count > 0).then(|| NodeCount { node: n.id.clone(), count })
                }).collect();
                prop_assert_eq!(&plan.continuing_by_node, &expected);
                prop_assert_eq!(plan.generation, s.generation);
                prop_assert_eq!(plan.runs_done, s.runs_done);
                // Overdue: the deadlines due by T, or with extend_by_pause the ones due by the
                // time the journey was frozen.
                prop_assert_eq!(
                    &plan.wait_options,
                    &vec![
                        WaitOption { handling: WaitHandling::KeepDeadlines, overdue: due_at_t, deadline_shift: None },
                        WaitOption { handling: WaitHandling::ExtendByPause, overdue: due_at_frozen, deadline_shift: Some(shift) },
                    ]
                );
                let (overdue, deadline_shift) = if extend_chosen(handling) { (due_at_frozen, Some(shift)) } else { (due_at_t, None) };
                prop_assert_eq!((plan.overdue, plan.deadline_shift), (overdue, deadline_shift));
                let by_node = if overdue > 0 { vec![NodeCount { node: NodeId::new("wait"), count: overdue }] } else { vec![] };
                prop_assert_eq!(&plan.overdue_by_node, &by_node);
                // Contacts standing at a message step are messaged at activation too: counted.
                let at_send: u64 = expected
                    .iter()
                    .filter(|c| s.definition.node(&c.node).is_some_and(|n| matches!(n.kind, NodeKind::Send { .. })))
                    .map(|c| c.count)
                    .sum();
                prop_assert_eq!(
                    plan.warnings.contains(&Warning::OverdueBurst { count: overdue, at_send }),
                    overdue > 0 || at_send > 0
                );
                if is_event {
                    prop_assert_eq!(plan.next_run, NextRun::OnEachEvent);
                    prop_assert_eq!((plan.entering, plan.audience_total, plan.suppressed), (None, 0, 0));
                } else {
                    let schedule = schedule.unwrap();
                    let next = schedule.next_run_after(&s.zone, t, s.runs_done);
                    prop_assert_eq!(plan.next_run.instant(), next);
                    prop_assert_eq!(plan.next_scheduled_run, next);
                    if let Some(next) = next {
                        prop_assert!(next > t);
                        prop_assert_eq!(plan.next_run, NextRun::At { at: next });
                    }
                    // If a run is still to come: under new_users those who never entered in this
                    // generation (the strategy keeps them within the members not in flight),
                    // under all_users every subscribed member not in flight.
                    let entering = match (next, s.definition.trigger.audience) {
                        (None, _) => 0,
                        (Some(_), AudienceMode::NewUsers) => a.never_entered,
                        (Some(_), AudienceMode::AllUsers) => a.subscribed - a.in_flight,
                    };
                    prop_assert_eq!(plan.entering, Some(entering));
                    prop_assert_eq!((plan.suppressed, plan.audience_total), (a.suppressed, a.subscribed + a.suppressed));
                    prop_assert_eq!((plan.not_entering, plan.in_flight_skipped), (a.subscribed - entering, a.in_flight));
                    prop_assert_eq!(plan.re_receiving, 0);
                    // Missed runs: a run fell in the frozen time (frozen_at, T].
                    let missed = schedule.next_run_after(&s.zone, frozen_at, s.runs_done).is_some_and(|r| r <= t);
                    prop_assert_eq!(plan.warnings.iter().any(|w| matches!(w, Warning::MissedRuns { .. })), missed);
                }
            }
            ActivationMode::Restart => {
                prop_assert_eq!((plan.continuing, plan.exited_by_restart), (0, live));
                prop_assert!(plan.continuing_by_node.is_empty() && plan.wait_options.is_empty());
                prop_assert_eq!((plan.overdue, plan.deadline_shift), (0, None));
                prop_assert_eq!(plan.generation, Generation(s.generation.0 + 1));
                if is_event {
                    prop_assert_eq!(plan.next_run, NextRun::OnEachEvent);
                    prop_assert_eq!((plan.entering, plan.runs_done), (None, 0));
                } else {
                    prop_assert_eq!(plan.next_run, NextRun::Immediately { at: t });
                    prop_assert_eq!(plan.runs_done, 1);
                    // Everyone subscribed enters the new generation at T; the run at T is run 1.
                    prop_assert_eq!(plan.entering, Some(a.subscribed));
                    prop_assert_eq!((plan.suppressed, plan.not_entering, plan.in_flight_skipped), (a.suppressed, 0, 0));
                    prop_assert_eq!(plan.re_receiving, a.already_received);
                    prop_assert_eq!(plan.warnings.contains(&Warning::RestartResends { count: a.already_received }), a.already_received > 0);
                    let next = schedule.unwrap().next_run_after(&s.zone, t, 1);
                    prop_assert_eq!(plan.next_scheduled_run, next);
                    prop_assert_eq!(plan.following_runs.first().copied(), next);
                    for r in &plan.following_runs {
                        prop_assert!(*r > t);
                    }
                }
            }
        }
        for w in plan.following_runs.windows(2) {
            prop_assert!(w[0] < w[1]);
        }
        if let Some(first) = plan.following_runs.first() {
            prop_assert!(plan.next_run.instant().is_some_and(|n| n < *first));
        }
        for w in &plan.warnings {
            prop_assert!(!w.message().is_empty());
        }
        round_trip(&plan);
        round_trip(&plan.counts());
    }

    #[test]
    fn schedules_and_snapshots_round_trip(s in snapshot_strategy()) {
        round_trip(&s);
        round_trip(&s.definition);
        if let Some(schedule) = &s.definition.trigger.schedule {
            round_trip(schedule);
        }
    }

    #[test]
    fn wild_schedules_never_panic(
        day in any::<u8>(), hours in any::<u32>(), runs in any::<u32>(), runs_done in any::<u32>(),
        year in -9999i16..=9999, secs in -377_705_116_800i64..=253_402_207_200,
        zone in zone_strategy(), kind in 0u8..6,
    ) {
        let start = date(year, 1, 1);
        let frequency = match kind {
            0 => Frequency::Daily,
            1 => Frequency::Weekly { days: vec![] },
            2 => Frequency::Weekly { days: vec![Weekday::Sunday] },
            3 => Frequency::Monthly { day: MonthDay::Day(day) },
            4 => Frequency::Monthly { day: MonthDay::Last },
            _ => Frequency::EveryHours { hours },
        };
        let t = Timestamp::from_second(secs).unwrap_or(Timestamp::UNIX_EPOCH);
        for end in [ScheduleEnd::Never, ScheduleEnd::After { runs }, ScheduleEnd::On { date: start }] {
            let s = Schedule::Recurring { frequency: frequency.clone(), time_of_day: Time::MAX, start_date: start, end };
            let _ = s.next_runs_after(&zone, t, runs_done, 5);
            let _ = s.no_run_reason(&zone, t, runs_done);
            let _ = s.describe();
            let _ = s.validate();
        }
        let once = Schedule::Once { at: DateTime::MAX };
        let _ = once.next_runs_after(&zone, t, runs_done, 5);
        let _ = zone.to_instant(DateTime::MIN);
    }

    #[test]
    fn bad_input_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300), text in ".{0,80}") {
        let _ = Zone::from_tzif("X", &bytes);
        let _ = journey_core::zone::base64::decode(&text);
        let _ = text.parse::<MessageKey>();
        let _ = serde_json::from_str::<JourneySnapshot>(&text);
        let _ = serde_json::from_str::<JourneyDefinition>(&text);
        let _ = serde_json::from_slice::<Schedule>(&bytes);
    }

    #[test]
    fn base64_round_trips(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let text = journey_core::zone::base64::encode(&bytes);
        prop_assert_eq!(journey_core::zone::base64::decode(&text).unwrap(), bytes);
    }

    #[test]
    fn message_keys_round_trip(j in any::<u64>(), g in any::<u32>(), i in any::<u32>(), c in any::<u64>(), node in ".{1,40}") {
        let key = MessageKey { journey_id: JourneyId(j), generation: Generation(g), iteration: Iteration(i), contact_id: ContactId(c), node_id: NodeId::new(node) };
        prop_assert_eq!(key.to_string().parse::<MessageKey>(), Ok(key.clone()));
        round_trip(&key);
    }
}

fn extend_chosen(h: WaitHandling) -> bool {
    h == WaitHandling::ExtendByPause
}

#[test]
fn every_api_type_round_trips() {
    let s = samples::daily_kolkata_snapshot();
    let plan = plan_activation(&s, s.taken_at, ActivationMode::Resume, WaitHandling::KeepDeadlines).unwrap();
    let t: Timestamp = "2026-01-01T08:30:00Z".parse().unwrap();
    let detail = JourneyDetail {
        id: JourneyId(1),
        version: 4,
        name: "Onboarding series".into(),
        state: JourneyState::Paused,
        definition: s.definition.clone(),
        node_counts: s.nodes.clone(),
        schedule_text: s.definition.schedule_text(),
        activity: vec![ActivityEntry {
            at: t,
            actor: "maya@example.com".into(),
            from: Some(JourneyState::Paused),
            to: JourneyState::Active,
            mode: Some(ActivationMode::Restart),
            counts: Some(plan.counts()),
            action: Some("restart".into()),
            definition_version: Some(2),
            note: Some("3 contacts entered, not the 4 planned".into()),
            release: Some(journey_core::release::ReleasePolicy::PerHour { limit: 500 }),
        }],
        generation: Generation(1),
        next_run_at: Some(t),
        frozen_at: Some(t),
        last_run_at: None,
        definition_version: 2,
        activated_definition_version: 2,
        applying: true,
        pending: None,
    };
    round_trip(&detail);
    let mut counts = StateCounts::default();
    counts.add(JourneyState::Paused);
    assert_eq!(counts.get(JourneyState::Paused), 1);
    round_trip(&JourneyListResponse {
        rows: vec![JourneyRow {
            id: JourneyId(1),
            name: "x".into(),
            state: JourneyState::Paused,
            trigger_kind: TriggerKind::Dataset,
            audience: AudienceMode::NewUsers,
            schedule_text: "Every day at 14:00".into(),
            time_zone: "Asia/Kolkata".into(),
            contacts_in_journey: 12_480,
            last_run_at: Some(t),
            paused_at: Some(t),
            stopped_at: None,
            pending: Some(PendingRow { status: PendingStatus::Scheduled, mode: ActivationMode::Resume, run_at: Some(t) }),
        }],
        counts,
    });
    round_trip(&ActivateRequest {
        mode: ActivationMode::Resume,
        wait_handling: WaitHandling::ExtendByPause,
        release: journey_core::release::ReleasePolicy::SpreadOver { hours: 3 },
        expected_version: 4,
        idempotency_key: Some("k".into()),
        at: Some(t),
        drift_guard: Some(journey_core::pending::DriftGuard { percent: 20 }),
    });
    let figures = journey_core::pending::PlanFigures {
        at: t,
        projected_from: Some(t),
        counts: plan.counts(),
        recipients: 10,
        first_hour: 12,
        next_run: Some(t),
    };
    let pending = PendingActivation {
        id: 7,
        status: PendingStatus::AwaitingApproval,
        mode: ActivationMode::Resume,
        wait_handling: WaitHandling::KeepDeadlines,
        release: journey_core::release::ReleasePolicy::AllAtOnce,
        run_at: Some(t),
        drift_guard: Some(journey_core::pending::DriftGuard { percent: 30 }),
        requested_by: "Maya <maya@example.com>".into(),
        requested_by_id: 3,
        requested_at: t,
        figures,
        approval: Some(journey_core::pending::ApprovalNeed { first_hour: 12, threshold: 10, at_least: false }),
        approved_by: None,
        note: None,
    };
    round_trip(&PendingResponse { journey: JourneyDetail { pending: Some(pending.clone()), ..detail.clone() }, pending });
    round_trip(&PendingDecision { pending_id: 7, expected_version: 5, reason: Some("Too many at once".into()) });
    round_trip(&WorkspaceSettings { approval_threshold: Some(10_000) });
    let minimal: ActivateRequest = serde_json::from_str(r#"{"mode":"restart","expected_version":3}"#).unwrap();
    assert_eq!(minimal.wait_handling, WaitHandling::KeepDeadlines);
    assert_eq!(minimal.release, journey_core::release::ReleasePolicy::AllAtOnce);
    round_trip(&ActivateResponse {
        journey: detail,
        counts: plan.counts(),
        next_run: plan.next_run,
        plan_at: t,
        applying_in_batches: true,
        release: journey_core::release::ReleasePolicy::SpreadOver { hours: 3 },
        last_release: Some(t),
    });
    round_trip(&PauseRequest { expected_version: Some(3) });
    round_trip(&StopRequest::default());
    round_trip(&CreateJourneyRequest { definition: s.definition.clone(), publish: true });
    round_trip(&CreateJourneyResponse { id: JourneyId(2), state: JourneyState::Draft, version: 1 });
    let mut e = ApiError::new(journey_core::api::codes::VERSION_CONFLICT, "This journey changed since you opened it.");
    e.error.current_version = Some(5);
    e.error.current_state = Some(JourneyState::Active);
    round_trip(&e);
    round_trip(&CreateContactsRequest {
        contacts: vec![NewContact { email: Some("a@b.c".into()), phone: None, attributes: Attributes::new(), subscribed: false }],
    });
    let c: NewContact = serde_json::from_str(r#"{"email":"a@b.c"}"#).unwrap();
    assert!(c.subscribed);
    round_trip(&CreateContactsResponse { ids: vec![ContactId(1)] });
    round_trip(&SetSubscriptionRequest { subscribed: false });
    round_trip(&CreateDatasetRequest { name: "Signups".into() });
    round_trip(&CreateDatasetResponse { id: DatasetId(1) });
    round_trip(&AddToDatasetRequest { contact_ids: vec![ContactId(1), ContactId(2)] });
    round_trip(&EventRequest { contact_id: ContactId(1), name: "opened".into(), at: None });
    round_trip(&JourneyAction::Publish { first_run_in_future: true });
    round_trip(&JourneyAction::Pause);
    round_trip(&MembershipStatus::Waiting { until: t });
    round_trip(&MembershipStatus::Exited { reason: ExitReason::Restarted });
    round_trip(&Membership {
        journey_id: JourneyId(1),
        contact_id: ContactId(2),
        generation: Generation(1),
        iteration: Iteration(3),
        node: NodeId::new("wait"),
        status: MembershipStatus::Ready,
        entered_at: t,
    });
    for w in [
        Warning::EndDatePassed { end: date(2026, 1, 5), mode: ActivationMode::Restart },
        Warning::OverdueBurst { count: 3, at_send: 0 },
        Warning::RestartResends { count: 1 },
        Warning::NoFurtherRuns { reason: NoRunReason::OnceAlreadyRan, mode: ActivationMode::Resume },
        Warning::MissedRuns { count: 1, capped: false },
        Warning::EventsNotReplayed,
    ] {
        round_trip(&w);
    }
    round_trip(&NextRun::NoFurtherRuns { reason: NoRunReason::EndDatePassed });
    round_trip(&journey_core::flow::Step::Exit { reason: ExitReason::Condition });
    // Snake-case wire names the other crates rely on.
    assert_eq!(serde_json::to_string(&MonthDay::Last).unwrap(), "\"last\"");
    assert_eq!(serde_json::to_string(&MonthDay::Day(31)).unwrap(), "31");
    assert!(serde_json::from_str::<MonthDay>("32").is_err());
    assert_eq!(serde_json::to_string(&WaitHandling::ExtendByPause).unwrap(), "\"extend_by_pause\"");
    assert_eq!(serde_json::to_string(&AudienceMode::NewUsers).unwrap(), "\"new_users\"");
    assert_eq!(serde_json::to_string(&Channel::Whatsapp).unwrap(), "\"whatsapp\"");
    assert_eq!(
        serde_json::to_string(&Schedule::Once { at: date(2026, 1, 10).at(8, 0, 0, 0) }).unwrap(),
        r#"{"kind":"once","at":"2026-01-10T08:00:00"}"#
    );
    assert_eq!(serde_json::to_string(&NextRun::At { at: t }).unwrap(), r#"{"kind":"at","at":"2026-01-01T08:30:00Z"}"#);
}
