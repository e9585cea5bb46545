//! Every URL of the console, in one place: the patterns the router matches (used by
//! [`crate::App`]), the builders that link to each screen, the query parameters, and the
//! journey id parameter, each read here and nowhere else.
//!
//! | screen | URL |
//! | --- | --- |
//! | journeys list | `/engage/journeys?tab=paused&q=onboarding` |
//! | journey | `/engage/journeys/{id}` |
//! | ACTIVATE dialog (over the journey) | `/engage/journeys/{id}/activate?mode=resume` |
//! | summary | `/engage/journeys/{id}/summary?mode=resume&wait=keep_deadlines`, `…?mode=restart` |
//! | summary, later | `…/summary?mode=resume&wait=keep_deadlines&at=2026-11-30T09:00&zone=yours&drift=20` |
//! | activation result | `/engage/journeys/{id}/activated` |
//! | review of an activation awaiting approval | `/engage/journeys/{id}/review` |
//! | editor | `/engage/journeys/{id}/edit` |
//! | workspace settings (admins) | `/settings` |
//! | sign-in | `/sign-in?next=/engage/journeys/7/summary%3Fmode%3Drestart` |
//!
//! States, modes and wait handlings are written and read with the rules crate's one spelling
//! of them (`as_str()` and `parse()`, see `journey_core::spelling`).

use crate::api::encode;
use journey_core::jiff::civil::DateTime;
use journey_core::journey::JourneyId;
use journey_core::plan::{ActivationMode, WaitHandling};
use journey_core::release::ReleasePolicy;
use journey_core::state::JourneyState;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use leptos_router::{ParamSegment, StaticSegment, path};

type Static = StaticSegment<&'static str>;

// ---- The router's patterns ----

/// `/`: redirects to the journeys list.
pub const ROOT: () = path!("/");
/// `/engage`: redirects to the journeys list.
pub const ENGAGE: (Static,) = path!("/engage");
/// The journeys list.
pub const JOURNEYS: (Static, Static) = path!("/engage/journeys");
/// The journey page, parent of [`JOURNEY_INDEX`] and [`ACTIVATE`].
pub const JOURNEY: (Static, Static, ParamSegment) = path!("/engage/journeys/:id");
/// Below [`JOURNEY`]: the journey page alone.
pub const JOURNEY_INDEX: () = path!("");
/// Below [`JOURNEY`]: the ACTIVATE dialog over the journey page.
pub const ACTIVATE: (Static,) = path!("activate");
/// The journey summary.
pub const SUMMARY: (Static, Static, ParamSegment, Static) = path!("/engage/journeys/:id/summary");
/// The result of an activation.
pub const ACTIVATED: (Static, Static, ParamSegment, Static) = path!("/engage/journeys/:id/activated");

/// The review of an activation awaiting approval.
pub const REVIEW: (Static, Static, ParamSegment, Static) = path!("/engage/journeys/:id/review");

/// The editor of a journey's definition.
pub const EDIT: (Static, Static, ParamSegment, Static) = path!("/engage/journeys/:id/edit");

/// The workspace's settings (admins).
pub const SETTINGS: (Static,) = path!("/settings");

/// The sign-in page.
pub const SIGN_IN: (Static,) = path!("/sign-in");
/// The sign-in page's path, to build links and to know when the console is on it.
pub const SIGN_IN_PATH: &str = "/sign-in";

/// The journeys list's path (the console's first screen), to know when the console opens on
/// it.
pub const JOURNEYS_PATH: &str = "/engage/journeys";

/// The tab of the journeys list (and its name search) a console opened at `path` shows first,
/// given the URL's `tab` and `q`: those on the list's own path; the Active tab, unsearched, on
/// the paths that redirect to [`journeys_home`]; None elsewhere.
pub fn first_list_tab(path: &str, tab: JourneyState, q: String) -> Option<(JourneyState, String)> {
    match path.trim_end_matches('/') {
        JOURNEYS_PATH => Some((tab, q)),
        "" | "/engage" => Some((JourneyState::Active, String::new())),
        _ => None,
    }
}

/// The name of the journey id in the patterns above (`:id`).
const ID_PARAM: &str = JOURNEY.2.0;

// ---- The query parameters ----

