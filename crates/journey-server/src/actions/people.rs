//! People and their credentials: sign-in and sign-out, the accounts an admin manages, and the
//! API tokens other systems use. The API's handlers and the `journey-server users|tokens`
//! commands call the same functions.
//!
//! Rules stated here:
//! - Sign-in answers the same sentence, after the same Argon2id work, for an unknown email, a
//!   disabled account and a wrong password; attempts are limited per account and per address
//!   first (`auth::throttle`).
//! - Emails are unique without regard to case; names need not be unique (the activity log
//!   writes both).
//! - Nobody can disable themselves or lower their own role, and the last active admin can be
//!   neither disabled nor demoted: a server always has someone who can manage it.
//! - Disabling ends the person's sessions and revokes their tokens; a new password ends their
//!   sessions.

use std::net::IpAddr;

use jiff::Timestamp;
use journey_core::access::Role;
use journey_core::api::UserView;
use journey_core::journey::check_plain_text;

use super::{ActionError, Result};
use crate::auth::{self, Settings, password};
use crate::store::{self, Store, TokenRecord};

/// A new session: the token for the cookie (shown to nobody else), who, and until when.
#[derive(Debug)]
pub struct SignedIn {
    pub token: String,
    pub user: UserView,
    pub expires: Timestamp,
}

/// Checks the email and password and starts a session with a new random token. `replaced`
/// is the token of a session the browser still had, which ends now (one person, one
/// session per browser; the old token cannot be planted and reused).
pub async fn sign_in(
    store: &Store,
    settings: &Settings,
    email: &str,
    password: &str,
    address: IpAddr,
    replaced: Option<&str>,
    now: Timestamp,
) -> Result<SignedIn> {
    settings.throttle.attempt(email, address).map_err(|seconds| ActionError::RateLimited { seconds })?;
    let user = {
        let mut conn = store.read().await?;
        store::user_by_email(&mut conn, email.trim()).await?
    };
    let stored = user.as_ref().filter(|u| !u.disabled).map(|u| u.password_hash.clone());
    let password = password.to_string();
    let matches = tokio::task::spawn_blocking(move || password::verify(&password, stored.as_deref()))
        .await
        .map_err(|e| ActionError::Invalid(format!("The password could not be checked: {e}")))?;
    let Some(user) = user.filter(|u| matches && !u.disabled) else {
        return Err(ActionError::InvalidCredentials);
    };
    let token = auth::new_session_token();
    let expires = now + settings.absolute;
    let mut tx = store.write().await?;
    if let Some(old) = replaced {
        store::revoke_session(&mut tx, &auth::digest(old), now).await?;
    }
    store::insert_session(&mut tx, &auth::digest(&token), user.id, now, expires).await?;
    tx.commit().await?;
    tracing::info!(user = user.id, "signed in");
    Ok(SignedIn { token, user: user.view()?, expires })
}

/// Ends the session with this token (nothing happens for an unknown or ended one).
pub async fn sign_out(store: &Store, token: &str, now: Timestamp) -> Result<()> {
    let mut tx = store.write().await?;
    store::revoke_session(&mut tx, &auth::digest(token), now).await?;
    tx.commit().await?;
    Ok(())
}

/// A person's account as given to [`add_user`].
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub password: &'a str,
}

/// Creates an account. The password is hashed off the async threads.
pub async fn add_user(store: &Store, new: NewUser<'_>, now: Timestamp) -> Result<UserView> {
    let email = new.email.trim();
    let name = new.name.trim();
    check_email(email)?;
    check_name(name)?;
    let hash = hash(new.password).await?;
    let mut tx = store.write().await?;
    let Some(id) = store::insert_user(&mut tx, email, name, new.role, &hash, now).await? else {
        return Err(ActionError::Duplicate(format!("Someone already signs in with the email {email}.")));
    };
    let user = store::user_by_id(&mut tx, id).await?.ok_or(ActionError::NotFound { what: "person", id: id as u64 })?;
    tx.commit().await?;
    tracing::info!(user = id, role = new.role.as_str(), "account created");
    Ok(user.view()?)
}

/// Every account, oldest first.
pub async fn list_users(store: &Store) -> Result<Vec<UserView>> {
    let mut conn = store.read().await?;
    let users = store::list_users(&mut conn).await?;
    Ok(users.iter().map(|u| u.view()).collect::<Result<_, _>>()?)
}

/// A change an admin makes to an account (any of the three).
#[derive(Debug, Clone, Default)]
pub struct UserChange<'a> {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    pub password: Option<&'a str>,
}

