-- The dispute rules: a payout to a recipient with a recent dispute or refund made outside the
-- pipeline is held for review, and repeated disputes halt every payout until two operators
-- resume.

-- When each dispute and refund made outside the pipeline happened, as Stripe dates it (the
-- dispute's created time, the charge.refunded event's), so the windows do not depend on when
-- or how often the events arrived. Freezes recorded before are dated when they were recorded.
ALTER TABLE freezes ADD COLUMN occurred_at timestamptz;
UPDATE freezes SET occurred_at = since;
ALTER TABLE freezes ALTER COLUMN occurred_at SET NOT NULL;
CREATE INDEX freezes_disputes_by_time ON freezes (occurred_at) WHERE cause = 'disputed';

-- Whose entry fee each payment is, from payment_intent.succeeded (its metadata's player_id):
-- a dispute names only its payment, and the payment may never have won a prize.
CREATE TABLE payments (
    payment_intent_id text        PRIMARY KEY,
    player_id         text        NOT NULL,
    recorded_at       timestamptz NOT NULL
);
CREATE INDEX payments_by_player ON payments (player_id);

-- How many different operators' resumes end a halt: 1 for an operator's halt, 2 for the
-- automatic halt after repeated disputes (their approvals are release_approvals rows under
-- 'halt:<halt id>').
ALTER TABLE halts ADD COLUMN approvals_needed int NOT NULL DEFAULT 1 CHECK (approvals_needed IN (1, 2));
