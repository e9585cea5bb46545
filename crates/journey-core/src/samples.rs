//! Sample journeys and snapshots for tests, doctests and demos (cargo feature
//! `bundled-tzdb`, which supplies the zones).

use jiff::Timestamp;
use jiff::civil::{date, time};

use crate::journey::*;
use crate::membership::Generation;
use crate::schedule::{Frequency, Schedule, ScheduleEnd};
use crate::snapshot::{AudienceCounts, DEFAULT_HORIZON_MINUTES, JourneySnapshot, NodeCount};
use crate::state::JourneyState;
use crate::zone::Zone;

/// "Onboarding series": data set trigger, new users; send email "welcome", wait 2 days, a
/// condition on the `opened` attribute, then push (yes) or SMS (no).
pub fn onboarding(time_zone: &str, schedule: Schedule) -> JourneyDefinition {
    let next = |id: &str| Some(NodeId::new(id));
    JourneyDefinition {
        name: "Onboarding series".into(),
        time_zone: time_zone.into(),
        trigger: Trigger {
            source: TriggerSource::Dataset { dataset_id: DatasetId(1), name: "Signups".into() },
            audience: AudienceMode::NewUsers,
            schedule: Some(schedule),
        },
        entry: NodeId::new("welcome"),
        nodes: vec![
            Node::new("welcome", NodeKind::Send { channel: Channel::Email, template: "welcome".into(), next: next("wait") }),
            Node::new("wait", NodeKind::Wait { minutes: 2 * 24 * 60, next: next("opened") }),
            Node::new(
                "opened",
                NodeKind::Condition {
                    condition: Condition::Attribute {
                        test: AttributeTest::Equals { attribute: "opened".into(), value: "yes".into() },
                    },
                    yes: next("push"),
                    no: next("sms"),
                },
            ),
            Node::new("push", NodeKind::Send { channel: Channel::Push, template: "tips".into(), next: None }),
            Node::new("sms", NodeKind::Send { channel: Channel::Sms, template: "reminder".into(), next: None }),
        ],
    }
}

/// Daily at 14:00 from 1 Dec 2025, never ending.
pub fn daily_at_14() -> Schedule {
    Schedule::Recurring {
        frequency: Frequency::Daily,
        time_of_day: time(14, 0, 0, 0),
        start_date: date(2025, 12, 1),
        end: ScheduleEnd::Never,
    }
}

/// A Paused snapshot of `definition` taken at `taken_at`, frozen at `frozen_at`, with no
/// contacts (fill in the counts you need).
pub fn paused_snapshot(definition: JourneyDefinition, zone: Zone, taken_at: Timestamp, frozen_at: Timestamp) -> JourneySnapshot {
    JourneySnapshot {
        journey_id: JourneyId(1),
        version: 3,
        taken_at,
        state: JourneyState::Paused,
        frozen_at: Some(frozen_at),
        definition,
        zone,
        generation: Generation(1),
        runs_done: 31,
        last_run_at: None,
        audience: AudienceCounts::default(),
        nodes: Vec::<NodeCount>::new(),
        waits: Vec::new(),
        horizon_minutes: DEFAULT_HORIZON_MINUTES,
        edit: None,
        stale_horizon_minutes: 0,
        projected_from: None,
        approval_threshold: None,
    }
}

/// The seed's journey: daily at 14:00 in Asia/Kolkata, paused on 31 Dec 2025 at 11:02 local,
/// snapshot taken on 1 Jan 2026 at 13:30 local, with 1,000 subscribed audience members (600
/// never entered, 100 in flight), 40 suppressed.
pub fn daily_kolkata_snapshot() -> JourneySnapshot {
    let zone = Zone::bundled("Asia/Kolkata").expect("bundled zone");
    let taken_at = zone.to_instant(date(2026, 1, 1).at(13, 30, 0, 0)).expect("in range");
    let frozen_at = zone.to_instant(date(2025, 12, 31).at(11, 2, 0, 0)).expect("in range");
    let mut s = paused_snapshot(onboarding("Asia/Kolkata", daily_at_14()), zone, taken_at, frozen_at);
    s.audience = AudienceCounts { subscribed: 1_000, suppressed: 40, never_entered: 600, in_flight: 100, already_received: 400 };
    s.nodes = vec![NodeCount { node: NodeId::new("wait"), count: 100 }, NodeCount { node: NodeId::new("push"), count: 5 }];
    s
}

