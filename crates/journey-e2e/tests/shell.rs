//! The app shell in a real browser: Engage > Journey, the state tabs with the counts the API
//! serves, and the rows of a tab. Run after `trunk build --release --offline`.

use std::time::Duration;

use fantoccini::{Client, Locator};
use journey_e2e::{Chromedriver, OPERATOR, Result, TestServer, number_in, screenshot, sign_in, wait_for, wait_for_text};

const STATES: [&str; 6] = ["active", "scheduled", "paused", "stopped", "draft", "completed"];

async fn shell_shows_the_api_counts(server: &TestServer, browser: &Client, width: u32) -> Result<()> {
    let listing = server.get_json("/api/journeys?state=paused").await?;

    sign_in(browser, server, OPERATOR).await?;
    let who = wait_for_text(browser, "[data-testid=user-who]", Duration::from_secs(15), |t| !t.is_empty()).await?;
    assert!(who.contains("Omar Haddad") && who.contains("operator"), "the shell names the person and role: {who:?}");
    browser.goto(&server.url("/")).await?;
    wait_for(browser, "[data-testid=nav-journey]").await?.click().await?;
    for state in STATES {
        let want = listing["counts"][state].as_u64().ok_or("the API's counts lack a state")?;
        let tab = wait_for_text(browser, &format!("[data-testid=tab-{state}]"), Duration::from_secs(15), |t| {
            number_in(t) == Some(want)
        })
        .await?;
        assert_eq!(number_in(&tab), Some(want), "tab {state} shows {tab:?}");
    }

    browser.find(Locator::Css("[data-testid=tab-paused]")).await?.click().await?;
    let first = listing["rows"][0]["name"].as_str().ok_or("no paused journey in the demo data")?;
    wait_for_text(browser, "[data-testid=journey-row]", Duration::from_secs(15), |t| t.contains(first)).await?;
    let rows = browser.find_all(Locator::Css("[data-testid=journey-row]")).await?;
    assert_eq!(rows.len(), listing["rows"].as_array().map_or(0, Vec::len), "one row per paused journey");
    assert!(browser.current_url().await?.as_str().contains("tab=paused"), "the tab is in the URL");
    screenshot(browser, &format!("journeys-paused-{width}")).await?;

    // A pasted link lands on the same screen.
    browser.refresh().await?;
    wait_for_text(browser, "[data-testid=journey-row]", Duration::from_secs(15), |t| t.contains(first)).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_journeys_list_shows_what_the_api_serves_at_1280_and_768() -> Result<()> {
    let server = TestServer::start().await?;
    let driver = Chromedriver::start()?;
    for width in [1280, 768] {
        let browser = driver.browser(width, 900).await?;
        let outcome = shell_shows_the_api_counts(&server, &browser, width).await;
        browser.close().await?;
        outcome?;
    }
    Ok(())
}
