-- The unclaimed-prize policy's reminders (UnclaimedPolicy): one row per prize and reminder day sent, so a reminder
-- and its alert go once.
CREATE TABLE unclaimed_reminders (
    payout_id text        NOT NULL,
    day       integer     NOT NULL,
    sent_at   timestamptz NOT NULL,
    PRIMARY KEY (payout_id, day)
);
