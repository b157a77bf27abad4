-- A payment counts only from Stripe's own answer to Ingestion: an event about a PaymentIntent
-- (payment_intent.*, charge.refunded, charge.dispute.*) only asks for it to be looked up. One row
-- per PaymentIntent asked about: `created` is when the event's body says the intent was made (a
-- hint for the list's window, never trusted: an intent the list does not show is read with a GET);
-- `asked_at` the last time an event asked; `answered_at` when Stripe's answer to a read made after
-- that was recorded. A lookup is due while answered_at is null.
CREATE TABLE payment_lookups (
    payment_intent_id text        PRIMARY KEY,
    created           timestamptz,
    asked_at          timestamptz NOT NULL,
    claimed_until     timestamptz,
    attempts          integer     NOT NULL DEFAULT 0,
    answered_at       timestamptz
);
CREATE INDEX payment_lookups_due ON payment_lookups (created NULLS LAST, payment_intent_id) WHERE answered_at IS NULL;

-- Facts now come from Stripe's answers only: a list of PaymentIntents, or a GET of one.
ALTER TABLE payments DROP CONSTRAINT payments_source_check;
ALTER TABLE payments ADD CONSTRAINT payments_source_check CHECK (source IN ('event', 'get', 'list'));

-- What an event's body told before is not Stripe's answer: each such payment not yet used is
-- looked up again, and until then counts as unknown.
INSERT INTO payment_lookups (payment_intent_id, asked_at)
SELECT payment_intent_id, now() FROM payments WHERE source = 'event';
UPDATE payments p SET known = false, status = NULL, succeeded_at = NULL
WHERE p.source = 'event' AND p.reconciled_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM entries e WHERE e.payment_intent_id = p.payment_intent_id)
  AND NOT EXISTS (SELECT 1 FROM refund_orders r WHERE r.payment_intent_id = p.payment_intent_id);
