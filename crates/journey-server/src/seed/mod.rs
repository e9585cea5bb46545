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
//!
//! | file | makes |
//! | --- | --- |
//! | `people` | the contacts (deterministic names, cities, plans), data sets and segments |
//! | `journeys` | the ten journey definitions |
//! | `replay` | the two weeks: what people do when, and the runner between |

mod journeys;
mod people;
mod replay;

use jiff::{SignedDuration, Timestamp};

use journey_core::access::Role;

use crate::actions::lifecycle;
use crate::actions::people as accounts;
use crate::store::{Store, StoreError};

/// Who created the demo journeys, as the activity log names a person.
const AUTHOR: &str = "Maria Lopez <admin@example.com>";

/// The demo's accounts: one per role, with passwords anyone may know (`journey-server` prints
/// them when it seeds; change them with `users reset-password` on a server others can reach).
pub const DEMO_ACCOUNTS: [(&str, &str, Role, &str); 3] = [
    ("Maria Lopez", "admin@example.com", Role::Admin, "demo-admin"),
    ("Omar Haddad", "operator@example.com", Role::Operator, "demo-operator"),
    ("Vera Novak", "viewer@example.com", Role::Viewer, "demo-viewer"),
];

/// How to sign in to the demo, for the terminal.
pub fn demo_sign_in_text() -> String {
    let mut text = String::from("Sign in with one of the demo accounts (email / password):\n");
    for (_, email, role, password) in DEMO_ACCOUNTS {
        text.push_str(&format!("  {:<9} {email} / {password}\n", role.as_str()));
    }
    text
}

/// Seeds the demo workspace into an empty database, with `contacts` contacts, as of `now`.
pub async fn seed(store: &Store, now: Timestamp, contacts: u32) -> Result<(), StoreError> {
    let now = journey_core::flow::floor_to_minute(now);
    let start = now - SignedDuration::from_hours(14 * 24);
    for (name, email, role, password) in DEMO_ACCOUNTS {
        accounts::add_user(store, accounts::NewUser { email, name, role, password }, start)
            .await
            .map_err(|e| StoreError::Corrupt(format!("demo account {email}: {e}")))?;
    }
    let mut rng = people::Rng::new();
    let people = people::populate(store, &mut rng, start, contacts.max(100) as usize).await?;
    let mut journey_ids = Vec::new();
    for (i, def) in journeys::demo_journeys(&people.datasets, start, now).into_iter().enumerate() {
        let created_at = start - SignedDuration::from_hours(24 * (3 + i as i64));
        let rec = lifecycle::create(store, def, false, created_at, AUTHOR)
            .await
            .map_err(|e| StoreError::Corrupt(format!("demo journey {i}: {e}")))?;
        journey_ids.push(rec.id as u64);
    }
    replay::replay(store, &mut rng, &people, &journey_ids, start, now).await
}
