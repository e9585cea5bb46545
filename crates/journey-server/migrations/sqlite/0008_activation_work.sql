-- What an activation (or a scheduled audience run) leaves for the runner: the membership rows it
-- changes or enters, applied in batches after it committed, so its own transaction (and
-- SQLite's write lock) does not grow with the number of contacts. At most one per journey; while
-- it exists the runner does nothing else for that journey, and an activation or a save of it is
-- refused (409).
--
-- `steps` is JSON (store::WorkStep, in order): move the live contacts at a removed node, exit
-- them, shift waiting deadlines (one node, or all after the freeze), exit an older generation's
-- live contacts, enter the audience. `step` is the one in progress; `cursor` the last contact id
-- it finished (each batch commits its rows and its cursor together, so a crash repeats nothing);
-- `done` counts, per step, the rows it changed; `planned` the counts the activation promised.
CREATE TABLE activation_work (
    journey_id  INTEGER NOT NULL PRIMARY KEY REFERENCES journeys (id),
    mode        TEXT,                             -- resume | restart; NULL: a scheduled audience run
    steps       TEXT    NOT NULL,
    step        INTEGER NOT NULL DEFAULT 0,
    cursor      INTEGER NOT NULL DEFAULT 0,
    done        TEXT    NOT NULL DEFAULT '[]',    -- JSON: rows changed per finished step
    planned     TEXT    NOT NULL,                 -- JSON: journey_core ActivationCounts
    actor       TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
