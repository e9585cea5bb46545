//! The demo's ten journeys: one per situation the console must show well (see the comment on
//! each).

use jiff::SignedDuration;
use jiff::Timestamp;
use journey_core::journey::{
    AttributeTest, AudienceMode, Channel, Condition, DatasetId, JourneyDefinition, Node, NodeId, NodeKind, SegmentRule, Trigger,
    TriggerSource,
};
use journey_core::schedule::{Frequency, MonthDay, Schedule, ScheduleEnd, Weekday};
use journey_core::zone::Zone;

use super::people::DataSets;

fn next(id: &str) -> Option<NodeId> {
    Some(NodeId::new(id))
}

fn send(id: &str, label: &str, channel: Channel, template: &str, then: Option<NodeId>) -> Node {
    Node {
        id: NodeId::new(id),
        label: Some(label.into()),
        kind: NodeKind::Send { channel, template: template.into(), next: then },
        stale_after_minutes: None,
    }
}

fn wait(id: &str, label: &str, minutes: u32, then: Option<NodeId>) -> Node {
    Node {
        id: NodeId::new(id),
        label: Some(label.into()),
        kind: NodeKind::Wait { minutes, next: then },
        stale_after_minutes: None,
    }
}

fn condition(id: &str, label: &str, condition: Condition, yes: Option<NodeId>, no: Option<NodeId>) -> Node {
    Node {
        id: NodeId::new(id),
        label: Some(label.into()),
        kind: NodeKind::Condition { condition, yes, no },
        stale_after_minutes: None,
    }
}

fn attr_is(attribute: &str, value: &str) -> Condition {
    Condition::Attribute { test: AttributeTest::Equals { attribute: attribute.into(), value: value.into() } }
}

fn recurring(frequency: Frequency, h: i8, m: i8, start: jiff::civil::Date, end: ScheduleEnd) -> Option<Schedule> {
    Some(Schedule::Recurring { frequency, time_of_day: jiff::civil::time(h, m, 0, 0), start_date: start, end })
}

fn def(
    name: &str,
    zone: &str,
    source: TriggerSource,
    audience: AudienceMode,
    schedule: Option<Schedule>,
    nodes: Vec<Node>,
) -> JourneyDefinition {
    let entry = nodes[0].id.clone();
    JourneyDefinition { name: name.into(), time_zone: zone.into(), trigger: Trigger { source, audience, schedule }, entry, nodes }
}

fn dataset(id: i64, name: &str) -> TriggerSource {
    TriggerSource::Dataset { dataset_id: DatasetId(id as u64), name: name.into() }
}

