//! When a dataset or segment trigger runs: the schedule, its runs (occurrences) as instants,
//! and its description in plain English.
//!
//! Rules (spec section 5, plus the ones written here where the spec is silent):
//!
//! - Arithmetic happens in the journey's zone, then converts to UTC with
//!   [`Zone::to_instant`]: a local time in a DST gap runs at the end of the gap (the transition
//!   instant), a local time in an overlap runs once, at the earlier instant.
//! - `daily`, `weekly` and `monthly` run at `time_of_day` on matching dates from `start_date`.
//! - `monthly` on day 29-31 runs on the last day of shorter months; `last` is always the last.
//! - `every N hours` runs at `start_date` + `time_of_day` (converted as above) and then every
//!   N *real elapsed* hours, whatever the wall clock says across DST changes.
//! - End `on` a date is inclusive: a run whose **local date** is on or before it may happen.
//! - End `after N` runs counts the runs already done **in the current generation**
//!   (`runs_done`); runs missed while the journey was frozen are not runs and do not count.
//! - A `once` schedule has one run; after it ran (`runs_done >= 1`) it has none.
//! - An invalid schedule (see [`Schedule::validate`]) has no runs; it never panics.
//! - "After" always means **strictly after**: a run at exactly T is already past.
//!
//! ```
//! use journey_core::schedule::{Frequency, Schedule, ScheduleEnd};
//! use journey_core::zone::Zone;
//! use jiff::civil::{date, time};
//!
//! let kolkata = Zone::bundled("Asia/Kolkata")?;
//! let daily = Schedule::Recurring {
//!     frequency: Frequency::Daily,
//!     time_of_day: time(14, 0, 0, 0),
//!     start_date: date(2025, 12, 1),
//!     end: ScheduleEnd::Never,
//! };
//! assert_eq!(daily.describe(), "Every day at 14:00");
//! // Reactivated on Jan 1 at 14:00 (Kolkata): the next run is Jan 2 at 14:00.
//! let t = kolkata.to_instant(date(2026, 1, 1).at(14, 0, 0, 0))?;
//! let next = daily.next_run_after(&kolkata, t, 0).unwrap();
//! assert_eq!(kolkata.to_local(next), date(2026, 1, 2).at(14, 0, 0, 0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::zone::Zone;

/// A day of the week (serialized `"monday"` ... `"sunday"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    /// Monday.
    Monday,
    /// Tuesday.
    Tuesday,
    /// Wednesday.
    Wednesday,
    /// Thursday.
    Thursday,
    /// Friday.
    Friday,
    /// Saturday.
    Saturday,
    /// Sunday.
    Sunday,
}

impl Weekday {
    /// All seven days, Monday first.
    pub const ALL: [Weekday; 7] = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ];

    /// The `jiff` weekday.
    pub fn to_jiff(self) -> jiff::civil::Weekday {
        use jiff::civil::Weekday as J;
        match self {
            Weekday::Monday => J::Monday,
            Weekday::Tuesday => J::Tuesday,
            Weekday::Wednesday => J::Wednesday,
            Weekday::Thursday => J::Thursday,
            Weekday::Friday => J::Friday,
            Weekday::Saturday => J::Saturday,
            Weekday::Sunday => J::Sunday,
        }
    }

    /// The English name, e.g. "Monday".
    pub fn name(self) -> &'static str {
        match self {
            Weekday::Monday => "Monday",
            Weekday::Tuesday => "Tuesday",
            Weekday::Wednesday => "Wednesday",
            Weekday::Thursday => "Thursday",
            Weekday::Friday => "Friday",
            Weekday::Saturday => "Saturday",
            Weekday::Sunday => "Sunday",
        }
    }
}

impl fmt::Display for Weekday {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The day of the month a monthly schedule runs on. Serialized as a number (`31`) or `"last"`.
///
/// `Day(29..=31)` runs on the last day of months that are shorter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MonthDay {
    /// A day number, 1 to 31.
    Day(u8),
    /// The last day of every month.
    Last,
}

