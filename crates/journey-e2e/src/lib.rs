//! The end-to-end harness: the real server (in-process, on a free loopback port, with demo
//! data in a temporary SQLite file) serving the real release build from `dist/`, and Chromium
//! driven through chromedriver.
//!
//! The tests live in `tests/`; `scripts/test.sh` builds `dist/` with Trunk before running them.
//! Every test writes PNG screenshots under `target/screenshots/` so a person can look after a run.

pub mod assets;
pub mod wire;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// A boxed error: the harness reports what went wrong in words and the test fails with it.
pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("workspace root exists")
}

/// The release build the tests drive: `$JOURNEY_DIST` or `<workspace>/dist`.
pub fn dist_dir() -> Result<PathBuf> {
    let dir = std::env::var_os("JOURNEY_DIST").map(PathBuf::from).unwrap_or_else(|| workspace_root().join("dist"));
    if !dir.join("index.html").is_file() {
        return Err(format!(
            "{} has no index.html: build the console first (scripts/test.sh runs `trunk build --release --offline`)",
            dir.display()
        )
        .into());
    }
    Ok(dir)
}

/// Where screenshots go: `<workspace>/target/screenshots/`.
pub fn screenshot_dir() -> PathBuf {
    let dir = workspace_root().join("target/screenshots");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A chromedriver child process on a free loopback port, killed on drop.
pub struct Chromedriver {
    child: Child,
    port: u16,
}

impl Chromedriver {
    /// Starts `$CHROMEDRIVER` (default `chromedriver` on PATH) and waits until it accepts
    /// connections.
    pub fn start() -> Result<Self> {
        let program = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let port = free_port()?;
        let child = Command::new(&program)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("could not start {program} (scripts/setup.sh installs it): {e}"))?;
        let driver = Self { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                return Err("chromedriver did not start listening within 20 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(driver)
    }

    /// A new headless Chromium session with the given window size.
    ///
    /// The flags keep Chromium off the network: this machine reaches only package registries,
    /// and without them Chromium floods the closed network with background requests.
    pub async fn browser(&self, width: u32, height: u32) -> Result<Client> {
        let mut caps = serde_json::Map::new();
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--disable-quic", format!("--window-size={width},{height}"),
                ]
            }),
        );
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await?;
        Ok(client)
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The server under test, with demo data, and the temporary folder holding its database.
pub struct TestServer {
    pub server: journey_server::RunningServer,
    /// An operator's API token: what `request` and `get_json` act as (the browser signs in
    /// with a demo account instead).
    token: String,
    _data: tempfile::TempDir,
}

/// The demo's accounts (seeded with the demo data): email and password.
pub const OPERATOR: (&str, &str) = ("operator@example.com", "demo-operator");
pub const VIEWER: (&str, &str) = ("viewer@example.com", "demo-viewer");

/// Signs the browser in through the sign-in page and waits for the shell to name the person.
pub async fn sign_in(browser: &Client, server: &TestServer, account: (&str, &str)) -> Result<()> {
    browser.goto(&server.url("/sign-in")).await?;
    fill_sign_in(browser, account).await
}

/// Fills and sends the sign-in form already on the screen; waits until signed in.
pub async fn fill_sign_in(browser: &Client, (email, password): (&str, &str)) -> Result<()> {
    wait_for(browser, "[data-testid=sign-in-email]").await?.send_keys(email).await?;
    wait_for(browser, "[data-testid=sign-in-password]").await?.send_keys(password).await?;
    wait_enabled(browser, "[data-testid=sign-in-button]").await?.click().await?;
    wait_for(browser, "[data-testid=user-who]").await?;
    Ok(())
}

impl TestServer {
    /// Starts the real server in-process on a free port, seeding demo data into a new SQLite
    /// file and serving the release build. The demo workspace is smaller than the product's
    /// default so that each test seeds in moments.
    pub async fn start() -> Result<Self> {
        Self::with_demo_contacts(3_000).await
    }

    /// The same, with a demo workspace of `contacts` contacts.
    pub async fn with_demo_contacts(contacts: u32) -> Result<Self> {
        Self::serving(dist_dir()?, contacts).await
    }

