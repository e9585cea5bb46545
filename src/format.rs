//! Small, pure formatting helpers: counts with thousands separators and instants with their zone.
//!
//! Journey-zone times are formatted by jiff with the journey's own zone (built by the rules
//! crate from the snapshot's TZif bytes), so the console never depends on the browser's time
//! zone database for the journey's clock. The viewer's own zone is named by the browser
//! (`Intl.DateTimeFormat().resolvedOptions().timeZone`); its rules come from the server's
//! bundled database too (`GET /api/zone`, [`set_viewer_zone`]), so "your time" and journey
//! time agree where a zone's rules changed recently (America/Havana, Africa/Casablanca,
//! Europe/Chisinau) and the browser's data is older. The summary page loads them (it puts
//! your time beside journey time) and redraws when they arrive; other pages use them once
//! loaded. Until then, or if the server does not know the zone, the browser formats viewer
//! times. Both use the same shape,
//! "Fri 2 Jan 2026, 14:00 IST", 24-hour clock.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use journey_core::zone::Zone;
use wasm_bindgen::JsValue;

/// `12480` -> `"12,480"` (the rules crate's formatting, so warnings and tables agree).
pub fn count(n: u64) -> String {
    journey_core::plan::format_count(n)
}

/// An instant in a given zone: "Fri 2 Jan 2026, 14:00 IST" (what jiff's
/// `strftime("%a %-d %b %Y, %H:%M %Z")` prints, without linking jiff's strftime engine).
pub fn in_zone(at: Timestamp, tz: &TimeZone) -> String {
    journey_core::zone::format_in(at, tz)
}

/// The current instant, from the browser's clock (jiff's own `now` is unavailable in wasm
/// without its `js` feature).
pub fn now() -> Timestamp {
    Timestamp::from_millisecond(js_sys::Date::now() as i64).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The viewer's IANA time zone, e.g. "Europe/Berlin"; "UTC" if the browser does not say.
pub fn viewer_zone() -> String {
    let fmt = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new());
    js_sys::Reflect::get(&fmt.resolved_options(), &JsValue::from_str("timeZone"))
        .ok()
        .and_then(|v| v.as_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "UTC".to_string())
}

thread_local! {
    /// The viewer's zone from the server's database, once loaded.
    static VIEWER_ZONE: std::cell::RefCell<Option<Zone>> = const { std::cell::RefCell::new(None) };
}

/// Uses `zone` (the server's rules for [`viewer_zone`]) for every viewer time from now on.
pub fn set_viewer_zone(zone: &Zone) {
    VIEWER_ZONE.with(|z| *z.borrow_mut() = Some(zone.clone()));
}

/// Whether viewer times come from the server's rules ([`set_viewer_zone`]).
pub fn viewer_zone_loaded() -> bool {
    VIEWER_ZONE.with(|z| z.borrow().is_some())
}

/// The viewer's zone with the server's rules, once loaded ([`set_viewer_zone`]): what a time
/// typed on "your" clock is read with.
pub fn viewer_zone_rules() -> Option<Zone> {
    VIEWER_ZONE.with(|z| z.borrow().clone())
}

fn set(obj: &js_sys::Object, key: &str, value: &str) {
    let _ = js_sys::Reflect::set(obj, &JsValue::from_str(key), &JsValue::from_str(value));
}

/// An instant in the viewer's zone: "Fri 2 Jan 2026, 09:30 CET", with the server's rules for
/// the zone once loaded ([`set_viewer_zone`]), else formatted by the browser.
pub fn in_viewer_zone(at: Timestamp) -> String {
    if let Some(text) = VIEWER_ZONE.with(|z| z.borrow().as_ref().map(|z| z.format(at))) {
        return text;
    }
    let opts = js_sys::Object::new();
    set(&opts, "weekday", "short");
    set(&opts, "day", "numeric");
    set(&opts, "month", "short");
    set(&opts, "year", "numeric");
    set(&opts, "hour", "2-digit");
    set(&opts, "minute", "2-digit");
    set(&opts, "hourCycle", "h23");
    set(&opts, "timeZoneName", "short");
    let date = js_sys::Date::new(&JsValue::from_f64(at.as_millisecond() as f64));
    let text = String::from(date.to_locale_string("en-GB", &opts));
    // "Fri, 2 Jan 2026, 14:00 CET" -> "Fri 2 Jan 2026, 14:00 CET", the shape of journey-zone times.
    text.replacen(", ", " ", 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn thousands_separators() {
        assert_eq!(count(0), "0");
        assert_eq!(count(7), "7");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(12480), "12,480");
        assert_eq!(count(100000), "100,000");
        assert_eq!(count(1234567), "1,234,567");
        assert_eq!(count(u64::MAX), "18,446,744,073,709,551,615");
    }

    /// Once the server's rules for the viewer's zone are in, viewer times are written with
    /// them, by the same code as journey times.
    #[test]
    fn viewer_times_use_the_servers_zone_rules_once_loaded() {
        let at: Timestamp = "2026-03-08T12:00:00Z".parse().unwrap();
        let havana = journey_core::zone::Zone::bundled("America/Havana").unwrap();
        set_viewer_zone(&havana);
        assert!(viewer_zone_loaded());
        assert_eq!(in_viewer_zone(at), in_zone(at, havana.time_zone()));
        assert_eq!(in_viewer_zone(at), "Sun 8 Mar 2026, 08:00 CDT");
    }

    #[test]
    fn journey_zone_format() {
        let tz = TimeZone::fixed(jiff::tz::offset(5));
        let at: Timestamp = "2026-01-02T09:00:00Z".parse().unwrap();
        assert_eq!(in_zone(at, &tz), "Fri 2 Jan 2026, 14:00 +05");
        // The same text as jiff's strftime, across zones, offsets and days.
        let mut zones = vec![TimeZone::UTC, TimeZone::fixed(jiff::tz::offset(-9)), tz];
        zones.push(TimeZone::fixed(jiff::tz::Offset::from_seconds(5 * 3600 + 30 * 60).unwrap()));
        for name in ["Asia/Kolkata", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"] {
            zones.push(journey_core::zone::Zone::bundled(name).unwrap().time_zone().clone());
        }
        for tz in &zones {
            for days in [0i64, 1, 2, 3, 4, 5, 6, 40, 200, 365, 3000] {
                let t = at + jiff::SignedDuration::from_hours(days * 24 + days % 7);
                let want = t.to_zoned_datetime(tz.clone()).strftime("%a %-d %b %Y, %H:%M %Z").to_string();
                assert_eq!(in_zone(t, tz), want);
            }
        }
    }
}
