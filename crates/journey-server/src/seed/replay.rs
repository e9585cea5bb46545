//! The replay: two weeks of what people do (publish, pause, stop, sign-ups, events,
//! unsubscribes), with the real runner moving every journey in 30-minute steps between.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp, ToSpan};

use super::AUTHOR;
use super::people::{People, Rng};
use crate::TestClock;
use crate::actions::{ActionError, lifecycle};
use crate::delivery::{Delivery, DeliverySettings};
use crate::runner::{DEFAULT_ACTIVATION_BATCH, Runner};
use crate::sink::Sink;
use crate::store::{self, Store, StoreError};

/// A moment of the replay; journeys are named by their index in `demo_journeys`.
enum Act {
    Publish(usize),
    Pause(usize, &'static str),
    Stop(usize, &'static str),
    AddSignups(u32),
    Events(&'static str),
    Unsubscribe,
}

/// What happens when, from `start` to `now`, in time order.
fn acts(start: Timestamp, now: Timestamp) -> Vec<(Timestamp, Act)> {
    let day = |d: i64| start + SignedDuration::from_hours(24 * d);
    let mut acts: Vec<(Timestamp, Act)> = vec![
        (start, Act::Publish(0)),
        (start, Act::Publish(1)),
        (start, Act::Publish(2)),
        (start, Act::Publish(3)),
        (start, Act::Publish(4)),
        (start, Act::Publish(5)),
        (start, Act::Publish(8)),
        (start, Act::Publish(9)),
        (day(9) + SignedDuration::from_mins(11 * 60 + 2), Act::Pause(0, AUTHOR)),
        (day(11) + SignedDuration::from_mins(16 * 60 + 40), Act::Pause(5, "Chen Wang <chen.wang@acme.example>")),
        (day(10) + SignedDuration::from_hours(20), Act::Stop(1, "Amara Okafor <amara.okafor@acme.example>")),
        (day(3), Act::Pause(8, "Lukas Müller <lukas.mueller@acme.example>")),
        (day(4) + SignedDuration::from_hours(2), Act::Stop(8, "Lukas Müller <lukas.mueller@acme.example>")),
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
    acts
}

/// Replays two weeks up to `now` on a test clock: the acts at their moments, the runner's due
/// work every 30 minutes. `journeys` are the ids of `demo_journeys`, in order.
pub(super) async fn replay(
    store: &Store,
    rng: &mut Rng,
    people: &People,
    journeys: &[u64],
    start: Timestamp,
    now: Timestamp,
) -> Result<(), StoreError> {
    let n = people.ids.len();
    let acts = acts(start, now);
    let clock = TestClock::new(start);
    let runner = Runner::new(store.clone(), Arc::new(clock.clone()), 1000, DEFAULT_ACTIVATION_BATCH);
    // The simulated history's messages are accepted silently; the worker's groups are large
    // since nothing is sent.
    let settings = DeliverySettings { concurrency: 256, ..DeliverySettings::default() };
    let delivery = Delivery::new(store.clone(), Sink::Silent, Arc::new(clock.clone()), settings);
    let signups_pool = people.slice(0, 40);
    let per_day = signups_pool.len().div_ceil(14);
    let mut acts = acts.into_iter().peekable();
    let mut t = start;
    while t <= now {
        while let Some((_, act)) = acts.next_if(|(at, _)| *at <= t) {
            let fail = |e: ActionError| StoreError::Corrupt(format!("demo replay: {e}"));
            match act {
                Act::Publish(i) => {
                    lifecycle::publish(store, journeys[i], None, t, AUTHOR).await.map_err(fail)?;
                }
                Act::Pause(i, who) => {
                    lifecycle::pause(store, journeys[i], None, t, who).await.map_err(fail)?;
                }
                Act::Stop(i, who) => {
                    lifecycle::stop(store, journeys[i], None, t, who).await.map_err(fail)?;
                }
                Act::AddSignups(d) => {
                    let from = (d as usize * per_day).min(signups_pool.len());
                    let to = ((d as usize + 1) * per_day).min(signups_pool.len());
                    let mut tx = store.write().await?;
                    store::add_to_dataset(&mut tx, people.datasets.signups, &signups_pool[from..to]).await?;
                    let trial_pool = people.slice(90, 96);
                    let per = trial_pool.len().div_ceil(14);
                    let (a, b) = ((d as usize * per).min(trial_pool.len()), ((d as usize + 1) * per).min(trial_pool.len()));
                    store::add_to_dataset(&mut tx, people.datasets.trials, &trial_pool[a..b]).await?;
                    for c in signups_pool[from..to].iter().step_by(3) {
                        store::insert_event(&mut tx, *c, "signed_up", t + SignedDuration::from_mins(rng.below(600) as i64))
                            .await?;
                    }
                    tx.commit().await?;
                }
                Act::Events(name) => {
                    let mut tx = store.write().await?;
                    for _ in 0..(n / 150).max(3) {
                        let c = people.ids[rng.below(n as u64) as usize];
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
                        store::set_subscription(&mut tx, people.ids[rng.below(n as u64) as usize], false).await?;
                    }
                    tx.commit().await?;
                }
            }
        }
        clock.set(t);
        runner.run_due_work(t).await?;
        delivery.deliver_due(t).await?;
        t = t.checked_add(30.minutes()).unwrap_or(now + SignedDuration::from_mins(1));
    }
    Ok(())
}
