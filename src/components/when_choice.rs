//! The summary's "When": activate now, or at a date and time on the journey's clock or the
//! viewer's. It shows the choice it is given and hands every change to the page, which keeps
//! it in the URL and reads it with journey-core (the DST rule, the 90 days); the sentences it
//! shows under the inputs (the clocks changing, a time that cannot be chosen) are the page's.

use crate::routes::{When, ZoneChoice};
use journey_core::jiff::civil::{Date, DateTime, Time};
use journey_core::pending::MAX_DAYS_AHEAD;
use leptos::prelude::*;

#[component]
pub fn WhenChoice(
    /// The choice shown.
    #[prop(into)]
    when: Signal<When>,
    /// The journey's zone name, once known.
    #[prop(into)]
    journey_zone: Signal<Option<String>>,
    /// The viewer's zone name, once its rules are loaded ("your time" is offered then).
    #[prop(into)]
    your_zone: Signal<Option<String>>,
    /// The date and time first offered when "Activate at" is picked.
    #[prop(into)]
    suggestion: Signal<Option<DateTime>>,
    /// What the clocks do at the chosen local time, if anything (journey-core's sentence).
    #[prop(into)]
    note: Signal<Option<String>>,
    /// Why the chosen time cannot be used, if it cannot.
    #[prop(into)]
    problem: Signal<Option<String>>,
    on_change: Callback<When>,
) -> impl IntoView {
    let later = move || match when.get() {
        When::Now => None,
        When::Later { local, zone } => Some((local, zone)),
    };
    let is_later = Memo::new(move |_| later().is_some());
    let local = move || later().and_then(|(local, _)| local);
    let zone = move || later().map_or(ZoneChoice::Journey, |(_, zone)| zone);
    let set_local = move |local: Option<DateTime>| on_change.run(When::Later { local, zone: zone() });
    let on_date = move |ev| {
        let time = local().map_or(Time::midnight(), |l| l.time());
        set_local(event_target_value(&ev).parse::<Date>().ok().map(|d| d.to_datetime(time)));
    };
    let on_time = move |ev| {
        let time = event_target_value(&ev).parse::<Time>().ok();
        set_local(local().map(|l| l.date()).zip(time).map(|(d, t)| d.to_datetime(t)));
    };
    let on_zone = move |ev| {
        let zone = if event_target_value(&ev) == "yours" { ZoneChoice::Yours } else { ZoneChoice::Journey };
        on_change.run(When::Later { local: local(), zone });
    };
    let journey_label = move || format!("{} (the journey's)", journey_zone.get().unwrap_or_else(|| "The journey's zone".into()));
    let inputs = move || {
        is_later.get().then(|| {
            view! {
                <div class="when-inputs">
                    <label class="field">
                        <span class="field-label">"Date"</span>
                        <input type="date" data-testid="when-date"
                            prop:value=move || local().map(|l| l.date().to_string()).unwrap_or_default() on:change=on_date/>
                    </label>
                    <label class="field">
                        <span class="field-label">"Time"</span>
                        <input type="time" data-testid="when-time"
                            prop:value=move || local().map(|l| format!("{:02}:{:02}", l.hour(), l.minute())).unwrap_or_default()
                            on:change=on_time/>
                    </label>
                    <label class="field">
                        <span class="field-label">"Time zone"</span>
                        <select data-testid="when-zone" on:change=on_zone
                            prop:value=move || if zone() == ZoneChoice::Yours { "yours" } else { "journey" }>
                            <option value="journey">{journey_label}</option>
                            {move || {
                                let yours = your_zone.get().or_else(|| (zone() == ZoneChoice::Yours).then(|| "Your zone".into()));
                                yours.map(|name| view! { <option value="yours">{format!("{name} (your time)")}</option> })
                            }}
                        </select>
                    </label>
                </div>
            }
        })
    };
    view! {
        <section class="card when-card summary-row" aria-labelledby="when-label" data-testid="when-choice">
            <h2 class="summary-label" id="when-label">"When"</h2>
            <div>
                <fieldset class="when-options" aria-labelledby="when-label">
                    <label class="choice" for="when-now">
                        <input type="radio" name="when" id="when-now" data-testid="when-now"
                            prop:checked=move || !is_later.get() on:change=move |_| on_change.run(When::Now)/>
                        <span>
                            <span class="choice-title">"Activate now"</span>
                            <span class="choice-text">"When you press the button."</span>
                        </span>
                    </label>
                    <label class="choice" for="when-later">
                        <input type="radio" name="when" id="when-later" data-testid="when-later"
                            prop:checked=is_later
                            on:change=move |_| on_change.run(When::Later { local: suggestion.get_untracked(), zone: ZoneChoice::Journey })/>
                        <span>
                            <span class="choice-title">"Activate at …"</span>
                            <span class="choice-text">
                                {format!("A date and time within the next {MAX_DAYS_AHEAD} days; the summary is projected to then.")}
                            </span>
                        </span>
                    </label>
                </fieldset>
                {inputs}
                <p class="field-note run-flag" data-testid="when-note">{move || note.get()}</p>
                <p class="field-problem" role="alert" data-testid="when-problem">{move || problem.get()}</p>
            </div>
        </section>
    }
}
