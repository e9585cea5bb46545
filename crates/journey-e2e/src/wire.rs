//! What a browser downloads, as Chromium reports it: the Navigation and Resource Timing entries'
//! `transferSize` (bytes received: headers plus the body as sent, compressed or not; 0 when the
//! HTTP cache answered), grouped by kind. And a sign-in that loads nothing of the console, so a
//! first load can be measured with an empty cache.

use std::time::Duration;

use fantoccini::Client;
use serde_json::{Value, json};

use crate::Result;

/// Bytes received for the current page, by kind.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Transfer {
    /// The page itself (`index.html`, or its 304).
    pub document: u64,
    pub wasm: u64,
    pub js: u64,
    pub css: u64,
    /// The API's answers (`/api/...`).
    pub api: u64,
    pub other: u64,
    /// Each resource: (path, bytes received, body bytes as sent, body bytes decoded).
    pub entries: Vec<(String, u64, u64, u64)>,
    /// Each resource's start and end, in ms after the navigation started (a waterfall).
    pub times: Vec<(f64, f64)>,
}

impl Transfer {
    /// What the console itself costs: the page, its wasm, JavaScript and CSS.
    pub fn console(&self) -> u64 {
        self.document + self.wasm + self.js + self.css
    }

    /// Everything received, the API's answers included.
    pub fn total(&self) -> u64 {
        self.console() + self.api + self.other
    }
}

const ENTRIES: &str = "
    const out = [];
    const nav = performance.getEntriesByType('navigation')[0];
    if (nav) out.push(['document', nav.transferSize, nav.encodedBodySize, nav.decodedBodySize, 0, nav.responseEnd]);
    for (const e of performance.getEntriesByType('resource')) {
        out.push([new URL(e.name).pathname, e.transferSize, e.encodedBodySize, e.decodedBodySize, e.startTime, e.responseEnd]);
    }
    return out;";

/// The current page's transfer so far.
pub async fn transfer(browser: &Client) -> Result<Transfer> {
    let entries = browser.execute(ENTRIES, vec![]).await?;
    let mut t = Transfer::default();
    for entry in entries.as_array().ok_or("no timing entries")? {
        let path = entry[0].as_str().unwrap_or_default().to_string();
        let [sent, encoded, decoded] = [1, 2, 3].map(|i| entry[i].as_f64().unwrap_or(0.0) as u64);
        let slot = if path == "document" {
            &mut t.document
        } else if path.starts_with("/api/") {
            &mut t.api
        } else if path.ends_with(".wasm") {
            &mut t.wasm
        } else if path.ends_with(".js") {
            &mut t.js
        } else if path.ends_with(".css") {
            &mut t.css
        } else {
            &mut t.other
        };
        *slot += sent;
        t.entries.push((path, sent, encoded, decoded));
        t.times.push((entry[4].as_f64().unwrap_or(0.0), entry[5].as_f64().unwrap_or(0.0)));
    }
    Ok(t)
}

/// Signs the browser in through the API from a page of the server that is not the console
/// (`/api/health`), so nothing of the console is loaded or cached yet.
pub async fn sign_in_without_the_console(browser: &Client, base_url: &str, (email, password): (&str, &str)) -> Result<()> {
    browser.goto(&format!("{base_url}/api/health")).await?;
    let script = "const [email, password, done] = arguments;
        fetch('/api/sign-in', { method: 'POST', body: JSON.stringify({ email, password }),
            headers: { 'content-type': 'application/json', 'x-journey-console': '1' } })
          .then(r => done(r.status), e => done(String(e)));";
    let status = browser.execute_async(script, vec![json!(email), json!(password)]).await?;
    if status != json!(200) {
        return Err(format!("signing in through the API answered {status}").into());
    }
    Ok(())
}

/// Opens `url` and waits for the `journeys-list-rendered` mark; returns its time after the
/// navigation started, in milliseconds.
pub async fn open_journeys_list(browser: &Client, url: &str) -> Result<f64> {
    browser.goto(url).await?;
    let script = "const m = performance.getEntriesByName('journeys-list-rendered')[0]; return m ? m.startTime : null;";
    for _ in 0..600 {
        if let Value::Number(n) = browser.execute(script, vec![]).await? {
            return n.as_f64().ok_or_else(|| "the mark's time is not a number".into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(format!("{url}: the journeys list was not rendered within 30 s").into())
}
