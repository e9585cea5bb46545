//! The server's settings: command-line flags, each with an environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::Clock;
use crate::delivery::DeliverySettings;
use crate::sink::WebhookSecret;
use crate::store::Database;

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

/// A rate: a finite number of messages per second, 0 or more.
fn parse_rate(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(r) if r.is_finite() && r >= 0.0 => Ok(r),
        _ => Err("a number of messages per second, 0 (unlimited) or more".into()),
    }
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

    /// Where the data lives: a SQLite file (created with its parent folder if missing), or a
    /// PostgreSQL URL (postgres://user@host/database) for several instances on one database.
    #[arg(long, env = "JOURNEY_DATABASE", default_value = "data/journeys.db", global = true, hide_env_values = true)]
    pub database: Database,

    /// The console's built files (Trunk's dist folder).
    #[arg(long, env = "JOURNEY_DIST", default_value = "dist", global = true)]
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

    /// Deliver each message by POSTing it as JSON to this URL (http or https, with a host);
    /// without it messages are delivered to the log. Requests are signed with
    /// JOURNEY_WEBHOOK_SECRET (environment only) when it is set.
    #[arg(long, env = "JOURNEY_WEBHOOK_URL", hide_env_values = true)]
    pub webhook_url: Option<String>,

    /// A PEM file of root certificates trusted for an https webhook, beside the system's.
    #[arg(long, env = "JOURNEY_WEBHOOK_CA")]
    pub webhook_ca: Option<PathBuf>,

    /// How long one webhook request may take, in milliseconds.
    #[arg(long, env = "JOURNEY_WEBHOOK_TIMEOUT_MS", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub webhook_timeout_ms: u64,

    /// The webhook signing secret: read from JOURNEY_WEBHOOK_SECRET only (a flag would show in
    /// the process list).
    #[arg(skip = WebhookSecret::from_env())]
    pub webhook_secret: Option<WebhookSecret>,

    /// Delivery requests in flight at most.
    #[arg(long, env = "JOURNEY_DELIVERY_CONCURRENCY", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub delivery_concurrency: u32,

    /// Tries per message at most; a message whose last try fails is dead.
    #[arg(long, env = "JOURNEY_DELIVERY_MAX_ATTEMPTS", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub delivery_max_attempts: u32,

    /// Messages delivered per second at most (0: unlimited).
    #[arg(long, env = "JOURNEY_DELIVERY_RATE", default_value_t = 0.0, value_parser = parse_rate)]
    pub delivery_rate: f64,

    /// How often the delivery worker looks for due messages when idle, in milliseconds (0:
    /// never by itself; tests then call `RunningServer::deliver_due`).
    #[arg(long, env = "JOURNEY_DELIVERY_INTERVAL_MS", default_value_t = 200)]
    pub delivery_interval_ms: u64,

    /// How often the runner looks for due work, in milliseconds (0: never by itself; tests then
    /// call `RunningServer::run_due_work`).
    #[arg(long, env = "JOURNEY_RUNNER_INTERVAL_MS", default_value_t = 1000)]
    pub runner_interval_ms: u64,

    /// How many memberships the runner moves per transaction.
    #[arg(long, env = "JOURNEY_RUNNER_BATCH", default_value_t = 500)]
    pub runner_batch: u32,

    /// How many contacts the runner changes per transaction when it applies an activation (a
    /// Restart's exits and entry, a Resume's shifted deadlines) after the activation committed.
    #[arg(long, env = "JOURNEY_ACTIVATION_BATCH", default_value_t = crate::runner::DEFAULT_ACTIVATION_BATCH, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub activation_batch: u32,

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

    /// The address people use to reach the server, as an origin (`https://journeys.example.com`).
    /// Requests for any other host name are refused; without it only loopback names
    /// (localhost, 127.0.0.1, [::1]) are answered. Needed for an `--addr` that is not loopback.
    #[arg(long, env = "JOURNEY_PUBLIC_ORIGIN")]
    pub public_origin: Option<crate::auth::Origin>,

    /// Mark the session cookie `Secure`: browsers then send it only over HTTPS. Use it when
    /// a proxy in front terminates TLS (it is implied by an https `--public-origin`).
    #[arg(long, env = "JOURNEY_SECURE_COOKIES")]
    pub secure_cookies: bool,

    /// A session ends after this many minutes without a request.
    #[arg(long, env = "JOURNEY_SESSION_IDLE_MINUTES", default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..=10_080))]
    pub session_idle_minutes: u32,

    /// A session ends this many hours after sign-in, however busy.
    #[arg(long, env = "JOURNEY_SESSION_MAX_HOURS", default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..=720))]
    pub session_max_hours: u32,

    /// Sign-in attempts allowed per account per minute.
    #[arg(long, env = "JOURNEY_SIGN_IN_PER_ACCOUNT", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    pub sign_in_per_account: u32,

    /// Sign-in attempts allowed per client address per minute.
    #[arg(long, env = "JOURNEY_SIGN_IN_PER_ADDRESS", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..))]
    pub sign_in_per_address: u32,

    /// Manage people and API tokens instead of serving (`journey-server users --help`).
    #[command(subcommand)]
    pub command: Option<crate::cli::Command>,

    /// Where time comes from (tests pass a `TestClock`; the default is the system clock).
    #[arg(skip)]
    pub clock: Option<Arc<dyn Clock>>,
}

