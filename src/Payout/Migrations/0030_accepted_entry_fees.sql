-- The entry fees Ingestion published as accepted entries (EntryAccepted on contest.lifecycle), so a refund Ingestion
-- orders for one of them is refused: Ingestion refunds only payments it did not make entries of (a rejected
-- submission, a payment never entered); an accepted entry's fee goes back only with its contest cancelled, on
-- Settlement's order. producer: who ordered a refund, as its signature proved (null for orders recorded before).
CREATE TABLE accepted_entry_fees (
    payment_intent_id text PRIMARY KEY,
    entry_id text NOT NULL,
    contest_id text NOT NULL,
    player_id text NOT NULL,
    recorded_at timestamptz NOT NULL
);

ALTER TABLE refunds ADD COLUMN producer text;
