-- Two Payout processes share the jobs that read Stripe (transfers and accounts events asked
-- about) and the one that onboards winners. Each claims its work for a lease, as the send
-- jobs do, so the other does not make the same requests meanwhile: reading twice was
-- harmless but spent the account's Stripe request budget twice.
ALTER TABLE transfer_reads ADD COLUMN claimed_until timestamptz;
ALTER TABLE account_refreshes ADD COLUMN claimed_until timestamptz;

-- A winner being onboarded (or whose onboarding failed and waits to be tried again).
CREATE TABLE onboarding_claims (
    player_id     text        PRIMARY KEY,
    claimed_until timestamptz NOT NULL
);
