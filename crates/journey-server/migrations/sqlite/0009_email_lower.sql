-- People are looked up as LOWER(email) = LOWER(?), the one spelling PostgreSQL shares; this
-- index keeps sign-in off a table scan. (The NOCASE unique index stays the uniqueness rule; for
-- ASCII, NOCASE and LOWER agree.)
CREATE INDEX users_email_lower ON users (LOWER(email));
