-- The partition of contest.lifecycle each contest's timeline is on. With several Scoring
-- instances behind one consumer group, a contest's live board is kept by the instance that
-- consumes that partition (its definition and entries arrive there); on a rebalance the new
-- owner loads the boards of the partitions it was given. NULL for contests recorded before
-- this column: every instance keeps those, as a single instance did.
ALTER TABLE contests ADD COLUMN lifecycle_partition integer;
CREATE INDEX contests_live_by_partition ON contests (lifecycle_partition) WHERE state IN ('SCHEDULED', 'LOCKED', 'LIVE');
