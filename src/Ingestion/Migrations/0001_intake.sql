-- What the intake edge has accepted. Rows are the record of truth for every decision it
-- made: which contests exist, which payments became entries, which were refused and why.

CREATE TABLE contests (
    contest_id       text        PRIMARY KEY,
    definition       jsonb       NOT NULL,
    -- SHA-256 of the definition as received; the same id with another hash is refused.
    definition_hash  text        NOT NULL,
    lock_at          timestamptz NOT NULL,
    entry_fee_minor  bigint      NOT NULL,
    currency         text        NOT NULL,
    status           text        NOT NULL CHECK (status IN ('open', 'closed', 'cancelled')),
    entry_count      integer     NOT NULL DEFAULT 0,
    closed_at        timestamptz,
    accepted_at      timestamptz NOT NULL
);
CREATE INDEX contests_open_by_lock ON contests (lock_at) WHERE status = 'open';

CREATE TABLE contest_games (
    contest_id text NOT NULL REFERENCES contests,
    game_id    text NOT NULL,
    PRIMARY KEY (contest_id, game_id)
);
CREATE INDEX contest_games_by_game ON contest_games (game_id);

-- One PaymentIntent is at most one entry, forever.
CREATE TABLE entries (
    entry_id          text        PRIMARY KEY,
    payment_intent_id text        NOT NULL UNIQUE,
    contest_id        text        NOT NULL REFERENCES contests,
    player_id         text        NOT NULL,
    amount_minor      bigint      NOT NULL,
    currency          text        NOT NULL,
    lineup            text[],
    accepted_at       timestamptz NOT NULL
);
CREATE INDEX entries_by_contest_player ON entries (contest_id, player_id);

CREATE TABLE rejected_submissions (
    submission_id     text        PRIMARY KEY,
    contest_id        text        NOT NULL,
    player_id         text        NOT NULL,
    payment_intent_id text        NOT NULL,
    reason            text        NOT NULL,
    refund_id         text,
    rejected_at       timestamptz NOT NULL
);

-- A verified payment that did not become an entry is refunded at most once, whatever
-- the reason or however often it is submitted.
CREATE TABLE refund_orders (
    payment_intent_id text        PRIMARY KEY,
    refund_id         text        NOT NULL UNIQUE,
    contest_id        text        NOT NULL,
    player_id         text        NOT NULL,
    amount_minor      bigint      NOT NULL,
    currency          text        NOT NULL,
    reason            text        NOT NULL,
    ordered_at        timestamptz NOT NULL
);

-- The provider feed: each game's validated state and its ordering state, as the pure
-- validator and sequencer keep them, and the events held back by a sequence gap.
CREATE TABLE games (
    game_id     text        PRIMARY KEY,
    status      text        NOT NULL CHECK (status IN ('unknown', 'scheduled', 'started', 'ended')),
    state       jsonb       NOT NULL,
    sequencing  jsonb       NOT NULL,
    -- When the current sequence gap expires and the sequencer must be ticked; null without a gap.
    gap_due_at  timestamptz,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX games_gap_due ON games (gap_due_at) WHERE gap_due_at IS NOT NULL;

CREATE TABLE held_events (
    game_id         text    NOT NULL,
    sequence        bigint  NOT NULL,
    message_id      text    NOT NULL,
    message_type    text    NOT NULL,
    payload         bytea   NOT NULL,
    headers         jsonb   NOT NULL,
    kafka_topic     text    NOT NULL,
    kafka_partition integer NOT NULL,
    kafka_offset    bigint  NOT NULL,
    PRIMARY KEY (game_id, sequence)
);
