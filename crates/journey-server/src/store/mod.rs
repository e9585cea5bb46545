//! The store: every SQL statement of the server lives here, one file per area (journeys and
//! their state changes, the activity log, the snapshot's aggregates, audiences and admission
//! facts, memberships, the message log and outbox, contacts and data sets, events,
//! idempotency). SQLite (WAL) through sqlx, with
//! portable SQL (integer ids, instants as INTEGER milliseconds, JSON as TEXT, partial indexes)
//! so a PostgreSQL backend can follow without touching the domain code.
//!
//! Writes run in `BEGIN IMMEDIATE` transactions ([`Store::write`]): SQLite then serialises
//! writers up front, so two activations of the same journey cannot interleave; the second
//! one sees the first one's new version and gets a 409.
//!
//! The snapshot reads maintained aggregates (`aggregates.rs`, kept by the triggers of
//! `migrations/0007_aggregates.sql` in the transaction of each change), never membership or
//! contact rows, except for segment triggers, whose rule is evaluated in Rust. The benchmark
//! (`cargo bench -p journey-server`) prints their latency at 10 thousand and 1 million contacts.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use jiff::Timestamp;
use journey_core::spelling::UnknownSpelling;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

use crate::clock::from_ms;

// One file per area; callers use `store::name` for all of them.
mod activity;
mod aggregates;
mod audience;
mod contacts;
mod events;
mod idempotency;
mod journeys;
mod memberships;
mod messages;
mod people;
mod snapshot;
mod work;

pub use activity::*;
pub use aggregates::*;
pub use audience::*;
pub use contacts::*;
pub use events::*;
pub use idempotency::*;
pub use journeys::*;
pub use memberships::*;
pub use messages::*;
pub use people::*;
pub use snapshot::*;
pub use work::*;

/// Read connections: enough for concurrent page loads on a small machine; more would only
/// compete for the same cores.
const READERS: u32 = 8;

/// How long a read waits for a free reader before the caller is told the server is busy.
const READ_WAIT: Duration = Duration::from_secs(10);

/// The migrations kept in the repo (`crates/journey-server/migrations`).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A store failure (always a fault of ours or of the disk, never of user input).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not start the work in time (the writer is taken, every reader is
    /// busy): not a fault, the caller may try again shortly.
    #[error("the database is busy: {0}")]
    Busy(sqlx::Error),
    #[error("database error: {0}")]
    Sql(sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is not readable: {0}")]
    Corrupt(String),
    #[error("could not prepare the database folder: {0}")]
    Io(#[from] std::io::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> StoreError {
        // SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes in the low byte.
        let busy_code = |e: &sqlx::Error| {
            e.as_database_error()
                .and_then(|d| d.code())
                .and_then(|c| c.parse::<i32>().ok())
                .is_some_and(|c| matches!(c & 0xff, 5 | 6))
        };
        if matches!(e, sqlx::Error::PoolTimedOut) || busy_code(&e) { StoreError::Busy(e) } else { StoreError::Sql(e) }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// How long a write waits for the writer before the caller is told the server is busy.
pub const DEFAULT_WRITE_WAIT: Duration = Duration::from_secs(5);

/// The database: one writer connection and a pool of readers.
///
/// SQLite has one writer at a time; in WAL mode readers never wait for it. So writes queue for
/// the single writer connection ([`Store::write`]) and give up with [`StoreError::Busy`] after
/// the write wait, while reads ([`Store::read`], [`Store::read_tx`]) use their own connections
/// and are never stuck behind a long write.
#[derive(Clone, Debug)]
pub struct Store {
    reader: SqlitePool,
    writer: SqlitePool,
}

/// Reads a stored spelling (journey-core's `spelling`); any other text is corrupt data.
fn parse_stored<T: FromStr<Err = UnknownSpelling>>(text: &str) -> Result<T> {
    text.parse().map_err(|e: UnknownSpelling| StoreError::Corrupt(e.to_string()))
}

fn opt_ts(ms: Option<i64>) -> Option<Timestamp> {
    ms.map(from_ms)
}

impl Store {
    /// Opens (creating the file and its folder) and migrates the database. `wipe` deletes it
    /// first.
    pub async fn open(path: &Path, wipe: bool) -> Result<Store> {
        Store::open_with(path, wipe, DEFAULT_WRITE_WAIT).await
    }

    /// [`Store::open`] with how long a write may wait for the writer.
    pub async fn open_with(path: &Path, wipe: bool, write_wait: Duration) -> Result<Store> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        if wipe {
            for suffix in ["", "-wal", "-shm"] {
                let mut p = path.as_os_str().to_owned();
                p.push(suffix);
                match std::fs::remove_file(&p) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(write_wait)
            .foreign_keys(true)
            .pragma("cache_size", "-65536")
            // Reads through memory-mapped pages: no read syscall per page on big scans.
            .pragma("mmap_size", "1073741824");
        let writer =
            SqlitePoolOptions::new().max_connections(1).acquire_timeout(write_wait).connect_with(options.clone()).await?;
        MIGRATOR.run(&writer).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(READERS)
            .acquire_timeout(READ_WAIT)
            .connect_with(options.pragma("query_only", "ON"))
            .await?;
        Ok(Store { reader, writer })
    }

    /// The readers' pool (for tests and benchmarks that read rows directly).
    pub fn pool(&self) -> &SqlitePool {
        &self.reader
    }

    /// A write transaction on the one writer connection, holding SQLite's write lock from its
    /// first statement. [`StoreError::Busy`] when the writer stays taken for the write wait.
    pub async fn write(&self) -> Result<Transaction<'static, Sqlite>> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// A read connection (never waits for a write).
    pub async fn read(&self) -> Result<sqlx::pool::PoolConnection<Sqlite>> {
        Ok(self.reader.acquire().await?)
    }

    /// A read transaction (a consistent view across several queries).
    pub async fn read_tx(&self) -> Result<Transaction<'static, Sqlite>> {
        Ok(self.reader.begin().await?)
    }

    /// How many accounts there are (the first start explains how to make the first one).
    pub async fn count_users(&self) -> Result<i64> {
        let mut conn = self.read().await?;
        people::count_users(&mut conn).await
    }

    /// [`check_aggregates`] in one read transaction (beside a running server, a consistent view).
    pub async fn check_aggregates(&self) -> Result<AggregateCheck> {
        let mut tx = self.read_tx().await?;
        check_aggregates(&mut tx).await
    }

    pub async fn is_empty(&self) -> Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT (SELECT COUNT(*) FROM journeys) + (SELECT COUNT(*) FROM contacts)")
            .fetch_one(&self.reader)
            .await?;
        Ok(n == 0)
    }

    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }
}
