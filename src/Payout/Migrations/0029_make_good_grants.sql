-- What two operators sealed for each make-good (checked by Payout when Settlement's make-good authorization carries
-- the terms): the one entry and player it may be paid to, and the most its entry's make-goods may come to together
-- (the corrected net prize less the official one). A make-good order is paid only within its grant.
CREATE TABLE make_good_grants (
    payout_id text PRIMARY KEY,
    contest_id text NOT NULL,
    entry_id text NOT NULL,
    player_id text NOT NULL,
    credit_minor bigint NOT NULL CHECK (credit_minor > 0),
    currency text NOT NULL,
    proposal_id text NOT NULL,
    sealed_by text NOT NULL,
    recorded_at timestamptz NOT NULL
);
