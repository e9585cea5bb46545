//! The maintained aggregates (`migrations/0007_aggregates.sql`) equal the counts recomputed
//! from the rows after every step of random sequences of entries, runner steps and sends,
//! events, subscription flips, data-set additions, edits of the trigger's data set, pauses,
//! stops, resumes and restarts, all through the HTTP API.

mod common;

use common::{Harness, NowTs, daily, two_sends};
use jiff::SignedDuration;
use proptest::prelude::*;
use serde_json::{Value, json};

const T0: &str = "2026-03-02T08:00:00Z";

#[derive(Debug, Clone)]
enum Op {
    /// `n` new contacts into data set `set` (0 or 1), every `unsubscribed`-th one unsubscribed.
    Import {
        set: usize,
        n: usize,
        unsubscribed: usize,
    },
    /// A known contact added to a data set (perhaps already in it).
    AddToSet {
        set: usize,
        contact: usize,
    },
    /// A known contact's subscription set.
    Subscribe {
        contact: usize,
        subscribed: bool,
    },
    /// An event for a known contact (the event journey enters it).
    Event {
        contact: usize,
    },
    /// The clock moved on and the runner's due work done.
    Run {
        minutes: i64,
    },
    Pause {
        journey: usize,
    },
    Stop {
        journey: usize,
    },
    Resume {
        journey: usize,
        extend: bool,
    },
    Restart {
        journey: usize,
    },
    /// A frozen journey's trigger pointed at the other data set, and its wait changed.
    Edit {
        journey: usize,
        wait_minutes: u32,
        apply_new_waits: bool,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..2usize, 1..6usize, 2..4usize).prop_map(|(set, n, unsubscribed)| Op::Import { set, n, unsubscribed }),
        (0..2usize, 0..64usize).prop_map(|(set, contact)| Op::AddToSet { set, contact }),
        (0..64usize, any::<bool>()).prop_map(|(contact, subscribed)| Op::Subscribe { contact, subscribed }),
        (0..64usize).prop_map(|contact| Op::Event { contact }),
        prop_oneof![Just(1i64), Just(30), Just(100), Just(24 * 60)].prop_map(|minutes| Op::Run { minutes }),
        (0..3usize).prop_map(|journey| Op::Pause { journey }),
        (0..3usize).prop_map(|journey| Op::Stop { journey }),
        (0..3usize, any::<bool>()).prop_map(|(journey, extend)| Op::Resume { journey, extend }),
        (0..3usize).prop_map(|journey| Op::Restart { journey }),
        (0..2usize, 30..200u32, any::<bool>()).prop_map(|(journey, wait_minutes, apply_new_waits)| Op::Edit {
            journey,
            wait_minutes,
            apply_new_waits
        }),
    ]
}

/// The world a sequence acts on: two data sets, two data-set journeys (new users and all
/// users, daily at 09:00) and one event journey.
struct World {
    h: Harness,
    sets: [u64; 2],
    contacts: Vec<u64>,
    journeys: [u64; 3],
}

impl World {
    async fn new() -> World {
        let h = Harness::start(T0).await;
        let (first, mut contacts) = h.dataset("first", 6, &[4]).await;
        let (second, more) = h.dataset("second", 4, &[1]).await;
        contacts.extend(more);
        let schedule = daily("09:00", "2026-03-02");
        let new_users = h.create(two_sends("New users", first, "Europe/Berlin", schedule.clone(), "new_users", 90), true).await;
        let all_users = h.create(two_sends("All users", first, "America/New_York", schedule, "all_users", 45), true).await;
        let mut on_event = two_sends("On event", first, "UTC", Value::Null, "new_users", 60);
        on_event["trigger"]["source"] = json!({ "kind": "event", "event_name": "signed_up" });
        let on_event = h.create(on_event, true).await;
        World { h, sets: [first, second], contacts, journeys: [new_users, all_users, on_event] }
    }

    fn contact(&self, i: usize) -> u64 {
        self.contacts[i % self.contacts.len()]
    }

    /// Applies one operation through the API; refusals (a wrong state, a stale version) are
    /// part of the sequence, a server error is not.
    async fn apply(&mut self, op: &Op) {
        let h = &self.h;
        let status = match op {
            Op::Import { set, n, unsubscribed } => {
                let start = self.contacts.len();
                let contacts: Vec<Value> = (0..*n)
                    .map(|i| json!({ "email": format!("p{}@example.com", start + i), "subscribed": i % unsubscribed != 0 }))
                    .collect();
                let ids = h.ok_post("/api/contacts", json!({ "contacts": contacts })).await;
                let ids: Vec<u64> = ids["ids"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
                self.contacts.extend(&ids);
                h.post(&format!("/api/datasets/{}/contacts", self.sets[*set]), json!({ "contact_ids": ids })).await.0
            }
            Op::AddToSet { set, contact } => {
                let id = self.contact(*contact);
                h.post(&format!("/api/datasets/{}/contacts", self.sets[*set]), json!({ "contact_ids": [id] })).await.0
            }
            Op::Subscribe { contact, subscribed } => {
                let id = self.contact(*contact);
                h.post(&format!("/api/contacts/{id}/subscription"), json!({ "subscribed": subscribed })).await.0
            }
            Op::Event { contact } => {
                h.post("/api/events", json!({ "contact_id": self.contact(*contact), "name": "signed_up" })).await.0
            }
            Op::Run { minutes } => {
                let to = h.clock.now_ts() + SignedDuration::from_mins(*minutes);
                h.run_until(to, SignedDuration::from_mins(30)).await;
                200
            }
            Op::Pause { journey } => h.post(&format!("/api/journeys/{}/pause", self.journeys[*journey]), json!({})).await.0,
            Op::Stop { journey } => h.post(&format!("/api/journeys/{}/stop", self.journeys[*journey]), json!({})).await.0,
            Op::Resume { journey, extend } => {
                let wait = if *extend { "extend_by_pause" } else { "keep_deadlines" };
                h.activate(self.journeys[*journey], "resume", wait).await.0
            }
            Op::Restart { journey } => h.activate(self.journeys[*journey], "restart", "keep_deadlines").await.0,
            Op::Edit { journey, wait_minutes, apply_new_waits } => {
                let id = self.journeys[*journey];
                let detail = h.ok(&format!("/api/journeys/{id}")).await;
                let mut def = detail["definition"].clone();
                let current = def["trigger"]["source"]["dataset_id"].as_u64();
                let other = if current == Some(self.sets[0]) { self.sets[1] } else { self.sets[0] };
                def["trigger"]["source"]["dataset_id"] = json!(other);
                def["nodes"][1]["kind"]["minutes"] = json!(wait_minutes);
                let body =
                    json!({ "expected_version": detail["version"], "definition": def, "apply_new_waits": apply_new_waits });
                let res = h.http.put(h.url(&format!("/api/journeys/{id}/definition"))).json(&body).send().await.unwrap();
                res.status().as_u16()
            }
        };
        assert!(status < 500, "{op:?} answered {status}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn maintained_counts_equal_the_rows_after_every_step(ops in proptest::collection::vec(op(), 4..24)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let mut world = World::new().await;
            for (i, op) in ops.iter().enumerate() {
                world.apply(op).await;
                let check = world.h.server.store().check_aggregates().await.unwrap();
                let drift: Vec<String> = check.drift.iter().map(ToString::to_string).collect();
                assert!(drift.is_empty(), "after step {i} {op:?} of {ops:?}:\n{}", drift.join("\n"));
                assert!(check.compared > 0);
            }
        });
    }
}
