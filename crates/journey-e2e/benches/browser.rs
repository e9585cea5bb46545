//! Prints how the console performs in headless Chromium against the real server with the
//! product's default demo workspace (30,000 contacts). Asserts nothing: timings on a shared
//! machine are figures to read, not facts to test.
//!
//! - navigation start -> the journeys list rendered (`journeys-list-rendered` mark);
//! - APPLY clicked -> the summary's numbers shown (`summary-numbers-shown` mark);
//! - one `plan_activation` in wasm for the largest paused or stopped demo journey
//!   (`plan-activation` measure).
//!
//! - first screen, cold and warm cache, side by side with the yardstick app
//!   (`crates/baseline-console`: a router, one fetch, a list, built by the same Trunk and
//!   wasm-opt and served by the same server with the same demo data): navigation start ->
//!   `journeys-list-rendered`, and the bytes received. Cold: a new browser profile each round
//!   (signed in through the API, so nothing of the app is cached). Warm: the same profile,
//!   away and back.
//!
//! Run: `trunk build --release --offline && trunk build --release --offline --config
//! crates/baseline-console/Trunk.toml && cargo bench -p journey-e2e --bench browser`

use std::time::Duration;

use fantoccini::Client;
use journey_e2e::wire::{open_journeys_list, sign_in_without_the_console, transfer};
use journey_e2e::{Chromedriver, OPERATOR, Result, TestServer, sign_in, wait_enabled, wait_for_text};
use serde_json::Value;

const ROUNDS: usize = 7;

fn main() -> Result<()> {
    tokio::runtime::Runtime::new()?.block_on(run())
}

fn summary(label: &str, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    let median = ms[ms.len() / 2];
    println!(
        "{label:<52} median {median:>8.2} ms   min {:>8.2} ms   max {:>8.2} ms   ({} runs)",
        ms[0],
        ms[ms.len() - 1],
        ms.len()
    );
}

async fn js_number(browser: &Client, script: &str) -> Result<Option<f64>> {
    Ok(browser.execute(script, vec![]).await?.as_f64())
}

