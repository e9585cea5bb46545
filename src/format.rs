//! Small, pure formatting helpers: counts with thousands separators and instants with their zone.
//!
//! Journey-zone times are formatted by jiff with the journey's own zone (built by the rules
//! crate from the snapshot's TZif bytes), so the console never depends on the browser's time
//! zone database for the journey's clock. The viewer's own zone is the browser's
//! (`Intl.DateTimeFormat().resolvedOptions().timeZone`) and its times are formatted by the
//! browser. Both use the same shape, "Fri 2 Jan 2026, 14:00 IST", 24-hour clock.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use wasm_bindgen::JsValue;

/// `12480` -> `"12,480"` (the rules crate's formatting, so warnings and tables agree).
pub fn count(n: u64) -> String {
    journey_core::plan::format_count(n)
}

/// An instant in a given zone: "Fri 2 Jan 2026, 14:00 IST" (what jiff's
/// `strftime("%a %-d %b %Y, %H:%M %Z")` prints, without linking jiff's strftime engine).
pub fn in_zone(at: Timestamp, tz: &TimeZone) -> String {
    const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let dt = tz.to_datetime(at);
    let info = tz.to_offset_info(at);
    format!(
        "{} {} {} {:04}, {:02}:{:02} {}",
        WEEKDAYS[dt.weekday().to_monday_zero_offset() as usize],
        dt.day(),
        MONTHS[(dt.month() as usize).clamp(1, 12) - 1],
        dt.year(),
        dt.hour(),
        dt.minute(),
        info.abbreviation()
    )
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

fn set(obj: &js_sys::Object, key: &str, value: &str) {
    let _ = js_sys::Reflect::set(obj, &JsValue::from_str(key), &JsValue::from_str(value));
}

/// An instant in the viewer's zone, formatted by the browser: "Fri 2 Jan 2026, 09:30 CET".
pub fn in_viewer_zone(at: Timestamp) -> String {
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
