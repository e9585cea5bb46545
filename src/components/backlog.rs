//! The summary's backlog rows: how a Resume releases its overdue contacts (the policy
//! choice) and the volume the activation causes per hour (a chart, and the same numbers as a
//! table). Every number is journey-core's (`release::volume`), computed from the snapshot the
//! summary already has: changing the policy redraws without a request.

use crate::format::count;
use journey_core::jiff::Timestamp;
use journey_core::jiff::tz::TimeZone;
use journey_core::release::{MAX_PER_HOUR, MAX_SPREAD_HOURS, ReleasePolicy, Volume};
use leptos::prelude::*;

/// The hours offered first when the person picks "evenly over": the example.
const DEFAULT_SPREAD_HOURS: u32 = 3;

/// The hourly cap offered first: a third of the backlog an hour, rounded up to a hundred.
fn default_limit(backlog: u64) -> u64 {
    (backlog.div_ceil(3).div_ceil(100).max(1) * 100).min(MAX_PER_HOUR)
}

/// What a person typed into the backlog choice, kept by the summary: the plan is redrawn
/// every minute (and when the pace changes), and the numbers and any problem must survive it.
#[derive(Debug, Clone, Copy)]
pub struct ReleaseInputs {
    hours: RwSignal<Option<u32>>,
    limit: RwSignal<Option<u64>>,
    problem: RwSignal<Option<String>>,
}

impl ReleaseInputs {
    pub fn new() -> ReleaseInputs {
        ReleaseInputs { hours: RwSignal::new(None), limit: RwSignal::new(None), problem: RwSignal::new(None) }
    }
}

impl Default for ReleaseInputs {
    fn default() -> Self {
        ReleaseInputs::new()
    }
}

/// "Backlog": all at once, evenly over N hours, or at most K an hour. A choice the rules
/// refuse (`ReleasePolicy::check_for`) says why and leaves the policy, and the checked
/// button, as they were.
#[component]
pub fn ReleaseChoice(
    /// The overdue contacts the policy releases.
    backlog: u64,
    /// The policy shown as chosen.
    policy: ReleasePolicy,
    /// A new valid policy.
    on_change: Option<Callback<ReleasePolicy>>,
    /// The typed numbers and the problem, kept across redraws.
    #[prop(optional)]
    inputs: Option<ReleaseInputs>,
) -> impl IntoView {
    let inputs = inputs.unwrap_or_default();
    let hours = move || {
        inputs.hours.get().unwrap_or(match policy {
            ReleasePolicy::SpreadOver { hours } => hours,
            _ => DEFAULT_SPREAD_HOURS,
        })
    };
    let limit = move || {
        inputs.limit.get().unwrap_or(match policy {
            ReleasePolicy::PerHour { limit } => limit,
            _ => default_limit(backlog),
        })
    };
    // Which button is checked: the policy in force; put back when a choice is refused.
    let checked = RwSignal::new(policy);
    let choose = move |p: ReleasePolicy| match p.check_for(backlog) {
        Ok(()) => {
            inputs.problem.set(None);
            if let Some(cb) = on_change {
                cb.run(p);
            }
        }
        Err(e) => {
            inputs.problem.set(Some(e.to_string()));
            checked.set(policy);
        }
    };
    let is = move |kind: fn(&ReleasePolicy) -> bool| move || kind(&checked.get());
    view! {
        <fieldset class="release-options" aria-labelledby="release-label" aria-describedby="release-problem">
            <label class="choice" for="release-all">
                <input type="radio" name="release" id="release-all" data-testid="release-all" value="all"
                    prop:checked=is(|p| *p == ReleasePolicy::AllAtOnce)
                    on:change=move |_| choose(ReleasePolicy::AllAtOnce)/>
                <span>
                    <span class="choice-title">"All at once"</span>
                    <span class="choice-text">{format!("{} move on at activation.", contacts(backlog))}</span>
                </span>
            </label>
            <label class="choice" for="release-spread">
                <input type="radio" name="release" id="release-spread" data-testid="release-spread" value="spread"
                    prop:checked=is(|p| matches!(p, ReleasePolicy::SpreadOver { .. }))
                    on:change=move |_| choose(ReleasePolicy::SpreadOver { hours: hours() })/>
                <span>
                    <span class="choice-title">"Evenly over "
                        <input type="number" class="inline-number" min="1" max=MAX_SPREAD_HOURS step="1"
                            aria-label="Hours to spread the backlog over" data-testid="release-hours"
                            prop:value=move || hours().to_string()
                            on:change=move |ev| {
                                let n = event_target_value(&ev).trim().parse::<u32>().unwrap_or(0);
                                inputs.hours.set(Some(n));
                                choose(ReleasePolicy::SpreadOver { hours: n });
                            }/>
                        " hours"
                    </span>
                    <span class="choice-text">"The earliest due first, the same number each minute."</span>
                </span>
            </label>
            <label class="choice" for="release-capped">
                <input type="radio" name="release" id="release-capped" data-testid="release-capped" value="capped"
                    prop:checked=is(|p| matches!(p, ReleasePolicy::PerHour { .. }))
                    on:change=move |_| choose(ReleasePolicy::PerHour { limit: limit() })/>
                <span>
                    <span class="choice-title">"At most "
                        <input type="number" class="inline-number wide" min="1" max=MAX_PER_HOUR step="1"
                            aria-label="Contacts released per hour at most" data-testid="release-limit"
                            prop:value=move || limit().to_string()
                            on:change=move |ev| {
                                let n = event_target_value(&ev).trim().replace(',', "").parse::<u64>().unwrap_or(0);
                                inputs.limit.set(Some(n));
                                choose(ReleasePolicy::PerHour { limit: n });
                            }/>
                        " an hour"
                    </span>
                    <span class="choice-text">"The earliest due first, hour after hour until all have moved on."</span>
                </span>
            </label>
        </fieldset>
        <p class="field-problem" id="release-problem" role="alert" data-testid="release-problem">{move || inputs.problem.get()}</p>
    }
}

