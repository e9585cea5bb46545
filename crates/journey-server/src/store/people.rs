//! People, their sessions and their API tokens (migration 0005). Only digests of tokens are
//! stored and looked up; a password is stored as its Argon2id hash.

use jiff::Timestamp;
use journey_core::access::Role;
use journey_core::api::UserView;
use sqlx::AnyConnection;

use super::{Result, parse_stored};
use crate::clock::{from_ms, to_ms};

/// A person as stored.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: String,
    pub password_hash: String,
    pub disabled: bool,
}

// By hand for `disabled`: both backends store flags as integers (0 or 1).
impl sqlx::FromRow<'_, sqlx::any::AnyRow> for UserRecord {
    fn from_row(row: &sqlx::any::AnyRow) -> sqlx::Result<UserRecord> {
        use sqlx::Row;
        Ok(UserRecord {
            id: row.try_get("id")?,
            email: row.try_get("email")?,
            name: row.try_get("name")?,
            role: row.try_get("role")?,
            password_hash: row.try_get("password_hash")?,
            disabled: row.try_get::<i64, _>("disabled")? != 0,
        })
    }
}

impl UserRecord {
    pub fn role(&self) -> Result<Role> {
        parse_stored(&self.role)
    }

    /// As the API shows them: never the hash.
    pub fn view(&self) -> Result<UserView> {
        Ok(UserView {
            id: self.id as u64,
            email: self.email.clone(),
            name: self.name.clone(),
            role: self.role()?,
            disabled: self.disabled,
        })
    }
}

/// The columns of [`UserRecord`] (a macro: sqlx takes only literal SQL).
macro_rules! user_columns {
    () => {
        "users.id, users.email, users.name, users.role, users.password_hash, users.disabled"
    };
}

pub async fn count_users(conn: &mut AnyConnection) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(conn).await?)
}

/// Inserts a person; `None` when the email is taken (emails compare without regard to case).
pub async fn insert_user(
    conn: &mut AnyConnection,
    email: &str,
    name: &str,
    role: Role,
    password_hash: &str,
    now: Timestamp,
) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "INSERT INTO users (email, name, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(email)
    .bind(name)
    .bind(role.as_str())
    .bind(password_hash)
    .bind(to_ms(now))
    .fetch_optional(conn)
    .await?)
}

pub async fn user_by_email(conn: &mut AnyConnection, email: &str) -> Result<Option<UserRecord>> {
    // No stored email holds a NUL, and PostgreSQL refuses one in text: nobody, not an error.
    if email.contains('\0') {
        return Ok(None);
    }
    Ok(sqlx::query_as(concat!("SELECT ", user_columns!(), " FROM users WHERE LOWER(email) = LOWER($1)"))
        .bind(email)
        .fetch_optional(conn)
        .await?)
}

pub async fn user_by_id(conn: &mut AnyConnection, id: i64) -> Result<Option<UserRecord>> {
    Ok(sqlx::query_as(concat!("SELECT ", user_columns!(), " FROM users WHERE id = $1")).bind(id).fetch_optional(conn).await?)
}

pub async fn list_users(conn: &mut AnyConnection) -> Result<Vec<UserRecord>> {
    Ok(sqlx::query_as(concat!("SELECT ", user_columns!(), " FROM users ORDER BY id")).fetch_all(conn).await?)
}

/// Sets a person's role; false when there is no such person.
pub async fn set_role(conn: &mut AnyConnection, id: i64, role: Role) -> Result<bool> {
    let done = sqlx::query("UPDATE users SET role = $1 WHERE id = $2").bind(role.as_str()).bind(id).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

/// Disables (or enables) a person. Disabling ends their sessions and revokes their tokens.
pub async fn set_disabled(conn: &mut AnyConnection, id: i64, disabled: bool, now: Timestamp) -> Result<bool> {
    let done = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
        .bind(i64::from(disabled))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    if disabled {
        end_sessions_of(conn, id, now).await?;
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
            .bind(to_ms(now))
            .bind(id)
            .execute(conn)
            .await?;
    }
    Ok(done.rows_affected() == 1)
}

/// Sets a new password hash and ends the person's sessions (a reset signs them out everywhere).
pub async fn set_password(conn: &mut AnyConnection, id: i64, password_hash: &str, now: Timestamp) -> Result<bool> {
    let done =
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2").bind(password_hash).bind(id).execute(&mut *conn).await?;
    end_sessions_of(conn, id, now).await?;
    Ok(done.rows_affected() == 1)
}

async fn end_sessions_of(conn: &mut AnyConnection, user: i64, now: Timestamp) -> Result<()> {
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
        .bind(to_ms(now))
        .bind(user)
        .execute(conn)
        .await?;
    Ok(())
}

/// A session's times.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRecord {
    pub session_id: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
}

impl SessionRecord {
    pub fn last_seen(&self) -> Timestamp {
        from_ms(self.last_seen_at)
    }
    pub fn expires(&self) -> Timestamp {
        from_ms(self.expires_at)
    }
}

