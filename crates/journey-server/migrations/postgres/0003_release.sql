-- A Resume that releases its backlog at a pace (journey-core `release`) holds each overdue
-- membership until its release instant, which becomes its wait's deadline (`wait_until`).
-- `late_since` keeps the deadline that ended while the journey was frozen, until the
-- membership moves on.
ALTER TABLE memberships ADD COLUMN late_since BIGINT;
