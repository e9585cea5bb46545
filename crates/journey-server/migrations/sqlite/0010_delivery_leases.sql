-- Which server instance claimed a `delivering` message, and until when. Several instances on
-- one PostgreSQL database put back in the queue only their own interrupted claims and the
-- claims whose lease ran out (an instance that died mid-try); SQLite, one server alone, puts
-- back all of them at start, as before.
ALTER TABLE message_log ADD COLUMN claimed_by TEXT;
ALTER TABLE message_log ADD COLUMN lease_until INTEGER;
