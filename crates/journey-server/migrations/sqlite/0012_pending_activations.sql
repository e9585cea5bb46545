-- Activations that wait (journey-core `pending`): for their instant ("Resume on Monday at
-- 09:00"), or for a second operator's approval. At most one waits per journey (the partial
-- unique index); finished ones stay as the record of what happened to them.
--
-- status: scheduled | awaiting_approval | held (waiting), done | cancelled | rejected (finished)
CREATE TABLE pending_activations (
    id                  INTEGER PRIMARY KEY,
    journey_id          INTEGER NOT NULL,
    status              TEXT NOT NULL,
    mode                TEXT NOT NULL,
    wait_handling       TEXT NOT NULL,
    release             TEXT NOT NULL,       -- journey-core ReleasePolicy, JSON
    run_at              INTEGER,             -- none: as soon as it is approved
    drift_percent       INTEGER,
    requested_by        TEXT NOT NULL,       -- the activity log's name for the person
    requested_by_id     INTEGER NOT NULL,
    requested_at        INTEGER NOT NULL,
    figures             TEXT NOT NULL,       -- journey-core PlanFigures, JSON
    approval            TEXT,                -- journey-core ApprovalNeed, JSON
    approved_by         TEXT,
    note                TEXT,
    finished_at         INTEGER
);
CREATE UNIQUE INDEX pending_activations_one_per_journey ON pending_activations (journey_id)
    WHERE status IN ('scheduled', 'awaiting_approval', 'held');
CREATE INDEX pending_activations_due ON pending_activations (status, run_at);

-- The workspace's settings: one row.
CREATE TABLE workspace_settings (
    id                  INTEGER PRIMARY KEY CHECK (id = 1),
    approval_threshold  INTEGER,
    updated_by          TEXT,                -- who set them last, and when
    updated_at          INTEGER
);
INSERT INTO workspace_settings (id, approval_threshold) VALUES (1, NULL);