impl MonthDay {
    /// The date this rule picks in the month of `any_day_in_month`, or `None` when the day
    /// number is invalid (0 or above 31).
    ///
    /// ```
    /// use journey_core::schedule::MonthDay;
    /// use jiff::civil::date;
    /// assert_eq!(MonthDay::Day(31).in_month(date(2026, 2, 1)), Some(date(2026, 2, 28)));
    /// assert_eq!(MonthDay::Day(29).in_month(date(2028, 2, 1)), Some(date(2028, 2, 29)));
    /// assert_eq!(MonthDay::Last.in_month(date(2026, 4, 9)), Some(date(2026, 4, 30)));
    /// assert_eq!(MonthDay::Day(0).in_month(date(2026, 4, 9)), None);
    /// ```
    pub fn in_month(self, any_day_in_month: Date) -> Option<Date> {
        let last = any_day_in_month.last_of_month();
        match self {
            MonthDay::Last => Some(last),
            MonthDay::Day(d) if (1..=31).contains(&d) => {
                let day = (d as i8).min(last.day());
                Date::new(last.year(), last.month(), day).ok()
            }
            MonthDay::Day(_) => None,
        }
    }
}

impl Serialize for MonthDay {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            MonthDay::Day(d) => serializer.serialize_u8(*d),
            MonthDay::Last => serializer.serialize_str("last"),
        }
    }
}

impl<'de> Deserialize<'de> for MonthDay {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<MonthDay, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Day(u64),
            Word(String),
        }
        match Repr::deserialize(deserializer)? {
            Repr::Day(d) if (1..=31).contains(&d) => Ok(MonthDay::Day(d as u8)),
            Repr::Word(w) if w == "last" => Ok(MonthDay::Last),
            _ => Err(serde::de::Error::custom("a month day is a number from 1 to 31 or \"last\"")),
        }
    }
}

/// How often a recurring schedule runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Frequency {
    /// Every day.
    #[serde(deserialize_with = "crate::journey::no_fields")]
    Daily,
    /// On each of the given weekdays (order and repeats do not matter).
    Weekly {
        /// The weekdays; at least one.
        days: Vec<Weekday>,
    },
    /// Once a month, on the given day.
    Monthly {
        /// The day of the month.
        day: MonthDay,
    },
    /// Every N hours of real elapsed time from the start date at the time of day.
    EveryHours {
        /// N, from 1 to [`MAX_EVERY_HOURS`].
        hours: u32,
    },
}

/// The largest N in "every N hours" (one leap year).
pub const MAX_EVERY_HOURS: u32 = 366 * 24;

/// When a recurring schedule stops.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ScheduleEnd {
    /// It never stops.
    #[serde(deserialize_with = "crate::journey::no_fields")]
    Never,
    /// Its last possible run is on this local date (inclusive).
    On {
        /// The last local date with a run.
        date: Date,
    },
    /// It stops after N runs in the current generation (Restart grants N runs again).
    After {
        /// N, at least 1.
        runs: u32,
    },
}

/// When a dataset or segment trigger runs, in the journey's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Schedule {
    /// One run at a local date-time.
    Once {
        /// The local date-time of the run.
        at: DateTime,
    },
    /// Repeated runs.
    Recurring {
        /// How often.
        frequency: Frequency,
        /// The local time of day of each run (for `every N hours`: of the first run).
        time_of_day: Time,
        /// The first local date with a run.
        start_date: Date,
        /// When it stops.
        end: ScheduleEnd,
    },
}

/// What is wrong with a schedule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// A weekly schedule with no weekday.
    #[error("A weekly schedule needs at least one weekday.")]
    NoWeekdays,
    /// A monthly day outside 1-31.
    #[error("The day of the month must be from 1 to 31, or the last day (it is {0}).")]
    InvalidMonthDay(u8),
    /// Every 0 hours, or more than a year.
    #[error("\"Every N hours\" needs N from 1 to {max} (it is {0}).", max = MAX_EVERY_HOURS)]
    InvalidEveryHours(u32),
    /// End after 0 runs.
    #[error("A schedule that ends after a number of runs needs at least one run.")]
    ZeroRuns,
    /// End date before the start date.
    #[error("The end date ({}) is before the start date ({}).", format_date(*end), format_date(*start))]
    EndBeforeStart {
        /// The start date.
        start: Date,
        /// The end date.
        end: Date,
    },
}

