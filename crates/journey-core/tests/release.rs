//! The backlog release policy and the volume preview (`journey_core::release`): release
//! instants are deterministic, inside the window and under the hourly cap, and the preview's
//! hours equal what stepping each membership at its release instant sends. Shared: native and
//! headless Chromium.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use jiff::civil::date;
use jiff::{SignedDuration, Timestamp};
use journey_core::journey::*;
use journey_core::plan::*;
use journey_core::release::*;
use journey_core::samples;
use journey_core::snapshot::*;
use journey_core::zone::Zone;

/// welcome (send) -> first (wait 60) -> a (send) -> second (wait 30) -> b (send) -> c (send).
/// A contact released from `first` is sent one message, from `second` two.
fn two_waits() -> JourneyDefinition {
    let next = |id: &str| Some(NodeId::new(id));
    let mut def = samples::onboarding("Europe/Berlin", samples::daily_at_14());
    def.trigger.audience = AudienceMode::AllUsers;
    def.nodes = vec![
        Node::new("welcome", NodeKind::Send { channel: Channel::Email, template: "welcome".into(), next: next("first") }),
        Node::new("first", NodeKind::Wait { minutes: 60, next: next("a") }),
        Node::new("a", NodeKind::Send { channel: Channel::Email, template: "a".into(), next: next("second") }),
        Node::new("second", NodeKind::Wait { minutes: 30, next: next("b") }),
        Node::new("b", NodeKind::Send { channel: Channel::Email, template: "b".into(), next: next("c") }),
        Node::new("c", NodeKind::Send { channel: Channel::Sms, template: "c".into(), next: None }),
    ];
    def
}

/// A paused snapshot of [`two_waits`] with `first` and `second` overdue contacts, taken at
/// `taken_at` (Europe/Berlin), `entering` contacts in the audience.
fn backlog_snapshot(taken_at: Timestamp, first: u64, second: u64, entering: u64) -> JourneySnapshot {
    let zone = Zone::bundled("Europe/Berlin").unwrap();
    let frozen_at = taken_at - SignedDuration::from_hours(30);
    let mut s = samples::paused_snapshot(two_waits(), zone, taken_at, frozen_at);
    let wait = |node: &str, n: u64| WaitDeadlines {
        node: NodeId::new(node),
        due_by_frozen_at: 0,
        due_by_taken_at: n,
        per_minute: vec![],
        beyond_horizon: 0,
        late_per_minute: vec![],
        late_older: 0,
    };
    s.nodes =
        vec![NodeCount { node: NodeId::new("first"), count: first }, NodeCount { node: NodeId::new("second"), count: second }];
    s.waits = vec![wait("first", first), wait("second", second)];
    s.audience = AudienceCounts { subscribed: entering + first + second, in_flight: first + second, ..AudienceCounts::default() };
    s
}

