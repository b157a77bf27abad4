-- Winners' connected accounts whose balance and bank payouts are to be read from Stripe again: asked when a prize
-- transfer to the account is recorded and when Stripe tells of one of its bank payouts. One row per account; a new
-- request frees a claim, so a read made before it is made again.
CREATE TABLE balance_reads (
    account_id    text        PRIMARY KEY,
    player_id     text        NOT NULL,
    requested_at  timestamptz NOT NULL,
    claimed_until timestamptz
);
CREATE INDEX balance_reads_due ON balance_reads (requested_at);
