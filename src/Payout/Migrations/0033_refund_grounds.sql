-- Ingestion's refund orders wait for Ingestion's own word that the payment made no entry, read by Payout from
-- contest.lifecycle, before they are sent: the submission's rejection naming the refund (entry_rejections), or the
-- contest's entries closed or cancelled by Ingestion (entries_closed: every acceptance of the contest is on the
-- partition before it). A refund
-- ordered before Payout has read the acceptance of the same payment is then refused unsent when the acceptance comes,
-- instead of sent and alerted on. grounded: true for Settlement's orders and for every order recorded before.
ALTER TABLE refunds ADD COLUMN grounded boolean NOT NULL DEFAULT true;
CREATE INDEX refunds_ungrounded_by_contest ON refunds (contest_id) WHERE NOT grounded;

CREATE TABLE entry_rejections (
    payment_intent_id text PRIMARY KEY,
    refund_id text,
    contest_id text NOT NULL,
    recorded_at timestamptz NOT NULL
);

CREATE TABLE entries_closed (
    contest_id text PRIMARY KEY,
    closed_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL
);
