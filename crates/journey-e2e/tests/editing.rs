//! The seed's own use case in a real browser: "Restart with updated content". Open a Stopped
//! journey, EDIT, change a template, SAVE, ACTIVATE, Restart, APPLY: the summary lists the
//! change with its count; ACTIVATE JOURNEY activates the new definition version. At 1280 and
//! 768 px, with screenshots.

use std::time::Duration;

use fantoccini::{Client, Locator};
use journey_e2e::{
    Chromedriver, OPERATOR, Result, TestServer, fits_the_window, number_in, screenshot, sign_in, wait_enabled, wait_for,
    wait_for_text,
};

const WAIT: Duration = Duration::from_secs(20);

async fn restart_with_updated_content(server: &TestServer, browser: &Client, width: u32) -> Result<()> {
    let listing = server.get_json("/api/journeys?state=stopped").await?;
    let row = listing["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["trigger_kind"] != "event"))
        .cloned()
        .ok_or("the demo data has no stopped journey with a scheduled trigger")?;
    let id = row["id"].as_u64().ok_or("row without id")?;
    let before = server.get_json(&format!("/api/journeys/{id}")).await?;
    let version = before["definition_version"].as_u64().unwrap_or(1);
    let template = format!("spring-offer-{width}");

    sign_in(browser, server, OPERATOR).await?;
    browser.goto(&server.url(&format!("/engage/journeys/{id}"))).await?;
    wait_enabled(browser, "[data-testid=edit-button]").await?.click().await?; // EDIT
    wait_for(browser, "[data-testid=editor]").await?;
    let field = wait_for(browser, "[data-testid=step-template]").await?;
    field.clear().await?;
    field.send_keys(&template).await?;
    screenshot(browser, &format!("editor-{width}")).await?;
    assert!(fits_the_window(browser).await?, "the editor scrolls sideways at {width} px");
    wait_enabled(browser, "[data-testid=save-button]").await?.click().await?; // SAVE
    wait_for_text(browser, "[data-testid=journey-title]", WAIT, |t| !t.is_empty()).await?;
    let saved = server.get_json(&format!("/api/journeys/{id}")).await?;
    assert_eq!(saved["definition_version"].as_u64(), Some(version + 1), "one new definition version");
    assert_eq!(saved["state"], "stopped", "saving changes no state");

    wait_enabled(browser, "[data-testid=activate-button]").await?.click().await?; // ACTIVATE
    wait_for(browser, "[data-testid=choice-restart]").await?.click().await?; // Restart
    wait_enabled(browser, "[data-testid=apply-button]").await?.click().await?; // APPLY
    wait_for_text(browser, "[data-testid=summary-next-run]", WAIT, |t| !t.trim().is_empty()).await?;
    let changes = wait_for_text(browser, "[data-testid=summary-changes]", WAIT, |t| t.contains(&template)).await?;
    let preview = server.get_json(&format!("/api/journeys/{id}/preview?mode=restart")).await?;
    let line = browser.find(Locator::Css("[data-testid=summary-change]")).await?.text().await?;
    assert!(line.contains(&template), "the change line names the new template: {line:?} in {changes:?}");
    let entering = preview["entering"].as_u64().unwrap_or(0);
    assert_eq!(number_in(&line.replace(&template, "")), Some(entering), "the line counts who gets it: {line:?}");
    screenshot(browser, &format!("summary-changed-{width}")).await?;
    assert!(fits_the_window(browser).await?, "the summary scrolls sideways at {width} px");

    wait_enabled(browser, "[data-testid=activate-journey-button]").await?.click().await?; // ACTIVATE JOURNEY
    wait_for(browser, "[data-testid=activation-result]").await?;
    let after = server.get_json(&format!("/api/journeys/{id}")).await?;
    assert_eq!(after["state"], "active");
    assert_eq!(after["activated_definition_version"].as_u64(), Some(version + 1), "the edited version is the one activated");
    // The activation's line (the runner's `applied` line may follow it).
    let last = server.activations(id).await?.pop().unwrap_or_default();
    assert_eq!((last["mode"].as_str(), last["definition_version"].as_u64()), (Some("restart"), Some(version + 1)), "{last}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn restart_with_updated_content_shows_the_change_in_the_summary_at_1280_and_768() -> Result<()> {
    let driver = Chromedriver::start()?;
    for width in [1280, 768] {
        let server = TestServer::start().await?;
        let browser = driver.browser(width, 900).await?;
        let outcome = restart_with_updated_content(&server, &browser, width).await;
        browser.close().await?;
        outcome?;
    }
    Ok(())
}
