-- Emails are looked up as LOWER(email) = LOWER(?), the one spelling PostgreSQL shares; these
-- indexes keep those lookups off a table scan. (The NOCASE unique indexes stay the uniqueness
-- rule; for ASCII, NOCASE and LOWER agree.)
CREATE INDEX contacts_email_lower ON contacts (LOWER(email));
CREATE INDEX users_email_lower ON users (LOWER(email));
