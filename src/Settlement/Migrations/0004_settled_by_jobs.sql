-- Contests are settled and marked PAID by jobs once their facts are in (SettleContestsJob,
-- MarkContestsPaidJob), not by whichever handler brought the last fact. completed_by is the
-- ContestCompleted message id: the cause named on what settling publishes.
ALTER TABLE contests ADD COLUMN completed_by text;
CREATE INDEX contests_waiting ON contests (state) WHERE state IN ('COMPLETE', 'SETTLED');
