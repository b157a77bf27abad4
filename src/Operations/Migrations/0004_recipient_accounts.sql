-- Each winner's connected account as Payout last read it from Stripe (RecipientBalanceRead on payouts.status), for the
-- winner's own statement: when it was read and what it held then per currency, and its bank payouts, each as the
-- latest read that listed it saw it (a payout listed by no later read keeps what was last seen of it).
CREATE TABLE recipient_accounts (
    player_id  text        PRIMARY KEY,
    account_id text        NOT NULL,
    read_at    timestamptz NOT NULL
);

CREATE TABLE recipient_balances (
    player_id       text   NOT NULL,
    currency        text   NOT NULL,
    available_minor bigint NOT NULL,
    pending_minor   bigint NOT NULL,
    PRIMARY KEY (player_id, currency)
);

CREATE TABLE bank_payouts (
    stripe_payout_id text        PRIMARY KEY,
    player_id        text        NOT NULL,
    account_id       text        NOT NULL,
    amount_minor     bigint      NOT NULL,
    currency         text        NOT NULL,
    status           text        NOT NULL,
    arrival_date     timestamptz NOT NULL,
    failure_code     text,
    created_at       timestamptz NOT NULL,
    read_at          timestamptz NOT NULL
);
CREATE INDEX bank_payouts_by_player ON bank_payouts (player_id, created_at);
