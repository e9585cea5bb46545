//! Activations that wait: for a chosen instant ("Resume on Monday at 09:00"), or for a second
//! person's approval (a large send). The rules both the summary and the server use.
//!
//! - **The instant** a person picks is a local date and time in the journey's zone or their
//!   own, read with the journey's DST rule ([`choose_instant`]: a time in a spring-forward gap
//!   is the end of the gap, a repeated time the first of the two), and must be in the future.
//! - **The projection.** The summary for a later instant is journey-core's plan on a snapshot
//!   *projected* to that instant: the server counts the wait deadlines that will have ended by
//!   then and takes everything else (audience, subscriptions, positions) as it stands today
//!   ([`crate::snapshot::JourneySnapshot::projected_from`]). The next runs are exact; the counts
//!   are labelled a projection ([`crate::plan::ActivationPlan::projected_from`]).
//! - **At the instant** the server plans again from a fresh snapshot and executes that plan.
//!   A [`DriftGuard`] chosen when scheduling holds it instead when the [`recipients`] differ
//!   from the projection by more than its percentage ([`DriftGuard::judge`]).
//! - **Approval.** A workspace may require a second operator or admin for activations that send
//!   more than N messages in their first hour ([`approval_needed`], from the volume preview's
//!   first hour). The approver sees the plan recomputed with what changed since the request
//!   ([`PlanFigures::changes_since`]).
//!
//! ```
//! use journey_core::pending::DriftGuard;
//! let guard = DriftGuard { percent: 20 };
//! // 1,000 projected, 700 at the instant: 30% fewer, more than 20%.
//! let drift = guard.judge(1_000, 700);
//! assert!(drift.holds);
//! assert_eq!(drift.sentence(), "1,000 recipients were projected and 700 are there now (30% fewer), more than the 20% allowed.");
//! assert!(!guard.judge(1_000, 850).holds);
//! ```

use jiff::Timestamp;
use jiff::civil::DateTime;
use serde::{Deserialize, Serialize};

use crate::plan::{ActivationCounts, ActivationPlan, NextRun, format_count};
use crate::release::Volume;
use crate::schedule::{format_date, format_time};
use crate::zone::{Zone, ZoneError, weekday_abbreviation};

/// The largest drift guard: a recipient count may double before a 100% guard holds it.
pub const MAX_DRIFT_PERCENT: u32 = 100;

/// The largest approval threshold a workspace may set (messages in the first hour).
pub const MAX_APPROVAL_THRESHOLD: u64 = 1_000_000_000;

/// How far ahead an activation may be scheduled: 90 days.
pub const MAX_DAYS_AHEAD: i64 = 90;

/// How late past its instant a scheduled activation may still run (the servers were down,
/// say): 60 minutes. Later than that it is held for a person to look at ([`too_late`]).
pub const MAX_LATE_MINUTES: i64 = 60;

/// A local date and time read as an instant, and what the DST rule did to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChosenInstant {
    /// The instant.
    pub at: Timestamp,
    /// Set when the local time does not exist or happens twice that day.
    pub note: Option<String>,
}

