//! The store: every SQL statement of the server lives here, one file per area (journeys and
//! their state changes, the activity log, the snapshot's aggregates, audiences and admission
//! facts, memberships, the message log and outbox, contacts and data sets, events,
//! idempotency).
//!
//! Two backends behind one sqlx `Any` connection: SQLite (WAL, one file, the default) and
//! PostgreSQL (`--database postgres://...`, for several instances on one database). One SQL
//! text serves both wherever the two agree (integer ids, instants as BIGINT milliseconds, JSON
//! as TEXT, `$n` parameters, `ON CONFLICT`, `RETURNING`, partial indexes); where they differ
//! the statement says so beside the other one ([`Backend::of`]). Each backend has its own
//! migrations (`migrations/sqlite`, `migrations/postgres`), and the same tests run on both.
//!
//! Locking differs, not rules. SQLite: writes run in `BEGIN IMMEDIATE` transactions
//! ([`Store::write`]) on one writer connection, so writers are serialised up front and two
//! activations of the same journey cannot interleave; the second sees the first one's version
//! and gets a 409. PostgreSQL: many writers at READ COMMITTED; every change to a journey first
//! locks its row ([`lock_journey`]), so changes to one journey are serialised the same way, and
//! the runner claims rows with `FOR UPDATE SKIP LOCKED` so instances never take the same work.
//!
//! The snapshot reads maintained aggregates (`aggregates.rs`, kept by the triggers of the
//! `aggregates` migration of each backend, in the transaction of each change), never
//! membership or contact rows, except for segment triggers, whose rule is evaluated in Rust.
//! The benchmark (`cargo bench -p journey-server`) prints their latency at 10 thousand and 1
//! million contacts.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use jiff::Timestamp;
use journey_core::spelling::UnknownSpelling;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyConnection, AnyPool, Executor, Transaction};

use crate::clock::from_ms;

// One file per area; callers use `store::name` for all of them.
mod activity;
mod aggregates;
mod audience;
mod contacts;
mod events;
mod explain;
mod idempotency;
mod journeys;
mod memberships;
mod messages;
mod pending;
mod people;
mod snapshot;
mod work;

pub use activity::*;
pub use aggregates::*;
pub use audience::*;
pub use contacts::*;
pub use events::*;
pub use explain::*;
pub use idempotency::*;
pub use journeys::*;
pub use memberships::*;
pub use messages::*;
pub use pending::*;
pub use people::*;
pub use snapshot::*;
pub use work::*;

/// A connection to either backend (what every store function takes).
pub type Conn = AnyConnection;

/// A transaction on either backend.
pub type Tx = Transaction<'static, Any>;

/// SQLite read connections: enough for concurrent page loads on a small machine; more would
/// only compete for the same cores.
const READERS: u32 = 8;

/// PostgreSQL connections per instance for writes (the server's own work: requests, the runner,
/// delivery). PostgreSQL's default limit is 100 connections for all instances together.
const PG_WRITERS: u32 = 16;

/// How long a read waits for a free reader before the caller is told the server is busy.
const READ_WAIT: Duration = Duration::from_secs(10);

/// The SQLite migrations kept in the repo (`crates/journey-server/migrations/sqlite`).
pub static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// The PostgreSQL migrations (`crates/journey-server/migrations/postgres`): the same schema,
/// with PL/pgSQL triggers for the maintained aggregates.
pub static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Where the data lives: a SQLite file (any path) or a PostgreSQL database (a `postgres://` or
/// `postgresql://` URL).
///
/// ```
/// use journey_server::store::Database;
/// assert!(matches!("data/journeys.db".parse(), Ok(Database::Sqlite(_))));
/// assert!(matches!("postgres://journeys@db.internal/journeys".parse(), Ok(Database::Postgres(_))));
/// // The password never shows when the database is named in a message or a log line.
/// let db: Database = "postgres://app:s3cret@db.internal/journeys".parse().unwrap();
/// assert_eq!(db.to_string(), "postgres://app:***@db.internal/journeys");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    Sqlite(PathBuf),
    Postgres(String),
}