/// Why a schedule has no run after an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoRunReason {
    /// A `once` schedule whose run has happened, or whose instant has passed.
    OnceAlreadyRan,
    /// A recurring schedule whose end date has passed.
    EndDatePassed,
    /// A recurring schedule that ended after N runs, all done in this generation.
    RunLimitReached,
    /// The schedule is invalid (see [`Schedule::validate`]) or the trigger has none.
    InvalidSchedule,
}

impl NoRunReason {
    /// A plain sentence.
    pub fn message(self) -> &'static str {
        match self {
            NoRunReason::OnceAlreadyRan => "The journey's one-time run has already passed.",
            NoRunReason::EndDatePassed => "The schedule's end date has passed.",
            NoRunReason::RunLimitReached => "The schedule has made all of its runs.",
            NoRunReason::InvalidSchedule => "The journey has no valid schedule.",
        }
    }
}

impl fmt::Display for NoRunReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl Schedule {
    /// Checks the schedule; the first problem, in words.
    ///
    /// ```
    /// use journey_core::schedule::{Frequency, Schedule, ScheduleEnd};
    /// use jiff::civil::{date, time};
    /// let s = Schedule::Recurring {
    ///     frequency: Frequency::Weekly { days: vec![] },
    ///     time_of_day: time(9, 0, 0, 0),
    ///     start_date: date(2026, 1, 1),
    ///     end: ScheduleEnd::Never,
    /// };
    /// assert_eq!(s.validate().unwrap_err().to_string(), "A weekly schedule needs at least one weekday.");
    /// ```
    pub fn validate(&self) -> Result<(), ScheduleError> {
        let Schedule::Recurring { frequency, start_date, end, .. } = self else {
            return Ok(());
        };
        match frequency {
            Frequency::Weekly { days } if days.is_empty() => return Err(ScheduleError::NoWeekdays),
            Frequency::Monthly { day: MonthDay::Day(d) } if !(1..=31).contains(d) => {
                return Err(ScheduleError::InvalidMonthDay(*d));
            }
            Frequency::EveryHours { hours } if !(1..=MAX_EVERY_HOURS).contains(hours) => {
                return Err(ScheduleError::InvalidEveryHours(*hours));
            }
            _ => {}
        }
        match end {
            ScheduleEnd::After { runs: 0 } => Err(ScheduleError::ZeroRuns),
            ScheduleEnd::On { date } if date < start_date => {
                Err(ScheduleError::EndBeforeStart { start: *start_date, end: *date })
            }
            _ => Ok(()),
        }
    }

