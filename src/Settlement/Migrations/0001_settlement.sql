-- Settlement's own record: contests and their entries as the timeline told them, final
-- standings as published, the payout and refund orders it made, and the ledger.

CREATE TABLE contests (
    contest_id  text        PRIMARY KEY,
    definition  jsonb       NOT NULL,
    state       text        NOT NULL CHECK (state IN ('OPEN', 'COMPLETE', 'SETTLED', 'CANCELLED')),
    completed   jsonb,
    settled_at  timestamptz
);

CREATE TABLE entries (
    entry_id          text   PRIMARY KEY,
    contest_id        text   NOT NULL REFERENCES contests,
    player_id         text   NOT NULL,
    payment_intent_id text   NOT NULL UNIQUE,
    amount_minor      bigint NOT NULL CHECK (amount_minor > 0),
    currency          text   NOT NULL
);
CREATE INDEX entries_by_contest ON entries (contest_id);

CREATE TABLE standings_chunks (
    contest_id  text    NOT NULL,
    chunk_index integer NOT NULL,
    chunk_count integer NOT NULL,
    rows        jsonb   NOT NULL,
    PRIMARY KEY (contest_id, chunk_index)
);

-- One payout per winning entry, forever: the payout id is Stripe's idempotency key.
CREATE TABLE payouts (
    payout_id   text        PRIMARY KEY,
    contest_id  text        NOT NULL REFERENCES contests,
    entry_id    text        NOT NULL UNIQUE,
    player_id   text        NOT NULL,
    rank        integer     NOT NULL,
    gross_minor bigint      NOT NULL CHECK (gross_minor >= 0),
    fee_minor   bigint      NOT NULL CHECK (fee_minor >= 0),
    net_minor   bigint      NOT NULL CHECK (net_minor >= 0 AND net_minor = gross_minor - fee_minor),
    currency    text        NOT NULL,
    ordered_at  timestamptz NOT NULL
);

CREATE TABLE refund_orders (
    refund_id         text        PRIMARY KEY,
    contest_id        text        NOT NULL,
    entry_id          text        NOT NULL UNIQUE,
    payment_intent_id text        NOT NULL UNIQUE,
    amount_minor      bigint      NOT NULL,
    currency          text        NOT NULL,
    reason            text        NOT NULL,
    ordered_at        timestamptz NOT NULL
);

-- The double-entry ledger. Amounts are signed minor units: debits positive, credits
-- negative. Every journal entry balances per currency (checked at commit), and nothing
-- is ever updated or deleted: a correction is a new journal entry.
CREATE TABLE journal (
    journal_id  text        PRIMARY KEY,
    contest_id  text,
    kind        text        NOT NULL,
    description text        NOT NULL,
    recorded_at timestamptz NOT NULL
);

CREATE TABLE postings (
    journal_id   text    NOT NULL REFERENCES journal,
    line         integer NOT NULL,
    account      text    NOT NULL,
    amount_minor bigint  NOT NULL CHECK (amount_minor <> 0),
    currency     text    NOT NULL,
    PRIMARY KEY (journal_id, line)
);
CREATE INDEX postings_by_account ON postings (account);

-- SET search_path FROM CURRENT: the function runs against this schema's tables whatever
-- the session's search_path is.
CREATE FUNCTION postings_balanced() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM postings WHERE journal_id = NEW.journal_id
               GROUP BY currency HAVING sum(amount_minor) <> 0) THEN
        RAISE EXCEPTION 'journal entry % does not balance', NEW.journal_id;
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER postings_balanced AFTER INSERT ON postings
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION postings_balanced();

CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
END $$;
CREATE TRIGGER journal_append_only BEFORE UPDATE OR DELETE ON journal FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER postings_append_only BEFORE UPDATE OR DELETE ON postings FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