/// The list's tab: a journey state.
const TAB: &str = "tab";
/// The list's name search.
const SEARCH: &str = "q";
/// The ACTIVATE dialog's choice and the summary's mode.
const MODE: &str = "mode";
/// The summary's wait handling (Resume only).
const WAIT: &str = "wait";
/// The summary's backlog release policy (`all`, `spread-3`, `per-hour-500`).
const RELEASE: &str = "release";
/// The summary's activation instant, as a local date and time (`2026-11-30T09:00`; empty:
/// later, not chosen yet); absent: now.
const AT: &str = "at";
/// Whose clock `at` is read on: `yours` (the viewer's zone); absent: the journey's.
const ZONE: &str = "zone";
/// `ZONE`'s one value.
const YOURS: &str = "yours";
/// The summary's drift guard in percent (with `at` only).
const DRIFT: &str = "drift";
/// The sign-in page's way back: where to go once signed in.
const NEXT: &str = "next";

// ---- The summary's choices ----

/// When the summary activates: now, or later at a local date and time the person chose.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum When {
    /// At once (the summary as it always was).
    #[default]
    Now,
    /// At `local` on `zone`'s clock; None while no date and time are chosen (or the URL's
    /// text cannot be read).
    Later { local: Option<DateTime>, zone: ZoneChoice },
}

/// Whose clock a chosen local time is read on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ZoneChoice {
    /// The journey's time zone.
    #[default]
    Journey,
    /// The viewer's.
    Yours,
}

/// Everything the summary's URL holds: the mode and the choices made on the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SummaryChoices {
    pub mode: ActivationMode,
    /// Resume only.
    pub wait: WaitHandling,
    /// Resume only.
    pub release: ReleasePolicy,
    pub when: When,
    /// The drift guard's percentage as typed (checked by `DriftGuard::check`); later only.
    pub drift: Option<u32>,
}

impl SummaryChoices {
    /// `mode` with every other choice at its default: now, the default wait handling, all at
    /// once, no drift guard.
    pub fn of(mode: ActivationMode) -> SummaryChoices {
        SummaryChoices { mode, wait: WaitHandling::default(), release: ReleasePolicy::default(), when: When::Now, drift: None }
    }
}

/// A local date and time as the URL writes it: `2026-11-30T09:00` (whole minutes).
pub fn local_param(local: DateTime) -> String {
    format!("{}T{:02}:{:02}", local.date(), local.hour(), local.minute())
}

// ---- Reading a URL ----

/// The journey id of the current route; None when it is not a number.
pub fn use_journey_id() -> Memo<Option<JourneyId>> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get(ID_PARAM).and_then(|s| s.parse::<u64>().ok()).map(JourneyId))
}

/// The list's tab (`?tab=`); Active when absent or unknown.
pub fn use_tab() -> Memo<JourneyState> {
    let query = use_query_map();
    Memo::new(move |_| query.read().get(TAB).and_then(|t| t.parse().ok()).unwrap_or(JourneyState::Active))
}

/// The list's name search (`?q=`); empty when absent.
pub fn use_search() -> Memo<String> {
    let query = use_query_map();
    Memo::new(move |_| query.read().get(SEARCH).unwrap_or_default())
}

/// The activation mode (`?mode=`); None when absent or unknown.
pub fn use_mode() -> Memo<Option<ActivationMode>> {
    let query = use_query_map();
    Memo::new(move |_| query.read().get(MODE).and_then(|m| m.parse().ok()))
}

/// The wait handling (`?wait=`); the default when absent or unknown.
pub fn use_wait() -> Memo<WaitHandling> {
    let query = use_query_map();
    Memo::new(move |_| query.read().get(WAIT).and_then(|w| w.parse().ok()).unwrap_or_default())
}

/// The backlog release policy (`?release=`); all at once when absent or out of range.
pub fn use_release() -> Memo<ReleasePolicy> {
    let query = use_query_map();
    Memo::new(move |_| query.read().get(RELEASE).and_then(|r| ReleasePolicy::from_param(&r)).unwrap_or_default())
}

/// When the summary activates (`?at=` and `?zone=`); now when `at` is absent.
pub fn use_when() -> Memo<When> {
    let query = use_query_map();
    Memo::new(move |_| {
        let query = query.read();
        let Some(at) = query.get(AT) else { return When::Now };
        let zone = if query.get(ZONE).as_deref() == Some(YOURS) { ZoneChoice::Yours } else { ZoneChoice::Journey };
        When::Later { local: at.parse::<DateTime>().ok(), zone }
    })
}

/// The drift guard's percentage (`?drift=`), as typed; None when absent. A number that is not
/// one reads as 0, which the guard's own check refuses in words.
pub fn use_drift() -> Memo<Option<u32>> {
    let query = use_query_map();
    Memo::new(move |_| query.read().get(DRIFT).map(|d| d.trim().parse().unwrap_or(0)))
}