impl FromStr for Database {
    type Err = String;
    fn from_str(s: &str) -> Result<Database, String> {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            url::Url::parse(s).map_err(|e| format!("not a PostgreSQL URL ({e}); write it like postgres://user@host/database"))?;
            Ok(Database::Postgres(s.to_string()))
        } else if s.contains("://") {
            Err("give a SQLite file path, or a PostgreSQL URL starting with postgres://".into())
        } else {
            Ok(Database::Sqlite(PathBuf::from(s)))
        }
    }
}

impl Database {
    /// As given on the command line (`--database`), password included: for starting another
    /// process on the same database, never for a message or a log line (those use `Display`).
    pub fn to_arg(&self) -> String {
        match self {
            Database::Sqlite(path) => path.to_string_lossy().into_owned(),
            Database::Postgres(url) => url.clone(),
        }
    }

    /// Creates the empty database `name` (letters, digits and `_`) on the PostgreSQL server at
    /// `server` (a URL of any database there) and names it: each test and benchmark run gets
    /// its own.
    pub async fn create_postgres(server: &str, name: &str) -> Result<Database> {
        use sqlx::Connection;
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(StoreError::Corrupt(format!("{name:?} is not a database name made of letters, digits and _")));
        }
        let mut url = url::Url::parse(server).map_err(|e| StoreError::Corrupt(format!("not a PostgreSQL URL: {e}")))?;
        let mut conn = sqlx::PgConnection::connect(server).await?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await?;
        conn.close().await?;
        url.set_path(name);
        Ok(Database::Postgres(url.to_string()))
    }
}

impl From<PathBuf> for Database {
    fn from(path: PathBuf) -> Database {
        Database::Sqlite(path)
    }
}

impl From<&Path> for Database {
    fn from(path: &Path) -> Database {
        Database::Sqlite(path.to_path_buf())
    }
}

impl fmt::Display for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Database::Sqlite(path) => write!(f, "{}", path.display()),
            Database::Postgres(url) => match url::Url::parse(url) {
                Ok(mut u) if u.password().is_some() => {
                    let _ = u.set_password(Some("***"));
                    write!(f, "{u}")
                }
                _ => f.write_str(url),
            },
        }
    }
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Which SQL a statement needs where the two backends disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend behind a connection.
    pub fn of(conn: &Conn) -> Backend {
        if conn.backend_name() == "PostgreSQL" { Backend::Postgres } else { Backend::Sqlite }
    }
}

/// A store failure (always a fault of ours or of the disk, never of user input).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not start the work in time (the writer is taken, every reader is
    /// busy, a row lock was held too long, two transactions deadlocked): not a fault, the
    /// caller may try again shortly.
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
        let busy_code = |e: &sqlx::Error| {
            let Some(code) = e.as_database_error().and_then(|d| d.code()) else { return false };
            // PostgreSQL: serialization failure, deadlock, lock_timeout, too many connections,
            // statement_timeout.
            matches!(&*code, "40001" | "40P01" | "55P03" | "53300" | "57014")
                // SQLite: SQLITE_BUSY (5) and SQLITE_LOCKED (6), extended codes in the low byte.
                || (code.len() < 5 && code.parse::<i32>().is_ok_and(|c| matches!(c & 0xff, 5 | 6)))
        };
        if matches!(e, sqlx::Error::PoolTimedOut) || busy_code(&e) { StoreError::Busy(e) } else { StoreError::Sql(e) }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// How long a write waits for the writer before the caller is told the server is busy.
pub const DEFAULT_WRITE_WAIT: Duration = Duration::from_secs(5);

/// How long PostgreSQL lets a writer's transaction sit idle before it ends it, with its
/// connection and its locks (the pool opens another): no transaction of the server waits on anything but the database between its
/// statements, so only a frozen or vanished instance reaches it.
pub const IDLE_IN_TRANSACTION: Duration = Duration::from_secs(30);

