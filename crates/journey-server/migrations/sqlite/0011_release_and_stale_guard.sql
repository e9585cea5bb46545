-- A Resume that releases its backlog at a pace (journey-core `release`) holds each overdue
-- membership until its release instant, which becomes its wait's deadline (`wait_until`).
-- `late_since` keeps the deadline that ended while the journey was frozen, until the
-- membership moves on.
ALTER TABLE memberships ADD COLUMN late_since INTEGER;

-- Messages the stale-message guard did not send (journey-core `release::stale_skip`): kept
-- apart from the message log, which holds what was sent or is to be sent (and whose rows say
-- who "received" a message: the audience counts and the edit's "already sent" read it).
-- Unique on the message key like the log, so a step taken again records nothing twice.
CREATE TABLE skipped_messages (
    id              INTEGER PRIMARY KEY,
    journey_id      INTEGER NOT NULL,
    generation      INTEGER NOT NULL,
    iteration       INTEGER NOT NULL,
    contact_id      INTEGER NOT NULL,
    node_id         TEXT NOT NULL,
    message_key     TEXT NOT NULL UNIQUE,
    channel         TEXT NOT NULL,
    template        TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    late_minutes    INTEGER NOT NULL,
    reason          TEXT NOT NULL
);
CREATE INDEX skipped_messages_journey ON skipped_messages (journey_id, id);