/// Where to go after signing in (`?next=`), if it is a page of the console; else the
/// journeys.
pub fn use_next() -> Memo<String> {
    let query = use_query_map();
    Memo::new(move |_| safe_next(query.read().get(NEXT).as_deref()))
}

/// `next` if it is a path on this site, else the journeys. A link to the sign-in page cannot
/// send a person elsewhere after they sign in: `//host` and `/\host` are other sites to a
/// browser, and it drops tabs and newlines (`/\t/host`) before it reads a URL.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(next)
            if next.starts_with('/')
                && !next.starts_with("//")
                && !next.starts_with("/\\")
                && !next.chars().any(char::is_control)
                && !next.starts_with(SIGN_IN_PATH) =>
        {
            next.to_string()
        }
        _ => journeys_home(),
    }
}

// ---- Building a URL ----

/// The journeys list on `state`'s tab, with the name search `q` if there is one.
pub fn list_url(state: JourneyState, q: &str) -> String {
    let mut url = format!("/engage/journeys?{TAB}={}", state.as_str());
    if !q.trim().is_empty() {
        url.push_str(&format!("&{SEARCH}="));
        url.push_str(&encode(q.trim()));
    }
    url
}

/// The journeys list on the Active tab: where "Journeys" links lead.
pub fn journeys_home() -> String {
    list_url(JourneyState::Active, "")
}

pub fn journey_url(id: JourneyId) -> String {
    format!("/engage/journeys/{id}")
}

/// The ACTIVATE dialog over the journey, with a preselected choice if given.
pub fn activate_url(id: JourneyId, mode: Option<ActivationMode>) -> String {
    match mode {
        Some(mode) => format!("{}/activate?{MODE}={}", journey_url(id), mode.as_str()),
        None => format!("{}/activate", journey_url(id)),
    }
}

/// The summary with `choices`: on Resume the wait handling, and the release policy when it
/// holds anyone back (Restart ignores both); later, the local time, whose clock (when the
/// viewer's) and the drift guard.
pub fn summary_url(id: JourneyId, choices: &SummaryChoices) -> String {
    let mut url = format!("{}/summary?{MODE}={}", journey_url(id), choices.mode.as_str());
    if choices.mode == ActivationMode::Resume {
        url.push_str(&format!("&{WAIT}={}", choices.wait.as_str()));
        if choices.release.holds() {
            url.push_str(&format!("&{RELEASE}={}", choices.release.to_param()));
        }
    }
    if let When::Later { local, zone } = choices.when {
        url.push_str(&format!("&{AT}={}", local.map(local_param).unwrap_or_default()));
        if zone == ZoneChoice::Yours {
            url.push_str(&format!("&{ZONE}={YOURS}"));
        }
        if let Some(drift) = choices.drift {
            url.push_str(&format!("&{DRIFT}={drift}"));
        }
    }
    url
}

pub fn review_url(id: JourneyId) -> String {
    format!("{}/review", journey_url(id))
}

pub fn activated_url(id: JourneyId) -> String {
    format!("{}/activated", journey_url(id))
}

pub fn edit_url(id: JourneyId) -> String {
    format!("{}/edit", journey_url(id))
}

pub fn settings_url() -> String {
    format!("/{}", SETTINGS.0.0)
}

