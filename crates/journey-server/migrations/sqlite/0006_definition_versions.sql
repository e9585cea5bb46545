-- Every saved definition of a journey, kept forever (editing a frozen journey). The journey
-- row keeps the current definition and its number; `activated_definition_version` is the one
-- its contacts move under (0: never activated), so the summary can say what changed since.
CREATE TABLE definition_versions (
    journey_id      INTEGER NOT NULL REFERENCES journeys (id),
    version         INTEGER NOT NULL,                 -- 1, 2, 3 ...
    definition      TEXT    NOT NULL,                 -- JSON: journey_core JourneyDefinition
    moves           TEXT    NOT NULL DEFAULT '[]',    -- JSON: journey_core edit::NodeMove list
    apply_new_waits INTEGER NOT NULL DEFAULT 0,
    saved_at        INTEGER NOT NULL,
    saved_by        TEXT    NOT NULL,
    PRIMARY KEY (journey_id, version)
);
INSERT INTO definition_versions (journey_id, version, definition, saved_at, saved_by)
    SELECT id, 1, definition, created_at, 'created' FROM journeys;

ALTER TABLE journeys ADD COLUMN definition_version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE journeys ADD COLUMN activated_definition_version INTEGER NOT NULL DEFAULT 0;
UPDATE journeys SET activated_definition_version = 1 WHERE generation > 0;

-- The verb's definition version on each activity line (creation, edits, activations).
ALTER TABLE activity_log ADD COLUMN definition_version INTEGER;