    /// The runs strictly after `after`, in order, given `runs_done` runs already done in the
    /// current generation. The iterator ends when the schedule does (it is unbounded for a
    /// schedule that never ends, so take what you need).
    ///
    /// ```
    /// use journey_core::schedule::{Frequency, Schedule, ScheduleEnd};
    /// use journey_core::zone::Zone;
    /// use jiff::civil::{date, time};
    /// let utc = Zone::bundled("UTC")?;
    /// let s = Schedule::Recurring {
    ///     frequency: Frequency::Daily,
    ///     time_of_day: time(9, 0, 0, 0),
    ///     start_date: date(2026, 1, 1),
    ///     end: ScheduleEnd::After { runs: 3 },
    /// };
    /// let t = utc.to_instant(date(2025, 12, 25).at(0, 0, 0, 0))?;
    /// // One run already done in this generation: two remain.
    /// let runs: Vec<_> = s.runs_after(&utc, t, 1).map(|r| utc.to_local(r)).collect();
    /// assert_eq!(runs, [date(2026, 1, 1).at(9, 0, 0, 0), date(2026, 1, 2).at(9, 0, 0, 0)]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn runs_after<'a>(&'a self, zone: &'a Zone, after: Timestamp, runs_done: u32) -> Runs<'a> {
        Runs::new(self, zone, after, runs_done)
    }

    /// The first run strictly after `after` (see [`Schedule::runs_after`]).
    pub fn next_run_after(&self, zone: &Zone, after: Timestamp, runs_done: u32) -> Option<Timestamp> {
        self.runs_after(zone, after, runs_done).next()
    }

    /// The first `n` runs strictly after `after` (fewer if the schedule ends).
    pub fn next_runs_after(&self, zone: &Zone, after: Timestamp, runs_done: u32, n: usize) -> Vec<Timestamp> {
        self.runs_after(zone, after, runs_done).take(n).collect()
    }

    /// Why there is no run strictly after `after`, or `None` when there is one.
    ///
    /// ```
    /// use journey_core::schedule::{NoRunReason, Schedule};
    /// use journey_core::zone::Zone;
    /// use jiff::civil::date;
    /// let utc = Zone::bundled("UTC")?;
    /// let once = Schedule::Once { at: date(2026, 1, 10).at(8, 0, 0, 0) };
    /// let t = utc.to_instant(date(2026, 1, 20).at(8, 0, 0, 0))?;
    /// assert_eq!(once.no_run_reason(&utc, t, 1), Some(NoRunReason::OnceAlreadyRan));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn no_run_reason(&self, zone: &Zone, after: Timestamp, runs_done: u32) -> Option<NoRunReason> {
        if self.next_run_after(zone, after, runs_done).is_some() {
            return None;
        }
        if self.validate().is_err() {
            return Some(NoRunReason::InvalidSchedule);
        }
        Some(match self {
            Schedule::Once { .. } => NoRunReason::OnceAlreadyRan,
            Schedule::Recurring { end: ScheduleEnd::After { runs }, .. } if runs_done >= *runs => NoRunReason::RunLimitReached,
            Schedule::Recurring { end: ScheduleEnd::On { .. }, .. } => NoRunReason::EndDatePassed,
            // Only reachable at the very end of the supported calendar.
            Schedule::Recurring { .. } => NoRunReason::InvalidSchedule,
        })
    }

    /// The local end date, when the schedule ends on one.
    pub fn end_date(&self) -> Option<Date> {
        match self {
            Schedule::Recurring { end: ScheduleEnd::On { date }, .. } => Some(*date),
            _ => None,
        }
    }

    /// The schedule in plain English, without the zone (the UI appends it).
    ///
    /// ```
    /// use journey_core::schedule::{Frequency, MonthDay, Schedule, ScheduleEnd, Weekday};
    /// use jiff::civil::{date, time};
    /// let at = |frequency, h| Schedule::Recurring {
    ///     frequency,
    ///     time_of_day: time(h, 0, 0, 0),
    ///     start_date: date(2026, 1, 1),
    ///     end: ScheduleEnd::Never,
    /// };
    /// assert_eq!(at(Frequency::Daily, 14).describe(), "Every day at 14:00");
    /// assert_eq!(
    ///     at(Frequency::Weekly { days: vec![Weekday::Thursday, Weekday::Monday] }, 9).describe(),
    ///     "Every Monday and Thursday at 09:00"
    /// );
    /// assert_eq!(
    ///     at(Frequency::Monthly { day: MonthDay::Last }, 10).describe(),
    ///     "On the last day of every month at 10:00"
    /// );
    /// assert_eq!(
    ///     at(Frequency::Monthly { day: MonthDay::Day(31) }, 10).describe(),
    ///     "On the 31st of every month (the last day in shorter months) at 10:00"
    /// );
    /// assert_eq!(at(Frequency::EveryHours { hours: 6 }, 8).describe(), "Every 6 hours from 08:00");
    /// let once = Schedule::Once { at: date(2026, 1, 10).at(8, 0, 0, 0) };
    /// assert_eq!(once.describe(), "Once on 10 Jan 2026 at 08:00");
    /// ```
    pub fn describe(&self) -> String {
        match self {
            Schedule::Once { at } => {
                format!("Once on {} at {}", format_date(at.date()), format_time(at.time()))
            }
            Schedule::Recurring { frequency, time_of_day, .. } => {
                let t = format_time(*time_of_day);
                match frequency {
                    Frequency::Daily => format!("Every day at {t}"),
                    Frequency::Weekly { days } => {
                        let days = sorted_days(days);
                        match days.len() {
                            0 => "Never (no weekday chosen)".to_string(),
                            7 => format!("Every day at {t}"),
                            _ => {
                                let names: Vec<&str> = days.iter().map(|d| d.name()).collect();
                                format!("Every {} at {t}", join_and(&names))
                            }
                        }
                    }
                    Frequency::Monthly { day: MonthDay::Last } => {
                        format!("On the last day of every month at {t}")
                    }
                    Frequency::Monthly { day: MonthDay::Day(d) } if (29..=31).contains(d) => {
                        format!("On the {} of every month (the last day in shorter months) at {t}", ordinal(u32::from(*d)))
                    }
                    Frequency::Monthly { day: MonthDay::Day(d) } => {
                        format!("On the {} of every month at {t}", ordinal(u32::from(*d)))
                    }
                    Frequency::EveryHours { hours: 1 } => format!("Every hour from {t}"),
                    Frequency::EveryHours { hours } => format!("Every {hours} hours from {t}"),
                }
            }
        }
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

fn sorted_days(days: &[Weekday]) -> Vec<Weekday> {
    let mut days = days.to_vec();
    days.sort();
    days.dedup();
    days
}

fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// A date as "10 Jan 2026".
///
/// ```
/// assert_eq!(journey_core::schedule::format_date(jiff::civil::date(2026, 1, 10)), "10 Jan 2026");
/// ```
pub fn format_date(date: Date) -> String {
    let month = MONTHS[(date.month().clamp(1, 12) - 1) as usize];
    format!("{} {month} {}", date.day(), date.year())
}

/// A time of day as "09:05" (24-hour clock; seconds only when not zero).
///
/// ```
/// use journey_core::schedule::format_time;
/// assert_eq!(format_time(jiff::civil::time(9, 5, 0, 0)), "09:05");
/// assert_eq!(format_time(jiff::civil::time(9, 5, 30, 0)), "09:05:30");
/// ```
pub fn format_time(time: Time) -> String {
    if time.second() == 0 {
        format!("{:02}:{:02}", time.hour(), time.minute())
    } else {
        format!("{:02}:{:02}:{:02}", time.hour(), time.minute(), time.second())
    }
}

/// The runs of a schedule strictly after an instant: see [`Schedule::runs_after`].
#[derive(Debug, Clone)]
pub struct Runs<'a> {
    schedule: &'a Schedule,
    zone: &'a Zone,
    after: Timestamp,
    /// Runs still allowed by an `after N` end (`None`: no such limit).
    remaining: Option<u32>,
    cursor: Cursor,
    done: bool,
}

