//! One contact explained (`journey_core::explain`): every situation a contact can be in,
//! under Resume and Restart, with and without a release pace and a stale-message guard.
//! Shared: native and headless Chromium.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use jiff::{SignedDuration, Timestamp};
use journey_core::explain::*;
use journey_core::journey::*;
use journey_core::membership::Generation;
use journey_core::plan::*;
use journey_core::release::{ReleasePolicy, release_instant};
use journey_core::samples;
use journey_core::snapshot::*;
use journey_core::zone::Zone;

/// welcome (send) -> first (wait 1 hour) -> a (send) -> second (wait 30 minutes) -> b -> c.
fn snapshot(t: Timestamp) -> JourneySnapshot {
    let next = |id: &str| Some(NodeId::new(id));
    let mut def = samples::onboarding("UTC", samples::daily_at_14());
    def.nodes = vec![
        Node::new("welcome", NodeKind::Send { channel: Channel::Email, template: "welcome".into(), next: next("first") }),
        Node::new("first", NodeKind::Wait { minutes: 60, next: next("a") }),
        Node::new("a", NodeKind::Send { channel: Channel::Email, template: "upgrade".into(), next: next("second") }),
        Node::new("second", NodeKind::Wait { minutes: 30, next: next("b") }),
        Node::new("b", NodeKind::Send { channel: Channel::Email, template: "b".into(), next: next("c") }),
        Node::new("c", NodeKind::Send { channel: Channel::Sms, template: "c".into(), next: None }),
    ];
    let mut s = samples::paused_snapshot(def, Zone::bundled("UTC").unwrap(), t, t - SignedDuration::from_hours(6));
    // 300 overdue at `first`, 100 at `second`; 50 not yet due at `second`.
    s.nodes = vec![NodeCount { node: NodeId::new("first"), count: 300 }, NodeCount { node: NodeId::new("second"), count: 150 }];
    let wait = |node: &str, due: u64, later: u64| WaitDeadlines {
        node: NodeId::new(node),
        due_by_frozen_at: 0,
        due_by_taken_at: due,
        per_minute: if later > 0 { vec![(90, later)] } else { vec![] },
        beyond_horizon: 0,
        late_per_minute: vec![],
        late_older: 0,
    };
    s.waits = vec![wait("first", 300, 0), wait("second", 100, 50)];
    s.audience = AudienceCounts { subscribed: 1_000, suppressed: 10, never_entered: 500, in_flight: 450, already_received: 450 };
    s
}

fn t() -> Timestamp {
    "2026-06-01T12:00:00Z".parse().unwrap()
}

fn at(node: &str, wait_until: Option<Timestamp>, due_before: u64) -> ContactFacts {
    ContactFacts {
        membership: Some(MembershipFacts {
            generation: Generation(1),
            node: NodeId::new(node),
            wait_until,
            late_since: None,
            due_before_at_node: due_before,
        }),
        entered_this_generation: true,
        ..ContactFacts::example()
    }
}