/// The instant of `local` in `zone` by the journey's rule ([`Zone::to_instant`]), with a
/// sentence when the clocks change at that time.
///
/// ```
/// use journey_core::pending::choose_instant;
/// use journey_core::zone::Zone;
/// use jiff::civil::date;
/// let berlin = Zone::bundled("Europe/Berlin")?;
/// // 29 March 2026: Berlin jumps from 02:00 to 03:00.
/// let c = choose_instant(&berlin, date(2026, 3, 29).at(2, 30, 0, 0))?;
/// assert_eq!(c.at.to_string(), "2026-03-29T01:00:00Z");
/// assert_eq!(c.note.as_deref(), Some("02:30 does not exist on Sun 29 Mar 2026 in Europe/Berlin (clocks go forward): it runs at 03:00."));
/// // 25 October 2026: 02:30 happens twice; the first one.
/// let c = choose_instant(&berlin, date(2026, 10, 25).at(2, 30, 0, 0))?;
/// assert_eq!(c.at.to_string(), "2026-10-25T00:30:00Z");
/// assert!(c.note.unwrap().contains("happens twice"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn choose_instant(zone: &Zone, local: DateTime) -> Result<ChosenInstant, ZoneError> {
    let at = zone.to_instant(local)?;
    let day = format!("{} {}", weekday_abbreviation(local.date()), format_date(local.date()));
    let note = match zone.time_zone().to_ambiguous_timestamp(local).offset() {
        jiff::tz::AmbiguousOffset::Gap { .. } => Some(format!(
            "{} does not exist on {day} in {} (clocks go forward): it runs at {}.",
            format_time(local.time()),
            zone.name(),
            format_time(zone.to_local(at).time())
        )),
        jiff::tz::AmbiguousOffset::Fold { .. } => Some(format!(
            "{} happens twice on {day} in {} (clocks go back): it runs at the first.",
            format_time(local.time()),
            zone.name()
        )),
        jiff::tz::AmbiguousOffset::Unambiguous { .. } => None,
    };
    Ok(ChosenInstant { at, note })
}

/// Why an instant cannot be chosen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleAtError {
    /// Not after now.
    #[error("Choose a time in the future; that one has passed.")]
    InThePast,
    /// Too far ahead.
    #[error("Choose a time within the next 90 days.")]
    TooFarAhead,
}

/// Whether `at` may be chosen at `now`: strictly later, and at most [`MAX_DAYS_AHEAD`] ahead.
///
/// ```
/// use journey_core::pending::{check_run_at, ScheduleAtError};
/// let now: jiff::Timestamp = "2026-11-26T10:00:00Z".parse()?;
/// assert_eq!(check_run_at("2026-11-26T09:59:00Z".parse()?, now), Err(ScheduleAtError::InThePast));
/// assert_eq!(check_run_at("2026-11-30T08:00:00Z".parse()?, now), Ok(()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn check_run_at(at: Timestamp, now: Timestamp) -> Result<(), ScheduleAtError> {
    if at <= now {
        return Err(ScheduleAtError::InThePast);
    }
    if at.duration_since(now).as_secs() > MAX_DAYS_AHEAD * 86_400 {
        return Err(ScheduleAtError::TooFarAhead);
    }
    Ok(())
}

/// How late `now` is for an activation scheduled at `run_at`, when that is more than
/// [`MAX_LATE_MINUTES`]: it is then held, not run (what was planned for Monday 09:00 is not
/// what a person wants on Thursday).
///
/// ```
/// use journey_core::pending::too_late;
/// let at: jiff::Timestamp = "2026-10-26T08:00:00Z".parse()?;
/// assert_eq!(too_late(at, "2026-10-26T09:00:00Z".parse()?), None);
/// assert_eq!(too_late(at, "2026-10-26T09:00:01Z".parse()?), Some(jiff::SignedDuration::from_secs(3601)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn too_late(run_at: Timestamp, now: Timestamp) -> Option<jiff::SignedDuration> {
    let late = now.duration_since(run_at);
    (late.as_secs() > MAX_LATE_MINUTES * 60).then_some(late)
}

/// The contacts an activation messages or moves on: the backlog (Resume's overdue contacts)
/// and those who enter at the next run (Restart: at once). What the drift guard compares.
///
/// ```
/// use journey_core::plan::*;
/// let snapshot = journey_core::samples::daily_kolkata_snapshot();
/// let t = snapshot.taken_at;
/// let plan = plan_activation(&snapshot, t, ActivationMode::Resume, WaitHandling::KeepDeadlines)?;
/// assert_eq!(journey_core::pending::recipients(&plan), plan.overdue + plan.entering.unwrap_or(0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn recipients(plan: &ActivationPlan) -> u64 {
    plan.overdue.saturating_add(plan.entering.unwrap_or(0))
}