#[derive(Debug, Clone)]
enum Cursor {
    /// The next date to consider (daily, weekly, monthly).
    Date(Date),
    /// The next multiple of the period after the anchor (every N hours), in nanoseconds.
    Hours { anchor: i128, period: i128, k: i128 },
    /// A `once` schedule not yet returned.
    Once,
}

/// How many candidate dates a single `next()` may look at before giving up (a guard; a valid
/// schedule needs at most a handful).
const MAX_SCAN: u32 = 1_000;

impl<'a> Runs<'a> {
    fn new(schedule: &'a Schedule, zone: &'a Zone, after: Timestamp, runs_done: u32) -> Runs<'a> {
        let mut runs = Runs { schedule, zone, after, remaining: None, cursor: Cursor::Once, done: false };
        if schedule.validate().is_err() {
            runs.done = true;
            return runs;
        }
        match schedule {
            Schedule::Once { .. } => {
                runs.remaining = Some(if runs_done == 0 { 1 } else { 0 });
            }
            Schedule::Recurring { frequency, time_of_day, start_date, end } => {
                if let ScheduleEnd::After { runs: n } = end {
                    runs.remaining = Some(n.saturating_sub(runs_done));
                }
                match frequency {
                    Frequency::EveryHours { hours } => {
                        let Ok(anchor) = zone.to_instant(start_date.to_datetime(*time_of_day)) else {
                            runs.done = true;
                            return runs;
                        };
                        let anchor = anchor.as_nanosecond();
                        let period = i128::from(*hours) * 3_600 * 1_000_000_000;
                        let t = after.as_nanosecond();
                        let k = if t < anchor { 0 } else { (t - anchor) / period + 1 };
                        runs.cursor = Cursor::Hours { anchor, period, k };
                    }
                    _ => {
                        // Start two days before T's local date: the offset can move a local
                        // date-time at most a day or so away from T.
                        let local = zone.to_local(after).date();
                        let from = local.yesterday().and_then(|d| d.yesterday()).unwrap_or(local);
                        runs.cursor = Cursor::Date(from.max(*start_date));
                    }
                }
            }
        }
        runs
    }

    fn next_candidate(&mut self) -> Option<Timestamp> {
        let Schedule::Recurring { frequency, time_of_day, end, .. } = self.schedule else {
            // Once.
            let Schedule::Once { at } = self.schedule else { return None };
            return self.zone.to_instant(*at).ok();
        };
        let end_date = match end {
            ScheduleEnd::On { date } => Some(*date),
            _ => None,
        };
        match &mut self.cursor {
            Cursor::Hours { anchor, period, k } => {
                let ns = anchor.checked_add(period.checked_mul(*k)?)?;
                *k += 1;
                let ts = Timestamp::from_nanosecond(ns).ok()?;
                if end_date.is_some_and(|end| self.zone.to_local(ts).date() > end) {
                    return None;
                }
                Some(ts)
            }
            Cursor::Date(cursor) => {
                let date = next_matching_date(frequency, *cursor)?;
                if end_date.is_some_and(|end| date > end) {
                    return None;
                }
                *cursor = date.tomorrow().ok()?;
                self.zone.to_instant(date.to_datetime(*time_of_day)).ok()
            }
            Cursor::Once => None,
        }
    }
}

