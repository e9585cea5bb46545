-- Journey console store. Portable SQL (SQLite now, PostgreSQL later): integer ids, instants as
-- INTEGER milliseconds since the Unix epoch (UTC), JSON documents as TEXT, booleans as INTEGER.

CREATE TABLE journeys (
    id                  INTEGER PRIMARY KEY,
    name                TEXT    NOT NULL,
    state               TEXT    NOT NULL,          -- journey_core::state::JourneyState, snake_case
    definition          TEXT    NOT NULL,          -- JSON: journey_core JourneyDefinition
    trigger_kind        TEXT    NOT NULL,          -- dataset | segment | event (for lists)
    audience            TEXT    NOT NULL,          -- new_users | all_users (for lists)
    time_zone           TEXT    NOT NULL,
    version             INTEGER NOT NULL DEFAULT 1, -- bumped by every change (optimistic locking)
    generation          INTEGER NOT NULL DEFAULT 0, -- 0 until first activated
    runs_in_generation  INTEGER NOT NULL DEFAULT 0, -- audience runs done in the current generation
    event_cursor        INTEGER NOT NULL DEFAULT 0, -- event triggers: last events.id considered
    next_run_at         INTEGER,                   -- the next audience run the runner will make
    last_run_at         INTEGER,
    frozen_at           INTEGER,                   -- when it was paused (or stopped, if never paused)
    paused_at           INTEGER,
    stopped_at          INTEGER,
    activated_at        INTEGER,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);
CREATE INDEX journeys_state ON journeys (state);
CREATE INDEX journeys_due ON journeys (state, next_run_at);

CREATE TABLE contacts (
    id          INTEGER PRIMARY KEY,
    email       TEXT,
    phone       TEXT,
    attributes  TEXT    NOT NULL DEFAULT '{}',     -- JSON object of text values
    subscribed  INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX contacts_email ON contacts (email);

CREATE TABLE datasets (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE dataset_members (
    dataset_id  INTEGER NOT NULL REFERENCES datasets (id),
    contact_id  INTEGER NOT NULL REFERENCES contacts (id),
    PRIMARY KEY (dataset_id, contact_id)
);

CREATE TABLE segments (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    rule        TEXT    NOT NULL,                  -- JSON: journey_core SegmentRule
    created_at  INTEGER NOT NULL
);

-- A contact's passage through a journey. At most one live (ready/waiting) row per journey and
-- contact; finished rows stay as the generation's entry history.
CREATE TABLE memberships (
    id          INTEGER PRIMARY KEY,
    journey_id  INTEGER NOT NULL REFERENCES journeys (id),
    contact_id  INTEGER NOT NULL REFERENCES contacts (id),
    generation  INTEGER NOT NULL,
    iteration   INTEGER NOT NULL,
    node        TEXT    NOT NULL,
    status      TEXT    NOT NULL,                  -- ready | waiting | completed | exited
    wait_until  INTEGER,                           -- waiting: the deadline
    exit_reason TEXT,                              -- exited: journey_core ExitReason
    entered_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX memberships_live ON memberships (journey_id, contact_id) WHERE status IN ('ready', 'waiting');
CREATE INDEX memberships_by_status ON memberships (journey_id, status, node, wait_until);
CREATE INDEX memberships_by_generation ON memberships (journey_id, generation, contact_id);
CREATE INDEX memberships_by_contact ON memberships (contact_id);

-- One row per message handed to a channel; the key is what "no duplicates" means.
CREATE TABLE message_log (
    id           INTEGER PRIMARY KEY,
    journey_id   INTEGER NOT NULL,
    generation   INTEGER NOT NULL,
    iteration    INTEGER NOT NULL,
    contact_id   INTEGER NOT NULL,
    node_id      TEXT    NOT NULL,
    message_key  TEXT    NOT NULL,
    channel      TEXT    NOT NULL,
    template     TEXT    NOT NULL,
    recipient    TEXT,
    created_at   INTEGER NOT NULL,                 -- when it was logged (the send instant)
    delivered_at INTEGER,                          -- when the sink accepted it (outbox)
    attempts     INTEGER NOT NULL DEFAULT 0,
    UNIQUE (journey_id, generation, iteration, contact_id, node_id),
    UNIQUE (message_key)
);
CREATE INDEX message_log_contact ON message_log (journey_id, contact_id);
CREATE INDEX message_log_undelivered ON message_log (delivered_at, id);

CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    contact_id  INTEGER NOT NULL REFERENCES contacts (id),
    name        TEXT    NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX events_contact ON events (contact_id, name, at);
CREATE INDEX events_name ON events (name, id);

CREATE TABLE activity_log (
    id          INTEGER PRIMARY KEY,
    journey_id  INTEGER NOT NULL REFERENCES journeys (id),
    at          INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    from_state  TEXT,
    to_state    TEXT,
    mode        TEXT,
    wait_handling TEXT,
    details     TEXT                               -- JSON: counts and notes
);
CREATE INDEX activity_log_journey ON activity_log (journey_id, id);

CREATE TABLE idempotency_keys (
    idem_key     TEXT    NOT NULL PRIMARY KEY,
    journey_id   INTEGER NOT NULL,
    fingerprint  TEXT    NOT NULL,                 -- the request it answered
    status       INTEGER NOT NULL,
    response     TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);
