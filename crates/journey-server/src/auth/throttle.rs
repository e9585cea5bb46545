//! Sign-in attempts are limited per account and per client address (governor's GCRA, keyed),
//! so a password cannot be guessed quickly from one place, nor one account from many. Every
//! attempt counts, right or wrong, and is counted before the password is checked: a limited
//! attempt does no hashing and tells nothing.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Attempts allowed per minute (also the burst: that many at once, then one every
/// `60 / n` seconds).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub per_account: u32,
    pub per_address: u32,
}

impl Default for Limits {
    /// 5 per account and 30 per address a minute: a person who mistypes a few times is never
    /// held up; a guesser gets 7,200 tries a day per account at most.
    fn default() -> Limits {
        Limits { per_account: 5, per_address: 30 }
    }
}

/// The two limiters.
#[derive(Debug)]
pub struct Throttle {
    accounts: DefaultKeyedRateLimiter<String>,
    addresses: DefaultKeyedRateLimiter<IpAddr>,
    checks: AtomicU64,
}

impl Throttle {
    pub fn new(limits: Limits) -> Throttle {
        let quota = |n: u32| Quota::per_minute(NonZeroU32::new(n.max(1)).expect("at least one"));
        Throttle {
            accounts: RateLimiter::keyed(quota(limits.per_account)),
            addresses: RateLimiter::keyed(quota(limits.per_address)),
            checks: AtomicU64::new(0),
        }
    }

    /// Counts an attempt for `email` (any case) from `address`; `Err(seconds)` when either
    /// limit is reached, with how long until the next attempt is allowed.
    pub fn attempt(&self, email: &str, address: IpAddr) -> Result<(), u32> {
        // Forget keys that have fully recovered now and then, so the maps stay small.
        if self.checks.fetch_add(1, Ordering::Relaxed) % 1024 == 1023 {
            self.accounts.retain_recent();
            self.addresses.retain_recent();
        }
        let clock = DefaultClock::default();
        let wait = |not_until: governor::NotUntil<_>| {
            let secs = not_until.wait_time_from(clock.now()).as_secs_f64().ceil() as u32;
            secs.max(1)
        };
        self.addresses.check_key(&address).map_err(wait)?;
        self.accounts.check_key(&email.trim().to_lowercase()).map_err(wait)?;
        Ok(())
    }
}