/// Why a run is not at the schedule's plain local time, told beside it in the summary
/// ([`Schedule::run_flag`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RunFlag {
    /// The time of day does not exist that day (clocks go forward): the run is at the end of
    /// the gap.
    DstGap {
        /// The schedule's time of day.
        scheduled: Time,
        /// The local time it runs at.
        runs_at: Time,
    },
    /// The time of day happens twice that day (clocks go back): the run is once, at the
    /// first.
    DstRepeated {
        /// The schedule's time of day.
        scheduled: Time,
    },
    /// A monthly day the month does not have: the run is on its last day.
    MonthEndClamped {
        /// The schedule's day of the month.
        day: u8,
    },
}

impl RunFlag {
    /// The reason in words.
    ///
    /// ```
    /// use journey_core::schedule::RunFlag;
    /// use jiff::civil::time;
    /// assert_eq!(
    ///     RunFlag::DstGap { scheduled: time(2, 30, 0, 0), runs_at: time(3, 0, 0, 0) }.message(),
    ///     "02:30 does not exist that day (clocks go forward): runs at 03:00."
    /// );
    /// assert_eq!(RunFlag::MonthEndClamped { day: 31 }.message(), "The month has no 31st: runs on its last day.");
    /// ```
    pub fn message(self) -> String {
        match self {
            RunFlag::DstGap { scheduled, runs_at } => format!(
                "{} does not exist that day (clocks go forward): runs at {}.",
                format_time(scheduled),
                format_time(runs_at)
            ),
            RunFlag::DstRepeated { scheduled } => {
                format!("{} happens twice that day (clocks go back): runs once, the first time.", format_time(scheduled))
            }
            RunFlag::MonthEndClamped { day } => format!("The month has no {}: runs on its last day.", ordinal(u32::from(day))),
        }
    }
}