/// The database: a pool for writes and a pool for reads.
///
/// SQLite has one writer at a time; in WAL mode readers never wait for it. So writes queue for
/// the single writer connection ([`Store::write`]) and give up with [`StoreError::Busy`] after
/// the write wait, while reads ([`Store::read`], [`Store::read_tx`]) use their own connections
/// and are never stuck behind a long write. PostgreSQL: several writer connections; a row lock
/// waited on for longer than the write wait gives up the same way (`lock_timeout`).
#[derive(Clone, Debug)]
pub struct Store {
    reader: AnyPool,
    writer: AnyPool,
    backend: Backend,
}

/// Parameter placeholders for a statement built at run time (the multi-row ones), in text
/// order: `?` on SQLite, `$1`, `$2` ... on PostgreSQL. Bind the values in the same order.
///
/// Why not `$n` on both, as in the fixed statements: SQLite looks up each named parameter's
/// name by walking the list of names, so binding a statement of n named parameters costs n²
/// (at the runner's 11,000 parameters a statement, two thirds of its time went there);
/// anonymous `?` costs nothing.
///
/// ```
/// use journey_server::store::{Backend, Placeholders};
/// let mut p = Placeholders::new(Backend::Postgres);
/// assert_eq!(format!("{} {}", p.one(), p.rows(2, "(?, 'ready', ?)")), "$1 ($2, 'ready', $3), ($4, 'ready', $5)");
/// let mut p = Placeholders::new(Backend::Sqlite);
/// assert_eq!(format!("{} {}", p.one(), p.rows(2, "(?, 'ready', ?)")), "? (?, 'ready', ?), (?, 'ready', ?)");
/// ```
#[derive(Debug, Clone)]
pub struct Placeholders {
    backend: Backend,
    used: usize,
}

impl Placeholders {
    pub fn new(backend: Backend) -> Placeholders {
        Placeholders { backend, used: 0 }
    }

    /// The next parameter's placeholder.
    pub fn one(&mut self) -> String {
        self.used += 1;
        match self.backend {
            Backend::Sqlite => "?".to_string(),
            Backend::Postgres => format!("${}", self.used),
        }
    }

    /// `row` repeated `rows` times, comma-separated, each `?` in it the next parameter.
    pub fn rows(&mut self, rows: usize, row: &str) -> String {
        let mut out = String::with_capacity(rows * (row.len() + 8));
        for i in 0..rows {
            if i > 0 {
                out.push_str(", ");
            }
            for ch in row.chars() {
                if ch == '?' {
                    out.push_str(&self.one());
                } else {
                    out.push(ch);
                }
            }
        }
        out
    }
}

/// Reads a stored spelling (journey-core's `spelling`); any other text is corrupt data.
fn parse_stored<T: FromStr<Err = UnknownSpelling>>(text: &str) -> Result<T> {
    text.parse().map_err(|e: UnknownSpelling| StoreError::Corrupt(e.to_string()))
}

fn opt_ts(ms: Option<i64>) -> Option<Timestamp> {
    ms.map(from_ms)
}

impl Store {
    /// Opens (creating a SQLite file and its folder) and migrates the database. `wipe` deletes
    /// everything in it first.
    pub async fn open(database: &Database, wipe: bool) -> Result<Store> {
        Store::open_with(database, wipe, DEFAULT_WRITE_WAIT).await
    }

    /// [`Store::open`] with how long a write may wait for the writer (or a row lock).
    pub async fn open_with(database: &Database, wipe: bool, write_wait: Duration) -> Result<Store> {
        sqlx::any::install_default_drivers();
        match database {
            Database::Sqlite(path) => Store::open_sqlite(path, wipe, write_wait).await,
            Database::Postgres(url) => Store::open_postgres(url, wipe, write_wait).await,
        }
    }

