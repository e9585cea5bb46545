-- People who sign in, their sessions, and the API tokens that act for them. Secrets are never
-- stored: passwords as Argon2id PHC strings, session and API tokens as SHA-256 digests (they
-- are 256 random bits, so a fast digest is enough; only a lookup by digest is ever made).
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    role          TEXT    NOT NULL,                -- viewer | operator | admin
    password_hash TEXT    NOT NULL,                -- Argon2id, PHC string
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_email_nocase ON users (email COLLATE NOCASE);

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    token_hash   TEXT    NOT NULL UNIQUE,          -- hex SHA-256 of the cookie's token
    user_id      INTEGER NOT NULL REFERENCES users (id),
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,                 -- for the idle expiry
    expires_at   INTEGER NOT NULL,                 -- the absolute expiry
    revoked_at   INTEGER
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    token_hash   TEXT    NOT NULL UNIQUE,          -- hex SHA-256 of the bearer token
    user_id      INTEGER NOT NULL REFERENCES users (id),
    name         TEXT    NOT NULL,                 -- what it is for ("CRM sync")
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
