//! The server's settings: command-line flags, each with an environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use crate::clock::Clock;

/// The largest request body: 1 MiB (larger ones get a JSON 413).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// How log lines are written.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// How to run the server. `journey-server --help` lists the flags.
#[derive(clap::Parser, Clone, Debug)]
#[command(
    name = "journey-server",
    version,
    about = "Journey-activation console: the API, the SQLite store and the journey runner"
)]
pub struct Config {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "JOURNEY_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,

    /// The SQLite database file (created with its parent folder if missing).
    #[arg(long, env = "JOURNEY_DATABASE", default_value = "data/journeys.db")]
    pub database: PathBuf,

    /// The console's built files (Trunk's dist folder).
    #[arg(long, env = "JOURNEY_DIST", default_value = "dist")]
    pub dist: PathBuf,

    /// Wipe the database and seed fresh demo data.
    #[arg(long, conflicts_with = "no_seed")]
    pub reseed: bool,

    /// Do not seed demo data into an empty database.
    #[arg(long)]
    pub no_seed: bool,

    /// How many contacts the demo data has.
    #[arg(long, env = "JOURNEY_DEMO_CONTACTS", default_value_t = 30_000)]
    pub demo_contacts: u32,

    /// Deliver each message by POSTing it as JSON to this URL (http only); without it messages
    /// are delivered to the log.
    #[arg(long, env = "JOURNEY_WEBHOOK_URL")]
    pub webhook_url: Option<String>,

    /// How often the runner looks for due work, in milliseconds (0: never by itself; tests then
    /// call `RunningServer::run_due_work`).
    #[arg(long, env = "JOURNEY_RUNNER_INTERVAL_MS", default_value_t = 1000)]
    pub runner_interval_ms: u64,

    /// How many memberships the runner moves per transaction.
    #[arg(long, env = "JOURNEY_RUNNER_BATCH", default_value_t = 500)]
    pub runner_batch: u32,

    /// How long a write waits for the database's one writer before the answer is 503 with
    /// `Retry-After` (milliseconds).
    #[arg(long, env = "JOURNEY_WRITE_WAIT_MS", default_value_t = 5000)]
    pub write_wait_ms: u64,

    /// Connections served at once; more wait until one closes.
    #[arg(long, env = "JOURNEY_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,

    /// A connection must send a request's complete headers within this time (milliseconds),
    /// or it is closed.
    #[arg(long, env = "JOURNEY_HEADER_TIMEOUT_MS", default_value_t = 10_000)]
    pub header_timeout_ms: u64,

    /// A request's body must arrive within this time (milliseconds), or the request fails.
    #[arg(long, env = "JOURNEY_BODY_TIMEOUT_MS", default_value_t = 30_000)]
    pub body_timeout_ms: u64,

    /// How log lines are written to stderr: `text` for people, `json` for a log shipper.
    #[arg(long, env = "JOURNEY_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Where time comes from (tests pass a `TestClock`; the default is the system clock).
    #[arg(skip)]
    pub clock: Option<Arc<dyn Clock>>,
}

impl Config {
    /// Settings for a test: the given database and dist folder, a free loopback port, demo data
    /// seeded with 5,000 contacts (a few seconds in a debug build; `with_demo_contacts` for
    /// more) and the runner ticking every 200 ms on the system clock.
    pub fn for_tests(database: impl Into<PathBuf>, dist: impl Into<PathBuf>) -> Config {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            database: database.into(),
            dist: dist.into(),
            reseed: false,
            no_seed: false,
            demo_contacts: 5_000,
            webhook_url: None,
            runner_interval_ms: 200,
            runner_batch: 500,
            write_wait_ms: 5000,
            max_connections: 1024,
            header_timeout_ms: 10_000,
            body_timeout_ms: 30_000,
            log_format: LogFormat::Text,
            clock: None,
        }
    }

    /// Without demo data.
    pub fn without_seed(mut self) -> Config {
        self.no_seed = true;
        self
    }

    /// With this clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Config {
        self.clock = Some(clock);
        self
    }

    /// With the runner driven only by `run_due_work` (no background ticks).
    pub fn with_manual_runner(mut self) -> Config {
        self.runner_interval_ms = 0;
        self
    }

    /// With this many demo contacts.
    pub fn with_demo_contacts(mut self, n: u32) -> Config {
        self.demo_contacts = n;
        self
    }
}
