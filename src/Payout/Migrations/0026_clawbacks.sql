-- Prizes taken back: one row per paid prize whose entry fee was lost afterwards (a dispute lost, or the fee refunded
-- in full outside the pipeline). The reverse-transfers job reverses what is left of its transfer on Stripe; what the
-- winner's connected account could not cover is owed_minor, a receivable an operator recovers by hand.
-- A reversal's idempotency key is derived from what was reversed of the transfer before it, so a call repeated after
-- a crash or a restore asks Stripe for nothing more than what is still left.
CREATE TABLE clawbacks (
    payout_id         text        PRIMARY KEY,
    contest_id        text        NOT NULL,
    player_id         text        NOT NULL,
    payment_intent_id text        NOT NULL,
    cause             text        NOT NULL,
    state             text        NOT NULL CHECK (state IN ('pending', 'recovered', 'short')),
    rounds            integer     NOT NULL DEFAULT 0,
    next_attempt_at   timestamptz NOT NULL,
    lease_until       timestamptz,
    recovered_minor   bigint      NOT NULL DEFAULT 0 CHECK (recovered_minor >= 0),
    owed_minor        bigint      NOT NULL DEFAULT 0 CHECK (owed_minor >= 0),
    outcome           text,
    ordered_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);
CREATE INDEX clawbacks_due ON clawbacks (next_attempt_at) WHERE state = 'pending';