impl Schedule {
    /// Why the run at `run` is not at the schedule's plain local time, if it is not: a time of
    /// day in a DST gap (moved to the end of the gap) or in a repeated hour (run once, the
    /// first time), or a monthly day clamped to a shorter month's last day. `every N hours`
    /// counts real hours, so its runs carry no flag.
    ///
    /// ```
    /// use journey_core::schedule::*;
    /// use journey_core::zone::Zone;
    /// use jiff::civil::{date, time};
    /// let berlin = Zone::bundled("Europe/Berlin")?;
    /// let s = Schedule::Recurring {
    ///     frequency: Frequency::Daily,
    ///     time_of_day: time(2, 30, 0, 0),
    ///     start_date: date(2026, 3, 1),
    ///     end: ScheduleEnd::Never,
    /// };
    /// // 29 March 2026: Berlin jumps from 02:00 to 03:00.
    /// let run = s.next_run_after(&berlin, berlin.to_instant(date(2026, 3, 28).at(12, 0, 0, 0))?, 0).unwrap();
    /// assert_eq!(s.run_flag(&berlin, run), Some(RunFlag::DstGap { scheduled: time(2, 30, 0, 0), runs_at: time(3, 0, 0, 0) }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn run_flag(&self, zone: &Zone, run: Timestamp) -> Option<RunFlag> {
        let (date, time_of_day) = match self {
            Schedule::Once { at } => (at.date(), at.time()),
            Schedule::Recurring { frequency: Frequency::EveryHours { .. }, .. } => return None,
            Schedule::Recurring { time_of_day, .. } => (zone.to_local(run).date(), *time_of_day),
        };
        let local = zone.to_local(run);
        let offset = zone.time_zone().to_ambiguous_timestamp(date.to_datetime(time_of_day)).offset();
        match offset {
            jiff::tz::AmbiguousOffset::Gap { .. } => {
                return Some(RunFlag::DstGap { scheduled: time_of_day, runs_at: local.time() });
            }
            jiff::tz::AmbiguousOffset::Fold { .. } => return Some(RunFlag::DstRepeated { scheduled: time_of_day }),
            jiff::tz::AmbiguousOffset::Unambiguous { .. } => {}
        }
        if let Schedule::Recurring { frequency: Frequency::Monthly { day: MonthDay::Day(d) }, .. } = self
            && i16::from(*d) > i16::from(date.days_in_month())
        {
            return Some(RunFlag::MonthEndClamped { day: *d });
        }
        None
    }
}

/// The first date on or after `from` on which a day-based frequency runs.
fn next_matching_date(frequency: &Frequency, from: Date) -> Option<Date> {
    match frequency {
        Frequency::Daily => Some(from),
        Frequency::Weekly { days } => {
            let mut d = from;
            for _ in 0..7 {
                if days.iter().any(|w| w.to_jiff() == d.weekday()) {
                    return Some(d);
                }
                d = d.tomorrow().ok()?;
            }
            None
        }
        Frequency::Monthly { day } => {
            let this = day.in_month(from)?;
            if this >= from {
                return Some(this);
            }
            let next_month = from.last_of_month().tomorrow().ok()?;
            day.in_month(next_month)
        }
        Frequency::EveryHours { .. } => None,
    }
}

impl Iterator for Runs<'_> {
    type Item = Timestamp;

    fn next(&mut self) -> Option<Timestamp> {
        if self.done || self.remaining == Some(0) {
            self.done = true;
            return None;
        }
        for _ in 0..MAX_SCAN {
            let Some(ts) = self.next_candidate() else {
                self.done = true;
                return None;
            };
            if matches!(self.schedule, Schedule::Once { .. }) {
                self.done = true;
            }
            if ts > self.after {
                // Runs strictly increase: the next one must be after this one.
                self.after = ts;
                if let Some(r) = self.remaining.as_mut() {
                    *r -= 1;
                }
                return Some(ts);
            }
            if self.done {
                return None;
            }
        }
        self.done = true;
        None
    }
}
