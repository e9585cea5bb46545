-- The runner finds due memberships by (journey, status) and, for waits, by deadline range:
-- put the deadline before the node so both are index range scans (the snapshot's per-node
-- group-bys stay covering scans of the same index).
DROP INDEX memberships_by_status;
CREATE INDEX memberships_by_status ON memberships (journey_id, status, wait_until, node);
