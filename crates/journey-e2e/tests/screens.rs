//! Every screen of the activation workflow at a desktop (1280 px) and a tablet (768 px) width:
//! each one renders, fits the window without horizontal scrolling, and leaves a PNG in
//! `target/screenshots/` for a person to look at.

use std::time::Duration;

use fantoccini::{Client, Locator};
use journey_e2e::{
    Chromedriver, OPERATOR, Result, TestServer, fill_sign_in, fits_the_window, screenshot, wait_for, wait_for_text,
};

const WAIT: Duration = Duration::from_secs(20);

async fn check(browser: &Client, screen: &str, width: u32) -> Result<()> {
    screenshot(browser, &format!("{screen}-{width}")).await?;
    assert!(fits_the_window(browser).await?, "the {screen} screen scrolls sideways at {width} px");
    Ok(())
}

async fn walk_every_screen(server: &TestServer, browser: &Client, width: u32) -> Result<()> {
    let listing = server.get_json("/api/journeys?state=stopped").await?;
    let id = listing["rows"][0]["id"].as_u64().ok_or("the demo data has no stopped journey")?;

    // Signed out, any page leads to sign-in, and back to that page after it.
    browser.goto(&server.url("/engage/journeys?tab=stopped")).await?;
    wait_for(browser, "[data-testid=sign-in-form]").await?;
    check(browser, "sign-in", width).await?;
    fill_sign_in(browser, OPERATOR).await?;
    assert!(browser.current_url().await?.as_str().ends_with("/engage/journeys?tab=stopped"), "back where the user wanted to go");
    wait_for(browser, "[data-testid=journey-row]").await?;
    check(browser, "journeys", width).await?;

    browser.goto(&server.url(&format!("/engage/journeys/{id}"))).await?;
    wait_for(browser, "[data-testid=flow-diagram]").await?;
    wait_for(browser, "[data-testid=activity-log]").await?;
    check(browser, "journey", width).await?;

    wait_for(browser, "[data-testid=activate-button]").await?.click().await?;
    wait_for(browser, "[data-testid=choice-resume]").await?.click().await?;
    check(browser, "activate-dialog", width).await?;

    // Escape closes the dialog and changes nothing.
    browser.find(Locator::Css("[data-testid=apply-button]")).await?.send_keys("\u{e00c}").await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(browser.find(Locator::Css("[data-testid=apply-button]")).await.is_err(), "Escape closes the dialog");
    assert_eq!(server.get_json(&format!("/api/journeys/{id}")).await?["state"], "stopped");

    for mode in ["resume", "restart"] {
        browser.goto(&server.url(&format!("/engage/journeys/{id}/summary?mode={mode}"))).await?;
        wait_for_text(browser, "[data-testid=summary-next-run]", WAIT, |t| !t.trim().is_empty()).await?;
        check(browser, &format!("summary-{mode}"), width).await?;
    }

    wait_for(browser, "[data-testid=activate-journey-button]").await?.click().await?;
    wait_for(browser, "[data-testid=activation-result]").await?;
    check(browser, "activated", width).await?;

    browser.goto(&server.url("/engage/journeys/999999")).await?;
    wait_for(browser, "[data-testid=error-panel], [data-testid=not-found]").await?;
    check(browser, "unknown-journey", width).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn every_screen_renders_and_fits_at_1280_and_768() -> Result<()> {
    let driver = Chromedriver::start()?;
    for width in [1280, 768] {
        let server = TestServer::start().await?;
        let browser = driver.browser(width, 900).await?;
        let outcome = walk_every_screen(&server, &browser, width).await;
        browser.close().await?;
        outcome?;
    }
    Ok(())
}