impl Config {
    /// Settings for a test: the given database and dist folder, a free loopback port, demo data
    /// seeded with 5,000 contacts (a few seconds in a debug build; `with_demo_contacts` for
    /// more), the runner ticking every 200 ms and the delivery worker looking every 50 ms, on
    /// the system clock, delivering to the log.
    pub fn for_tests(database: impl Into<Database>, dist: impl Into<PathBuf>) -> Config {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            database: database.into(),
            dist: dist.into(),
            reseed: false,
            no_seed: false,
            demo_contacts: 5_000,
            webhook_url: None,
            webhook_ca: None,
            webhook_timeout_ms: 10_000,
            webhook_secret: None,
            delivery_concurrency: 8,
            delivery_max_attempts: 8,
            delivery_rate: 0.0,
            delivery_interval_ms: 50,
            runner_interval_ms: 200,
            runner_batch: 500,
            activation_batch: crate::runner::DEFAULT_ACTIVATION_BATCH,
            write_wait_ms: 5000,
            max_connections: 1024,
            header_timeout_ms: 10_000,
            body_timeout_ms: 30_000,
            log_format: LogFormat::Text,
            public_origin: None,
            secure_cookies: false,
            session_idle_minutes: 60,
            session_max_hours: 12,
            sign_in_per_account: 5,
            sign_in_per_address: 30,
            command: None,
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

    /// With the delivery worker driven only by `deliver_due` (no background task).
    pub fn with_manual_delivery(mut self) -> Config {
        self.delivery_interval_ms = 0;
        self
    }

    /// Delivering to this webhook URL.
    pub fn with_webhook(mut self, url: impl Into<String>) -> Config {
        self.webhook_url = Some(url.into());
        self
    }

    /// The delivery worker's settings.
    pub fn delivery(&self) -> DeliverySettings {
        DeliverySettings {
            concurrency: self.delivery_concurrency.max(1),
            max_attempts: self.delivery_max_attempts.max(1),
            rate: self.delivery_rate,
            // A try ends within the sink's timeout once its turn at the rate has come.
            lease: Duration::from_millis(self.webhook_timeout_ms)
                + if self.delivery_rate > 0.0 {
                    Duration::from_secs_f64((f64::from(self.delivery_concurrency.max(1)) / self.delivery_rate).min(86_400.0))
                } else {
                    Duration::ZERO
                }
                + Duration::from_secs(10),
        }
    }

    /// How the server decides who is asking (sessions, hosts, sign-in limits).
    pub fn auth(&self) -> crate::auth::Settings {
        let https = self.public_origin.as_ref().is_some_and(|o| o.text.starts_with("https://"));
        crate::auth::Settings {
            idle: jiff::SignedDuration::from_mins(i64::from(self.session_idle_minutes)),
            absolute: jiff::SignedDuration::from_hours(i64::from(self.session_max_hours)),
            secure_cookies: self.secure_cookies || https,
            public_origin: self.public_origin.clone(),
            throttle: crate::auth::throttle::Throttle::new(crate::auth::throttle::Limits {
                per_account: self.sign_in_per_account,
                per_address: self.sign_in_per_address,
            }),
        }
    }

    /// With this many demo contacts.
    pub fn with_demo_contacts(mut self, n: u32) -> Config {
        self.demo_contacts = n;
        self
    }
}