/// The ten journeys, for a replay from `start` to `now`; the replay refers to them by index.
pub(super) fn demo_journeys(ds: &DataSets, start: Timestamp, now: Timestamp) -> Vec<JourneyDefinition> {
    let day = |d: i64| start + SignedDuration::from_hours(24 * d);
    let date = |t: Timestamp| jiff::tz::TimeZone::UTC.to_datetime(t).date();
    let in_zone = |zone: &str, t: Timestamp| {
        Zone::bundled(zone).map(|z| z.to_local(t)).unwrap_or_else(|_| jiff::tz::TimeZone::UTC.to_datetime(t))
    };

    vec![
        // 0: the seed's example, paused: daily 14:00 IST, new users.
        def(
            "Onboarding series",
            "Asia/Kolkata",
            dataset(ds.signups, "Signups"),
            AudienceMode::NewUsers,
            recurring(Frequency::Daily, 14, 0, date(start), ScheduleEnd::Never),
            vec![
                send("welcome", "Welcome email", Channel::Email, "welcome-v3", next("wait-2d")),
                wait("wait-2d", "Wait 2 days", 2 * 24 * 60, next("opened")),
                condition("opened", "Opened the welcome?", attr_is("opened", "yes"), next("tips-push"), next("nudge-sms")),
                send("tips-push", "Getting-started tips", Channel::Push, "tips-1", next("wait-3d")),
                send("nudge-sms", "Reminder SMS", Channel::Sms, "reminder-1", next("wait-3d")),
                wait("wait-3d", "Wait 3 days", 3 * 24 * 60, next("survey")),
                send("survey", "How is it going?", Channel::Email, "survey-nps", None),
            ],
        ),
        // 1: event, all users, stopped.
        def(
            "Cart abandonment",
            "America/New_York",
            TriggerSource::Event { event_name: "cart_abandoned".into() },
            AudienceMode::AllUsers,
            None,
            vec![
                wait("wait-1h", "Wait 1 hour", 60, next("cart-email")),
                send("cart-email", "You left something behind", Channel::Email, "cart-reminder", next("wait-1d")),
                wait("wait-1d", "Wait 1 day", 24 * 60, next("bought")),
                condition(
                    "bought",
                    "Purchased since?",
                    Condition::DidEvent { event_name: "order_placed".into() },
                    next("done"),
                    next("cart-whatsapp"),
                ),
                send("cart-whatsapp", "10% off, today only", Channel::Whatsapp, "cart-discount", None),
                Node {
                    id: NodeId::new("done"),
                    label: Some("Purchased".into()),
                    kind: NodeKind::Exit,
                    stale_after_minutes: None,
                },
            ],
        ),
        // 2: segment, all users, weekly, active.
        def(
            "Weekly product digest",
            "Europe/Berlin",
            TriggerSource::Segment {
                segment_id: Some(journey_core::journey::SegmentId(1)),
                name: "Enterprise plan".into(),
                rule: SegmentRule { all: vec![AttributeTest::Equals { attribute: "plan".into(), value: "enterprise".into() }] },
            },
            AudienceMode::AllUsers,
            recurring(
                Frequency::Weekly { days: vec![Weekday::Monday, Weekday::Thursday] },
                9,
                0,
                date(start),
                ScheduleEnd::Never,
            ),
            vec![
                send("digest", "Weekly digest", Channel::Email, "digest", next("wait-2d")),
                wait("wait-2d", "Wait 2 days", 2 * 24 * 60, next("opened")),
                condition("opened", "Opened?", attr_is("opened", "yes"), None, next("digest-push")),
                send("digest-push", "Digest highlights", Channel::Push, "digest-push", None),
            ],
        ),
        // 3: monthly on the last day, active.
        def(
            "Monthly billing reminder",
            "UTC",
            dataset(ds.vip, "VIP customers"),
            AudienceMode::AllUsers,
            recurring(
                Frequency::Monthly { day: MonthDay::Day(date(day(5)).day().clamp(1, 28) as u8) },
                10,
                0,
                date(start),
                ScheduleEnd::Never,
            ),
            vec![
                send("invoice", "Invoice ready", Channel::Email, "invoice", next("wait-5d")),
                wait("wait-5d", "Wait 5 days", 5 * 24 * 60, next("paid")),
                condition("paid", "Paid?", attr_is("paid", "yes"), None, next("dunning")),
                send("dunning", "Payment reminder", Channel::Sms, "dunning-1", None),
            ],
        ),
        // 4: once, completed.
        def(
            "Black Friday flash sale",
            "America/New_York",
            dataset(ds.newsletter, "Newsletter subscribers"),
            AudienceMode::NewUsers,
            Some(Schedule::Once { at: in_zone("America/New_York", day(2) + SignedDuration::from_hours(3)) }),
            vec![
                send("sale", "Flash sale", Channel::Email, "bf-sale", next("wait-1d")),
                wait("wait-1d", "Wait 1 day", 24 * 60, next("last-chance")),
                send("last-chance", "Last chance", Channel::Push, "bf-last", None),
            ],
        ),
        // 5: every 6 hours, paused (waits run out during the pause).
        def(
            "Trial conversion nudges",
            "America/Sao_Paulo",
            dataset(ds.trials, "Trial users"),
            AudienceMode::NewUsers,
            recurring(Frequency::EveryHours { hours: 6 }, 8, 0, date(start), ScheduleEnd::After { runs: 200 }),
            vec![
                send("day0", "Trial tips", Channel::Email, "trial-0", next("wait-1d")),
                wait("wait-1d", "Wait 1 day", 24 * 60, next("day1")),
                send("day1", "Feature spotlight", Channel::Push, "trial-1", next("wait-2d")),
                wait("wait-2d", "Wait 2 days", 2 * 24 * 60, next("day3")),
                send("day3", "Upgrade offer", Channel::Whatsapp, "trial-offer", None),
            ],
        ),
        // 6: once in the future, scheduled.
        def(
            "Spring webinar invite",
            "Europe/London",
            dataset(ds.webinar, "Spring webinar registrants"),
            AudienceMode::NewUsers,
            Some(Schedule::Once {
                at: in_zone("Europe/London", now + SignedDuration::from_hours(24 * 9))
                    .with()
                    .minute(0)
                    .second(0)
                    .subsec_nanosecond(0)
                    .build()
                    .unwrap_or_default(),
            }),
            vec![
                send("invite", "You're invited", Channel::Email, "webinar-invite", next("wait-1d")),
                wait("wait-1d", "Wait 1 day", 24 * 60, next("reminder")),
                send("reminder", "Starting soon", Channel::Sms, "webinar-reminder", None),
            ],
        ),
        // 7: segment, draft.
        def(
            "Win-back: Lisbon",
            "Europe/Lisbon",
            TriggerSource::Segment {
                segment_id: Some(journey_core::journey::SegmentId(2)),
                name: "Lisbon customers".into(),
                rule: SegmentRule { all: vec![AttributeTest::Equals { attribute: "city".into(), value: "Lisbon".into() }] },
            },
            AudienceMode::NewUsers,
            recurring(Frequency::Monthly { day: MonthDay::Last }, 10, 0, date(now), ScheduleEnd::After { runs: 6 }),
            vec![send("miss-you", "We miss you", Channel::Email, "winback", None)],
        ),
        // 8: ended by date, stopped: restarting runs once and says no run follows.
        def(
            "Re-engagement sprint",
            "Australia/Sydney",
            dataset(ds.lapsed, "Lapsed customers"),
            AudienceMode::NewUsers,
            recurring(Frequency::Daily, 9, 30, date(day(1)), ScheduleEnd::On { date: date(day(6)) }),
            vec![
                send("come-back", "Come back", Channel::Email, "reengage", next("wait-4d")),
                wait("wait-4d", "Wait 4 days", 4 * 24 * 60, next("final")),
                send("final", "Final offer", Channel::Push, "reengage-final", None),
            ],
        ),
        // 9: event, new users, active.
        def(
            "Welcome SMS",
            "Asia/Kolkata",
            TriggerSource::Event { event_name: "signed_up".into() },
            AudienceMode::NewUsers,
            None,
            vec![
                wait("wait-10m", "Wait 10 minutes", 10, next("sms")),
                send("sms", "Welcome SMS", Channel::Sms, "welcome-sms", None),
            ],
        ),
    ]
}