fn say(s: &JourneySnapshot, mode: ActivationMode, policy: ReleasePolicy, facts: &ContactFacts) -> Explanation {
    let plan = plan_activation(s, s.taken_at, mode, WaitHandling::KeepDeadlines).unwrap();
    explain(s, &plan, policy, facts, &|t| format!("at {}", t.strftime("%H:%M")))
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_contact_whose_wait_ended_while_frozen_moves_on_at_activation_or_at_its_release() {
    let s = snapshot(t());
    let ended = t() - SignedDuration::from_hours(3);
    let facts = at("second", Some(ended), 40);
    let e = say(&s, ActivationMode::Resume, ReleasePolicy::AllAtOnce, &facts);
    assert_eq!(
        e.sentence,
        "Continues at Wait 30 minutes; its wait ended while the journey was frozen (at 09:00); it moves on at activation (at 12:00); then it receives Email “b”, then SMS “c”."
    );
    assert_eq!(e.next_message_at, Some(t()));
    // Spread over 4 hours: its rank is the 300 at `first` plus the 40 before it here.
    let policy = ReleasePolicy::SpreadOver { hours: 4 };
    let e = say(&s, ActivationMode::Resume, policy, &facts);
    let released = release_instant(policy, t(), 340, 400);
    assert_eq!(released, "2026-06-01T15:25:00Z".parse().unwrap());
    assert_eq!(
        e.sentence,
        "Continues at Wait 30 minutes; its wait ended while the journey was frozen (at 09:00); it is released at 15:25 (release hour 4); then it receives Email “b”, then SMS “c”."
    );
    assert_eq!(e.next_message_at, Some(released));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_contact_released_past_the_stale_guard_is_told_its_message_is_not_sent() {
    let mut s = snapshot(t());
    s.definition.nodes[2].stale_after_minutes = Some(240); // "upgrade", after `first`
    let facts = at("first", Some(t() - SignedDuration::from_hours(3)), 299);
    let e = say(&s, ActivationMode::Resume, ReleasePolicy::SpreadOver { hours: 2 }, &facts);
    assert_eq!(
        e.sentence,
        "Continues at Wait 1 hour; its wait ended while the journey was frozen (at 09:00); it is released at 13:30 (release hour 2); Send Email “upgrade” would go out 4 hours 30 minutes late, past its limit of 4 hours: it is not sent (recorded as skipped)."
    );
    assert_eq!(e.next_message_at, None);
    // All at once it is 3 hours late: sent.
    let e = say(&s, ActivationMode::Resume, ReleasePolicy::AllAtOnce, &facts);
    assert!(e.sentence.ends_with("then it receives Email “upgrade”."), "{}", e.sentence);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_waiting_contact_a_standing_one_and_the_ones_outside_the_journey() {
    let s = snapshot(t());
    let later = t() + SignedDuration::from_mins(90);
    let e = say(&s, ActivationMode::Resume, ReleasePolicy::AllAtOnce, &at("second", Some(later), 0));
    assert_eq!(e.sentence, "Continues at Wait 30 minutes: its wait ends at 13:30; then it receives Email “b”, then SMS “c”.");
    assert_eq!(e.next_message_at, Some(later));

    let e = say(&s, ActivationMode::Resume, ReleasePolicy::AllAtOnce, &at("b", None, 0));
    assert_eq!(e.sentence, "Stands at Send Email “b”: at activation (at 12:00) it receives Email “b”, then SMS “c”.");

    // Never entered, in the audience: the next run (daily 14:00 UTC).
    let e = say(&s, ActivationMode::Resume, ReleasePolicy::AllAtOnce, &ContactFacts::example());
    assert_eq!(e.sentence, "Not in the journey now: enters at the next run, at 14:00, and receives Email “welcome”.");
    let done = ContactFacts { entered_this_generation: true, ..ContactFacts::example() };
    let e = say(&s, ActivationMode::Resume, ReleasePolicy::AllAtOnce, &done);
    assert_eq!(e.sentence, "Already went through the journey in this generation: under “new users” it does not enter again.");
    let outside = ContactFacts { in_audience: false, ..ContactFacts::example() };
    assert_eq!(
        say(&s, ActivationMode::Resume, ReleasePolicy::AllAtOnce, &outside).sentence,
        "Not in the journey's audience: does not enter."
    );
    let unsubscribed = ContactFacts { subscribed: false, ..at("first", Some(later), 0) };
    assert_eq!(
        say(&s, ActivationMode::Resume, ReleasePolicy::AllAtOnce, &unsubscribed).sentence,
        "Unsubscribed: never enters and receives nothing from this journey."
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn restart_enters_everyone_in_the_audience_now_and_says_who_receives_again() {
    let s = snapshot(t());
    let mut facts = at("first", Some(t() + SignedDuration::from_mins(10)), 0);
    facts.last_messages = vec![SentMessage {
        node: NodeId::new("welcome"),
        channel: Channel::Email,
        template: "welcome".into(),
        at: t() - SignedDuration::from_hours(7),
        state: "delivered".into(),
    }];
    let e = say(&s, ActivationMode::Restart, ReleasePolicy::SpreadOver { hours: 3 }, &facts);
    assert_eq!(
        e.sentence,
        "Leaves Wait 1 hour (the restart ends it). Enters now, at activation (at 12:00), and receives Email “welcome”, again."
    );
    assert_eq!(e.next_message_at, Some(t()));
    let outside = ContactFacts { in_audience: false, ..ContactFacts::example() };
    assert_eq!(
        say(&s, ActivationMode::Restart, ReleasePolicy::AllAtOnce, &outside).sentence,
        "Not in the journey's audience: does not enter."
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn an_event_journey_enters_contacts_on_their_next_event() {
    let mut s = snapshot(t());
    s.definition.trigger = Trigger {
        source: TriggerSource::Event { event_name: "signup".into() },
        audience: AudienceMode::AllUsers,
        schedule: None,
    };
    s.audience = AudienceCounts::default();
    let outside = ContactFacts { in_audience: false, ..ContactFacts::example() };
    assert_eq!(
        say(&s, ActivationMode::Resume, ReleasePolicy::AllAtOnce, &outside).sentence,
        "Not in the journey: enters when it does “signup” after activation."
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_contact_an_earlier_pace_still_holds_keeps_its_release_and_its_lateness() {
    let mut s = snapshot(t());
    s.definition.nodes[4].stale_after_minutes = Some(60); // b, after `second`
    // Held until 14:00 by the last resume's pace, from its 11:00 deadline: 3 hours late then.
    let mut facts = at("second", Some(t() + SignedDuration::from_hours(2)), 0);
    if let Some(m) = facts.membership.as_mut() {
        m.late_since = Some(t() - SignedDuration::from_hours(1));
    }
    let e = say(&s, ActivationMode::Resume, ReleasePolicy::AllAtOnce, &facts);
    assert_eq!(
        e.sentence,
        "Continues at Wait 30 minutes: an earlier pace holds it until at 14:00; Send Email “b” would go out 3 hours late, past its limit of 1 hour: it is not sent (recorded as skipped). The other messages on the way are sent then."
    );
    assert_eq!(e.next_message_at, Some(t() + SignedDuration::from_hours(2)), "SMS “c” still goes at its release");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_guarded_step_after_an_unguarded_one_is_named_as_skipped() {
    let mut s = snapshot(t());
    s.definition.nodes[5].stale_after_minutes = Some(60); // c, after b
    let facts = at("second", Some(t() - SignedDuration::from_hours(3)), 0);
    let e = say(&s, ActivationMode::Resume, ReleasePolicy::AllAtOnce, &facts);
    assert!(
        e.sentence.ends_with("Send SMS “c” would go out 3 hours late, past its limit of 1 hour: it is not sent (recorded as skipped). The other messages on the way are sent then."),
        "{}",
        e.sentence
    );
}
