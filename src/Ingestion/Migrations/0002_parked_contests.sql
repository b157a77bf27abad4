-- Definitions that name a game the feed has not scheduled yet: topics are not ordered
-- against each other, so such a definition waits (bounded) for its games instead of
-- being refused outright. Kept whole, so an expired one is dead-lettered as it arrived.
CREATE TABLE parked_contests (
    contest_id      text        PRIMARY KEY,
    definition_hash text        NOT NULL,
    message_id      text        NOT NULL,
    payload         bytea       NOT NULL,
    headers         jsonb       NOT NULL,
    kafka_topic     text        NOT NULL,
    kafka_partition integer     NOT NULL,
    kafka_offset    bigint      NOT NULL,
    parked_at       timestamptz NOT NULL
);
