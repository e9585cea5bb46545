//! The SQLite connections are opened as the store says (WAL, `synchronous = NORMAL`, a 64 MiB
//! page cache, memory-mapped reads, readers that cannot write): the runner's throughput and
//! the benchmark's figures depend on it.

mod common;

use journey_server::store::{Backend, Store};

#[tokio::test]
async fn sqlite_connections_have_the_store_settings() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::fresh_database(dir.path()).await;
    let store = Store::open(&db, false).await.unwrap();
    if store.backend() != Backend::Sqlite {
        println!("SQLite only (the PostgreSQL settings are the next test's)");
        return;
    }
    let mut tx = store.write().await.unwrap();
    let journal: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&mut *tx).await.unwrap();
    let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(&mut *tx).await.unwrap();
    let cache: i64 = sqlx::query_scalar("PRAGMA cache_size").fetch_one(&mut *tx).await.unwrap();
    let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(&mut *tx).await.unwrap();
    let query_only: i64 = sqlx::query_scalar("PRAGMA query_only").fetch_one(&mut *tx).await.unwrap();
    tx.rollback().await.unwrap();
    assert_eq!((journal.as_str(), synchronous, cache, foreign_keys, query_only), ("wal", 1, -65536, 1, 0), "the writer");
    let mut read = store.read().await.unwrap();
    let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(&mut *read).await.unwrap();
    let mmap: i64 = sqlx::query_scalar("PRAGMA mmap_size").fetch_one(&mut *read).await.unwrap();
    let query_only: i64 = sqlx::query_scalar("PRAGMA query_only").fetch_one(&mut *read).await.unwrap();
    assert_eq!((synchronous, mmap, query_only), (1, 1_073_741_824, 1), "a reader");
}

/// PostgreSQL writers give up on a row lock after the write wait, and a transaction left idle
/// (an instance that froze or vanished) is ended with its connection after 30 s.
#[tokio::test]
async fn postgres_writers_wait_for_a_lock_no_longer_than_the_write_wait_and_never_idle_in_a_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::fresh_database(dir.path()).await;
    let store = Store::open(&db, false).await.unwrap();
    if store.backend() != Backend::Postgres {
        println!("PostgreSQL only (JOURNEY_TEST_POSTGRES)");
        return;
    }
    let mut tx = store.write().await.unwrap();
    let lock: String = sqlx::query_scalar("SHOW lock_timeout").fetch_one(&mut *tx).await.unwrap();
    let idle: String = sqlx::query_scalar("SHOW idle_in_transaction_session_timeout").fetch_one(&mut *tx).await.unwrap();
    tx.rollback().await.unwrap();
    assert_eq!((lock.as_str(), idle.as_str()), ("5s", "30s"));
    store.close().await;
}