/// The sign-in page, with the page to come back to (a path with its query).
pub fn sign_in_url(next: &str) -> String {
    format!("{SIGN_IN_PATH}?{NEXT}={}", encode(next))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn every_pattern_names_the_journey_id_alike() {
        assert_eq!(ID_PARAM, "id");
        assert_eq!(SUMMARY.2.0, ID_PARAM);
        assert_eq!(ACTIVATED.2.0, ID_PARAM);
        assert_eq!(EDIT.2.0, ID_PARAM);
        assert_eq!(REVIEW.2.0, ID_PARAM);
        assert_eq!(format!("/{}", SIGN_IN.0.0), SIGN_IN_PATH);
        assert_eq!(format!("/{}/{}", JOURNEYS.0.0, JOURNEYS.1.0), JOURNEYS_PATH);
        assert_eq!(format!("/{}", ENGAGE.0.0), "/engage");
    }

    #[test]
    fn the_list_is_the_first_screen_of_its_path_and_of_those_that_redirect_to_its_active_tab() {
        let paused = (JourneyState::Paused, "spring".to_string());
        for path in ["/engage/journeys", "/engage/journeys/"] {
            assert_eq!(first_list_tab(path, paused.0, paused.1.clone()), Some(paused.clone()), "{path}");
        }
        for path in ["/", "/engage", "/engage/"] {
            let first = first_list_tab(path, paused.0, paused.1.clone());
            assert_eq!(first, Some((JourneyState::Active, String::new())), "{path}: where the redirect leads");
        }
        for path in ["/engage/journeys/7", "/engage/journeys/7/summary", "/sign-in", "/elsewhere"] {
            assert_eq!(first_list_tab(path, paused.0, paused.1.clone()), None, "{path}");
        }
    }

    /// The URLs the end-to-end tests and people's bookmarks use, byte for byte.
    #[test]
    fn urls_keep_their_spelling() {
        let id = JourneyId(7);
        assert_eq!(list_url(JourneyState::Paused, ""), "/engage/journeys?tab=paused");
        assert_eq!(list_url(JourneyState::Stopped, "  "), "/engage/journeys?tab=stopped");
        assert_eq!(journeys_home(), "/engage/journeys?tab=active");
        assert_eq!(journey_url(id), "/engage/journeys/7");
        assert_eq!(activate_url(id, None), "/engage/journeys/7/activate");
        assert_eq!(activate_url(id, Some(ActivationMode::Resume)), "/engage/journeys/7/activate?mode=resume");
        assert_eq!(activate_url(id, Some(ActivationMode::Restart)), "/engage/journeys/7/activate?mode=restart");
        let resume = SummaryChoices::of(ActivationMode::Resume);
        let restart = SummaryChoices::of(ActivationMode::Restart);
        assert_eq!(summary_url(id, &resume), "/engage/journeys/7/summary?mode=resume&wait=keep_deadlines");
        assert_eq!(
            summary_url(id, &SummaryChoices { wait: WaitHandling::ExtendByPause, ..resume }),
            "/engage/journeys/7/summary?mode=resume&wait=extend_by_pause"
        );
        let spread = ReleasePolicy::SpreadOver { hours: 3 };
        assert_eq!(
            summary_url(id, &SummaryChoices { wait: WaitHandling::ExtendByPause, release: spread, ..restart }),
            "/engage/journeys/7/summary?mode=restart"
        );
        assert_eq!(
            summary_url(id, &SummaryChoices { release: spread, ..resume }),
            "/engage/journeys/7/summary?mode=resume&wait=keep_deadlines&release=spread-3"
        );
        let monday = journey_core::jiff::civil::date(2026, 11, 30).at(9, 0, 0, 0);
        let later = When::Later { local: Some(monday), zone: ZoneChoice::Journey };
        assert_eq!(
            summary_url(id, &SummaryChoices { when: later, drift: Some(20), ..restart }),
            "/engage/journeys/7/summary?mode=restart&at=2026-11-30T09:00&drift=20"
        );
        let yours = When::Later { local: Some(monday), zone: ZoneChoice::Yours };
        assert_eq!(
            summary_url(id, &SummaryChoices { when: yours, ..resume }),
            "/engage/journeys/7/summary?mode=resume&wait=keep_deadlines&at=2026-11-30T09:00&zone=yours"
        );
        let unchosen = When::Later { local: None, zone: ZoneChoice::Journey };
        assert_eq!(summary_url(id, &SummaryChoices { when: unchosen, ..restart }), "/engage/journeys/7/summary?mode=restart&at=");
        assert_eq!(summary_url(id, &SummaryChoices { drift: Some(20), ..restart }), "/engage/journeys/7/summary?mode=restart");
        assert_eq!(review_url(id), "/engage/journeys/7/review");
        assert_eq!(settings_url(), "/settings");
        assert_eq!(activated_url(id), "/engage/journeys/7/activated");
        assert_eq!(edit_url(id), "/engage/journeys/7/edit");
    }

    #[test]
    fn after_sign_in_only_a_page_of_this_site_is_opened() {
        let summary = "/engage/journeys/7/summary?mode=resume&wait=extend_by_pause";
        assert_eq!(safe_next(Some(summary)), summary);
        assert_eq!(safe_next(Some("/")), "/");
        let home = journeys_home();
        for elsewhere in [
            "https://evil.example/",
            "//evil.example/path",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "javascript:alert(1)",
            "engage/journeys",
            "",
            "/sign-in?next=/engage",
        ] {
            assert_eq!(safe_next(Some(elsewhere)), home, "{elsewhere:?}");
        }
        assert_eq!(safe_next(None), home);
    }
}
