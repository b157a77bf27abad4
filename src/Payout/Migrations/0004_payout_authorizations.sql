-- What Settlement authorized Payout to pay per contest (ContestPayoutsAuthorized), and how
-- much of it the prize orders recorded so far have taken. An order that would take a contest
-- beyond its authorized count or net total, or one for a contest with no authorization, is
-- refused: even a producer allowed to publish orders cannot pay more than was settled.
CREATE TABLE payout_authorizations (
    authorization_id text        PRIMARY KEY,
    contest_id       text        NOT NULL,
    payouts          integer     NOT NULL CHECK (payouts >= 0),
    net_total_minor  bigint      NOT NULL CHECK (net_total_minor >= 0),
    currency         text        NOT NULL,
    authorized_at    timestamptz NOT NULL,
    authorized_by    text        NOT NULL,
    recorded_at      timestamptz NOT NULL
);

-- One row per contest: the sum of its authorizations (a make-good is a second one) and what
-- its recorded orders have taken. The check is the invariant itself, so no write can break it.
CREATE TABLE contest_payout_budgets (
    contest_id           text    PRIMARY KEY,
    currency             text    NOT NULL,
    authorized_payouts   integer NOT NULL,
    authorized_net_minor bigint  NOT NULL,
    ordered_payouts      integer NOT NULL DEFAULT 0,
    ordered_net_minor    bigint  NOT NULL DEFAULT 0,
    CHECK (ordered_payouts <= authorized_payouts AND ordered_net_minor <= authorized_net_minor)
);
