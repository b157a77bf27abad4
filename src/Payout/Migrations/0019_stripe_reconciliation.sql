-- Stripe's own records matched against what Payout ordered (ReconcileStripeJob): a cursor per listed resource
-- (the creation time the next pass lists from, less an overlap window) and every record already reported, so a
-- transfer Payout did not order is alerted once, not on every pass.
CREATE TABLE stripe_reconciliation_cursors (
    resource      text        PRIMARY KEY,
    listed_since  timestamptz NOT NULL,
    passed_at     timestamptz NOT NULL
);

CREATE TABLE stripe_records_reported (
    record_id     text        PRIMARY KEY,
    resource      text        NOT NULL,
    finding       text        NOT NULL,
    reported_at   timestamptz NOT NULL
);
