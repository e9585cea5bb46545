-- Maintained aggregates: the same counts as SQLite's `0007_aggregates.sql` (which says what each
-- one holds and which change moves it), kept by PL/pgSQL triggers in the transaction of each
-- change. `journey-server check` recomputes each from the rows on either backend.
--
-- One difference from SQLite: PostgreSQL fires row triggers after the whole statement, so a
-- multi-row INSERT's triggers all see every row of it. "Is this the contact's first message
-- (or membership) here?" therefore asks for an older row (`o.id < NEW.id`), not another one.

CREATE TABLE dataset_counts (
    dataset_id  BIGINT NOT NULL PRIMARY KEY,
    subscribed  BIGINT NOT NULL DEFAULT 0,
    suppressed  BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE journey_node_counts (
    journey_id  BIGINT NOT NULL,
    node        TEXT   NOT NULL,
    live        BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (journey_id, node)
);
CREATE TABLE journey_wait_counts (
    journey_id  BIGINT NOT NULL,
    node        TEXT   NOT NULL,
    until       BIGINT NOT NULL,
    waiting     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (journey_id, node, until)
);
CREATE TABLE journey_audience_counts (
    journey_id  BIGINT NOT NULL PRIMARY KEY,
    in_flight   BIGINT NOT NULL DEFAULT 0,
    received    BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE journey_sent_counts (
    journey_id  BIGINT NOT NULL,
    generation  BIGINT NOT NULL,
    node        TEXT   NOT NULL,
    sent        BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (journey_id, generation, node)
);
CREATE TABLE journey_entered_counts (
    journey_id  BIGINT NOT NULL,
    generation  BIGINT NOT NULL,
    entered     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (journey_id, generation)
);

-- Whether a contact is a subscribed member of the data set a journey reads.
CREATE FUNCTION journey_audience_member(journey BIGINT, contact BIGINT) RETURNS BOOLEAN
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM journeys j
                   JOIN dataset_members dm ON dm.dataset_id = j.audience_dataset_id AND dm.contact_id = contact
                   JOIN contacts c ON c.id = contact AND c.subscribed <> 0
                   WHERE j.id = journey)
$$;

-- A journey's data set set or changed (creation, an edit of the trigger).
CREATE FUNCTION journeys_audience_set() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO journey_audience_counts (journey_id, in_flight, received) VALUES (NEW.id, 0, 0)
        ON CONFLICT (journey_id) DO UPDATE SET in_flight = 0, received = 0;
    RETURN NULL;
END $$;
CREATE TRIGGER journeys_audience_set AFTER INSERT ON journeys
    FOR EACH ROW WHEN (NEW.audience_dataset_id IS NOT NULL) EXECUTE FUNCTION journeys_audience_set();

CREATE FUNCTION journeys_audience_changed() RETURNS trigger LANGUAGE plpgsql AS $$
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
    RETURN NULL;
END $$;
CREATE TRIGGER journeys_audience_changed AFTER UPDATE OF audience_dataset_id ON journeys
    FOR EACH ROW WHEN (OLD.audience_dataset_id IS DISTINCT FROM NEW.audience_dataset_id)
    EXECUTE FUNCTION journeys_audience_changed();

-- A membership created (an audience run, an event, a restart's entry).
CREATE FUNCTION memberships_entered() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IN ('ready', 'waiting') THEN
        INSERT INTO journey_node_counts AS n (journey_id, node, live) VALUES (NEW.journey_id, NEW.node, 1)
            ON CONFLICT (journey_id, node) DO UPDATE SET live = n.live + 1;
    END IF;
    IF NEW.status = 'waiting' THEN
        INSERT INTO journey_wait_counts AS w (journey_id, node, until, waiting) VALUES (NEW.journey_id, NEW.node, NEW.wait_until, 1)
            ON CONFLICT (journey_id, node, until) DO UPDATE SET waiting = w.waiting + 1;
    END IF;
    IF journey_audience_member(NEW.journey_id, NEW.contact_id) THEN
        IF NEW.status IN ('ready', 'waiting') THEN
            UPDATE journey_audience_counts SET in_flight = in_flight + 1 WHERE journey_id = NEW.journey_id;
        END IF;
        IF NOT EXISTS (SELECT 1 FROM memberships o WHERE o.journey_id = NEW.journey_id AND o.generation = NEW.generation
                       AND o.contact_id = NEW.contact_id AND o.id < NEW.id) THEN
            INSERT INTO journey_entered_counts AS e (journey_id, generation, entered) VALUES (NEW.journey_id, NEW.generation, 1)
                ON CONFLICT (journey_id, generation) DO UPDATE SET entered = e.entered + 1;
        END IF;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER memberships_entered AFTER INSERT ON memberships FOR EACH ROW EXECUTE FUNCTION memberships_entered();

-- A membership moved: a step, an exit, a completion, a node an edit removed, a deadline shift.
CREATE FUNCTION memberships_moved_node() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status IN ('ready', 'waiting') THEN
        UPDATE journey_node_counts SET live = live - 1 WHERE journey_id = OLD.journey_id AND node = OLD.node;
    END IF;
    IF NEW.status IN ('ready', 'waiting') THEN
        INSERT INTO journey_node_counts AS n (journey_id, node, live) VALUES (NEW.journey_id, NEW.node, 1)
            ON CONFLICT (journey_id, node) DO UPDATE SET live = n.live + 1;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER memberships_moved_node AFTER UPDATE OF status, node ON memberships
    FOR EACH ROW WHEN (OLD.node IS DISTINCT FROM NEW.node
                       OR (OLD.status IN ('ready', 'waiting')) <> (NEW.status IN ('ready', 'waiting')))
    EXECUTE FUNCTION memberships_moved_node();

CREATE FUNCTION memberships_stopped_waiting() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE journey_wait_counts SET waiting = waiting - 1
        WHERE journey_id = OLD.journey_id AND node = OLD.node AND until = OLD.wait_until;
    DELETE FROM journey_wait_counts
        WHERE journey_id = OLD.journey_id AND node = OLD.node AND until = OLD.wait_until AND waiting = 0;
    RETURN NULL;
END $$;
CREATE TRIGGER memberships_stopped_waiting AFTER UPDATE OF status, node, wait_until ON memberships
    FOR EACH ROW WHEN (OLD.status = 'waiting' AND (NEW.status IS DISTINCT FROM 'waiting' OR OLD.node IS DISTINCT FROM NEW.node
                                                  OR OLD.wait_until IS DISTINCT FROM NEW.wait_until))
    EXECUTE FUNCTION memberships_stopped_waiting();

CREATE FUNCTION memberships_started_waiting() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO journey_wait_counts AS w (journey_id, node, until, waiting) VALUES (NEW.journey_id, NEW.node, NEW.wait_until, 1)
        ON CONFLICT (journey_id, node, until) DO UPDATE SET waiting = w.waiting + 1;
    RETURN NULL;
END $$;
CREATE TRIGGER memberships_started_waiting AFTER UPDATE OF status, node, wait_until ON memberships
    FOR EACH ROW WHEN (NEW.status = 'waiting' AND (OLD.status IS DISTINCT FROM 'waiting' OR OLD.node IS DISTINCT FROM NEW.node
                                                  OR OLD.wait_until IS DISTINCT FROM NEW.wait_until))
    EXECUTE FUNCTION memberships_started_waiting();

CREATE FUNCTION memberships_left_or_rejoined() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF journey_audience_member(NEW.journey_id, NEW.contact_id) THEN
        UPDATE journey_audience_counts
            SET in_flight = in_flight + (NEW.status IN ('ready', 'waiting'))::int - (OLD.status IN ('ready', 'waiting'))::int
            WHERE journey_id = NEW.journey_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER memberships_left_or_rejoined AFTER UPDATE OF status ON memberships
    FOR EACH ROW WHEN ((OLD.status IN ('ready', 'waiting')) <> (NEW.status IN ('ready', 'waiting')))
    EXECUTE FUNCTION memberships_left_or_rejoined();

-- A message logged: the contact has now received one from the journey (if it is its first).
CREATE FUNCTION message_log_received() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO journey_sent_counts AS s (journey_id, generation, node, sent) VALUES (NEW.journey_id, NEW.generation, NEW.node_id, 1)
        ON CONFLICT (journey_id, generation, node) DO UPDATE SET sent = s.sent + 1;
    IF NOT EXISTS (SELECT 1 FROM message_log o WHERE o.journey_id = NEW.journey_id AND o.contact_id = NEW.contact_id
                   AND o.id < NEW.id)
       AND journey_audience_member(NEW.journey_id, NEW.contact_id) THEN
        UPDATE journey_audience_counts SET received = received + 1 WHERE journey_id = NEW.journey_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER message_log_received AFTER INSERT ON message_log FOR EACH ROW EXECUTE FUNCTION message_log_received();

-- A subscription changed: +1 subscribing, -1 unsubscribing, in each count the contact touches.
CREATE FUNCTION contacts_subscription() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    delta BIGINT := CASE WHEN NEW.subscribed <> 0 THEN 1 ELSE -1 END;
BEGIN
    UPDATE dataset_counts SET subscribed = subscribed + delta, suppressed = suppressed - delta
        WHERE dataset_id IN (SELECT dataset_id FROM dataset_members WHERE contact_id = NEW.id);
    UPDATE journey_audience_counts a
        SET in_flight = a.in_flight + delta * (EXISTS (SELECT 1 FROM memberships m
                WHERE m.journey_id = a.journey_id AND m.contact_id = NEW.id AND m.status IN ('ready', 'waiting')))::int,
            received = a.received + delta * (EXISTS (SELECT 1 FROM message_log l
                WHERE l.journey_id = a.journey_id AND l.contact_id = NEW.id))::int
        WHERE a.journey_id IN (SELECT j.id FROM dataset_members dm JOIN journeys j ON j.audience_dataset_id = dm.dataset_id
                               WHERE dm.contact_id = NEW.id);
    INSERT INTO journey_entered_counts AS e (journey_id, generation, entered)
        SELECT DISTINCT m.journey_id, m.generation, delta
        FROM memberships m JOIN journeys j ON j.id = m.journey_id
        JOIN dataset_members dm ON dm.dataset_id = j.audience_dataset_id AND dm.contact_id = NEW.id
        WHERE m.contact_id = NEW.id
        ON CONFLICT (journey_id, generation) DO UPDATE SET entered = e.entered + EXCLUDED.entered;
    RETURN NULL;
END $$;
CREATE TRIGGER contacts_subscription AFTER UPDATE OF subscribed ON contacts
    FOR EACH ROW WHEN ((OLD.subscribed <> 0) IS DISTINCT FROM (NEW.subscribed <> 0))
    EXECUTE FUNCTION contacts_subscription();

-- A contact added to a data set: the set's counts, and the journeys that read it if the contact
-- is subscribed.
CREATE FUNCTION dataset_members_added() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    subscribed BOOLEAN := EXISTS (SELECT 1 FROM contacts c WHERE c.id = NEW.contact_id AND c.subscribed <> 0);
BEGIN
    INSERT INTO dataset_counts AS d (dataset_id, subscribed, suppressed)
        VALUES (NEW.dataset_id, subscribed::int, (NOT subscribed)::int)
        ON CONFLICT (dataset_id) DO UPDATE SET subscribed = d.subscribed + EXCLUDED.subscribed,
                                               suppressed = d.suppressed + EXCLUDED.suppressed;
    IF subscribed THEN
        UPDATE journey_audience_counts a
            SET in_flight = a.in_flight + (EXISTS (SELECT 1 FROM memberships m
                    WHERE m.journey_id = a.journey_id AND m.contact_id = NEW.contact_id AND m.status IN ('ready', 'waiting')))::int,
                received = a.received + (EXISTS (SELECT 1 FROM message_log l
                    WHERE l.journey_id = a.journey_id AND l.contact_id = NEW.contact_id))::int
            WHERE a.journey_id IN (SELECT id FROM journeys WHERE audience_dataset_id = NEW.dataset_id);
        INSERT INTO journey_entered_counts AS e (journey_id, generation, entered)
            SELECT DISTINCT m.journey_id, m.generation, 1
            FROM memberships m JOIN journeys j ON j.id = m.journey_id AND j.audience_dataset_id = NEW.dataset_id
            WHERE m.contact_id = NEW.contact_id
            ON CONFLICT (journey_id, generation) DO UPDATE SET entered = e.entered + 1;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER dataset_members_added AFTER INSERT ON dataset_members FOR EACH ROW EXECUTE FUNCTION dataset_members_added();
