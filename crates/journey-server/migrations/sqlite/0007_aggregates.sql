-- Maintained aggregates: the numbers a journey's snapshot reads, kept up to date by triggers in
-- the transaction of every change that moves them (entries, steps, exits, moves, deadline
-- shifts, sends, subscription changes, data-set additions, a journey's data set changed by an
-- edit). Reading a snapshot of a data-set journey then reads a few rows, never memberships or
-- contacts. `journey-server check` (store::check_aggregates) recomputes each one from the rows
-- and reports any drift; the tests run it after every scenario.
--
--   dataset_counts           per data set: subscribed and unsubscribed members
--   journey_node_counts      per journey and node: live (ready or waiting) memberships
--   journey_wait_counts      per journey, node and deadline (ms): waiting memberships (rows at
--                            zero are deleted, so the table holds one row per pending deadline)
--   journey_audience_counts  per data-set journey: subscribed members of its data set in flight,
--                            and those who received a message from it (any generation)
--   journey_entered_counts   per data-set journey and generation: subscribed members of its data
--                            set who entered in that generation
--   journey_sent_counts      per journey, generation and send node: messages logged (what a
--                            saved edit's summary says was already sent)
--
-- "Subscribed member" is judged now: a subscription change or a data-set addition moves the
-- counts of every journey the contact belongs to. Memberships, messages and data-set members
-- are never deleted (they are history), so there are no delete triggers.

-- The data set a data-set trigger reads (NULL for segments and events), written by the store
-- beside the definition.
ALTER TABLE journeys ADD COLUMN audience_dataset_id INTEGER;
UPDATE journeys SET audience_dataset_id = json_extract(definition, '$.trigger.source.dataset_id')
    WHERE json_extract(definition, '$.trigger.source.kind') = 'dataset';
CREATE INDEX journeys_audience_dataset ON journeys (audience_dataset_id) WHERE audience_dataset_id IS NOT NULL;
-- A contact's data sets (subscription changes find the journeys to move).
CREATE INDEX dataset_members_contact ON dataset_members (contact_id, dataset_id);

CREATE TABLE dataset_counts (
    dataset_id  INTEGER NOT NULL PRIMARY KEY,
    subscribed  INTEGER NOT NULL DEFAULT 0,
    suppressed  INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE journey_node_counts (
    journey_id  INTEGER NOT NULL,
    node        TEXT    NOT NULL,
    live        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (journey_id, node)
) WITHOUT ROWID;
CREATE TABLE journey_wait_counts (
    journey_id  INTEGER NOT NULL,
    node        TEXT    NOT NULL,
    until       INTEGER NOT NULL,
    waiting     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (journey_id, node, until)
) WITHOUT ROWID;
CREATE TABLE journey_audience_counts (
    journey_id  INTEGER NOT NULL PRIMARY KEY,
    in_flight   INTEGER NOT NULL DEFAULT 0,
    received    INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE journey_sent_counts (
    journey_id  INTEGER NOT NULL,
    generation  INTEGER NOT NULL,
    node        TEXT    NOT NULL,
    sent        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (journey_id, generation, node)
) WITHOUT ROWID;
CREATE TABLE journey_entered_counts (
    journey_id  INTEGER NOT NULL,
    generation  INTEGER NOT NULL,
    entered     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (journey_id, generation)
) WITHOUT ROWID;

-- Filled from the rows already there.
INSERT INTO dataset_counts (dataset_id, subscribed, suppressed)
    SELECT dm.dataset_id, SUM(c.subscribed <> 0), SUM(c.subscribed = 0)
    FROM dataset_members dm JOIN contacts c ON c.id = dm.contact_id GROUP BY dm.dataset_id;
INSERT INTO journey_node_counts (journey_id, node, live)
    SELECT journey_id, node, COUNT(*) FROM memberships WHERE status IN ('ready', 'waiting') GROUP BY journey_id, node;
INSERT INTO journey_wait_counts (journey_id, node, until, waiting)
    SELECT journey_id, node, wait_until, COUNT(*) FROM memberships WHERE status = 'waiting' GROUP BY journey_id, node, wait_until;
INSERT INTO journey_sent_counts (journey_id, generation, node, sent)
    SELECT journey_id, generation, node_id, COUNT(*) FROM message_log GROUP BY journey_id, generation, node_id;
INSERT INTO journey_audience_counts (journey_id, in_flight, received)
    SELECT j.id,
        (SELECT COUNT(*) FROM dataset_members dm JOIN contacts c ON c.id = dm.contact_id
          WHERE dm.dataset_id = j.audience_dataset_id AND c.subscribed <> 0
            AND EXISTS (SELECT 1 FROM memberships m WHERE m.journey_id = j.id AND m.contact_id = c.id AND m.status IN ('ready', 'waiting'))),
        (SELECT COUNT(*) FROM dataset_members dm JOIN contacts c ON c.id = dm.contact_id
          WHERE dm.dataset_id = j.audience_dataset_id AND c.subscribed <> 0
            AND EXISTS (SELECT 1 FROM message_log l WHERE l.journey_id = j.id AND l.contact_id = c.id))
    FROM journeys j WHERE j.audience_dataset_id IS NOT NULL;
INSERT INTO journey_entered_counts (journey_id, generation, entered)
    SELECT m.journey_id, m.generation, COUNT(DISTINCT m.contact_id)
    FROM memberships m JOIN journeys j ON j.id = m.journey_id
    JOIN dataset_members dm ON dm.dataset_id = j.audience_dataset_id AND dm.contact_id = m.contact_id
    JOIN contacts c ON c.id = m.contact_id AND c.subscribed <> 0
    GROUP BY m.journey_id, m.generation;

-- A journey's data set set or changed (creation, an edit of the trigger): its audience counts
-- recomputed from the rows (one pass over the data set; edits are rare).
CREATE TRIGGER journeys_audience_set AFTER INSERT ON journeys WHEN NEW.audience_dataset_id IS NOT NULL
BEGIN
    INSERT OR REPLACE INTO journey_audience_counts (journey_id, in_flight, received) VALUES (NEW.id, 0, 0);
END;
CREATE TRIGGER journeys_audience_changed AFTER UPDATE OF audience_dataset_id ON journeys
WHEN OLD.audience_dataset_id IS NOT NEW.audience_dataset_id
BEGIN
    DELETE FROM journey_audience_counts WHERE journey_id = NEW.id;
    DELETE FROM journey_entered_counts WHERE journey_id = NEW.id;
    INSERT INTO journey_audience_counts (journey_id, in_flight, received)
        SELECT NEW.id,
            (SELECT COUNT(*) FROM dataset_members dm JOIN contacts c ON c.id = dm.contact_id
              WHERE dm.dataset_id = NEW.audience_dataset_id AND c.subscribed <> 0
                AND EXISTS (SELECT 1 FROM memberships m WHERE m.journey_id = NEW.id AND m.contact_id = c.id AND m.status IN ('ready', 'waiting'))),
            (SELECT COUNT(*) FROM dataset_members dm JOIN contacts c ON c.id = dm.contact_id
              WHERE dm.dataset_id = NEW.audience_dataset_id AND c.subscribed <> 0
                AND EXISTS (SELECT 1 FROM message_log l WHERE l.journey_id = NEW.id AND l.contact_id = c.id))
        WHERE NEW.audience_dataset_id IS NOT NULL;
    INSERT INTO journey_entered_counts (journey_id, generation, entered)
        SELECT m.journey_id, m.generation, COUNT(DISTINCT m.contact_id)
        FROM memberships m
        JOIN dataset_members dm ON dm.dataset_id = NEW.audience_dataset_id AND dm.contact_id = m.contact_id
        JOIN contacts c ON c.id = m.contact_id AND c.subscribed <> 0
        WHERE m.journey_id = NEW.id
        GROUP BY m.journey_id, m.generation;
END;

-- A membership created (an audience run, an event, a restart's entry).
CREATE TRIGGER memberships_entered AFTER INSERT ON memberships
BEGIN
    INSERT INTO journey_node_counts (journey_id, node, live)
        SELECT NEW.journey_id, NEW.node, 1 WHERE NEW.status IN ('ready', 'waiting')
        ON CONFLICT (journey_id, node) DO UPDATE SET live = live + 1;
    INSERT INTO journey_wait_counts (journey_id, node, until, waiting)
        SELECT NEW.journey_id, NEW.node, NEW.wait_until, 1 WHERE NEW.status = 'waiting'
        ON CONFLICT (journey_id, node, until) DO UPDATE SET waiting = waiting + 1;
    UPDATE journey_audience_counts SET in_flight = in_flight + 1
        WHERE journey_id = NEW.journey_id AND NEW.status IN ('ready', 'waiting')
          AND EXISTS (SELECT 1 FROM journeys j
                      JOIN dataset_members dm ON dm.dataset_id = j.audience_dataset_id AND dm.contact_id = NEW.contact_id
                      JOIN contacts c ON c.id = NEW.contact_id AND c.subscribed <> 0
                      WHERE j.id = NEW.journey_id);
    INSERT INTO journey_entered_counts (journey_id, generation, entered)
        SELECT NEW.journey_id, NEW.generation, 1
        WHERE EXISTS (SELECT 1 FROM journeys j
                      JOIN dataset_members dm ON dm.dataset_id = j.audience_dataset_id AND dm.contact_id = NEW.contact_id
                      JOIN contacts c ON c.id = NEW.contact_id AND c.subscribed <> 0
                      WHERE j.id = NEW.journey_id)
          AND NOT EXISTS (SELECT 1 FROM memberships o WHERE o.journey_id = NEW.journey_id AND o.generation = NEW.generation
                          AND o.contact_id = NEW.contact_id AND o.id <> NEW.id)
        ON CONFLICT (journey_id, generation) DO UPDATE SET entered = entered + 1;
END;

-- A membership moved: a step, an exit, a completion, a node an edit removed, a deadline shift.
-- One trigger per count, each with a WHEN clause, so a step runs only the statements it needs
-- (the runner moves tens of thousands of memberships a second through these).
CREATE TRIGGER memberships_moved_node AFTER UPDATE OF status, node ON memberships
WHEN OLD.node IS NOT NEW.node OR (OLD.status IN ('ready', 'waiting')) <> (NEW.status IN ('ready', 'waiting'))
BEGIN
    UPDATE journey_node_counts SET live = live - 1
        WHERE journey_id = OLD.journey_id AND node = OLD.node AND OLD.status IN ('ready', 'waiting');
    INSERT INTO journey_node_counts (journey_id, node, live)
        SELECT NEW.journey_id, NEW.node, 1 WHERE NEW.status IN ('ready', 'waiting')
        ON CONFLICT (journey_id, node) DO UPDATE SET live = live + 1;
END;
CREATE TRIGGER memberships_stopped_waiting AFTER UPDATE OF status, node, wait_until ON memberships
WHEN OLD.status = 'waiting'
  AND (NEW.status IS NOT 'waiting' OR OLD.node IS NOT NEW.node OR OLD.wait_until IS NOT NEW.wait_until)
BEGIN
    UPDATE journey_wait_counts SET waiting = waiting - 1
        WHERE journey_id = OLD.journey_id AND node = OLD.node AND until = OLD.wait_until;
    DELETE FROM journey_wait_counts
        WHERE journey_id = OLD.journey_id AND node = OLD.node AND until = OLD.wait_until AND waiting = 0;
END;
CREATE TRIGGER memberships_started_waiting AFTER UPDATE OF status, node, wait_until ON memberships
WHEN NEW.status = 'waiting'
  AND (OLD.status IS NOT 'waiting' OR OLD.node IS NOT NEW.node OR OLD.wait_until IS NOT NEW.wait_until)
BEGIN
    INSERT INTO journey_wait_counts (journey_id, node, until, waiting)
        SELECT NEW.journey_id, NEW.node, NEW.wait_until, 1 WHERE true
        ON CONFLICT (journey_id, node, until) DO UPDATE SET waiting = waiting + 1;
END;
CREATE TRIGGER memberships_left_or_rejoined AFTER UPDATE OF status ON memberships
WHEN (OLD.status IN ('ready', 'waiting')) <> (NEW.status IN ('ready', 'waiting'))
BEGIN
    UPDATE journey_audience_counts
        SET in_flight = in_flight + (NEW.status IN ('ready', 'waiting')) - (OLD.status IN ('ready', 'waiting'))
        WHERE journey_id = NEW.journey_id
          AND EXISTS (SELECT 1 FROM journeys j
                      JOIN dataset_members dm ON dm.dataset_id = j.audience_dataset_id AND dm.contact_id = NEW.contact_id
                      JOIN contacts c ON c.id = NEW.contact_id AND c.subscribed <> 0
                      WHERE j.id = NEW.journey_id);
END;

-- A message logged: the contact has now received one from the journey (if it is its first).
CREATE TRIGGER message_log_received AFTER INSERT ON message_log
BEGIN
    INSERT INTO journey_sent_counts (journey_id, generation, node, sent)
        SELECT NEW.journey_id, NEW.generation, NEW.node_id, 1 WHERE true
        ON CONFLICT (journey_id, generation, node) DO UPDATE SET sent = sent + 1;
    -- (The cheaper test first: most messages are not a contact's first.)
    UPDATE journey_audience_counts SET received = received + 1
        WHERE journey_id = NEW.journey_id
          AND NOT EXISTS (SELECT 1 FROM message_log o WHERE o.journey_id = NEW.journey_id AND o.contact_id = NEW.contact_id
                          AND o.id <> NEW.id)
          AND EXISTS (SELECT 1 FROM journeys j
                      JOIN dataset_members dm ON dm.dataset_id = j.audience_dataset_id AND dm.contact_id = NEW.contact_id
                      JOIN contacts c ON c.id = NEW.contact_id AND c.subscribed <> 0
                      WHERE j.id = NEW.journey_id);
END;

-- A subscription changed: the contact's data sets and the journeys that read them move by one
-- (+1 subscribing, -1 unsubscribing) in each count the contact's facts touch.
CREATE TRIGGER contacts_subscription AFTER UPDATE OF subscribed ON contacts
WHEN (OLD.subscribed <> 0) IS NOT (NEW.subscribed <> 0)
BEGIN
    UPDATE dataset_counts
        SET subscribed = subscribed + (2 * (NEW.subscribed <> 0) - 1), suppressed = suppressed - (2 * (NEW.subscribed <> 0) - 1)
        WHERE dataset_id IN (SELECT dataset_id FROM dataset_members WHERE contact_id = NEW.id);
    UPDATE journey_audience_counts
        SET in_flight = in_flight + (2 * (NEW.subscribed <> 0) - 1) * EXISTS (SELECT 1 FROM memberships m
                WHERE m.journey_id = journey_audience_counts.journey_id AND m.contact_id = NEW.id AND m.status IN ('ready', 'waiting')),
            received = received + (2 * (NEW.subscribed <> 0) - 1) * EXISTS (SELECT 1 FROM message_log l
                WHERE l.journey_id = journey_audience_counts.journey_id AND l.contact_id = NEW.id)
        WHERE journey_id IN (SELECT j.id FROM dataset_members dm JOIN journeys j ON j.audience_dataset_id = dm.dataset_id
                             WHERE dm.contact_id = NEW.id);
    INSERT INTO journey_entered_counts (journey_id, generation, entered)
        SELECT DISTINCT m.journey_id, m.generation, 2 * (NEW.subscribed <> 0) - 1
        FROM memberships m JOIN journeys j ON j.id = m.journey_id
        JOIN dataset_members dm ON dm.dataset_id = j.audience_dataset_id AND dm.contact_id = NEW.id
        WHERE m.contact_id = NEW.id
        ON CONFLICT (journey_id, generation) DO UPDATE SET entered = entered + excluded.entered;
END;

-- A contact added to a data set: the set's counts, and the journeys that read it if the contact
-- is subscribed.
CREATE TRIGGER dataset_members_added AFTER INSERT ON dataset_members
BEGIN
    INSERT INTO dataset_counts (dataset_id, subscribed, suppressed)
        SELECT NEW.dataset_id, c.subscribed <> 0, c.subscribed = 0 FROM contacts c WHERE c.id = NEW.contact_id
        ON CONFLICT (dataset_id) DO UPDATE SET subscribed = subscribed + excluded.subscribed, suppressed = suppressed + excluded.suppressed;
    UPDATE journey_audience_counts
        SET in_flight = in_flight + EXISTS (SELECT 1 FROM memberships m
                WHERE m.journey_id = journey_audience_counts.journey_id AND m.contact_id = NEW.contact_id AND m.status IN ('ready', 'waiting')),
            received = received + EXISTS (SELECT 1 FROM message_log l
                WHERE l.journey_id = journey_audience_counts.journey_id AND l.contact_id = NEW.contact_id)
        WHERE journey_id IN (SELECT id FROM journeys WHERE audience_dataset_id = NEW.dataset_id)
          AND EXISTS (SELECT 1 FROM contacts c WHERE c.id = NEW.contact_id AND c.subscribed <> 0);
    INSERT INTO journey_entered_counts (journey_id, generation, entered)
        SELECT DISTINCT m.journey_id, m.generation, 1
        FROM memberships m JOIN journeys j ON j.id = m.journey_id AND j.audience_dataset_id = NEW.dataset_id
        WHERE m.contact_id = NEW.contact_id AND EXISTS (SELECT 1 FROM contacts c WHERE c.id = NEW.contact_id AND c.subscribed <> 0)
        ON CONFLICT (journey_id, generation) DO UPDATE SET entered = entered + 1;
END;
