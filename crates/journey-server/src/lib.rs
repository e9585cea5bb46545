//! journey-server: the journey console's backend. A JSON API under `/api`, a store on an
//! embedded SQLite file or on PostgreSQL (several instances on one database), the journey runner that logs what to send, the delivery worker that really sends it
//! (log or signed webhook), and the built console served from `--dist`.
//!
//! Every scheduling, flow and reactivation rule is journey-core's; this crate stores, serves
//! and executes.
//!
//! ```no_run
//! # async fn demo() -> Result<(), journey_server::StartError> {
//! let config = journey_server::Config::for_tests(std::path::PathBuf::from("/tmp/j.db"), "dist").without_seed();
//! let server = journey_server::spawn(config).await?;
//! println!("{}", server.url());
//! server.shutdown().await;
//! # Ok(()) }
//! ```

#![recursion_limit = "512"]

pub mod actions;
pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod delivery;
pub mod error;
pub mod openapi;
pub mod runner;
pub mod seed;
pub mod serve;
pub mod sink;
pub mod state;
pub mod store;
pub mod web;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub use clock::{Clock, SystemClock, TestClock};
pub use config::{Config, LogFormat};
pub use delivery::DeliveryReport;
pub use runner::RunReport;
pub use sink::install_crypto_provider;

use crate::delivery::Delivery;
use crate::runner::Runner;
use crate::sink::{Sink, SinkError, WebhookSettings};
use crate::state::AppState;
use crate::store::Store;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("could not open the database {path}: {source}")]
    Database { path: String, source: store::StoreError },
    #[error("could not seed demo data: {0}")]
    Seed(store::StoreError),
    #[error("could not listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("{0}")]
    Webhook(#[from] SinkError),
    #[error("{0}")]
    Settings(String),
}

/// A server running in this process.
#[derive(Debug)]
pub struct RunningServer {
    /// Where it listens.
    pub addr: SocketAddr,
    state: AppState,
    stop: tokio::sync::watch::Sender<bool>,
    server: tokio::task::JoinHandle<()>,
    runner: Option<tokio::task::JoinHandle<()>>,
    delivery: Arc<Delivery>,
    delivery_task: Option<tokio::task::JoinHandle<()>>,
    /// Whether this start seeded the demo data (with its accounts).
    seeded: bool,
    /// How many accounts the database had at start.
    people: i64,
}

impl RunningServer {
    /// `http://ADDR`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The store (tests read the message log directly).
    pub fn store(&self) -> &Store {
        &self.state.store
    }

    /// Adds a person with this role (their email made from the name, at `test.example`) and
    /// returns a new API token acting as them: for tests and benchmarks that call the API.
    pub async fn person_with_token(&self, role: journey_core::access::Role, name: &str) -> Result<String, actions::ActionError> {
        use actions::people::{self, NewUser};
        let email = format!("{}@test.example", name.to_lowercase().replace(' ', "."));
        let now = self.state.clock.now();
        let new = NewUser { email: &email, name, role, password: "a long test password" };
        let user = people::add_user(&self.state.store, new, now).await?;
        Ok(people::create_token(&self.state.store, user.id, "tests", now).await?.token)
    }

    /// Every `/api` route with the access the router declares for it.
    pub fn routes(&self) -> Vec<app::RouteAccess> {
        app::api_routes(&self.state).1
    }

    /// Applies the pending activation work only (the first part of a runner pass), at `now`.
    pub async fn apply_activation_work(&self, now: jiff::Timestamp) -> Result<RunReport, store::StoreError> {
        self.state.runner.apply_activation_work(now).await
    }

    /// Runs the runner's due work at `now` (tests with a `TestClock` and a manual runner).
    pub async fn run_due_work(&self, now: jiff::Timestamp) -> Result<RunReport, store::StoreError> {
        self.state.runner.run_due_work(now).await
    }

    /// Delivers the messages due at `now` (tests with a `TestClock` and manual delivery).
    pub async fn deliver_due(&self, now: jiff::Timestamp) -> Result<DeliveryReport, store::StoreError> {
        self.delivery.deliver_due(now).await
    }

    /// Stops serving, the runner and the delivery worker (requests in flight get
    /// `delivery::STOP_GRACE` to finish), and closes the database.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.server.await;
        if let Some(runner) = self.runner {
            let _ = runner.await;
        }
        if let Some(delivery) = self.delivery_task {
            let _ = delivery.await;
        }
        self.state.store.close().await;
    }
}

