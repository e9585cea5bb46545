//! Sign-in and roles in a real browser: a viewer sees ACTIVATE disabled with the reason, and a
//! session that ends while a summary is open leads to sign-in and back to the same summary,
//! with nothing sent twice.

use std::time::Duration;

use fantoccini::Client;
use journey_e2e::{
    Chromedriver, OPERATOR, Result, TestServer, VIEWER, fill_sign_in, fits_the_window, screenshot, sign_in, wait_enabled,
    wait_for, wait_for_text,
};

const WAIT: Duration = Duration::from_secs(20);

async fn a_paused_journey(server: &TestServer) -> Result<u64> {
    let listing = server.get_json("/api/journeys?state=paused").await?;
    listing["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["trigger_kind"] != "event"))
        .and_then(|r| r["id"].as_u64())
        .ok_or_else(|| "the demo data has no paused journey with a scheduled trigger".into())
}

async fn viewer_sees_the_reason(server: &TestServer, browser: &Client, width: u32) -> Result<()> {
    let id = a_paused_journey(server).await?;
    sign_in(browser, server, VIEWER).await?;
    let who = wait_for_text(browser, "[data-testid=user-who]", WAIT, |t| !t.is_empty()).await?;
    assert!(who.contains("Vera Novak") && who.contains("viewer"), "{who:?}");
    browser.goto(&server.url(&format!("/engage/journeys/{id}"))).await?;
    wait_for(browser, "[data-testid=flow-diagram]").await?;
    let activate = wait_for(browser, "[data-testid=activate-button]").await?;
    assert!(!activate.is_enabled().await?, "ACTIVATE is disabled for a viewer");
    let note = wait_for_text(browser, "[data-testid=role-note]", WAIT, |t| !t.is_empty()).await?;
    assert!(note.contains("Only operators and admins may do this."), "{note:?}");
    screenshot(browser, &format!("journey-viewer-{width}")).await?;
    assert!(fits_the_window(browser).await?, "the viewer's journey page scrolls sideways at {width} px");

    // The summary's address, typed in: ACTIVATE JOURNEY is disabled too, and nothing changes.
    browser.goto(&server.url(&format!("/engage/journeys/{id}/summary?mode=resume"))).await?;
    wait_for_text(browser, "[data-testid=summary-next-run]", WAIT, |t| !t.trim().is_empty()).await?;
    let button = wait_for(browser, "[data-testid=activate-journey-button]").await?;
    assert!(!button.is_enabled().await?, "ACTIVATE JOURNEY is disabled for a viewer");
    screenshot(browser, &format!("summary-viewer-{width}")).await?;
    assert_eq!(server.activations(id).await?.len(), 0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_viewer_sees_activate_disabled_with_who_may_use_it_at_1280_and_768() -> Result<()> {
    let driver = Chromedriver::start()?;
    for width in [1280, 768] {
        let server = TestServer::start().await?;
        let browser = driver.browser(width, 900).await?;
        let outcome = viewer_sees_the_reason(&server, &browser, width).await;
        browser.close().await?;
        outcome?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_that_ends_on_the_summary_signs_in_again_and_activates_once() -> Result<()> {
    let server = TestServer::start().await?;
    let driver = Chromedriver::start()?;
    let browser = driver.browser(1280, 900).await?;
    let outcome: Result<()> = async {
        let id = a_paused_journey(&server).await?;
        sign_in(&browser, &server, OPERATOR).await?;
        let summary = format!("/engage/journeys/{id}/summary?mode=resume&wait=extend_by_pause");
        browser.goto(&server.url(&summary)).await?;
        wait_for_text(&browser, "[data-testid=summary-next-run]", WAIT, |t| !t.trim().is_empty()).await?;

        // The session ends while the summary is open; ACTIVATE JOURNEY is answered 401.
        server.expire_sessions().await?;
        wait_enabled(&browser, "[data-testid=activate-journey-button]").await?.click().await?;
        wait_for(&browser, "[data-testid=sign-in-form]").await?;
        screenshot(&browser, "sign-in-after-expiry-1280").await?;
        assert_eq!(server.activations(id).await?.len(), 0, "nothing was activated by the refused request");

        // Signing in again lands on the same summary with the same choices.
        fill_sign_in(&browser, OPERATOR).await?;
        wait_for_text(&browser, "[data-testid=summary-next-run]", WAIT, |t| !t.trim().is_empty()).await?;
        let url = browser.current_url().await?;
        assert!(url.as_str().ends_with(&summary), "back on the summary: {url}");
        wait_enabled(&browser, "[data-testid=activate-journey-button]").await?.click().await?;
        wait_for(&browser, "[data-testid=activation-result]").await?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let activations = server.activations(id).await?;
        assert_eq!(activations.len(), 1, "exactly one activation");
        let last = &activations[0];
        assert_eq!(last["mode"], "resume", "{last}");
        assert_eq!(last["actor"], "Omar Haddad <operator@example.com>");
        Ok(())
    }
    .await;
    browser.close().await?;
    outcome
}
