//! The demo's people: contacts with deterministic names, cities and plans, the data sets they
//! belong to, and two segments.

use jiff::{SignedDuration, Timestamp};
use journey_core::api::NewContact;

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
pub(super) struct Rng(u64);

impl Rng {
    /// The same sequence every time: the demo is the same every time.
    pub(super) fn new() -> Rng {
        Rng(0x5eed_1234_abcd_0001)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub(super) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub(super) fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// The demo's data sets (ids).
pub(super) struct DataSets {
    pub signups: i64,
    pub newsletter: i64,
    pub trials: i64,
    pub vip: i64,
    pub webinar: i64,
    pub lapsed: i64,
}

/// What [`populate`] made.
pub(super) struct People {
    /// Every contact, in creation order.
    pub ids: Vec<i64>,
    pub datasets: DataSets,
}

impl People {
    /// The contacts from `from` to `to` percent of the list.
    pub fn slice(&self, from: usize, to: usize) -> &[i64] {
        let n = self.ids.len();
        &self.ids[n * from / 100..n * to / 100]
    }
}

/// One contact with made-up but plausible attributes.
fn contact(rng: &mut Rng, number: usize) -> NewContact {
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
    let attributes = [
        ("first_name", first),
        ("last_name", last),
        ("city", city),
        ("plan", plan),
        ("opened", opened),
        ("paid", paid),
        ("language", language),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let email = format!("{}.{}.{}@example.com", first.to_lowercase(), last.to_lowercase(), number);
    let phone = rng.chance(70).then(|| format!("+1555{number:07}"));
    NewContact { email: Some(email), phone, attributes, subscribed: !rng.chance(4) }
}

/// Creates `n` contacts (90 days before `start`), the data sets and the segments, in one
/// transaction. Sign-ups and trial users join their data sets during the replay.
pub(super) async fn populate(store: &Store, rng: &mut Rng, start: Timestamp, n: usize) -> Result<People, StoreError> {
    let contacts: Vec<NewContact> = (1..=n).map(|i| contact(rng, i)).collect();
    let mut tx = store.write().await?;
    let ids = store::insert_contacts(&mut tx, &contacts, start - SignedDuration::from_hours(24 * 90))
        .await?
        .map_err(|store::EmailTaken(e)| StoreError::Corrupt(format!("the demo has {e} twice")))?;
    let datasets = DataSets {
        signups: store::insert_dataset(&mut tx, "Signups", start).await?,
        newsletter: store::insert_dataset(&mut tx, "Newsletter subscribers", start).await?,
        trials: store::insert_dataset(&mut tx, "Trial users", start).await?,
        vip: store::insert_dataset(&mut tx, "VIP customers", start).await?,
        webinar: store::insert_dataset(&mut tx, "Spring webinar registrants", start).await?,
        lapsed: store::insert_dataset(&mut tx, "Lapsed customers", start).await?,
    };
    let people = People { ids, datasets };
    store::add_to_dataset(&mut tx, people.datasets.newsletter, people.slice(40, 70)).await?;
    store::add_to_dataset(&mut tx, people.datasets.vip, people.slice(70, 73)).await?;
    store::add_to_dataset(&mut tx, people.datasets.webinar, people.slice(73, 81)).await?;
    store::add_to_dataset(&mut tx, people.datasets.lapsed, people.slice(81, 90)).await?;
    store::insert_segment(
        &mut tx,
        "Enterprise plan",
        r#"{"all":[{"op":"equals","attribute":"plan","value":"enterprise"}]}"#,
        start,
    )
    .await?;
    store::insert_segment(&mut tx, "Lisbon customers", r#"{"all":[{"op":"equals","attribute":"city","value":"Lisbon"}]}"#, start)
        .await?;
    tx.commit().await?;
    Ok(people)
}
