//! Rules beyond the schedule: states, definitions, the flow step, keys and snapshots. Shared:
//! native and headless Chromium.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use std::collections::BTreeSet;

use jiff::Timestamp;
use jiff::civil::{date, time};
use journey_core::flow::*;
use journey_core::journey::*;
use journey_core::membership::*;
use journey_core::samples;
use journey_core::schedule::*;
use journey_core::snapshot::*;
use journey_core::state::{JourneyAction, JourneyState, transition};
use journey_core::zone::Zone;

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn state_table_matches_spec_section_2() {
    use JourneyAction as A;
    use JourneyState as S;
    let actions = [
        A::Publish { first_run_in_future: true },
        A::Publish { first_run_in_future: false },
        A::Start,
        A::Pause,
        A::Stop,
        A::Activate,
        A::Complete,
    ];
    let mut allowed = Vec::new();
    for from in JourneyState::ALL {
        for action in actions {
            if let Ok(to) = transition(from, action) {
                allowed.push((from, action, to));
            } else {
                let msg = transition(from, action).unwrap_err().to_string();
                assert!(msg.starts_with(&format!("This journey is {from}; only ")), "{msg}");
                assert!(msg.ends_with('.'));
            }
        }
    }
    allowed.sort_by_key(|(f, _, t)| (*f, *t));
    let mut expected = vec![
        (S::Draft, A::Publish { first_run_in_future: true }, S::Scheduled),
        (S::Draft, A::Publish { first_run_in_future: false }, S::Active),
        (S::Scheduled, A::Start, S::Active),
        (S::Active, A::Pause, S::Paused),
        (S::Active, A::Stop, S::Stopped),
        (S::Active, A::Complete, S::Completed),
        (S::Paused, A::Stop, S::Stopped),
        (S::Paused, A::Activate, S::Active),
        (S::Stopped, A::Activate, S::Active),
    ];
    expected.sort_by_key(|(f, _, t)| (*f, *t));
    assert_eq!(allowed, expected);
    assert_eq!(
        transition(S::Draft, A::Stop).unwrap_err().to_string(),
        "This journey is Draft; only Active or Paused journeys can be stopped."
    );
    assert!(S::Paused.can_activate() && S::Stopped.can_activate() && !S::Active.can_activate());
}