pub async fn insert_session(
    conn: &mut AnyConnection,
    token_hash: &str,
    user: i64,
    now: Timestamp,
    expires: Timestamp,
) -> Result<()> {
    sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(token_hash)
        .bind(user)
        .bind(to_ms(now))
        .bind(to_ms(now))
        .bind(to_ms(expires))
        .execute(conn)
        .await?;
    Ok(())
}

/// The live session with this token digest and its person (not revoked, person not
/// disabled). Expiry is the caller's rule ([`crate::auth`]).
pub async fn session_by_token(conn: &mut AnyConnection, token_hash: &str) -> Result<Option<(SessionRecord, UserRecord)>> {
    let row: Option<SessionWithUser> = sqlx::query_as(concat!(
        "SELECT sessions.id AS session_id, sessions.created_at, sessions.last_seen_at, sessions.expires_at, ",
        user_columns!(),
        " FROM sessions JOIN users ON users.id = sessions.user_id
         WHERE sessions.token_hash = $1 AND sessions.revoked_at IS NULL AND users.disabled = 0"
    ))
    .bind(token_hash)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| (r.session, r.user)))
}

#[derive(sqlx::FromRow)]
struct SessionWithUser {
    #[sqlx(flatten)]
    session: SessionRecord,
    #[sqlx(flatten)]
    user: UserRecord,
}

pub async fn touch_session(conn: &mut AnyConnection, session: i64, now: Timestamp) -> Result<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2").bind(to_ms(now)).bind(session).execute(conn).await?;
    Ok(())
}

/// Ends the session with this token digest (sign-out); false when there was none live.
pub async fn revoke_session(conn: &mut AnyConnection, token_hash: &str, now: Timestamp) -> Result<bool> {
    let done = sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL")
        .bind(to_ms(now))
        .bind(token_hash)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// An API token as listed (never the token itself).
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct TokenRecord {
    pub id: i64,
    pub user_id: i64,
    pub user_email: String,
    pub name: String,
    #[serde(serialize_with = "ms_as_timestamp")]
    pub created_at: i64,
    #[serde(serialize_with = "opt_ms_as_timestamp")]
    pub last_used_at: Option<i64>,
    #[serde(serialize_with = "opt_ms_as_timestamp")]
    pub revoked_at: Option<i64>,
}

fn ms_as_timestamp<S: serde::Serializer>(ms: &i64, s: S) -> std::result::Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&from_ms(*ms), s)
}

fn opt_ms_as_timestamp<S: serde::Serializer>(ms: &Option<i64>, s: S) -> std::result::Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&ms.map(from_ms), s)
}

pub async fn insert_token(conn: &mut AnyConnection, token_hash: &str, user: i64, name: &str, now: Timestamp) -> Result<i64> {
    Ok(sqlx::query_scalar("INSERT INTO api_tokens (token_hash, user_id, name, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(token_hash)
        .bind(user)
        .bind(name)
        .bind(to_ms(now))
        .fetch_one(conn)
        .await?)
}

/// The live token with this digest: its id, name, when last used, and its owner (not
/// revoked, owner not disabled).
pub async fn token_by_hash(conn: &mut AnyConnection, token_hash: &str) -> Result<Option<(i64, String, Option<i64>, UserRecord)>> {
    let row: Option<TokenWithUser> = sqlx::query_as(concat!(
        "SELECT api_tokens.id AS token_id, api_tokens.name AS token_name, api_tokens.last_used_at, ",
        user_columns!(),
        " FROM api_tokens JOIN users ON users.id = api_tokens.user_id
         WHERE api_tokens.token_hash = $1 AND api_tokens.revoked_at IS NULL AND users.disabled = 0"
    ))
    .bind(token_hash)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| (r.token_id, r.token_name, r.last_used_at, r.user)))
}

#[derive(sqlx::FromRow)]
struct TokenWithUser {
    token_id: i64,
    token_name: String,
    last_used_at: Option<i64>,
    #[sqlx(flatten)]
    user: UserRecord,
}

pub async fn touch_token(conn: &mut AnyConnection, token: i64, now: Timestamp) -> Result<()> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2").bind(to_ms(now)).bind(token).execute(conn).await?;
    Ok(())
}

pub async fn list_tokens(conn: &mut AnyConnection) -> Result<Vec<TokenRecord>> {
    Ok(sqlx::query_as(
        "SELECT api_tokens.id, api_tokens.user_id, users.email AS user_email, api_tokens.name, api_tokens.created_at,
                api_tokens.last_used_at, api_tokens.revoked_at
         FROM api_tokens JOIN users ON users.id = api_tokens.user_id ORDER BY api_tokens.id",
    )
    .fetch_all(conn)
    .await?)
}

/// Revokes a token; false when there is no such live token.
pub async fn revoke_token(conn: &mut AnyConnection, id: i64, now: Timestamp) -> Result<bool> {
    let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(to_ms(now))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}
