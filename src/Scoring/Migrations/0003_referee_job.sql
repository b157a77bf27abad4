-- The referee is a job: handlers record facts and mark the contest due for review
-- (review_due_at), and the job moves each due contest along its lifecycle. A LIVE contest
-- whose games have all ended is due when its correction window passes.
ALTER TABLE contests ADD COLUMN review_due_at timestamptz;
CREATE INDEX contests_review_due ON contests (review_due_at) WHERE review_due_at IS NOT NULL;
UPDATE contests SET review_due_at = now() WHERE state IN ('SCHEDULED', 'LOCKED', 'LIVE');
