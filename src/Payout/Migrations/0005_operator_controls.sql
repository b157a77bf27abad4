-- Operators' controls over Payout: the emergency stop, the two-person rule for large
-- releases, and make-good payments.

-- The emergency stop: one row, changed only by an operator's PayoutDispatchDecided. The
-- transfer and refund jobs read it (FOR SHARE) in the transaction that claims work, so once a
-- halt commits no new Stripe call is claimed; a call already claimed completes.
CREATE TABLE dispatch (
    id          boolean     PRIMARY KEY DEFAULT true CHECK (id),
    halted      boolean     NOT NULL,
    decision_id text,
    operator    text,
    reason      text,
    changed_at  timestamptz
);
INSERT INTO dispatch (halted) VALUES (false);

-- Approvals of releases that need two approvers (above the second-approval amount). A
-- release is applied when two different operators have approved it since its last release;
-- used_at marks the approvals a release consumed.
CREATE TABLE release_approvals (
    payout_id   text        NOT NULL,
    operator    text        NOT NULL,
    decision_id text        NOT NULL,
    reason      text        NOT NULL,
    approved_at timestamptz NOT NULL,
    used_at     timestamptz,
    PRIMARY KEY (payout_id, decision_id)
);
CREATE INDEX release_approvals_open ON release_approvals (payout_id) WHERE used_at IS NULL;

-- A make-good (credit-only, after a correction reported after COMPLETE) is a second payment
-- to an entry that may have won a prize already: one prize per entry still, any number of
-- make-goods, each with its own deterministic payout id.
ALTER TABLE payouts DROP CONSTRAINT payouts_entry_id_key;
CREATE UNIQUE INDEX payouts_one_prize_per_entry ON payouts (entry_id) WHERE payout_id LIKE 'prize\_%';
