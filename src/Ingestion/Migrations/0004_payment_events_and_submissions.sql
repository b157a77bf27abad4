-- Payments as Stripe's signed events (payment_intent.*, charge.refunded, charge.dispute.*)
-- or, when no event came in time, a GET told them. One row per PaymentIntent; facts merge in
-- whatever order the events arrive. `known`: the intent itself was seen (status, amount,
-- metadata); a refund or dispute event may come first and leave only its part.
CREATE TABLE payments (
    payment_intent_id text        PRIMARY KEY,
    known             boolean     NOT NULL DEFAULT false,
    -- false once a GET was answered 404: Stripe has no such PaymentIntent.
    found             boolean     NOT NULL DEFAULT true,
    status            text,
    amount            bigint,
    amount_received   bigint,
    currency          text,
    metadata          jsonb,
    charge_id         text,
    amount_refunded   bigint      NOT NULL DEFAULT 0,
    disputed          boolean     NOT NULL DEFAULT false,
    source            text        NOT NULL CHECK (source IN ('event', 'get')),
    updated_at        timestamptz NOT NULL
);

-- Every submission as it arrived, with the times that judge it: when the entry API accepted it
-- (or its record's timestamp when it does not say) and when its record reached the broker.
-- Decided by DecideEntriesJob once its payment is known; verified by a GET
-- (VerifyPaymentsJob) when no event came by fetch_after.
CREATE TABLE submissions (
    submission_id       text        PRIMARY KEY,
    contest_id          text        NOT NULL,
    player_id           text        NOT NULL,
    payment_intent_id   text        NOT NULL,
    lineup              text[],
    submitted_at        timestamptz NOT NULL,
    broker_at           timestamptz NOT NULL,
    received_at         timestamptz NOT NULL,
    message_id          text        NOT NULL,
    correlation_id      text        NOT NULL,
    fetch_after         timestamptz NOT NULL,
    fetch_claimed_until timestamptz,
    fetch_attempts      integer     NOT NULL DEFAULT 0,
    -- When a GET made for this submission was answered: its payment facts then decide, whatever they say.
    fetched_at          timestamptz,
    decided_at          timestamptz,
    outcome             text
);
CREATE INDEX submissions_undecided ON submissions (contest_id, submitted_at, submission_id) WHERE decided_at IS NULL;
CREATE INDEX submissions_undecided_by_payment ON submissions (payment_intent_id) WHERE decided_at IS NULL;
CREATE INDEX submissions_to_fetch ON submissions (fetch_after) WHERE decided_at IS NULL;