/// Changes an account. `by` is the person making the change (`None` from the command line,
/// run by whoever can reach the database file).
pub async fn change_user(store: &Store, id: u64, change: UserChange<'_>, by: Option<i64>, now: Timestamp) -> Result<UserView> {
    let missing = ActionError::NotFound { what: "person", id };
    let key = i64::try_from(id).map_err(|_| ActionError::NotFound { what: "person", id })?;
    let hash = match change.password {
        Some(p) => Some(hash(p).await?),
        None => None,
    };
    let mut tx = store.write().await?;
    let user = store::user_by_id(&mut tx, key).await?.ok_or(missing)?;
    let current_role = user.role()?;
    let demotes = change.role.is_some_and(|r| r < current_role);
    let disables = change.disabled == Some(true) && !user.disabled;
    if by == Some(key) && (demotes || disables) {
        return Err(ActionError::Invalid("You cannot disable your own account or lower your own role.".into()));
    }
    if user.role()? == Role::Admin && !user.disabled && (demotes || disables) {
        let admins =
            store::list_users(&mut tx).await?.iter().filter(|u| !u.disabled && u.role().ok() == Some(Role::Admin)).count();
        if admins <= 1 {
            return Err(ActionError::Invalid("This is the last active admin; make someone else an admin first.".into()));
        }
    }
    if let Some(role) = change.role {
        store::set_role(&mut tx, key, role).await?;
    }
    if let Some(disabled) = change.disabled {
        store::set_disabled(&mut tx, key, disabled, now).await?;
    }
    if let Some(hash) = &hash {
        store::set_password(&mut tx, key, hash, now).await?;
    }
    // Their waiting activations go with their right to activate: one scheduled by someone who
    // may no longer activate does not run under their name.
    let may_activate = !change.disabled.unwrap_or(user.disabled) && change.role.unwrap_or(current_role).may(Role::Operator);
    if !may_activate {
        for waiting in store::waiting_asked_by(&mut tx, key).await? {
            let Some(rec) = store::lock_journey(&mut tx, waiting.journey_id, store::Held::Wait).await? else { continue };
            let why = if change.disabled == Some(true) { "was disabled" } else { "may no longer activate journeys" };
            let note = format!("Cancelled {}: the account of {} {why}.", waiting.describe(&rec.zone()?), user.name);
            store::end_pending(&mut tx, &rec, waiting.id, store::Finished::Cancelled, "cancel_pending", &note, now, "system")
                .await?;
        }
    }
    let user = store::user_by_id(&mut tx, key).await?.ok_or(ActionError::NotFound { what: "person", id })?;
    tx.commit().await?;
    tracing::info!(user = key, by, "account changed");
    Ok(user.view()?)
}

/// Looks an account up by email (the command line names people by email).
pub async fn user_id_by_email(store: &Store, email: &str) -> Result<u64> {
    let mut conn = store.read().await?;
    match store::user_by_email(&mut conn, email.trim()).await? {
        Some(u) => Ok(u.id as u64),
        None => Err(ActionError::Invalid(format!("Nobody signs in with the email {}.", email.trim()))),
    }
}

/// A new API token: its id, and the token itself, which is shown this once.
#[derive(Debug)]
pub struct NewToken {
    pub id: i64,
    pub token: String,
}

/// Creates an API token for a person; it acts with their role.
pub async fn create_token(store: &Store, user: u64, name: &str, now: Timestamp) -> Result<NewToken> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ActionError::Invalid("Give the token a name that says what uses it.".into()));
    }
    check_plain_text("token name", name).map_err(|e| ActionError::Invalid(e.to_string()))?;
    let key = i64::try_from(user).map_err(|_| ActionError::NotFound { what: "person", id: user })?;
    let token = auth::new_api_token();
    let mut tx = store.write().await?;
    match store::user_by_id(&mut tx, key).await? {
        Some(u) if !u.disabled => {}
        Some(_) => return Err(ActionError::Invalid("That account is disabled; enable it before giving it a token.".into())),
        None => return Err(ActionError::NotFound { what: "person", id: user }),
    }
    let id = store::insert_token(&mut tx, &auth::digest(&token), key, name, now).await?;
    tx.commit().await?;
    tracing::info!(token = id, user = key, "API token created");
    Ok(NewToken { id, token })
}

/// Every API token (never the tokens themselves), oldest first.
pub async fn list_tokens(store: &Store) -> Result<Vec<TokenRecord>> {
    let mut conn = store.read().await?;
    Ok(store::list_tokens(&mut conn).await?)
}

/// Revokes a token at once.
pub async fn revoke_token(store: &Store, id: u64, now: Timestamp) -> Result<()> {
    let key = i64::try_from(id).map_err(|_| ActionError::NotFound { what: "API token", id })?;
    let mut tx = store.write().await?;
    if !store::revoke_token(&mut tx, key, now).await? {
        return Err(ActionError::NotFound { what: "live API token", id });
    }
    tx.commit().await?;
    tracing::info!(token = key, "API token revoked");
    Ok(())
}

async fn hash(password: &str) -> Result<String> {
    password::check(password).map_err(|e| ActionError::Invalid(e.to_string()))?;
    let password = password.to_string();
    tokio::task::spawn_blocking(move || password::hash(&password))
        .await
        .map_err(|e| ActionError::Invalid(format!("The password could not be hashed: {e}")))?
        .map_err(|e| ActionError::Invalid(e.to_string()))
}

fn check_email(email: &str) -> Result<()> {
    check_plain_text("email", email).map_err(|e| ActionError::Invalid(e.to_string()))?;
    let valid = email.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
        && !email.contains(char::is_whitespace);
    if !valid {
        return Err(ActionError::Invalid(format!("{email} is not an email address.")));
    }
    Ok(())
}

fn check_name(name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(ActionError::Invalid("A person needs a name (the activity log shows it).".into()));
    }
    check_plain_text("name", name).map_err(|e| ActionError::Invalid(e.to_string()))
}
