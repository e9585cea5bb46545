//! The console's download budget, on the wire: what Chromium receives for the first load of
//! `/engage/journeys` from the real server with an empty cache (the page, wasm, JavaScript and
//! CSS, compressed as the server sends them), and what a second visit receives. Sizes are
//! deterministic for a given build, unlike timings, so this is a test; the browser benchmark
//! prints the times.

use journey_e2e::wire::{Transfer, open_journeys_list, sign_in_without_the_console, transfer};
use journey_e2e::{Chromedriver, OPERATOR, Result, TestServer};

/// The first load's budget: page + wasm + JavaScript + CSS as received (headers included).
///
/// 480 KiB, 1.5% above the 484,248 bytes (473 KiB) received now: the wasm 469,195 (Brotli,
/// from 1,565,949), JavaScript 8,458, CSS 5,588, the page 1,007. Set at 410 KiB when the
/// wasm was 392,545 (406,897 in all); raised by 30 KiB when the summary gained the backlog's
/// pace, the volume chart, the explained contact, the stale-message guard and the run flags
/// (+32.5 KB of Brotli wasm; 12 KB more until the chart and the editor stopped linking float
/// formatting and parsing); raised by 40 KiB (from 439,772 bytes) for activating later and
/// approvals: the summary's When, projection and drift guard, the journey page's panel for a
/// waiting activation, the list's badge, the review page and the Workspace page (+44.1 KB of
/// Brotli wasm, +0.3 KB of CSS; twiggy: of the 210 KB of raw code added, nearly all is the new
/// views and the Leptos code they instantiate, 1.2 KB journey-core's `pending` rules). It was
/// 1,037,628 bytes of wasm alone before the server compressed anything. The aim of 200 KB is
/// not met;
/// what stands in the way, measured (twiggy on the wasm, and builds made to find out):
/// - Leptos' view and reactive code (tachys, reactive_graph, leptos_router) is 32% of the
///   wasm, the console's own views 9%, journey-core 9.5%, serde and serde_json 13%, jiff 7%.
///   No one crate holds the half that would have to go.
/// - Everything but the first screen is in the same wasm: Trunk 0.21 cannot split it (its
///   hooks run before or after wasm-bindgen, and splitting must happen between; the Leptos
///   `#[lazy]` routes need cargo-leptos' `--split`). A console built with only the list and
///   sign-in routes measures 199 KB of Brotli wasm (631 KB raw), about 212 KB with JS and CSS:
///   even a perfect split by route would only just reach 200 KB.
/// - Externally tagged enums in journey-core instead of internally tagged: 11.9 KB less (3%),
///   at the price of changing every definition's JSON in the API; not done.
/// - `opt-level = "s"`: 420 KB, worse than "z"; other wasm-opt passes (`--converge`, `-tnh`,
///   `--gufa`): within 1 KB.
const FIRST_LOAD_BUDGET: u64 = 480 * 1024;

/// A second visit: the page's 304 and the API's answers; every file comes from the cache.
const SECOND_LOAD_BUDGET: u64 = 5 * 1024;

fn report(label: &str, t: &Transfer) {
    println!(
        "{label}: console {} bytes (page {}, wasm {}, js {}, css {}), api {}, other {}",
        t.console(),
        t.document,
        t.wasm,
        t.js,
        t.css,
        t.api,
        t.other
    );
    for ((path, sent, encoded, decoded), (start, end)) in t.entries.iter().zip(&t.times) {
        println!("  {path:<48} received {sent:>8}  body sent {encoded:>8}  decoded {decoded:>8}  {start:>7.1} -> {end:>7.1} ms");
    }
}

#[tokio::test]
async fn the_first_load_fits_the_budget_and_a_second_visit_downloads_almost_nothing() -> Result<()> {
    let server = TestServer::start().await?;
    let driver = Chromedriver::start()?;
    let browser = driver.browser(1280, 900).await?;
    sign_in_without_the_console(&browser, &server.url(""), OPERATOR).await?;

    open_journeys_list(&browser, &server.url("/engage/journeys")).await?;
    let first = transfer(&browser).await?;
    report("first load", &first);
    for (kind, bytes) in [("wasm", first.wasm), ("js", first.js), ("css", first.css), ("page", first.document)] {
        assert!(bytes > 0, "the first load received no {kind}: the cache was not empty? {first:#?}");
    }
    for (path, _, encoded, decoded) in first.entries.iter().filter(|e| e.0.ends_with(".wasm")) {
        assert!(encoded * 2 < *decoded, "{path} came uncompressed: {encoded} bytes sent for {decoded}");
    }
    // The list's rows are asked for with the session check (first), not after its answer.
    let started = |path: &str| first.entries.iter().zip(&first.times).find(|(e, _)| e.0 == path).map(|(_, t)| *t);
    let (me, list) = (started("/api/me").ok_or("no /api/me")?, started("/api/journeys").ok_or("no /api/journeys")?);
    assert!(list.0 <= me.0, "the list was asked for after the session check: me {me:?}, list {list:?}");
    assert_eq!(first.entries.iter().filter(|e| e.0 == "/api/journeys").count(), 1, "the rows were asked for once");
    assert!(
        first.console() <= FIRST_LOAD_BUDGET,
        "the first load received {} bytes, over the {FIRST_LOAD_BUDGET}-byte budget: {first:#?}",
        first.console()
    );

    // Away (a page that is not the console) and back: a new navigation, not a reload.
    browser.goto(&server.url("/api/health")).await?;
    open_journeys_list(&browser, &server.url("/engage/journeys")).await?;
    let second = transfer(&browser).await?;
    report("second load", &second);
    assert_eq!((second.wasm, second.js, second.css), (0, 0, 0), "every file from the cache: {second:#?}");
    // The page revalidated by its ETag: its headers came, its body did not (Chromium reports
    // the status of the copy it used, 200, so the bytes tell).
    let page_body = first.entries.iter().find(|e| e.0 == "document").map(|e| e.2).ok_or("no page entry")?;
    assert!(page_body > 0 && second.document + page_body <= first.document, "the page came again: {second:#?}");
    assert!(
        second.total() < SECOND_LOAD_BUDGET,
        "a second visit received {} bytes, over {SECOND_LOAD_BUDGET}: {second:#?}",
        second.total()
    );
    browser.close().await?;
    Ok(())
}
