-- What Payout has itself verified on Stripe as paid in for each contest, so a contest is paid at most its proven
-- entry fees and a refund goes only to a proven entry fee, whatever Settlement or Ingestion say.

-- Entry-fee payments Payout was asked to read (payment_intent.succeeded, charge.refunded, a refund order): the
-- event only names the PaymentIntent; created is the time it claims, used only to list by creation time.
CREATE TABLE payment_reads (
    payment_intent_id text        PRIMARY KEY,
    event_id          text        NOT NULL,
    created           timestamptz,
    requested_at      timestamptz NOT NULL,
    claimed_until     timestamptz
);

-- Each PaymentIntent as Stripe last answered Payout: found or not, its status, amount received, currency, contest and
-- player (its metadata) and what its latest charge has refunded. A succeeded one stays succeeded; refunds only add.
CREATE TABLE verified_payments (
    payment_intent_id text        PRIMARY KEY,
    found             boolean     NOT NULL,
    status            text,
    contest_id        text,
    player_id         text,
    amount_minor      bigint      NOT NULL DEFAULT 0 CHECK (amount_minor >= 0),
    currency          text,
    refunded_minor    bigint      NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0),
    read_at           timestamptz NOT NULL
);
CREATE INDEX verified_payments_by_contest ON verified_payments (contest_id) WHERE status = 'succeeded';

-- A refund order is sent only once its payment is proven that contest's entry fee, with at least the refund left
-- unrefunded. Orders recorded before this check existed stay sendable.
ALTER TABLE refunds ADD COLUMN proven boolean NOT NULL DEFAULT true;
ALTER TABLE refunds ALTER COLUMN proven SET DEFAULT false;

CREATE INDEX payouts_held_for_funds ON payouts (contest_id) WHERE hold_kind = 'funds';