/// Polls a script until it answers a number.
async fn wait_number(browser: &Client, script: &str) -> Result<f64> {
    for _ in 0..200 {
        if let Some(n) = js_number(browser, script).await? {
            return Ok(n);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(format!("no answer from `{script}`").into())
}

fn median(mut ms: Vec<f64>) -> f64 {
    ms.sort_by(f64::total_cmp);
    ms[ms.len() / 2]
}

/// (cold medians, warm medians, bytes received cold) of the first screen of the app `server`
/// serves.
async fn first_screen(driver: &Chromedriver, server: &TestServer) -> Result<(f64, f64, u64)> {
    let list = server.url("/engage/journeys");
    // One sign-in (the server limits them), its cookies carried into each new profile.
    let browser = driver.browser(1280, 900).await?;
    sign_in_without_the_console(&browser, &server.url(""), OPERATOR).await?;
    let cookies = browser.get_all_cookies().await?;
    let (mut cold, mut bytes) = (Vec::new(), 0);
    for _ in 0..ROUNDS {
        let fresh = driver.browser(1280, 900).await?;
        fresh.goto(&server.url("/api/health")).await?;
        for cookie in &cookies {
            fresh.add_cookie(cookie.clone()).await?;
        }
        cold.push(open_journeys_list(&fresh, &list).await?);
        bytes = transfer(&fresh).await?.total();
        fresh.close().await?;
    }
    open_journeys_list(&browser, &list).await?;
    let mut warm = Vec::new();
    for _ in 0..ROUNDS {
        browser.goto(&server.url("/api/health")).await?;
        warm.push(open_journeys_list(&browser, &list).await?);
    }
    browser.close().await?;
    Ok((median(cold), median(warm), bytes))
}

async fn run() -> Result<()> {
    let server = TestServer::with_demo_contacts(30_000).await?;
    let driver = Chromedriver::start()?;

    let baseline_dist = std::env::var_os("JOURNEY_BASELINE_DIST")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| journey_e2e::workspace_root().join("target/baseline-dist"));
    if baseline_dist.join("index.html").is_file() {
        let baseline = TestServer::serving(baseline_dist, 30_000).await?;
        let (console_cold, console_warm, console_bytes) = first_screen(&driver, &server).await?;
        let (base_cold, base_warm, base_bytes) = first_screen(&driver, &baseline).await?;
        println!("first screen (navigation start -> journeys list rendered), medians of {ROUNDS}:");
        println!("{:<28} {:>12} {:>12} {:>16}", "", "cold", "warm", "bytes received");
        println!("{:<28} {:>9.1} ms {:>9.1} ms {:>16}", "console", console_cold, console_warm, console_bytes);
        println!("{:<28} {:>9.1} ms {:>9.1} ms {:>16}", "minimal Leptos app", base_cold, base_warm, base_bytes);
        println!(
            "{:<28} {:>11.2}x {:>11.2}x {:>15.2}x",
            "console / minimal",
            console_cold / base_cold,
            console_warm / base_warm,
            console_bytes as f64 / base_bytes as f64
        );
        baseline.server.shutdown().await;
    } else {
        println!("no yardstick build in {}: first-screen comparison skipped", baseline_dist.display());
    }

    let browser = driver.browser(1280, 900).await?;
    sign_in(&browser, &server, OPERATOR).await?;

    // The largest journey that can be activated.
    let mut candidates: Vec<Value> = Vec::new();
    for state in ["paused", "stopped"] {
        let listing = server.get_json(&format!("/api/journeys?state={state}")).await?;
        candidates.extend(listing["rows"].as_array().cloned().unwrap_or_default());
    }
    let largest = candidates
        .iter()
        .max_by_key(|r| r["contacts_in_journey"].as_u64().unwrap_or(0))
        .ok_or("no paused or stopped journey in the demo data")?;
    let id = largest["id"].as_u64().ok_or("row without id")?;
    println!(
        "largest activatable demo journey: {:?}, {} contacts in the journey",
        largest["name"].as_str().unwrap_or_default(),
        largest["contacts_in_journey"]
    );

    let mut list_ms = Vec::new();
    for _ in 0..ROUNDS {
        list_ms.push(open_journeys_list(&browser, &server.url("/engage/journeys?tab=active")).await?);
    }

    let (mut apply_ms, mut plan_ms) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        browser.goto(&server.url(&format!("/engage/journeys/{id}/activate?mode=resume"))).await?;
        wait_enabled(&browser, "[data-testid=apply-button]").await?;
        browser
            .execute(
                "performance.clearMarks(); performance.clearMeasures(); performance.mark('apply-clicked');
                 document.querySelector('[data-testid=apply-button]').click();",
                vec![],
            )
            .await?;
        wait_for_text(&browser, "[data-testid=summary-next-run]", Duration::from_secs(20), |t| !t.is_empty()).await?;
        apply_ms.push(
            wait_number(
                &browser,
                "const a = performance.getEntriesByName('apply-clicked')[0];
                 const s = performance.getEntriesByName('summary-numbers-shown')[0];
                 return a && s ? s.startTime - a.startTime : null;",
            )
            .await?,
        );
        plan_ms.push(
            wait_number(
                &browser,
                "const m = performance.getEntriesByName('plan-activation', 'measure')[0]; return m ? m.duration : null;",
            )
            .await?,
        );
    }
    browser.close().await?;

    summary("navigation start -> journeys list rendered", list_ms);
    summary("APPLY -> summary numbers shown (fetch + plan + render)", apply_ms);
    // Chromium coarsens performance timers to 0.1 ms; a plan usually takes less than that.
    summary("plan_activation in wasm (largest demo journey)", plan_ms.clone());
    if plan_ms.iter().all(|&ms| ms < 0.1) {
        println!("{:<52} below the browser's 0.1 ms timer resolution in every run", "");
    }
    Ok(())
}