/// "Hold if the number of recipients differs by more than `percent`% from the projection."
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DriftGuard {
    /// 1 to [`MAX_DRIFT_PERCENT`].
    pub percent: u32,
}

/// A drift guard's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drift {
    /// The recipients projected when it was scheduled.
    pub projected: u64,
    /// The recipients at the instant.
    pub actual: u64,
    /// The guard's percentage.
    pub allowed_percent: u32,
    /// Whether it holds the activation.
    pub holds: bool,
}

impl DriftGuard {
    /// Whether the percentage is allowed.
    pub fn check(self) -> Result<(), String> {
        if (1..=MAX_DRIFT_PERCENT).contains(&self.percent) {
            Ok(())
        } else {
            Err(format!("The drift guard is a percentage from 1 to {MAX_DRIFT_PERCENT}."))
        }
    }

    /// Holds when `|actual - projected| x 100 > percent x projected` (exact, in integers); a
    /// projection of 0 holds for any recipient at all.
    pub fn judge(self, projected: u64, actual: u64) -> Drift {
        let diff = u128::from(projected.abs_diff(actual));
        let holds = diff * 100 > u128::from(self.percent) * u128::from(projected);
        Drift { projected, actual, allowed_percent: self.percent, holds }
    }
}

impl Drift {
    /// The difference in tenths of a percent of the projection, rounded to the nearest (none
    /// for a projection of 0).
    pub fn tenths_of_percent(&self) -> Option<u64> {
        (self.projected > 0).then(|| {
            let diff = u128::from(self.projected.abs_diff(self.actual));
            ((diff * 1000 + u128::from(self.projected) / 2) / u128::from(self.projected)) as u64
        })
    }

    /// The verdict in words; the difference with one decimal when it is not whole, so a
    /// verdict at the boundary never reads "20% … more than the 20% allowed".
    pub fn sentence(&self) -> String {
        let change = match (self.tenths_of_percent(), self.actual < self.projected) {
            (Some(t), fewer) => {
                let p = if t % 10 == 0 { format!("{}", t / 10) } else { format!("{}.{}", t / 10, t % 10) };
                format!("{p}% {}", if fewer { "fewer" } else { "more" })
            }
            (None, _) => "none were projected".to_string(),
        };
        let verdict = if self.holds { "more than" } else { "within" };
        format!(
            "{} recipients were projected and {} are there now ({change}), {verdict} the {}% allowed.",
            format_count(self.projected),
            format_count(self.actual),
            self.allowed_percent
        )
    }
}

/// A workspace's rule: activations that send more than `threshold` messages in their first hour
/// need a second operator's or admin's approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalNeed {
    /// The messages in the plan's first hour.
    pub first_hour: u64,
    /// The workspace's threshold.
    pub threshold: u64,
    /// Whether the first hour's number is a lower bound (a condition decides further sends).
    pub at_least: bool,
}

/// Whether an activation approved (or needing none) when it was asked for needs approval at its
/// instant: its first hour now exceeds the threshold and the first hour that was approved
/// (`approved`; none: nobody approved it). An approval covers what the approver saw, not more.
///
/// ```
/// use journey_core::pending::{approval_needed, reapproval_needed};
/// use journey_core::plan::*;
/// use journey_core::release::{volume, ReleasePolicy};
/// let snapshot = journey_core::samples::daily_kolkata_snapshot();
/// let plan = plan_activation(&snapshot, snapshot.taken_at, ActivationMode::Restart, WaitHandling::KeepDeadlines)?;
/// let v = volume(&snapshot, &plan, ReleasePolicy::AllAtOnce);
/// let first = journey_core::pending::first_hour(&v);
/// // Approved at this size: it runs.
/// assert!(reapproval_needed(Some(first - 1), &v, Some(first)).is_none());
/// // Approved when it was smaller: it waits again.
/// assert!(reapproval_needed(Some(first - 1), &v, Some(first - 1)).is_some());
/// // Needed none when asked for, needs one now.
/// assert!(reapproval_needed(Some(first - 1), &v, None).is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn reapproval_needed(threshold: Option<u64>, volume: &Volume, approved: Option<u64>) -> Option<ApprovalNeed> {
    approval_needed(threshold, volume).filter(|need| approved.is_none_or(|seen| need.first_hour > seen))
}

