-- Settlement's refunds of a cancelled contest's entry fees wait, unsent, for the referee's own word that the contest
-- is cancelled: Scoring's ContestStateChanged to CANCELLED on contest.lifecycle, read by Payout (contests_cancelled).
-- Settlement alone can no longer have a contest's fees refunded. Refunds recorded before this stay grounded.
-- grounds_alerted_at: when an order still waiting for its grounds was alerted on, once.
CREATE TABLE contests_cancelled (
    contest_id text PRIMARY KEY,
    reason text NOT NULL,
    cancelled_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL
);
ALTER TABLE refunds ADD COLUMN grounds_alerted_at timestamptz;

-- When each contest locks, as Ingestion scheduled it: an Ingestion refund still waiting for its grounds well after its
-- contest locked (when Ingestion closes its entries) is alerted on.
CREATE TABLE contest_locks (
    contest_id text PRIMARY KEY,
    lock_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL
);
