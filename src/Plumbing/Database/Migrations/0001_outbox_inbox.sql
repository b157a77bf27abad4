-- The messaging core's tables, created in every worker's own schema (search_path is
-- set to it while migrations run).

-- Outgoing messages, written in the same transaction as the state change they announce.
-- message_id is the idempotency key: enqueueing the same fact twice writes one row.
CREATE TABLE outbox (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id    text        NOT NULL UNIQUE,
    topic         text        NOT NULL,
    message_key   bytea,
    message_type  text        NOT NULL,
    payload       bytea,
    -- All Kafka headers in order: [{"name": ..., "value": ...} or {"name": ..., "base64": ...}].
    headers       jsonb       NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    sent_at       timestamptz,
    attempts      integer     NOT NULL DEFAULT 0,
    last_error    text
);
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;

-- Messages this worker has handled, one row per (consumer, message id), written in the
-- same transaction as the handler's effects. Kept forever: a replay months later must
-- still be a no-op for anything that moved money.
CREATE TABLE inbox (
    consumer           text        NOT NULL,
    message_id         text        NOT NULL,
    topic              text        NOT NULL,
    kafka_partition    integer     NOT NULL,
    kafka_offset       bigint      NOT NULL,
    outcome            text        NOT NULL CHECK (outcome IN ('applied', 'dead_lettered')),
    dead_letter_count  integer     NOT NULL DEFAULT 0,
    processed_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, message_id)
);