    async fn open_sqlite(path: &Path, wipe: bool, write_wait: Duration) -> Result<Store> {
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
        // The `Any` driver opens SQLite from a URL: the absolute path, percent-encoded.
        let file = url::Url::from_file_path(std::path::absolute(path)?)
            .map_err(|()| StoreError::Corrupt(format!("{} is not a usable file path", path.display())))?;
        let options = AnyConnectOptions::from_str(&format!("sqlite://{}?mode=rwc", file.path()))?;
        let busy_ms = write_wait.as_millis();
        let pragmas = move |query_only: bool| {
            format!(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = {busy_ms};
                 PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536;
                 -- Reads through memory-mapped pages: no read syscall per page on big scans.
                 PRAGMA mmap_size = 1073741824; PRAGMA query_only = {};",
                if query_only { "ON" } else { "OFF" }
            )
        };
        let writer_pragmas = pragmas(false);
        let writer = AnyPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(write_wait)
            .after_connect(move |conn, _| {
                let sql = writer_pragmas.clone();
                Box::pin(async move { conn.execute(sqlx::AssertSqlSafe(sql)).await.map(|_| ()) })
            })
            .connect_with(options.clone())
            .await?;
        SQLITE_MIGRATOR.run(&writer).await?;
        let reader_pragmas = pragmas(true);
        let reader = AnyPoolOptions::new()
            .max_connections(READERS)
            .acquire_timeout(READ_WAIT)
            .after_connect(move |conn, _| {
                let sql = reader_pragmas.clone();
                Box::pin(async move { conn.execute(sqlx::AssertSqlSafe(sql)).await.map(|_| ()) })
            })
            .connect_with(options)
            .await?;
        Ok(Store { reader, writer, backend: Backend::Sqlite })
    }

    async fn open_postgres(url: &str, wipe: bool, write_wait: Duration) -> Result<Store> {
        let options = AnyConnectOptions::from_str(url)?;
        // A row lock held longer than the write wait gives up (503 with Retry-After, as a
        // busy SQLite writer does) instead of queueing requests behind it. A transaction left
        // idle (an instance that froze, or whose machine vanished without closing its
        // connections) is ended by PostgreSQL after IDLE_IN_TRANSACTION, so its row locks do
        // not hold the other instances back until TCP gives up on it (hours).
        let lock_ms = write_wait.as_millis();
        let idle_ms = IDLE_IN_TRANSACTION.as_millis();
        let writer = AnyPoolOptions::new()
            .max_connections(PG_WRITERS)
            .acquire_timeout(write_wait)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    let set = format!("SET lock_timeout = {lock_ms}; SET idle_in_transaction_session_timeout = {idle_ms}");
                    sqlx::raw_sql(sqlx::AssertSqlSafe(set)).execute(&mut *conn).await.map(|_| ())
                })
            })
            .connect_with(options.clone())
            .await?;
        if wipe {
            // Everything in the schema, migrations' record included (as deleting SQLite's file).
            sqlx::raw_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public").execute(&writer).await?;
        }
        POSTGRES_MIGRATOR.run(&writer).await?;
        let reader = AnyPoolOptions::new().max_connections(READERS).acquire_timeout(READ_WAIT).connect_with(options).await?;
        Ok(Store { reader, writer, backend: Backend::Postgres })
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The readers' pool (for tests and benchmarks that read rows directly).
    pub fn pool(&self) -> &AnyPool {
        &self.reader
    }

    /// A write transaction. SQLite: on the one writer connection, holding the write lock from
    /// its first statement. PostgreSQL: READ COMMITTED; rows are locked as they are changed
    /// (a journey's first, [`lock_journey`]). [`StoreError::Busy`] when the writer (or a row
    /// lock) stays taken for the write wait.
    pub async fn write(&self) -> Result<Tx> {
        Ok(match self.backend {
            Backend::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.writer.begin().await?,
        })
    }

    /// A read connection (never waits for a write).
    pub async fn read(&self) -> Result<sqlx::pool::PoolConnection<Any>> {
        Ok(self.reader.acquire().await?)
    }

    /// A read transaction (a consistent view across several queries: PostgreSQL takes one
    /// snapshot for the whole transaction, as SQLite does).
    pub async fn read_tx(&self) -> Result<Tx> {
        Ok(match self.backend {
            Backend::Sqlite => self.reader.begin().await?,
            Backend::Postgres => self.reader.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?,
        })
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