/// The messages in the volume preview's first hour (from the activation to the end of the
/// first release hour).
pub fn first_hour(volume: &Volume) -> u64 {
    volume.hours.first().map_or(0, |h| h.messages)
}

/// Whether an activation with this volume needs approval under `threshold` (none: never):
/// strictly more messages in the first hour than the threshold.
///
/// ```
/// use journey_core::pending::approval_needed;
/// use journey_core::plan::*;
/// use journey_core::release::{volume, ReleasePolicy};
/// let snapshot = journey_core::samples::daily_kolkata_snapshot();
/// let plan = plan_activation(&snapshot, snapshot.taken_at, ActivationMode::Restart, WaitHandling::KeepDeadlines)?;
/// let v = volume(&snapshot, &plan, ReleasePolicy::AllAtOnce);
/// let first = journey_core::pending::first_hour(&v);
/// assert!(first > 0);
/// assert!(approval_needed(Some(first - 1), &v).is_some());
/// assert!(approval_needed(Some(first), &v).is_none());
/// assert!(approval_needed(None, &v).is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn approval_needed(threshold: Option<u64>, volume: &Volume) -> Option<ApprovalNeed> {
    let threshold = threshold?;
    let first_hour = first_hour(volume);
    (first_hour > threshold).then_some(ApprovalNeed { first_hour, threshold, at_least: volume.lower_bound })
}

impl ApprovalNeed {
    /// The sentence when a scheduled activation needs approval at its instant
    /// ([`reapproval_needed`]).
    ///
    /// ```
    /// use journey_core::pending::ApprovalNeed;
    /// let n = ApprovalNeed { first_hour: 50_000, threshold: 10_000, at_least: false };
    /// assert_eq!(n.at_instant_sentence(Some(30)), "At its instant it sends 50,000 messages in its first hour, more than the 30 approved and this workspace's limit of 10,000: it waits for another operator or admin to approve it.");
    /// ```
    pub fn at_instant_sentence(&self, approved: Option<u64>) -> String {
        format!(
            "At its instant it sends {}{} messages in its first hour, more than {}this workspace's limit of {}: it waits for another operator or admin to approve it.",
            if self.at_least { "at least " } else { "" },
            format_count(self.first_hour),
            approved.map_or(String::new(), |a| format!("the {} approved and ", format_count(a))),
            format_count(self.threshold)
        )
    }

    /// The summary's sentence before ACTIVATE JOURNEY.
    ///
    /// ```
    /// use journey_core::pending::ApprovalNeed;
    /// let n = ApprovalNeed { first_hour: 12_000, threshold: 10_000, at_least: false };
    /// assert_eq!(n.sentence(), "This activation sends 12,000 messages in its first hour, more than this workspace's limit of 10,000: another operator or admin must approve it before it runs.");
    /// ```
    pub fn sentence(&self) -> String {
        format!(
            "This activation sends {}{} messages in its first hour, more than this workspace's limit of {}: another operator or admin must approve it before it runs.",
            if self.at_least { "at least " } else { "" },
            format_count(self.first_hour),
            format_count(self.threshold)
        )
    }
}

/// The figures of a plan a request keeps, to show with it and to compare with the plan
/// recomputed later (by the approver, or at the scheduled instant).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanFigures {
    /// The instant it was planned at.
    pub at: Timestamp,
    /// Whether the counts were projected to `at` from facts read earlier (`Some(when)`).
    #[serde(default)]
    pub projected_from: Option<Timestamp>,
    /// The counts.
    pub counts: ActivationCounts,
    /// [`recipients`].
    pub recipients: u64,
    /// Messages in the first hour ([`first_hour`]).
    pub first_hour: u64,
    /// The next audience run, if any.
    #[serde(default)]
    pub next_run: Option<Timestamp>,
}

