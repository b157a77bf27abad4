-- A contest is settled in chunks, each its own transaction (SettleContestsJob): the first
-- decides the prizes, posts the settlement entry, writes every payout row (award_seq: its
-- place in the published award order) and records the run here; each next one posts the
-- prize entries and orders of the next payouts and moves the cursor (posted) in the same
-- transaction; the last one moves the contest to SETTLED. A worker killed between chunks
-- resumes at the cursor: nothing is posted or ordered twice, nothing is skipped.
CREATE TABLE settle_runs (
    contest_id  text        PRIMARY KEY REFERENCES contests,
    awards      integer     NOT NULL CHECK (awards >= 0),
    posted      integer     NOT NULL DEFAULT 0,
    record      jsonb       NOT NULL,
    reason      text        NOT NULL,
    started_at  timestamptz NOT NULL,
    CHECK (posted >= 0 AND posted <= awards)
);

ALTER TABLE payouts ADD COLUMN award_seq integer;
CREATE UNIQUE INDEX payouts_in_award_order ON payouts (contest_id, award_seq) WHERE award_seq IS NOT NULL;
