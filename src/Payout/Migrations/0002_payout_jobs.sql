-- ordered_by: the message id of the order (PrizePayoutOrdered, RefundOrdered), the cause
-- named on everything Payout publishes about it, so one dollar can be followed through the
-- headers from its order to its transfer.
ALTER TABLE payouts ADD COLUMN ordered_by text;
ALTER TABLE refunds ADD COLUMN ordered_by text;

-- account.updated asks for a fresh read of the account; RefreshAccountsJob makes it outside
-- any consume transaction (Stripe is never called inside one) and applies what it finds.
-- requested_at moves on when another event asks again while a read is in flight.
CREATE TABLE account_refreshes (
    account_id   text        PRIMARY KEY,
    event_id     text        NOT NULL,
    requested_at timestamptz NOT NULL
);