/// One figure that differs between two plans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FigureChange {
    /// What it counts ("Overdue contacts").
    pub label: String,
    /// In the earlier plan.
    pub before: String,
    /// Now.
    pub after: String,
}

impl PlanFigures {
    /// The figures of `plan` with its `volume`.
    pub fn of(plan: &ActivationPlan, volume: &Volume) -> PlanFigures {
        PlanFigures {
            at: plan.at,
            projected_from: plan.projected_from,
            counts: plan.counts(),
            recipients: recipients(plan),
            first_hour: first_hour(volume),
            next_run: match plan.next_run {
                NextRun::Immediately { at } | NextRun::At { at } => Some(at),
                _ => None,
            },
        }
    }

    /// Each figure with its label, in the summary's order (next run in `zone`).
    pub fn lines(&self, zone: &Zone) -> Vec<(&'static str, String)> {
        let c = &self.counts;
        let mut lines = vec![
            ("Recipients", format_count(self.recipients)),
            ("Messages in the first hour", format_count(self.first_hour)),
            ("Continuing", format_count(c.continuing)),
            ("Overdue", format_count(c.overdue)),
            ("Entering", c.entering.map_or_else(|| "none".to_string(), format_count)),
            ("Suppressed (unsubscribed)", format_count(c.suppressed)),
        ];
        if c.exited_by_restart > 0 {
            lines.push(("Exited by the restart", format_count(c.exited_by_restart)));
        }
        if c.re_receiving > 0 {
            lines.push(("Receiving again", format_count(c.re_receiving)));
        }
        if c.exited_by_edit > 0 {
            lines.push(("Leaving with the edit", format_count(c.exited_by_edit)));
        }
        lines.push(("Next run", self.next_run.map_or_else(|| "none".to_string(), |t| zone.format(t))));
        lines
    }

    /// The figures that differ from `before` (the request's), in the summary's order; what
    /// the approver's page highlights.
    ///
    /// ```
    /// use journey_core::pending::PlanFigures;
    /// use journey_core::plan::ActivationCounts;
    /// let zone = journey_core::zone::Zone::bundled("UTC")?;
    /// let at: jiff::Timestamp = "2026-11-26T10:00:00Z".parse()?;
    /// let counts = ActivationCounts { entering: Some(1_000), ..Default::default() };
    /// let before = PlanFigures { at, projected_from: None, counts, recipients: 1_000, first_hour: 1_000, next_run: None };
    /// let now = PlanFigures { counts: ActivationCounts { entering: Some(700), ..counts }, recipients: 700, ..before.clone() };
    /// let changes = now.changes_since(&before, &zone);
    /// assert_eq!(changes.len(), 2);
    /// assert_eq!((changes[0].label.as_str(), changes[0].before.as_str(), changes[0].after.as_str()), ("Recipients", "1,000", "700"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn changes_since(&self, before: &PlanFigures, zone: &Zone) -> Vec<FigureChange> {
        let old = before.lines(zone);
        let new = self.lines(zone);
        let mut changes = Vec::new();
        for (label, after) in &new {
            let was = old.iter().find(|(l, _)| l == label).map_or("0", |(_, v)| v.as_str());
            if was != after {
                changes.push(FigureChange { label: (*label).to_string(), before: was.to_string(), after: after.clone() });
            }
        }
        // A figure that is gone now (a restart's exits that no longer happen) reads as 0.
        for (label, was) in &old {
            if !new.iter().any(|(l, _)| l == label) {
                changes.push(FigureChange { label: (*label).to_string(), before: was.clone(), after: "0".to_string() });
            }
        }
        changes
    }
}
