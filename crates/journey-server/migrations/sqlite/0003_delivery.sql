-- Delivery as its own worker: each logged message carries its delivery state.
--
--   queued     logged, not yet tried (or put back by a retry of a dead message)
--   delivering claimed by the delivery worker: a request is in flight (at most the delivery
--              concurrency at once; left over after a crash, they are queued again at start)
--   retrying   a try failed for a reason that may pass; tried again at next_attempt_at
--   delivered  the sink accepted it (delivered_at)
--   dead       a permanent refusal, or the last allowed try failed; kept with last_error
--              until a person retries it
ALTER TABLE message_log ADD COLUMN delivery_state TEXT NOT NULL DEFAULT 'queued';
ALTER TABLE message_log ADD COLUMN next_attempt_at INTEGER NOT NULL DEFAULT 0; -- not tried before (ms)
ALTER TABLE message_log ADD COLUMN last_attempt_at INTEGER;
ALTER TABLE message_log ADD COLUMN last_error TEXT;                        -- short, without secrets

UPDATE message_log SET delivery_state = 'delivered' WHERE delivered_at IS NOT NULL;

-- The worker's queue: due messages in the order they fell due.
DROP INDEX message_log_undelivered;
CREATE INDEX message_log_due ON message_log (next_attempt_at, id) WHERE delivery_state IN ('queued', 'retrying');
-- Requests in flight (few), found again after a crash.
CREATE INDEX message_log_delivering ON message_log (id) WHERE delivery_state = 'delivering';
-- A journey's delivery counts, and its dead messages.
CREATE INDEX message_log_delivery ON message_log (journey_id, delivery_state, id);
