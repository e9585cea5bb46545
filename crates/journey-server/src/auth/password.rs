//! Passwords: Argon2id through RustCrypto's `argon2` crate, with its default parameters (19 MiB,
//! 2 passes, 1 lane: OWASP's recommendation) and a random salt per hash, stored as the PHC
//! string (`$argon2id$v=19$m=19456,t=2,p=1$...`), so stronger parameters later still verify
//! old hashes.
//!
//! ```
//! use journey_server::auth::password;
//!
//! let hash = password::hash("correct horse battery").unwrap();
//! assert!(hash.starts_with("$argon2id$"));
//! assert!(password::verify("correct horse battery", Some(&hash)));
//! assert!(!password::verify("wrong", Some(&hash)));
//! assert!(!password::verify("anything", None)); // no account: same work, same answer
//! ```

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand_core::OsRng;

/// The shortest password accepted.
pub const MIN_LENGTH: usize = 10;
/// The longest password accepted (hashing cost does not grow with it, but a limit keeps
/// requests small).
pub const MAX_LENGTH: usize = 200;

/// Why a password cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("A password must have at least {MIN_LENGTH} characters.")]
    TooShort,
    #[error("A password may have at most {MAX_LENGTH} characters.")]
    TooLong,
    #[error("The password could not be hashed: {0}")]
    Hashing(String),
}

/// Checks the length rule (in characters).
pub fn check(password: &str) -> Result<(), PasswordError> {
    match password.chars().count() {
        n if n < MIN_LENGTH => Err(PasswordError::TooShort),
        n if n > MAX_LENGTH => Err(PasswordError::TooLong),
        _ => Ok(()),
    }
}

/// The Argon2id PHC string of `password`, with a fresh salt. Takes tens of milliseconds by
/// design: call it off the async threads (`spawn_blocking`).
pub fn hash(password: &str) -> Result<String, PasswordError> {
    check(password)?;
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hashing(e.to_string()))
}

/// Whether `password` matches `stored`. With no stored hash (an unknown email) the same
/// Argon2id work is done against a hash of a random password, so the answer and its time do
/// not tell whether the account exists.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    let stored = stored.unwrap_or(&DECOY);
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok() && stored != DECOY.as_str(),
        Err(_) => false,
    }
}

/// A hash of 32 random characters nobody knows, made once per process.
static DECOY: LazyLock<String> = LazyLock::new(|| {
    let secret = super::random_hex(16);
    hash(&secret).expect("hashing a random password")
});
