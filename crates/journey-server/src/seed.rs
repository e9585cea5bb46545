//! Demo data: a workspace that looks like a real one.
//!
//! The seed does not invent positions: it creates contacts, data sets and ten journeys at
//! `now - 14 days`, then **replays two weeks** with the real runner on a simulated clock
//! (30-minute steps), publishing, pausing and stopping journeys at chosen moments, adding
//! sign-ups day by day, sending events and unsubscribing a few contacts. Every membership,
//! wait deadline and message in the result was produced by journey-core's rules, exactly as
//! the live server would have produced it.
//!
//! The result: journeys in all six states, every trigger kind (data set, segment, event), both
//! audience modes, every schedule kind (once, daily, weekly, monthly on the last day, every N
//! hours, a daily one whose end date has passed), seven time zones, contacts at every node,
//! waits that ran out while their journey was paused, and unsubscribed contacts.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp, ToSpan};
use journey_core::journey::{
    AttributeTest, AudienceMode, Channel, Condition, DatasetId, JourneyDefinition, Node, NodeId, NodeKind, SegmentRule, Trigger,
    TriggerSource,
};
use journey_core::schedule::{Frequency, MonthDay, Schedule, ScheduleEnd, Weekday};
use journey_core::state::JourneyAction;
use journey_core::zone::Zone;
use sqlx::{QueryBuilder, Sqlite};

use crate::TestClock;
use crate::clock::to_ms;
use crate::runner::Runner;
use crate::sink::Sink;
use crate::store::{self, Store, StoreError};

const FIRST: [&str; 24] = [
    "Aarav", "Maria", "Lukas", "Sofia", "Chen", "Amara", "Noah", "Priya", "Mateo", "Emma", "Kenji", "Fatima", "Liam", "Ana",
    "Oliver", "Zara", "Diego", "Mia", "Arjun", "Lea", "Omar", "Hannah", "Rafael", "Yuki",
];
const LAST: [&str; 20] = [
    "Sharma", "Lopez", "Müller", "Rossi", "Wang", "Okafor", "Smith", "Patel", "Silva", "Schmidt", "Tanaka", "Khan", "Brown",
    "Costa", "Jones", "Ali", "García", "Novak", "Iyer", "Dubois",
];
const CITIES: [&str; 12] = [
    "Mumbai",
    "New Delhi",
    "Berlin",
    "São Paulo",
    "New York",
    "London",
    "Sydney",
    "Bangalore",
    "Munich",
    "Toronto",
    "Lisbon",
    "Chicago",
];
const PLANS: [(&str, u32); 4] = [("free", 55), ("starter", 25), ("pro", 15), ("enterprise", 5)];

/// A small deterministic generator (the demo is the same every time).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn next(id: &str) -> Option<NodeId> {
    Some(NodeId::new(id))
}

fn send(id: &str, label: &str, channel: Channel, template: &str, then: Option<NodeId>) -> Node {
    Node {
        id: NodeId::new(id),
        label: Some(label.into()),
        kind: NodeKind::Send { channel, template: template.into(), next: then },
    }
}

fn wait(id: &str, label: &str, minutes: u32, then: Option<NodeId>) -> Node {
    Node { id: NodeId::new(id), label: Some(label.into()), kind: NodeKind::Wait { minutes, next: then } }
}

