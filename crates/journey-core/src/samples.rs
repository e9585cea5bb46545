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
            Node::new(
                "welcome",
                NodeKind::Send { channel: Channel::Email, template: "welcome".into(), next: next("wait") },
            ),
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
pub fn paused_snapshot(
    definition: JourneyDefinition,
    zone: Zone,
    taken_at: Timestamp,
    frozen_at: Timestamp,
) -> JourneySnapshot {
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
    s.audience = AudienceCounts {
        subscribed: 1_000,
        suppressed: 40,
        never_entered: 600,
        in_flight: 100,
        already_received: 400,
    };
    s.nodes = vec![
        NodeCount { node: NodeId::new("wait"), count: 100 },
        NodeCount { node: NodeId::new("push"), count: 5 },
    ];
    s
}
