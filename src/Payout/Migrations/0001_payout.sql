-- Payout's own record: who can receive money (connected accounts), every payout and
-- refund order with where it stands, entry-fee payments frozen by refunds or disputes,
-- and the Stripe events seen.

-- One connected account per player: the one that can receive transfers, once one can.
CREATE TABLE recipients (
    player_id          text        PRIMARY KEY,
    account_id         text        NOT NULL,
    can_receive        boolean     NOT NULL,
    account_created_at timestamptz NOT NULL,
    onboarding_url     text,
    updated_at         timestamptz NOT NULL
);

-- One row per prize order, forever. attempt_key is the Stripe Idempotency-Key of the
-- current attempt: the payout id, and a new one only after Stripe refused the attempt
-- outright (its refusal is remembered under the old key for 24 hours).
-- submitted_at is when that key was first sent: after 24 hours the transfer is looked up
-- by transfer_group and metadata before anything is sent again.
CREATE TABLE payouts (
    payout_id         text        PRIMARY KEY,
    contest_id        text        NOT NULL,
    entry_id          text        NOT NULL UNIQUE,
    player_id         text        NOT NULL,
    payment_intent_id text,
    amount_minor      bigint      NOT NULL CHECK (amount_minor > 0),
    currency          text        NOT NULL,
    state             text        NOT NULL CHECK (state IN ('waiting', 'awaiting_account', 'held', 'submitting', 'paid', 'failed', 'rejected')),
    hold_kind         text        CHECK ((state = 'held') = (hold_kind IS NOT NULL)),
    reason            text        NOT NULL,
    version           integer     NOT NULL,
    released          boolean     NOT NULL DEFAULT false,
    attempt_key       text,
    key_generation    integer     NOT NULL DEFAULT 0,
    submitted_at      timestamptz,
    rounds            integer     NOT NULL DEFAULT 0,
    next_attempt_at   timestamptz NOT NULL,
    lease_until       timestamptz,
    account_id        text,
    transfer_id       text        UNIQUE,
    reversed_minor    bigint      NOT NULL DEFAULT 0,
    ordered_at        timestamptz NOT NULL,
    paid_at           timestamptz,
    updated_at        timestamptz NOT NULL,
    CHECK (state <> 'paid' OR transfer_id IS NOT NULL)
);
CREATE INDEX payouts_due ON payouts (next_attempt_at) WHERE state IN ('waiting', 'held', 'submitting');
CREATE INDEX payouts_by_player ON payouts (player_id, state);
CREATE INDEX payouts_by_payment ON payouts (payment_intent_id);

-- One refund per PaymentIntent, forever: the refund id is Stripe's Idempotency-Key.
CREATE TABLE refunds (
    refund_id         text        PRIMARY KEY,
    contest_id        text        NOT NULL,
    player_id         text        NOT NULL,
    payment_intent_id text        NOT NULL UNIQUE,
    amount_minor      bigint      NOT NULL CHECK (amount_minor > 0),
    currency          text        NOT NULL,
    reason            text        NOT NULL,
    state             text        NOT NULL CHECK (state IN ('waiting', 'submitting', 'refunded', 'failed')),
    stripe_refund_id  text,
    rounds            integer     NOT NULL DEFAULT 0,
    last_error        text,
    next_attempt_at   timestamptz NOT NULL,
    lease_until       timestamptz,
    ordered_at        timestamptz NOT NULL,
    refunded_at       timestamptz,
    updated_at        timestamptz NOT NULL
);
CREATE INDEX refunds_due ON refunds (next_attempt_at) WHERE state IN ('waiting', 'submitting');

-- Entry-fee payments refunded or disputed outside the pipeline: their entries' prizes wait.
CREATE TABLE frozen_payments (
    payment_intent_id text        PRIMARY KEY,
    cause             text        NOT NULL CHECK (cause IN ('refunded', 'disputed')),
    dispute_id        text,
    since             timestamptz NOT NULL,
    resolved_at       timestamptz,
    resolution        text
);

-- Every Stripe event handled, and what was made of it: the audit trail of the webhook side.
CREATE TABLE stripe_events (
    event_id    text        PRIMARY KEY,
    type        text        NOT NULL,
    object_id   text        NOT NULL,
    account     text,
    created     bigint      NOT NULL,
    outcome     text        NOT NULL,
    received_at timestamptz NOT NULL
);

-- Winners' bank payouts from their connected accounts (payout.paid / payout.failed).
CREATE TABLE bank_payouts (
    stripe_payout_id text        PRIMARY KEY,
    account_id       text        NOT NULL,
    amount_minor     bigint      NOT NULL,
    currency         text        NOT NULL,
    status           text        NOT NULL,
    failure_code     text,
    updated_at       timestamptz NOT NULL
);
