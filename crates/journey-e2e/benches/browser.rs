//! Prints how the console performs in headless Chromium against the real server with the
//! product's default demo workspace (30,000 contacts). Asserts nothing: timings on a shared
//! machine are figures to read, not facts to test.
//!
//! - navigation start -> the journeys list rendered (`journeys-list-rendered` mark);
//! - APPLY clicked -> the summary's numbers shown (`summary-numbers-shown` mark);
//! - one `plan_activation` in wasm for the largest paused or stopped demo journey
//!   (`plan-activation` measure).
//!
//! Run: `trunk build --release --offline && cargo bench -p journey-e2e --bench browser`

use std::time::Duration;

use fantoccini::Client;
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

async fn run() -> Result<()> {
    let server = TestServer::with_demo_contacts(30_000).await?;
    let driver = Chromedriver::start()?;
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
        browser.goto(&server.url("/engage/journeys?tab=active")).await?;
        list_ms.push(
            wait_number(
                &browser,
                "const m = performance.getEntriesByName('journeys-list-rendered')[0]; return m ? m.startTime : null;",
            )
            .await?,
        );
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
