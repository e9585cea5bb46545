//! journey-server: the journey console's backend. A JSON API under `/api`, an embedded SQLite
//! store, the journey runner that really sends, and the built console served from `--dist`.
//!
//! Every scheduling, flow and reactivation rule is journey-core's; this crate stores, serves
//! and executes.
//!
//! ```no_run
//! # async fn demo() -> Result<(), journey_server::StartError> {
//! let config = journey_server::Config::for_tests("/tmp/j.db", "dist").without_seed();
//! let server = journey_server::spawn(config).await?;
//! println!("{}", server.url());
//! server.shutdown().await;
//! # Ok(()) }
//! ```

#![recursion_limit = "512"]

pub mod actions;
pub mod api;
pub mod app;
pub mod clock;
pub mod config;
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
pub use runner::RunReport;

use crate::runner::Runner;
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

    /// Runs the runner's due work at `now` (tests with a `TestClock` and a manual runner).
    pub async fn run_due_work(&self, now: jiff::Timestamp) -> Result<RunReport, store::StoreError> {
        self.state.runner.run_due_work(now).await
    }

    /// Stops serving and the runner, and closes the database.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.server.await;
        if let Some(runner) = self.runner {
            let _ = runner.await;
        }
        self.state.store.close().await;
    }
}

/// Opens and migrates the database, seeds demo data into an empty one (unless `--no-seed`),
/// binds, starts the runner and serves.
pub async fn spawn(config: Config) -> Result<RunningServer, StartError> {
    let db_error = |source| StartError::Database { path: config.database.display().to_string(), source };
    let write_wait = Duration::from_millis(config.write_wait_ms);
    let store = Store::open_with(&config.database, config.reseed, write_wait).await.map_err(db_error)?;
    let clock: Arc<dyn Clock> = config.clock.clone().unwrap_or_else(|| Arc::new(SystemClock));
    if !config.no_seed && store.is_empty().await.map_err(StartError::Seed)? {
        let started = std::time::Instant::now();
        seed::seed(&store, clock.now(), config.demo_contacts).await.map_err(StartError::Seed)?;
        tracing::info!(contacts = config.demo_contacts, elapsed = ?started.elapsed(), "seeded demo data");
    }
    let sink = sink::Sink::new(config.webhook_url.as_deref());
    let runner = Arc::new(Runner::new(store.clone(), sink, clock.clone(), config.runner_batch));
    let state = AppState { store, clock, console: web::Console::new(config.dist.clone()), runner: runner.clone() };
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
        .then(|| tokio::spawn(runner.run_forever(Duration::from_millis(config.runner_interval_ms), stop_rx)));
    Ok(RunningServer { addr, state, stop, server, runner })
}

/// The binary's body: spawn, print the URL, serve until Ctrl-C or SIGTERM.
pub async fn run(config: Config) -> Result<(), StartError> {
    let server = spawn(config).await?;
    println!("Journey console running at http://{}/", server.addr);
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
