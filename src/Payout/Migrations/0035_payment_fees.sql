-- Stripe's fee on each verified payment, from its charge's balance transaction: recorded the first time a read shows
-- it (a payment verified before this shows it at its next read), and published to the ledger then, once.
ALTER TABLE verified_payments ADD COLUMN balance_transaction_id text, ADD COLUMN fee_minor bigint
    CHECK (fee_minor >= 0);
