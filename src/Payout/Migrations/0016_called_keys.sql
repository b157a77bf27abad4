-- The attempt key a transfer may have been sent under: marked, in a transaction that commits,
-- just before its POST. A payout submitting under a key not marked was claimed and never sent, so
-- a freeze or a dispute that comes before its POST still holds it. Keys recorded before this
-- column may have been sent: they are marked.
ALTER TABLE payouts ADD COLUMN called_key text;
UPDATE payouts SET called_key = attempt_key WHERE attempt_key IS NOT NULL;
