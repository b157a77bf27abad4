-- The ledger's Stripe balance against Stripe's own, read by CheckStripeBalanceJob: one row per
-- currency per check. `ledger_postings` counts the postings to the Stripe balance account, so
-- two checks that read the same count and sum saw a ledger that did not move between them.
CREATE TABLE stripe_balance_checks (
    checked_at      timestamptz NOT NULL,
    currency        text        NOT NULL,
    ledger_minor    bigint      NOT NULL,
    ledger_postings bigint      NOT NULL,
    stripe_minor    bigint      NOT NULL,
    drift_minor     bigint      NOT NULL,
    PRIMARY KEY (currency, checked_at)
);
