-- Transfers and refunds found on Stripe by the reconciliation of a restore (plumbing/0007): every one
-- created since 48 hours before the copy was taken that names a payout or a refund of this pipeline
-- in its metadata. A payout or refund named here is never sent again: its send adopts what Stripe
-- holds instead (the restored rows may say it was never sent; Stripe has forgotten its key).
CREATE TABLE stripe_transfers_seen (
    transfer_id     text        PRIMARY KEY,
    payout_id       text        NOT NULL,
    amount_minor    bigint      NOT NULL,
    currency        text        NOT NULL,
    destination     text,
    reversed_minor  bigint      NOT NULL,
    created_at      timestamptz NOT NULL,
    restore_id      text        NOT NULL,
    seen_at         timestamptz NOT NULL
);
CREATE INDEX stripe_transfers_seen_payout ON stripe_transfers_seen (payout_id);

CREATE TABLE stripe_refunds_seen (
    stripe_refund_id  text        PRIMARY KEY,
    refund_id         text        NOT NULL,
    payment_intent_id text,
    amount_minor      bigint      NOT NULL,
    currency          text        NOT NULL,
    status            text,
    created_at        timestamptz NOT NULL,
    restore_id        text        NOT NULL,
    seen_at           timestamptz NOT NULL
);
CREATE INDEX stripe_refunds_seen_refund ON stripe_refunds_seen (refund_id);
