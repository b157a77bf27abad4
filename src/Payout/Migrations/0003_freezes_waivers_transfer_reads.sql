-- Freezes on entry-fee payments, one row per cause instead of one per payment: each dispute
-- by its id, each refund made outside the pipeline by the charge's refunded total
-- ('refunded:<minor units>'). An operator's release waives the freezes it saw by id, so a
-- refund or dispute that arrives later freezes the prize again. A dispute closed before its
-- charge.dispute.created arrived is recorded closed, and the late created event cannot
-- reopen it. status: open (in force), won (a dispute won: lifted), lost (a dispute lost:
-- stays in force for an operator).
CREATE TABLE freezes (
    payment_intent_id text        NOT NULL,
    freeze_id         text        NOT NULL,
    cause             text        NOT NULL CHECK (cause IN ('refunded', 'disputed')),
    status            text        NOT NULL CHECK (status IN ('open', 'won', 'lost')),
    since             timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    PRIMARY KEY (payment_intent_id, freeze_id)
);

INSERT INTO freezes (payment_intent_id, freeze_id, cause, status, since, updated_at)
SELECT payment_intent_id, coalesce(dispute_id, 'refunded:0'), cause,
       CASE WHEN resolution = 'won' THEN 'won' ELSE 'open' END, since, coalesce(resolved_at, since)
FROM frozen_payments;

-- What operators' releases waived: hold kinds (review, limit, new_account, velocity) and
-- freezes ('freeze:<freeze id>'). A release used to waive every later hold at once; those
-- payouts keep what they had, the freezes of their payment as they stand now included.
ALTER TABLE payouts ADD COLUMN waived text[] NOT NULL DEFAULT '{}';
UPDATE payouts p SET waived = ARRAY['review', 'limit', 'new_account', 'velocity']
    || coalesce((SELECT array_agg('freeze:' || f.freeze_id) FROM freezes f WHERE f.payment_intent_id = p.payment_intent_id), '{}')
WHERE released;

DROP TABLE frozen_payments;

-- transfer.* events ask for the transfer to be read from Stripe; ReadTransfersJob makes the
-- GET outside any consume transaction and records what it finds, never what the event
-- body said. legacy_failed: a legacy transfer.failed named it (the whole amount came back).
CREATE TABLE transfer_reads (
    transfer_id   text        PRIMARY KEY,
    event_id      text        NOT NULL,
    legacy_failed boolean     NOT NULL DEFAULT false,
    requested_at  timestamptz NOT NULL
);
