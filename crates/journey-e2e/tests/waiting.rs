//! Activations that wait, in a real browser against the real server: a Resume scheduled from
//! the summary for tomorrow 09:00 (journey time), shown on the journey page and in the list,
//! then cancelled; and an activation above the workspace's approval threshold, asked for by
//! one operator and approved, with a reason, by another (the threshold set by an admin on the
//! Workspace page). Screenshots at 1280 and 768 px of the summary with "Activate at", the
//! journey page with the scheduled panel, the review page and the Workspace page.

use std::time::Duration;

use fantoccini::{Client, Locator};
use journey_core::plan::{ActivationMode, WaitHandling, plan_activation};
use journey_core::snapshot::JourneySnapshot;
use journey_e2e::{
    Chromedriver, OPERATOR, Result, TestServer, fits_the_window, screenshot, sign_in, wait_enabled, wait_for, wait_for_text,
};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(20);

/// The demo's admin.
const ADMIN: (&str, &str) = ("admin@example.com", "demo-admin");

/// The second operator every test server has (`TestServer::start`), who can sign in.
const ROBOT: (&str, &str) = ("e2e.robot@test.example", "a long test password");

/// The first paused journey whose trigger is a data set (it has a schedule to preview).
async fn a_paused_scheduled_journey(server: &TestServer) -> Result<Value> {
    let listing = server.get_json("/api/journeys?state=paused").await?;
    listing["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["trigger_kind"] != "event"))
        .cloned()
        .ok_or_else(|| "the demo data has no paused journey with a scheduled trigger".into())
}

/// Saves `name` at 1280 and 768 px, from the top of the page, and checks neither scrolls
/// sideways.
async fn both_widths(browser: &Client, name: &str) -> Result<()> {
    for width in [1280, 768] {
        browser.set_window_size(width, 1000).await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        browser.execute("window.scrollTo(0, 0);", vec![]).await?;
        screenshot(browser, &format!("{name}-{width}")).await?;
        assert!(fits_the_window(browser).await?, "{name} scrolls sideways at {width} px");
    }
    browser.set_window_size(1280, 900).await?;
    Ok(())
}

async fn schedule_then_cancel(browser: &Client, server: &TestServer) -> Result<()> {
    let row = a_paused_scheduled_journey(server).await?;
    let id = row["id"].as_u64().ok_or("row without id")?;
    let zone = journey_core::zone::Zone::bundled(row["time_zone"].as_str().unwrap_or("UTC"))?;
    // "Activate at" offers tomorrow at 09:00 on the journey's clock.
    let local = zone.to_local(jiff::Timestamp::now()).date().tomorrow()?.at(9, 0, 0, 0);
    let at = zone.to_instant(local)?;

    browser.goto(&server.url(&format!("/engage/journeys/{id}/summary?mode=resume"))).await?;
    wait_for_text(browser, "[data-testid=summary-next-run]", WAIT, |t| !t.trim().is_empty()).await?;
    wait_for(browser, "[data-testid=when-later]").await?.click().await?;
    let projection = wait_for_text(browser, "[data-testid=summary-projection]", WAIT, |_| true).await?;
    assert!(projection.starts_with("Projected from today's numbers"), "{projection}");
    let shown_at = wait_for_text(browser, "[data-testid=summary-at]", WAIT, |_| true).await?;
    assert_eq!(shown_at, format!("Resume at {}", zone.format(at)));
    wait_for(browser, "[data-testid=drift-enabled]").await?.click().await?;
    wait_for_text(browser, "[data-testid=activate-journey-button]", WAIT, |t| t.eq_ignore_ascii_case("Schedule activation"))
        .await?;
    assert!(browser.current_url().await?.as_str().contains("&drift=20"), "the guard is in the URL");
    browser.execute("document.querySelector('[data-testid=summary-drift]').scrollIntoView();", vec![]).await?;
    screenshot(browser, "summary-drift-guard-1280").await?;
    both_widths(browser, "summary-activate-at").await?;

    wait_enabled(browser, "[data-testid=activate-journey-button]").await?.click().await?;
    let title = wait_for_text(browser, "[data-testid=pending-title]", WAIT, |_| true).await?;
    assert_eq!(title, format!("Resume scheduled for {}", zone.format(at)));
    let detail = server.get_json(&format!("/api/journeys/{id}")).await?;
    assert_eq!(detail["pending"]["status"], "scheduled", "{}", detail["pending"]);
    assert_eq!(detail["pending"]["run_at"], json!(at.to_string()));
    assert_eq!(detail["pending"]["drift_guard"], json!({ "percent": 20 }));
    assert_eq!(detail["state"], "paused", "nothing ran yet");
    let drift = wait_for_text(browser, "[data-testid=pending-drift]", WAIT, |_| true).await?;
    assert!(drift.contains("more than 20%"), "{drift}");
    both_widths(browser, "journey-scheduled").await?;

    // The list says so on the journey's row.
    browser.goto(&server.url("/engage/journeys?tab=paused")).await?;
    let badge_css = format!("[data-journey-id=\"{id}\"] [data-testid=pending-badge]");
    let expected = format!("Resume scheduled for {}", zone.format(at));
    wait_for_text(browser, &badge_css, WAIT, |t| t == expected).await?;
    screenshot(browser, "journeys-scheduled-badge-1280").await?;

    // Cancelled from the journey page: gone, and the activity log tells both steps.
    browser.goto(&server.url(&format!("/engage/journeys/{id}"))).await?;
    wait_enabled(browser, "[data-testid=pending-cancel]").await?.click().await?;
    wait_enabled(browser, "[data-testid=confirm-ok]").await?.click().await?;
    let log = wait_for_text(browser, "[data-testid=activity-log]", WAIT, |t| t.contains("Cancelled the resume")).await?;
    assert!(log.contains(&format!("Scheduled a resume for {}", zone.format(at))), "{log}");
    assert!(browser.find(Locator::Css("[data-testid=pending-panel]")).await.is_err(), "no waiting activation any more");
    let detail = server.get_json(&format!("/api/journeys/{id}")).await?;
    assert!(detail["pending"].is_null(), "{}", detail["pending"]);
    assert_eq!(detail["state"], "paused");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_resume_scheduled_from_the_summary_waits_on_the_journey_page_and_in_the_list_until_cancelled() -> Result<()> {
    let server = TestServer::start().await?;
    let driver = Chromedriver::start()?;
    let browser = driver.browser(1280, 900).await?;
    let outcome = async {
        sign_in(&browser, &server, OPERATOR).await?;
        schedule_then_cancel(&browser, &server).await
    }
    .await;
    browser.close().await?;
    outcome
}

/// A paused journey on a data set whose Restart sends messages in its first hour
/// (journey-core's volume on its snapshot): what a threshold of 0 holds for approval.
async fn a_journey_that_sends_at_once(server: &TestServer) -> Result<u64> {
    let listing = server.get_json("/api/journeys?state=paused").await?;
    for row in listing["rows"].as_array().cloned().unwrap_or_default().into_iter().filter(|r| r["trigger_kind"] == "dataset") {
        let id = row["id"].as_u64().unwrap_or(0);
        let snapshot: JourneySnapshot = serde_json::from_value(server.get_json(&format!("/api/journeys/{id}/snapshot")).await?)?;
        let plan = plan_activation(&snapshot, snapshot.taken_at, ActivationMode::Restart, WaitHandling::KeepDeadlines)?;
        let volume = journey_core::release::volume(&snapshot, &plan, journey_core::release::ReleasePolicy::AllAtOnce);
        if journey_core::pending::first_hour(&volume) > 0 {
            return Ok(id);
        }
    }
    Err("the demo data has no paused journey whose restart sends at once".into())
}

async fn ask_then_approve(browser: &Client, server: &TestServer) -> Result<()> {
    // An admin sets the threshold on the Workspace page: any message in the first hour needs
    // a second person.
    sign_in(browser, server, ADMIN).await?;
    wait_for(browser, "[data-testid=nav-workspace]").await?.click().await?;
    wait_for(browser, "[data-testid=approval-threshold]").await?.send_keys("0").await?;
    wait_enabled(browser, "[data-testid=save-settings]").await?.click().await?;
    let saved = wait_for_text(browser, "[data-testid=settings-saved]", WAIT, |_| true).await?;
    assert_eq!(saved, "Saved: activations sending more than 0 messages in their first hour need approval.");
    assert_eq!(server.get_json("/api/settings").await?, json!({ "approval_threshold": 0 }));
    both_widths(browser, "workspace-settings").await?;
    wait_enabled(browser, "[data-testid=sign-out]").await?.click().await?;
    wait_for(browser, "[data-testid=sign-in-form]").await?;
    let id = a_journey_that_sends_at_once(server).await?;

    // Omar asks: the summary says why, the button says what it does.
    sign_in(browser, server, OPERATOR).await?;
    browser.goto(&server.url(&format!("/engage/journeys/{id}/summary?mode=restart"))).await?;
    let why = wait_for_text(browser, "[data-testid=summary-approval]", WAIT, |_| true).await?;
    assert!(why.ends_with("another operator or admin must approve it before it runs."), "{why}");
    let button =
        wait_for_text(browser, "[data-testid=activate-journey-button]", WAIT, |t| t.eq_ignore_ascii_case("Request approval"))
            .await?;
    assert!(button.eq_ignore_ascii_case("Request approval"));
    screenshot(browser, "summary-approval-1280").await?;
    wait_enabled(browser, "[data-testid=activate-journey-button]").await?.click().await?;
    wait_for_text(browser, "[data-testid=pending-title]", WAIT, |t| t == "Awaiting approval").await?;
    let own = wait_for_text(browser, "[data-testid=pending-own]", WAIT, |_| true).await?;
    assert_eq!(own, "Waiting for another operator or admin to approve.");
    assert!(browser.find(Locator::Css("[data-testid=pending-review]")).await.is_err(), "no Review for the one who asked");
    screenshot(browser, "journey-awaiting-approval-1280").await?;

    // Meanwhile a contact joins the journey's data set: one more enters at the restart.
    let detail = server.get_json(&format!("/api/journeys/{id}")).await?;
    let dataset = detail["definition"]["trigger"]["source"]["dataset_id"].as_u64().ok_or("a data-set trigger")?;
    let (status, made) = server
        .request("POST", "/api/contacts", Some(json!({ "contacts": [{ "email": "late.joiner@example.com" }] })), &[])
        .await?;
    assert_eq!(status, 201, "{made}");
    let joined = json!({ "contact_ids": made["ids"] });
    let (status, added) = server.request("POST", &format!("/api/datasets/{dataset}/contacts"), Some(joined), &[]).await?;
    assert!((200..300).contains(&status), "{added}");

    // Another operator reviews: the change is highlighted; they approve with a reason.
    wait_enabled(browser, "[data-testid=sign-out]").await?.click().await?;
    wait_for(browser, "[data-testid=sign-in-form]").await?;
    sign_in(browser, server, ROBOT).await?;
    browser.goto(&server.url(&format!("/engage/journeys/{id}"))).await?;
    wait_for(browser, "[data-testid=pending-review]").await?.click().await?;
    wait_for(browser, "[data-testid=summary]").await?;
    let changes = wait_for_text(browser, "[data-testid=review-changes]", WAIT, |_| true).await?;
    assert!(changes.starts_with("Changed since the request") && changes.contains("Entering"), "{changes}");
    both_widths(browser, "review").await?;
    wait_for(browser, "[data-testid=review-reason]").await?.send_keys("Checked the numbers with the team.").await?;
    wait_enabled(browser, "[data-testid=review-approve]").await?.click().await?;
    wait_for(browser, "[data-testid=activation-result]").await?;
    screenshot(browser, "approved-1280").await?;

    // Active, and the activity log names both people.
    let detail = server.get_json(&format!("/api/journeys/{id}")).await?;
    assert_eq!(detail["state"], "active", "approved without an instant: it ran now");
    assert!(detail["pending"].is_null());
    wait_for(browser, "[data-testid=view-journey-link]").await?.click().await?;
    let log = wait_for_text(browser, "[data-testid=activity-log]", WAIT, |t| t.contains("Restarted")).await?;
    assert!(log.contains("Omar Haddad") && log.contains("E2E Robot"), "{log}");
    assert!(log.contains("Checked the numbers with the team."), "the reason is kept: {log}");
    browser.execute("document.querySelector('[data-testid=activity-log]').scrollIntoView();", vec![]).await?;
    screenshot(browser, "journey-after-approval-1280").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn an_activation_above_the_threshold_waits_for_another_operator_who_approves_it_with_a_reason() -> Result<()> {
    let server = TestServer::start().await?;
    let driver = Chromedriver::start()?;
    let browser = driver.browser(1280, 900).await?;
    let outcome = ask_then_approve(&browser, &server).await;
    browser.close().await?;
    outcome
}
