-- Credit-only make-goods after a correction reported after COMPLETE: the reports as Scoring
-- published them, what Settlement assessed from each, the operators' proposals and
-- confirmations, and the make-good payouts (in payouts, beside the prizes).

CREATE TABLE correction_reports (
    contest_id         text        NOT NULL,
    corrections_so_far integer     NOT NULL,
    report             jsonb       NOT NULL,
    received_at        timestamptz NOT NULL,
    received_by        text        NOT NULL,
    assessment         jsonb,
    PRIMARY KEY (contest_id, corrections_so_far)
);
CREATE INDEX correction_reports_unassessed ON correction_reports (contest_id) WHERE assessment IS NULL;

CREATE TABLE make_good_proposals (
    proposal_id        text        PRIMARY KEY,
    contest_id         text        NOT NULL,
    corrections_so_far integer     NOT NULL,
    proposed_by        text        NOT NULL,
    reason             text        NOT NULL,
    total_minor        bigint      NOT NULL,
    proposed_at        timestamptz NOT NULL,
    confirmed_by       text,
    confirmation_id    text,
    confirmed_at       timestamptz
);

-- An entry has one prize and any number of make-goods (one per correction report at most).
ALTER TABLE payouts DROP CONSTRAINT payouts_entry_id_key;
ALTER TABLE payouts ADD COLUMN make_good_of integer;
CREATE UNIQUE INDEX payouts_one_prize_per_entry ON payouts (entry_id) WHERE make_good_of IS NULL;
CREATE UNIQUE INDEX payouts_one_make_good_per_report ON payouts (entry_id, make_good_of) WHERE make_good_of IS NOT NULL;