    /// The same, serving another app's build (the browser benchmark's yardstick).
    pub async fn serving(dist: PathBuf, contacts: u32) -> Result<Self> {
        let data = tempfile::tempdir()?;
        let config = journey_server::Config::for_tests(data.path().join("journeys.db"), dist).with_demo_contacts(contacts);
        let server = journey_server::spawn(config).await?;
        let token = server.person_with_token(journey_core::access::Role::Operator, "E2E Robot").await?;
        Ok(Self { server, token, _data: data })
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.server.addr, path)
    }

    /// GETs a JSON document from the API, as the browser would.
    pub async fn get_json(&self, path: &str) -> Result<serde_json::Value> {
        let (status, body) = self.request("GET", path, None, &[]).await?;
        if status != 200 {
            return Err(format!("GET {path} answered {status}: {body}").into());
        }
        Ok(body)
    }

    /// The journey's activations in its activity log, oldest first (its resume and restart
    /// lines, not the runner's `applied` lines that follow them).
    pub async fn activations(&self, journey: u64) -> Result<Vec<serde_json::Value>> {
        let detail = self.get_json(&format!("/api/journeys/{journey}")).await?;
        let activity = detail["activity"].as_array().cloned().unwrap_or_default();
        Ok(activity.into_iter().filter(|e| e["action"] == "resume" || e["action"] == "restart").collect())
    }

    /// Ends every session at once, as if each had reached its absolute expiry.
    pub async fn expire_sessions(&self) -> Result<()> {
        let mut tx = self.server.store().write().await?;
        sqlx::query("UPDATE sessions SET expires_at = 0").execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sends a request (as the operator's API token unless `headers` has an `Authorization`)
    /// with an optional JSON body; returns the status and the JSON answer.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
        headers: &[(&str, &str)],
    ) -> Result<(u16, serde_json::Value)> {
        let client: HttpClient<HttpConnector, Full<Bytes>> = HttpClient::builder(TokioExecutor::new()).build_http();
        let mut req = hyper::Request::builder().method(method).uri(self.url(path));
        if !headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("authorization")) {
            req = req.header("authorization", format!("Bearer {}", self.token));
        }
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        let payload = match body {
            Some(json) => {
                req = req.header("content-type", "application/json");
                Bytes::from(serde_json::to_vec(&json)?)
            }
            None => Bytes::new(),
        };
        let response = client.request(req.body(Full::new(payload))?).await?;
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await?.to_bytes();
        let json = if bytes.is_empty() { serde_json::Value::Null } else { serde_json::from_slice(&bytes)? };
        Ok((status, json))
    }
}

/// Waits until an element matching `css` exists (and, if given, its text satisfies `pred`),
/// polling; returns its text. Fails with the selector and the last text seen.
pub async fn wait_for_text(client: &Client, css: &str, timeout: Duration, pred: impl Fn(&str) -> bool) -> Result<String> {
    let deadline = Instant::now() + timeout;
    let mut last = None;
    loop {
        if let Ok(element) = client.find(Locator::Css(css)).await
            && let Ok(text) = element.text().await
        {
            if pred(&text) {
                return Ok(text);
            }
            last = Some(text);
        }
        if Instant::now() > deadline {
            return Err(format!("timed out after {timeout:?} waiting for `{css}` (last text: {last:?})").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits for an element to exist; returns it.
pub async fn wait_for(client: &Client, css: &str) -> Result<fantoccini::elements::Element> {
    wait_for_text(client, css, Duration::from_secs(15), |_| true).await?;
    Ok(client.find(Locator::Css(css)).await?)
}

/// Waits for an element to exist and be enabled (a button that is not busy); returns it.
pub async fn wait_enabled(client: &Client, css: &str) -> Result<fantoccini::elements::Element> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let element = wait_for(client, css).await?;
        if element.is_enabled().await? {
            return Ok(element);
        }
        if Instant::now() > deadline {
            return Err(format!("`{css}` stayed disabled for 15 s").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Saves a PNG of the current page as `target/screenshots/{name}.png`.
pub async fn screenshot(client: &Client, name: &str) -> Result<PathBuf> {
    let png = client.screenshot().await?;
    let path = screenshot_dir().join(format!("{name}.png"));
    std::fs::write(&path, png)?;
    Ok(path)
}

/// True when the page is no wider than the window (no horizontal scrolling).
pub async fn fits_the_window(client: &Client) -> Result<bool> {
    let fits = client.execute("return document.documentElement.scrollWidth <= window.innerWidth;", vec![]).await?;
    Ok(fits.as_bool() == Some(true))
}

/// Digits of a displayed number ("12,480 contacts" -> 12480).
pub fn number_in(text: &str) -> Option<u64> {
    let digits: String = text
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .filter(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}
