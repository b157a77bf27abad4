-- What Payout reported on payouts.status: each payout's transfer, reversals and rejection,
-- each cancelled entry's refund, and PAID once every payout is resolved. Additive: the
-- ledger stays append-only; these columns only say which of its facts have arrived.

ALTER TABLE contests DROP CONSTRAINT contests_state_check;
ALTER TABLE contests ADD CONSTRAINT contests_state_check CHECK (state IN ('OPEN', 'COMPLETE', 'SETTLED', 'PAID', 'CANCELLED'));
ALTER TABLE contests ADD COLUMN paid_at timestamptz;

-- A payout is paid when its transfer exists and none of it came back (reversed_minor = 0),
-- rejected when an operator rejected it; withheld_minor is the payable it then withheld.
ALTER TABLE payouts
    ADD COLUMN transfer_id    text,
    ADD COLUMN paid_at        timestamptz,
    ADD COLUMN reversed_minor bigint NOT NULL DEFAULT 0,
    ADD COLUMN rejected_at    timestamptz,
    ADD COLUMN withheld_minor bigint NOT NULL DEFAULT 0,
    ADD CONSTRAINT payouts_reversed_within_net CHECK (reversed_minor >= 0 AND reversed_minor <= net_minor),
    ADD CONSTRAINT payouts_withheld_within_net CHECK (withheld_minor >= 0 AND withheld_minor <= net_minor),
    ADD CONSTRAINT payouts_transfer_recorded CHECK ((transfer_id IS NULL) = (paid_at IS NULL));

ALTER TABLE refund_orders
    ADD COLUMN refunded_at      timestamptz,
    ADD COLUMN stripe_refund_id text;