fn contacts(n: u64) -> String {
    format!("{} {}", count(n), if n == 1 { "contact" } else { "contacts" })
}

/// "HH:MM" of an instant in a zone.
fn clock(at: Timestamp, tz: &TimeZone) -> String {
    let dt = tz.to_datetime(at);
    format!("{:02}:{:02}", dt.hour(), dt.minute())
}

/// The chart's geometry (SVG user units; the SVG scales to its box). Whole numbers: the
/// console links no float formatting.
const BAR: u64 = 22;
const GAP: u64 = 8;
const PLOT_HEIGHT: u64 = 110;
const TOP: u64 = 18;
const AXIS: u64 = 22;

/// "Volume": the messages per hour over the next 24 hours, as bars and as a table, with what
/// the numbers leave out.
#[component]
pub fn VolumeChart(
    volume: Volume,
    /// The journey's zone: the hours are labelled in journey time.
    tz: TimeZone,
    /// The activation is later: its first hour is labelled with its time, not "now".
    #[prop(optional)]
    later: bool,
) -> impl IntoView {
    let peak = volume.peak();
    let width = volume.hours.len() as u64 * (BAR + GAP);
    let height = TOP + PLOT_HEIGHT + AXIS;
    let summary = if peak == 0 {
        "No messages from this activation in the next 24 hours.".to_string()
    } else {
        format!(
            "{}{} messages in the next 24 hours, at most {} in one hour.",
            if volume.lower_bound { "At least " } else { "" },
            count(volume.total_messages()),
            count(peak)
        )
    };
    let bars = volume
        .hours
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let x = i as u64 * (BAR + GAP) + GAP / 2;
            // At least 2 units for any message, so a small hour still shows.
            let bar = if peak == 0 || h.messages == 0 {
                0
            } else {
                ((u128::from(h.messages) * u128::from(PLOT_HEIGHT) / u128::from(peak)) as u64).max(2)
            };
            // Hour 0 starts at the activation itself; the others on the release minute.
            let label = (i % 3 == 0).then(|| {
                let text = if i == 0 && !later { "now".to_string() } else { clock(h.from, &tz) };
                view! { <text x=x + BAR / 2 y=height - 6 text-anchor="middle" class="axis">{text}</text> }
            });
            let value = (h.messages > 0 && h.messages == peak).then(|| {
                view! { <text x=x + BAR / 2 y=TOP + PLOT_HEIGHT - bar - 5 text-anchor="middle" class="peak">{count(h.messages)}</text> }
            });
            view! {
                <g>
                    <rect x=x y=TOP + PLOT_HEIGHT - bar width=BAR height=bar rx="2" class="bar" data-testid="volume-bar"
                        data-messages=h.messages.to_string()>
                        <title>{format!("{} to {}: {} messages", clock(h.from, &tz), clock(h.until, &tz), count(h.messages))}</title>
                    </rect>
                    {value}
                    {label}
                </g>
            }
        })
        .collect_view();
    let mut notes = Vec::new();
    if volume.held > 0
        && let (Some(first), Some(last)) = (volume.first_release, volume.last_release)
    {
        notes.push(format!(
            "{} released {}, from {} to {} journey time.",
            contacts(volume.held),
            volume.policy.describe(),
            clock(first, &tz),
            clock(last, &tz)
        ));
    }
    if volume.released_later > 0 {
        notes.push(format!("{} more are released after these 24 hours.", contacts(volume.released_later)));
    }
    if volume.lower_bound {
        notes.push("Contacts reaching a condition may receive more: the numbers are at least these.".to_string());
    }
    if volume.runs_not_counted > 0 {
        notes.push(format!(
            "The entry of {} later {} in these hours is not counted: who enters then is not known yet.",
            volume.runs_not_counted,
            if volume.runs_not_counted == 1 { "run" } else { "runs" }
        ));
    }
    if volume.on_events {
        notes.push("Contacts who enter on events are not counted.".to_string());
    }
    // The stale-message guard's column, when it skips anything.
    let guarded = volume.stale > 0;
    let rows = volume
        .hours
        .iter()
        .map(|h| {
            view! {
                <tr data-testid="volume-row">
                    <th scope="row">{format!("{}–{}", clock(h.from, &tz), clock(h.until, &tz))}</th>
                    <td class="num">{count(h.released)}</td>
                    <td class="num">{count(h.entering)}</td>
                    <td class="num" data-testid="volume-row-messages">{count(h.messages)}</td>
                    {guarded.then(|| view! { <td class="num" data-testid="volume-row-stale">{count(h.stale)}</td> })}
                </tr>
            }
        })
        .collect_view();
    view! {
        <figure class="volume" data-testid="volume">
            <figcaption data-testid="volume-summary">{summary}</figcaption>
            <svg class="volume-chart" viewBox=format!("0 0 {width} {height}") role="img" aria-describedby="volume-table-caption"
                aria-label="Messages per hour over the next 24 hours; the same numbers are in the table below">
                <line x1="0" x2=width y1=TOP + PLOT_HEIGHT y2=TOP + PLOT_HEIGHT class="baseline"/>
                {bars}
            </svg>
            {(!notes.is_empty()).then(|| view! {
                <ul class="volume-notes" data-testid="volume-notes">
                    {notes.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}
                </ul>
            })}
            <details class="volume-details">
                <summary>"The numbers per hour"</summary>
                <table class="by-node volume-table" data-testid="volume-table">
                    <caption id="volume-table-caption" class="visually-hidden">"Messages per hour, journey time"</caption>
                    <thead><tr>
                        <th scope="col">"Hour (journey time)"</th>
                        <th scope="col" class="num">"Backlog released"</th>
                        <th scope="col" class="num">"Entering"</th>
                        <th scope="col" class="num">"Messages"</th>
                        {guarded.then(|| view! { <th scope="col" class="num">"Not sent: too late"</th> })}
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </details>
        </figure>
    }
}
