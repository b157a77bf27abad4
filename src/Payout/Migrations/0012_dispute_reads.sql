-- charge.dispute.* events ask for their dispute to be read from Stripe: ReadDisputesJob makes the
-- GET outside any consume transaction and books the freeze, and the outcome (won lifts it, lost
-- keeps it), from what Stripe answers, never from the event's body, which only its signature
-- vouches for and which a replay repeats word for word. claimed: what the body of the event
-- that asked said of the dispute (status, amount, payment intent), compared with the read; a
-- body that disagrees is recorded with the event and alerted.
CREATE TABLE dispute_reads (
    dispute_id    text        PRIMARY KEY,
    event_id      text        NOT NULL,
    requested_at  timestamptz NOT NULL,
    claimed_until timestamptz,
    claimed       text
);