/// A chain of `nodes` steps (send email, wait, condition, send SMS, wait, ...) after a daily
/// data-set trigger in `time_zone`; every fifth step from the second is a wait.
pub fn long_journey(time_zone: &str, nodes: usize) -> JourneyDefinition {
    let nodes = nodes.max(1);
    let id = |i: usize| NodeId::new(format!("step-{i}"));
    let next = |i: usize| (i + 1 < nodes).then(|| id(i + 1));
    let steps = (0..nodes)
        .map(|i| {
            let kind = match i % 5 {
                0 => NodeKind::Send { channel: Channel::Email, template: format!("email-{i}"), next: next(i) },
                1 | 4 => NodeKind::Wait { minutes: 60 * (i as u32 + 1), next: next(i) },
                2 => NodeKind::Condition {
                    condition: Condition::Attribute {
                        test: AttributeTest::Equals { attribute: "plan".into(), value: "pro".into() },
                    },
                    yes: next(i),
                    no: next(i),
                },
                _ => NodeKind::Send { channel: Channel::Sms, template: format!("sms-{i}"), next: next(i) },
            };
            Node { id: id(i), label: Some(format!("Step {i}")), kind, stale_after_minutes: None }
        })
        .collect();
    let mut def = onboarding(time_zone, daily_at_14());
    def.name = format!("Journey with {nodes} steps");
    def.entry = id(0);
    def.nodes = steps;
    def
}

/// A Paused snapshot of `definition` (zone `zone`) with `contacts` contacts, as the server
/// would aggregate them: 90% subscribed audience members, 40% of those in flight, spread over
/// the nodes, and each wait node's deadlines spread over every minute of the next 3 days
/// (so every per-minute bucket of the horizon is filled), plus some overdue ones.
pub fn simulated_snapshot(definition: JourneyDefinition, zone: Zone, contacts: u64) -> JourneySnapshot {
    let taken_at = zone.to_instant(date(2026, 1, 1).at(13, 30, 17, 0)).expect("in range");
    let frozen_at = taken_at - jiff::SignedDuration::from_hours(30);
    let mut s = paused_snapshot(definition, zone, taken_at, frozen_at);
    let subscribed = contacts / 10 * 9;
    let in_flight = subscribed / 10 * 4;
    s.audience = AudienceCounts {
        subscribed,
        suppressed: contacts - subscribed,
        never_entered: subscribed / 10 * 3,
        in_flight,
        already_received: subscribed / 2,
    };
    let n = s.definition.nodes.len() as u64;
    let per_node = in_flight / n.max(1);
    let mut remainder = in_flight - per_node * n;
    let minutes = 3 * 24 * 60u64;
    let mut waits = Vec::new();
    for node in &s.definition.nodes {
        let count = per_node + std::mem::take(&mut remainder);
        s.nodes.push(NodeCount { node: node.id.clone(), count });
        if matches!(node.kind, NodeKind::Wait { .. }) {
            let mut b = crate::snapshot::WaitDeadlinesBuilder::new(node.id.clone(), taken_at, Some(frozen_at), s.horizon_minutes);
            // A tenth fell due while frozen, the rest over the next three days.
            let overdue = count / 10;
            b.add(frozen_at + jiff::SignedDuration::from_mins(60), overdue);
            let rest = count - overdue;
            let each = rest / minutes;
            let mut extra = rest - each * minutes;
            let origin = crate::flow::floor_to_minute(taken_at);
            for m in 1..=minutes {
                let c = each + u64::from(extra > 0);
                extra = extra.saturating_sub(1);
                b.add(origin + jiff::SignedDuration::from_mins(m as i64), c);
            }
            waits.push(b.build());
        }
    }
    s.waits = waits;
    s
}
