//! Where "now" comes from. The server reads time only through a [`Clock`], so tests can pause
//! on Jan 1, reactivate, and run to Jan 3 in milliseconds.

use std::fmt;
use std::sync::{Arc, Mutex};

use jiff::{SignedDuration, Timestamp};

/// A source of the current instant.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

/// The machine's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that stands still until a test sets or advances it. Clones share the same time.
#[derive(Debug, Clone)]
pub struct TestClock(Arc<Mutex<Timestamp>>);

impl TestClock {
    /// A clock showing `at`.
    pub fn new(at: Timestamp) -> TestClock {
        TestClock(Arc::new(Mutex::new(at)))
    }

    /// Sets the time.
    pub fn set(&self, at: Timestamp) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }

    /// Moves the time on (or back, with a negative duration); returns the new time.
    pub fn advance(&self, by: SignedDuration) -> Timestamp {
        let mut guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *guard = guard.checked_add(by).unwrap_or(*guard);
        *guard
    }
}

impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Milliseconds since the Unix epoch: how the store keeps instants.
pub fn to_ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

/// The instant of a stored millisecond count (clamped to jiff's range).
pub fn from_ms(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(if ms < 0 { Timestamp::MIN } else { Timestamp::MAX })
}