/// Property tests (native: proptest does not build for wasm32).
#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use super::*;
    use journey_core::flow::{ContactFacts, Position, advance};
    use journey_core::membership::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn policies() -> impl Strategy<Value = ReleasePolicy> {
        prop_oneof![
            Just(ReleasePolicy::AllAtOnce),
            (1..=MAX_SPREAD_HOURS).prop_map(|hours| ReleasePolicy::SpreadOver { hours }),
            (1u64..5_000).prop_map(|limit| ReleasePolicy::PerHour { limit }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn release_instants_are_deterministic_in_order_inside_the_window_and_under_the_cap(
            policy in policies(),
            total in 1u64..3_000,
            t_secs in 1_700_000_000i64..1_900_000_000,
        ) {
            let t = Timestamp::from_second(t_secs).unwrap();
            let start = release_start(t);
            prop_assert!(start > t && start.as_second() % 60 == 0 && start - t <= SignedDuration::from_mins(1));
            let minutes: Vec<u64> = (0..total).map(|r| release_minute(policy, r, total)).collect();
            // The same answer twice, never earlier for a later rank.
            prop_assert_eq!(&minutes, &(0..total).map(|r| release_minute(policy, r, total)).collect::<Vec<_>>());
            prop_assert!(minutes.windows(2).all(|w| w[0] <= w[1]));
            let hours = release_hours(policy, total);
            match policy {
                ReleasePolicy::AllAtOnce => prop_assert!(minutes.iter().all(|m| *m == 0) && hours == 0),
                ReleasePolicy::SpreadOver { hours: h } => {
                    prop_assert!(minutes.iter().all(|m| *m < u64::from(h) * 60));
                    prop_assert!(hours <= u64::from(h));
                }
                ReleasePolicy::PerHour { limit } => prop_assert_eq!(hours, total.div_ceil(limit)),
            }
            // The closed form per hour equals counting the ranks, and respects the cap.
            for hour in 0..hours.max(1) + 1 {
                let counted = minutes.iter().filter(|m| **m / 60 == hour).count() as u64;
                prop_assert_eq!(releases_in_hour(policy, total, hour), counted);
                if let ReleasePolicy::PerHour { limit } = policy {
                    prop_assert!(counted <= limit);
                }
            }
            // Whole minutes from the start.
            for r in [0, total / 2, total - 1] {
                let at = release_instant(policy, t, r, total);
                prop_assert_eq!(at, start + SignedDuration::from_mins(minutes[r as usize] as i64));
            }
        }

        #[test]
        fn the_preview_per_hour_equals_stepping_each_membership_at_its_release(
            policy in policies(),
            first in 0u64..400,
            second in 0u64..400,
            minute in 0i64..(60 * 24 * 7),
        ) {
            let t = Timestamp::from_second(1_767_225_600 + minute * 60 + 17).unwrap();
            let s = backlog_snapshot(t, first, second, 0);
            let plan = plan_activation(&s, t, ActivationMode::Resume, WaitHandling::KeepDeadlines).unwrap();
            prop_assert_eq!(plan.overdue, first + second);
            let v = volume(&s, &plan, policy);
            // Step every overdue membership, ranked node by node, at its release instant.
            let mut per_hour = [0u64; VOLUME_HOURS];
            let mut released = [0u64; VOLUME_HOURS];
            let mut later = 0u64;
            let attributes = Attributes::new();
            let events = BTreeSet::new();
            let facts = ContactFacts { attributes: &attributes, subscribed: true, events_since_entry: &events };
            let total = first + second;
            for rank in 0..total {
                let node = if rank < first { "first" } else { "second" };
                let at = if policy.holds() { release_instant(policy, t, rank, total) } else { t };
                let deadline = t - SignedDuration::from_hours(1);
                let pos = Position {
                    journey_id: JourneyId(1),
                    contact_id: ContactId(rank + 1),
                    generation: Generation(1),
                    iteration: Iteration(1),
                    node: NodeId::new(node),
                    status: MembershipStatus::Waiting { until: if policy.holds() { at } else { deadline } },
                };
                // Not a moment before its release instant ...
                let before = advance(&s.definition, &pos, at - SignedDuration::from_secs(1), &facts);
                prop_assert!(before.sends.is_empty() || !policy.holds());
                // ... and at it, it moves on and sends.
                let sent = advance(&s.definition, &pos, at, &facts).sends.len() as u64;
                match v.hours.iter().position(|h| at >= h.from && at < h.until) {
                    Some(h) => {
                        per_hour[h] += sent;
                        released[h] += 1;
                    }
                    None => later += 1,
                }
            }
            prop_assert_eq!(v.hours.iter().map(|h| h.messages).collect::<Vec<_>>(), per_hour.to_vec());
            prop_assert_eq!(v.hours.iter().map(|h| h.released).collect::<Vec<_>>(), released.to_vec());
            prop_assert_eq!(v.released_later, later);
            prop_assert_eq!(v.held, if policy.holds() { total } else { 0 });
            prop_assert!(!v.lower_bound);
        }

        #[test]
        fn the_stale_guard_skips_exactly_the_messages_the_preview_counts(
            policy in policies(),
            first in proptest::collection::vec((0u32..900, 1u64..40), 0..12),
            second in proptest::collection::vec((0u32..900, 1u64..40), 0..12),
            guard_a in 1u32..600,
            guard_c in 1u32..600,
        ) {
            let t: Timestamp = "2026-06-01T12:00:30Z".parse().unwrap();
            let mut s = backlog_snapshot(t, 0, 0, 0);
            let mut def = two_waits();
            def.nodes[2].stale_after_minutes = Some(guard_a); // a, after `first`
            def.nodes[5].stale_after_minutes = Some(guard_c); // c, after `second`
            s.definition = def;
            let horizon = guard_a.max(guard_c);
            s.stale_horizon_minutes = horizon;
            // Deadlines whole minutes before the snapshot, some older than the horizon.
            let origin = journey_core::flow::floor_to_minute(t);
            let deadlines = |spec: &[(u32, u64)]| -> Vec<Timestamp> {
                let mut all: Vec<Timestamp> = spec
                    .iter()
                    .flat_map(|(m, c)| std::iter::repeat_n(origin - SignedDuration::from_mins(i64::from(*m)), *c as usize))
                    .collect();
                all.sort();
                all
            };
            let (d1, d2) = (deadlines(&first), deadlines(&second));
            let build = |node: &str, ds: &[Timestamp]| {
                let mut b = WaitDeadlinesBuilder::new(NodeId::new(node), t, Some(t - SignedDuration::from_hours(30)), 720)
                    .with_stale_horizon(horizon);
                for d in ds {
                    b.add(*d, 1);
                    b.add_late(*d, 1);
                }
                b.build()
            };
            s.waits = vec![build("first", &d1), build("second", &d2)];
            s.nodes = vec![
                NodeCount { node: NodeId::new("first"), count: d1.len() as u64 },
                NodeCount { node: NodeId::new("second"), count: d2.len() as u64 },
            ];
            s.nodes.retain(|n| n.count > 0);
            s.waits.retain(|w| w.due_by_taken_at > 0);
            s.audience = AudienceCounts::default();
            let plan = plan_activation(&s, t, ActivationMode::Resume, WaitHandling::KeepDeadlines).unwrap();
            let v = volume(&s, &plan, policy);

            // Step each membership, earliest deadline first, node by node, at its release.
            let attributes = Attributes::new();
            let events = BTreeSet::new();
            let facts = ContactFacts { attributes: &attributes, subscribed: true, events_since_entry: &events };
            let total = (d1.len() + d2.len()) as u64;
            let (mut sent, mut skipped) = ([0u64; VOLUME_HOURS], [0u64; VOLUME_HOURS]);
            let mut skipped_all = 0;
            for (rank, (node, deadline)) in
                d1.iter().map(|d| ("first", *d)).chain(d2.iter().map(|d| ("second", *d))).enumerate()
            {
                let at = if policy.holds() { release_instant(policy, t, rank as u64, total) } else { t };
                let pos = Position {
                    journey_id: JourneyId(1),
                    contact_id: ContactId(rank as u64 + 1),
                    generation: Generation(1),
                    iteration: Iteration(1),
                    node: NodeId::new(node),
                    status: MembershipStatus::Waiting { until: if policy.holds() { at } else { deadline } },
                };
                let hour = v.hours.iter().position(|h| at >= h.from && at < h.until);
                for m in advance(&s.definition, &pos, at, &facts).sends {
                    let late = stale_skip(&s.definition, &m.key.node_id, at.duration_since(deadline)).is_some();
                    skipped_all += u64::from(late);
                    if let Some(h) = hour {
                        if late { skipped[h] += 1 } else { sent[h] += 1 }
                    }
                }
            }
            prop_assert_eq!(v.hours.iter().map(|h| h.messages).collect::<Vec<_>>(), sent.to_vec());
            prop_assert_eq!(v.hours.iter().map(|h| h.stale).collect::<Vec<_>>(), skipped.to_vec());
            prop_assert_eq!(v.stale, skipped_all);
        }
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn ten_thousand_spread_over_three_hours_with_the_next_run_in_the_window() {
    let zone = Zone::bundled("Europe/Berlin").unwrap();
    let t = zone.to_instant(date(2026, 3, 28).at(22, 30, 20, 0)).unwrap();
    let s = backlog_snapshot(t, 6_000, 4_000, 2_000);
    let plan = plan_activation(&s, t, ActivationMode::Resume, WaitHandling::KeepDeadlines).unwrap();
    // Daily 14:00 Berlin: the next run is 15.5 hours after 22:30 (across the spring-forward night).
    assert_eq!(plan.next_run.instant(), Some(zone.to_instant(date(2026, 3, 29).at(14, 0, 0, 0)).unwrap()));
    let v = volume(&s, &plan, ReleasePolicy::SpreadOver { hours: 3 });
    let released: Vec<u64> = v.hours.iter().map(|h| h.released).collect();
    assert_eq!(&released[..4], [3_334, 3_333, 3_333, 0]);
    // Ranks 0..6,000 are at `first` (1 message each), the rest at `second` (2 each).
    let messages: Vec<u64> = v.hours.iter().map(|h| h.messages).collect();
    assert_eq!(&messages[..4], [3_334, 2_666 + 2 * 667, 2 * 3_333, 0]);
    // 22:31 + 15 h = 14:31 on the 29th (an hour shorter that night): the run at 14:00 falls
    // in hour 14, and its 2,000 entering contacts are each sent "welcome".
    assert_eq!(v.hours[14].entering, 2_000);
    assert_eq!(v.hours[14].messages, 2_000);
    assert_eq!(v.first_release, Some(release_start(t)));
    assert_eq!(v.last_release, Some(release_start(t) + SignedDuration::from_mins(179)));
    assert_eq!((v.held, v.released_later, v.at_send, v.runs_not_counted), (10_000, 0, 0, 0));
    assert_eq!(v.peak(), 6_666);
    // The overdue warning speaks of the pace.
    let warnings = v.warnings(&plan);
    let paced = warnings.iter().find(|w| matches!(w, Warning::OverduePaced { .. })).unwrap();
    assert_eq!(*paced, Warning::OverduePaced { count: 10_000, at_send: 0, hours: 3, peak: 3_334 });
    assert_eq!(
        paced.message(),
        "10,000 contacts whose wait ended while the journey was frozen will move on over 3 hours, at most 3,334 in one hour."
    );
    // All at once: everything in hour 0, and the plan's own warning.
    let all = volume(&s, &plan, ReleasePolicy::AllAtOnce);
    assert_eq!(all.hours[0].messages, 6_000 + 2 * 4_000);
    assert_eq!(all.warnings(&plan), plan.warnings);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_capped_release_longer_than_a_day_counts_the_rest_as_later() {
    let t: Timestamp = "2026-01-01T10:00:00Z".parse().unwrap();
    let s = backlog_snapshot(t, 10_000, 0, 0);
    let plan = plan_activation(&s, t, ActivationMode::Resume, WaitHandling::KeepDeadlines).unwrap();
    let v = volume(&s, &plan, ReleasePolicy::PerHour { limit: 300 });
    assert!(v.hours.iter().all(|h| h.released == 300));
    assert_eq!(v.released_later, 10_000 - 24 * 300);
    assert_eq!(release_hours(ReleasePolicy::PerHour { limit: 300 }, 10_000), 34);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn restart_ignores_the_policy_and_enters_everyone_in_the_first_hour() {
    let t: Timestamp = "2026-01-01T10:00:00Z".parse().unwrap();
    let s = backlog_snapshot(t, 100, 50, 1_000);
    let plan = plan_activation(&s, t, ActivationMode::Restart, WaitHandling::KeepDeadlines).unwrap();
    let v = volume(&s, &plan, ReleasePolicy::SpreadOver { hours: 3 });
    assert_eq!((v.policy, v.held, v.backlog), (ReleasePolicy::AllAtOnce, 0, 0));
    assert_eq!((v.hours[0].entering, v.hours[0].messages), (1_150, 1_150));
    assert_eq!(v.total_messages(), 1_150);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn contacts_standing_at_a_message_step_are_messaged_in_the_first_hour_under_every_policy() {
    let t: Timestamp = "2026-01-01T10:00:00Z".parse().unwrap();
    let mut s = backlog_snapshot(t, 0, 0, 0);
    s.nodes = vec![NodeCount { node: NodeId::new("b"), count: 40 }];
    s.waits.clear();
    s.audience.in_flight = 0;
    let plan = plan_activation(&s, t, ActivationMode::Resume, WaitHandling::KeepDeadlines).unwrap();
    let v = volume(&s, &plan, ReleasePolicy::PerHour { limit: 10 });
    // b then c: two messages each.
    assert_eq!((v.at_send, v.hours[0].messages, v.held), (40, 80, 0));
    assert_eq!(v.warnings(&plan).last(), Some(&Warning::OverdueBurst { count: 0, at_send: 40 }));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn release_policies_read_from_json_and_refuse_numbers_out_of_range() {
    let p: ReleasePolicy = serde_json::from_str(r#"{"kind":"spread_over","hours":3}"#).unwrap();
    assert_eq!(p, ReleasePolicy::SpreadOver { hours: 3 });
    let p: ReleasePolicy = serde_json::from_str(r#"{"kind":"per_hour","limit":500}"#).unwrap();
    assert_eq!(p.describe(), "at most 500 an hour");
    assert_eq!(ReleasePolicy::SpreadOver { hours: 1 }.describe(), "evenly over 1 hour");
    assert!(ReleasePolicy::SpreadOver { hours: 73 }.check().is_err());
    assert_eq!(
        ReleasePolicy::PerHour { limit: 0 }.check().unwrap_err().to_string(),
        "The hourly limit must be from 1 to 10,000,000."
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn the_stale_guard_counts_the_messages_it_will_skip_and_the_pace_can_push_more_past_it() {
    // 100 contacts whose one-hour wait ended 3 hours ago; `a`, the message after it, is not
    // sent more than 4 hours late.
    let t: Timestamp = "2026-06-01T12:00:00Z".parse().unwrap();
    let mut s = backlog_snapshot(t, 100, 0, 0);
    s.definition.nodes[2].stale_after_minutes = Some(240);
    s.stale_horizon_minutes = 240;
    let mut b =
        WaitDeadlinesBuilder::new(NodeId::new("first"), t, Some(t - SignedDuration::from_hours(30)), 720).with_stale_horizon(240);
    b.add(t - SignedDuration::from_hours(3), 100).add_late(t - SignedDuration::from_hours(3), 100);
    s.waits = vec![b.build()];
    assert_eq!(s.waits[0].late_per_minute, [(180, 100)]);
    let plan = plan_activation(&s, t, ActivationMode::Resume, WaitHandling::KeepDeadlines).unwrap();
    // All at once: 3 hours late, under the limit.
    assert_eq!(volume(&s, &plan, ReleasePolicy::AllAtOnce).stale, 0);
    // Spread over 2 hours from 12:01: the first hour's releases (12:01 to 13:00) are at most
    // 4 hours late; the second hour's (13:01 on) are more, and are skipped.
    let v = volume(&s, &plan, ReleasePolicy::SpreadOver { hours: 2 });
    assert_eq!((v.hours[0].messages, v.hours[0].stale), (50, 0));
    assert_eq!((v.hours[1].messages, v.hours[1].stale), (0, 50));
    assert_eq!(v.stale, 50);
    let w = v.warnings(&plan);
    assert_eq!(w.last(), Some(&Warning::StaleSkipped { count: 50, at_least: false }));
    assert_eq!(
        w.last().unwrap().message(),
        "50 messages will not be sent: they would go out later than their step's stale-message limit allows. They are recorded as skipped, with the reason."
    );
}