fn definition() -> JourneyDefinition {
    samples::onboarding("Asia/Kolkata", samples::daily_at_14())
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn definitions_are_validated_with_readable_errors() {
    let ok = definition();
    ok.validate().unwrap();
    ok.validate_with_zone(&Zone::bundled("Asia/Kolkata").unwrap()).unwrap();
    assert_eq!(
        ok.validate_with_zone(&Zone::bundled("UTC").unwrap()).unwrap_err().to_string(),
        "\"Asia/Kolkata\" is not a known IANA time zone."
    );

    let check = |f: &dyn Fn(&mut JourneyDefinition), msg: &str| {
        let mut d = definition();
        f(&mut d);
        assert_eq!(d.validate().unwrap_err().to_string(), msg);
    };
    check(&|d| d.name = "  ".into(), "The journey needs a name.");
    check(&|d| d.trigger.schedule = None, "A data set trigger needs a schedule.");
    check(
        &|d| {
            d.trigger.source = TriggerSource::Event { event_name: "signup".into() };
        },
        "An event trigger runs on each event and cannot have a schedule.",
    );
    check(&|d| d.entry = NodeId::new("nope"), "The trigger leads to \"nope\", which does not exist.");
    check(
        &|d| {
            d.nodes[4].kind = NodeKind::Send { channel: Channel::Sms, template: "r".into(), next: Some(NodeId::new("wait")) };
        },
        "The journey loops back to step \"wait\"; a journey must not contain a loop.",
    );
    check(&|d| d.nodes.push(Node::new("orphan", NodeKind::Exit)), "Step \"orphan\" cannot be reached from the trigger.");
    check(&|d| d.nodes.push(Node::new("wait", NodeKind::Exit)), "Two steps have the same id \"wait\".");
    check(
        &|d| d.nodes[1].kind = NodeKind::Wait { minutes: 0, next: Some(NodeId::new("opened")) },
        "Step \"wait\" must wait between 1 minute and 366 days.",
    );
    check(
        &|d| {
            d.trigger.schedule = Some(Schedule::Recurring {
                frequency: Frequency::EveryHours { hours: 0 },
                time_of_day: time(8, 0, 0, 0),
                start_date: date(2026, 1, 1),
                end: ScheduleEnd::Never,
            })
        },
        "\"Every N hours\" needs N from 1 to 8784 (it is 0).",
    );
    check(
        &|d| {
            d.trigger.schedule = Some(Schedule::Recurring {
                frequency: Frequency::Daily,
                time_of_day: time(8, 0, 0, 0),
                start_date: date(2026, 2, 1),
                end: ScheduleEnd::On { date: date(2026, 1, 1) },
            })
        },
        "The end date (1 Jan 2026) is before the start date (1 Feb 2026).",
    );
    check(&|d| d.nodes.clear(), "The journey needs at least one step after the trigger.");
    check(&|d| d.name = "x".repeat(MAX_TEXT + 1), "The journey name is too long (at most 200 characters).");
    // A diamond (two branches joining) is a DAG, not a cycle.
    let mut d = definition();
    d.nodes[3].kind = NodeKind::Send { channel: Channel::Push, template: "t".into(), next: Some(NodeId::new("end")) };
    d.nodes[4].kind = NodeKind::Send { channel: Channel::Sms, template: "t".into(), next: Some(NodeId::new("end")) };
    d.nodes.push(Node::new("end", NodeKind::Exit));
    d.validate().unwrap();
    // A long chain does not overflow the stack.
    let mut d = definition();
    d.nodes = (0..MAX_NODES)
        .map(|i| {
            let next = (i + 1 < MAX_NODES).then(|| NodeId::new(format!("n{}", i + 1)));
            Node::new(format!("n{i}"), NodeKind::Wait { minutes: 1, next })
        })
        .collect();
    d.entry = NodeId::new("n0");
    d.validate().unwrap();
    d.nodes.push(Node::new("extra", NodeKind::Exit));
    assert_eq!(d.validate().unwrap_err(), DefinitionError::TooManyNodes(MAX_NODES + 1));
}

fn position(node: &str, status: MembershipStatus) -> Position {
    Position {
        journey_id: JourneyId(3),
        contact_id: ContactId(42),
        generation: Generation(2),
        iteration: Iteration(7),
        node: NodeId::new(node),
        status,
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn flow_steps() {
    let def = definition();
    let now: Timestamp = "2026-01-01T10:00:30Z".parse().unwrap();
    let mut attributes = Attributes::new();
    fn facts(attributes: &Attributes, subscribed: bool) -> ContactFacts<'_> {
        static NONE: BTreeSet<String> = BTreeSet::new();
        ContactFacts { attributes, subscribed, events_since_entry: &NONE }
    }

    // Send: the key carries generation and iteration; then the wait.
    let step = journey_core::flow::step(&def, &position("welcome", MembershipStatus::Ready), now, &facts(&attributes, true));
    assert_eq!(
        step,
        Step::Send {
            key: "j3/g2/i7/c42/welcome".parse().unwrap(),
            channel: Channel::Email,
            template: "welcome".into(),
            then: Some(NodeId::new("wait")),
        }
    );
    // Arriving at a wait of 2 days: whole-minute deadline.
    let until: Timestamp = "2026-01-03T10:01:00Z".parse().unwrap();
    let s = journey_core::flow::step(&def, &position("wait", MembershipStatus::Ready), now, &facts(&attributes, true));
    assert_eq!(s, Step::Wait { until });
    // Still waiting until the deadline; at the deadline it moves on.
    let waiting = position("wait", MembershipStatus::Waiting { until });
    let before = "2026-01-03T10:00:59Z".parse().unwrap();
    assert_eq!(journey_core::flow::step(&def, &waiting, before, &facts(&attributes, true)), Step::Wait { until });
    assert_eq!(
        journey_core::flow::step(&def, &waiting, until, &facts(&attributes, true)),
        Step::Move { to: NodeId::new("opened") }
    );
    // Condition.
    let at_condition = position("opened", MembershipStatus::Ready);
    assert_eq!(
        journey_core::flow::step(&def, &at_condition, now, &facts(&attributes, true)),
        Step::Move { to: NodeId::new("sms") }
    );
    attributes.insert("opened".into(), "YES".into());
    assert_eq!(
        journey_core::flow::step(&def, &at_condition, now, &facts(&attributes, true)),
        Step::Move { to: NodeId::new("push") }
    );
    // Last send completes after it.
    let Step::Send { then, .. } =
        journey_core::flow::step(&def, &position("push", MembershipStatus::Ready), now, &facts(&attributes, true))
    else {
        panic!()
    };
    assert_eq!(then, None);
    // Unsubscribed: exit, never a send.
    assert_eq!(
        journey_core::flow::step(&def, &position("welcome", MembershipStatus::Ready), now, &facts(&attributes, false)),
        Step::Exit { reason: ExitReason::Unsubscribed }
    );
    // Removed node, finished memberships.
    assert_eq!(
        journey_core::flow::step(&def, &position("gone", MembershipStatus::Ready), now, &facts(&attributes, true)),
        Step::Exit { reason: ExitReason::NodeMissing }
    );
    assert_eq!(
        journey_core::flow::step(&def, &position("welcome", MembershipStatus::Completed), now, &facts(&attributes, true)),
        Step::Finished
    );

    // did_event conditions and empty branches.
    let mut def = definition();
    def.nodes[2].kind = NodeKind::Condition {
        condition: Condition::DidEvent { event_name: "purchase".into() },
        yes: None,
        no: Some(NodeId::new("sms")),
    };
    def.nodes.push(Node::new("out", NodeKind::Exit));
    let mut bought = BTreeSet::new();
    bought.insert("purchase".to_string());
    let with_event = ContactFacts { attributes: &attributes, subscribed: true, events_since_entry: &bought };
    assert_eq!(journey_core::flow::step(&def, &at_condition, now, &with_event), Step::Exit { reason: ExitReason::Condition });
    assert_eq!(
        journey_core::flow::step(&def, &at_condition, now, &facts(&attributes, true)),
        Step::Move { to: NodeId::new("sms") }
    );
    assert_eq!(
        journey_core::flow::step(&def, &position("out", MembershipStatus::Ready), now, &facts(&attributes, true)),
        Step::Exit { reason: ExitReason::ExitNode }
    );
}

// ---- advance: a membership moves until it waits or ends --------------------------------

fn contact(attributes: &Attributes, subscribed: bool) -> ContactFacts<'_> {
    static NONE: BTreeSet<String> = BTreeSet::new();
    ContactFacts { attributes, subscribed, events_since_entry: &NONE }
}

/// The message keys an advance sent, as the log's text.
fn sent(advance: &Advance) -> Vec<String> {
    advance.sends.iter().map(|m| m.key.to_string()).collect()
}

fn send(id: &str, channel: Channel, next: Option<&str>) -> Node {
    Node::new(id, NodeKind::Send { channel, template: format!("{id}-template"), next: next.map(NodeId::new) })
}

/// The onboarding journey's condition: `opened` is "yes" (any case, spaces ignored).
fn opened() -> Attributes {
    let mut a = Attributes::new();
    a.insert("opened".into(), " Yes ".into());
    a
}

const NOW: &str = "2026-01-01T10:00:30Z";
/// The onboarding wait's deadline for a contact that arrives at `NOW`: two days after 10:01.
const WAIT_ENDS: &str = "2026-01-03T10:01:00Z";

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_send_then_a_wait_sends_once_and_waits() {
    let def = definition();
    let none = Attributes::new();
    let a = advance(&def, &position("welcome", MembershipStatus::Ready), NOW.parse().unwrap(), &contact(&none, true));
    assert_eq!(
        a.sends,
        [Message { key: "j3/g2/i7/c42/welcome".parse().unwrap(), channel: Channel::Email, template: "welcome".into() }]
    );
    let until: Timestamp = WAIT_ENDS.parse().unwrap();
    assert_eq!(a.position, position("wait", MembershipStatus::Waiting { until }));
    // Advanced again before the deadline: nothing sent, nothing changed.
    let early = advance(&def, &a.position, "2026-01-03T10:00:59Z".parse().unwrap(), &contact(&none, true));
    assert_eq!(early, Advance { position: a.position.clone(), sends: vec![] });
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn two_sends_then_the_end_send_both_in_order_and_complete() {
    let mut def = definition();
    def.entry = NodeId::new("hello");
    def.nodes = vec![send("hello", Channel::Email, Some("reminder")), send("reminder", Channel::Sms, None)];
    def.validate().unwrap();
    let a = advance(&def, &position("hello", MembershipStatus::Ready), NOW.parse().unwrap(), &contact(&opened(), true));
    assert_eq!(sent(&a), ["j3/g2/i7/c42/hello", "j3/g2/i7/c42/reminder"]);
    assert_eq!((a.sends[0].channel, a.sends[0].template.as_str()), (Channel::Email, "hello-template"));
    assert_eq!((a.sends[1].channel, a.sends[1].template.as_str()), (Channel::Sms, "reminder-template"));
    assert_eq!(a.position, position("reminder", MembershipStatus::Completed));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_condition_sends_the_contact_down_the_branch_it_matches() {
    let def = definition();
    let now = NOW.parse().unwrap();
    let at_condition = position("opened", MembershipStatus::Ready);
    let yes = advance(&def, &at_condition, now, &contact(&opened(), true));
    assert_eq!(sent(&yes), ["j3/g2/i7/c42/push"]);
    assert_eq!(yes.position, position("push", MembershipStatus::Completed));
    let no = advance(&def, &at_condition, now, &contact(&Attributes::new(), true));
    assert_eq!(sent(&no), ["j3/g2/i7/c42/sms"]);
    assert_eq!(no.position, position("sms", MembershipStatus::Completed));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn an_empty_condition_branch_exits_there_keeping_the_sends_before_it() {
    let mut def = definition();
    def.entry = NodeId::new("hello");
    def.nodes = vec![
        send("hello", Channel::Email, Some("bought")),
        Node::new(
            "bought",
            NodeKind::Condition {
                condition: Condition::DidEvent { event_name: "purchase".into() },
                yes: None,
                no: Some(NodeId::new("offer")),
            },
        ),
        send("offer", Channel::Push, None),
    ];
    def.validate().unwrap();
    let none = Attributes::new();
    let purchase: BTreeSet<String> = ["purchase".to_string()].into();
    let buyer = ContactFacts { attributes: &none, subscribed: true, events_since_entry: &purchase };
    let a = advance(&def, &position("hello", MembershipStatus::Ready), NOW.parse().unwrap(), &buyer);
    assert_eq!(sent(&a), ["j3/g2/i7/c42/hello"]);
    assert_eq!(a.position, position("bought", MembershipStatus::Exited { reason: ExitReason::Condition }));
    // Without the event the other branch is taken.
    let a = advance(&def, &position("hello", MembershipStatus::Ready), NOW.parse().unwrap(), &contact(&none, true));
    assert_eq!(sent(&a), ["j3/g2/i7/c42/hello", "j3/g2/i7/c42/offer"]);
    assert_eq!(a.position, position("offer", MembershipStatus::Completed));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn an_exit_node_exits_the_membership_at_that_node() {
    let mut def = definition();
    def.entry = NodeId::new("hello");
    def.nodes = vec![send("hello", Channel::Whatsapp, Some("out")), Node::new("out", NodeKind::Exit)];
    def.validate().unwrap();
    let a = advance(&def, &position("hello", MembershipStatus::Ready), NOW.parse().unwrap(), &contact(&opened(), true));
    assert_eq!(sent(&a), ["j3/g2/i7/c42/hello"]);
    assert_eq!(a.position, position("out", MembershipStatus::Exited { reason: ExitReason::ExitNode }));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn an_unsubscribed_contact_exits_before_any_send() {
    let def = definition();
    let attributes = opened();
    let gone = contact(&attributes, false);
    let a = advance(&def, &position("welcome", MembershipStatus::Ready), NOW.parse().unwrap(), &gone);
    assert_eq!(
        a,
        Advance { position: position("welcome", MembershipStatus::Exited { reason: ExitReason::Unsubscribed }), sends: vec![] }
    );
    // Its wait over, it exits at the wait instead of going on to the push.
    let until: Timestamp = WAIT_ENDS.parse().unwrap();
    let waiting = position("wait", MembershipStatus::Waiting { until });
    let a = advance(&def, &waiting, until, &gone);
    assert_eq!(
        a,
        Advance { position: position("wait", MembershipStatus::Exited { reason: ExitReason::Unsubscribed }), sends: vec![] }
    );
    // Still waiting, it keeps waiting: it exits at its next step.
    let early = until - jiff::SignedDuration::from_secs(1);
    assert_eq!(advance(&def, &waiting, early, &gone), Advance { position: waiting.clone(), sends: vec![] });
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_membership_at_a_removed_node_exits_there() {
    let def = definition();
    let now: Timestamp = NOW.parse().unwrap();
    let missing = MembershipStatus::Exited { reason: ExitReason::NodeMissing };
    let a = advance(&def, &position("gone", MembershipStatus::Ready), now, &contact(&opened(), true));
    assert_eq!(a, Advance { position: position("gone", missing), sends: vec![] });
    // Also when its wait at the removed node is over.
    let a = advance(&def, &position("gone", MembershipStatus::Waiting { until: now }), now, &contact(&opened(), true));
    assert_eq!(a, Advance { position: position("gone", missing), sends: vec![] });
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_wait_that_is_due_moves_on_through_the_condition_to_the_last_send() {
    let def = definition();
    let until: Timestamp = WAIT_ENDS.parse().unwrap();
    let waiting = position("wait", MembershipStatus::Waiting { until });
    // Due at its deadline (inclusive), and later (the runner may be late).
    for now in [until, until + jiff::SignedDuration::from_mins(90)] {
        let a = advance(&def, &waiting, now, &contact(&opened(), true));
        assert_eq!(sent(&a), ["j3/g2/i7/c42/push"], "at {now}");
        assert_eq!(a.position, position("push", MembershipStatus::Completed));
    }
    // A nanosecond before: still waiting.
    let early = until - jiff::SignedDuration::from_nanos(1);
    assert_eq!(advance(&def, &waiting, early, &contact(&opened(), true)), Advance { position: waiting.clone(), sends: vec![] });
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_loop_stored_in_a_definition_stops_at_the_step_limit() {
    // A send and a condition leading back to it: validation refuses it; stored anyway.
    let mut def = definition();
    def.entry = NodeId::new("ping");
    def.nodes = vec![
        send("ping", Channel::Sms, Some("again")),
        Node::new(
            "again",
            NodeKind::Condition {
                condition: Condition::Attribute { test: AttributeTest::Exists { attribute: "opened".into() } },
                yes: Some(NodeId::new("ping")),
                no: Some(NodeId::new("ping")),
            },
        ),
    ];
    assert_eq!(def.validate(), Err(DefinitionError::Cycle(NodeId::new("ping"))));
    // Two nodes: at most four steps (send, move, send, move), then it stops, still ready.
    let a = advance(&def, &position("ping", MembershipStatus::Ready), NOW.parse().unwrap(), &contact(&opened(), true));
    assert_eq!(sent(&a), ["j3/g2/i7/c42/ping", "j3/g2/i7/c42/ping"]); // one key: the log keeps one message
    assert_eq!(a.position, position("ping", MembershipStatus::Ready));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_finished_membership_stays_as_it_is() {
    let def = definition();
    for status in [MembershipStatus::Completed, MembershipStatus::Exited { reason: ExitReason::Restarted }] {
        let done = position("welcome", status);
        assert_eq!(
            advance(&def, &done, NOW.parse().unwrap(), &contact(&opened(), true)),
            Advance { position: done.clone(), sends: vec![] }
        );
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn wait_deadlines_are_whole_minutes() {
    let t: Timestamp = "2026-01-01T10:00:00Z".parse().unwrap();
    assert_eq!(wait_deadline(t, 5), Some("2026-01-01T10:05:00Z".parse().unwrap()));
    let t: Timestamp = "2026-01-01T10:00:00.000000001Z".parse().unwrap();
    assert_eq!(wait_deadline(t, 5), Some("2026-01-01T10:06:00Z".parse().unwrap()));
    assert_eq!(wait_deadline(Timestamp::MAX, 5), None);
    assert_eq!(floor_to_minute("2026-01-01T10:00:59Z".parse().unwrap()), "2026-01-01T10:00:00Z".parse().unwrap());
    // Before 1970 too.
    assert_eq!(ceil_to_minute("1969-12-31T23:59:30Z".parse().unwrap()), Some("1970-01-01T00:00:00Z".parse().unwrap()));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn message_keys_are_stable() {
    let key = MessageKey {
        journey_id: JourneyId(1),
        generation: Generation(1),
        iteration: Iteration(1),
        contact_id: ContactId(1),
        node_id: NodeId::new("a"),
    };
    assert_eq!(key.to_string(), "j1/g1/i1/c1/a");
    for bad in ["", "j1/g1/i1/c1/", "j1/g1/i1/c1", "x1/g1/i1/c1/a", "j/g1/i1/c1/a", "j1/g99999999999/i1/c1/a", "j+1/g1/i1/c1/a"] {
        assert!(bad.parse::<MessageKey>().is_err(), "{bad}");
    }
    // A Restart's new generation gives the same send a new key, with a stable text that reads
    // back as the same key.
    let restarted = MessageKey { generation: Generation(1).next(), ..key.clone() };
    assert_eq!(restarted.to_string(), "j1/g2/i1/c1/a");
    assert_eq!("j1/g2/i1/c1/a".parse::<MessageKey>(), Ok(restarted.clone()));
    // The log is unique on the key: a retry in the same generation is one row, the restarted
    // generation's send is another, whether the log compares keys or their text.
    let log: BTreeSet<MessageKey> = [key.clone(), restarted.clone(), key.clone()].into_iter().collect();
    assert_eq!(log.len(), 2);
    let log_text: BTreeSet<String> = [&key, &restarted, &key].iter().map(|k| k.to_string()).collect();
    assert_eq!(log_text.len(), 2);
    // The flow builds those keys from the membership's generation.
    let def = definition();
    let now: Timestamp = "2026-01-01T10:00:00Z".parse().unwrap();
    let attributes = Attributes::new();
    let first = Position { generation: Generation(1), ..position("welcome", MembershipStatus::Ready) };
    let second = Position { generation: Generation(1).next(), ..first.clone() };
    assert_eq!(sent(&advance(&def, &first, now, &contact(&attributes, true))), ["j3/g1/i7/c42/welcome"]);
    assert_eq!(sent(&advance(&def, &second, now, &contact(&attributes, true))), ["j3/g2/i7/c42/welcome"]);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn snapshots_are_checked() {
    let good = samples::daily_kolkata_snapshot();
    good.check().unwrap();
    let mut s = good.clone();
    s.nodes.push(NodeCount { node: NodeId::new("ghost"), count: 1 });
    assert_eq!(s.check(), Err(SnapshotError::UnknownNode(NodeId::new("ghost"))));
    let mut s = good.clone();
    s.waits.push(WaitDeadlines {
        node: NodeId::new("welcome"),
        due_by_frozen_at: 0,
        due_by_taken_at: 0,
        per_minute: vec![],
        beyond_horizon: 0,
        late_per_minute: vec![],
        late_older: 0,
    });
    assert!(s.check().is_err());
    let mut s = good.clone();
    s.waits.push(WaitDeadlines {
        node: NodeId::new("wait"),
        due_by_frozen_at: 0,
        due_by_taken_at: 0,
        per_minute: vec![(5, 1), (3, 1)],
        beyond_horizon: 0,
        late_per_minute: vec![],
        late_older: 0,
    });
    assert_eq!(s.check(), Err(SnapshotError::BadBuckets(NodeId::new("wait"))));
    let mut s = good.clone();
    s.waits.push(WaitDeadlines {
        node: NodeId::new("wait"),
        due_by_frozen_at: 0,
        due_by_taken_at: 101,
        per_minute: vec![],
        beyond_horizon: 0,
        late_per_minute: vec![],
        late_older: 0,
    });
    assert_eq!(s.check(), Err(SnapshotError::TooManyDeadlines(NodeId::new("wait"))));
    let mut s = good.clone();
    s.audience.never_entered = 950;
    assert_eq!(s.check(), Err(SnapshotError::AudienceCounts));
    let mut s = good.clone();
    s.zone = Zone::bundled("UTC").unwrap();
    assert!(matches!(s.check(), Err(SnapshotError::ZoneMismatch { .. })));
    let mut s = good;
    s.horizon_minutes = 0;
    assert_eq!(s.check(), Err(SnapshotError::InvalidHorizon));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn zones_travel_as_base64_tzif() {
    let z = Zone::bundled("America/Sao_Paulo").unwrap();
    let json = serde_json::to_string(&z).unwrap();
    let back: Zone = serde_json::from_str(&json).unwrap();
    assert_eq!(back, z);
    assert_eq!(back.tzif(), journey_core::zone::tzif_bytes("America/Sao_Paulo").unwrap());
    // Built from the bytes alone (the browser's path), it answers like the bundled one.
    let from_bytes = Zone::from_tzif(z.name(), z.tzif()).unwrap();
    let dt = date(2018, 11, 4).at(0, 30, 0, 0);
    assert_eq!(from_bytes.to_instant(dt), z.to_instant(dt));
    assert!(serde_json::from_str::<Zone>(r#"{"name":"X","tzif":"!!"}"#).is_err());
    assert!(serde_json::from_str::<Zone>(r#"{"name":"X","tzif":"VFppZjI="}"#).is_err());
    assert_eq!(Zone::bundled("Mars/Base").unwrap_err().to_string(), "\"Mars/Base\" is not a known IANA time zone.");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn descriptions() {
    let def = definition();
    assert_eq!(def.schedule_text(), "Every day at 14:00");
    let monthly = |d| Schedule::Recurring {
        frequency: Frequency::Monthly { day: MonthDay::Day(d) },
        time_of_day: time(9, 30, 0, 0),
        start_date: date(2026, 1, 1),
        end: ScheduleEnd::Never,
    };
    assert_eq!(monthly(1).describe(), "On the 1st of every month at 09:30");
    assert_eq!(monthly(2).describe(), "On the 2nd of every month at 09:30");
    assert_eq!(monthly(3).describe(), "On the 3rd of every month at 09:30");
    assert_eq!(monthly(11).describe(), "On the 11th of every month at 09:30");
    assert_eq!(monthly(22).describe(), "On the 22nd of every month at 09:30");
    assert_eq!(monthly(29).describe(), "On the 29th of every month (the last day in shorter months) at 09:30");
    assert_eq!(Schedule::Once { at: date(2026, 12, 25).at(7, 5, 0, 0) }.describe(), "Once on 25 Dec 2026 at 07:05");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn publish_and_complete() {
    use journey_core::state::{is_finished, publish_action};
    let z = Zone::bundled("Asia/Kolkata").unwrap();
    let mut trigger = definition().trigger;
    let now = z.to_instant(date(2025, 11, 20).at(9, 0, 0, 0)).unwrap();
    assert_eq!(publish_action(&trigger, &z, now), JourneyAction::Publish { first_run_in_future: true });
    assert_eq!(transition(JourneyState::Draft, publish_action(&trigger, &z, now)), Ok(JourneyState::Scheduled));
    assert!(!is_finished(&trigger, &z, now, 0, 0)); // never-ending daily
    trigger.schedule = Some(Schedule::Once { at: date(2025, 11, 1).at(8, 0, 0, 0) });
    assert_eq!(publish_action(&trigger, &z, now), JourneyAction::Publish { first_run_in_future: false });
    assert!(is_finished(&trigger, &z, now, 1, 0));
    assert!(!is_finished(&trigger, &z, now, 1, 3));
    trigger.source = TriggerSource::Event { event_name: "signup".into() };
    trigger.schedule = None;
    assert_eq!(publish_action(&trigger, &z, now), JourneyAction::Publish { first_run_in_future: false });
    assert!(!is_finished(&trigger, &z, now, 0, 0));
}

/// The admission rule's full table: every combination of the facts under both modes.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn admission_table() {
    use AudienceMode::{AllUsers, NewUsers};
    use journey_core::flow::{Admission::*, AdmissionFacts, admits, admits_on_event};
    // (subscribed, in_flight, entered_in_generation) -> (new_users, all_users)
    let table = [
        ((false, false, false), (Suppressed, Suppressed)),
        ((false, false, true), (Suppressed, Suppressed)),
        ((false, true, false), (Suppressed, Suppressed)),
        ((false, true, true), (Suppressed, Suppressed)),
        ((true, false, false), (Enters, Enters)),
        ((true, false, true), (AlreadyEntered, Enters)),
        ((true, true, false), (InFlight, InFlight)),
        ((true, true, true), (InFlight, InFlight)),
    ];
    assert_eq!(AdmissionFacts::all().count(), table.len());
    for ((subscribed, in_flight, entered_in_generation), (new_users, all_users)) in table {
        let f = AdmissionFacts { subscribed, in_flight, entered_in_generation };
        assert!(AdmissionFacts::all().any(|g| g == f));
        assert_eq!(admits(NewUsers, &f), new_users, "{f:?}");
        assert_eq!(admits(AllUsers, &f), all_users, "{f:?}");
        for mode in [NewUsers, AllUsers] {
            assert_eq!(admits_on_event(mode, JourneyState::Active, true, &f), admits(mode, &f));
            assert_eq!(admits_on_event(mode, JourneyState::Active, false, &f), NotReplayed);
            for frozen in [JourneyState::Paused, JourneyState::Stopped, JourneyState::Completed, JourneyState::Draft] {
                assert_eq!(admits_on_event(mode, frozen, true, &f), NotActive);
            }
        }
    }
}

/// Request bodies and the definition inside them deny unknown fields at every level,
/// including the unit variants of tagged enums (`daily`, `never`, `exit`).
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn request_bodies_deny_unknown_fields() {
    use journey_core::api::{ActivateRequest, CreateJourneyRequest, EventRequest};
    let body = serde_json::json!({
        "name": "Strict", "time_zone": "UTC", "publish": false,
        "trigger": { "source": { "kind": "segment", "name": "s", "rule": { "all": [ { "op": "exists", "attribute": "a" } ] } },
                     "audience": "new_users",
                     "schedule": { "kind": "recurring", "frequency": { "kind": "daily" }, "time_of_day": "14:00",
                                   "start_date": "2026-01-01", "end": { "kind": "never" } } },
        "entry": "c",
        "nodes": [
            { "id": "c", "kind": { "type": "condition", "condition": { "kind": "did_event", "event_name": "e" }, "yes": "x", "no": null } },
            { "id": "x", "kind": { "type": "exit" } },
        ],
    });
    let req: CreateJourneyRequest = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(serde_json::to_value(&req).unwrap()["entry"], "c", "the JSON shape is flat");
    let pointers = [
        "",
        "/trigger",
        "/trigger/source",
        "/trigger/source/rule",
        "/trigger/source/rule/all/0",
        "/trigger/schedule",
        "/trigger/schedule/frequency",
        "/trigger/schedule/end",
        "/nodes/0",
        "/nodes/0/kind",
        "/nodes/0/kind/condition",
        "/nodes/1/kind",
    ];
    for pointer in pointers {
        let mut b = body.clone();
        let Some(serde_json::Value::Object(at)) = b.pointer_mut(pointer) else { panic!("{pointer}") };
        at.insert("flavour".into(), serde_json::json!(1));
        let err = serde_json::from_value::<CreateJourneyRequest>(b).unwrap_err().to_string();
        assert!(err.contains("unknown field `flavour`"), "{pointer}: {err}");
    }
    let activate =
        serde_json::json!({ "mode": "resume", "expected_version": 3, "wait_handling": "keep_deadlines", "force": true });
    assert!(serde_json::from_value::<ActivateRequest>(activate).unwrap_err().to_string().contains("`force`"));
    let event = serde_json::json!({ "contact_id": 1, "name": "e", "when": "2026-01-01T00:00:00Z" });
    assert!(serde_json::from_value::<EventRequest>(event).unwrap_err().to_string().contains("`when`"));
}