fn condition(id: &str, label: &str, condition: Condition, yes: Option<NodeId>, no: Option<NodeId>) -> Node {
    Node { id: NodeId::new(id), label: Some(label.into()), kind: NodeKind::Condition { condition, yes, no } }
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

/// A moment of the replay.
enum Act {
    Publish(usize),
    Pause(usize, &'static str),
    Stop(usize, &'static str),
    AddSignups(u32),
    Events(&'static str),
    Unsubscribe,
}

/// Seeds the demo workspace into an empty database, with `contacts` contacts, as of `now`.
pub async fn seed(store: &Store, now: Timestamp, contacts: u32) -> Result<(), StoreError> {
    let now = journey_core::flow::floor_to_minute(now);
    let start = now - SignedDuration::from_hours(14 * 24);
    let n = contacts.max(100) as usize;
    let mut rng = Rng(0x5eed_1234_abcd_0001);

    // Contacts, in one transaction of batched inserts.
    let mut tx = store.write().await?;
    let created = to_ms(start - SignedDuration::from_hours(24 * 90));
    let mut rows = Vec::with_capacity(n);
    for i in 0..n {
        let first = FIRST[rng.below(FIRST.len() as u64) as usize];
        let last = LAST[rng.below(LAST.len() as u64) as usize];
        let mut roll = rng.below(100) as u32;
        let plan = PLANS
            .iter()
            .find(|(_, p)| {
                if roll < *p {
                    true
                } else {
                    roll -= p;
                    false
                }
            })
            .map(|p| p.0)
            .unwrap_or("free");
        let city = CITIES[rng.below(CITIES.len() as u64) as usize];
        let language = ["en", "de", "pt", "hi", "es"][rng.below(5) as usize];
        let opened = if rng.chance(45) { "yes" } else { "no" };
        let paid = if rng.chance(80) { "yes" } else { "no" };
        let attrs = serde_json::json!({
            "first_name": first, "last_name": last, "city": city, "plan": plan,
            "opened": opened, "paid": paid, "language": language,
        });
        let email = format!("{}.{}.{}@example.com", first.to_lowercase(), last.to_lowercase(), i + 1);
        let phone = rng.chance(70).then(|| format!("+1555{:07}", i + 1));
        rows.push((email, phone, attrs.to_string(), !rng.chance(4)));
    }
    for chunk in rows.chunks(2000) {
        let mut qb: QueryBuilder<Sqlite> =
            QueryBuilder::new("INSERT INTO contacts (email, phone, attributes, subscribed, created_at) ");
        qb.push_values(chunk, |mut b, (email, phone, attrs, subscribed)| {
            b.push_bind(email).push_bind(phone).push_bind(attrs).push_bind(i64::from(*subscribed)).push_bind(created);
        });
        qb.build().execute(&mut *tx).await?;
    }
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM contacts ORDER BY id").fetch_all(&mut *tx).await?;
    let pct = |p: usize| n * p / 100;
    // Data sets: sign-ups arrive day by day during the replay; the others exist up front.
    let signups = store::insert_dataset(&mut tx, "Signups", start).await?;
    let newsletter = store::insert_dataset(&mut tx, "Newsletter subscribers", start).await?;
    let trials = store::insert_dataset(&mut tx, "Trial users", start).await?;
    let vip = store::insert_dataset(&mut tx, "VIP customers", start).await?;
    let webinar = store::insert_dataset(&mut tx, "Spring webinar registrants", start).await?;
    let lapsed = store::insert_dataset(&mut tx, "Lapsed customers", start).await?;
    store::add_to_dataset(&mut tx, newsletter, &ids[pct(40)..pct(70)]).await?;
    store::add_to_dataset(&mut tx, vip, &ids[pct(70)..pct(73)]).await?;
    store::add_to_dataset(&mut tx, webinar, &ids[pct(73)..pct(81)]).await?;
    store::add_to_dataset(&mut tx, lapsed, &ids[pct(81)..pct(90)]).await?;
    sqlx::query("INSERT INTO segments (name, rule, created_at) VALUES (?, ?, ?), (?, ?, ?)")
        .bind("Enterprise plan")
        .bind(r#"{"all":[{"op":"equals","attribute":"plan","value":"enterprise"}]}"#)
        .bind(to_ms(start))
        .bind("Lisbon customers")
        .bind(r#"{"all":[{"op":"equals","attribute":"city","value":"Lisbon"}]}"#)
        .bind(to_ms(start))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;

    let day = |d: i64| start + SignedDuration::from_hours(24 * d);
    let date = |t: Timestamp| jiff::tz::TimeZone::UTC.to_datetime(t).date();
    let in_zone = |zone: &str, t: Timestamp| {
        Zone::bundled(zone).map(|z| z.to_local(t)).unwrap_or_else(|_| jiff::tz::TimeZone::UTC.to_datetime(t))
    };

    let journeys: Vec<JourneyDefinition> = vec![
        // 0: the seed's example, paused: daily 14:00 IST, new users.
        def(
            "Onboarding series",
            "Asia/Kolkata",
            dataset(signups, "Signups"),
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
                Node { id: NodeId::new("done"), label: Some("Purchased".into()), kind: NodeKind::Exit },
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
            dataset(vip, "VIP customers"),
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
            dataset(newsletter, "Newsletter subscribers"),
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
            dataset(trials, "Trial users"),
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
            dataset(webinar, "Spring webinar registrants"),
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
            dataset(lapsed, "Lapsed customers"),
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
    ];
    let mut ids_by_index = Vec::new();
    for (i, d) in journeys.into_iter().enumerate() {
        let created_at = start - SignedDuration::from_hours(24 * (3 + i as i64));
        let id = crate::actions::create(store, d, false, created_at, "maria.lopez@acme.example")
            .await
            .map_err(|e| StoreError::Corrupt(format!("demo journey {i}: {e}")))?;
        ids_by_index.push(id as u64);
    }

    let mut acts: Vec<(Timestamp, Act)> = vec![
        (start, Act::Publish(0)),
        (start, Act::Publish(1)),
        (start, Act::Publish(2)),
        (start, Act::Publish(3)),
        (start, Act::Publish(4)),
        (start, Act::Publish(5)),
        (start, Act::Publish(8)),
        (start, Act::Publish(9)),
        (day(9) + SignedDuration::from_mins(11 * 60 + 2), Act::Pause(0, "maria.lopez@acme.example")),
        (day(11) + SignedDuration::from_mins(16 * 60 + 40), Act::Pause(5, "chen.wang@acme.example")),
        (day(10) + SignedDuration::from_hours(20), Act::Stop(1, "amara.okafor@acme.example")),
        (day(3), Act::Pause(8, "lukas.mueller@acme.example")),
        (day(4) + SignedDuration::from_hours(2), Act::Stop(8, "lukas.mueller@acme.example")),
        (now - SignedDuration::from_hours(2), Act::Publish(6)),
    ];
    for d in 0..14 {
        acts.push((day(d) + SignedDuration::from_hours(5), Act::AddSignups(d as u32)));
        acts.push((day(d) + SignedDuration::from_hours(13), Act::Events("cart_abandoned")));
        if d % 4 == 3 {
            acts.push((day(d) + SignedDuration::from_hours(18), Act::Unsubscribe));
        }
    }
    acts.sort_by_key(|a| a.0);

    let clock = TestClock::new(start);
    let runner = Runner::new(store.clone(), Sink::Silent, Arc::new(clock.clone()), 1000);
    let signups_pool = &ids[..pct(40)];
    let per_day = signups_pool.len().div_ceil(14);
    let mut acts = acts.into_iter().peekable();
    let mut t = start;
    while t <= now {
        while let Some((_, act)) = acts.next_if(|(at, _)| *at <= t) {
            let fail = |e: crate::error::ApiError| StoreError::Corrupt(format!("demo replay: {e}"));
            match act {
                Act::Publish(i) => {
                    crate::actions::publish(store, ids_by_index[i], None, t, "maria.lopez@acme.example").await.map_err(fail)?
                }
                Act::Pause(i, who) => {
                    crate::actions::freeze(store, ids_by_index[i], JourneyAction::Pause, None, t, who).await.map_err(fail)?
                }
                Act::Stop(i, who) => {
                    crate::actions::freeze(store, ids_by_index[i], JourneyAction::Stop, None, t, who).await.map_err(fail)?
                }
                Act::AddSignups(d) => {
                    let from = (d as usize * per_day).min(signups_pool.len());
                    let to = ((d as usize + 1) * per_day).min(signups_pool.len());
                    let mut tx = store.write().await?;
                    store::add_to_dataset(&mut tx, signups, &signups_pool[from..to]).await?;
                    let trial_pool = &ids[pct(90)..pct(96)];
                    let per = trial_pool.len().div_ceil(14);
                    let (a, b) = ((d as usize * per).min(trial_pool.len()), ((d as usize + 1) * per).min(trial_pool.len()));
                    store::add_to_dataset(&mut tx, trials, &trial_pool[a..b]).await?;
                    for c in signups_pool[from..to].iter().step_by(3) {
                        store::insert_event(&mut tx, *c, "signed_up", t + SignedDuration::from_mins(rng.below(600) as i64))
                            .await?;
                    }
                    tx.commit().await?;
                }
                Act::Events(name) => {
                    let mut tx = store.write().await?;
                    for _ in 0..(n / 150).max(3) {
                        let c = ids[rng.below(n as u64) as usize];
                        store::insert_event(&mut tx, c, name, t).await?;
                        if rng.chance(30) {
                            store::insert_event(&mut tx, c, "order_placed", t + SignedDuration::from_hours(5)).await?;
                        }
                    }
                    tx.commit().await?;
                }
                Act::Unsubscribe => {
                    let mut tx = store.write().await?;
                    for _ in 0..(n / 300).max(1) {
                        store::set_subscription(&mut tx, ids[rng.below(n as u64) as usize], false).await?;
                    }
                    tx.commit().await?;
                }
            }
        }
        clock.set(t);
        runner.run_due_work(t).await?;
        t = t.checked_add(30.minutes()).unwrap_or(now + SignedDuration::from_mins(1));
    }
    Ok(())
}