/// Checks the webhook settings, opens and migrates the database, seeds demo data into an
/// empty one (unless `--no-seed`), binds, starts the runner and the delivery worker, and
/// serves.
pub async fn spawn(config: Config) -> Result<RunningServer, StartError> {
    install_crypto_provider();
    if !config.addr.ip().is_loopback() && config.public_origin.is_none() {
        return Err(StartError::Settings(format!(
            "--addr {} is reachable from other machines: give --public-origin, the address people use \
             (https://journeys.example.com), and put TLS in front (see the README)",
            config.addr
        )));
    }
    let sink = sink(&config)?;
    let db_error = |source| StartError::Database { path: config.database.to_string(), source };
    let write_wait = Duration::from_millis(config.write_wait_ms);
    let store = Store::open_with(&config.database, config.reseed, write_wait).await.map_err(db_error)?;
    let clock: Arc<dyn Clock> = config.clock.clone().unwrap_or_else(|| Arc::new(SystemClock));
    let mut seeded = false;
    if !config.no_seed && store.is_empty().await.map_err(StartError::Seed)? {
        let started = std::time::Instant::now();
        seed::seed(&store, clock.now(), config.demo_contacts).await.map_err(StartError::Seed)?;
        tracing::info!(contacts = config.demo_contacts, elapsed = ?started.elapsed(), "seeded demo data");
        seeded = true;
    }
    let people = store.count_users().await.map_err(StartError::Seed)?;
    let runner = Arc::new(Runner::new(store.clone(), clock.clone(), config.runner_batch, config.activation_batch));
    let delivery = Arc::new(Delivery::new(store.clone(), sink, clock.clone(), config.delivery()));
    let console = web::Console::new(config.dist.clone());
    // Before the first visitor: a build's files compressed once (seconds, once per build).
    console.precompress().await;
    let auth = Arc::new(config.auth());
    let state = AppState { store, clock, console, runner: runner.clone(), delivery: delivery.clone(), auth };
    let listener =
        tokio::net::TcpListener::bind(config.addr).await.map_err(|source| StartError::Bind { addr: config.addr, source })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind { addr: config.addr, source })?;
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let app = app::router(state.clone(), Duration::from_millis(config.body_timeout_ms));
    let limits = serve::Limits {
        max_connections: config.max_connections,
        header_timeout: Duration::from_millis(config.header_timeout_ms),
    };
    let server = tokio::spawn(serve::serve(listener, app, limits, stop_rx.clone()));
    let runner = (config.runner_interval_ms > 0)
        .then(|| tokio::spawn(runner.run_forever(Duration::from_millis(config.runner_interval_ms), stop_rx.clone())));
    let delivery_task = (config.delivery_interval_ms > 0)
        .then(|| tokio::spawn(delivery.clone().run_forever(Duration::from_millis(config.delivery_interval_ms), stop_rx)));
    Ok(RunningServer { addr, state, stop, server, runner, delivery, delivery_task, seeded, people })
}

/// The sink the settings ask for: the webhook (its URL checked) or the log.
fn sink(config: &Config) -> Result<Sink, StartError> {
    let settings = config.delivery();
    let Some(url) = config.webhook_url.as_deref() else {
        tracing::info!("no --webhook-url: messages are delivered to the log");
        return Ok(Sink::Log);
    };
    let sink = Sink::webhook(WebhookSettings {
        url,
        ca: config.webhook_ca.as_deref(),
        timeout: Duration::from_millis(config.webhook_timeout_ms.max(1)),
        secret: config.webhook_secret.clone(),
    })?;
    if let Sink::Webhook(w) = &sink {
        tracing::info!(
            url = w.shown(),
            signed = w.signed(),
            concurrency = settings.concurrency,
            max_attempts = settings.max_attempts,
            rate = settings.rate,
            "delivering to a webhook"
        );
        if !w.signed() {
            tracing::warn!("{} is not set: webhook requests are not signed", sink::SECRET_ENV);
        }
    }
    Ok(sink)
}

/// The binary's body: spawn, print the URL, serve until Ctrl-C or SIGTERM.
pub async fn run(config: Config) -> Result<(), StartError> {
    let database = config.database.clone();
    let server = spawn(config).await?;
    println!("Journey console running at http://{}/", server.addr);
    if server.seeded {
        print!("{}", seed::demo_sign_in_text());
    } else if server.people == 0 {
        println!(
            "Nobody can sign in yet. Create the first admin with:\n  journey-server users add --database {} \
             --email you@example.com --name \"Your Name\" --role admin",
            database
        );
    }
    shutdown_signal().await;
    server.shutdown().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

/// Logs to stderr as `format` says; `RUST_LOG` filters (default `info`).
///
/// Text is for people at a terminal; JSON (one object per line) is for a log shipper. In both,
/// what users typed is logged as a quoted, escaped value (`?field`), so a line break in it
/// cannot start a forged log line; recipients' addresses are never logged at INFO.
pub fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
