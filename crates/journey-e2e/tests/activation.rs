//! The seed's six navigation steps in a real browser, once with Resume and once with Restart:
//! Engage > Journey, the Paused tab, open the journey, ACTIVATE, choose, APPLY, read the
//! summary (checked against the server's own preview), ACTIVATE JOURNEY, and the journey on
//! the Active tab. Then the two ways an activation can go wrong: a double click, and a journey
//! changed elsewhere while its summary is open.

use std::time::Duration;

use fantoccini::{Client, Locator};
use journey_e2e::{
    Chromedriver, OPERATOR, Result, TestServer, number_in, screenshot, sign_in, wait_enabled, wait_for, wait_for_text,
};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(20);

/// The first paused journey whose trigger is a data set (it has a schedule to preview).
async fn a_paused_scheduled_journey(server: &TestServer) -> Result<Value> {
    let listing = server.get_json("/api/journeys?state=paused").await?;
    let row = listing["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["trigger_kind"] != "event"))
        .cloned()
        .ok_or("the demo data has no paused journey with a scheduled trigger")?;
    Ok(row)
}

/// Steps 1 to 5 of the seed: from the app's front door to the journey summary.
async fn navigate_to_summary(browser: &Client, server: &TestServer, name: &str, mode: &str) -> Result<()> {
    browser.goto(&server.url("/")).await?;
    wait_for(browser, "[data-testid=nav-journey]").await?.click().await?; // 1. Engage > Journey
    wait_for(browser, "[data-testid=tab-paused]").await?.click().await?; // 2. the Paused tab
    wait_for_text(browser, "[data-testid=journey-row]", WAIT, |t| t.contains(name)).await?;
    let mut opened = false;
    for row in browser.find_all(Locator::Css("[data-testid=journey-row]")).await? {
        if row.text().await?.contains(name) {
            row.find(Locator::Css("[data-testid=journey-link]")).await?.click().await?;
            opened = true;
            break;
        }
    }
    assert!(opened, "no row for {name:?} on the Paused tab");
    wait_for_text(browser, "[data-testid=journey-title]", WAIT, |t| t.contains(name)).await?;
    wait_for(browser, "[data-testid=activate-button]").await?.click().await?; // 3. ACTIVATE
    let apply = wait_for(browser, "[data-testid=apply-button]").await?;
    assert!(!apply.is_enabled().await?, "APPLY is disabled until a choice is made");
    wait_for(browser, &format!("[data-testid=choice-{mode}]")).await?.click().await?; // 4. choose
    assert!(apply.is_enabled().await?, "APPLY is enabled once a choice is made");
    apply.click().await?; // 5. APPLY
    wait_for_text(browser, "[data-testid=summary-next-run]", WAIT, |t| !t.trim().is_empty()).await?;
    Ok(())
}

async fn shown_number(browser: &Client, testid: &str) -> Result<u64> {
    let text = wait_for_text(browser, &format!("[data-testid={testid}]"), WAIT, |t| number_in(t).is_some()).await?;
    number_in(&text).ok_or_else(|| format!("{testid} shows no number: {text:?}").into())
}

/// The hour and minute of an instant in the journey's zone, as the summary prints it.
fn local_hh_mm(instant: &str, zone: &str) -> Result<String> {
    let at: jiff::Timestamp = instant.parse()?;
    let local = journey_core::zone::Zone::bundled(zone)?.to_local(at);
    Ok(format!("{:02}:{:02}", local.hour(), local.minute()))
}

async fn seed_navigation(browser: &Client, server: &TestServer, mode: &str) -> Result<()> {
    let row = a_paused_scheduled_journey(server).await?;
    let (id, name) = (row["id"].as_u64().ok_or("row without id")?, row["name"].as_str().unwrap_or_default().to_owned());
    let zone = row["time_zone"].as_str().unwrap_or("UTC").to_owned();
    let preview_path = format!("/api/journeys/{id}/preview?mode={mode}&wait_handling=keep_deadlines");

    navigate_to_summary(browser, server, &name, mode).await?;
    let before = server.get_json(&preview_path).await?;
    screenshot(browser, &format!("summary-{mode}-1280")).await?;

    // The summary's numbers are the server's plan for the same snapshot (the journey is
    // frozen, so only overdue waits can move with the clock; they are checked on a range).
    assert_eq!(shown_number(browser, "summary-entering").await?, before["entering"].as_u64().unwrap_or(0));
    assert_eq!(shown_number(browser, "summary-suppressed").await?, before["suppressed"].as_u64().unwrap_or(0));
    let next_run = wait_for_text(browser, "[data-testid=summary-next-run]", WAIT, |_| true).await?;
    if mode == "resume" {
        assert_eq!(shown_number(browser, "summary-continuing").await?, before["continuing"].as_u64().unwrap_or(0));
        let overdue = shown_number(browser, "summary-overdue").await?;
        let after = server.get_json(&preview_path).await?;
        let (lo, hi) = (before["overdue"].as_u64().unwrap_or(0), after["overdue"].as_u64().unwrap_or(0));
        assert!((lo..=hi).contains(&overdue), "overdue {overdue} outside the server's {lo}..={hi}");
        assert_eq!(before["next_run"]["kind"], "at", "resume waits for the next scheduled run: {before}");
        let hh_mm = local_hh_mm(before["next_run"]["at"].as_str().unwrap_or_default(), &zone)?;
        assert!(next_run.contains(&hh_mm), "summary next run {next_run:?} lacks {hh_mm} ({zone})");
    } else {
        assert_eq!(shown_number(browser, "summary-exited").await?, before["exited_by_restart"].as_u64().unwrap_or(0));
        assert_eq!(shown_number(browser, "summary-rereceiving").await?, before["re_receiving"].as_u64().unwrap_or(0));
        assert_eq!(before["next_run"]["kind"], "immediately", "restart runs now: {before}");
        assert!(next_run.to_lowercase().contains("immediately"), "summary next run {next_run:?}");
    }

    // 6. ACTIVATE JOURNEY, and the server's own counts.
    wait_for(browser, "[data-testid=activate-journey-button]").await?.click().await?;
    wait_for(browser, "[data-testid=activation-result]").await?;
    screenshot(browser, &format!("activated-{mode}-1280")).await?;
    let detail = server.get_json(&format!("/api/journeys/{id}")).await?;
    assert_eq!(detail["state"], "active", "the journey is Active after activation");
    let entry = detail["activity"]
        .as_array()
        .and_then(|a| a.iter().find(|e| e["mode"] == mode))
        .cloned()
        .ok_or("no activation in the activity log")?;
    let entering = shown_number(browser, "result-entering").await?;
    assert_eq!(Some(entering), entry["counts"]["entering"].as_u64(), "the result shows the server's counts");
    assert_eq!(entry["actor"], "Omar Haddad <operator@example.com>", "the activity log names the signed-in operator");

    // The journey page: once the runner has moved the contacts (a restart's exits and entry),
    // its activity says so with the counts executed.
    if mode == "restart" {
        wait_for(browser, "[data-testid=view-journey-link]").await?.click().await?;
        let mut log = String::new();
        for _ in 0..30 {
            log = wait_for_text(browser, "[data-testid=activity-log]", WAIT, |_| true).await?;
            if log.contains("Finished moving the contacts") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
            browser.refresh().await?; // the page shows the journey as it was loaded
        }
        assert!(log.contains("Finished moving the contacts for the restart"), "{log}");
        browser.execute("document.querySelector('[data-testid=activity-log]').scrollIntoView();", vec![]).await?;
        screenshot(browser, "journey-after-restart-1280").await?;
        browser.back().await?;
    }

    wait_for(browser, "[data-testid=active-tab-link]").await?.click().await?;
    wait_for_text(browser, "[data-testid=journey-row]", WAIT, |t| t.contains(&name)).await?;
    assert!(browser.current_url().await?.as_str().contains("tab=active"));
    screenshot(browser, &format!("active-after-{mode}-1280")).await?;
    Ok(())
}

/// Runs `body` in a fresh 1280-wide browser signed in as the demo operator, against a fresh
/// server, closing the browser whatever happens.
macro_rules! in_browser {
    (|$browser:ident, $server:ident| $body:expr) => {{
        let $server = TestServer::start().await?;
        let driver = Chromedriver::start()?;
        let $browser = driver.browser(1280, 900).await?;
        let outcome: Result<()> = async {
            sign_in(&$browser, &$server, OPERATOR).await?;
            $body
        }
        .await;
        $browser.close().await?;
        outcome
    }};
}

#[tokio::test(flavor = "multi_thread")]
async fn resume_through_the_seed_navigation() -> Result<()> {
    in_browser!(|browser, server| seed_navigation(&browser, &server, "resume").await)
}

#[tokio::test(flavor = "multi_thread")]
async fn restart_through_the_seed_navigation() -> Result<()> {
    in_browser!(|browser, server| seed_navigation(&browser, &server, "restart").await)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_double_click_on_activate_journey_makes_one_activation() -> Result<()> {
    in_browser!(|browser, server| {
        let row = a_paused_scheduled_journey(&server).await?;
        let id = row["id"].as_u64().ok_or("row without id")?;
        navigate_to_summary(&browser, &server, row["name"].as_str().unwrap_or_default(), "resume").await?;
        wait_for(&browser, "[data-testid=activate-journey-button]").await?;
        // Two clicks in the same task: the second lands before the first request returns.
        browser
            .execute("const b = document.querySelector('[data-testid=activate-journey-button]'); b.click(); b.click();", vec![])
            .await?;
        wait_for(&browser, "[data-testid=activation-result]").await?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(server.activations(id).await?.len(), 1, "exactly one activation was recorded");
        Ok(())
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_journey_changed_elsewhere_shows_the_stale_version_message() -> Result<()> {
    in_browser!(|browser, server| {
        let row = a_paused_scheduled_journey(&server).await?;
        let id = row["id"].as_u64().ok_or("row without id")?;
        navigate_to_summary(&browser, &server, row["name"].as_str().unwrap_or_default(), "resume").await?;

        // Someone else stops the journey while the summary is open.
        let (status, body) = server.request("POST", &format!("/api/journeys/{id}/stop"), Some(json!({})), &[]).await?;
        assert_eq!(status, 200, "stop through the API: {body}");

        wait_for(&browser, "[data-testid=activate-journey-button]").await?.click().await?;
        wait_for(&browser, "[data-testid=stale-version-message]").await?;
        screenshot(&browser, "summary-stale-version-1280").await?;
        assert_eq!(server.activations(id).await?.len(), 0, "nothing was activated on a stale version");

        // The summary reloaded with the new version: activating now works.
        wait_for_text(&browser, "[data-testid=summary-next-run]", WAIT, |t| !t.trim().is_empty()).await?;
        wait_enabled(&browser, "[data-testid=activate-journey-button]").await?.click().await?;
        wait_for(&browser, "[data-testid=activation-result]").await?;
        assert_eq!(server.activations(id).await?.len(), 1);
        Ok(())
    })
}

/// The first paused journey whose Resume has a backlog (contacts whose wait ended while it was
/// paused).
async fn a_paused_journey_with_a_backlog(server: &TestServer) -> Result<(Value, u64)> {
    let listing = server.get_json("/api/journeys?state=paused").await?;
    for row in listing["rows"].as_array().cloned().unwrap_or_default() {
        let id = row["id"].as_u64().unwrap_or(0);
        let plan = server.get_json(&format!("/api/journeys/{id}/preview?mode=resume&wait_handling=keep_deadlines")).await?;
        if let Some(overdue) = plan["overdue"].as_u64().filter(|n| *n > 0) {
            return Ok((row, overdue));
        }
    }
    Err("the demo data has no paused journey with a backlog".into())
}

/// The messages per hour the chart draws and the table lists.
async fn chart_and_table(browser: &Client) -> Result<(Vec<u64>, Vec<u64>)> {
    let read = |css: &'static str, attr: bool| async move {
        let script = if attr {
            format!("return [...document.querySelectorAll('{css}')].map(e => e.getAttribute('data-messages'));")
        } else {
            format!("return [...document.querySelectorAll('{css}')].map(e => e.textContent);")
        };
        let values = browser.execute(&script, vec![]).await?;
        let numbers: Vec<u64> =
            values.as_array().cloned().unwrap_or_default().iter().filter_map(|v| v.as_str().and_then(number_in)).collect();
        Ok::<_, journey_e2e::Error>(numbers)
    };
    Ok((read("[data-testid=volume-bar]", true).await?, read("[data-testid=volume-row-messages]", false).await?))
}

/// The seed's six steps with the backlog spread evenly over 3 hours: the chart and its table
/// are journey-core's volume for the journey's snapshot, the pace is in the URL, and the
/// activation records it.
#[tokio::test(flavor = "multi_thread")]
async fn resume_with_the_backlog_spread_over_three_hours() -> Result<()> {
    in_browser!(|browser, server| {
        let (row, overdue) = a_paused_journey_with_a_backlog(&server).await?;
        let id = row["id"].as_u64().ok_or("row without id")?;
        navigate_to_summary(&browser, &server, row["name"].as_str().unwrap_or_default(), "resume").await?;
        wait_for(&browser, "[data-testid=release-spread]").await?.click().await?;
        wait_for_text(&browser, "[data-testid=volume-notes]", WAIT, |t| t.contains("evenly over 3 hours")).await?;
        assert!(browser.current_url().await?.as_str().contains("release=spread-3"), "the pace is in the URL");

        // The chart is journey-core's volume for the journey as it is (frozen: it can only
        // change if a wait ends or an hour turns between the two readings, so read it twice).
        let snapshot: journey_core::snapshot::JourneySnapshot =
            serde_json::from_value(server.get_json(&format!("/api/journeys/{id}/snapshot")).await?)?;
        let expected = |at: jiff::Timestamp| -> Result<Vec<u64>> {
            let plan = journey_core::plan::plan_activation(
                &snapshot,
                at,
                journey_core::plan::ActivationMode::Resume,
                journey_core::plan::WaitHandling::KeepDeadlines,
            )?;
            let v =
                journey_core::release::volume(&snapshot, &plan, journey_core::release::ReleasePolicy::SpreadOver { hours: 3 });
            Ok(v.hours.iter().map(|h| h.messages).collect())
        };
        let (bars, table) = chart_and_table(&browser).await?;
        assert_eq!(bars, table, "the table lists the chart's numbers");
        let now = jiff::Timestamp::now();
        let candidates = [expected(now - jiff::SignedDuration::from_mins(1))?, expected(now)?];
        assert!(candidates.contains(&bars), "chart {bars:?} is journey-core's volume {candidates:?}");
        let released: u64 = shown_number(&browser, "summary-overdue").await?;
        assert!(released >= overdue, "the summary's backlog {released} (the server said {overdue})");
        let show_backlog = "document.querySelector('[data-testid=summary-release]').scrollIntoView();";
        browser.execute(show_backlog, vec![]).await?;
        screenshot(&browser, "summary-release-1280").await?;
        browser.set_window_size(768, 1000).await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        browser.execute(show_backlog, vec![]).await?;
        screenshot(&browser, "summary-release-768").await?;
        assert!(journey_e2e::fits_the_window(&browser).await?, "the summary scrolls sideways at 768 px");
        browser.set_window_size(1280, 900).await?;

        // Explain one contact: a new member of the journey's data set enters at the next run.
        let detail = server.get_json(&format!("/api/journeys/{id}")).await?;
        if let Some(dataset) = detail["definition"]["trigger"]["source"]["dataset_id"].as_u64() {
            let (status, made) = server
                .request("POST", "/api/contacts", Some(json!({ "contacts": [{ "email": "explain.me@example.com" }] })), &[])
                .await?;
            assert_eq!(status, 201, "{made}");
            let (status, added) = server
                .request("POST", &format!("/api/datasets/{dataset}/contacts"), Some(json!({ "contact_ids": made["ids"] })), &[])
                .await?;
            assert!((200..300).contains(&status), "{added}");
            let input = wait_for(&browser, "[data-testid=explain-email-input]").await?;
            input.send_keys("Explain.Me@example.com").await?;
            wait_for(&browser, "[data-testid=explain-button]").await?.click().await?;
            let said = wait_for_text(&browser, "[data-testid=explain-sentence]", WAIT, |t| !t.is_empty()).await?;
            assert!(said.starts_with("Not in the journey now: enters at the next run"), "{said}");
            browser.execute("document.querySelector('[data-testid=summary-explain]').scrollIntoView();", vec![]).await?;
            screenshot(&browser, "summary-explain-1280").await?;
            wait_for(&browser, "[data-testid=explain-email-input]").await?.clear().await?;
            wait_for(&browser, "[data-testid=explain-email-input]").await?.send_keys("nobody.at.all@example.com").await?;
            wait_for(&browser, "[data-testid=explain-button]").await?.click().await?;
            let unknown = wait_for_text(&browser, "[data-testid=explain-unknown]", WAIT, |t| !t.is_empty()).await?;
            assert_eq!(unknown, "No contact has this email address.");
        }

        // 6. ACTIVATE JOURNEY: the pace goes with it and is recorded.
        wait_for(&browser, "[data-testid=activate-journey-button]").await?.click().await?;
        wait_for_text(&browser, "[data-testid=result-release]", WAIT, |t| t.contains("evenly over 3 hours")).await?;
        screenshot(&browser, "activated-release-1280").await?;
        let detail = server.get_json(&format!("/api/journeys/{id}")).await?;
        let entry = detail["activity"]
            .as_array()
            .and_then(|a| a.iter().rfind(|e| e["action"] == "resume"))
            .cloned()
            .ok_or("no resume in the activity log")?;
        assert_eq!(entry["release"], json!({ "kind": "spread_over", "hours": 3 }), "{entry}");
        Ok(())
    })
}
